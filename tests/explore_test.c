/*
 * explore_test.c - the explorer (explore-*).
 *
 *  explore-1  full search = a naive enumerator written here (counts, states)
 *  explore-2  reduced = full on scenarios small enough: same set of
 *             verdicts, same set of final states (also with a step limit)
 *  explore-3  the classic race and the three-CPU race, with preemption bounds
 *  explore-4  every shipped scenario's expected verdicts, confirmed by search
 *  explore-5  on scenarios too big for full: every state a bounded, random
 *             or PCT search reaches, the reduced search reaches too
 *  explore-6  determinism; -7 counterexamples replay; -8 stopping; -9 sampling
 *  explore-10 explore-5 again on the fixed version with parts of the fix
 *             switched off (the what-ifs `ablate` explores)
 *  explore-11 split searches: any number of units gives the unsplit counts
 *             (and, for runs cut by the step limit, the same states);
 *             -j 2 = -j 1; shards folded = one run; resumed = one run;
 *             a unit's bytes round-trip and damaged bytes are refused
 *  explore-12 both stateful searches (stateful DPOR, and .p: plain) =
 *             full on the small scenarios (step limits too): the same
 *             final states, verdicts, shortest counterexample and fewest
 *             preemptions
 *  explore-13 on every shipped and test scenario: both stateful searches
 *             = reduced (states, verdicts, counterexamples); checkpoints
 *             change nothing: reduced, full and both stateful searches
 *             resumed from checkpoints give the results of replaying
 *  explore-14 random small scenarios (2 to 4 CPUs; random open modes,
 *             mappings, operations, pages, holes, injected faults and
 *             version): reduced = full and both stateful = full on each
 *             (states, verdicts, shortest counterexample, fewest
 *             preemptions); XS_RANDOM_SCENARIOS sets how many (120)
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "record.h"
#include "tap.h"

#if HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

static char *scenario_path(const char *dir, const char *name)
{
	const char *d = getenv("XS_SRCDIR");

	return xasprintf("%s/%s/%s.scn", d ? d : ".", dir, name);
}

static struct scenario *load(const char *dir, const char *name)
{
	struct scenario *scn;
	char *cause = NULL, *path = scenario_path(dir, name);

	if (scenario_load(path, &scn, &cause) != 0)
		fatal("%s", cause);
	free(path);
	return scn;
}

/* ---- what a search saw: final states and verdicts ------------------------------ */

struct seen {
	uint64_t *h;
	size_t n, cap;
	unsigned verdicts;    /* bit per verdict kind */
	uint64_t order;       /* hash of the sequence of states, for determinism */
};

static void seen_add(struct seen *c, uint64_t h, enum verdict_kind k)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->h = xrealloc(c->h, c->cap * sizeof *c->h);
	}
	c->h[c->n++] = h;
	c->verdicts |= 1u << k;
	c->order = util_fnv1a(c->order, &h, sizeof h);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and deduplicate: the set of final states. */
static void seen_set(struct seen *c)
{
	size_t k = 0;

	if (c->n)
		qsort(c->h, c->n, sizeof *c->h, cmp_u64);
	for (size_t i = 0; i < c->n; i++)
		if (!k || c->h[k - 1] != c->h[i])
			c->h[k++] = c->h[i];
	c->n = k;
}

static int seen_subset(const struct seen *a, const struct seen *b)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n; i++) {
		while (j < b->n && b->h[j] < a->h[i])
			j++;
		if (j == b->n || b->h[j] != a->h[i])
			return 0;
	}
	return 1;
}

static int seen_equal(const struct seen *a, const struct seen *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->h, b->h, a->n * sizeof *a->h) == 0) &&
	       a->verdicts == b->verdicts;
}

static void seen_visit(void *ctx, struct kernel_run *run, const struct kernel_verdict *v, uint64_t state)
{
	(void)run;
	seen_add(ctx, state, v->kind);
}

static unsigned search_without; /* ingredients of the fix switched off, for search() */

/* Explore with `mode` (bound or samples in arg), collecting into *c (a set). */
/* EXPLORE_STATEFUL in search(): the plain stateful search (every enabled CPU) instead of stateful DPOR. */
static int search_plain;

static void search(const struct scenario *scn, enum xip_version v, enum explore_mode mode, unsigned long long arg,
		   unsigned step_limit, struct seen *c, struct explore_result *r)
{
	struct explore_options o;
	char *cause = NULL;

	explore_options_init(&o);
	o.without = search_without;
	o.mode = mode;
	o.stateful_plain = search_plain;
	o.preemptions = (int)arg;
	o.samples = arg;
	o.step_limit = step_limit;
	o.visit = seen_visit;
	o.ctx = c;
	memset(c, 0, sizeof *c);
	if (explore_run(scn, v, &o, r, &cause) != 0)
		fatal("%s", cause);
	seen_set(c);
}

/* ---- the reference: every schedule, by lexicographic re-execution ------------------ */

static size_t naive_all(struct kernel_run *run, const struct scenario *scn, enum xip_version v,
			unsigned step_limit, struct seen *c)
{
	int *prefix = NULL;
	size_t plen = 0, count = 0;
	char *cause = NULL;

	memset(c, 0, sizeof *c);
	sched_set_step_limit(kernel_run_sched(run), step_limit ? step_limit : SCHED_DEFAULT_STEP_LIMIT);
	for (;;) {
		struct sched *s;
		const struct sched_step *tr;
		struct kernel_verdict kv;
		size_t n, i = 0;
		long k;

		if (kernel_run_start(run, scn, v, &cause) != 0)
			fatal("%s", cause);
		s = kernel_run_sched(run);
		for (; sched_end_reason(s) == SCHED_RUNNING; i++)
			if (sched_step(s, i < plen ? prefix[i] : __builtin_ctz(sched_enabled_mask(s)), &cause) != 0)
				fatal("%s", cause);
		kernel_run_verdict(run, &kv);
		seen_add(c, kernel_state_hash(run), kv.kind);
		count++;
		tr = sched_trace(s, &n);
		for (k = (long)n - 1; k >= 0; k--)
			if (tr[k].enabled & ~((2u << tr[k].cpu) - 1))
				break;
		if (k < 0)
			break;
		prefix = xrealloc(prefix, ((size_t)k + 1) * sizeof *prefix);
		for (long j = 0; j < k; j++)
			prefix[j] = tr[j].cpu;
		prefix[k] = __builtin_ctz(tr[k].enabled & ~((2u << tr[k].cpu) - 1));
		plen = (size_t)k + 1;
	}
	free(prefix);
	sched_set_step_limit(kernel_run_sched(run), SCHED_DEFAULT_STEP_LIMIT);
	seen_set(c);
	return count;
}

/* ---- explore-1, explore-2: full = naive, reduced = full --------------------------- */

struct small {
	const char *dir, *name;
	unsigned versions;   /* bit per version small enough */
	unsigned naive;      /* ... and small enough to enumerate twice (bit per version) */
	unsigned step_limit; /* 0: none */
};

/* Full search counts are in docs/explore.md; the largest here is 211308. */
static const struct small smalls[] = {
	{ "tests/scenarios", "tiny-touch-write", 7, 7, 0 },
	{ "tests/scenarios", "tiny-read-write", 7, 1, 0 },
	{ "tests/scenarios", "tiny-mmap-write", 7, 7, 0 },
	{ "tests/scenarios", "tiny-two-writes", 7, 7, 0 },
	{ "tests/scenarios", "tiny-store-write", 7, 7, 0 },
	{ "scenarios", "threads-present", 7, 1, 0 },      /* BUG endings */
	{ "scenarios", "sparse-oom", 1, 0, 0 },
	{ "tests/scenarios", "tiny-touch-write", 7, 7, 9 }, /* step-limit endings */
	{ "tests/scenarios", "tiny-read-write", 1, 1, 7 },
	{ "scenarios", "threads-present", 1, 1, 12 },
};

/* Under valgrind the enumerations of 100000 runs and more would take an hour. */
static int slow_machine(void)
{
#if HAVE_VALGRIND_VALGRIND_H
	return RUNNING_ON_VALGRIND;
#else
	return 0;
#endif
}

/*
 * Both stateful searches (stateful DPOR: explore-N.i.v; the plain one,
 * every enabled CPU: explore-N.i.v.p) find the states and verdicts of the
 * reference search (full or reduced: ref, rref), its shortest
 * counterexample's length and (proven) its fewest preemptions.
 */
static void stateful_vs(const struct scenario *scn, enum xip_version v, unsigned step_limit, const struct seen *ref,
			const struct explore_result *rref, const char *test, size_t i, const char *what, const char *refname)
{
	for (search_plain = 0; search_plain < 2; search_plain++) {
		struct seen st;
		struct explore_result rs;
		const char *p = search_plain ? ".p" : "";
		char id[40];

		search(scn, v, EXPLORE_STATEFUL, 0, step_limit, &st, &rs);
		snprintf(id, sizeof id, "%s.%zu.%d%s", test, i + 1, v + 1, p);
		tap_ok(seen_equal(&st, ref) && rs.end == EXPLORE_COMPLETE && rs.states == rref->states && !rs.stateless &&
		       rs.fallbacks == 0, id,
		       "%s: %s finds %s's %zu states and verdicts (%#x): %llu states stored, %llu matched, "
		       "%llu summary races", what, search_plain ? "plain stateful" : "stateful DPOR", refname, ref->n,
		       ref->verdicts, rs.stored, rs.matched, rs.sum_races);
		if (explore_found_bad(rref)) {
			snprintf(id, sizeof id, "%s.%zu.%d.1%s", test, i + 1, v + 1, p);
			tap_ok(rs.shortest.n == rref->shortest.n && rs.fewest.preemptions == rref->fewest.preemptions &&
			       rs.shortest_proven && rs.fewest_proven, id,
			       "... and the same shortest counterexample (%zu steps) and fewest preemptions (%u)",
			       rref->shortest.n, rref->fewest.preemptions);
		}
		free(st.h);
		explore_result_clear(&rs);
	}
	search_plain = 0;
}

static void test_small(struct kernel_run *run)
{
	for (size_t i = 0; i < sizeof smalls / sizeof smalls[0]; i++) {
		const struct small *sm = &smalls[i];
		struct scenario *scn = load(sm->dir, sm->name);

		for (int v = 0; v < XIP_NVERSIONS; v++) {
			struct seen ref, full, red;
			struct explore_result rf, rr;
			size_t nref;
			char id[32], what[96];

			if (!(sm->versions & (1u << v)))
				continue;
			snprintf(what, sizeof what, "%s on %s%s", sm->name, xip_version_name(v),
				 sm->step_limit ? " with a step limit" : "");
			search(scn, v, EXPLORE_FULL, 0, sm->step_limit, &full, &rf);
			snprintf(id, sizeof id, "explore-2.%zu.%d", i + 1, v + 1);
			if (slow_machine() && rf.executions > 20000) {
				tap_skip(id, "under valgrind: too many runs");
				free(full.h);
				explore_result_clear(&rf);
				continue;
			}
			search(scn, v, EXPLORE_REDUCED, 0, sm->step_limit, &red, &rr);
			memset(&ref, 0, sizeof ref);
			if (sm->naive & (1u << v)) {
				nref = naive_all(run, scn, v, sm->step_limit, &ref);
				snprintf(id, sizeof id, "explore-1.%zu.%d", i + 1, v + 1);
				tap_ok(rf.executions == nref && rf.end == EXPLORE_COMPLETE && seen_equal(&full, &ref), id,
				       "%s: full search runs every schedule: %llu (naive: %zu), %zu states", what,
				       rf.executions, nref, full.n);
			}
			snprintf(id, sizeof id, "explore-2.%zu.%d", i + 1, v + 1);
			tap_ok(seen_equal(&red, &full) && rr.executions <= rf.executions && rr.fallbacks == 0, id,
			       "%s: reduced finds the same %zu states and verdicts (%#x) in %llu executions "
			       "(+%llu cut short), full in %llu", what, red.n, red.verdicts, rr.executions,
			       rr.blocked, rf.executions);
			if (explore_found_bad(&rf)) {
				snprintf(id, sizeof id, "explore-2.%zu.%d.1", i + 1, v + 1);
				tap_ok(rr.shortest.n == rf.shortest.n && rr.fewest.preemptions == rf.fewest.preemptions &&
				       rr.shortest_proven && rr.fewest_proven, id,
				       "... and the same shortest counterexample (%zu steps) and fewest preemptions (%u)",
				       rf.shortest.n, rf.fewest.preemptions);
			}
			stateful_vs(scn, v, sm->step_limit, &full, &rf, "explore-12", i, what, "full");
			free(ref.h);
			free(full.h);
			free(red.h);
			explore_result_clear(&rf);
			explore_result_clear(&rr);
		}
		scenario_free(scn);
	}
}

/* ---- explore-3: the two races, bounds ---------------------------------------------- */

static void quick(const struct scenario *scn, enum xip_version v, enum explore_mode mode, int bound,
		  struct explore_result *r)
{
	struct explore_options o;
	char *cause = NULL;

	explore_options_init(&o);
	o.mode = mode;
	o.preemptions = bound;
	if (explore_run(scn, v, &o, r, &cause) != 0)
		fatal("%s", cause);
}

static void test_races(void)
{
	struct scenario *classic = load("scenarios", "classic"), *three = load("scenarios", "three-cpus");
	struct explore_result r;

	quick(classic, XIP_BUGGY, EXPLORE_BOUNDED, 0, &r);
	tap_ok(!explore_found_bad(&r) && r.executions > 0 && r.end == EXPLORE_COMPLETE, "explore-3.1",
	       "classic, buggy, no preemption: every one of %llu schedules is ok", r.executions);
	explore_result_clear(&r);
	quick(classic, XIP_BUGGY, EXPLORE_BOUNDED, 1, &r);
	tap_ok(r.verdicts[VERDICT_CORRUPTION] > 0 && r.fewest.preemptions == 1, "explore-3.2",
	       "classic, buggy, one preemption: corruption (%llu of %llu), with 1 preemption",
	       r.verdicts[VERDICT_CORRUPTION], r.executions);
	tap_is_int((long long)(r.per_bound[0] + r.per_bound[1]), (long long)r.executions, "explore-3.3",
		   "... each schedule counted once, under its own number of preemptions");
	explore_result_clear(&r);
	quick(classic, XIP_BUGGY, EXPLORE_REDUCED, 0, &r);
	tap_ok(r.verdicts[VERDICT_CORRUPTION] > 0 && r.fewest.preemptions == 1 &&
	       r.verdicts[VERDICT_OK] + r.verdicts[VERDICT_CORRUPTION] == r.executions, "explore-3.4",
	       "classic, buggy, reduced: corruption, fewest preemptions 1 (%llu executions)", r.executions);
	explore_result_clear(&r);
	for (int v = XIP_FIXED; v <= XIP_LATER; v++) {
		char id[32];
		quick(classic, v, EXPLORE_REDUCED, 0, &r);
		snprintf(id, sizeof id, "explore-3.%d", 4 + v);
		tap_ok(!explore_found_bad(&r) && r.end == EXPLORE_COMPLETE && r.executions > 0, id,
		       "classic, %s: every schedule is ok (%llu executions, %llu states)", xip_version_name(v),
		       r.executions, r.states);
		explore_result_clear(&r);
	}
	quick(three, XIP_BUGGY, EXPLORE_REDUCED, 0, &r);
	tap_ok(r.verdicts[VERDICT_CORRUPTION] > 0, "explore-3.7", "three-cpus, buggy: corruption (%llu of %llu)",
	       r.verdicts[VERDICT_CORRUPTION], r.executions);
	explore_result_clear(&r);
	quick(three, XIP_FIXED, EXPLORE_REDUCED, 0, &r);
	tap_ok(!explore_found_bad(&r) && r.end == EXPLORE_COMPLETE, "explore-3.8",
	       "three-cpus, fixed: every schedule is ok (%llu executions, %llu states)", r.executions, r.states);
	explore_result_clear(&r);
	quick(three, XIP_BUGGY, EXPLORE_BOUNDED, 0, &r);
	tap_ok(!explore_found_bad(&r), "explore-3.9", "three-cpus, buggy, no preemption: ok (%llu schedules)",
	       r.executions);
	explore_result_clear(&r);
	scenario_free(classic);
	scenario_free(three);
}

/* ---- explore-4: every shipped expectation ------------------------------------------ */

static const char *const shipped[] = {
	"classic", "three-cpus", "private-reader", "shared-writable", "first-sparse",
	"threads-present", "alloc-race", "device-full", "sparse-oom", "late-mmap",
};
#define NSHIPPED (sizeof shipped / sizeof shipped[0])

/*
 * ... and the test scenarios after them (tiny-bug-reader: a BUG stops a third CPU;
 * sparse-allocated: classic with the sparse page allocated first, for the pre-2.6.25
 * seqcount what-if, tests/ablate.sh).
 */
static const char *const tinies[] = {
	"tiny-touch-write", "tiny-read-write", "tiny-mmap-write", "tiny-two-writes", "tiny-store-write",
	"tiny-bug-reader", "sparse-allocated", "sparse-setup", "truncate-extend", "classic-whatif", "read-truncate", "named-readers",
};
#define NALL (NSHIPPED + sizeof tinies / sizeof tinies[0])

static struct scenario *load_nth(size_t i, const char **name)
{
	*name = i < NSHIPPED ? shipped[i] : tinies[i - NSHIPPED];
	return load(i < NSHIPPED ? "scenarios" : "tests/scenarios", *name);
}

/*
 * One claim through explore: ok means every schedule is ok; a bad verdict
 * that some schedule gives it; "at N preemptions" that the fewest any bad
 * schedule needs is proven to be N, with that verdict.
 */
static void check_claim(const struct scenario *scn, const struct scn_expect *e, enum xip_version v,
			const char *name, const char *id)
{
	struct explore_options o;
	struct explore_result r;
	char *cause = NULL, what[80] = "", mask[48];

	explore_options_init(&o);
	o.mode = EXPLORE_REDUCED;
	o.without = e->without;
	if (explore_run(scn, v, &o, &r, &cause) != 0)
		fatal("%s", cause);
	if (e->without)
		snprintf(what, sizeof what, " without %s", kernel_without_text(e->without, mask, sizeof mask));
	if (e->verdict == VERDICT_OK)
		tap_ok(r.end == EXPLORE_COMPLETE && r.verdicts[VERDICT_OK] == r.executions && r.fallbacks == 0, id,
		       "%s on %s%s: every one of %llu schedules is ok, as expected", name, xip_version_name(v), what,
		       r.executions);
	else
		tap_ok(r.verdicts[e->verdict] > 0 && r.fallbacks == 0, id,
		       "%s on %s%s: some schedule gives %s, as expected (%llu of %llu)", name, xip_version_name(v), what,
		       verdict_kind_name(e->verdict), r.verdicts[e->verdict], r.executions);
	if (e->preemptions >= 0) {
		char id2[40];
		snprintf(id2, sizeof id2, "%s.at", id);
		tap_ok(r.fewest_proven && (int)r.fewest.preemptions == e->preemptions && r.fewest.verdict == e->verdict, id2,
		       "%s on %s%s: the fewest preemptions to a bad verdict are %d (%s), as claimed: %u (%s)%s", name,
		       xip_version_name(v), what, e->preemptions, verdict_kind_name(e->verdict), r.fewest.preemptions,
		       verdict_kind_name(r.fewest.verdict), r.fewest_proven ? "" : ", not proven");
	}
	explore_result_clear(&r);
}

static void test_expectations(void)
{
	for (size_t i = 0; i < NALL; i++) {
		const char *name;
		struct scenario *scn = load_nth(i, &name);
		for (int v = 0; v < XIP_NVERSIONS; v++) {
			char id[32];

			snprintf(id, sizeof id, "explore-4.%zu.%d", i + 1, v + 1);
			if (!scn->expect[v].set) {
				tap_skip(id, "no expectation");
				continue;
			}
			check_claim(scn, &scn->expect[v], (enum xip_version)v, name, id);
		}
		/* the what-if claims (issue 15): "expect fixed without WHAT: ..." */
		for (int k = 0; k < scn->nwexpect; k++) {
			char id[32];
			snprintf(id, sizeof id, "explore-4.%zu.w%d", i + 1, k + 1);
			check_claim(scn, &scn->wexpect[k], XIP_FIXED, name, id);
		}
		scenario_free(scn);
	}
}

/* ---- explore-5, explore-10: reduced covers what other searches reach ---------------- */

/* Bounded, random and PCT searches reach no state, verdict or better counterexample reduced misses. */
static void cover_one(const struct scenario *scn, enum xip_version v, const char *id, const char *what)
{
	static const struct { enum explore_mode mode; unsigned long long arg; const char *what; } others[] = {
		{ EXPLORE_BOUNDED, 2, "every schedule with at most 2 preemptions" },
		{ EXPLORE_RANDOM, 3000, "3000 random runs" },
		{ EXPLORE_PCT, 3000, "3000 PCT runs" },
	};
	struct seen red, other;
	struct explore_result rr, ro;
	int ok = 1;
	char bad[128] = "";

	search(scn, v, EXPLORE_REDUCED, 0, 0, &red, &rr);
	for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
		search(scn, v, others[k].mode, others[k].arg, 0, &other, &ro);
		if (!seen_subset(&other, &red) || (other.verdicts & ~red.verdicts)) {
			ok = 0;
			snprintf(bad, sizeof bad, ": %s reached %zu states, some not reduced's", others[k].what, other.n);
		}
		if (explore_found_bad(&ro) && (ro.shortest.n < rr.shortest.n || ro.fewest.preemptions < rr.fewest.preemptions)) {
			ok = 0;
			snprintf(bad, sizeof bad, ": %s found a shorter counterexample or one with fewer preemptions",
				 others[k].what);
		}
		free(other.h);
		explore_result_clear(&ro);
	}
	tap_ok(ok && rr.fallbacks == 0, id, "%s: bounded, random and PCT runs reach none of the %zu states "
	       "reduced misses, nor beat its counterexamples (%llu executions)%s", what, red.n, rr.executions, bad);
	free(red.h);
	explore_result_clear(&rr);
}

static void test_cover(void)
{
	for (size_t i = 0; i < NALL; i++) {
		const char *name;
		struct scenario *scn = load_nth(i, &name);
		for (int v = 0; v < XIP_NVERSIONS; v++) {
			char id[32], what[64];
			snprintf(id, sizeof id, "explore-5.%zu.%d", i + 1, v + 1);
			snprintf(what, sizeof what, "%s on %s", name, xip_version_name(v));
			cover_one(scn, v, id, what);
		}
		scenario_free(scn);
	}
}

/* The fix taken apart (what `ablate` explores): other code, same guarantee. */
static void test_cover_ablated(void)
{
	static const char *const names[] = { "classic", "three-cpus", "shared-writable", "late-mmap" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct scenario *scn = load("scenarios", names[i]);
		for (unsigned k = 0; k <= KERNEL_WITHOUT_COUNT; k++) {
			unsigned mask = k < KERNEL_WITHOUT_COUNT ? 1u << k : KERNEL_WITHOUT_ALL;
			char id[32], what[96], text[64];

			search_without = mask;
			snprintf(id, sizeof id, "explore-10.%zu.%u", i + 1, k + 1);
			snprintf(what, sizeof what, "%s on fixed without %s", names[i],
				 kernel_without_text(mask, text, sizeof text));
			cover_one(scn, XIP_FIXED, id, what);
		}
		search_without = 0;
		scenario_free(scn);
	}
}

/* ---- explore-6..9 ------------------------------------------------------------------ */

static void test_determinism(void)
{
	struct scenario *scn = load("scenarios", "three-cpus");
	struct explore_options o;
	struct explore_result a, b;
	struct seen sa, sb;
	char *cause = NULL;

	explore_options_init(&o);
	o.visit = seen_visit;
	for (int mode = EXPLORE_REDUCED; mode <= EXPLORE_PCT; mode++) {
		char id[32];
		if (mode == EXPLORE_FULL)
			continue;
		o.mode = mode;
		o.preemptions = 1;
		o.samples = 500;
		memset(&sa, 0, sizeof sa);
		memset(&sb, 0, sizeof sb);
		o.ctx = &sa;
		explore_run(scn, XIP_BUGGY, &o, &a, &cause);
		o.ctx = &sb;
		explore_run(scn, XIP_BUGGY, &o, &b, &cause);
		snprintf(id, sizeof id, "explore-6.%d", mode + 1);
		tap_ok(a.executions == b.executions && a.blocked == b.blocked && a.states == b.states &&
		       sa.order == sb.order && a.shortest.n == b.shortest.n, id,
		       "%s: two searches run the same %llu executions in the same order", explore_mode_name(mode),
		       a.executions);
		free(sa.h);
		free(sb.h);
		explore_result_clear(&a);
		explore_result_clear(&b);
	}
	scenario_free(scn);
}

/* Replay a counterexample's choices with sched_step alone: same verdict, same state. */
static int replays(struct kernel_run *run, const struct scenario *scn, enum xip_version v, const int *choices,
		   size_t n, enum verdict_kind want, uint64_t state)
{
	struct sched *s;
	struct kernel_verdict kv;
	char *cause = NULL;

	if (kernel_run_start(run, scn, v, &cause) != 0)
		return 0;
	s = kernel_run_sched(run);
	for (size_t i = 0; i < n; i++)
		if (sched_step(s, choices[i], &cause) != 0) {
			free(cause);
			return 0;
		}
	if (sched_end_reason(s) == SCHED_RUNNING)
		return 0;
	kernel_run_verdict(run, &kv);
	return kv.kind == want && kernel_state_hash(run) == state;
}

static void test_replay(struct kernel_run *run)
{
	static const struct { const char *name; enum xip_version v; } cases[] = {
		{ "classic", XIP_BUGGY }, { "three-cpus", XIP_BUGGY }, { "threads-present", XIP_FIXED },
		{ "alloc-race", XIP_BUGGY },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scenario *scn = load("scenarios", cases[i].name);
		struct explore_result r;
		struct store_schedule row;
		int *choices = NULL, ok;
		size_t n = 0;
		char id[32], *cause = NULL;

		quick(scn, cases[i].v, EXPLORE_REDUCED, 0, &r);
		snprintf(id, sizeof id, "explore-7.%zu.1", i + 1);
		ok = r.shortest.choices && r.fewest.choices &&
		     replays(run, scn, cases[i].v, r.shortest.choices, r.shortest.n, r.shortest.verdict, r.shortest.state) &&
		     replays(run, scn, cases[i].v, r.fewest.choices, r.fewest.n, r.fewest.verdict, r.fewest.state);
		tap_ok(ok, id, "%s on %s: both counterexamples replay step by step to their verdict (%s)", cases[i].name,
		       xip_version_name(cases[i].v), verdict_kind_name(r.shortest.verdict));
		/* through a store row: its text form replays too */
		ok = 0;
		if (r.shortest.choices && replays(run, scn, cases[i].v, r.shortest.choices, r.shortest.n,
						  r.shortest.verdict, r.shortest.state)) {
			record_fill(&row, run, 0, "explore", "shortest", NULL, NULL);
			ok = record_parse_choices(row.choices, &choices, &n, &cause) == 0 &&
			     replays(run, scn, cases[i].v, choices, n, r.shortest.verdict, r.shortest.state) &&
			     !strcmp(row.verdict, verdict_kind_name(r.shortest.verdict)) &&
			     row.preemptions == (long)r.shortest.preemptions && row.length == (long)r.shortest.n;
			store_schedule_clear(&row);
			free(choices);
			free(cause);
		}
		snprintf(id, sizeof id, "explore-7.%zu.2", i + 1);
		tap_ok(ok, id, "... and so does the row record_fill makes of it");
		explore_result_clear(&r);
		scenario_free(scn);
	}
}

/* visit: the first execution that ends asks the search to stop. */
static void stop_on_first(void *ctx, struct kernel_run *run, const struct kernel_verdict *v, uint64_t state)
{
	(void)run;
	(void)v;
	(void)state;
	*(volatile sig_atomic_t *)ctx = 1;
}

static void test_stopping(void)
{
	struct scenario *scn = load("scenarios", "three-cpus");
	struct explore_options o;
	struct explore_result r;
	volatile sig_atomic_t stop = 1;
	char *cause = NULL;

	explore_options_init(&o);
	o.stop_at_first = 1;
	explore_run(scn, XIP_BUGGY, &o, &r, &cause);
	tap_ok(r.end == EXPLORE_FIRST && explore_found_bad(&r) && r.verdicts[VERDICT_OK] + 1 == r.executions,
	       "explore-8.1", "stop at first: ends with the first bad verdict (execution %llu)", r.executions);
	explore_result_clear(&r);
	o.mode = EXPLORE_BOUNDED;
	o.preemptions = 3;
	explore_run(scn, XIP_BUGGY, &o, &r, &cause);
	tap_ok(r.end == EXPLORE_FIRST && r.fewest.preemptions == 1 && r.bound_done == 0, "explore-8.2",
	       "bounded, stop at first: the first found has the fewest preemptions there are (1)");
	explore_result_clear(&r);
	explore_options_init(&o);
	o.max_executions = 10;
	explore_run(scn, XIP_FIXED, &o, &r, &cause);
	tap_ok(r.end == EXPLORE_LIMIT && r.executions == 10, "explore-8.3", "a limit of 10 executions");
	explore_result_clear(&r);
	o.max_executions = 0;
	o.interrupt = &stop;
	explore_run(scn, XIP_FIXED, &o, &r, &cause);
	tap_ok(r.end == EXPLORE_INTERRUPTED && r.executions + r.blocked == 0 && r.units_done == 0, "explore-8.4",
	       "an interrupt before the search: no unit starts");
	explore_result_clear(&r);
	stop = 0;
	o.visit = stop_on_first;
	o.ctx = (void *)&stop;
	explore_run(scn, XIP_FIXED, &o, &r, &cause);
	o.visit = NULL;
	tap_ok(r.end == EXPLORE_INTERRUPTED && r.executions == 1, "explore-8.4b",
	       "an interrupt during the search stops after the execution under way (%llu)", r.executions);
	explore_result_clear(&r);
	o.interrupt = NULL;
	o.mode = EXPLORE_BOUNDED;
	o.preemptions = EXPLORE_MAX_BOUND + 1;
	tap_is_int(explore_run(scn, XIP_FIXED, &o, &r, &cause), -1, "explore-8.5", "a bound above %d is refused",
		   EXPLORE_MAX_BOUND);
	free(cause);
	scenario_free(scn);
}

static void test_sampling(void)
{
	struct scenario *scn = load("scenarios", "classic");
	struct explore_options o;
	struct explore_result a, b;
	struct seen sa, sb;
	char *cause = NULL;

	explore_options_init(&o);
	o.visit = seen_visit;
	for (int mode = EXPLORE_RANDOM; mode <= EXPLORE_PCT; mode++) {
		char id[32];
		o.mode = mode;
		o.samples = 1000;
		o.seed = 1;
		memset(&sa, 0, sizeof sa);
		memset(&sb, 0, sizeof sb);
		o.ctx = &sa;
		explore_run(scn, XIP_BUGGY, &o, &a, &cause);
		snprintf(id, sizeof id, "explore-9.%d.1", mode);
		tap_ok(a.executions == 1000 && a.verdicts[VERDICT_CORRUPTION] > 0, id,
		       "%s: 1000 runs find the classic race (%llu times)", explore_mode_name(mode),
		       a.verdicts[VERDICT_CORRUPTION]);
		o.seed = 2;
		o.ctx = &sb;
		explore_run(scn, XIP_BUGGY, &o, &b, &cause);
		snprintf(id, sizeof id, "explore-9.%d.2", mode);
		tap_ok(sa.order != sb.order, id, "... another seed, other runs");
		free(sa.h);
		free(sb.h);
		explore_result_clear(&a);
		explore_result_clear(&b);
	}
	scenario_free(scn);
}


/* ---- explore-11: split searches ------------------------------------------------------ */

/* Same counts, states, verdicts and counterexamples (choices, and where they were found). */
static int same_cex(const struct explore_cex *a, const struct explore_cex *b)
{
	if (!a->choices || !b->choices)
		return !a->choices && !b->choices;
	return a->n == b->n && a->preemptions == b->preemptions && a->verdict == b->verdict && a->state == b->state &&
	       a->found_at == b->found_at && memcmp(a->choices, b->choices, a->n * sizeof *a->choices) == 0;
}

static int same_result(const struct explore_result *a, const struct explore_result *b, int with_blocked)
{
	return a->end == b->end && a->executions == b->executions && a->states == b->states &&
	       (!with_blocked || a->blocked == b->blocked) &&
	       memcmp(a->verdicts, b->verdicts, sizeof a->verdicts) == 0 && a->max_length == b->max_length &&
	       same_cex(&a->shortest, &b->shortest) && same_cex(&a->fewest, &b->fewest) &&
	       a->shortest_proven == b->shortest_proven && a->fewest_proven == b->fewest_proven;
}

static void run_opts(const struct scenario *scn, enum xip_version v, const struct explore_options *o,
		     struct explore_result *r)
{
	char *cause = NULL;

	if (explore_run(scn, v, o, r, &cause) != 0)
		fatal("%s", cause);
}

/* unit_done: keep each unit's bytes, as the database does. */
struct kept {
	unsigned char **bytes;
	size_t *len;
	size_t n;
};

static int keep_unit(void *ctx, size_t unit, const struct explore_unit *u, char **cause)
{
	struct kept *k = ctx;

	(void)cause;
	if (unit >= k->n || k->bytes[unit])
		fatal("unit %zu reported twice or out of the plan", unit);
	k->bytes[unit] = explore_unit_encode(u, &k->len[unit]);
	return 0;
}

/* The kept bytes decoded: what resume and merge hand to explore_run. */
static struct explore_unit **kept_units(const struct kept *k, size_t *loaded)
{
	struct explore_unit **d = xcalloc(k->n, sizeof *d);
	char *cause = NULL;

	*loaded = 0;
	for (size_t u = 0; u < k->n; u++) {
		if (!k->bytes[u])
			continue;
		d[u] = xmalloc(sizeof *d[u]);
		if (explore_unit_decode(k->bytes[u], k->len[u], SCHED_MAX_CPUS, d[u], &cause) != 0)
			fatal("unit %zu: %s", u, cause);
		++*loaded;
	}
	return d;
}

static void free_units(struct explore_unit **d, size_t n)
{
	for (size_t u = 0; u < n; u++)
		if (d[u]) {
			explore_unit_clear(d[u]);
			free(d[u]);
		}
	free(d);
}

static void kept_free(struct kept *k)
{
	for (size_t u = 0; u < k->n; u++)
		free(k->bytes[u]);
	free(k->bytes);
	free(k->len);
}

static void test_split_counts(void)
{
	static const struct { const char *dir, *name; int mode; } cases[] = {
		{ "scenarios", "three-cpus", EXPLORE_REDUCED },
		{ "scenarios", "first-sparse", EXPLORE_REDUCED },
		{ "scenarios", "device-full", EXPLORE_REDUCED },
		{ "scenarios", "shared-writable", EXPLORE_REDUCED },
		{ "tests/scenarios", "tiny-bug-reader", EXPLORE_REDUCED },
		{ "tests/scenarios", "tiny-read-write", EXPLORE_FULL },
		{ "scenarios", "threads-present", EXPLORE_FULL },
	};
	static const unsigned units[] = { 2, 8, 64, 500 };

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct scenario *scn = load(cases[i].dir, cases[i].name);
		for (int v = 0; v < XIP_NVERSIONS; v++) {
			struct explore_options o;
			struct explore_result one, r;
			int all = 1;
			char id[40], got[160] = "";
			size_t at = 0;

			/* full searches: the smallest version only (up to 56140 executions a run) */
			if (cases[i].mode == EXPLORE_FULL && (slow_machine() || v != XIP_BUGGY))
				continue;
			explore_options_init(&o);
			o.mode = cases[i].mode;
			o.units = 1;
			run_opts(scn, (enum xip_version)v, &o, &one);
			for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
				o.units = units[k];
				run_opts(scn, (enum xip_version)v, &o, &r);
				all &= same_result(&one, &r, 0) && r.fallbacks == 0 && r.units_done == r.units;
				at += (size_t)snprintf(got + at, sizeof got - at, " %zu units: +%llu cut;", r.units,
						       r.blocked > one.blocked ? r.blocked - one.blocked : 0);
				explore_result_clear(&r);
			}
			snprintf(id, sizeof id, "explore-11.1.%zu.%d", i + 1, v + 1);
			tap_ok(all, id, "%s %s (%s): split into any number of units, the same %llu executions, %llu "
			       "states, verdicts and counterexamples as unsplit;%s", cases[i].name, xip_version_name(v),
			       explore_mode_name(cases[i].mode), one.executions, one.states, got);
			explore_result_clear(&one);
		}
		scenario_free(scn);
	}
}

/* Runs cut by the step limit: the split may run a different number of them, never other states. */
static void test_split_step_limit(void)
{
	struct scenario *scn = load("scenarios", "three-cpus");
	static const unsigned limits[] = { 40, 45, 70 };

	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		struct explore_options o;
		struct seen a, b;
		struct explore_result one, r;
		char id[40];

		memset(&a, 0, sizeof a);
		memset(&b, 0, sizeof b);
		explore_options_init(&o);
		o.step_limit = limits[i];
		o.visit = seen_visit;
		o.units = 1;
		o.ctx = &a;
		run_opts(scn, XIP_BUGGY, &o, &one);
		o.units = 500;
		o.ctx = &b;
		run_opts(scn, XIP_BUGGY, &o, &r);
		seen_set(&a);
		seen_set(&b);
		snprintf(id, sizeof id, "explore-11.8.%zu", i + 1);
		tap_ok(seen_equal(&a, &b) && one.states == r.states && r.end == EXPLORE_COMPLETE, id,
		       "three-cpus buggy, step limit %u: %zu units find the unsplit search's %zu final states and "
		       "verdicts (%llu executions, unsplit %llu)", limits[i], r.units, a.n, r.executions,
		       one.executions);
		free(a.h);
		free(b.h);
		explore_result_clear(&one);
		explore_result_clear(&r);
	}
	scenario_free(scn);
}

static void test_split_sharing(void)
{
	struct scenario *scn = load("scenarios", "three-cpus");
	struct explore_plan plan;
	char *cause = NULL;

	for (int v = 0; v < 2; v++) {
		struct explore_options o;
		struct explore_result one, r;
		struct explore_unit **d;
		struct kept k;
		size_t loaded;
		int ok = 1;
		char id[40];

		explore_options_init(&o);
		if (explore_plan_make(scn, (enum xip_version)v, &o, &plan, &cause) != 0)
			fatal("%s", cause);
		o.plan = &plan;
		run_opts(scn, (enum xip_version)v, &o, &one);

		/* -j 2 */
		o.jobs = 2;
		run_opts(scn, (enum xip_version)v, &o, &r);
		snprintf(id, sizeof id, "explore-11.2.%d", v + 1);
		tap_ok(same_result(&one, &r, 1) && r.steps == one.steps, id,
		       "three-cpus %s: -j 2 gives what -j 1 gives (%llu executions, %llu cut short, %llu states, "
		       "%llu steps)", xip_version_name(v), r.executions, r.blocked, r.states, r.steps);
		explore_result_clear(&r);
		o.jobs = 0;

		/* three shards, each keeping its units; then folded as merge does */
		k.n = plan.nunits;
		k.bytes = xcalloc(k.n, sizeof *k.bytes);
		k.len = xcalloc(k.n, sizeof *k.len);
		o.unit_done = keep_unit;
		o.ctx = &k;
		o.shard_n = 3;
		for (o.shard_k = 1; o.shard_k <= 3; o.shard_k++) {
			run_opts(scn, (enum xip_version)v, &o, &r);
			ok &= r.end == EXPLORE_COMPLETE && r.units_done == r.units_mine && !r.shortest_proven;
			explore_result_clear(&r);
		}
		o.shard_n = o.shard_k = 0;
		o.unit_done = NULL;
		d = kept_units(&k, &loaded);
		o.done = d;
		o.ndone = k.n;
		run_opts(scn, (enum xip_version)v, &o, &r);
		snprintf(id, sizeof id, "explore-11.3.%d", v + 1);
		tap_ok(ok && loaded == plan.nunits && same_result(&one, &r, 1) && r.units_loaded == plan.nunits, id,
		       "three-cpus %s: 3 shards' %zu units, through their bytes, fold into the single run's result",
		       xip_version_name(v), loaded);
		explore_result_clear(&r);
		free_units(d, k.n);
		o.done = NULL;
		o.ndone = 0;
		kept_free(&k);

		/* stopped at a limit, then resumed with the units it finished */
		k.n = plan.nunits;
		k.bytes = xcalloc(k.n, sizeof *k.bytes);
		k.len = xcalloc(k.n, sizeof *k.len);
		o.unit_done = keep_unit;
		o.ctx = &k;
		o.max_executions = one.executions / 3;
		run_opts(scn, (enum xip_version)v, &o, &r);
		ok = r.end == EXPLORE_LIMIT && r.units_done < r.units;
		explore_result_clear(&r);
		o.max_executions = 0;
		o.unit_done = NULL;
		d = kept_units(&k, &loaded);
		o.done = d;
		o.ndone = k.n;
		o.jobs = 2;
		run_opts(scn, (enum xip_version)v, &o, &r);
		snprintf(id, sizeof id, "explore-11.4.%d", v + 1);
		tap_ok(ok && loaded > 0 && same_result(&one, &r, 1), id,
		       "three-cpus %s: stopped after %zu of %zu units, resumed with -j 2: the single run's result",
		       xip_version_name(v), loaded, plan.nunits);
		explore_result_clear(&r);
		free_units(d, k.n);
		kept_free(&k);
		explore_result_clear(&one);
		explore_plan_clear(&plan);
	}
	scenario_free(scn);
}

static void test_unit_bytes(void)
{
	struct scenario *scn = load("scenarios", "three-cpus");
	struct explore_options o;
	struct explore_result r;
	struct kept k;
	struct explore_plan plan;
	struct explore_unit u;
	char *cause = NULL;
	size_t big = 0, refused = 0, tried = 0;
	int same = 1;

	explore_options_init(&o);
	if (explore_plan_make(scn, XIP_BUGGY, &o, &plan, &cause) != 0)
		fatal("%s", cause);
	k.n = plan.nunits;
	k.bytes = xcalloc(k.n, sizeof *k.bytes);
	k.len = xcalloc(k.n, sizeof *k.len);
	o.plan = &plan;
	o.unit_done = keep_unit;
	o.ctx = &k;
	run_opts(scn, XIP_BUGGY, &o, &r);
	for (size_t i = 0; i < k.n; i++) {
		unsigned char *again;
		size_t len;
		if (k.bytes[i] && k.len[i] > k.len[big])
			big = i;
		if (!k.bytes[i] || explore_unit_decode(k.bytes[i], k.len[i], scn->ncpus, &u, &cause) != 0) {
			same = 0;
			continue;
		}
		again = explore_unit_encode(&u, &len);
		same &= len == k.len[i] && memcmp(again, k.bytes[i], len) == 0;
		free(again);
		explore_unit_clear(&u);
	}
	tap_ok(same, "explore-11.5", "every unit's bytes decode and encode back to the same bytes");
	/* damage the largest unit (one with a counterexample) every way: truncate, flip one byte */
	for (size_t len = 0; len < k.len[big]; len++) {
		tried++;
		if (explore_unit_decode(k.bytes[big], len, scn->ncpus, &u, &cause) != 0) {
			refused++;
			free(cause);
			cause = NULL;
		} else {
			explore_unit_clear(&u);
		}
	}
	tap_is_int((long long)refused, (long long)tried, "explore-11.6",
		   "a unit's bytes cut short anywhere are refused (%zu cuts)", tried);
	refused = tried = 0;
	for (size_t at = 0; at < k.len[big]; at++) {
		unsigned char *copy = xmalloc(k.len[big]);
		memcpy(copy, k.bytes[big], k.len[big]);
		copy[at] ^= 0x80;
		tried++;
		if (explore_unit_decode(copy, k.len[big], scn->ncpus, &u, &cause) != 0) {
			refused++;
			free(cause);
			cause = NULL;
		} else {
			explore_unit_clear(&u);
		}
		free(copy);
	}
	tap_ok(refused > 0, "explore-11.7", "a flipped bit is refused where the bytes can tell (%zu of %zu) and "
	       "never crashes the decoder", refused, tried);
	explore_result_clear(&r);
	kept_free(&k);
	explore_plan_clear(&plan);
	scenario_free(scn);
}

/* ---- explore-13: stateful = reduced everywhere; checkpoints change nothing ------------ */

/*
 * Stateful searches with and without checkpoints meet the same states but
 * may store a different number: a new frame's padding holds what the
 * stack held before, which differs between a replayed and a resumed
 * execution, and the stack is hashed with it (a split, never a merge).
 * Their ends, verdicts and counterexamples' lengths agree.
 */
static int same_ends(const struct explore_result *a, const struct explore_result *b)
{
	return a->end == b->end && a->executions == b->executions && a->states == b->states &&
	       memcmp(a->verdicts, b->verdicts, sizeof a->verdicts) == 0 && a->max_length == b->max_length &&
	       a->shortest.n == b->shortest.n && a->fewest.preemptions == b->fewest.preemptions &&
	       a->shortest_proven == b->shortest_proven && a->fewest_proven == b->fewest_proven;
}

static void test_stateful_and_checkpoints(void)
{
	for (size_t i = 0; i < NALL; i++) {
		const char *name;
		struct scenario *scn = load_nth(i, &name);
		for (int v = 0; v < XIP_NVERSIONS; v++) {
			static const enum explore_mode modes[] = { EXPLORE_REDUCED, EXPLORE_STATEFUL, EXPLORE_FULL,
								   EXPLORE_STATEFUL };
			struct seen red;
			struct explore_result rr;
			char id[40], what[64];

			snprintf(what, sizeof what, "%s on %s", name, xip_version_name(v));
			search(scn, v, EXPLORE_REDUCED, 0, 0, &red, &rr);
			stateful_vs(scn, v, 0, &red, &rr, "explore-13.1", i, what, "reduced");
			for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
				struct explore_options o;
				struct explore_result a, b;
				explore_options_init(&o);
				o.mode = modes[m];
				o.stateful_plain = m == 3;   /* explore-13.5: the plain stateful search */
				snprintf(id, sizeof id, "explore-13.%zu.%zu.%d", m + 2, i + 1, v + 1);
				if (modes[m] == EXPLORE_FULL)   /* the first 20000 interleavings: enough to compare */
					o.max_executions = slow_machine() ? 500 : 20000;
				run_opts(scn, v, &o, &a);
				o.no_checkpoints = 1;
				run_opts(scn, v, &o, &b);
				tap_ok((modes[m] == EXPLORE_STATEFUL ? same_ends(&a, &b) : same_result(&a, &b, 1)) &&
				       b.resumed == 0, id,
				       "%s, %s: resumed from checkpoints (%llu of %llu executions, %llu steps) = replayed "
				       "(%llu steps)", what, m == 3 ? "stateful (plain)" : explore_mode_name(modes[m]), a.resumed,
				       a.executions + a.blocked + a.matched, a.steps, b.steps);
				explore_result_clear(&a);
				explore_result_clear(&b);
			}
			free(red.h);
			explore_result_clear(&rr);
		}
		scenario_free(scn);
	}
}

/* ---- explore-14: random small scenarios ------------------------------------------------ */

static uint64_t gen_state;

static unsigned gen_below(unsigned n)
{
	gen_state = gen_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((gen_state >> 33) % n);
}

/* A random scenario's text (newly allocated); the parser refuses some, the caller draws again. */
static char *gen_scenario(void)
{
	static const char *const modes[] = { "O_RDONLY", "O_RDWR", "O_WRONLY" };
	static const char *const maps[] = { "", ", mmap MAP_SHARED PROT_READ", ", mmap MAP_SHARED PROT_READ|PROT_WRITE",
					    ", mmap MAP_PRIVATE PROT_READ", ", mmap MAP_PRIVATE PROT_READ|PROT_WRITE" };
	static const char *const versions[] = { "buggy", "fixed", "later" };
	unsigned pages = 1 + gen_below(2), nprocs = 1 + gen_below(2);
	unsigned ncpus = gen_below(3) ? 2 : 3 + gen_below(2);   /* 2 CPUs, or a third of the time 3 or 4 */
	char buf[2048];
	size_t o = 0;

	o += (size_t)snprintf(buf + o, sizeof buf - o, "title: random\nversion: %s\nflash: %u blocks\nfile: %u pages\n",
			      versions[gen_below(3)], 2 + gen_below(3), pages);
	for (unsigned p = 0; p < pages; p++) {
		if (gen_below(2))
			o += (size_t)snprintf(buf + o, sizeof buf - o, "page %u: hole\n", p);
		else
			o += (size_t)snprintf(buf + o, sizeof buf - o, "page %u: \"PAGE%u!\"\n", p, p);
	}
	if (!gen_below(6))
		o += (size_t)snprintf(buf + o, sizeof buf - o, "fault: %s\n",
				      gen_below(2) ? "sparse-alloc-fails" : "flash-full");
	for (unsigned p = 0; p < nprocs; p++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "process %c: open %s%s\n", 'A' + p, modes[gen_below(3)],
				      maps[gen_below(5)]);
	for (unsigned c = 0; c < ncpus; c++) {
		char who = (char)('A' + gen_below(nprocs));
		unsigned pg = gen_below(pages);
		o += (size_t)snprintf(buf + o, sizeof buf - o, "cpu %u: %c ", c, who);
		switch (gen_below(5)) {
		case 0: o += (size_t)snprintf(buf + o, sizeof buf - o, "touch %u\n", pg); break;
		case 1: o += (size_t)snprintf(buf + o, sizeof buf - o, "store %u \"xy\"\n", pg); break;
		case 2: o += (size_t)snprintf(buf + o, sizeof buf - o, "write %u \"ab\"\n", pg); break;
		case 3: o += (size_t)snprintf(buf + o, sizeof buf - o, "read %u\n", pg); break;
		default: o += (size_t)snprintf(buf + o, sizeof buf - o, "mmap MAP_SHARED PROT_READ\n"); break;
		}
	}
	return xstrdup(buf);
}

/* Release what one drawn scenario's searches kept. */
static void gen_free(struct seen *a, struct seen *b, struct seen *c, struct explore_result *r1,
		     struct explore_result *r2, struct explore_result *r3)
{
	free(a->h);
	free(b->h);
	free(c->h);
	explore_result_clear(r1);
	explore_result_clear(r2);
	explore_result_clear(r3);
}

static void test_random_scenarios(void)
{
	const char *env = getenv("XS_RANDOM_SCENARIOS");
	unsigned want = env ? (unsigned)strtoul(env, NULL, 10) : 120, done = 0, tried = 0, bad = 0, cpus_seen = 0;
	char why[512] = "";

	if (slow_machine() && want > 10)
		want = 10;
	gen_state = 20081113;   /* any seed, fixed: the same scenarios every time */
	while (done < want && tried < 50 * want) {
		struct scenario *scn;
		char *cause = NULL, *text = gen_scenario();
		struct explore_options o;
		struct explore_result rf, rr, rs, rp;
		struct seen full, red, st, sp;
		enum xip_version v;

		tried++;
		if (scenario_parse("random.scn", text, strlen(text), &scn, &cause) != 0) {
			free(cause);
			free(text);
			continue;
		}
		v = scn->default_version;
		explore_options_init(&o);
		o.mode = EXPLORE_FULL;
		o.max_executions = 30000;   /* the reference must finish: bigger ones are drawn again */
		o.visit = seen_visit;
		o.ctx = &full;
		memset(&full, 0, sizeof full);
		memset(&red, 0, sizeof red);
		memset(&st, 0, sizeof st);
		memset(&sp, 0, sizeof sp);
		memset(&rr, 0, sizeof rr);
		memset(&rs, 0, sizeof rs);
		memset(&rp, 0, sizeof rp);
		run_opts(scn, v, &o, &rf);
		seen_set(&full);
		if (rf.end == EXPLORE_COMPLETE) {
			search(scn, v, EXPLORE_REDUCED, 0, 0, &red, &rr);
			search(scn, v, EXPLORE_STATEFUL, 0, 0, &st, &rs);
			search_plain = 1;
			search(scn, v, EXPLORE_STATEFUL, 0, 0, &sp, &rp);
			search_plain = 0;
			if ((!seen_equal(&red, &full) || !seen_equal(&st, &full) || !seen_equal(&sp, &full) ||
			     rr.fallbacks || rs.fallbacks ||
			     (explore_found_bad(&rf) &&
			      (rr.shortest.n != rf.shortest.n || rs.shortest.n != rf.shortest.n ||
			       rp.shortest.n != rf.shortest.n || rr.fewest.preemptions != rf.fewest.preemptions ||
			       rs.fewest.preemptions != rf.fewest.preemptions ||
			       rp.fewest.preemptions != rf.fewest.preemptions))) && !bad++)
				snprintf(why, sizeof why, "; the first (full/reduced/stateful DPOR/plain: %zu/%zu/%zu/%zu "
					 "states):\n%s", full.n, red.n, st.n, sp.n, text);
			done++;
			cpus_seen |= 1u << scn->ncpus;
		}
		gen_free(&full, &red, &st, &rf, &rr, &rs);
		free(sp.h);
		explore_result_clear(&rp);
		scenario_free(scn);
		free(text);
	}
	tap_ok(done == want && bad == 0 && (want < 20 || cpus_seen == 0x1c), "explore-14",
	       "%u random scenarios of 2 to 4 CPUs (CPU counts seen %#x; of %u drawn): reduced and both stateful "
	       "searches find the full search's states, verdicts and counterexamples on every one (%u disagree)%s",
	       done, cpus_seen, tried, bad, why);
}

int main(void)
{
	struct kernel_run *run = kernel_run_new();

	test_small(run);
	test_races();
	test_expectations();
	test_cover();
	test_cover_ablated();
	test_determinism();
	test_replay(run);
	test_stopping();
	test_sampling();
	test_split_counts();
	test_split_step_limit();
	test_split_sharing();
	test_unit_bytes();
	test_stateful_and_checkpoints();
	test_random_scenarios();
	kernel_run_free(run);
	return tap_done();
}
