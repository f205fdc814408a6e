/*
 * svg.c - the sequence diagram (svg.h).  Plain SVG 1.1 with inline styles,
 * every text escaped, so any browser, Inkscape or LibreOffice opens it.
 *
 * Layout.  One lane per CPU, one row per step, time going down; a row is
 * as tall as its box's text needs: nothing is ever cut, every text is
 * wrapped to the width of the box it is drawn in.  Text is monospace
 * (DejaVu Sans Mono, 0.602 em a character), and a line holds
 * SVG_CHAR_EM em a character, a little more than the font needs, so a
 * renderer's rounding never pushes a line out of its box.
 *
 * Invariant, checked by tests/svg.sh with rsvg-convert: every <text> is in
 * a <g class="tb"> whose first child is the invisible <rect class="tb">
 * it must stay inside.
 *
 * The story (story.h) gives the race window, drawn as a band behind its
 * rows with its own label, the cause (the __xip_unmap scan that found
 * nothing) and, in the fixed versions, the step that saved the run; the
 * verdict gives the damage step.  Cause and damage are joined by an arrow,
 * as are the miss and the save.  Each box says what its step did in the
 * words of the play screen (narrate.c): the run is replayed once, step by
 * step, to narrate it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memmodel.h"
#include "narrate.h"
#include "story.h"
#include "svg.h"
#include "util.h"

#define SVG_CHAR_EM 0.615  /* width budget of one character, in em */
#define FONT 12            /* steps, labels */
#define LH 15              /* line height at FONT */
#define PAD 5              /* inside a box, each side */
#define MARGIN 12
#define NUMW 50            /* the step number column: four digits */
#define LANE 480
#define GAP 16             /* between two lanes' boxes */
#define ROWGAP 4
#define NARRATE_MAX 4000   /* longer runs are described by their code alone */

#define C_LOCK "#fde68a"
#define C_UNLOCK "#fef3c7"
#define C_SEQ "#c7d2fe"
#define C_WRITE "#bbf7d0"
#define C_PLAIN "#f3f4f6"
#define C_BAND "#ffedd5"
#define C_BAND_EDGE "#ea580c"
#define C_CAUSE "#c2410c"
#define C_DAMAGE "#dc2626"
#define C_SAVE "#15803d"

/* A piece of text with its attributes ("" for none); text "\n" starts a new line. */
struct span {
	const char *attrs;
	const char *text;
};

static void esc_n(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default:
			if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f)
				fputc(s[i], out);
		}
	}
}

static void esc(FILE *out, const char *s)
{
	esc_n(out, s, strlen(s));
}

/* Characters a line of a box w pixels wide holds at font size `font`. */
static int box_cols(int w, int font)
{
	int cols = (int)((w - 2 * PAD) / (font * SVG_CHAR_EM));

	return cols < 8 ? 8 : cols;
}

/* The first baseline below a box's top edge. */
static int baseline(int font)
{
	return PAD + (font * 11 + 6) / 12;
}

/* Line-flow state: where the words go, and which tspans are open. */
struct flow {
	FILE *out;          /* NULL: count lines only */
	int x, y, lh, cols;
	int col, lines;
	int style_open;     /* an attrs tspan is open */
	const char *style;
};

static void flow_close_style(struct flow *f)
{
	if (f->out && f->style_open)
		fputs("</tspan>", f->out);
	f->style_open = 0;
	f->style = NULL;
}

static void flow_newline(struct flow *f)
{
	flow_close_style(f);
	if (f->out) {
		if (f->lines)
			fputs("</tspan>", f->out);
		fprintf(f->out, "<tspan x=\"%d\" y=\"%d\">", f->x, f->y + f->lines * f->lh);
	}
	f->lines++;
	f->col = 0;
}

/* One word (no spaces) of n characters, in style attrs. */
static void flow_word(struct flow *f, const char *attrs, const char *w, size_t n)
{
	while (n > 0) {
		size_t take = n;
		if (f->lines == 0 || (f->col > 0 && f->col + 1 + (int)n > f->cols))
			flow_newline(f);
		if (take > (size_t)(f->cols - f->col - (f->col > 0)))
			take = (size_t)(f->cols - f->col - (f->col > 0));  /* a word longer than the line: broken */
		if (take == 0) {
			flow_newline(f);
			continue;
		}
		if (f->style != attrs) {
			flow_close_style(f);
			if (f->out && *attrs)
				fprintf(f->out, "<tspan %s>", attrs);
			f->style_open = *attrs != '\0';
			f->style = attrs;
		}
		if (f->out) {
			if (f->col > 0)
				fputc(' ', f->out);
			esc_n(f->out, w, take);
		}
		f->col += (f->col > 0) + (int)take;
		w += take;
		n -= take;
	}
}

/* Lay the spans out in cols columns; returns the number of lines (at least 1). */
static int flow_spans(struct flow *f, const struct span *sp, size_t nsp)
{
	for (size_t i = 0; i < nsp; i++) {
		const char *p = sp[i].text;
		if (strcmp(p, "\n") == 0) {
			flow_newline(f);
			continue;
		}
		while (*p) {
			size_t n;
			while (*p == ' ')
				p++;
			if (*p == '\n') {
				flow_newline(f);
				p++;
				continue;
			}
			n = strcspn(p, " \n");
			if (n)
				flow_word(f, sp[i].attrs, p, n);
			p += n;
		}
	}
	if (f->lines == 0)
		flow_newline(f);
	flow_close_style(f);
	if (f->out)
		fputs("</tspan>", f->out);
	return f->lines;
}

/* How many lines the spans take in a box w wide. */
static int text_lines(int w, int font, const struct span *sp, size_t nsp)
{
	struct flow f = { NULL, 0, 0, 0, box_cols(w, font), 0, 0, 0, NULL };

	return flow_spans(&f, sp, nsp);
}

/* The height of a box of `lines` lines, lh apart. */
static int text_height(int lines, int lh)
{
	return 2 * PAD + lines * lh;
}

/*
 * The text in its box (x, y, w wide, as tall as it needs): a <g class="tb">
 * holding the invisible box and the text.  Returns the box's height.
 * attrs: of the <text> (size, weight, colour).  out NULL: only measured.
 */
static int text_box(FILE *out, int x, int y, int w, int font, int lh, const char *attrs,
		    const struct span *sp, size_t nsp)
{
	int lines = text_lines(w, font, sp, nsp), h = text_height(lines, lh);
	struct flow f = { out, x + PAD, y + baseline(font), lh, box_cols(w, font), 0, 0, 0, NULL };

	if (!out)
		return h;
	fprintf(out, "<g class=\"tb\"><rect class=\"tb\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\"/>"
		"<text xml:space=\"preserve\" font-size=\"%d\" %s>", x, y, w, h, font, attrs);
	flow_spans(&f, sp, nsp);
	fputs("</text></g>\n", out);
	return h;
}

static int text_box1(FILE *out, int x, int y, int w, int font, int lh, const char *attrs, const char *text)
{
	struct span sp = { "", text };

	return text_box(out, x, y, w, font, lh, attrs, &sp, 1);
}

/* Colour of a step's box by what it did. */
static const char *step_fill(const struct sched_step *st)
{
	switch ((enum sched_op)st->op) {
	case SCHED_OP_ACQUIRE: return C_LOCK;
	case SCHED_OP_RELEASE: return C_UNLOCK;
	case SCHED_OP_SEQ_READ_BEGIN:
	case SCHED_OP_SEQ_READ_RETRY:
	case SCHED_OP_SEQ_WRITE_BEGIN:
	case SCHED_OP_SEQ_WRITE_END: return C_SEQ;
	case SCHED_OP_WRITE: return C_WRITE;
	default: return C_PLAIN;
	}
}

/*
 * Every step's sentence (narrate.c), from a replay of the run step by
 * step; NULL when the replay does not give the same trace (a run with
 * ingredients of the fix switched off, which the replay cannot know) or
 * the run is too long: the boxes then show the code.
 */
static char **narrate_steps(struct kernel_run *run)
{
	struct sched *s = kernel_run_sched(run);
	size_t n;
	const struct sched_step *tr = sched_trace(s, &n);
	uint64_t hash = sched_trace_hash(s);
	struct kernel_run *re;
	struct kernel_snapshot *snap;
	char **text, *cause = NULL;
	size_t i = 0;

	if (n == 0 || n > NARRATE_MAX)
		return NULL;
	text = xcalloc(n, sizeof *text);
	snap = xmalloc(sizeof *snap);
	re = kernel_run_new();
	if (kernel_run_start(re, kernel_run_scenario(run), kernel_run_version(run), &cause) == 0)
		for (; i < n && sched_step(kernel_run_sched(re), sched_step_choice(&tr[i]), &cause) == 0; i++) {
			char buf[640];
			kernel_snapshot(re, snap);
			text[i] = xstrdup(narrate_last_step(re, snap, buf, sizeof buf));
		}
	if (i < n || sched_trace_hash(kernel_run_sched(re)) != hash) {
		for (size_t k = 0; k < n; k++)
			free(text[k]);
		free(text);
		text = NULL;
	}
	free(cause);
	free(snap);
	kernel_run_free(re);
	return text;
}

/*
 * One picture, drawn twice: first with out NULL to measure (the rows'
 * places go into y, h and the bands' extents), then for real, when the
 * size and every band are known before anything is drawn over them.
 */
struct pic {
	FILE *out;                     /* NULL while measuring */
	struct kernel_run *run;
	const struct kernel_verdict *v;
	const struct scenario *scn;
	const struct sched_step *tr;
	size_t n;
	unsigned char *mask;           /* story_race_window */
	char **said;                   /* narrate_steps, or NULL */
	struct story_marks m;
	long damage;
	int width;
	/* filled by the measuring pass, read by the drawing pass */
	int *y, *h;                    /* per step: its row's top, its box's height */
	int *band_top, *band_bottom;   /* per step where a band starts: its extent; else -1 */
	int lanes_top, lanes_bottom;
};

static int lane_x(int cpu)
{
	return MARGIN + NUMW + cpu * LANE;
}

/* The tag that marks a step, or NULL. */
static const char *step_tag(const struct pic *p, long step)
{
	if (step == p->damage)
		return "DAMAGE";
	if (step == p->m.save)
		return "SAVED";
	if (step == p->m.cause)
		return p->damage > 0 ? "CAUSE" : "MISS";
	return NULL;
}

static const char *tag_colour(const char *tag)
{
	return strcmp(tag, "DAMAGE") == 0 ? C_DAMAGE : strcmp(tag, "SAVED") == 0 ? C_SAVE : C_CAUSE;
}

static const char *tag_fill(const char *tag)
{
	return strcmp(tag, "DAMAGE") == 0 ? "#fecaca" : strcmp(tag, "SAVED") == 0 ? "#dcfce7" : "#fed7aa";
}

/* What a mark adds to its step's sentence, or NULL. */
static const char *mark_extra(const struct pic *p, long step, char *buf, size_t len)
{
	if (step != p->m.save)
		return NULL;
	if (p->m.save_kind == STORY_SAVE_RECHECK)
		snprintf(buf, len, "This is the re-check under xip_sparse_mutex, and it finds the block: the fault "
			 "starts again (goto again) and maps the block, not the sparse page.");
	else
		snprintf(buf, len, "The count moved: a sparse fault ran during the scan, so __xip_unmap scans "
			 "again under xip_sparse_mutex and removes what that fault mapped.");
	return buf;
}

/* The band's label: whose window, from which step to which. */
static void band_text(const struct pic *p, size_t i, char *buf, size_t len)
{
	size_t j = i, o;

	while (j + 1 < p->n && p->mask[j + 1])
		j++;
	o = (size_t)snprintf(buf, len, "RACE WINDOW, steps %zu to %zu: ", i + 1, j + 1);
	for (int c = 0; c < SCHED_MAX_CPUS && o < len; c++)
		if (p->mask[i] & (1u << c))
			o += (size_t)snprintf(buf + o, len - o, "CPU%d's ", c);
	if (o < len)
		snprintf(buf + o, len - o, "fault has found a hole and has not installed its pte yet. A scan for "
			 "sparse pages in this window cannot see the page the fault is about to map.");
}

static int draw_head(struct pic *p, int y)
{
	enum xip_version ver = kernel_run_version(p->run);
	const char *tree = NULL;
	char sub[256];
	int hmax = 0;

	kernel_upstream_func_line("xip_file_fault", ver, &tree);
	int model = sched_memory_model(kernel_run_sched(p->run));

	/* a slide of a tso or weak run says so: the same CPUs under sc may not even reach the end */
	snprintf(sub, sizeof sub, "scenario %s, version %s%s%s%s, %zu steps, %u preemption%s%s%s", p->scn->name,
		 xip_version_name(ver), tree ? " (mm/filemap_xip.c of " : "", tree ? tree : "", tree ? ")" : "",
		 p->n, sched_preemptions(kernel_run_sched(p->run)),
		 sched_preemptions(kernel_run_sched(p->run)) == 1 ? "" : "s",
		 model != MEMMODEL_SC ? ", memory model " : "", model != MEMMODEL_SC ? memmodel_name((enum memmodel)model) : "");
	y += text_box1(p->out, MARGIN, y, p->width - 2 * MARGIN, 18, 22, "font-weight=\"bold\"", p->scn->title);
	y += text_box1(p->out, MARGIN, y, p->width - 2 * MARGIN, FONT, LH, "fill=\"#374151\"", sub) + 4;
	for (int c = 0; c < p->scn->ncpus; c++) {
		char cpu[16], ops[512], op[96];
		size_t o = 0;
		struct span sp[3] = { { "font-weight=\"bold\"", cpu }, { "", "\n" }, { "fill=\"#374151\"", ops } };
		int h;

		snprintf(cpu, sizeof cpu, "CPU%d", c);
		ops[0] = '\0';
		for (int i = 0; i < p->scn->cpus[c].nops && o < sizeof ops; i++)
			o += (size_t)snprintf(ops + o, sizeof ops - o, "%s%s", i ? "; " : "",
					      scenario_op_text(p->scn, &p->scn->cpus[c].ops[i], op, sizeof op));
		h = text_box(p->out, lane_x(c), y, LANE - GAP, FONT, LH, "", sp, 3);
		if (h > hmax)
			hmax = h;
	}
	return y + hmax + 4;
}

/* Step i's box in its lane at y; returns its height. */
static int draw_step(struct pic *p, size_t i, int y)
{
	const struct sched_step *st = &p->tr[i];
	const char *tag = step_tag(p, (long)i + 1), *tree;
	int line = kernel_upstream_line(st->site, kernel_run_version(p->run), &tree);
	int x = lane_x(st->cpu), w = LANE - GAP, k = 0, h;
	char code[400], where[40], num[24], tattrs[64], extra_buf[256];
	const char *said = p->said ? p->said[i] : kernel_step_text(p->run, st, code, sizeof code);
	const char *extra = mark_extra(p, (long)i + 1, extra_buf, sizeof extra_buf);
	struct span sp[8];

	snprintf(tattrs, sizeof tattrs, "font-weight=\"bold\" fill=\"%s\"", tag ? tag_colour(tag) : "#111827");
	if (tag)
		sp[k++] = (struct span){ tattrs, tag };
	sp[k++] = (struct span){ "font-weight=\"bold\"", st->site->func };
	if (line > 0) {
		snprintf(where, sizeof where, "mm/filemap_xip.c:%d", line);
		sp[k++] = (struct span){ "fill=\"#4b5563\"", where };
	}
	sp[k++] = (struct span){ "", "\n" };
	sp[k++] = (struct span){ "", said };
	if (extra) {
		sp[k++] = (struct span){ "", "\n" };
		sp[k++] = (struct span){ tattrs, extra };
	}
	h = text_box(NULL, x, y, w, FONT, LH, "", sp, (size_t)k);
	snprintf(num, sizeof num, "%zu", i + 1);
	if (p->out) {
		fprintf(p->out, "<g class=\"step\" id=\"step-%zu\">\n<title>", i + 1);
		esc(p->out, kernel_step_text(p->run, st, code, sizeof code));
		fprintf(p->out, "</title>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"%s\" "
			"stroke=\"%s\" stroke-width=\"%s\"/>\n", x, y, w, h, tag ? tag_fill(tag) : step_fill(st),
			tag ? tag_colour(tag) : "#d1d5db", tag ? "3" : "1");
	}
	text_box(p->out, MARGIN + 6, y, NUMW - 8, FONT, LH, "fill=\"#6b7280\"", &(struct span){ "", num }, 1);
	text_box(p->out, x, y, w, FONT, LH, "", sp, (size_t)k);
	if (p->out)
		fputs("</g>\n", p->out);
	p->y[i] = y;
	p->h[i] = h;
	return h;
}

static int draw_steps(struct pic *p, int y)
{
	size_t start = 0;

	p->lanes_top = y;
	for (size_t i = 0; i < p->n; i++) {
		if (p->mask[i] && (i == 0 || !p->mask[i - 1])) {
			char label[400];
			start = i;
			band_text(p, i, label, sizeof label);
			p->band_top[i] = y;
			y += 4 + text_box1(p->out, MARGIN + 8, y + 4, p->width - 2 * MARGIN - 16, FONT, LH,
					   "font-weight=\"bold\" fill=\"#9a3412\"", label) + 4;
		}
		y += draw_step(p, i, y) + ROWGAP;
		if (p->mask[i] && (i + 1 == p->n || !p->mask[i + 1])) {
			y += 4;
			p->band_bottom[start] = y;
			y += ROWGAP;
		}
	}
	p->lanes_bottom = y;
	return y;
}

/* The bands behind the rows and the lanes' dividers (measured first). */
static void draw_backdrop(const struct pic *p)
{
	for (int c = 1; c < p->scn->ncpus; c++)
		fprintf(p->out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9ca3af\" stroke-dasharray=\"3,3\"/>\n",
			lane_x(c) - GAP / 2, p->lanes_top, lane_x(c) - GAP / 2, p->lanes_bottom);
	for (size_t i = 0; i < p->n; i++)
		if (p->band_top[i] >= 0)
			fprintf(p->out, "<rect class=\"band\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
				"stroke=\"%s\" stroke-dasharray=\"6,3\"/>\n<rect x=\"%d\" y=\"%d\" width=\"5\" "
				"height=\"%d\" fill=\"%s\"/>\n", MARGIN, p->band_top[i], p->width - 2 * MARGIN,
				p->band_bottom[i] - p->band_top[i], C_BAND, C_BAND_EDGE, MARGIN, p->band_top[i],
				p->band_bottom[i] - p->band_top[i], C_BAND_EDGE);
}

/*
 * An arrow from step a's box to step b's (1-based), along the gap beside
 * a's lane, and its label on the arrow's first stretch, in the lane beside
 * a's, which is empty on a's row (one step a row).
 */
static void draw_arrow(const struct pic *p, long a, long b, const char *marker, const char *colour, const char *label)
{
	int ca = p->tr[a - 1].cpu, cb = p->tr[b - 1].cpu, w = LANE - GAP;
	int ya = p->y[a - 1] + p->h[a - 1] / 2, yb = p->y[b - 1] + p->h[b - 1] / 2;
	int xa, xb, gx;

	if (ca > cb) {
		xa = lane_x(ca), gx = xa - GAP / 2 - 3, xb = lane_x(cb) + w;
	} else {
		xa = lane_x(ca) + w, gx = xa + GAP / 2 - 3, xb = ca < cb ? lane_x(cb) : xa;
	}
	fprintf(p->out, "<path class=\"arrow\" d=\"M%d,%d H%d V%d H%d\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
		"marker-end=\"url(#%s)\"/>\n", xa, ya, gx, yb, xb + (xb > gx ? -1 : 1), colour, marker);
	if (ca != cb && (ca > cb ? ca - 1 : ca + 1) < p->scn->ncpus) {
		int lw = 2 * PAD + (int)(strlen(label) * FONT * SVG_CHAR_EM) + 2;
		int x = ca > cb ? gx - 6 - lw : gx + 6, lines;
		char attrs[64];

		if (lw > LANE - GAP)
			return;   /* one line or none: the lane beside is empty on this row only */
		snprintf(attrs, sizeof attrs, "font-weight=\"bold\" fill=\"%s\"", colour);
		lines = text_lines(lw, FONT, &(struct span){ "", label }, 1);
		if (lines == 1)
			text_box1(p->out, x, ya - text_height(1, LH) / 2, lw, FONT, LH, attrs, label);
	}
}

static int draw_foot(struct pic *p, int y)
{
	const struct kernel_verdict *v = p->v;
	int w = p->width - 2 * MARGIN;
	char marks[1200], verdict[64];
	size_t o = 0;
	int cause_cpu = p->m.cause ? p->m.cause_cpu : 0, victim = p->m.victim_cpu >= 0 ? p->m.victim_cpu : 0;
	char details[sizeof v->details];
	size_t dl = strlen(v->details);
	struct span sp[3] = { { "", v->headline }, { "", "\n" }, { "", details } };

	memcpy(details, v->details, dl + 1);
	while (dl > 0 && details[dl - 1] == '\n')
		details[--dl] = '\0';
	y += 10;
	snprintf(verdict, sizeof verdict, "verdict: %s", verdict_kind_name(v->kind));
	y += text_box1(p->out, MARGIN, y, w, 14, 18, v->kind == VERDICT_OK ? "font-weight=\"bold\" fill=\"#15803d\"" :
		       "font-weight=\"bold\" fill=\"#b91c1c\"", verdict);
	y += text_box(p->out, MARGIN, y, w, FONT, LH, "", sp, details[0] ? 3 : 1);
	marks[0] = '\0';
	if (p->damage > 0)
		o += (size_t)snprintf(marks + o, sizeof marks - o, "DAMAGE (step %ld, red): the step that made it "
				      "permanent. ", p->damage);
	if (p->m.cause && p->damage > 0 && o < sizeof marks)
		o += (size_t)snprintf(marks + o, sizeof marks - o, "CAUSE (step %ld, orange): CPU%d's __xip_unmap "
				      "scan found nothing to remove while CPU%d's fault was inside its race window. The red "
				      "arrow joins them: no scan ever looks for the page mapped afterwards. ",
				      p->m.cause, cause_cpu, victim);
	else if (p->m.cause && o < sizeof marks)
		o += (size_t)snprintf(marks + o, sizeof marks - o, "MISS (step %ld, orange): CPU%d's __xip_unmap "
				      "scan finds nothing to remove while CPU%d's fault is inside its race window, as in "
				      "the buggy version. ", p->m.cause, cause_cpu, victim);
	if (p->m.save && o < sizeof marks)
		snprintf(marks + o, sizeof marks - o, "SAVED (step %ld, green): %s%s", p->m.save,
			 p->m.save_kind == STORY_SAVE_RECHECK ? "the fault looks again, under xip_sparse_mutex, and "
			 "finds the block; it maps the block instead of the sparse page." :
			 "__xip_unmap sees that a sparse fault ran during its scan and scans again.",
			 p->m.cause ? " The green arrow joins the miss to the save." : "");
	if (marks[0])
		y += text_box1(p->out, MARGIN, y, w, FONT, LH, "", marks);
	y += text_box1(p->out, MARGIN, y, w, FONT, LH, "fill=\"#4b5563\"",
		       "Boxes: yellow takes a lock, pale yellow releases one, blue is the xip_sparse_seq seqcount, "
		       "green writes shared state, grey reads it. The orange band is the race window. Each box "
		       "names the kernel function and, where known, its line in the 2008 mm/filemap_xip.c; hover "
		       "over a box for the code it ran.");
	return y + MARGIN;
}

static int draw(struct pic *p)
{
	int y = draw_steps(p, draw_head(p, MARGIN));

	if (p->out) {
		char label[96];
		int victim = p->m.victim_cpu >= 0 ? p->m.victim_cpu : 0;
		if (p->damage > 0 && p->m.cause) {
			snprintf(label, sizeof label, "missed: CPU%d maps the sparse page at step %ld", victim, p->damage);
			draw_arrow(p, p->m.cause, p->damage, "arrow-red", C_DAMAGE, label);
		} else if (p->m.cause && p->m.save) {
			snprintf(label, sizeof label, "caught: step %ld looks again", p->m.save);
			draw_arrow(p, p->m.cause, p->m.save, "arrow-green", C_SAVE, label);
		}
	}
	return draw_foot(p, y);
}

void svg_write(FILE *out, struct kernel_run *run, const struct kernel_verdict *v)
{
	struct pic p = { 0 };
	int height;

	p.run = run;
	p.v = v;
	p.scn = kernel_run_scenario(run);
	p.tr = sched_trace(kernel_run_sched(run), &p.n);
	p.mask = xcalloc(p.n + 1, 1);
	p.said = narrate_steps(run);
	p.damage = v->damage_step > 0 && v->damage_step <= (long)p.n ? v->damage_step : 0;
	p.width = MARGIN + NUMW + p.scn->ncpus * LANE - GAP + 2 * MARGIN;  /* a margin inside the band too */
	p.y = xcalloc(p.n + 1, sizeof *p.y);
	p.h = xcalloc(p.n + 1, sizeof *p.h);
	p.band_top = xmalloc((p.n + 1) * sizeof *p.band_top);
	p.band_bottom = xmalloc((p.n + 1) * sizeof *p.band_bottom);
	for (size_t i = 0; i <= p.n; i++)
		p.band_top[i] = p.band_bottom[i] = -1;
	story_race_window(run, p.mask);
	story_marks(run, p.mask, p.damage, &p.m);

	height = draw(&p);
	p.out = out;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"%d\">\n"
		"<defs><marker id=\"arrow-red\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" "
		"markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>"
		"<marker id=\"arrow-green\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" "
		"markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker></defs>\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
		p.width, height, p.width, height, FONT, C_DAMAGE, C_SAVE, p.width, height);
	draw_backdrop(&p);
	draw(&p);
	fputs("</svg>\n", out);
	if (p.said)
		for (size_t i = 0; i < p.n; i++)
			free(p.said[i]);
	free(p.said);
	free(p.mask);
	free(p.y);
	free(p.h);
	free(p.band_top);
	free(p.band_bottom);
}
