/*
 * explore_mem.c - the exhaustive search under tso and weak (explore_mem.h).
 *
 * Central structure: the path, one struct xm_node per depth with the
 * choices open in the state before that step (sched_choices, in its fixed
 * order) and the one taken.  The run is always the path's: a step down
 * takes the next choice of the deepest node; going back rebuilds the world
 * (kernel_run_start) and replays the path's choices to the node that has
 * a choice left.  The visited states (world, CPUs, scheduler, buffers
 * and queues: every path to one has run the same number of steps, so
 * cutting at a state met before keeps the shortest counterexample) are
 * explore_states.c's table, bounded like --stateful's; past the bound new
 * states are not stored and the search goes on below them statelessly.
 *
 * Invariants: node[d].i < node[d].n for every d < depth; the run has run
 * exactly node[0..depth).chosen; the table never holds the all-zero key.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore-int.h"
#include "explore_mem.h"
#include "schedule.h"
#include "statehash.h"

#define XM_SNAP_EVERY 4   /* a checkpoint every this many steps of the path */

struct xm_node {
	int ch[SCHED_MAX_CHOICES];
	int n, i;
	struct kernel_snap *snap;  /* depth % XM_SNAP_EVERY == 0: the run before this node's step, or NULL */
};


struct xm {
	const struct scenario *scn;
	const struct explore_mem_opts *opt;
	struct explore_mem_result *out;
	struct kernel_run *run;
	struct xm_node *node;
	size_t depth, cap;
	struct ex_states seen; /* explore_states.c's table, with no sleep sets (0) */
	int snaps;      /* checkpoints work in this build (kernel_snap_save) */
};

static int state_of(struct xm *x, struct state_hash *out)
{
	struct sched *s = kernel_run_sched(x->run);
	struct state_hash h, c;

	state_hash_init(&h, 0x5eedu);
	if (kernel_run_world_hash(x->run, &h) != 0)
		return -1;
	for (int i = 0; i < sched_ncpus(s); i++) {
		if (sched_cpu_state_hash(s, i, &c) != 0)
			return -1;
		state_hash_word(&h, c.a);
		state_hash_word(&h, c.b);
	}
	*out = state_hash_final(&h);
	return 0;
}

static int start(struct xm *x, char **cause)
{
	struct sched *s = kernel_run_sched(x->run);

	kernel_run_set_without(x->run, x->opt->without);
	sched_set_step_limit(s, x->opt->step_limit ? x->opt->step_limit : SCHED_DEFAULT_STEP_LIMIT);
	sched_set_memory_model(s, (int)x->opt->model);
	sched_set_barrier_whatif(s, x->opt->barrier_whatif);
	return kernel_run_start(x->run, x->scn, x->opt->version, cause);
}

static int step(struct xm *x, int choice, char **cause)
{
	x->out->steps++;
	return sched_step(kernel_run_sched(x->run), choice, cause);
}

static void add_final(struct explore_mem_result *r, uint64_t h)
{
	int lo = 0, hi = r->nfinals;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (r->finals[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->nfinals && r->finals[lo] == h)
		return;
	if (r->nfinals == EXPLORE_MEM_MAX_FINALS) {
		r->finals_overflow = 1;
		return;
	}
	memmove(&r->finals[lo + 1], &r->finals[lo], (size_t)(r->nfinals - lo) * sizeof r->finals[0]);
	r->finals[lo] = h;
	r->nfinals++;
}

/* An ended run: judge it, keep its final state and, if it is the shortest bad one, its schedule. */
static void judge(struct xm *x)
{
	struct explore_mem_result *r = x->out;
	enum verdict_kind v = kernel_run_verdict_kind(x->run);
	struct sched *s = kernel_run_sched(x->run);

	r->executions++;
	r->verdicts[v]++;
	add_final(r, kernel_state_hash(x->run));
	if (x->depth > r->longest)
		r->longest = x->depth;
	if (v != VERDICT_OK && (!r->nshortest || x->depth < r->nshortest)) {
		r->shortest = xrealloc(r->shortest, (x->depth ? x->depth : 1) * sizeof *r->shortest);
		for (size_t d = 0; d < x->depth; d++)
			r->shortest[d] = x->node[d].ch[x->node[d].i];
		r->nshortest = x->depth;
		r->shortest_verdict = v;
		free(r->shortest_text);
		r->shortest_text = schedule_format_choices_in(s, r->shortest, x->depth);
	}
}

/* Keep a checkpoint of the run before node d's step (every XM_SNAP_EVERY nodes). */
static void checkpoint(struct xm *x, size_t d)
{
	struct xm_node *nd = &x->node[d];

	if (!x->snaps || d % XM_SNAP_EVERY)
		return;
	if (!nd->snap)
		nd->snap = kernel_snap_new();
	if (kernel_snap_save(x->run, nd->snap) != 0)
		x->snaps = 0; /* this build cannot: replay from the start instead */
}

/*
 * Back up to the deepest node with a choice left and put the run there:
 * from the deepest checkpoint above it, else by replaying from a fresh
 * world.  0 when the search is done.
 */
static int backtrack(struct xm *x, char **cause)
{
	size_t from = 0;

	while (x->depth > 0 && x->node[x->depth - 1].i + 1 >= x->node[x->depth - 1].n)
		x->depth--;
	if (x->depth == 0)
		return 0;
	x->node[x->depth - 1].i++;
	if (x->snaps) {
		from = (x->depth - 1) / XM_SNAP_EVERY * XM_SNAP_EVERY;
		if (kernel_snap_restore(x->run, x->node[from].snap) != 0)
			x->snaps = 0;
	}
	if (!x->snaps) {
		from = 0;
		if (start(x, cause) != 0)
			return -1;
	}
	for (size_t d = from; d < x->depth; d++)
		if (step(x, x->node[d].ch[x->node[d].i], cause) != 0)
			return -1;
	return 1;
}

/* Look the state up: EX_STATES_SEEN cuts the run; past the memory bound, new states go unstored. */
static int visit(struct xm *x, const struct state_hash *h)
{
	uint8_t stored;
	uint32_t sum;
	int r = ex_states_visit(&x->seen, h, 0, &stored, &sum);

	if (r == EX_STATES_UNSTORED)
		x->out->unstored++;
	return r;
}

static int search(struct xm *x, char **cause)
{
	struct sched *s = kernel_run_sched(x->run);
	int cache = !x->opt->stateless, r;

	if (start(x, cause) != 0)
		return -1;
	for (;;) {
		struct state_hash h;
		int at_end = sched_end_reason(s) != SCHED_RUNNING, go_on = 0;

		if (at_end) {
			judge(x);
		} else if (cache && state_of(x, &h) == 0 && visit(x, &h) == EX_STATES_SEEN) {
			x->out->cut++;
		} else {
			struct xm_node *nd;
			if (x->depth == x->cap) {
				size_t old = x->cap;
				x->cap = x->cap ? 2 * x->cap : 256;
				x->node = xrealloc(x->node, x->cap * sizeof *x->node);
				for (size_t k = old; k < x->cap; k++)
					x->node[k].snap = NULL;
			}
			nd = &x->node[x->depth];
			checkpoint(x, x->depth);
			nd->n = sched_choices(s, nd->ch, SCHED_MAX_CHOICES);
			XS_ASSERT(nd->n > 0 && nd->n <= SCHED_MAX_CHOICES);
			nd->i = 0;
			x->depth++;
			if (step(x, nd->ch[0], cause) != 0)
				return -1;
			go_on = 1;
		}
		if (go_on)
			continue;
		if ((x->opt->limit && x->out->executions >= x->opt->limit) || (x->opt->first && x->out->nshortest)) {
			x->out->limited = 1;
			return 0;
		}
		r = backtrack(x, cause);
		if (r <= 0)
			return r;
	}
}

int explore_mem_search(const struct scenario *scn, const struct explore_mem_opts *opt,
		       struct explore_mem_result *out, char **cause)
{
	struct xm x = { scn, opt, out, kernel_run_new(), NULL, 0, 0, { 0 }, 1 };
	double t0 = ex_now();
	int r;

	memset(out, 0, sizeof *out);
	ex_states_init(&x.seen, (size_t)EXPLORE_DEFAULT_MAX_MEMORY);
	r = search(&x, cause);
	out->seconds = ex_now() - t0;
	kernel_run_free(x.run);
	for (size_t k = 0; k < x.cap; k++)
		kernel_snap_free(x.node[k].snap);
	free(x.node);
	ex_states_free(&x.seen);
	return r;
}

void explore_mem_result_free(struct explore_mem_result *r)
{
	free(r->shortest);
	free(r->shortest_text);
	r->shortest = NULL;
	r->shortest_text = NULL;
}
