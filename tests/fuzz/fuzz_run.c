/*
 * fuzz_run.c - libFuzzer harness that parses a scenario and a schedule and
 * RUNS them on the simulated kernel with a small step limit: running
 * arbitrary parsed scenarios is where crashes would hide (the kernel, the
 * scheduler, the coroutines, the trace and report printers).
 *
 * Input: a scenario, optionally followed by a line that starts with "%%"
 * and the schedule:
 *
 *     title: t
 *     ...
 *     %% fixed
 *     cpu0 until get_xip_mem=-ENODATA; cpu1 to end
 *
 * The word after "%%" (buggy, fixed, later or final) picks the version (default:
 * the scenario's); the lines after it are the schedule (default: round
 * robin).  The scenario's own `expect ... with "SCHEDULE"` schedules are
 * run too, each on its version.  With the word "explore" on the %% line
 * (`%% fixed explore`), the explorer searches the scenario as well: a
 * reduced (DPOR) search of at most 24 executions and 8 random runs.
 *
 * Checks, besides the sanitizers: every run ends; the verdict is a known
 * one with a headline; and replaying the run's exact choices on a fresh
 * run gives the same trace hash, verdict and length (the promise of
 * `replay`: the same schedule always gives the same run).  An exploration
 * of a scenario that runs must not fail (its replays never diverge), and
 * each counterexample it keeps, replayed, gives its verdict.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "kernel.h"
#include "record.h"
#include "report.h"
#include "schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define STEP_LIMIT 2000

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "fuzz_run: contract broken at %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);                        \
			abort();                                                   \
		}                                                                  \
	} while (0)

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	return 0;
}

/* Run the exact choices of `first` again on a new run: the same run, step for step. */
static void check_replay(const struct scenario *scn, enum xip_version version, struct kernel_run *first,
			 const struct kernel_verdict *v1)
{
	struct sched *s1 = kernel_run_sched(first);
	size_t n;
	const struct sched_step *tr = sched_trace(s1, &n);
	int *choices = calloc(n ? n : 1, sizeof *choices);
	struct kernel_run *again = kernel_run_new();
	struct kernel_verdict v2;
	char *parted = NULL, *cause = NULL;

	for (size_t i = 0; i < n; i++)
		choices[i] = tr[i].cpu;
	sched_set_step_limit(kernel_run_sched(again), STEP_LIMIT);
	if (record_execute_choices(again, scn, version, choices, n, &parted, &cause) != 0) {
		fprintf(stderr, "fuzz_run: the replay failed: %s\n", cause ? cause : "?");
		abort();
	}
	if (parted)
		fprintf(stderr, "fuzz_run: the recorded choices stopped applying: %s\n", parted);
	CHECK(parted == NULL);
	kernel_run_verdict(again, &v2);
	CHECK(sched_nsteps(kernel_run_sched(again)) == n);
	CHECK(sched_trace_hash(kernel_run_sched(again)) == sched_trace_hash(s1));
	CHECK(v2.kind == v1->kind);
	kernel_run_free(again);
	free(choices);
}

/* Returns 1 when the world could be built (the scenario runs), else 0. */
static int run_one(const struct scenario *scn, enum xip_version version, const char *schedule_text)
{
	struct schedule *sch = NULL;
	struct kernel_run *run;
	struct kernel_verdict v;
	struct kernel_snapshot *snap;
	struct store_schedule row;
	char *cause = NULL;
	int r;

	if (schedule_text && schedule_parse(schedule_text, kernel_symbol_value, &sch, &cause) != 0) {
		CHECK(cause != NULL);
		free(cause);
		sch = NULL;
	}
	run = kernel_run_new();
	sched_set_step_limit(kernel_run_sched(run), STEP_LIMIT);
	r = record_execute(run, scn, version, sch, &cause);
	schedule_free(sch);
	if (r != 0) {
		CHECK(cause != NULL && *cause);
		free(cause);
		kernel_run_free(run);
		/* built but the schedule did not apply: the scenario itself runs */
		cause = NULL;
		run = kernel_run_new();
		r = kernel_run_start(run, scn, version, &cause) == 0;
		free(cause);
		kernel_run_free(run);
		return r;
	}
	CHECK(sched_end_reason(kernel_run_sched(run)) != SCHED_RUNNING);
	CHECK(sched_nsteps(kernel_run_sched(run)) <= STEP_LIMIT);
	kernel_run_verdict(run, &v);
	CHECK((unsigned)v.kind < VERDICT_NKINDS && v.headline[0] != '\0');
	report_run(devnull, run, &v, 0);
	snap = malloc(sizeof *snap);
	kernel_snapshot(run, snap);
	free(snap);
	(void)kernel_state_hash(run);
	record_fill(&row, run, 1, "user", NULL, schedule_text, NULL);
	CHECK(row.length == (long)sched_nsteps(kernel_run_sched(run)));
	store_schedule_clear(&row);
	check_replay(scn, version, run, &v);
	kernel_run_free(run);
	return 1;
}

/* A counterexample the explorer kept gives its verdict when replayed. */
static void check_cex(const struct scenario *scn, enum xip_version version, const struct explore_cex *cex)
{
	struct kernel_run *run;
	struct kernel_verdict v;
	char *parted = NULL, *cause = NULL;

	if (!cex->choices)
		return;
	run = kernel_run_new();
	sched_set_step_limit(kernel_run_sched(run), STEP_LIMIT);
	CHECK(record_execute_choices(run, scn, version, cex->choices, cex->n, &parted, &cause) == 0);
	CHECK(parted == NULL);
	kernel_run_verdict(run, &v);
	CHECK(v.kind == cex->verdict);
	kernel_run_free(run);
}

static void explore_one(const struct scenario *scn, enum xip_version version, enum explore_mode mode)
{
	struct explore_options opt;
	struct explore_result res;
	char *cause = NULL;

	explore_options_init(&opt);
	opt.mode = mode;
	opt.step_limit = STEP_LIMIT;
	opt.max_executions = mode == EXPLORE_RANDOM ? 0 : 24;
	opt.samples = 8;
	opt.seed = 1;
	if (explore_run(scn, version, &opt, &res, &cause) != 0) {
		fprintf(stderr, "fuzz_run: the exploration failed: %s\n", cause ? cause : "?");
		abort();
	}
	CHECK(res.executions >= 1);
	check_cex(scn, version, &res.shortest);
	check_cex(scn, version, &res.fewest);
	explore_result_clear(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *sep, *sched_text = NULL, *cause = NULL;
	struct scenario *scn;
	size_t scn_len = size;
	int version = -1, explore = 0, runs;

	memcpy(text, data, size);
	text[size] = '\0';
	sep = strstr(text, "\n%%");
	if (sep) {
		char *p = sep + 3, *nl;
		scn_len = (size_t)(sep - text) + 1;
		while (*p == ' ')
			p++;
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (strlen(p) >= 8 && strcmp(p + strlen(p) - 8, " explore") == 0) {
			explore = 1;
			p[strlen(p) - 8] = '\0';
		} else if (strcmp(p, "explore") == 0) {
			explore = 1;
			*p = '\0';
		}
		version = xip_version_parse(p);
		sched_text = nl ? nl + 1 : NULL;
	}
	if (scenario_parse("fuzz.scn", text, scn_len, &scn, &cause) != 0) {
		free(cause);
		free(text);
		return 0;
	}
	if (version < 0)
		version = (int)scn->default_version;
	runs = run_one(scn, (enum xip_version)version, sched_text && *sched_text ? sched_text : NULL);
	if (explore && runs) {
		explore_one(scn, (enum xip_version)version, EXPLORE_REDUCED);
		explore_one(scn, (enum xip_version)version, EXPLORE_RANDOM);
	}
	for (int v = 0; v < XIP_NVERSIONS; v++)
		if (scn->expect[v].set && scn->expect[v].schedule)
			run_one(scn, (enum xip_version)v, scn->expect[v].schedule);
	scenario_free(scn);
	free(text);
	return 0;
}
