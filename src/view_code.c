/*
 * view_code.c - the code pane of a CPU's column (view-int.h): the kernel
 * listing (sources.h) around the statement the CPU runs next, or, in user
 * mode, what the process does.
 *
 * The pane shows the function the CPU is in (with the comment above it),
 * from the listing built from the compiled source, under a header naming
 * the kernel's file and the function.  The next statement is marked '>' and shown whole: when it is
 * wider than the pane it wraps, each row but its last ending in '\'.
 * Other lines that do not fit are cut, their last cell a '~'.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sources.h"
#include "view-int.h"

#define CODE_MARK 2     /* "> " or "  " before each line */

/* text with tabs expanded to `tab` columns, into buf. */
static void expand_tabs(const char *text, int tab, char *buf, size_t len)
{
	size_t o = 0;

	for (; *text && o + 1 < len; text++) {
		if (*text == '\t') {
			do
				buf[o++] = ' ';
			while (o % (size_t)tab && o + 1 < len);
		} else {
			buf[o++] = *text;
		}
	}
	buf[o] = '\0';
	/* a trailing comment's alignment: two spaces are enough in a pane */
	for (char *c = strstr(buf + strspn(buf, " "), "   /*"); c; c = strstr(c + 2, "   /*")) {
		char *run = c;
		while (run > buf && run[-1] == ' ')
			run--;
		memmove(run + 2, c + 3, strlen(c + 3) + 1);
		c = run;
	}
}

/*
 * Rows the statement takes at `room` columns: the first at its own
 * indent, continuations 4 further in; each row but the last keeps one
 * column for the '\'.  Breaks at a space when there is one in the row's
 * second half.  Fills start/len of each row (up to max) when given.
 */
static int wrap_rows(const char *s, int room, int *start, int *len, int max)
{
	int n = (int)strlen(s), indent = (int)strspn(s, " "), pos = 0, rows = 0;

	while (pos < n) {
		int lead = rows ? indent + 4 : 0, fit = room - lead, cut;
		if (fit < 8)
			fit = room > 8 ? 8 : room;
		if (n - pos <= fit) {
			cut = n - pos;
		} else {
			/* before a trailing comment, else after a space, a comma or an opening parenthesis */
			int best = 0;
			cut = fit - 1;
			for (int c = cut; c > cut / 3 && !best; c--)
				if (s[pos + c] == ' ' && strncmp(s + pos + c + 1, "/*", 2) == 0)
					best = c;
			for (int c = cut; c > cut / 3 && !best; c--)
				if (s[pos + c] == ' ' || s[pos + c - 1] == '(' || s[pos + c - 1] == ',')
					best = c;
			if (best)
				cut = best;
		}
		if (rows < max) {
			start[rows] = pos;
			len[rows] = cut;
		}
		rows++;
		pos += cut;
		while (rows && s[pos] == ' ' && pos < n)
			pos++;
	}
	return rows ? rows : 1;
}

#define MAX_WRAP 8

/* The current statement, rows [y, y1): returns the rows used. */
static int draw_current(struct grid *g, int x, int w, int y, int y1, enum grid_role role, const char *s)
{
	int start[MAX_WRAP], len[MAX_WRAP], room = w - 1 - CODE_MARK;
	int rows = wrap_rows(s, room, start, len, MAX_WRAP), indent = (int)strspn(s, " ");

	for (int r = 0; r < rows && r < MAX_WRAP && y + r < y1; r++) {
		int lead = r ? indent + 4 : 0;
		grid_role_span(g, x, y + r, w - 1, role);
		grid_put(g, x, y + r, role, r ? "  " : "> ", CODE_MARK);
		grid_put(g, x + CODE_MARK + lead, y + r, role, s + start[r], len[r]);
		if (r + 1 < rows)
			grid_put(g, x + w - 2, y + r, role, "\\", 1);
	}
	return rows;
}

static void draw_line(struct grid *g, int x, int w, int y, const char *s)
{
	int room = w - 1 - CODE_MARK, n = (int)strlen(s);

	grid_put(g, x + CODE_MARK, y, ROLE_NORMAL, s, room);
	if (n > room)
		grid_put(g, x + CODE_MARK + room - 1, y, ROLE_DIM, "~", 1);
}

/* "mm/filemap_xip.c (buggy): xip_sparse_page()", without the version when that does not fit. */
static void draw_header(struct grid *g, int x, int w, int y, const struct sched_site *site)
{
	const char *file = kernel_source_name(site->file);
	char buf[160];
	int n = snprintf(buf, sizeof buf, "%s: %s()", file, site->func);

	if (n > w - 1 && strchr(file, ' '))
		snprintf(buf, sizeof buf, "%.*s: %s()", (int)strcspn(file, " "), file, site->func);
	grid_put(g, x, y, ROLE_HEADING, buf, w - 1);
}

/* "A touch 1" -> "A: load from page 1 of the mapping". */
static void user_op_text(const char *op_text, char *buf, size_t len)
{
	char who[16], verb[16];
	int page, used = 0;

	if (sscanf(op_text, "%15s %15s %d%n", who, verb, &page, &used) < 3) {
		snprintf(buf, len, "%s", op_text);
		return;
	}
	if (strcmp(verb, "touch") == 0)
		snprintf(buf, len, "%s: load from page %d of the mapping", who, page);
	else if (strcmp(verb, "store") == 0)
		snprintf(buf, len, "%s: store%s to page %d of the mapping", who, op_text + used, page);
	else
		snprintf(buf, len, "%s: %s", who, op_text + strlen(who) + 1);
}

/* User mode: the process's operation, and the access its MMU makes next. */
static void draw_user(const struct ksnap_cpu *k, int x, int w, int y, int y1, struct grid *g)
{
	char op[128];
	enum grid_role role = k->state == KSNAP_BLOCKED ? ROLE_WAIT : ROLE_CURRENT;

	if (y >= y1)
		return;
	user_op_text(k->op_text, op, sizeof op);
	grid_put(g, x + CODE_MARK, y++, ROLE_NORMAL, op, w - 1 - CODE_MARK);
	if (y < y1)
		draw_current(g, x, w, y, y1, role, k->site->what);
}

void view_code_draw(const struct ksnap_cpu *k, int x, int w, int y, int y1, struct grid *g)
{
	const struct embedded_source *src;
	const struct source_func *fn;
	enum grid_role role = k->state == KSNAP_BLOCKED ? ROLE_WAIT : ROLE_CURRENT;
	char cur[512], line[512];
	int d, first, last, tab = w >= 80 ? 8 : 4, rows, above, start, cur_rows;

	if (!k->site || !k->site->file)
		return;
	if (k->nframes == 0) {
		draw_user(k, x, w, y, y1, g);
		return;
	}
	src = sources_find(k->site->file);
	d = sources_display_line(src, k->site->line);
	draw_header(g, x, w, y++, k->site);
	if (d < 0) {
		grid_putf(g, x, y, ROLE_DIM, w - 1, "(no listing of %s)", k->site->func);
		return;
	}
	fn = sources_func_at(src, d);
	first = fn ? fn->first : 0;
	last = fn ? fn->last : src->nlines - 1;
	expand_tabs(src->lines[d].text, tab, cur, sizeof cur);
	rows = y1 - y;
	cur_rows = wrap_rows(cur, w - 1 - CODE_MARK, NULL, NULL, 0);
	if (cur_rows > rows)
		cur_rows = rows;
	/* a third of the room above the statement, less where the function begins or ends */
	above = (rows - cur_rows) / 3;
	if (last - d < rows - cur_rows - above)
		above = rows - cur_rows - (last - d);
	start = d - above < first ? first : d - above;
	for (int l = start; l <= last && y < y1; l++) {
		if (l == d) {
			y += draw_current(g, x, w, y, y1, role, cur);
			continue;
		}
		expand_tabs(src->lines[l].text, tab, line, sizeof line);
		draw_line(g, x, w, y++, line);
	}
}

void view_code_statement(const struct ksnap_cpu *k, char *buf, size_t len)
{
	const struct embedded_source *src;
	char line[512];
	int d;

	buf[0] = '\0';
	if (!k->site || !k->site->file)
		return;
	if (k->nframes == 0) {
		char op[160];
		user_op_text(k->op_text, op, sizeof op);
		snprintf(buf, len, "%s", op);
		return;
	}
	src = sources_find(k->site->file);
	d = sources_display_line(src, k->site->line);
	if (d < 0) {
		snprintf(buf, len, "%s(): %s", k->site->func, k->site->what);
		return;
	}
	expand_tabs(src->lines[d].text, 1, line, sizeof line);
	snprintf(buf, len, "%s():  %s", k->site->func, line + strspn(line, " "));
}
