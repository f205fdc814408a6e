/*
 * dpor.c - the systematic search: depth-first over schedules by
 * re-execution, with or without reduction (see explore-int.h for the data,
 * docs/explore.md for the argument).
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

static int op_reads(unsigned op)
{
	return op == SCHED_OP_READ || op == SCHED_OP_SEQ_READ_BEGIN || op == SCHED_OP_SEQ_READ_RETRY;
}

/* The dependency relation: same object, not both reads. */
static int ops_conflict(unsigned op1, unsigned obj1, unsigned op2, unsigned obj2)
{
	return obj1 == obj2 && obj1 != SCHED_NO_OBJ && !(op_reads(op1) && op_reads(op2));
}

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
	XS_ASSERT(x->bound < 0 && !x->top && !x->floor);
	x->states = t;
	x->sleepsets = 1;
	x->key_every = x->reduce ? EX_KEY_EVERY : 1;
	if (getenv("XS_KEY_EVERY"))   /* for measuring (docs/performance.md); not documented for users */
		x->key_every = (size_t)strtoul(getenv("XS_KEY_EVERY"), NULL, 10) ? (size_t)strtoul(getenv("XS_KEY_EVERY"), NULL, 10) : 1;
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

/* The record of obj (ids are below sched_obj_count, which replay_prefix made room for). */
static struct ex_objstate *objstate(struct ex_search *x, unsigned obj)
{
	struct ex_objstate *os;

	XS_ASSERT(obj < x->nobjs);
	os = &x->objs[obj];
	if (os->gen != x->gen) {
		os->gen = x->gen;
		os->last_w = -1;
		os->rmask = 0;
	}
	return os;
}

static const uint32_t zero_clock[SCHED_MAX_CPUS];

/* The clock of q's last step (zero before its first). */
static const uint32_t *cpu_clock(const struct ex_search *x, int q)
{
	return x->nt[q] ? x->ev[x->tpos[q][x->nt[q] - 1]].clock : zero_clock;
}

static void join(uint32_t *a, const uint32_t *b)
{
	for (int c = 0; c < SCHED_MAX_CPUS; c++)
		if (b[c] > a[c])
			a[c] = b[c];
}

/* Append step j (CPU q: op on obj, whose lock or seqcount state is `before`) with its vector clock. */
static void ev_add(struct ex_search *x, size_t j, int q, unsigned op, unsigned obj, int32_t before)
{
	struct ex_event *e = &x->ev[j];

	memcpy(e->clock, cpu_clock(x, q), sizeof e->clock);
	e->clock[q] = x->nt[q] + 1;
	e->cpu = (uint8_t)q;
	e->op = (uint8_t)op;
	e->obj = (uint16_t)obj;
	e->prev_w = -1;
	e->before = before;
	if (obj != SCHED_NO_OBJ) {
		struct ex_objstate *os = objstate(x, obj);
		if (os->last_w >= 0)
			join(e->clock, x->ev[os->last_w].clock);
		if (op_reads(op)) {
			os->rd[q] = (int32_t)j;
			os->rmask |= (uint8_t)BIT(q);
		} else {
			for (unsigned m = os->rmask; m; m &= m - 1)
				join(e->clock, x->ev[os->rd[__builtin_ctz(m)]].clock);
			e->prev_w = os->last_w;
			os->last_w = (int32_t)j;
			os->rmask = 0;
		}
	}
	x->tpos[q][x->nt[q]++] = (int32_t)j;
}

/* How many of the ascending positions pos[0, n) are <= i. */
static uint32_t count_upto(const int32_t *pos, uint32_t n, int32_t i)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (pos[mid] <= i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The initials of v = notdep(e, E).q for E = steps [0, j) and e = step i:
 * the CPUs whose first step in v depends on no other step of v.  A CPU's
 * steps in v are a prefix of its steps after i (once one depends on e, all
 * later ones do), so only each CPU's first step after i matters.  q's own
 * pending step (op on obj) ends v.
 */
/*
 * The part of initials() that steps [i + 1, j) decide: *inv receives the
 * CPUs with a step there that does not happen after step i, *unmoved
 * those with no step there at all; returns the CPUs among inv whose first
 * such step depends on no other one.
 */
static unsigned path_initials(const struct ex_search *x, int32_t i, size_t j, unsigned *inv_out,
			      unsigned *unmoved)
{
	const struct ex_event *e = &x->ev[i];
	uint32_t li = e->clock[e->cpu];
	int32_t first[SCHED_MAX_CPUS];
	unsigned inv = 0, init = 0;

	*unmoved = 0;
	for (int s = 0; s < x->ncpus; s++) {
		uint32_t k = count_upto(x->tpos[s], x->nt[s], i);
		if (k < x->nt[s] && (size_t)x->tpos[s][k] < j && x->ev[x->tpos[s][k]].clock[e->cpu] < li) {
			first[s] = x->tpos[s][k];
			inv |= BIT(s);
		} else if (k == x->nt[s] || (size_t)x->tpos[s][k] >= j) {
			*unmoved |= BIT(s);
		}
	}
	for (unsigned m = inv; m; m &= m - 1) {
		int s = __builtin_ctz(m), alone = 1;
		for (unsigned m2 = inv & ~BIT(s); m2 && alone; m2 &= m2 - 1) {
			int s2 = __builtin_ctz(m2);
			if (x->ev[first[s]].clock[s2] >= x->ev[first[s2]].clock[s2])
				alone = 0;
		}
		if (alone)
			init |= BIT(s);
	}
	*inv_out = inv;
	return init;
}

static unsigned initials(const struct ex_search *x, int32_t i, size_t j, int q, unsigned op, unsigned obj,
			 int stops_all)
{
	const struct ex_event *e = &x->ev[i];
	uint32_t li = e->clock[e->cpu];
	unsigned inv, unmoved, init = path_initials(x, i, j, &inv, &unmoved);

	if (!(inv & BIT(q))) {
		/* q's step is v's only step of q: initial unless a step of v conflicts with it */
		if (stops_all)
			return inv ? init : init | BIT(q);
		for (size_t y = (size_t)i + 1; y < j; y++)
			if (ops_conflict(x->ev[y].op, x->ev[y].obj, op, obj) && x->ev[y].clock[e->cpu] < li)
				return init;
		init |= BIT(q);
	}
	return init;
}

/* e (step i) races with q's pending step at j: make sure pre(e) tries a way to reverse it. */
static void add_race(struct ex_search *x, int32_t i, size_t j, int q, unsigned op, unsigned obj, int stops_all)
{
	struct ex_node *nd = &x->node[i];
	unsigned init;
	int pick;

	if ((size_t)i < x->floor)
		return;   /* the top search took every CPU there */
	init = initials(x, i, j, q, op, obj, stops_all);
	if (init & nd->backtrack)
		return;
	pick = (init & BIT(q)) ? q : init ? __builtin_ctz(init) : -1;
	if (pick < 0 || !(nd->enabled & BIT(pick))) {
		/* cannot happen if the model holds; stay sound, and count it */
		x->fallbacks++;
		nd->backtrack |= nd->enabled;
		return;
	}
	nd->backtrack |= (uint8_t)BIT(pick);
}

/*
 * Stateful reduced search: e (step i) races with an operation of CPU q
 * that the subtree of the state at node j (met before) performs, at some
 * point after j.  v = notdep(e).t is then the steps of [i + 1, j) that do
 * not happen after e, followed by steps of the subtree that are not
 * known here.
 *  - When [i + 1, j) holds a step of v, the initials that [i + 1, j)
 *    decides are initials of v (a first step there has no step of v
 *    before it that is not in [i + 1, j) too), and there is one: one of
 *    them is added, as for any race.
 *  - When it holds none, every step of [i + 1, j) happens after e.  An
 *    initial r of v then has no step in (i, j) (its steps there would
 *    happen after e, and so would all its later ones), so its first step
 *    in v is its pending operation at node j, which must conflict with
 *    neither e nor any step of (i, j).  Every CPU that passes this test
 *    is added: the initials are among them.
 * If none of them can run at node i (the model says this cannot happen),
 * the race is left open and the caller searches node j again instead of
 * pruning it.
 */
static void add_summary_race(struct ex_search *x, int32_t i, size_t j)
{
	struct ex_node *nd = &x->node[i];
	const struct ex_node *nj = &x->node[j];
	const struct ex_event *e = &x->ev[i];
	unsigned inv, unmoved, init, cand;
	int pick;

	if ((size_t)i < x->floor)
		return;
	x->sum_races++;
	init = path_initials(x, i, j, &inv, &unmoved);
	if (init) {
		if (init & nd->backtrack)
			return;
		pick = __builtin_ctz(init);
		if (nd->enabled & BIT(pick)) {
			nd->backtrack |= (uint8_t)BIT(pick);
			return;
		}
		x->sum_open = 1;
		return;
	}
	cand = 0;
	for (unsigned m = unmoved & ~BIT(e->cpu); m; m &= m - 1) {
		int r = __builtin_ctz(m), free_ = !ops_conflict(nj->op[r], nj->obj[r], e->op, e->obj);
		for (size_t y = (size_t)i + 1; y < j && free_; y++)
			if (ops_conflict(x->ev[y].op, x->ev[y].obj, nj->op[r], nj->obj[r]))
				free_ = 0;
		if (free_)
			cand |= BIT(r);
	}
	if (!(cand & nd->enabled)) {
		x->sum_open = 1;
		return;
	}
	if (cand & nd->enabled & ~nd->backtrack)
		x->sum_widened++;
	nd->backtrack |= (uint8_t)(cand & nd->enabled);
}

/*
 * Could an operation `op` have run just before the writing step w?  Not a
 * lock acquisition while the lock was held, nor read_seqcount_begin while
 * the count was odd (they were blocked); anything else could.
 */
static int could_precede(const struct ex_event *w, unsigned op)
{
	if (op == SCHED_OP_ACQUIRE)
		return w->before < 0;
	if (op == SCHED_OP_SEQ_READ_BEGIN)
		return !(w->before & 1);
	return 1;
}

/*
 * The races of q's pending step (op on obj), about to be step j; with
 * summary, of an operation q performs somewhere below node j.
 */
static void races_of(struct ex_search *x, size_t j, int q, unsigned op, unsigned obj, int summary)
{
	const uint32_t *cq = cpu_clock(x, q);
	const struct ex_objstate *os;
	int32_t cand[SCHED_MAX_CPUS + 1];
	int nc = 0;

	if (obj == SCHED_NO_OBJ || obj >= x->nobjs || x->objs[obj].gen != x->gen)
		return;
	os = &x->objs[obj];
	if (op_reads(op) || !(os->rmask & ~BIT(q))) {
		int32_t w = os->last_w;
		/* a blocking operation races with the last write it could have preceded */
		while (w >= 0 && !could_precede(&x->ev[w], op))
			w = x->ev[w].prev_w;
		if (w >= 0)
			cand[nc++] = w;
	} else {
		for (unsigned m = os->rmask & ~BIT(q); m; m &= m - 1)
			cand[nc++] = os->rd[__builtin_ctz(m)];
	}
	for (int a = 0; a < nc; a++) {
		const struct ex_event *e = &x->ev[cand[a]];
		int race = e->cpu != q && cq[e->cpu] < e->clock[e->cpu];
		for (int b = 0; b < nc && race; b++)
			if (b != a && x->ev[cand[b]].clock[e->cpu] >= e->clock[e->cpu])
				race = 0; /* e reaches q through another candidate */
		if (race && summary)
			add_summary_race(x, cand[a], j);
		else if (race)
			add_race(x, cand[a], j, q, op, obj, 0);
	}
}

static void races(struct ex_search *x, size_t j, int q, unsigned op, unsigned obj)
{
	races_of(x, j, q, op, obj, 0);
}

/* ---- summaries, for the stateful reduced search ------------------------------------ */

/* Operations as the races see them: a read, read_seqcount_begin, an acquisition, any other write. */
static const uint8_t class_op[4] = { SCHED_OP_READ, SCHED_OP_SEQ_READ_BEGIN, SCHED_OP_ACQUIRE, SCHED_OP_WRITE };

static unsigned op_class(unsigned op)
{
	return op == SCHED_OP_SEQ_READ_BEGIN ? 1 : op == SCHED_OP_ACQUIRE ? 2 : op_reads(op) ? 0 : 3;
}

static uint64_t *acc_of(const struct ex_search *x, size_t d)
{
	return &x->acc[d * x->sumw];
}

static void acc_op(struct ex_search *x, size_t d, int cpu, unsigned op, unsigned obj)
{
	size_t bit;

	if (obj == SCHED_NO_OBJ)
		return;
	XS_ASSERT(obj < x->sumobjs);
	bit = ((size_t)cpu * 4 + op_class(op)) * x->sumobjs + obj;
	acc_of(x, d)[bit / 64] |= 1ull << (bit % 64);
}

/*
 * Node d's child is done: node d's summary gains the child's and step d.
 * Only operations that may race with a step above node d are kept: one
 * after a write to the same object (step d or below) cannot, since every
 * access to that object above node d conflicts with the write and so
 * happens before it.  So step d, when it writes, hides the child's
 * operations on its object.
 */
static void summary_merge(struct ex_search *x, size_t d)
{
	const struct ex_node *nd = &x->node[d];
	uint64_t *a = acc_of(x, d), *b = acc_of(x, d + 1);
	unsigned op = nd->op[nd->chosen], obj = nd->obj[nd->chosen];

	if (obj != SCHED_NO_OBJ && !op_reads(op))
		for (size_t k = 0; k < (size_t)x->ncpus * 4; k++) {
			size_t bit = k * x->sumobjs + obj;
			b[bit / 64] &= ~(1ull << (bit % 64));
		}
	for (size_t w = 0; w < x->sumw; w++)
		a[w] |= b[w];
	acc_op(x, d, nd->chosen, op, obj);
}

/* Node d's state was met before with summary sum: its operations' races with the path. */
static void summary_races(struct ex_search *x, size_t d, const uint64_t *sum)
{
	size_t nbits = (size_t)x->ncpus * 4 * x->sumobjs;

	for (size_t w = 0; w + 1 < x->sumw; w++)
		for (uint64_t m = sum[w]; m; m &= m - 1) {
			size_t bit = w * 64 + (size_t)__builtin_ctzll(m), k = bit / x->sumobjs;
			if (bit >= nbits)
				break;
			races_of(x, d, (int)(k / 4), class_op[k % 4], (unsigned)(bit % x->sumobjs), 1);
		}
}

/* Node d is done: its state's summary is what was explored below it. */
static void summary_done(struct ex_search *x, size_t d)
{
	if (x->keyed[d])
		ex_states_set_sum(x->states, &x->nkey[d], ex_sums_intern(x->states, acc_of(x, d)));
}

/* The run ended at node D: what it left undone (the pending operations) and whether it stopped everyone. */
static void summary_end(struct ex_search *x, struct sched *s, size_t D)
{
	enum sched_end why = sched_end_reason(s);
	struct sched_cpu_info info;

	for (int q = 0; q < x->ncpus; q++) {
		sched_cpu_info(s, q, &info);
		if (info.state == SCHED_CPU_READY && info.obj)
			acc_op(x, D, q, info.op, info.obj->id);
	}
	if (why == SCHED_END_BUG || why == SCHED_END_STEP_LIMIT)
		acc_of(x, D)[x->sumw - 1] |= 1;
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
			races(x, d, cpu, nd->op[cpu], nd->obj[cpu]);
		if (nd->obj[cpu] != SCHED_NO_OBJ && !op_reads(nd->op[cpu])) {
			const struct sched_obj *o = sched_obj_by_id(s, nd->obj[cpu]);
			before = o->kind == SCHED_OBJ_SEQCOUNT ? (int32_t)o->sequence : o->owner;
		}
		ev_add(x, d, cpu, nd->op[cpu], nd->obj[cpu], before);
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
		if (!ops_conflict(nd->op[r], nd->obj[r], nd->op[p], nd->obj[p]))
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

/*
 * The last step b stopped the run (a BUG, the step limit): it disables
 * every other CPU, so it conflicts with all their steps.  It races with
 * each other CPU's last step that does not happen before it, and with
 * each other CPU's pending operation (which it cut off).
 */
static void analyse_stop(struct ex_search *x, struct sched *s, size_t D)
{
	size_t b = D - 1;
	struct ex_node *nd = &x->node[b];
	const struct ex_event *eb = &x->ev[b];
	int32_t last[SCHED_MAX_CPUS];
	unsigned conc = 0;
	struct sched_cpu_info info;

	nd->stops |= (uint8_t)BIT(eb->cpu);
	for (int q = 0; q < x->ncpus; q++) {
		sched_cpu_info(s, q, &info);
		if (q != eb->cpu && info.state == SCHED_CPU_READY && (nd->enabled & BIT(q)))
			nd->backtrack |= (uint8_t)BIT(q);
		if (q != eb->cpu && x->nt[q]) {
			last[q] = x->tpos[q][x->nt[q] - 1];
			if (eb->clock[q] < x->ev[last[q]].clock[q])
				conc |= BIT(q);
		}
	}
	for (unsigned m = conc; m; m &= m - 1) {
		int r = __builtin_ctz(m), race = 1;
		for (unsigned m2 = conc & ~BIT(r); m2 && race; m2 &= m2 - 1)
			if (x->ev[last[__builtin_ctz(m2)]].clock[r] >= x->ev[last[r]].clock[r])
				race = 0; /* r's step reaches b through another CPU's */
		if (race)
			add_race(x, last[r], b, eb->cpu, eb->op, eb->obj, 1);
	}
}

/* The run ended after D steps: races of what the unfinished CPUs would do next. */
static void analyse_end(struct ex_search *x, struct sched *s, size_t D)
{
	enum sched_end why = sched_end_reason(s);
	struct sched_cpu_info info;

	for (int q = 0; q < x->ncpus; q++) {
		sched_cpu_info(s, q, &info);
		if (info.state == SCHED_CPU_READY && info.obj)
			races(x, D, q, info.op, info.obj->id);
	}
	if ((why == SCHED_END_BUG || why == SCHED_END_STEP_LIMIT) && D > 0)
		analyse_stop(x, s, D);
}

/* After an execution of D steps: find the next node to depart from. */
static void backtrack(struct ex_search *x, size_t D)
{
	if (x->acc)
		summary_done(x, D);
	for (size_t d = D; d-- > x->floor;) {
		struct ex_node *nd = &x->node[d];
		unsigned cand;

		if (x->acc)
			summary_merge(x, d);
		nd->sleep |= (uint8_t)BIT(nd->chosen);
		cand = nd->backtrack & ~nd->sleep & nd->enabled;
		if (cand) {
			nd->chosen = (uint8_t)pick(cand, d ? x->node[d - 1].chosen : -1);
			x->replay = d;
			x->redo = 1;
			return;
		}
		if (x->acc)
			summary_done(x, d);
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
		struct ex_objstate *os = objstate(x, e->obj);
		if (op_reads(e->op)) {
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
		return -2;
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
			memset(acc_of(x, d), 0, x->sumw * sizeof *x->acc);
			x->keyed[d] = 0;
		}
		if (sched_end_reason(s) != SCHED_RUNNING) {
			enum sched_end why = sched_end_reason(s);
			x->depth = d;
			if (x->reduce && !x->top)
				analyse_end(x, s, d);
			else if (x->sleepsets && d > 0 && (why == SCHED_END_BUG || why == SCHED_END_STEP_LIMIT))
				x->node[d - 1].stops |= (uint8_t)BIT(x->node[d - 1].chosen); /* as analyse_stop */
			if (x->acc)
				summary_end(x, s, d);
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
			summary_races(x, d, sw);
			memcpy(acc_of(x, d), sw, x->sumw * sizeof *x->acc);
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
				return -2;
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
			return -2;
		d++;
	}
}
