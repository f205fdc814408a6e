/*
 * explore_mem.h - the exhaustive search of a scenario under a memory model
 * with buffers (tso, weak), whose choices are CPUs *and* flushes and
 * drains (memmodel.h).
 *
 * The reduced search of explore.h (source-DPOR) chooses among CPUs only;
 * this one chooses among every choice sched_choices offers.  It is a
 * depth-first search by re-execution with sleep sets and state caching
 * (explore_mem.c): a step that commutes with a sibling already searched
 * is not tried again after it, and a state met before at the same depth
 * (the world, every CPU's continuation, the buffers and queues:
 * kernel_run_world_hash, sched_cpu_state_hash) is searched again only for
 * the choices that were asleep then and are awake now.  Every reachable
 * state is still visited.  With caching off (stateless) it runs every
 * schedule, with no sleep sets: tests check that both find the same
 * final states, verdicts and shortest counterexample.
 */
#ifndef XS_EXPLORE_MEM_H
#define XS_EXPLORE_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "kernel.h"
#include "memmodel.h"
#include "verdict.h"

#define EXPLORE_MEM_MAX_FINALS 4096

struct explore_mem_opts {
	enum xip_version version;
	enum memmodel model;
	unsigned without;            /* kernel.h's KERNEL_WITHOUT_* (fixed only) */
	unsigned barrier_whatif;     /* sync.h's SYNC_SEQ_* bits (sched_set_barrier_whatif) */
	int stateless;               /* no state caching: every schedule */
	unsigned long long limit;    /* stop after this many ends (0: none) */
	unsigned step_limit;         /* per run (0: the default) */
	int first;                   /* stop at the first counterexample (then not known to be the shortest) */
	int no_sleep;                /* state caching without sleep sets (the search before them, for comparison) */
	int collect;                 /* tests: keep a digest of every state visited (states, nstates) */
	int progress;                /* a line on stderr every 30 s */
	unsigned long long max_memory; /* bytes for the table of states (0: EXPLORE_DEFAULT_MAX_MEMORY) */
};

struct explore_mem_result {
	unsigned long long executions;   /* ends judged */
	unsigned long long cut;          /* runs cut at a state met before */
	unsigned long long unstored;     /* states not stored: the memory bound was reached */
	unsigned long long stored;       /* states in the table at the end */
	unsigned long long slept;        /* runs stopped at a new state whose every choice was asleep */
	unsigned long long revisited;    /* states met again and searched again for choices asleep before */
	unsigned long long lost;         /* sleepers not open in the child (a wrong relation: tests want 0) */
	unsigned long long steps;        /* steps run, replays included */
	unsigned long long verdicts[VERDICT_NKINDS];
	uint64_t finals[EXPLORE_MEM_MAX_FINALS]; /* kernel_state_hash of each distinct end, sorted */
	int nfinals;
	int finals_overflow;             /* more distinct ends than finals[] holds */
	int limited;                     /* stopped by limit, or by first at a counterexample */
	size_t longest;
	/* the shortest execution with a verdict other than ok (n == 0: none) */
	int *shortest;
	size_t nshortest;
	enum verdict_kind shortest_verdict;
	char *shortest_text;             /* its schedule, as schedule.h writes it */
	/*
	 * collect: a digest of each distinct state visited, sorted: the world
	 * (kernel_state_hash), locks and seqcounts, buffers and queues, step
	 * count and each CPU's place, but not its stack's bytes, which can
	 * differ between two paths to one state (so searches compare equal).
	 */
	uint64_t *states;
	size_t nstates;
	double seconds;
};

/*
 * Search scn under opt.  Returns 0 and fills *out (explore_mem_result_free),
 * or -1 with *cause (the scenario cannot be built, a replay diverged).
 */
int explore_mem_search(const struct scenario *scn, const struct explore_mem_opts *opt,
		       struct explore_mem_result *out, char **cause);
void explore_mem_result_free(struct explore_mem_result *r);

#endif
