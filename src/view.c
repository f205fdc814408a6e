/*
 * view.c - the play screen (view.h).
 *
 * Layout, top to bottom: the title bar; one column per CPU (its operation,
 * state, call stack and the kernel source around the line it runs next);
 * the shared state (locks, seqcount, sparse page, the file's blocks, each
 * process's ptes); the schedule's timeline; the narration; the message or
 * verdict; the key bar.  The CPU columns take whatever height is left, so
 * a bigger terminal shows more source.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "memmodel.h"
#include "view-int.h"

const char view_help_text[] =
	"Keys\n"
	"  space, Right, l   next step of the schedule\n"
	"  Backspace, Left, h   one step back (exact: the run is replayed)\n"
	"  0 .. 7            run one step of that CPU (forks a new schedule)\n"
	"  n then 0 .. 7     run on until that CPU is the next to run\n"
	"  e, End            run to the end\n"
	"  Home              back to step 0\n"
	"  g                 go to a step number\n"
	"  v                 switch version: buggy, fixed, later, final (same moment)\n"
	"  s                 save the schedule under a name\n"
	"  L                 load a stored schedule of this scenario\n"
	"  t                 the terms: pte, sparse page, -ENODATA, ...\n"
	"  ?                 this help (any key closes it)\n"
	"  q                 quit\n"
	"Signs\n"
	"  CPU0 *  ran the last step (the others show ':')\n"
	"  >       the line of kernel code that CPU runs next\n"
	"  |       in the schedule: now (the digits are the CPU of each step)\n"
	"  [ ]     the race window: a fault has found a hole, its pte is not in\n"
	"  SPARSE! a pte that no longer shows the file's data (stale)\n";

const char view_terms_text[] =
	"Terms\n"
	"XIP        execute in place: the file's pages are the flash chip's own\n"
	"           memory, mapped directly; there is no page cache copy.\n"
	"hole       a page of the file with no flash block behind it yet: it\n"
	"           reads as zeros.  get_xip_mem answers -ENODATA for a hole.\n"
	"sparse page  one shared page of zeros that read-only mappings of holes\n"
	"           get, so a hole costs no flash (__xip_sparse_page).\n"
	"pte        page table entry: which page a process sees at an address.\n"
	"           A MAP_SHARED mapping must always show the file's data.\n"
	"__xip_unmap  after a write fills a hole, removes every pte that still\n"
	"           maps the sparse page there, so all mappings see the block.\n"
	"i_mutex    the file's lock, held by write(2).\n"
	"xip_sparse_mutex, xip_sparse_seq  the fix: a sparse fault holds the\n"
	"           mutex in a seqcount write section; __xip_unmap waits for it\n"
	"           and rescans when the count moved.\n"
	"ptl        the page-table lock taken while a pte is checked and set.\n"
	"(any key closes this)\n";

static const char *pte_token(const struct ksnap_pte *p, char *buf, size_t len)
{
	switch (p->kind) {
	case KSNAP_PTE_NONE: snprintf(buf, len, "-"); break;
	case KSNAP_PTE_SPARSE: snprintf(buf, len, "SPARSE"); break;
	case KSNAP_PTE_BLOCK: snprintf(buf, len, "blk%d", p->block); break;
	case KSNAP_PTE_ANON: snprintf(buf, len, "anon"); break;
	case KSNAP_PTE_FREED: snprintf(buf, len, "FREED"); break;
	}
	if (p->stale)
		strncat(buf, "!", len - strlen(buf) - 1);
	return buf;
}

/*
 * A writer of tokens that wraps within rows [y, y_end).  With `dry` set it
 * only counts: the layout asks how many rows the shared state needs
 * before it gives the rest to the code panes.
 */
struct flow {
	struct grid *g;
	int x0, x, y, y_end;
	int dry;
};

static void flow_put(struct flow *f, enum grid_role role, const char *tok)
{
	int n = (int)strlen(tok);

	if (f->x + n > f->g->w && f->x > f->x0) {
		f->y++;
		f->x = f->x0 + 2;
	}
	if (f->y >= f->y_end)
		return;
	if (f->dry)
		f->x += n;
	else
		f->x += grid_put(f->g, f->x, f->y, role, tok, -1);
}

/*
 * The title bar: " xipsandbox | classic: TITLE ... buggy | step 28 of 32 ".
 * A title that does not fit gives its head (up to its first ": "), and
 * one whose head does not fit either is left out whole (the help names
 * it), never cut in the middle of a word.
 */
static void draw_title(const struct kernel_snapshot *s, const struct view_info *in, struct grid *g)
{
	char right[128], left[256];
	int rl;

	grid_role_span(g, 0, 0, g->w, ROLE_TITLE);
	snprintf(right, sizeof right, " %s | step %zu of %zu ",
		 in->variant && s->version == XIP_FIXED ? in->variant : xip_version_name(s->version), in->pos, in->n);
	rl = (int)strlen(right);
	snprintf(left, sizeof left, " xipsandbox | %s: %s", in->scenario, in->title ? in->title : "");
	if ((int)strlen(left) + rl + 1 > g->w && in->title && strstr(in->title, ": "))
		/* the title's head, before its first colon: "The classic race" */
		snprintf(left, sizeof left, " xipsandbox | %s: %.*s", in->scenario,
			 (int)(strstr(in->title, ": ") - in->title), in->title);
	if ((int)strlen(left) + rl + 1 > g->w)
		snprintf(left, sizeof left, " xipsandbox | %s", in->scenario);
	grid_put(g, 0, 0, ROLE_TITLE, left, g->w - rl);
	grid_put(g, g->w - rl, 0, ROLE_TITLE, right, -1);
}

static int draw_text(struct grid *g, int x, int y, int w, int y_end, enum grid_role role, const char *text);

static void draw_cpu(const struct kernel_snapshot *s, int c, int x, int w, int y0, int y1, struct grid *g)
{
	const struct ksnap_cpu *k = &s->cpu[c];
	char buf[256];
	int y = y0;

	grid_putf(g, x, y, s->last_cpu == c ? ROLE_LAST : ROLE_HEADING, w - 1, "CPU%d %s %s (op %d/%d)",
		  c, s->last_cpu == c ? "*" : ":", k->op_text, k->op + 1, k->nops);
	y++;
	switch (k->state) {
	case KSNAP_READY:
		grid_put(g, x, y, ROLE_NORMAL, "ready", w - 1);
		break;
	case KSNAP_BLOCKED:
		grid_putf(g, x, y, ROLE_WAIT, w - 1, "BLOCKED: %s", strstr(k->wait, " ") ? strstr(k->wait, " ") + 1 : k->wait);
		break;
	case KSNAP_FINISHED:
		grid_putf(g, x, y, ROLE_DIM, w - 1, "finished: %s", k->result[k->nops - 1]);
		break;
	case KSNAP_HALTED:
		grid_put(g, x, y, ROLE_BAD, "HALTED: kernel BUG", w - 1);
		break;
	}
	y++;
	if (k->state == KSNAP_FINISHED || k->state == KSNAP_HALTED) {
		for (int i = 0; i < k->nops && y < y1; i++, y++)
			grid_putf(g, x, y, ROLE_DIM, w - 1, "op %d: %s", i + 1, k->result[i]);
		return;
	}
	if (s->memory_model != MEMMODEL_SC && y1 - y > 3) {
		/*
		 * The bottom rows: what this CPU has not made visible, and what it
		 * still sees stale, wrapped whole in a narrow column (the code above
		 * keeps at least 3 rows).
		 */
		char sb[sizeof s->store_buffer[c] + 16], iq[sizeof s->inval_queue[c] + 20];
		int nb, nq = 0, top;

		snprintf(sb, sizeof sb, "store buffer: %s", s->store_buffer[c][0] ? s->store_buffer[c] : "empty");
		nb = view_wrap(sb, w - 1, NULL, NULL, 0);
		if (s->memory_model == MEMMODEL_WEAK) {
			snprintf(iq, sizeof iq, "invalidate queue: %s", s->inval_queue[c][0] ? s->inval_queue[c] : "empty");
			nq = view_wrap(iq, w - 1, NULL, NULL, 0);
		}
		top = y1 - nb - nq < y + 3 ? y + 3 : y1 - nb - nq;
		draw_text(g, x, top, w - 1, y1, s->store_buffer[c][0] ? ROLE_WAIT : ROLE_DIM, sb);
		if (nq)
			draw_text(g, x, top + nb, w - 1, y1, s->inval_queue[c][0] ? ROLE_WAIT : ROLE_DIM, iq);
		y1 = top;
	}
	/* the call stack, innermost last, cut from the left when long */
	if (k->nframes == 0) {
		/* a long process name in a narrow column: the name whole, "process" left out */
		int whole = (int)strlen("user mode: process ") + (int)strlen(k->comm) <= w - 1;
		grid_putf(g, x, y++, ROLE_DIM, w - 1, whole ? "user mode: process %s" : "user mode: %s", k->comm);
	} else {
		size_t o = 0;
		buf[0] = '\0';
		for (int i = 0; i < k->nframes && o < sizeof buf - 40; i++)
			o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ">" : "", k->frames[i]);
		if (strcmp(k->frames[k->nframes - 1], k->site->func) != 0)
			snprintf(buf + o, sizeof buf - o, "%s%s", o ? ">" : "", k->site->func);
		o = strlen(buf);
		grid_put(g, x, y++, ROLE_DIM, (int)o > w - 1 ? buf + o - (size_t)(w - 1) : buf, w - 1);
	}
	view_code_draw(k, x, w, y, y1, g);
}

/* The shared state in rows [y, y_end); returns the rows it takes (dry: draws nothing). */
static int draw_shared(const struct kernel_snapshot *s, int y, int y_end, struct grid *g, int dry)
{
	struct flow f = { g, 0, 0, y, y_end, dry };
	char buf[160], b2[64];

	flow_put(&f, ROLE_HEADING, "locks: ");
	for (int i = 0; i < s->nlocks; i++) {
		const struct ksnap_lock *l = &s->locks[i];
		enum grid_role role = l->touched ? ROLE_CHANGED : ROLE_NORMAL;
		if (l->kind == SCHED_OBJ_SEQCOUNT) {
			snprintf(buf, sizeof buf, "%s=%u(%s) ", l->name, l->sequence, l->sequence & 1 ? "odd" : "even");
			if ((l->sequence & 1) && !l->touched)
				role = ROLE_WAIT;
		} else if (l->owner >= 0) {
			size_t o = (size_t)snprintf(buf, sizeof buf, "%s:CPU%d", l->name, l->owner);
			for (int c = 0; c < SCN_MAX_CPUS; c++)
				if (l->waiters & (1u << c))
					o += (size_t)snprintf(buf + o, sizeof buf - o, "<-CPU%d", c);
			snprintf(buf + o, sizeof buf - o, " ");
			if (!l->touched)
				role = ROLE_WAIT;
		} else {
			snprintf(buf, sizeof buf, "%s:free ", l->name);
		}
		flow_put(&f, role, buf);
	}
	f.y++;
	f.x = 0;
	if (s->sparse_page)
		snprintf(buf, sizeof buf, "__xip_sparse_page: page#%d _count %d mapcount %d   ", s->sparse_page,
			 s->sparse_count, s->sparse_mapcount);
	else
		snprintf(buf, sizeof buf, "__xip_sparse_page: NULL (not allocated yet)   ");
	flow_put(&f, s->sparse_touched ? ROLE_CHANGED : ROLE_NORMAL, buf);
	snprintf(buf, sizeof buf, "i_size %ld", s->i_size);
	flow_put(&f, ROLE_NORMAL, buf);
	f.y++;
	f.x = 0;
	flow_put(&f, ROLE_HEADING, "file: ");
	for (int pg = 0; pg < s->file_pages && pg < SCN_MAX_PAGES; pg++) {
		int b = s->blockmap[pg];
		if (b >= 0) {
			kernel_bytes_text(s->blocks[b].data, b2, sizeof b2);
			snprintf(buf, sizeof buf, "p%d=blk%d %s  ", pg, b, b2);
		} else {
			snprintf(buf, sizeof buf, "p%d=hole  ", pg);
		}
		flow_put(&f, s->blockmap_changed[pg] || (b >= 0 && s->blocks[b].changed) ? ROLE_CHANGED : ROLE_NORMAL, buf);
	}
	for (int p = 0; p < s->nprocs; p++) {
		const struct ksnap_proc *kp = &s->procs[p];
		for (int k = 0; k < kp->nmaps; k++) {
			const struct ksnap_map *m = &kp->maps[k];
			f.y++;
			f.x = 0;
			snprintf(buf, sizeof buf, "ptes %-3s %s%s: ", m->name,
				 !m->created ? "(not mapped yet)" : m->shared ? "MAP_SHARED" : "MAP_PRIVATE",
				 m->created ? (m->prot_write ? " rw" : " ro") : "");
			flow_put(&f, ROLE_HEADING, buf);
			if (!m->created)
				continue;
			for (int pg = 0; pg < s->file_pages && pg < SCN_MAX_PAGES; pg++) {
				const struct ksnap_pte *pt = &m->pte[pg];
				enum grid_role role = pt->changed ? ROLE_CHANGED : pt->stale && m->shared ? ROLE_BAD : ROLE_NORMAL;
				snprintf(buf, sizeof buf, "p%d:%s ", pg, pte_token(pt, b2, sizeof b2));
				flow_put(&f, role, buf);
			}
		}
	}
	return f.y - y + 1;
}

/* ---- text that wraps, never cut -------------------------------------------------- */

/*
 * Rows `text` takes word-wrapped at `width` columns, '\n' a hard break;
 * fills each row's start and length (up to max rows) when given.  A word
 * wider than the row is split, never dropped.
 */
int view_wrap(const char *text, int width, int *start, int *len, int max)
{
	const char *p = text;
	int rows = 0;

	if (width < 1)
		width = 1;
	while (*p) {
		int n = (int)strcspn(p, "\n"), cut = n;
		if (n > width) {
			cut = width;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = width;
		}
		if (start && rows < max) {
			start[rows] = (int)(p - text);
			len[rows] = cut;
		}
		rows++;
		p += cut;
		if (cut == n) {
			if (*p == '\n')
				p++;
		} else {
			while (*p == ' ')
				p++;
		}
	}
	return rows;
}

#define WRAP_MAX 64

/* Draw text wrapped at w columns from (x, y), within rows [y, y_end); returns the rows it takes. */
static int draw_text(struct grid *g, int x, int y, int w, int y_end, enum grid_role role, const char *text)
{
	int start[WRAP_MAX], len[WRAP_MAX];
	int rows = view_wrap(text, w, start, len, WRAP_MAX);

	for (int r = 0; r < rows && r < WRAP_MAX && y + r < y_end; r++)
		grid_put(g, x, y + r, role, text + start[r], len[r]);
	return rows;
}

/* ---- the timeline ------------------------------------------------------------------ */

/*
 * "schedule ('race'): 00000[11111111111]00000|0000": the steps taken, a
 * '|' before the next one, the recorded future dimmed.  The race window
 * (a fault has found a hole and not yet installed its pte) is bracketed,
 * so that it shows without colour too; a forked schedule says where it
 * was changed.  When long, it scrolls to keep the '|' in sight ('<').
 */
#define TL_MAX 8192

static void draw_timeline(const struct view_info *in, int y, struct grid *g)
{
	static char ch[TL_MAX];
	static uint8_t role[TL_MAX];
	char head[192];
	int x, room, n = 0, cur = 0, start = 0;
	int forked = in->fork_at != (size_t)-1 && in->fork_at < in->n;

#define TL_PUSH(c, r) do { if (n < TL_MAX) { ch[n] = (c); role[n] = (uint8_t)(r); n++; } } while (0)
	for (size_t i = 0; i < in->n; i++) {
		int win = in->window && i < in->pos && in->window[i];
		enum grid_role r = i < in->pos ? ROLE_NORMAL : ROLE_DIM;
		if (win && (i == 0 || !in->window[i - 1]))
			TL_PUSH('[', ROLE_WAIT);
		if (i == in->pos) {
			cur = n;
			TL_PUSH('|', ROLE_CURRENT);
			r = ROLE_CURRENT;
		}
		if (forked && i >= in->fork_at && i < in->pos)
			r = ROLE_CHANGED;
		if (win)
			r = ROLE_WAIT;
		TL_PUSH((char)('0' + in->choices[i]), r);
		if (win && (i + 1 >= in->pos || !in->window[i + 1]))
			TL_PUSH(']', ROLE_WAIT);
	}
	if (in->pos >= in->n) {
		cur = n;
		TL_PUSH('|', ROLE_CURRENT);
		if (in->verdict)
			for (const char *e = "end"; *e; e++)
				TL_PUSH(*e, ROLE_CURRENT);
	}
#undef TL_PUSH
	if (forked)
		snprintf(head, sizeof head, "schedule (%s, changed at step %zu): ", in->source, in->fork_at + 1);
	else
		snprintf(head, sizeof head, "schedule (%s): ", in->source);
	x = grid_put(g, 0, y, ROLE_HEADING, head, g->w / 2);
	room = g->w - x - 1;
	if (n > room && cur > room - 12) {
		start = cur - (room - 12);
		x += grid_put(g, x, y, ROLE_DIM, "<", 1);
		room--;
	}
	for (int i = start; i < n && i - start < room; i++)
		grid_put(g, x + i - start, y, (enum grid_role)role[i], (char[]){ ch[i], '\0' }, 1);
}

/* ---- overlays ---------------------------------------------------------------------- */

void view_overlay_box(const struct view_info *in, const struct grid *g, int *x0, int *y0, int *w, int *h)
{
	int width = 0, cap = g->w - 2 < 76 ? g->w - 2 : 76, lines = 0;
	const char *p = in->overlay_text ? in->overlay_text : "";

	/* the widest line, up to what the screen holds; longer lines wrap */
	for (const char *q = p; ; ) {
		int n = (int)strcspn(q, "\n");
		if (n > width)
			width = n;
		if (!q[n])
			break;
		q += n + 1;
	}
	if (in->overlay == VIEW_STOP)
		width = cap; /* a stop's box keeps its size from question to answer */
	if (width > cap - 4)
		width = cap - 4;
	lines = view_wrap(p, width, NULL, NULL, 0);
	*w = width + 4;
	*h = lines + 2 < g->h ? lines + 2 : g->h;
	*x0 = (g->w - *w) / 2;
	*y0 = (g->h - *h) / 2;
}

static void draw_overlay(const struct view_info *in, struct grid *g)
{
	int start[WRAP_MAX * 2], len[WRAP_MAX * 2], x0, y0, w, h, rows, line = 0;
	const char *p = in->overlay_text;

	view_overlay_box(in, g, &x0, &y0, &w, &h);
	for (int y = y0; y < y0 + h; y++)
		for (int x = x0; x < x0 + w; x++)
			grid_put(g, x, y, ROLE_TITLE, " ", 1);
	rows = view_wrap(p, w - 4, start, len, WRAP_MAX * 2);
	for (int r = 0; r < rows && r < WRAP_MAX * 2 && r < h - 2; r++) {
		enum grid_role role = ROLE_TITLE;
		/* a list's selected entry: its source line is overlay_sel + 1 (the first is the heading) */
		if (in->overlay == VIEW_LIST && line == in->overlay_sel + 1) {
			role = ROLE_CURRENT;
			grid_role_span(g, x0 + 1, y0 + 1 + r, w - 2, ROLE_CURRENT);
		}
		grid_put(g, x0 + 2, y0 + 1 + r, role, p + start[r], len[r]);
		if (p[start[r] + len[r]] == '\n' || p[start[r] + len[r]] == '\0')
			line++;
	}
}

/* ---- the key bar ------------------------------------------------------------------- */

/* The first of the candidates that fits the width. */
static void draw_keys(struct grid *g, const char *const *cand, int n)
{
	int i = 0;

	while (i + 1 < n && (int)strlen(cand[i]) > g->w)
		i++;
	grid_role_span(g, 0, g->h - 1, g->w, ROLE_TITLE);
	grid_put(g, 0, g->h - 1, ROLE_TITLE, cand[i], -1);
}

static void draw_footer(const struct view_info *in, struct grid *g)
{
	char a[256], b[256], c[256];

	if (in->keys) {
		const char *k[] = { in->keys };
		draw_keys(g, k, 1);
	} else if (in->mode) {
		snprintf(a, sizeof a, " %s   space continue  p pause  + - pace  BS back  q quit", in->mode);
		snprintf(b, sizeof b, " %s  space go  p pause  +- pace  BS back  q quit", in->mode);
		snprintf(c, sizeof c, " space go  p pause  +- pace  BS back  t terms  q quit");
		const char *k[] = { a, b, c };
		draw_keys(g, k, 3);
	} else {
		const char *k[] = {
			" space step  BS back  0-7 run CPU  e end  v version  s save  L load  t terms  ? help  q quit",
			" space step  BS back  0-7 CPU  e end  v version  s save  L load  t terms  ? keys  q quit",
			" space:step BS:back 0-7:CPU e:end v:version s:save L:load t:terms ?:keys q:quit",
		};
		draw_keys(g, k, 3);
	}
}

/* The divider above the shared state, with the legend of the screen's signs. */
static void draw_divider(int y, struct grid *g)
{
	static const char *const legend[] = {
		"  * ran last  > next line  | now  [ ] race window  ! stale pte  t: terms ",
		" *ran last  >next  |now  [ ]race window  !stale pte  t terms ",
		" *last >next |now [ ]race !stale ",
	};
	int x, i = 0;

	for (x = 0; x < g->w; x++)
		grid_put(g, x, y, ROLE_DIM, "-", 1);
	x = 1 + grid_put(g, 1, y, ROLE_HEADING, " shared state ", -1);
	while (i < 2 && x + (int)strlen(legend[i]) + 1 > g->w)
		i++;
	if (x + (int)strlen(legend[i]) + 1 <= g->w)
		grid_put(g, g->w - 1 - (int)strlen(legend[i]), y, ROLE_DIM, legend[i], -1);
}

/* ---- the projector layout ---------------------------------------------------------- */

/*
 * The page of the file the race is about: one a sparse or stale pte maps,
 * else the page most CPUs' operations name ("A touch 1"), else a hole.
 */
static int race_page(const struct kernel_snapshot *s)
{
	int hole = -1, votes[SCN_MAX_PAGES] = { 0 }, best = -1;

	for (int c = 0; c < s->ncpus; c++) {
		int pg;
		if (sscanf(s->cpu[c].op_text, "%*s %*s %d", &pg) == 1 && pg >= 0 && pg < SCN_MAX_PAGES)
			votes[pg]++;
	}
	for (int pg = 0; pg < SCN_MAX_PAGES; pg++)
		if (votes[pg] && (best < 0 || votes[pg] > votes[best]))
			best = pg;

	for (int pg = 0; pg < s->file_pages && pg < SCN_MAX_PAGES; pg++) {
		for (int p = 0; p < s->nprocs; p++)
			for (int k = 0; k < s->procs[p].nmaps; k++) {
				const struct ksnap_pte *pt = &s->procs[p].maps[k].pte[pg];
				if (s->procs[p].maps[k].created && (pt->stale || pt->kind == KSNAP_PTE_SPARSE))
					return pg;
			}
		if (hole < 0 && s->blockmap[pg] < 0)
			hole = pg;
	}
	if (best >= 0 && best < s->file_pages)
		return best;
	return hole >= 0 ? hole : 0;
}

/*
 * Large print for the back of a room: per CPU its operation and the one
 * statement it runs next; the race page's flash block and each mapping's
 * pte for it; the sparse page; then the sentence (or the demo's pause
 * text, in place of a box over the screen).  Signs are words, not
 * colours, and there are blank rows between the parts.
 */
static void render_projector(const struct kernel_snapshot *s, const struct view_info *in, struct grid *g)
{
	char buf[512], b2[64];
	int y = 2, w = g->w - 2, pg = race_page(s), foot = g->h - 1;
	const char *sentence;
	enum grid_role srole = ROLE_LAST;

	draw_title(s, in, g);
	for (int c = 0; c < s->ncpus && y < foot - 4; c++) {
		const struct ksnap_cpu *k = &s->cpu[c];
		snprintf(buf, sizeof buf, "CPU%d%s  %s", c, s->last_cpu == c ? " (ran last)" : "", k->op_text);
		grid_put(g, 1, y++, s->last_cpu == c ? ROLE_LAST : ROLE_HEADING, buf, w);
		if (k->state == KSNAP_FINISHED)
			snprintf(buf, sizeof buf, "finished: %s", k->result[k->nops - 1]);
		else if (k->state == KSNAP_HALTED)
			snprintf(buf, sizeof buf, "HALTED: kernel BUG");
		else if (k->state == KSNAP_BLOCKED)
			snprintf(buf, sizeof buf, "WAITS: %s", k->wait);
		else
			view_code_statement(k, buf, sizeof buf);
		y += draw_text(g, 3, y, w - 2, foot - 3, k->state == KSNAP_READY ? ROLE_CURRENT : ROLE_WAIT, buf);
		y++;
	}
	if (s->blockmap[pg] >= 0) {
		kernel_bytes_text(s->blocks[s->blockmap[pg]].data, b2, sizeof b2);
		snprintf(buf, sizeof buf, "page %d of the file:  flash block %d, %s", pg, s->blockmap[pg], b2);
	} else {
		snprintf(buf, sizeof buf, "page %d of the file:  a hole (no flash block yet)", pg);
	}
	grid_put(g, 1, y++, s->blockmap_changed[pg] ? ROLE_CHANGED : ROLE_NORMAL, buf, w);
	for (int p = 0; p < s->nprocs; p++)
		for (int k = 0; k < s->procs[p].nmaps && y < foot - 3; k++) {
			const struct ksnap_map *m = &s->procs[p].maps[k];
			const struct ksnap_pte *pt = &m->pte[pg];
			if (!m->created)
				snprintf(buf, sizeof buf, "%s's pte for page %d:  not mapped yet", m->name, pg);
			else
				snprintf(buf, sizeof buf, "%s's pte for page %d:  %s%s", m->name, pg,
					 pt->kind == KSNAP_PTE_NONE ? "none" : pt->kind == KSNAP_PTE_SPARSE ? "the SPARSE page (zeros)" :
					 pt->kind == KSNAP_PTE_BLOCK ? "the flash block" : pt->kind == KSNAP_PTE_ANON ? "a private copy" : "a FREED page",
					 pt->stale && m->shared ? "   STALE: not the file's data" : "");
			grid_put(g, 1, y++, pt->stale && m->shared ? ROLE_BAD : pt->changed ? ROLE_CHANGED : ROLE_NORMAL, buf, w);
		}
	if (s->sparse_page)
		snprintf(buf, sizeof buf, "the sparse page:  allocated, mapped %d time%s", s->sparse_mapcount,
			 s->sparse_mapcount == 1 ? "" : "s");
	else
		snprintf(buf, sizeof buf, "the sparse page:  not allocated yet");
	grid_put(g, 1, y++, s->sparse_touched ? ROLE_CHANGED : ROLE_NORMAL, buf, w);
	/* open now: the last step is inside the window and is not the pte that closes it */
	if (in->window && in->pos > 0 && in->window[in->pos - 1] &&
	    !(s->last_site && sched_site_is(s->last_site, "*:set_pte"))) {
		size_t from = in->pos - 1;
		while (from > 0 && in->window[from - 1])
			from--;
		snprintf(buf, sizeof buf, "RACE WINDOW OPEN since step %zu: a fault found a hole, its pte is not in yet", from + 1);
		grid_put(g, 1, y++, ROLE_WAIT, buf, w);
	}
	y++;
	if (in->overlay == VIEW_STOP && in->overlay_text) {
		sentence = in->overlay_text;
		srole = ROLE_NORMAL;
	} else if (in->verdict) {
		snprintf(buf, sizeof buf, "VERDICT %s: %s", verdict_kind_name(in->verdict->kind), in->verdict->headline);
		sentence = buf;
		srole = in->verdict->kind == VERDICT_OK ? ROLE_GOOD : ROLE_BAD;
	} else {
		sentence = in->narration ? in->narration : "";
	}
	/* the sentence wins over the parts above when it needs their rows */
	{
		int rows = view_wrap(sentence, w, NULL, NULL, 0);
		if (y + rows > foot) {
			y = foot - rows > 1 ? foot - rows : 1;
			for (int r = y; r < foot; r++)
				for (int x = 0; x < g->w; x++)
					grid_put(g, x, r, ROLE_NORMAL, " ", 1);
		}
		draw_text(g, 1, y, w, foot, srole, sentence);
	}
	draw_footer(in, g);
	if (in->overlay != VIEW_NONE && in->overlay != VIEW_STOP && in->overlay_text)
		draw_overlay(in, g);
}

/* ---- the play screen --------------------------------------------------------------- */

/*
 * The layout is made from the bottom up: the key bar, then the message,
 * the verdict (or the console) and the narration each get every row their
 * text needs wrapped at the screen's width, then the timeline and the
 * shared state; the CPU columns take what is left (the code panes give
 * way first).  No sentence is ever cut.
 */
#define CPU_MIN_ROWS 2  /* a CPU's operation and its state */

void view_render(const struct kernel_snapshot *s, const struct view_info *in, struct grid *g)
{
	char verdict[640], console[400];
	const char *bottom_text = NULL;
	enum grid_role bottom_role = ROLE_DIM;
	int tw, msg_rows = 0, ver_rows = 0, nar_rows, shared_rows, y_msg, y_ver, y_nar, y_tl, y_shared, cpu_y1, cw;
	const char *narration = in->narration ? in->narration : "";

	grid_clear(g);
	if ((g->w < VIEW_MIN_W || g->h < VIEW_MIN_H) && (g->w < 40 || g->h < 6)) {
		/* a tiny window: the three things that matter, one per row, each whole when it fits */
		char size[64];
		snprintf(size, sizeof size, "%dx%d<%dx%d", g->w, g->h, VIEW_MIN_W, VIEW_MIN_H);
		grid_put(g, 0, 0, ROLE_BAD, "too small", -1);
		grid_put(g, 0, 1, ROLE_NORMAL, size, -1);
		grid_put(g, 0, 2, ROLE_NORMAL, "enlarge it", -1);
		grid_put(g, 0, 3, ROLE_NORMAL, "q quits", -1);
		return;
	}
	if (g->w < VIEW_MIN_W || g->h < VIEW_MIN_H) {
		char size[96];
		int y = draw_text(g, 0, 0, g->w, g->h, ROLE_BAD, "xipsandbox: the terminal is too small.");
		snprintf(size, sizeof size, "It is %dx%d; play needs %dx%d.", g->w, g->h, VIEW_MIN_W, VIEW_MIN_H);
		y += draw_text(g, 0, y, g->w, g->h, ROLE_NORMAL, size);
		draw_text(g, 0, y, g->w, g->h, ROLE_NORMAL,
			  "Enlarge the window (q quits), or use 'xipsandbox replay' for a text trace.");
		return;
	}
	if (in->projector) {
		render_projector(s, in, g);
		return;
	}
	tw = g->w - 1;
	if (in->message && *in->message)
		msg_rows = view_wrap(in->message, tw, NULL, NULL, 0);
	if (in->verdict) {
		snprintf(verdict, sizeof verdict, "VERDICT %s: %s", verdict_kind_name(in->verdict->kind), in->verdict->headline);
		bottom_text = verdict;
		bottom_role = in->verdict->kind == VERDICT_OK ? ROLE_GOOD : ROLE_BAD;
	} else if (s->console && *s->console) {
		const char *last = s->console + strlen(s->console) - 1;
		while (last > s->console && last[-1] != '\n')
			last--;
		snprintf(console, sizeof console, "console (printk): %.*s", (int)strcspn(last, "\n"), last);
		bottom_text = console;
	}
	if (bottom_text)
		ver_rows = view_wrap(bottom_text, tw, NULL, NULL, 0);
	nar_rows = view_wrap(narration, tw, NULL, NULL, 0);
	if (nar_rows < 2)
		nar_rows = 2; /* the narration's place does not jump from step to step */
	y_msg = g->h - 1 - msg_rows;
	y_ver = y_msg - ver_rows;
	y_nar = y_ver - nar_rows;
	y_tl = y_nar - 1;
	shared_rows = draw_shared(s, 0, g->h, g, 1);
	if (y_tl - shared_rows - 1 < 1 + CPU_MIN_ROWS)
		shared_rows = y_tl - 1 - 1 - CPU_MIN_ROWS; /* the shared state is cut before a sentence */
	y_shared = y_tl - shared_rows;
	cpu_y1 = y_shared - 1;
	draw_title(s, in, g);
	cw = g->w / (s->ncpus ? s->ncpus : 1);
	for (int c = 0; c < s->ncpus; c++)
		draw_cpu(s, c, c * cw, cw, 1, cpu_y1, g);
	draw_divider(cpu_y1, g);
	draw_shared(s, y_shared, y_tl, g, 0);
	draw_timeline(in, y_tl, g);
	draw_text(g, 0, y_nar, tw, y_ver, ROLE_LAST, narration);
	if (bottom_text)
		draw_text(g, 0, y_ver, tw, y_msg, bottom_role, bottom_text);
	if (msg_rows)
		draw_text(g, 0, y_msg, tw, g->h - 1, ROLE_WAIT, in->message);
	draw_footer(in, g);
	if (in->overlay != VIEW_NONE && in->overlay_text)
		draw_overlay(in, g);
}
