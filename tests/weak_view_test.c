/*
 * weak_view_test.c - the play screen under tso and weak (weak-view-*):
 * each CPU's store buffer and invalidate queue are drawn when the model
 * has them, and `f` then a CPU number takes a flush or drain as a step of
 * its own.  Checked on the grid the painter would copy, with no terminal.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "grid.h"
#include "record.h"
#include "tap.h"

static char *screen_at(struct app *a, int w, int h)
{
	struct grid *g = grid_new(w, h);
	size_t cap = (size_t)(w + 1) * (size_t)h + 1, o = 0;
	char *out = xmalloc(cap), row[512];

	app_render(a, g);
	for (int y = 0; y < g->h; y++) {
		grid_row_text(g, y, row, sizeof row);
		o += (size_t)snprintf(out + o, cap - o, "%s\n", row);
	}
	grid_free(g);
	return out;
}

static char *screen(struct app *a)
{
	return screen_at(a, 160, 48);
}

static void press(struct app *a, int ch)
{
	app_handle(a, (struct app_event){ APP_CHAR, ch });
}

static struct scenario *classic(void)
{
	const char *d = getenv("XS_SRCDIR");
	char *cause = NULL, *path = xasprintf("%s/scenarios/classic.scn", d && *d ? d : ".");
	struct scenario *scn;

	if (scenario_load(path, &scn, &cause) != 0)
		fatal("%s", cause);
	free(path);
	return scn;
}

static int memory_model_of(struct app *a)
{
	return sched_memory_model(kernel_run_sched(a->play.run));
}

/* Record a weak run with a flush in a fresh database, load it from the play screen's list, flip the version. */
static void stored_weak(struct scenario *scn)
{
	char dir[] = "/tmp/xs-weakview.XXXXXX", *path, *cause = NULL, *text;
	struct store *st;
	struct store_scenario srow;
	struct store_schedule row;
	struct schedule *sch;
	struct kernel_run *run = kernel_run_new();
	struct app a;
	long id;
	size_t n;

	if (!mkdtemp(dir))
		fatal("mkdtemp failed");
	path = xasprintf("%s/w.db", dir);
	if (store_open(path, STORE_WRITE, &st, &cause) != 0 || record_sync(st, scn, &srow, NULL, &cause) != 0)
		fatal("%s", cause);
	sched_set_memory_model(kernel_run_sched(run), MEMMODEL_WEAK);
	if (schedule_parse("0 0 0 0 0 0 0 1 1 1 1 1 1 1 1 flush0:xip_sparse_seq 1 1 1", kernel_symbol_value, &sch, &cause) != 0 ||
	    record_execute(run, scn, XIP_FIXED, sch, &cause) != 0)
		fatal("%s", cause);
	schedule_free(sch);
	record_fill(&row, run, srow.id, "user", "weak-flush", NULL, NULL);
	if (store_schedule_add(st, &row, &cause) != 0)
		fatal("%s", cause);
	id = row.id;
	n = (size_t)row.length;
	store_schedule_clear(&row);
	kernel_run_free(run);

	if (app_open(&a, scn, st, srow.id, XIP_BUGGY, NULL, 0, NULL, "your choices", &cause) != 0)
		fatal("%s", cause);
	press(&a, 'L');
	while (a.list_sel + 1 < a.list_n && a.list_ids[a.list_sel] != id)
		app_handle(&a, (struct app_event){ APP_DOWN, 0 });
	text = xstrdup(a.overlay_text);
	tap_ok(strstr(text, "weak-flush") && strstr(strstr(text, "weak-flush"), "under weak") != NULL, "weak-view-6",
	       "the play screen's list names a schedule's model when it is not sc");
	free(text);
	app_handle(&a, (struct app_event){ APP_ENTER, 0 });
	tap_ok(memory_model_of(&a) == MEMMODEL_WEAK && a.play.n == n, "weak-view-6.1",
	       "Enter on a weak schedule loads it under weak, all %zu steps (model %d, %zu steps): %s", n,
	       memory_model_of(&a), a.play.n, a.play.message);
	tap_ok(strstr(a.play.message, "under weak") != NULL, "weak-view-6.2", "... and says so: %s", a.play.message);
	press(&a, 'e');
	tap_ok(play_ended(&a.play) && (kernel_run_verdict(a.play.run, &a.verdict), a.verdict.kind == VERDICT_CORRUPTION),
	       "weak-view-6.3", "... and runs to its corruption (fixed is ok under sc)");
	press(&a, 'v');
	tap_ok(a.play.version == XIP_LATER && memory_model_of(&a) == MEMMODEL_WEAK, "weak-view-6.4",
	       "v flips the version and keeps the model (%s, model %d)", xip_version_name(a.play.version), memory_model_of(&a));
	press(&a, 'v');
	press(&a, 'v');
	press(&a, 'v');
	tap_ok(a.play.version == XIP_FIXED && memory_model_of(&a) == MEMMODEL_WEAK, "weak-view-6.5",
	       "... all the way round, back on fixed under weak (%s)", xip_version_name(a.play.version));
	press(&a, 'L');
	while (a.list_sel > 0)
		app_handle(&a, (struct app_event){ APP_UP, 0 });
	app_handle(&a, (struct app_event){ APP_ENTER, 0 });
	tap_ok(memory_model_of(&a) == MEMMODEL_SC, "weak-view-6.6", "an sc schedule loaded after it plays under sc: %s",
	       a.play.message);
	app_close(&a);
	store_scenario_clear(&srow);
	store_close(st);
	unlink(path);
	{
		char *f;
		const char *ext[] = { "-wal", "-shm", "-journal" };
		for (int i = 0; i < 3; i++) {
			f = xasprintf("%s%s", path, ext[i]);
			unlink(f);
			free(f);
		}
	}
	rmdir(dir);
	free(path);
}

int main(void)
{
	struct scenario *scn = classic();
	struct app a;
	char *cause = NULL, *text;
	const struct sched_step *tr;
	size_t n;

	if (app_open(&a, scn, NULL, 0, XIP_FIXED, NULL, 0, NULL, "your choices", &cause) != 0)
		fatal("%s", cause);
	text = screen(&a);
	tap_ok(strstr(text, "store buffer") == NULL, "weak-view-1", "under sc no store buffer is drawn");
	free(text);
	press(&a, 'f');
	tap_ok(sched_nsteps(kernel_run_sched(a.play.run)) == 0 && !a.pending_flush, "weak-view-1.1",
	       "... and f does nothing there");

	play_set_memory_model(&a.play, MEMMODEL_WEAK);
	for (int i = 0; i < 7; i++)
		press(&a, '0');   /* CPU0 to write_seqcount_begin: the count 1 waits in its buffer */
	text = screen(&a);
	tap_ok(strstr(text, "store buffer: xip_sparse_seq=1") != NULL, "weak-view-2",
	       "after write_seqcount_begin CPU0's pane shows the count in its store buffer");
	tap_ok(strstr(text, "invalidate queue: empty") != NULL, "weak-view-2.1", "... and weak's invalidate queues");
	free(text);
	press(&a, 'f');
	press(&a, '0');
	tr = sched_trace(kernel_run_sched(a.play.run), &n);
	tap_ok(n == 8 && tr[7].op == SCHED_OP_FLUSH && tr[7].cpu == 0, "weak-view-3",
	       "f 0 is step 8, a flush of CPU0's buffer (%zu steps)", n);
	text = screen(&a);
	tap_ok(strstr(text, "store buffer: xip_sparse_seq") == NULL && strstr(text, "invalidate queue: xip_sparse_seq (sees 0") != NULL,
	       "weak-view-3.1", "... the count left CPU0's buffer and CPU1 still sees it stale, in its queue");
	free(text);
	press(&a, 'f');
	press(&a, '1');
	tap_ok(sched_nsteps(kernel_run_sched(a.play.run)) == 8, "weak-view-4",
	       "f 1 takes no step while CPU1 is not about to read the count: %s", a.play.message);
	press(&a, 'h');
	tap_ok(sched_nsteps(kernel_run_sched(a.play.run)) == 7, "weak-view-5", "back one step undoes the flush");
	app_close(&a);

	/*
	 * weak-view-7: at 80x24 a queue of two stale entries is wider than a
	 * CPU's column: it wraps, whole (it was cut after "(sees").  Step 24 of
	 * classic fixed's shortest weak counterexample (0 x14, 1 x9, 0).
	 */
	if (app_open(&a, scn, NULL, 0, XIP_FIXED, NULL, 0, NULL, "your choices", &cause) != 0)
		fatal("%s", cause);
	play_set_memory_model(&a.play, MEMMODEL_WEAK);
	for (int i = 0; i < 24; i++)
		press(&a, i < 14 || i == 23 ? '0' : '1');
	text = screen_at(&a, 80, 24);
	tap_ok(strstr(text, "invalidate queue: xip_sparse_seq (sees") != NULL && strstr(text, "__xip_sparse_page (sees") != NULL &&
	       strstr(text, "NULL)") != NULL, "weak-view-7",
	       "at 80x24 CPU1's invalidate queue of two entries is shown whole, wrapped:\n%s", text);
	free(text);
	app_close(&a);

	/*
	 * weak-view-8: a buffered store of __xip_sparse_page is said as the page
	 * it points to (it showed the pointer's address as a page number).
	 * Step 20 of classic fixed's shortest tso counterexample (0 x12, 1 x8).
	 */
	if (app_open(&a, scn, NULL, 0, XIP_FIXED, NULL, 0, NULL, "your choices", &cause) != 0)
		fatal("%s", cause);
	play_set_memory_model(&a.play, MEMMODEL_TSO);
	for (int i = 0; i < 20; i++)
		press(&a, i < 12 ? '0' : '1');
	text = screen(&a);
	tap_ok(strstr(text, "__xip_sparse_page=page#1*") != NULL, "weak-view-8",
	       "CPU0's store buffer holds __xip_sparse_page=page#1 (the sparse page), not an address:\n%s", text);
	free(text);
	app_close(&a);
	stored_weak(scn);
	scenario_free(scn);
	return tap_done();
}
