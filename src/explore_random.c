/*
 * explore_random.c - the sampled searches: uniformly random schedules
 * and PCT, choosing inside the run step by step.  Each execution is judged
 * by explore.c's ex_judge, like the systematic searches' ones, and the
 * choices come from one splitmix64 state seeded by --seed, so a seed
 * gives the same executions on every machine.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "explore-int.h"

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

int ex_run_sampled(struct explorer *ex, const struct scenario *scn, enum xip_version v, char **cause)
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
		ex_judge(ex);
		if (ex_should_stop(ex))
			break;
	}
	return 0;
}

