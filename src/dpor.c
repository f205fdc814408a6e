/*
 * dpor.c - the systematic search: depth-first over schedules by
 * re-execution, with or without reduction (see explore-int.h for the data,
 * docs/explore.md for the argument; the race analysis and the stateful
 * search's summaries are in dpor_races.c).
 *
 * The search keeps one path: node[d] is the state before step d, with the
 * CPUs that could run, each CPU's pending operation, the backtrack set,
 * the sleep set and the CPU taken.  An execution replays the path's
 * choices from a fresh world (or from a checkpoint, below) up to the node
 * it departs from, takes the new
 * choice there and then runs on, making new nodes, until the run ends (or,
 * reduced, until every enabled CPU is asleep).  Backtracking then walks up
 * the path to the deepest node with a CPU left in backtrack \ sleep.
 *
 * Unreduced (full or preemption-bounded), backtrack is every enabled
 * (allowed) CPU and sleep only records the CPUs done.
 *
 * Reduced, this is source-DPOR with sleep sets: Algorithm 1 of Abdulla,
 * Aronis, Jonsson and Sagonas, "Optimal dynamic partial order reduction",
 * POPL 2014, itself a refinement of Flanagan and Godefroid, POPL 2005.
 * Before a step e' of CPU q runs, each step e that is in a race with it (a
 * conflicting step of another CPU, ordered before e' only by that
 * conflict) is found from per-object access records and vector clocks; if
 * no CPU that can begin v = notdep(e).q (the steps after e that do not
 * depend on e, then q) is in backtrack(pre(e)) already, one is added.
 *
 * Three refinements fit this engine's model:
 *  - A lock acquisition (or read_seqcount_begin) races with the last write
 *    to the lock (seqcount) before which it could have run: the lock free,
 *    the count even.  Each writing step records the owner or the count
 *    just before it.  That is the previous holder's acquisition, not the
 *    release in between: the blocked side could never run before a
 *    release, but it can run before the critical section.
 *  - A step that ends the run (a simulated BUG, the step limit) disables
 *    every other CPU: it is treated as conflicting with every step of
 *    theirs, so it races with each one's last step that does not happen
 *    before it and with each one's pending operation (analyse_stop).
 *  - For the same reason a CPU whose step from a node stopped the run
 *    (node.stops) is never kept asleep below that node.
 * At the end of every execution, the pending operations of the CPUs that
 * did not finish are analysed as if they ran next (as Flanagan and
 * Godefroid do in every state): that finds the orders a deadlock or BUG
 * cut off.
 *
 * Units (explore.c splits a search so that processes and machines can
 * share it): a top search takes every allowed CPU at every node above
 * depth L (its sleep sets still apply) and stops each run that reaches L;
 * each such prefix is a unit, searched as above below L.  A race whose
 * earlier step lies above L needs nothing: the top took every CPU there,
 * a superset of any source set, so the split stays sound; it costs a few
 * executions more than one unsplit search (docs/explore.md gives them).
 *
 * Stateful (ex_search_set_states): each new node's state (at depths that
 * are multiples of key_every) is looked up in a table of visited states
 * (explore_states.c) with the sleep set it is entered with.  This is
 * sleep sets with state caching, Godefroid, "Partial-Order Methods for
 * the Verification of Concurrent Systems" (LNCS 1032, 1996), section 5.3,
 * Figure 5.3: a state met again is explored only through the CPUs its
 * stored sleep set Z had asleep and the present sleep set S has awake
 * (Z \ S), with S narrowed to S & Z, and Z := S & Z is stored; with Z \ S
 * empty the execution ends there (EX_SEARCH_MATCHED).  Sound because the
 * state graph is acyclic (a state includes every CPU's step count), so a
 * state met again has been explored completely; an end met again is not
 * judged again.
 *  - Plain (--stateful=plain, reduce 0): every enabled CPU not asleep is
 *    taken, so every reachable state is met.
 *  - Reduced (stateful DPOR, the default --stateful): the backtrack sets
 *    are source-DPOR's, and pruning at a state met before would lose the
 *    races between steps of the present path and steps below that state
 *    (Yang, Chen, Gopalakrishnan and Kirby, "Efficient stateful dynamic
 *    partial order reduction", SPIN 2008, who keep a graph of the visited
 *    transitions for this).  Here each stored state keeps a summary: the
 *    set of (CPU, class of operation, object) its explored subtree
 *    performed (acc, merged upwards as nodes are done; an operation after
 *    a write to its object is left out, since every access above conflicts
 *    with that write), and a state met again first has each summary
 *    operation analysed as if its CPU ran it next (races_of with summary:
 *    the race candidates are found as for a pending step, conservatively,
 *    since that step's CPU only gains happens-before below; the reversal
 *    is chosen by add_summary_race, which states why its choice contains
 *    an initial).  A subtree whose run stopped everyone (a BUG, the step
 *    limit) is never pruned.  The races within the subtree do not depend
 *    on the path above it, so its backtrack sets stay source sets for any
 *    path that reaches it; Abdulla et al.'s theorem then applies as for
 *    the stateless search.
 *
 * Checkpoints: every EX_SNAP_EVERY steps of the path a new node keeps a
 * kernel_snap (the world and the CPUs' stacks); an execution resumes from
 * the deepest one at or above its departure instead of replaying from a
 * fresh world, and only the happens-before records of the restored prefix
 * are rebuilt (restep).  snap[j] is valid while the path is unchanged down
 * to node j * EX_SNAP_EVERY: 1 <= j < snap_ok.
 *
 * Invariants: backtrack(d) and chosen(d) are enabled in node d; chosen(d)
 * is never in sleep(d) when taken; events [0, depth) have vector clocks
 * computed in this execution; per-object records are valid only for the
 * current gen.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "explore-int.h"
#include "statehash.h"

#define BIT(c) (1u << (c))

void ex_search_init(struct ex_search *x, struct kernel_run *run, const struct scenario *scn,
		    enum xip_version version, int reduce, int bound)
{
	XS_ASSERT(!(reduce && bound >= 0));
	memset(x, 0, sizeof *x);
	x->run = run;
	x->scn = scn;
	x->version = version;
	x->reduce = reduce;
	x->sleepsets = reduce;
	x->bound = bound;
	x->snapshots = 1;
	x->snap_ok = 1;
}

void ex_search_set_states(struct ex_search *x, struct ex_states *t)
{
	const char *every = getenv("XS_KEY_EVERY");   /* for the measurements in docs/performance.md */

	XS_ASSERT(x->bound < 0 && !x->top && !x->floor);
	x->states = t;
	x->sleepsets = 1;
	x->key_every = x->reduce ? EX_KEY_EVERY : 1;
	if (every && strtoul(every, NULL, 10) > 0)
		x->key_every = (size_t)strtoul(every, NULL, 10);
}

void ex_search_set_top(struct ex_search *x, size_t depth)
{
	x->top = depth;
	free(x->unit_prefix);
	x->unit_prefix = xmalloc(depth + 1);
}

void ex_search_set_probe(struct ex_search *x, size_t depth, size_t target)
{
	ex_search_set_top(x, depth);
	free(x->level);
	x->level = xcalloc(depth + 1, sizeof *x->level);
	x->probe_target = target;
}

void ex_search_set_unit(struct ex_search *x, const uint8_t *prefix, size_t depth, uint8_t sleep)
{
	x->prefix = prefix;
	x->floor = depth;
	x->floor_sleep = sleep;
}

void ex_search_free(struct ex_search *x)
{
	free(x->node);
	free(x->ev);
	for (int c = 0; c < SCHED_MAX_CPUS; c++)
		free(x->tpos[c]);
	free(x->objs);
	free(x->unit_prefix);
	free(x->level);
	free(x->cpuh);
	free(x->nkey);
	free(x->keyed);
	free(x->acc);
	for (size_t j = 0; j < x->nsnap; j++)
		kernel_snap_free(x->snap[j]);
	free(x->snap);
	memset(x, 0, sizeof *x);
}

/* Room for node and event indices [0, need). */
static void grow(struct ex_search *x, size_t need)
{
	size_t cap = x->cap ? x->cap : 128;

	if (need <= x->cap)
		return;
	while (cap < need)
		cap *= 2;
	x->node = xrealloc(x->node, cap * sizeof *x->node);
	x->ev = xrealloc(x->ev, cap * sizeof *x->ev);
	for (int c = 0; c < SCHED_MAX_CPUS; c++)
		x->tpos[c] = xrealloc(x->tpos[c], cap * sizeof *x->tpos[c]);
	if (x->states)
		x->cpuh = xrealloc(x->cpuh, cap * SCHED_MAX_CPUS * sizeof *x->cpuh);
	if (x->states && x->reduce) {
		x->nkey = xrealloc(x->nkey, cap * sizeof *x->nkey);
		x->keyed = xrealloc(x->keyed, cap);
		if (x->sumw)
			x->acc = xrealloc(x->acc, cap * x->sumw * sizeof *x->acc);
	}
	x->cap = cap;
}

static void grow_objs(struct ex_search *x, unsigned n)
{
	if (n <= x->nobjs)
		return;
	x->objs = xrealloc(x->objs, n * sizeof *x->objs);
	memset(x->objs + x->nobjs, 0, (n - x->nobjs) * sizeof *x->objs);
	x->nobjs = n;
}

/*
 * Run step d of the path: CPU cpu.  Reduced, node[d] holds every CPU's
 * pending operation and the step gets its vector clock (and, when new, its
 * races).  Unreduced, the node learns the step's operation from the trace
 * the first time; replays are checked against it either way.
 */
static int take_step(struct ex_search *x, struct sched *s, size_t d, int cpu, char **cause)
{
	struct ex_node *nd = &x->node[d];
	const struct sched_step *tr;
	size_t n;
	char *why = NULL;

	if (x->reduce && !x->top) {
		int32_t before = 0;
		if (d >= x->replay && d >= x->floor)
			ex_races(x, d, cpu, nd->op[cpu], nd->obj[cpu]);
		if (nd->obj[cpu] != SCHED_NO_OBJ && !ex_op_reads(nd->op[cpu])) {
			const struct sched_obj *o = sched_obj_by_id(s, nd->obj[cpu]);
			before = o->kind == SCHED_OBJ_SEQCOUNT ? (int32_t)o->sequence : o->owner;
		}
		ex_ev_add(x, d, cpu, nd->op[cpu], nd->obj[cpu], before);
	}
	x->steps++;
	if (sched_step(s, cpu, &why) != 0) {
		util_errf(cause, "explore: step %zu of a replayed schedule failed (the engine is not deterministic): %s",
			  d + 1, why);
		free(why);
		return -1;
	}
	tr = sched_trace(s, &n);
	if (!x->sleepsets && d >= x->replay) {
		nd->op[cpu] = tr[d].op;
		nd->obj[cpu] = tr[d].obj;
	} else if (tr[d].op != nd->op[cpu] || tr[d].obj != nd->obj[cpu]) {
		return util_errf(cause, "explore: step %zu of a replayed schedule did another operation than before "
				 "(the engine is not deterministic)", d + 1);
	}
	return 0;
}

/* Fill node d from the scheduler: enabled CPUs, pending operations, preemptions. */
static void fill_node(struct ex_search *x, struct sched *s, size_t d)
{
	struct ex_node *nd = &x->node[d];
	int c0 = 0, c1 = x->ncpus;

	nd->enabled = (uint8_t)sched_enabled_mask(s);
	nd->stops = 0;
	nd->preemptions = 0;
	if (d > 0) {
		const struct ex_node *up = &x->node[d - 1];
		memcpy(nd->op, up->op, sizeof nd->op);
		memcpy(nd->obj, up->obj, sizeof nd->obj);
		c0 = up->chosen;
		c1 = c0 + 1;   /* only the CPU that stepped has a new pending operation */
		nd->preemptions = up->preemptions;
		if (d > 1 && up->chosen != x->node[d - 2].chosen && (up->enabled & BIT(x->node[d - 2].chosen)))
			nd->preemptions++;
	}
	for (int c = c0; c < c1 && x->sleepsets; c++) {
		enum sched_op op;
		const struct sched_obj *obj;
		sched_cpu_pending(s, c, &op, &obj);
		nd->op[c] = (uint8_t)op;
		nd->obj[c] = obj ? obj->id : SCHED_NO_OBJ;
	}
}

/* Sleep set of the child of node d through its chosen CPU. */
static uint8_t child_sleep(const struct ex_node *nd)
{
	int p = nd->chosen;
	unsigned keep = 0;

	/* a step known to stop the run conflicts with every other: it wakes */
	for (unsigned m = nd->sleep & ~BIT(p) & ~nd->stops; m; m &= m - 1) {
		int r = __builtin_ctz(m);
		if (!ex_ops_conflict(nd->op[r], nd->obj[r], nd->op[p], nd->obj[p]))
			keep |= BIT(r);
	}
	return (uint8_t)keep;
}

static int pick(unsigned avail, int last)
{
	return last >= 0 && (avail & BIT(last)) ? last : __builtin_ctz(avail);
}

/* CPUs a bounded search may take at node d. */
static unsigned allowed(const struct ex_search *x, size_t d)
{
	const struct ex_node *nd = &x->node[d];
	int last = d ? x->node[d - 1].chosen : -1;

	if (x->bound >= 0 && nd->preemptions >= x->bound && last >= 0 && (nd->enabled & BIT(last)))
		return BIT(last);
	return nd->enabled;
}

/* After an execution of D steps: find the next node to depart from. */
static void backtrack(struct ex_search *x, size_t D)
{
	if (x->acc)
		ex_summary_done(x, D);
	for (size_t d = D; d-- > x->floor;) {
		struct ex_node *nd = &x->node[d];
		unsigned cand;

		if (x->acc)
			ex_summary_merge(x, d);
		nd->sleep |= (uint8_t)BIT(nd->chosen);
		cand = nd->backtrack & ~nd->sleep & nd->enabled;
		if (cand) {
			nd->chosen = (uint8_t)pick(cand, d ? x->node[d - 1].chosen : -1);
			x->replay = d;
			x->redo = 1;
			return;
		}
		if (x->acc)
			ex_summary_done(x, d);
	}
	x->finished = 1;
}

unsigned ex_search_preemptions(const struct ex_search *x)
{
	return x->node[x->depth].preemptions;
}

/*
 * Step d of the path again without running it, after a checkpoint put
 * the world past it: only the happens-before records, which the
 * reduced search's races need, are rebuilt (from the event itself).
 */
static void restep(struct ex_search *x, size_t d)
{
	const struct ex_event *e = &x->ev[d];
	int q = e->cpu;

	if (!x->reduce || x->top)
		return;
	/* the event, its clock and its place in tpos are as the last execution left them (same path) */
	XS_ASSERT(x->tpos[q][x->nt[q]] == (int32_t)d);
	x->nt[q]++;
	if (e->obj != SCHED_NO_OBJ) {
		struct ex_objstate *os = ex_objstate_of(x, e->obj);
		if (ex_op_reads(e->op)) {
			os->rd[q] = (int32_t)d;
			os->rmask |= (uint8_t)BIT(q);
		} else {
			XS_ASSERT(e->prev_w == os->last_w);
			os->last_w = (int32_t)d;
			os->rmask = 0;
		}
	}
}

/* Start the world (or resume from a checkpoint) and replay the path down to where this execution departs. */
static int replay_prefix(struct ex_search *x, struct sched **sp, size_t *dp, uint8_t *sleep, char **cause)
{
	struct sched *s;
	size_t d, from = ex_resume_checkpoint(x);

	if (!from && kernel_run_start(x->run, x->scn, x->version, cause) != 0)
		return -1;
	*sp = s = kernel_run_sched(x->run);
	x->ncpus = sched_ncpus(s);
	grow_objs(x, sched_obj_count(s));
	if (x->states && x->reduce && !x->sumw) {
		/* every CPU's 4 classes of operation on every object, and a word for "stopped" */
		x->sumobjs = x->nobjs;
		x->sumw = ((size_t)x->ncpus * 4 * x->nobjs + 63) / 64 + 1;
		x->states->sumw = x->sumw;
		x->acc = xcalloc(x->cap ? x->cap : 1, x->sumw * sizeof *x->acc);
	}
	XS_ASSERT(!x->acc || x->nobjs == x->sumobjs);
	if (++x->gen == 0) {       /* 2^32 executions: forget every record once */
		for (unsigned o = 0; o < x->nobjs; o++)
			x->objs[o].gen = 0;
		x->gen = 1;
	}
	memset(x->nt, 0, sizeof x->nt);
	grow(x, x->replay + 2);
	for (d = 0; d < from; d++)
		restep(x, d);
	for (d = from; d < x->replay; d++)
		if (take_step(x, s, d, x->node[d].chosen, cause) != 0)
			return -1;
	*sleep = 0;
	if (x->redo) {
		if (x->sleepsets)
			*sleep = child_sleep(&x->node[d]);
		if (take_step(x, s, d, x->node[d].chosen, cause) != 0)
			return -1;
		d++;
	}
	*dp = d;
	return 0;
}

int ex_search_next(struct ex_search *x, char **cause)
{
	struct sched *s;
	size_t d;
	uint8_t sleep;

	if (x->finished)
		return EX_SEARCH_DONE;
	if (replay_prefix(x, &s, &d, &sleep, cause) != 0)
		return EX_SEARCH_ERROR;
	for (;;) {
		struct ex_node *nd;
		unsigned avail, ok, todo = 0;
		uint32_t sum = 0;
		uint8_t entered;
		int p, seen = 0;

		grow(x, d + 2);
		fill_node(x, s, d);
		nd = &x->node[d];
		if (x->acc) {
			memset(ex_acc_of(x, d), 0, x->sumw * sizeof *x->acc);
			x->keyed[d] = 0;
		}
		if (sched_end_reason(s) != SCHED_RUNNING) {
			enum sched_end why = sched_end_reason(s);
			x->depth = d;
			if (x->reduce && !x->top)
				ex_analyse_end(x, s, d);
			else if (x->sleepsets && d > 0 && (why == SCHED_END_BUG || why == SCHED_END_STEP_LIMIT))
				x->node[d - 1].stops |= (uint8_t)BIT(x->node[d - 1].chosen); /* as analyse_stop */
			if (x->acc)
				ex_summary_end(x, s, d);
			seen = x->states && ex_match_state(x, s, d, &sleep, &todo, &sum);
			backtrack(x, d);
			return seen ? EX_SEARCH_MATCHED : EX_SEARCH_ENDED;   /* an end is judged once */
		}
		ex_keep_checkpoint(x, d);
		entered = sleep;
		if (x->states && d % x->key_every == 0 &&
		    (seen = ex_match_state(x, s, d, &sleep, &todo, &sum)) && x->reduce) {
			/* its subtree's races with this path, then its summary for the nodes above */
			const uint64_t *sw = ex_sums_get(x->states, sum);
			x->sum_open = 0;
			ex_summary_races(x, d, sw);
			memcpy(ex_acc_of(x, d), sw, x->sumw * sizeof *x->acc);
			if (x->sum_open) {
				/* a race it could not resolve here: search the state again, as if new */
				x->sum_reopened++;
				seen = 0;
				todo = 0;
				sleep = entered;
			}
		}
		if (seen && !todo) {
			x->depth = d;
			backtrack(x, d);
			return EX_SEARCH_MATCHED;
		}
		nd->sleep = sleep;
		ok = allowed(x, d);
		if (seen)
			ok &= todo;   /* what the earlier visits did not take */
		avail = ok & ~sleep;
		if (!avail) {
			x->depth = d;
			backtrack(x, d);
			return EX_SEARCH_CUT;
		}
		if (x->level && d >= x->replay + (size_t)x->redo) {
			/* a new node, still running, not asleep: a unit of a top this deep */
			if (++x->level[d] >= x->probe_target && d < x->top)
				x->top = d;
		}
		if (x->top && d == x->top) {
			x->depth = d;
			x->unit_sleep = sleep;
			for (size_t k = 0; k < d; k++)
				x->unit_prefix[k] = x->node[k].chosen;
			backtrack(x, d);
			return EX_SEARCH_UNIT;
		}
		if (d < x->floor) {
			/* the unit's prefix, as the top search took it */
			p = x->prefix[d];
			if (p >= x->ncpus || !(ok & BIT(p))) {
				util_errf(cause, "explore: step %zu of a unit's prefix takes CPU %d, which cannot "
					  "run there (the plan does not fit this scenario)", d + 1, p);
				return EX_SEARCH_ERROR;
			}
			nd->chosen = (uint8_t)p;
			nd->backtrack = (uint8_t)ok;
			sleep = d + 1 == x->floor ? x->floor_sleep : 0;
		} else {
			p = pick(avail, d ? x->node[d - 1].chosen : -1);
			nd->chosen = (uint8_t)p;
			nd->backtrack = (uint8_t)(x->reduce && !x->top ? BIT(p) : ok);
			if (seen)
				nd->backtrack |= (uint8_t)todo;   /* all that the earlier visits left */
			sleep = x->sleepsets ? child_sleep(nd) : 0;
		}
		if (take_step(x, s, d, p, cause) != 0)
			return EX_SEARCH_ERROR;
		d++;
	}
}
