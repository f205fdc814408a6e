/*
 * explore_mem_test.c - the search under tso and weak (explore_mem.h),
 * checked against itself without reduction (xmem-*): on small scenarios,
 * every schedule of CPUs, flushes and drains is run (the unreduced
 * search) and must reach exactly the final states, verdicts and shortest
 * counterexample that the reduced search (sleep sets and state caching)
 * and caching alone report.  And the fixed version's counterexample on
 * classic under tso must replay, step for step, to the same corruption.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_mem.h"
#include "schedule.h"
#include "sync.h"
#include "tap.h"

static struct scenario *load(const char *dir, const char *name)
{
	const char *d = getenv("XS_SRCDIR");
	char *cause = NULL, *path = xasprintf("%s/%s/%s.scn", d ? d : ".", dir, name);
	struct scenario *scn;

	if (scenario_load(path, &scn, &cause) != 0)
		fatal("%s", cause);
	free(path);
	return scn;
}

static unsigned verdict_set(const struct explore_mem_result *r)
{
	unsigned set = 0;

	for (int k = 0; k < VERDICT_NKINDS; k++)
		if (r->verdicts[k])
			set |= 1u << k;
	return set;
}

/* Do a and b reach the same final states, verdicts and shortest counterexample? */
static int same(const struct explore_mem_result *a, const struct explore_mem_result *b)
{
	return a->nfinals == b->nfinals && !a->finals_overflow && !b->finals_overflow &&
	       memcmp(a->finals, b->finals, (size_t)b->nfinals * sizeof b->finals[0]) == 0 &&
	       verdict_set(a) == verdict_set(b) && a->nshortest == b->nshortest &&
	       (!a->nshortest || a->shortest_verdict == b->shortest_verdict) &&
	       a->nstates == b->nstates && memcmp(a->states, b->states, a->nstates * sizeof *a->states) == 0;
}

/*
 * The reduced search (sleep sets and caching), caching alone and the
 * unreduced search: the same results, and no sleeper ever found closed in
 * a child (a relation that called a disabling step independent).
 */
static void compare(const char *dir, const char *name, enum xip_version v, enum memmodel m)
{
	struct scenario *scn = load(dir, name);
	struct explore_mem_opts o = { v, m, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 };
	static struct explore_mem_result reduced, cached, full;
	char *cause = NULL, id[96];

	if (explore_mem_search(scn, &o, &reduced, &cause) != 0)
		fatal("%s", cause);
	o.no_sleep = 1;
	if (explore_mem_search(scn, &o, &cached, &cause) != 0)
		fatal("%s", cause);
	o.no_sleep = 0;
	o.stateless = 1;
	if (explore_mem_search(scn, &o, &full, &cause) != 0)
		fatal("%s", cause);
	snprintf(id, sizeof id, "xmem-%s-%s-%s", name, xip_version_name(v), memmodel_name(m));
	tap_ok(same(&reduced, &full) && same(&cached, &full) && reduced.lost == 0 && full.cut == 0 &&
	       full.executions > cached.executions && reduced.steps < full.steps,
	       id, "%s %s under %s: reduced (%llu executions, %llu cut, %llu asleep, %llu steps), cached (%llu, %llu cut, %llu steps) "
	       "and unreduced (%llu executions, %llu steps) visit the same %zu states and reach the same %d final states, verdicts and shortest counterexample (%zu steps)",
	       name, xip_version_name(v), memmodel_name(m), reduced.executions, reduced.cut, reduced.slept, reduced.steps,
	       cached.executions, cached.cut, cached.steps, full.executions, full.steps, full.nstates, full.nfinals, full.nshortest);
	explore_mem_result_free(&reduced);
	explore_mem_result_free(&cached);
	explore_mem_result_free(&full);
	scenario_free(scn);
}

/*
 * The reduced search against caching alone, on scenarios too big to run
 * unreduced: counterexamples (classic, truncate-extend, sparse-allocated
 * with three CPUs), a simulated BUG (tiny-bug-reader: a step that ends
 * the run).
 */
static void compare_cached(const char *dir, const char *name, enum xip_version v, enum memmodel m)
{
	struct scenario *scn = load(dir, name);
	struct explore_mem_opts o = { v, m, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 };
	static struct explore_mem_result reduced, cached;
	char *cause = NULL, id[96];

	if (explore_mem_search(scn, &o, &reduced, &cause) != 0)
		fatal("%s", cause);
	o.no_sleep = 1;
	if (explore_mem_search(scn, &o, &cached, &cause) != 0)
		fatal("%s", cause);
	snprintf(id, sizeof id, "xmem-sleep-%s-%s-%s", name, xip_version_name(v), memmodel_name(m));
	tap_ok(same(&reduced, &cached) && reduced.lost == 0 && reduced.steps < cached.steps, id,
	       "%s %s under %s: reduced (%llu executions, %llu steps) and cached alone (%llu executions, %llu steps) "
	       "visit the same %zu states and reach the same %d final states, verdicts and shortest counterexample (%zu steps)",
	       name, xip_version_name(v), memmodel_name(m), reduced.executions, reduced.steps, cached.executions,
	       cached.steps, cached.nstates, cached.nfinals, cached.nshortest);
	explore_mem_result_free(&reduced);
	explore_mem_result_free(&cached);
	scenario_free(scn);
}

/* The counterexample's schedule, replayed on a fresh run, ends in the verdict the search gave it. */
static void replay_shortest(const char *name, enum xip_version v, enum memmodel m, enum verdict_kind want)
{
	struct scenario *scn = load("scenarios", name);
	struct explore_mem_opts o = { v, m, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static struct explore_mem_result r;
	struct kernel_run *run = kernel_run_new();
	struct schedule *sch = NULL;
	char *cause = NULL, id[96];
	int ok;

	if (explore_mem_search(scn, &o, &r, &cause) != 0)
		fatal("%s", cause);
	snprintf(id, sizeof id, "xmem-replay-%s-%s-%s", name, xip_version_name(v), memmodel_name(m));
	sched_set_memory_model(kernel_run_sched(run), (int)m);
	ok = r.nshortest > 0 && r.shortest_verdict == want &&
	     schedule_parse(r.shortest_text, kernel_symbol_value, &sch, &cause) == 0 &&
	     kernel_run_start(run, scn, v, &cause) == 0 && schedule_run(kernel_run_sched(run), sch, &cause) == 0 &&
	     sched_nsteps(kernel_run_sched(run)) == r.nshortest && kernel_run_verdict_kind(run) == want;
	tap_ok(ok, id, "%s %s under %s: the shortest counterexample (%zu steps) replays to %s%s%s", name,
	       xip_version_name(v), memmodel_name(m), r.nshortest, verdict_kind_name(want), cause ? ": " : "",
	       cause ? cause : "");
	/* the same choices under sc cannot be followed or end well: the bug needs the buffers */
	sched_set_memory_model(kernel_run_sched(run), MEMMODEL_SC);
	free(cause);
	cause = NULL;
	ok = kernel_run_start(run, scn, v, &cause) == 0 &&
	     (schedule_run(kernel_run_sched(run), sch, &cause) != 0 || kernel_run_verdict_kind(run) != want);
	snprintf(id, sizeof id, "xmem-replay-%s-%s-%s-as-sc", name, xip_version_name(v), memmodel_name(m));
	tap_ok(ok, id, "%s %s: the same schedule under sc does not give %s", name, xip_version_name(v),
	       verdict_kind_name(want));
	free(cause);
	schedule_free(sch);
	kernel_run_free(run);
	explore_mem_result_free(&r);
	scenario_free(scn);
}

/* classic fixed with a barrier what-if: does the search prove it, or find a counterexample? */
static void whatif(enum memmodel m, unsigned mask, int want_ok, const char *what)
{
	struct scenario *scn = load("scenarios", "classic");
	struct explore_mem_opts o = { XIP_FIXED, m, 0, mask, 0, 0, 0, 0, 0, 0, 0, 0 };
	static struct explore_mem_result r;
	char *cause = NULL, id[96];

	if (explore_mem_search(scn, &o, &r, &cause) != 0)
		fatal("%s", cause);
	snprintf(id, sizeof id, "xmem-whatif-%s-%x", memmodel_name(m), mask);
	tap_ok(!r.limited && (r.nshortest == 0) == want_ok && (want_ok || r.shortest_verdict == VERDICT_CORRUPTION),
	       id, "classic fixed under %s with %s: %s (%llu executions)", memmodel_name(m), what,
	       want_ok ? "ok in every execution" : "a corruption", r.executions);
	explore_mem_result_free(&r);
	scenario_free(scn);
}

int main(void)
{
	compare("tests/scenarios", "tiny-read-write", XIP_FIXED, MEMMODEL_TSO);
	compare("tests/scenarios", "tiny-read-write", XIP_BUGGY, MEMMODEL_TSO);
	compare("tests/scenarios", "tiny-mmap-write", XIP_BUGGY, MEMMODEL_TSO);
	compare("tests/scenarios", "tiny-mmap-write", XIP_BUGGY, MEMMODEL_WEAK);
	compare("tests/scenarios", "tiny-touch-write", XIP_FIXED, MEMMODEL_WEAK);
	/* three CPUs under weak: flushes fill two other queues (2.3 s unreduced) */
	compare("tests/scenarios", "tiny-read-write", XIP_BUGGY, MEMMODEL_WEAK);
	compare("tests/scenarios", "tiny-mmap-write", XIP_FIXED, MEMMODEL_WEAK);
	compare("tests/scenarios", "tiny-store-write", XIP_BUGGY, MEMMODEL_WEAK);
	compare("tests/scenarios", "tiny-store-write", XIP_FIXED, MEMMODEL_TSO);
	for (int v = XIP_BUGGY; v <= XIP_LATER; v++) {
		compare_cached("scenarios", "classic", (enum xip_version)v, MEMMODEL_TSO);
		compare_cached("scenarios", "classic", (enum xip_version)v, MEMMODEL_WEAK);
	}
	compare_cached("tests/scenarios", "tiny-bug-reader", XIP_BUGGY, MEMMODEL_TSO);
	compare_cached("tests/scenarios", "tiny-bug-reader", XIP_BUGGY, MEMMODEL_WEAK);
	compare_cached("tests/scenarios", "read-truncate", XIP_BUGGY, MEMMODEL_WEAK);
	compare_cached("tests/scenarios", "truncate-extend", XIP_FIXED, MEMMODEL_WEAK);
	compare_cached("tests/scenarios", "sparse-allocated", XIP_FIXED, MEMMODEL_WEAK);
	replay_shortest("classic", XIP_FIXED, MEMMODEL_TSO, VERDICT_CORRUPTION);
	replay_shortest("classic", XIP_FIXED, MEMMODEL_WEAK, VERDICT_CORRUPTION);
	/* the store of the count and the load of the block map: only an smp_mb orders them */
	whatif(MEMMODEL_TSO, SYNC_SEQ_WMB_BEGIN << SYNC_SEQ_MB_SHIFT, 1, "smp_mb for write_seqcount_begin's smp_wmb");
	whatif(MEMMODEL_TSO, SYNC_SEQ_RMB_BEGIN << SYNC_SEQ_MB_SHIFT | SYNC_SEQ_RMB_RETRY << SYNC_SEQ_MB_SHIFT, 0,
	       "smp_mb for the reader's two smp_rmb");
	whatif(MEMMODEL_WEAK, SYNC_SEQ_WMB_BEGIN << SYNC_SEQ_MB_SHIFT, 0, "smp_mb for write_seqcount_begin's smp_wmb");
	whatif(MEMMODEL_WEAK, SYNC_SEQ_WMB_BEGIN << SYNC_SEQ_MB_SHIFT | SYNC_SEQ_MB_BEFORE_BEGIN, 1,
	       "that smp_mb and one before read_seqcount_begin's load");
	return tap_done();
}
