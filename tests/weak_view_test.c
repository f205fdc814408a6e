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

#include "app.h"
#include "grid.h"
#include "tap.h"

static char *screen(struct app *a)
{
	struct grid *g = grid_new(160, 48);
	size_t cap = 161 * 48 + 1, o = 0;
	char *out = xmalloc(cap), row[512];

	app_render(a, g);
	for (int y = 0; y < g->h; y++) {
		grid_row_text(g, y, row, sizeof row);
		o += (size_t)snprintf(out + o, cap - o, "%s\n", row);
	}
	grid_free(g);
	return out;
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
	scenario_free(scn);
	return tap_done();
}
