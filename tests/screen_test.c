/*
 * screen_test.c - the screen a student reads, drawn without a terminal
 * (screen-*): the app (keys, narration, quiz) renders into grids at 80x24,
 * 100x30 and 120x40 exactly as tui.c would paint them.
 *
 * screen-1: golden grids.  Chosen moments of the classic race (buggy and
 *   fixed, a quiz open, the projector layout) compared with the text files
 *   in tests/golden/screens/ (XS_UPDATE_GOLDEN=1 writes them).
 * screen-2: no sentence is ever cut.  At every step of every shipped
 *   named schedule, on every version it is for, at the three sizes, the
 *   narration, the verdict and the message each appear whole: the screen's
 *   rows, joined and with runs of blanks squeezed, contain the sentence.
 *   The oracle does not use the view's wrapping, only the text.
 * screen-3: every question of every .demo opens with its text whole inside
 *   its box, and its answer box holds the whole explanation.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "demo.h"
#include "kernel.h"
#include "record.h"
#include "scenario.h"
#include "schedule.h"
#include "shipped.h"
#include "tap.h"
#include "view.h"

static const int sizes[][2] = { { 80, 24 }, { 100, 30 }, { 120, 40 } };
#define NSIZES (sizeof sizes / sizeof sizes[0])

static const char *srcdir(void)
{
	const char *d = getenv("XS_SRCDIR");
	return d && *d ? d : ".";
}

/* SRCDIR/sub/name + ext */
static char *src_path(const char *sub, const char *name, const char *ext)
{
	return xasprintf("%s/%s/%s%s", srcdir(), sub, name, ext);
}

/* The whole grid as text, one row per line. */
static char *grid_text(const struct grid *g)
{
	size_t cap = (size_t)(g->w + 1) * (size_t)g->h + 1, o = 0;
	char *out = xmalloc(cap), row[512];

	for (int y = 0; y < g->h; y++) {
		grid_row_text(g, y, row, sizeof row);
		o += (size_t)snprintf(out + o, cap - o, "%s\n", row);
	}
	return out;
}

/* Squeeze every run of blanks and newlines into one space. */
static void squeeze(const char *in, char *out, size_t len)
{
	size_t o = 0;
	int blank = 1;

	for (; *in && o + 1 < len; in++) {
		if (*in == ' ' || *in == '\n' || *in == '\t') {
			if (!blank)
				out[o++] = ' ';
			blank = 1;
		} else {
			out[o++] = *in;
			blank = 0;
		}
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* The rows [y0, y1) of columns [x0, x1) joined and squeezed. */
static void region_text(const struct grid *g, int x0, int x1, int y0, int y1, char *out, size_t len)
{
	size_t cap = (size_t)(x1 - x0 + 2) * (size_t)(y1 - y0) + 1, o = 0;
	char *raw = xmalloc(cap);

	for (int y = y0; y < y1; y++) {
		for (int x = x0; x < x1; x++)
			raw[o++] = g->cells[y * g->w + x].ch;
		raw[o++] = '\n';
	}
	raw[o] = '\0';
	squeeze(raw, out, len);
	free(raw);
}

static int whole_on(const struct grid *g, const char *sentence)
{
	static char have[1 << 16], want[4096];

	region_text(g, 0, g->w, 0, g->h, have, sizeof have);
	squeeze(sentence, want, sizeof want);
	return strstr(have, want) != NULL;
}

/* ---- opening the app on a shipped schedule ---------------------------------------- */

/* The choices of `text` expanded on version v; NULL when it does not apply. */
static int *expand(const struct scenario *scn, enum xip_version v, const char *text, size_t *n)
{
	struct schedule *sch = NULL;
	struct kernel_run *run = kernel_run_new();
	char *cause = NULL;
	int *choices = NULL;

	*n = 0;
	if (schedule_parse(text, kernel_symbol_value, &sch, &cause) == 0 && record_execute(run, scn, v, sch, &cause) == 0) {
		const struct sched_step *tr = sched_trace(kernel_run_sched(run), n);
		choices = xcalloc(*n + 1, sizeof *choices);
		for (size_t i = 0; i < *n; i++)
			choices[i] = tr[i].cpu;
	}
	free(cause);
	schedule_free(sch);
	kernel_run_free(run);
	return choices;
}

static int open_app(struct app *a, const struct scenario *scn, enum xip_version v, const struct shipped_schedule *ss)
{
	char source[96], *cause = NULL;
	size_t n;
	int *choices = expand(scn, v, ss->text, &n);
	int rc;

	if (!choices)
		return -1;
	snprintf(source, sizeof source, "'%s'", ss->name);
	rc = app_open(a, scn, NULL, 0, v, choices, n, ss->text, source, &cause);
	if (rc != 0) {
		tap_diag("%s", cause);
		free(cause);
	}
	free(choices);
	return rc;
}

static void press(struct app *a, int ch)
{
	app_handle(a, (struct app_event){ APP_CHAR, ch });
}

/* ---- screen-1: golden grids ------------------------------------------------------ */

static void golden(const char *name, struct app *a, int w, int h)
{
	struct grid *g = grid_new(w, h);
	char file[256], *path, *got, *want = NULL;
	FILE *f;
	long len;

	app_render(a, g);
	got = grid_text(g);
	snprintf(file, sizeof file, "%s-%dx%d.txt", name, w, h);
	path = src_path("tests/golden/screens", file, "");
	if (getenv("XS_UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		if (f) {
			fputs(got, f);
			fclose(f);
		}
	}
	f = fopen(path, "r");
	if (f) {
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		want = xcalloc((size_t)len + 1, 1);
		if (fread(want, 1, (size_t)len, f) != (size_t)len)
			want[0] = '\0';
		fclose(f);
	}
	{
		char id[128];
		snprintf(id, sizeof id, "screen-1.%s-%dx%d", name, w, h);
		tap_ok(want && strcmp(got, want) == 0, id, "the screen matches tests/golden/screens/%s", file);
	}
	if (!want)
		tap_diag("cannot read %s: %s (XS_UPDATE_GOLDEN=1 writes it)", path, strerror(errno));
	else if (strcmp(got, want) != 0)
		tap_diag("got:\n%s", got);
	free(want);
	free(got);
	free(path);
	grid_free(g);
}

static void goto_step(struct app *a, size_t k)
{
	play_goto(&a->play, k);
	a->play.message[0] = '\0';
}

static void golden_classic(void)
{
	char *path = src_path("scenarios", "classic", ".scn"), *cause = NULL, *spath, *dpath;
	struct scenario *scn = NULL;
	struct shipped_file *sf = NULL;
	const struct shipped_schedule *race = NULL;
	struct demo *d = NULL;
	struct app a;

	if (scenario_load(path, &scn, &cause) != 0)
		fatal("%s", cause);
	spath = src_path("scenarios", "classic", ".sched");
	if (shipped_load(spath, &sf, &cause) != 1)
		fatal("%s", cause ? cause : "no classic.sched");
	for (int i = 0; i < sf->n; i++)
		if (strcmp(sf->s[i].name, "race") == 0)
			race = &sf->s[i];
	if (!race)
		fatal("classic.sched has no 'race'");
	for (size_t z = 0; z < NSIZES; z++) {
		int w = sizes[z][0], h = sizes[z][1];
		static const size_t steps[] = { 0, 14, 28, 32 };
		if (open_app(&a, scn, XIP_BUGGY, race) != 0)
			fatal("cannot open the race");
		golden("buggy-step0", &a, w, h); /* with its opening message */
		for (size_t k = 1; k < sizeof steps / sizeof steps[0]; k++) {
			char name[64];
			goto_step(&a, steps[k]);
			snprintf(name, sizeof name, "buggy-step%zu", steps[k]);
			golden(name, &a, w, h);
		}
		app_close(&a);
		if (open_app(&a, scn, XIP_FIXED, race) != 0)
			fatal("cannot open the race on fixed");
		goto_step(&a, 20);
		golden("fixed-step20", &a, w, h);
		goto_step(&a, a.play.n);
		golden("fixed-end", &a, w, h);
		app_close(&a);
	}
	/* the quiz's first question, open, and the projector at the damage (80x24 only) */
	dpath = src_path("scenarios", "classic", ".demo");
	if (demo_load(dpath, &d, &cause) != 1)
		fatal("%s", cause ? cause : "no classic.demo");
	if (open_app(&a, scn, XIP_BUGGY, race) != 0)
		fatal("cannot open the race");
	app_set_demo(&a, d, 0, 1, 1000, 0);
	app_handle(&a, (struct app_event){ APP_END, 0 }); /* runs on, stops at the first question */
	golden("quiz-open", &a, 80, 24);
	press(&a, 'a');
	golden("quiz-answered", &a, 80, 24);
	app_close(&a);
	if (open_app(&a, scn, XIP_BUGGY, race) != 0)
		fatal("cannot open the race");
	a.projector = 1;
	goto_step(&a, 28);
	golden("projector-step28", &a, 80, 24);
	goto_step(&a, 32);
	golden("projector-end", &a, 80, 24);
	app_close(&a);
	free(dpath);
	free(spath);
	shipped_free(sf);
	scenario_free(scn);
	free(path);
}

/* ---- screen-2: no sentence cut, anywhere ------------------------------------------ */

struct cut_count {
	unsigned long screens, cut;
};

static void check_screen(struct app *a, struct grid *g, const char *where, size_t step, struct cut_count *cc)
{
	const char *texts[3];
	char verdict[640];
	int n = 0;

	app_render(a, g);
	cc->screens++;
	texts[n++] = a->narration;
	if (a->play.message[0])
		texts[n++] = a->play.message;
	if (play_ended(&a->play)) {
		snprintf(verdict, sizeof verdict, "VERDICT %s: %s", verdict_kind_name(a->verdict.kind), a->verdict.headline);
		texts[n++] = verdict;
	}
	for (int i = 0; i < n; i++)
		if (!whole_on(g, texts[i])) {
			if (cc->cut++ < 3) {
				char *t = grid_text(g);
				tap_diag("%s, step %zu, %dx%d: not whole on the screen: \"%s\"\n%s", where, step, g->w, g->h,
					 texts[i], t);
				free(t);
			}
		}
}

static void no_cut(void)
{
	char *dir = src_path(".", "scenarios", "");
	DIR *dp = opendir(dir);
	struct dirent *de;
	struct cut_count cc = { 0, 0 };
	int schedules = 0;

	if (!dp)
		fatal("cannot open %s", dir);
	while ((de = readdir(dp))) {
		size_t l = strlen(de->d_name);
		char name[256], *spath, *cpath, *cause = NULL;
		struct shipped_file *sf = NULL;
		struct scenario *scn = NULL;

		if (l < 7 || strcmp(de->d_name + l - 6, ".sched") != 0)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(l - 6), de->d_name);
		spath = src_path("scenarios", name, ".sched");
		cpath = src_path("scenarios", name, ".scn");
		if (shipped_load(spath, &sf, &cause) != 1 || scenario_load(cpath, &scn, &cause) != 0)
			fatal("%s", cause ? cause : spath);
		for (int i = 0; i < sf->n; i++)
			for (int v = 0; v < XIP_NVERSIONS; v++) {
				struct app a;
				char where[400];
				if (!sf->s[i].applies[v] || open_app(&a, scn, (enum xip_version)v, &sf->s[i]) != 0)
					continue;
				schedules++;
				snprintf(where, sizeof where, "%s '%s' on %s", name, sf->s[i].name,
					 xip_version_name((enum xip_version)v));
				for (;;) {
					for (size_t z = 0; z < NSIZES; z++) {
						struct grid *g = grid_new(sizes[z][0], sizes[z][1]);
						check_screen(&a, g, where, a.play.pos, &cc);
						grid_free(g);
					}
					if (play_ended(&a.play))
						break;
					press(&a, ' ');
				}
				/* and the narrow end of the line: v's message at the end, the terms */
				press(&a, 'v');
				for (size_t z = 0; z < NSIZES; z++) {
					struct grid *g = grid_new(sizes[z][0], sizes[z][1]);
					check_screen(&a, g, where, a.play.pos, &cc);
					grid_free(g);
				}
				app_close(&a);
			}
		shipped_free(sf);
		scenario_free(scn);
		free(spath);
		free(cpath);
	}
	closedir(dp);
	free(dir);
	tap_ok(schedules >= 18, "screen-2.1", "every shipped named schedule on every version it is for is drawn (%d runs)",
	       schedules);
	tap_ok(cc.cut == 0 && cc.screens > 1000,
	       "screen-2.2", "no narration, verdict or message is cut on any of %lu screens at 80x24, 100x30, 120x40 (%lu cut)",
	       cc.screens, cc.cut);
}

/* ---- screen-3: the quiz's boxes hold their whole text ---------------------------- */

static int box_holds(struct app *a, int w, int h, const char *text)
{
	struct grid *g = grid_new(w, h);
	struct view_info in = { 0 };
	static char have[1 << 15], want[4096];
	int x0, y0, bw, bh;

	app_render(a, g);
	in.overlay = a->overlay;
	in.overlay_text = a->overlay_text;
	view_overlay_box(&in, g, &x0, &y0, &bw, &bh);
	region_text(g, x0, x0 + bw, y0, y0 + bh, have, sizeof have);
	squeeze(text, want, sizeof want);
	grid_free(g);
	return strstr(have, want) != NULL;
}

static void quiz_boxes(void)
{
	char *path = src_path("scenarios", "classic", ".scn"), *cause = NULL;
	char *dpath = src_path("scenarios", "classic", ".demo"), *spath = src_path("scenarios", "classic", ".sched");
	struct scenario *scn = NULL;
	struct shipped_file *sf = NULL;
	int asked = 0, whole_q = 0, whole_e = 0;

	if (scenario_load(path, &scn, &cause) != 0 || shipped_load(spath, &sf, &cause) != 1)
		fatal("%s", cause ? cause : "classic");
	for (int v = XIP_BUGGY; v <= XIP_FIXED; v++) {
		struct demo *d = NULL;
		struct app a;
		const struct shipped_schedule *race = NULL;

		for (int i = 0; i < sf->n; i++)
			if (strcmp(sf->s[i].name, "race") == 0)
				race = &sf->s[i];
		if (demo_load(dpath, &d, &cause) != 1 || !race || open_app(&a, scn, (enum xip_version)v, race) != 0)
			fatal("cannot open the classic demo");
		app_set_demo(&a, d, 0, 1, 1000, 0);
		while (!play_ended(&a.play)) {
			app_handle(&a, (struct app_event){ APP_END, 0 });
			if (a.overlay != VIEW_STOP || !a.open_stop || !a.open_stop->quiz)
				break;
			asked++;
			whole_q += box_holds(&a, 80, 24, a.open_stop->text);
			press(&a, a.open_stop->answer);
			whole_e += box_holds(&a, 80, 24, a.open_stop->explain);
			press(&a, ' ');
		}
		app_close(&a);
	}
	tap_ok(asked == 3, "screen-3.1", "the classic demo asks 3 questions across buggy and fixed (%d)", asked);
	tap_ok(whole_q == asked, "screen-3.2", "at 80x24 each question is whole in its box (%d of %d)", whole_q, asked);
	tap_ok(whole_e == asked, "screen-3.3", "... and each explanation, to its last word (%d of %d)", whole_e, asked);
	shipped_free(sf);
	scenario_free(scn);
	free(path);
	free(dpath);
	free(spath);
}

/* ---- screen-4: consecutive steps are told apart ---------------------------------- */

static void no_repeats(void)
{
	char *path = src_path("scenarios", "classic", ".scn"), *spath = src_path("scenarios", "classic", ".sched");
	char *cause = NULL, prev[512] = "";
	struct scenario *scn = NULL;
	struct shipped_file *sf = NULL;
	struct app a;
	struct grid *g = grid_new(80, 24);
	int repeats = 0, steps = 0;

	if (scenario_load(path, &scn, &cause) != 0 || shipped_load(spath, &sf, &cause) != 1)
		fatal("%s", cause ? cause : "classic");
	for (int i = 0; i < sf->n; i++) {
		if (strcmp(sf->s[i].name, "race") != 0 || open_app(&a, scn, XIP_BUGGY, &sf->s[i]) != 0)
			continue;
		while (!play_ended(&a.play)) {
			press(&a, ' ');
			app_render(&a, g);
			steps++;
			if (strcmp(prev, a.narration) == 0) {
				repeats++;
				tap_diag("step %zu says what step %zu said: %s", a.play.pos, a.play.pos - 1, prev);
			}
			snprintf(prev, sizeof prev, "%s", a.narration);
		}
		app_close(&a);
	}
	tap_ok(steps == 32 && repeats == 0, "screen-4.1",
	       "the buggy race's %d steps each say something new (%d said twice; steps 7 and 8 did)", steps, repeats);
	grid_free(g);
	shipped_free(sf);
	scenario_free(scn);
	free(path);
	free(spath);
}

int main(void)
{
	no_repeats();
	golden_classic();
	no_cut();
	quiz_boxes();
	return tap_done();
}
