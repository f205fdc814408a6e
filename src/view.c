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
	"  v                 switch version: buggy, fixed, later (same interleaving)\n"
	"  s                 save the schedule under a name\n"
	"  L                 load a stored schedule of this scenario\n"
	"  ?                 this help (any key closes it)\n"
	"  q                 quit\n";

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

static void bytes_text(const unsigned char *b, char *buf, size_t len)
{
	size_t o = 0;
	int last = -1;

	for (int i = 0; i < SCN_PAGE_BYTES; i++)
		if (b[i])
			last = i;
	if (last < 0) {
		snprintf(buf, len, "zeros");
		return;
	}
	buf[o++] = '"';
	for (int i = 0; i <= last && o + 2 < len; i++)
		buf[o++] = (b[i] >= 0x20 && b[i] < 0x7f) ? (char)b[i] : '.';
	buf[o++] = '"';
	buf[o] = '\0';
}

/* A writer of tokens that wraps within rows [y, y_end). */
struct flow {
	struct grid *g;
	int x0, x, y, y_end;
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
	f->x += grid_put(f->g, f->x, f->y, role, tok, -1);
}

static void draw_title(const struct kernel_snapshot *s, const struct view_info *in, struct grid *g)
{
	char right[64];
	int rl;

	grid_role_span(g, 0, 0, g->w, ROLE_TITLE);
	snprintf(right, sizeof right, " %s | step %zu of %zu ",
		 in->variant && s->version == XIP_FIXED ? in->variant : xip_version_name(s->version), in->pos, in->n);
	rl = (int)strlen(right);
	grid_putf(g, 0, 0, ROLE_TITLE, g->w - rl, " xipsandbox | %s: %s", in->scenario, in->title);
	grid_put(g, g->w - rl, 0, ROLE_TITLE, right, -1);
}

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
	/* the call stack, innermost last, cut from the left when long */
	if (k->nframes == 0) {
		grid_putf(g, x, y++, ROLE_DIM, w - 1, "user mode: process %c", k->comm);
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

static void draw_shared(const struct kernel_snapshot *s, int y, int y_end, struct grid *g)
{
	struct flow f = { g, 0, 0, y, y_end };
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
			bytes_text(s->blocks[b].data, b2, sizeof b2);
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
}

static void draw_timeline(const struct view_info *in, int y, struct grid *g)
{
	char head[128];
	int x, room, start = 0;

	snprintf(head, sizeof head, "schedule (%s): ", in->source);
	x = grid_put(g, 0, y, ROLE_HEADING, head, g->w / 2);
	room = g->w - x - 1;
	if ((int)in->pos > room - 8)
		start = (int)in->pos - (room - 8);
	for (size_t i = (size_t)start; i < in->n && x < g->w; i++, x++) {
		enum grid_role role = i < in->pos ? ROLE_NORMAL : ROLE_DIM;
		char ch = (char)('0' + in->choices[i]);
		if (i == in->pos) {
			/* a visible mark between the steps taken and the next one */
			x += grid_put(g, x, y, ROLE_CURRENT, "|", 1);
			role = ROLE_CURRENT;
		}
		if (in->fork_at != (size_t)-1 && i >= in->fork_at && i < in->pos)
			role = ROLE_CHANGED;
		if (in->window && i < in->pos && in->window[i])
			role = ROLE_WAIT; /* the race window: between finding the hole and the pte */
		grid_put(g, x, y, role, (char[]){ ch, '\0' }, 1);
	}
	if (in->pos >= in->n && x < g->w)
		grid_put(g, x, y, ROLE_CURRENT, in->verdict ? "|end" : "|", -1);
}

/* Word-wrap text over rows [y, y_end). */
static void draw_wrapped(struct grid *g, int y, int y_end, enum grid_role role, const char *text)
{
	while (*text && y < y_end) {
		int n = (int)strlen(text), cut = n;
		if (n > g->w - 1) {
			cut = g->w - 1;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = g->w - 1;
		}
		grid_put(g, 0, y++, role, text, cut);
		text += cut;
		while (*text == ' ')
			text++;
	}
}

static void draw_overlay(const struct view_info *in, struct grid *g)
{
	int lines = 1, width = 0, cur = 0, x0, y0;
	const char *p;

	for (p = in->overlay_text; *p; p++) {
		if (*p == '\n') {
			lines++;
			cur = 0;
		} else if (++cur > width) {
			width = cur;
		}
	}
	width += 4;
	if (width > g->w)
		width = g->w;
	if (lines + 2 > g->h)
		lines = g->h - 2;
	x0 = (g->w - width) / 2;
	y0 = (g->h - lines - 2) / 2;
	for (int y = y0; y < y0 + lines + 2; y++) {
		for (int x = x0; x < x0 + width; x++)
			grid_put(g, x, y, ROLE_TITLE, " ", 1);
	}
	p = in->overlay_text;
	for (int i = 0; i < lines && *p; i++) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		enum grid_role role = (in->overlay == VIEW_LIST && i == in->overlay_sel + 1) ? ROLE_CURRENT : ROLE_TITLE;
		grid_put(g, x0 + 2, y0 + 1 + i, role, p, n < width - 4 ? n : width - 4);
		if (role == ROLE_CURRENT)
			grid_role_span(g, x0 + 1, y0 + 1 + i, width - 2, ROLE_CURRENT);
		p += n + (nl ? 1 : 0);
	}
}

void view_render(const struct kernel_snapshot *s, const struct view_info *in, struct grid *g)
{
	int bottom, cpu_y0 = 1, cpu_y1, shared_rows, cw, nmaps = 0;

	grid_clear(g);
	if (g->w < VIEW_MIN_W || g->h < VIEW_MIN_H) {
		draw_wrapped(g, 0, g->h, ROLE_BAD, "xipsandbox: the terminal is too small.");
		grid_putf(g, 0, 1 < g->h ? 1 : 0, ROLE_NORMAL, -1, "It is %dx%d; play needs %dx%d.", g->w, g->h,
			  VIEW_MIN_W, VIEW_MIN_H);
		if (g->h > 3)
			draw_wrapped(g, 2, g->h, ROLE_NORMAL,
				     "Enlarge the window (q quits), or use 'xipsandbox replay' for a text trace.");
		return;
	}
	for (int p = 0; p < s->nprocs; p++)
		nmaps += s->procs[p].nmaps;
	shared_rows = 3 + nmaps + 1;      /* locks (2 rows), sparse, file, ptes */
	if (in->projector)
		shared_rows += 1;         /* room to breathe on a projector */
	bottom = g->h - 1 - 1 - 1 - 2 - 1; /* key bar, message, verdict, narration, timeline */
	cpu_y1 = bottom - shared_rows - 1;
	if (cpu_y1 - cpu_y0 < 6)
		cpu_y1 = cpu_y0 + 6;
	draw_title(s, in, g);
	cw = g->w / (s->ncpus ? s->ncpus : 1);
	for (int c = 0; c < s->ncpus; c++)
		draw_cpu(s, c, c * cw, cw, cpu_y0, cpu_y1, g);
	for (int x = 0; x < g->w; x++)
		grid_put(g, x, cpu_y1, ROLE_DIM, "-", 1);
	grid_put(g, 1, cpu_y1, ROLE_HEADING, " shared state ", -1);
	draw_shared(s, cpu_y1 + 1, bottom, g);
	draw_timeline(in, bottom, g);
	draw_wrapped(g, bottom + 1, bottom + 3, ROLE_LAST, in->narration ? in->narration : "");
	if (in->verdict) {
		char v[512];
		snprintf(v, sizeof v, "VERDICT %s: %s", verdict_kind_name(in->verdict->kind), in->verdict->headline);
		draw_wrapped(g, bottom + 3, bottom + 4, in->verdict->kind == VERDICT_OK ? ROLE_GOOD : ROLE_BAD, v);
	} else if (s->console && *s->console) {
		const char *last = s->console + strlen(s->console) - 1;
		while (last > s->console && last[-1] != '\n')
			last--;
		grid_putf(g, 0, bottom + 3, ROLE_DIM, -1, "console (printk): %.*s", (int)strcspn(last, "\n"), last);
	}
	if (in->message && *in->message)
		draw_wrapped(g, bottom + 4, bottom + 5, ROLE_WAIT, in->message);
	grid_role_span(g, 0, g->h - 1, g->w, ROLE_TITLE);
	if (in->mode)
		grid_putf(g, 0, g->h - 1, ROLE_TITLE, -1, " %s   space continue  p pause  + - pace  BS back  q quit", in->mode);
	else
		grid_put(g, 0, g->h - 1, ROLE_TITLE,
			 " space step  BS back  0-7 run CPU  e end  v version  s save  L load  ? help  q quit", -1);
	if (in->overlay != VIEW_NONE && in->overlay_text)
		draw_overlay(in, g);
}
