/*
 * explore_mem.c - the exhaustive search under tso and weak (explore_mem.h).
 *
 * Central structure: the path, one struct xm_node per depth with the
 * choices open in the state before that step (sched_choices, in its fixed
 * order), the ones still to take (todo), the ones asleep and the one
 * taken.  The run is always the path's: a step down takes a choice of the
 * deepest node; going back puts the run at the deepest node with a choice
 * left, from a checkpoint or by replaying from a fresh world.
 *
 * Reduction: sleep sets with state caching, Godefroid, "Partial-Order
 * Methods for the Verification of Concurrent Systems" (LNCS 1032, 1996),
 * chapter 5 (Figure 5.2 for sleep sets, Figure 5.3 with the table of
 * visited states).  A choice taken from a node and done goes to sleep
 * there; a child inherits every sleeper that is independent of the step
 * into it, and a sleeper is never taken.  A state met before is searched
 * again only through the choices its stored sleep set Z had asleep and the
 * present one S has awake (Z \ S), with S narrowed to S & Z, which is
 * stored.  Sleep sets cut transitions, never states: every reachable
 * state is still visited (Godefroid's chapter 5; the argument, by
 * induction on the length of a path to the state, swaps a sleeper forward
 * along the path one step at a time, each swap at a state where its
 * independence with that step was checked, so a relation checked state
 * by state, as here, is enough).  So the final states and the verdicts
 * are the unreduced search's, and the shortest counterexample too: a
 * state's key holds its step count (sched_state_hash, through
 * kernel_run_world_hash), so every path to a state, an end included, is
 * as long as every other, and the shortest bad end judged is the
 * shortest reachable.
 *
 * Independence (indep) is decided from what each step did when it ran
 * from this node, struct xm_eff: its CPU, its pending operation and
 * object (a CPU's step) or the object flushed or drained, and what
 * memmodel_last_effects saw it flush and drain.  A sleeper's record is
 * the one measured where it ran; it still holds below, because a step
 * independent of it changes neither its CPU's stack, buffer and queue
 * (but for invalidations of other objects appended) nor the memory it
 * reads.  Two choices are dependent (conservatively) when:
 *  - they are of the same CPU;
 *  - either ended the run (it disables the other: dpor.c's stops).  The
 *    step hook after a write or flush of a watched object is no reason:
 *    all it writes is incoherent_since, which no step reads and the key
 *    leaves out (world.c says so; it only dates the damage in a verdict);
 *  - a flush of either wrote memory the other accessed or flushed too
 *    (Bloom filter, so more conflicts, never fewer);
 *  - both are CPU steps whose pending operations conflict (same object,
 *    not both reads: dpor.c's relation);
 *  - weak: one flushed and the other emptied its own queue (the
 *    invalidation is in it or not), or, with three CPUs or more, both
 *    flushed (a third CPU's queue takes their invalidations in either
 *    order, and the state's hash keeps the order);
 *  - some queue is so long that their flushes could fill it (a full queue
 *    drops its oldest entry: then order matters).
 * What is left commutes: a drain changes only its own CPU's queue (an
 * invalidation appended by another CPU's flush lands behind the one it
 * removes); a flush of one object and a step that neither touches that
 * object's memory nor reads its own queue wholesale leave the same
 * memory, buffers and queues in either order; neither can disable the
 * other (enabledness is a lock's owner or a seqcount's value, the
 * accessed objects, or a buffer's or queue's content, each changed only
 * as above).  tests/explore_mem_test.c checks the reduced search against
 * the unreduced one.
 *
 * Invariants: node[d].ch[node[d].i] was taken for every d < depth and
 * the run has run exactly those; todo and sleep are disjoint and within
 * the node's n choices; eff[k] is valid for every k asleep and for i.
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

/* What a choice did when it ran from a node's state: all indep needs. */
struct xm_eff {
	struct memmodel_effects mem; /* its flushes and barriers (memmodel_last_effects) */
	uint16_t obj;    /* a CPU's pending object, the flushed or drained one; SCHED_NO_OBJ */
	uint8_t cpu;
	uint8_t op;      /* a CPU's pending operation; SCHED_OP_FLUSH or _DRAIN */
	uint8_t global;  /* ended the run or called the step hook: dependent on everything */
};

struct xm_node {
	int ch[SCHED_MAX_CHOICES];
	int n, i;        /* choices, and the index of the one taken */
	uint64_t todo;   /* indices still to take */
	uint64_t sleep;  /* indices asleep: inherited, or taken and done */
	int qlong;       /* the longest invalidate queue in this state */
	struct xm_eff eff[SCHED_MAX_CHOICES];
	struct kernel_snap *snap;  /* depth % XM_SNAP_EVERY == 0: the run before this node's step, or NULL */
};


struct xm {
	const struct scenario *scn;
	const struct explore_mem_opts *opt;
	struct explore_mem_result *out;
	struct kernel_run *run;
	struct xm_node *node;
	size_t depth, cap;
	struct ex_states seen; /* explore_states.c's wide table: 64-bit sleep sets */
	struct ex_set digests; /* opt->collect: every state visited (digest) */
	int snaps;      /* checkpoints work in this build (kernel_snap_save) */
	int sleepsets;  /* neither stateless nor no_sleep */
	double t0, next_report; /* opt->progress */
	/* the sleepers the next node inherits: choices and their records */
	int nwake;
	int wake_ch[SCHED_MAX_CHOICES];
	struct xm_eff wake_eff[SCHED_MAX_CHOICES];
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

/* opt->collect: note the state the run is in (explore_mem.h says what the digest holds). */
static void collect(struct xm *x)
{
	struct sched *s = kernel_run_sched(x->run);
	struct sched_obj *const *locks;
	struct state_hash h;
	unsigned n;

	if (!x->opt->collect)
		return;
	state_hash_init(&h, 0xd1u);
	state_hash_word(&h, kernel_state_hash(x->run));
	/*
	 * The scheduler's part without addresses, so that the searches a test
	 * compares agree wherever their worlds were (sched_state_hash keys the
	 * buffers by address, and a buffered __xip_sparse_page is a pointer:
	 * the same within one search, not between two runs in a sanitizer
	 * build, which keeps no spare run).
	 */
	state_hash_word(&h, (uint64_t)sched_end_reason(s) | (uint64_t)(unsigned)(sched_bug_cpu(s) + 1) << 8 |
			   (uint64_t)sched_nsteps(s) << 16);
	for (int c = 0; c < sched_ncpus(s); c++)
		for (int q = 0; q < 2; q++) {
			struct memmodel_entry e[64];
			int ne = memmodel_entries(s, c, q, e, 64);
			state_hash_word(&h, (uint64_t)ne);
			for (int i = 0; i < ne && i < 64; i++) {
				/* as memmodel_hash: a buffered store's epoch, a queued invalidation's none */
				state_hash_word(&h, (uint64_t)e[i].obj->id | (q ? 0 : (uint64_t)e[i].epoch << 32));
				state_hash_word(&h, (uint64_t)kernel_buffered_value(x->run, e[i].obj, e[i].value));
			}
		}
	locks = sched_lock_objs(s, &n);
	for (unsigned k = 0; k < n; k++)
		state_hash_word(&h, (uint64_t)(uint8_t)locks[k]->owner | (uint64_t)locks[k]->sequence << 8);
	for (int c = 0; c < sched_ncpus(s); c++) {
		struct sched_cpu_info in;
		sched_cpu_info(s, c, &in);
		state_hash_word(&h, (uint64_t)in.state | (uint64_t)in.op << 8 | (uint64_t)in.steps << 16);
		state_hash_word(&h, (uint64_t)(uintptr_t)in.site ^ (in.obj ? in.obj->id + 1u : 0));
	}
	ex_set_add(&x->digests, state_hash_final(&h).a);
}

/* Is e a CPU's step (not a flush or a drain)? */
static int eff_is_cpu(const struct xm_eff *e)
{
	return e->op != SCHED_OP_FLUSH && e->op != SCHED_OP_DRAIN;
}

/* Did e's flushes write the memory of obj? */
static int eff_flushed(const struct xm_eff *e, unsigned obj)
{
	return obj != SCHED_NO_OBJ && memmodel_effects_has(&e->mem, obj);
}

/* What the step just run (the trace's step at index at) did. */
static void measure(struct xm *x, size_t at, struct xm_eff *e)
{
	struct sched *s = kernel_run_sched(x->run);
	const struct sched_step *st = &sched_trace(s, &(size_t){ 0 })[at];

	XS_ASSERT(sched_nsteps(s) > at);
	e->mem = *memmodel_last_effects(sched_memmodel(s));
	e->obj = st->obj;
	e->cpu = st->cpu;
	e->op = st->op;
	e->global = sched_end_reason(s) != SCHED_RUNNING;
}

/* May a and b (of one node nd's state) be swapped?  The header says when not. */
/* May a and b (of one node nd's state) be swapped?  The header says when not. */
static int indep(const struct xm *x, const struct xm_node *nd, const struct xm_eff *a, const struct xm_eff *b)
{
	int weak = x->opt->model == MEMMODEL_WEAK;

	if (a->cpu == b->cpu || a->global || b->global)
		return 0;
	if (nd->qlong + (int)a->mem.nflushed + (int)b->mem.nflushed >= MEMMODEL_IQ_MAX)
		return 0;
	if (weak && ((a->mem.nflushed && b->mem.drained) || (b->mem.nflushed && a->mem.drained) ||
		     (a->mem.nflushed && b->mem.nflushed && sched_ncpus(kernel_run_sched(x->run)) > 2)))
		return 0;
	for (int w = 0; w < 4; w++)
		if (a->mem.flushed[w] & b->mem.flushed[w])
			return 0;
	if ((eff_is_cpu(a) && eff_flushed(b, a->obj)) || (eff_is_cpu(b) && eff_flushed(a, b->obj)))
		return 0;
	if (eff_is_cpu(a) && eff_is_cpu(b) && ex_ops_conflict(a->op, a->obj, b->op, b->obj))
		return 0;
	return 1;
}

/* Take choice k of node d (the run is at its state): the step, its record, the sleepers its child inherits. */
static int take(struct xm *x, size_t d, int k, char **cause)
{
	struct xm_node *nd = &x->node[d];
	size_t at = sched_nsteps(kernel_run_sched(x->run));

	nd->i = k;
	nd->todo &= ~(1ull << k);
	x->depth = d + 1;
	if (step(x, nd->ch[k], cause) != 0)
		return -1;
	x->nwake = 0;
	if (!x->sleepsets)
		return 0;
	measure(x, at, &nd->eff[k]);
	for (uint64_t m = nd->sleep; m; m &= m - 1) {
		int j = __builtin_ctzll(m);
		if (indep(x, nd, &nd->eff[j], &nd->eff[k])) {
			x->wake_ch[x->nwake] = nd->ch[j];
			x->wake_eff[x->nwake++] = nd->eff[j];
		}
	}
	return 0;
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
 * Back up to the deepest node with a choice left, put the run at its
 * state (from the deepest checkpoint above it, else by replaying from a
 * fresh world) and take its next choice.  0 when the search is done.
 */
static int backtrack(struct xm *x, char **cause)
{
	size_t from = 0, d;
	struct xm_node *nd;

	while (x->depth > 0 && !x->node[x->depth - 1].todo)
		x->depth--;
	if (x->depth == 0)
		return 0;
	d = x->depth - 1;
	nd = &x->node[d];
	if (x->sleepsets)
		nd->sleep |= 1ull << nd->i;   /* done: asleep for its siblings (Godefroid's Figure 5.2) */
	if (x->snaps) {
		from = d / XM_SNAP_EVERY * XM_SNAP_EVERY;
		if (kernel_snap_restore(x->run, x->node[from].snap) != 0)
			x->snaps = 0;
	}
	if (!x->snaps) {
		from = 0;
		if (start(x, cause) != 0)
			return -1;
	}
	for (size_t k = from; k < d; k++)
		if (step(x, x->node[k].ch[x->node[k].i], cause) != 0)
			return -1;
	if (take(x, d, __builtin_ctzll(nd->todo), cause) != 0)
		return -1;
	return 1;
}

/*
 * A new node at depth d (the run at its state, still running): its
 * choices, the sleepers it inherits, and what the table says of its state.
 * Returns 1 to go on below it (todo set), 0 when nothing is left to take.
 */
static int enter(struct xm *x, size_t d)
{
	struct sched *s = kernel_run_sched(x->run);
	struct xm_node *nd = &x->node[d];
	uint64_t all;
	struct state_hash h;

	collect(x);
	checkpoint(x, d);
	nd->n = sched_choices(s, nd->ch, SCHED_MAX_CHOICES);
	XS_ASSERT(nd->n > 0 && nd->n <= SCHED_MAX_CHOICES);
	all = nd->n == 64 ? ~0ull : (1ull << nd->n) - 1;
	nd->sleep = 0;
	nd->qlong = sched_memmodel(s) ? memmodel_longest_queue(sched_memmodel(s)) : 0;
	for (int w = 0; w < x->nwake; w++) {
		int k;
		for (k = 0; k < nd->n && nd->ch[k] != x->wake_ch[w]; k++)
			;
		if (k == nd->n) {
			x->out->lost++;   /* not open here: the relation called a disabling step independent */
			continue;
		}
		nd->sleep |= 1ull << k;
		nd->eff[k] = x->wake_eff[w];
	}
	x->nwake = 0;
	nd->todo = all & ~nd->sleep;
	if (!x->opt->stateless && state_of(x, &h) == 0) {
		uint64_t stored;
		int r = ex_states_visit_wide(&x->seen, &h, nd->sleep, &stored);
		if (r == EX_STATES_UNSTORED)
			x->out->unstored++;
		if (r == EX_STATES_SEEN) {
			nd->todo = stored & ~nd->sleep & all;
			nd->sleep &= stored;
			if (!nd->todo) {
				x->out->cut++;
				return 0;
			}
			x->out->revisited++;
		}
	}
	if (!nd->todo) {
		x->out->slept++;   /* every choice asleep: each is searched from another state */
		return 0;
	}
	return 1;
}

/*
 * opt->progress: every 30 s a line on stderr, with where the path is in
 * the first levels of the tree (index taken / choices): a measure of how
 * far a long search has come.
 */
static void progress(struct xm *x)
{
	double now;

	if (x->out->executions % 64)
		return;
	now = ex_now();
	if (now < x->next_report)
		return;
	x->next_report = now + 30;
	fprintf(stderr, "explore: %.0f s, %llu executions, %llu cut, %llu asleep, %llu revisited, %zu states stored, path",
		now - x->t0, x->out->executions, x->out->cut, x->out->slept, x->out->revisited, x->seen.n);
	for (size_t d = 0; d < x->depth && d < 24; d++)
		fprintf(stderr, " %d/%d", x->node[d].i, x->node[d].n);
	fputc('\n', stderr);
}

static int search(struct xm *x, char **cause)
{
	struct sched *s = kernel_run_sched(x->run);
	int r;

	if (start(x, cause) != 0)
		return -1;
	for (;;) {
		if (sched_end_reason(s) != SCHED_RUNNING) {
			collect(x);
			judge(x);
		} else {
			if (x->depth == x->cap) {
				size_t old = x->cap;
				x->cap = x->cap ? 2 * x->cap : 256;
				x->node = xrealloc(x->node, x->cap * sizeof *x->node);
				for (size_t k = old; k < x->cap; k++)
					x->node[k].snap = NULL;
			}
			if (enter(x, x->depth)) {
				if (take(x, x->depth, __builtin_ctzll(x->node[x->depth].todo), cause) != 0)
					return -1;
				continue;
			}
		}
		if ((x->opt->limit && x->out->executions >= x->opt->limit) || (x->opt->first && x->out->nshortest)) {
			x->out->limited = 1;
			return 0;
		}
		if (x->opt->progress)
			progress(x);
		r = backtrack(x, cause);
		if (r <= 0)
			return r;
	}
}

int explore_mem_search(const struct scenario *scn, const struct explore_mem_opts *opt,
		       struct explore_mem_result *out, char **cause)
{
	static struct xm zero;
	struct xm x = zero;
	double t0 = ex_now();
	int r;

	x.scn = scn;
	x.opt = opt;
	x.out = out;
	x.run = kernel_run_new();
	x.snaps = 1;
	x.sleepsets = !opt->stateless && !opt->no_sleep;
	x.t0 = t0;
	x.next_report = t0 + 30;
	memset(out, 0, sizeof *out);
	ex_states_init_wide(&x.seen, (size_t)(opt->max_memory ? opt->max_memory : EXPLORE_DEFAULT_MAX_MEMORY));
	r = search(&x, cause);
	out->seconds = ex_now() - t0;
	out->stored = x.seen.n;

	if (opt->collect)
		out->states = ex_set_sorted(&x.digests, &out->nstates);
	ex_set_free(&x.digests);
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
	free(r->states);
	r->states = NULL;
	r->shortest = NULL;
	r->shortest_text = NULL;
}
