/*
 * explore.c - the explorer's driver: runs a search (dpor.c) or random
 * samples, judges every execution that ends, and keeps the counts, the set
 * of distinct final states and the two best counterexamples.
 *
 * Central data: struct explorer, one per explore_run.  The final-state set
 * is an open-addressing table of 64-bit kernel_state_hash values (the
 * value 0 is kept aside in a flag), grown at half load.  Counterexamples
 * are copied out of the trace only when they beat the best so far, so the
 * steady state allocates nothing.
 *
 * Random and PCT runs choose inside the run, step by step; they share the
 * judging with the systematic search and are deterministic for a seed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "explore-int.h"

#define PROGRESS_EVERY 256 /* executions between looks at the clock */

struct explorer {
	const struct explore_options *opt;
	struct explore_result *res;
	struct kernel_run *run;
	uint64_t *set;        /* final states; 0 marks a free slot */
	size_t set_cap, set_n;
	int has_zero;
	double t0, next_progress;
	unsigned long long runs; /* executions started, for the progress cadence */
	int stop;             /* an enum explore_end other than COMPLETE, or 0 */
	uint64_t rng;
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *explore_mode_name(enum explore_mode mode)
{
	static const char *const names[] = { "reduced", "full", "bounded", "random", "pct" };

	return (unsigned)mode < sizeof names / sizeof names[0] ? names[mode] : "?";
}

void explore_options_init(struct explore_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->mode = EXPLORE_REDUCED;
	opt->seed = 1;
	opt->pct_depth = 3;
	opt->progress_interval = 0.25;
}

void explore_result_clear(struct explore_result *r)
{
	free(r->shortest.choices);
	free(r->fewest.choices);
	memset(r, 0, sizeof *r);
}

int explore_found_bad(const struct explore_result *r)
{
	for (int k = 0; k < VERDICT_NKINDS; k++)
		if (k != VERDICT_OK && r->verdicts[k])
			return 1;
	return 0;
}

/* ---- the final-state set ------------------------------------------------------ */

static uint64_t slot_of(uint64_t h, size_t cap)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h & (cap - 1);
}

static void set_insert_raw(uint64_t *set, size_t cap, uint64_t h)
{
	size_t i = slot_of(h, cap);

	while (set[i] && set[i] != h)
		i = (i + 1) & (cap - 1);
	set[i] = h;
}

/* Add h; returns 1 when it is new. */
static int set_add(struct explorer *ex, uint64_t h)
{
	size_t i;

	if (h == 0) {
		if (ex->has_zero)
			return 0;
		return ex->has_zero = 1;
	}
	if (2 * (ex->set_n + 1) > ex->set_cap) {
		size_t cap = ex->set_cap ? 2 * ex->set_cap : 1024;
		uint64_t *bigger = xcalloc(cap, sizeof *bigger);
		for (size_t k = 0; k < ex->set_cap; k++)
			if (ex->set[k])
				set_insert_raw(bigger, cap, ex->set[k]);
		free(ex->set);
		ex->set = bigger;
		ex->set_cap = cap;
	}
	for (i = slot_of(h, ex->set_cap); ex->set[i]; i = (i + 1) & (ex->set_cap - 1))
		if (ex->set[i] == h)
			return 0;
	ex->set[i] = h;
	ex->set_n++;
	return 1;
}

/* ---- judging ------------------------------------------------------------------------ */

/* Is (n, p) better than the counterexample c, by the primary key first? */
static int better(const struct explore_cex *c, size_t n, unsigned p, int by_preemptions)
{
	if (!c->choices)
		return 1;
	if (by_preemptions)
		return p < c->preemptions || (p == c->preemptions && n < c->n);
	return n < c->n || (n == c->n && p < c->preemptions);
}

static void keep_cex(struct explore_cex *c, struct sched *s, unsigned p, enum verdict_kind kind,
		     uint64_t state, unsigned long long nth)
{
	size_t n;
	const struct sched_step *tr = sched_trace(s, &n);

	free(c->choices);
	c->choices = xmalloc((n ? n : 1) * sizeof *c->choices);
	for (size_t i = 0; i < n; i++)
		c->choices[i] = tr[i].cpu;
	c->n = n;
	c->preemptions = p;
	c->verdict = kind;
	c->state = state;
	c->found_at = nth;
}

/* Judge the execution the run holds. */
static void judge(struct explorer *ex)
{
	struct explore_result *r = ex->res;
	struct sched *s = kernel_run_sched(ex->run);
	struct kernel_verdict v;
	uint64_t h;
	size_t n = sched_nsteps(s);

	kernel_run_verdict(ex->run, &v);
	h = kernel_state_hash(ex->run);
	r->executions++;
	r->verdicts[v.kind]++;
	r->states += (unsigned long long)set_add(ex, h);
	if (n > r->max_length)
		r->max_length = n;
	if (v.kind != VERDICT_OK) {
		unsigned p = sched_preemptions(s);
		if (better(&r->shortest, n, p, 0))
			keep_cex(&r->shortest, s, p, v.kind, h, r->executions);
		if (better(&r->fewest, n, p, 1))
			keep_cex(&r->fewest, s, p, v.kind, h, r->executions);
		if (ex->opt->stop_at_first)
			ex->stop = EXPLORE_FIRST;
	}
	if (ex->opt->visit)
		ex->opt->visit(ex->opt->ctx, ex->run, &v, h);
}

/* Between executions: limits, Ctrl-C, progress.  Returns non-zero to stop. */
static int should_stop(struct explorer *ex)
{
	const struct explore_options *o = ex->opt;

	ex->runs++;
	if (!ex->stop && o->interrupt && *o->interrupt)
		ex->stop = EXPLORE_INTERRUPTED;
	if (!ex->stop && o->max_executions && ex->res->executions >= o->max_executions)
		ex->stop = EXPLORE_LIMIT;
	if (o->progress && ex->runs % PROGRESS_EVERY == 0) {
		double t = now_sec();
		if (t >= ex->next_progress) {
			ex->next_progress = t + (o->progress_interval > 0 ? o->progress_interval : 0.25);
			o->progress(o->ctx, ex->res, t - ex->t0);
		}
	}
	return ex->stop;
}

/* ---- systematic searches ------------------------------------------------------------ */

static int run_search(struct explorer *ex, int reduce, int bound, int exact, char **cause)
{
	struct ex_search x;
	int r;

	ex_search_init(&x, ex->run, kernel_run_scenario(ex->run), kernel_run_version(ex->run), reduce, bound);
	while ((r = ex_search_next(&x, cause)) != EX_SEARCH_DONE) {
		if (r == -2)
			break;
		if (r == EX_SEARCH_CUT) {
			ex->res->blocked++;
		} else if (exact && ex_search_preemptions(&x) != (unsigned)bound) {
			ex->res->skipped++; /* a lower bound counted it */
		} else {
			judge(ex);
			if (bound >= 0)
				ex->res->per_bound[bound]++;
		}
		if (should_stop(ex))
			break;
	}
	ex->res->steps += x.steps;
	ex->res->fallbacks += x.fallbacks;
	ex_search_free(&x);
	return r == -2 ? -1 : 0;
}

static int run_bounded(struct explorer *ex, int bound, char **cause)
{
	for (int k = 0; k <= bound; k++) {
		if (run_search(ex, 0, k, 1, cause) != 0)
			return -1;
		if (ex->stop)
			return 0;
		ex->res->bound_done = k;
	}
	return 0;
}

/*
 * The reduced search runs one schedule per trace, and a trace's schedules
 * differ in preemptions: the fewest-preemptions counterexample it found
 * (P preemptions) need not be the fewest there are.  Bounded passes
 * k = 0..P-1, stopping at the first bad verdict, settle it (for P up to
 * EXPLORE_PROVE_FEWEST; they are cheap for small k).  Their executions are
 * counted apart and their states are not added.
 */
static int prove_fewest(struct explorer *ex, char **cause)
{
	struct explore_result *r = ex->res, tmp;
	struct explore_options o = *ex->opt;
	struct explorer sub;
	int rc;

	if (!r->fewest.choices || r->end != EXPLORE_COMPLETE || r->fewest.preemptions > EXPLORE_PROVE_FEWEST)
		return 0;
	if (r->fewest.preemptions == 0) {
		r->fewest_proven = 1;
		return 0;
	}
	o.visit = NULL;
	o.progress = NULL;
	o.stop_at_first = 1;
	o.max_executions = 0;
	memset(&tmp, 0, sizeof tmp);
	tmp.bound_done = -1;
	sub = *ex;
	sub.opt = &o;
	sub.res = &tmp;
	sub.set = NULL;
	sub.set_cap = sub.set_n = 0;
	sub.has_zero = 0;
	sub.stop = 0;
	rc = run_bounded(&sub, (int)r->fewest.preemptions - 1, cause);
	free(sub.set);
	r->proof_runs = tmp.executions + tmp.skipped;
	r->steps += tmp.steps;
	if (rc == 0 && sub.stop == EXPLORE_FIRST) {
		free(r->fewest.choices);
		r->fewest = tmp.fewest;       /* found at the lowest bound: minimal */
		r->fewest.found_at = 0;
		tmp.fewest.choices = NULL;
		r->fewest_proven = 1;
	} else if (rc == 0 && !sub.stop) {
		r->fewest_proven = 1;
	}   /* interrupted: the search itself was complete; the claim stays unproven */
	explore_result_clear(&tmp);
	return rc;
}

/* ---- random and PCT ---------------------------------------------------------------- */

/* splitmix64 (Steele, Lea and Flood 2014): one 64-bit state, good enough to schedule. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned rng_below(uint64_t *state, unsigned n)
{
	return (unsigned)(rng_next(state) % n);
}

/* The k-th (from 0) set bit of mask. */
static int nth_bit(unsigned mask, unsigned k)
{
	while (k--)
		mask &= mask - 1;
	return __builtin_ctz(mask);
}

/*
 * PCT (Burckhardt, Kothari, Musuvathi and Nagarakatte, ASPLOS 2010): the
 * CPUs get distinct random priorities d..d+n-1; d-1 change points are
 * drawn from steps 1..k; at change point i the CPU about to run drops to
 * priority i, below every initial one.  The highest-priority enabled CPU
 * always runs.  k is the longest execution seen so far.
 */
struct pct_state {
	int prio[SCHED_MAX_CPUS];
	size_t change[EXPLORE_MAX_BOUND];
	int nchange;
};

static void pct_plan(struct explorer *ex, struct pct_state *pc, int ncpus, int depth, size_t k)
{
	int perm[SCHED_MAX_CPUS];

	for (int c = 0; c < ncpus; c++)
		perm[c] = c;
	for (int c = ncpus - 1; c > 0; c--) {   /* Fisher-Yates */
		int j = (int)rng_below(&ex->rng, (unsigned)c + 1), t = perm[c];
		perm[c] = perm[j];
		perm[j] = t;
	}
	for (int c = 0; c < ncpus; c++)
		pc->prio[perm[c]] = depth + c;
	pc->nchange = depth - 1;
	for (int i = 0; i < pc->nchange; i++)
		pc->change[i] = 1 + rng_below(&ex->rng, (unsigned)(k ? k : 1));
}

static int pct_choose(struct pct_state *pc, unsigned enabled, size_t step)
{
	int best = -1;

	for (int again = 0; again < 2; again++) {
		best = -1;
		for (unsigned m = enabled; m; m &= m - 1) {
			int c = __builtin_ctz(m);
			if (best < 0 || pc->prio[c] > pc->prio[best])
				best = c;
		}
		if (again)
			break;
		for (int i = 0; i < pc->nchange; i++)
			if (pc->change[i] == step)
				pc->prio[best] = i + 1;
	}
	return best;
}

static int run_sampled(struct explorer *ex, const struct scenario *scn, enum xip_version v, char **cause)
{
	const struct explore_options *o = ex->opt;
	struct sched *s = kernel_run_sched(ex->run);
	int pct = o->mode == EXPLORE_PCT;
	int depth = o->pct_depth < 1 ? 1 : o->pct_depth > EXPLORE_MAX_BOUND ? EXPLORE_MAX_BOUND : o->pct_depth;
	size_t k = 0;

	ex->rng = o->seed;
	if (pct) {   /* one sequential run to estimate the length k */
		if (kernel_run_start(ex->run, scn, v, cause) != 0 ||
		    sched_run(s, NULL, 0, SCHED_POLICY_SEQUENTIAL, cause) != 0)
			return -1;
		k = sched_nsteps(s);
		ex->res->steps += k;
	}
	for (unsigned long long i = 0; i < o->samples; i++) {
		struct pct_state pc;
		size_t step = 0;

		if (kernel_run_start(ex->run, scn, v, cause) != 0)
			return -1;
		if (pct)
			pct_plan(ex, &pc, sched_ncpus(s), depth, k);
		while (sched_end_reason(s) == SCHED_RUNNING) {
			unsigned en = sched_enabled_mask(s);
			int cpu = pct ? pct_choose(&pc, en, ++step)
				      : nth_bit(en, rng_below(&ex->rng, (unsigned)__builtin_popcount(en)));
			if (sched_step(s, cpu, cause) != 0)
				return -1;
		}
		ex->res->steps += sched_nsteps(s);
		if (sched_nsteps(s) > k)
			k = sched_nsteps(s);
		judge(ex);
		if (should_stop(ex))
			break;
	}
	return 0;
}

/* ---- the API ----------------------------------------------------------------------- */

int explore_run(const struct scenario *scn, enum xip_version version,
		const struct explore_options *opt, struct explore_result *out, char **cause)
{
	struct explorer ex;
	int r = 0;

	memset(out, 0, sizeof *out);
	if (opt->mode == EXPLORE_BOUNDED && (opt->preemptions < 0 || opt->preemptions > EXPLORE_MAX_BOUND))
		return util_errf(cause, "explore: a preemption bound must be 0 to %d, not %d",
				 EXPLORE_MAX_BOUND, opt->preemptions);
	memset(&ex, 0, sizeof ex);
	out->mode = opt->mode;
	out->bound_done = -1;
	ex.opt = opt;
	ex.res = out;
	ex.run = kernel_run_new();
	ex.t0 = now_sec();
	ex.next_progress = ex.t0 + (opt->progress_interval > 0 ? opt->progress_interval : 0.25);
	sched_set_step_limit(kernel_run_sched(ex.run), opt->step_limit ? opt->step_limit : SCHED_DEFAULT_STEP_LIMIT);
	kernel_run_set_without(ex.run, opt->without);
	/* one start up front: a world that cannot be built is an error before any search */
	if (kernel_run_start(ex.run, scn, version, cause) != 0) {
		r = -1;
	} else {
		switch (opt->mode) {
		case EXPLORE_REDUCED:
			r = run_search(&ex, 1, -1, 0, cause);
			out->end = ex.stop ? (enum explore_end)ex.stop : EXPLORE_COMPLETE;
			if (r == 0)
				r = prove_fewest(&ex, cause);
			break;
		case EXPLORE_FULL:
			r = run_search(&ex, 0, -1, 0, cause);
			out->fewest_proven = !ex.stop;
			break;
		case EXPLORE_BOUNDED:
			r = run_bounded(&ex, opt->preemptions, cause);
			out->fewest_proven = 1;   /* bounds go up one at a time */
			break;
		case EXPLORE_RANDOM:
		case EXPLORE_PCT: r = run_sampled(&ex, scn, version, cause); break;
		}
	}
	out->end = ex.stop ? (enum explore_end)ex.stop : EXPLORE_COMPLETE;
	/* every trace was run, and all schedules of a trace have the same length */
	out->shortest_proven = out->end == EXPLORE_COMPLETE && (opt->mode == EXPLORE_REDUCED || opt->mode == EXPLORE_FULL);
	out->seconds = now_sec() - ex.t0;
	free(ex.set);
	kernel_run_free(ex.run);
	if (r != 0)
		explore_result_clear(out);
	return r;
}
