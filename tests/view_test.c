/*
 * view_test.c - the code pane shows the kernel's view of the code (view-*).
 *
 * The oracle is the program's own site table (sched_sites, every
 * scheduling point compiled in) and the instrumentation's vocabulary, not
 * the listing's text: every site of a kernel file maps to a display line
 * that shows it; no display line of any embedded file holds a token of the
 * sandbox's plumbing; and drawing the classic race step by step, in every
 * version and at 80x24 and 120x40, no screen row holds one, while the
 * statement the next step runs is on the screen whole.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "scenario.h"
#include "sched.h"
#include "sources.h"
#include "tap.h"
#include "view.h"

/* What must never reach the screen: the sandbox's instrumentation. */
static const char *const plumbing[] = {
	"KREAD", "KWRITE", "KENTER", "KRETURN", "READ_SPARSE_PAGE", "WRITE_SPARSE_PAGE",
	"sched_point", "SCHED_SITE", "SCHED_OP_", "WITHOUT(", "W->", "sched_note",
};

static const char *plumbing_in(const char *s)
{
	for (size_t i = 0; i < sizeof plumbing / sizeof plumbing[0]; i++)
		if (strstr(s, plumbing[i]))
			return plumbing[i];
	return NULL;
}

/* The first identifier of a site's what that is not a C keyword: what its line must show. */
static void what_word(const char *what, char *buf, size_t len)
{
	static const char *const keywords[] = { "if", "while", "for", "return", "likely", "unlikely" };
	const char *p = what;

	buf[0] = '\0';
	while (*p) {
		size_t n = 0, k;
		while (*p && !(isalpha((unsigned char)*p) || *p == '_'))
			p++;
		while (isalnum((unsigned char)p[n]) || p[n] == '_')
			n++;
		for (k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
			if (strlen(keywords[k]) == n && strncmp(p, keywords[k], n) == 0)
				break;
		if (n && k == sizeof keywords / sizeof keywords[0]) {
			snprintf(buf, len, "%.*s", (int)n, p);
			return;
		}
		p += n;
	}
}

static void test_sites(void)
{
	size_t n, nkernel = 0, unmapped = 0, unshown = 0, unembedded = 0;
	const struct sched_site *const *sites = sched_sites(&n);

	tap_ok(n > 100, "view-1.1", "the program's site table holds the kernel's sites (%zu sites)", n);
	for (size_t i = 0; i < n; i++) {
		const struct sched_site *s = sites[i];
		const struct embedded_source *src = sources_find(s->file);
		char word[64];
		int d;

		if (!src) {
			/* a file of src/kernel/ that the build does not embed */
			if (strstr(s->file, "kernel/") && unembedded++ < 5)
				tap_diag("%s (%s:%s) is a kernel file with no listing", s->file, s->func, s->label);
			continue;
		}
		nkernel++;
		d = sources_display_line(src, s->line);
		if (d < 0) {
			if (unmapped++ < 5)
				tap_diag("%s:%d (%s:%s) maps to no display line", s->file, s->line, s->func, s->label);
			continue;
		}
		what_word(s->what, word, sizeof word);
		if (!strstr(src->lines[d].text, word) && unshown++ < 5)
			tap_diag("%s:%d (%s:%s): display line \"%s\" does not show \"%s\"", s->file, s->line, s->func,
				 s->label, src->lines[d].text, word);
	}
	tap_ok(nkernel > 100, "view-1.2", "most sites are in embedded kernel files (%zu)", nkernel);
	tap_is_int((long long)unmapped, 0, "view-1.3", "every kernel site maps to a display line");
	tap_is_int((long long)unshown, 0, "view-1.4", "... which shows the site's code (the first name of its what)");
	tap_is_int((long long)unembedded, 0, "view-1.5", "every kernel file with a site is embedded (Makefile.am, kernel_sources)");
}

static void test_listing(void)
{
	int files = 0, bad_tokens = 0, bad_map = 0, bad_order = 0;

	for (const struct embedded_source *s = embedded_sources; s->name; s++) {
		files++;
		for (int d = 0; d < s->nlines; d++) {
			const struct source_line *l = &s->lines[d];
			const char *tok = plumbing_in(l->text);
			if (tok && bad_tokens++ < 5)
				tap_diag("%s display line %d (source %d): \"%s\" holds %s", s->name, d, l->first, l->text, tok);
			if (l->first < 1 || l->last > s->nsource || l->first > l->last ||
			    (d > 0 && l->first <= s->lines[d - 1].first))
				bad_order++;
		}
		for (int line = 1; line <= s->nsource; line++) {
			int d = s->line_map[line];
			if (d >= s->nlines || (d >= 0 && (line < s->lines[d].first || line > s->lines[d].last)))
				bad_map++;
		}
	}
	tap_ok(files >= 8, "view-2.1", "every kernel file is embedded (%d)", files);
	tap_is_int(bad_tokens, 0, "view-2.2", "no display line of any kernel file holds an instrumentation token");
	tap_is_int(bad_order, 0, "view-2.3", "display lines are in source order, each from a range of source lines");
	tap_is_int(bad_map, 0, "view-2.4", "each source line maps to the display line that covers it (or none)");
}

static struct scenario *load(const char *name)
{
	const char *d = getenv("XS_SRCDIR");
	struct scenario *scn;
	char *cause = NULL, *path = xasprintf("%s/scenarios/%s.scn", d ? d : ".", name);

	if (scenario_load(path, &scn, &cause) != 0)
		fatal("%s", cause);
	free(path);
	return scn;
}

/* Spaces out: a wrapped statement is compared with its what whatever the breaks. */
static void squeeze(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 1 < len; s++)
		if (*s != ' ')
			buf[o++] = *s;
	buf[o] = '\0';
}

/* The code of a what: past a "where: " prefix. */
static const char *what_code(const char *what)
{
	const char *colon = strstr(what, ": ");
	const char *paren = strchr(what, '(');

	if (colon && (!paren || paren > colon || strchr(what, ')') < colon))
		return colon + 2;
	return what;
}

/*
 * The statement CPU c's column marks '>' (its rows: the marked one and
 * each one after a row ending in '\'), spaces out, into buf.  0 when none.
 */
static int marked_statement(const struct grid *g, int x0, int w, char *buf, size_t len)
{
	char row[512], cell[512];
	size_t o = 0;

	buf[0] = '\0';
	for (int y = 0; y < g->h; y++) {
		grid_row_text(g, y, row, sizeof row);
		if ((int)strlen(row) <= x0 || row[x0] != '>')
			continue;
		for (int r = y; r < g->h; r++) {
			int n;
			grid_row_text(g, r, row, sizeof row);
			/* the pane's text: columns [x0 + 2, x0 + w - 1) */
			snprintf(cell, sizeof cell, "%.*s", w - 3, (int)strlen(row) > x0 + 2 ? row + x0 + 2 : "");
			n = (int)strlen(cell);
			while (n && cell[n - 1] == ' ')
				cell[--n] = '\0';
			if (n && cell[n - 1] == '~')
				return -1; /* cut */
			if (n && cell[n - 1] == '\\' && n == w - 3) {
				cell[--n] = '\0';
				squeeze(cell, buf + o, len - o);
				o = strlen(buf);
				continue;
			}
			squeeze(cell, buf + o, len - o);
			return 1;
		}
	}
	return 0;
}

struct step_check {
	int steps, token_rows, unshown;
};

static void check_screen(const struct kernel_snapshot *snap, struct kernel_run *run, int w, int h, struct step_check *c)
{
	struct grid *g = grid_new(w, h);
	struct view_info in = { .scenario = "classic", .title = "test", .fork_at = (size_t)-1, .source = "test" };
	char row[512], stmt[1024], want[512];
	struct sched_cpu_info info;
	struct sched *s = kernel_run_sched(run);
	int cw;

	view_render(snap, &in, g);
	for (int y = 0; y < h; y++) {
		const char *tok = plumbing_in(grid_row_text(g, y, row, sizeof row));
		if (tok && c->token_rows++ < 5)
			tap_diag("%dx%d step %zu row %d holds %s: %s", w, h, sched_nsteps(s), y, tok, row);
	}
	/* each ready CPU's marked statement is whole and is the code its next step runs */
	cw = w / snap->ncpus;
	for (int cpu = 0; cpu < snap->ncpus; cpu++) {
		int r;
		sched_cpu_info(s, cpu, &info);
		if (info.state != SCHED_CPU_READY)
			continue;
		r = marked_statement(g, cpu * cw, cw, stmt, sizeof stmt);
		squeeze(what_code(info.site->what), want, sizeof want);
		if ((r != 1 || !strstr(stmt, want)) && c->unshown++ < 5) {
			tap_diag("%dx%d step %zu CPU%d: marked statement %s\"%s\", want \"%s\"", w, h, sched_nsteps(s), cpu,
				 r < 0 ? "(cut) " : "", stmt, want);
			for (int y = 0; y < h; y++)
				tap_diag("  |%s", grid_row_text(g, y, row, sizeof row));
		}
	}
	c->steps++;
	grid_free(g);
}

/* The classic race: CPU0 to the hole (5 steps), CPU1 to its end, CPU0 to its end. */
static void test_screens(void)
{
	struct scenario *scn = load("classic");
	struct kernel_run *run = kernel_run_new();
	struct kernel_snapshot *snap = xcalloc(1, sizeof *snap);
	static const int sizes[][2] = { { 80, 24 }, { 120, 40 } };
	char id[32];
	int nid = 0;

	for (int v = 0; v < XIP_NVERSIONS; v++) {
		for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
			struct step_check c = { 0 };
			char *cause = NULL;
			struct sched *s;
			int k = 0;

			if (kernel_run_start(run, scn, (enum xip_version)v, &cause) != 0)
				fatal("%s", cause);
			s = kernel_run_sched(run);
			for (;;) {
				int cpu = k < 5 ? 0 : sched_cpu_enabled(s, 1) ? 1 : 0;
				kernel_snapshot(run, snap);
				check_screen(snap, run, sizes[z][0], sizes[z][1], &c);
				if (sched_end_reason(s) != SCHED_RUNNING)
					break;
				if (!sched_cpu_enabled(s, cpu))
					cpu = sched_policy_choose(s, SCHED_POLICY_SEQUENTIAL);
				if (cpu < 0 || sched_step(s, cpu, &cause) != 0)
					fatal("%s", cause ? cause : "no CPU can run");
				k++;
			}
			snprintf(id, sizeof id, "view-3.%d", ++nid);
			tap_ok(c.steps > 20 && c.token_rows == 0, id, "%s at %dx%d: no row of %d screens holds instrumentation",
			       xip_version_name((enum xip_version)v), sizes[z][0], sizes[z][1], c.steps);
			snprintf(id, sizeof id, "view-4.%d", nid);
			tap_is_int(c.unshown, 0, id, "%s at %dx%d: each ready CPU's next statement is marked and shown whole",
				   xip_version_name((enum xip_version)v), sizes[z][0], sizes[z][1]);
		}
	}
	free(snap);
	kernel_run_free(run);
	scenario_free(scn);
}

int main(void)
{
	test_sites();
	test_listing();
	test_screens();
	return tap_done();
}
