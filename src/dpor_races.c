/*
 * dpor_races.c - the reduced search's race analysis (dpor.c is the
 * search around it; docs/explore.md gives the argument): each step's
 * vector clock and the per-object access records, the races of a pending
 * step with the path and where to reverse them (source-DPOR's initials),
 * the races of a run's end, and for the stateful reduced search the
 * summaries of what a state's subtree did and their races with the path.
 *
 * Central data: struct ex_event (a step's clock, and for a writing step
 * the previous write to its object and the lock or seqcount state before
 * it) and struct ex_objstate (the last write to an object and the reads
 * since), both in struct ex_search; records are valid for the current gen.
 */
#include "config.h"

#include <string.h>

#include "explore-int.h"
#include "statehash.h"

#define BIT(c) (1u << (c))

/* The record of obj (ids are below sched_obj_count, which replay_prefix made room for). */
struct ex_objstate *ex_objstate_of(struct ex_search *x, unsigned obj)
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
void ex_ev_add(struct ex_search *x, size_t j, int q, unsigned op, unsigned obj, int32_t before)
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
		struct ex_objstate *os = ex_objstate_of(x, obj);
		if (os->last_w >= 0)
			join(e->clock, x->ev[os->last_w].clock);
		if (ex_op_reads(op)) {
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
			if (ex_ops_conflict(x->ev[y].op, x->ev[y].obj, op, obj) && x->ev[y].clock[e->cpu] < li)
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
		int r = __builtin_ctz(m), free_ = !ex_ops_conflict(nj->op[r], nj->obj[r], e->op, e->obj);
		for (size_t y = (size_t)i + 1; y < j && free_; y++)
			if (ex_ops_conflict(x->ev[y].op, x->ev[y].obj, nj->op[r], nj->obj[r]))
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
 * summary, of an operation q performs somewhere below node j, after its
 * pending step there, whose clock cq is then at least.
 */
static void races_of(struct ex_search *x, size_t j, int q, unsigned op, unsigned obj, int summary,
		     const uint32_t *cq)
{
	const struct ex_objstate *os;
	int32_t cand[SCHED_MAX_CPUS + 1];
	int nc = 0;

	if (obj == SCHED_NO_OBJ || obj >= x->nobjs || x->objs[obj].gen != x->gen)
		return;
	os = &x->objs[obj];
	if (ex_op_reads(op) || !(os->rmask & ~BIT(q))) {
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

void ex_races(struct ex_search *x, size_t j, int q, unsigned op, unsigned obj)
{
	races_of(x, j, q, op, obj, 0, cpu_clock(x, q));
}

/*
 * At least the clock of q's pending step at node j, whenever it runs
 * below: q's last clock, and the last write to its object (and, for a
 * write, the reads since), which it follows whether or not steps below
 * access that object first.  Every later step of q happens after it.
 */
static void pending_clock(const struct ex_search *x, size_t j, int q, uint32_t *c)
{
	unsigned op = x->node[j].op[q], obj = x->node[j].obj[q];

	memcpy(c, cpu_clock(x, q), SCHED_MAX_CPUS * sizeof *c);
	c[q] = x->nt[q] + 1;
	if (obj != SCHED_NO_OBJ && obj < x->nobjs && x->objs[obj].gen == x->gen) {
		const struct ex_objstate *os = &x->objs[obj];
		if (os->last_w >= 0)
			join(c, x->ev[os->last_w].clock);
		if (!ex_op_reads(op))
			for (unsigned m = os->rmask; m; m &= m - 1)
				join(c, x->ev[os->rd[__builtin_ctz(m)]].clock);
	}
}

/* ---- summaries, for the stateful reduced search ------------------------------------ */

/* Operations as the races see them: a read, read_seqcount_begin, an acquisition, any other write. */
static const uint8_t class_op[4] = { SCHED_OP_READ, SCHED_OP_SEQ_READ_BEGIN, SCHED_OP_ACQUIRE, SCHED_OP_WRITE };

static unsigned op_class(unsigned op)
{
	return op == SCHED_OP_SEQ_READ_BEGIN ? 1 : op == SCHED_OP_ACQUIRE ? 2 : ex_op_reads(op) ? 0 : 3;
}

uint64_t *ex_acc_of(const struct ex_search *x, size_t d)
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
	ex_acc_of(x, d)[bit / 64] |= 1ull << (bit % 64);
}

/*
 * Node d's child is done: node d's summary gains the child's and step d.
 * Only operations that may race with a step above node d are kept: one
 * after a write to the same object (step d or below) cannot, since every
 * access to that object above node d conflicts with the write and so
 * happens before it.  So step d, when it writes, hides the child's
 * operations on its object.
 */
void ex_summary_merge(struct ex_search *x, size_t d)
{
	const struct ex_node *nd = &x->node[d];
	uint64_t *a = ex_acc_of(x, d), *b = ex_acc_of(x, d + 1);
	unsigned op = nd->op[nd->chosen], obj = nd->obj[nd->chosen];

	if (obj != SCHED_NO_OBJ && !ex_op_reads(op))
		for (size_t k = 0; k < (size_t)x->ncpus * 4; k++) {
			size_t bit = k * x->sumobjs + obj;
			b[bit / 64] &= ~(1ull << (bit % 64));
		}
	for (size_t w = 0; w < x->sumw; w++)
		a[w] |= b[w];
	acc_op(x, d, nd->chosen, op, obj);
}

/*
 * Node d's state was met before with summary sum: its operations' races
 * with the path.  A CPU with operations below runs its pending step
 * there first: that step's races are analysed exactly (as a pending
 * step's), and the others' against the pending step's clock.
 */
void ex_summary_races(struct ex_search *x, size_t d, const uint64_t *sum)
{
	size_t per = 4 * (size_t)x->sumobjs;

	for (int q = 0; q < x->ncpus; q++) {
		uint32_t pc[SCHED_MAX_CPUS];
		int any = 0;
		for (size_t bit = (size_t)q * per; bit < (size_t)(q + 1) * per; bit++) {
			if (!(sum[bit / 64] >> (bit % 64) & 1)) {
				if (bit % 64 == 0 && !sum[bit / 64] && bit + 63 < (size_t)(q + 1) * per)
					bit += 63;   /* a zero word */
				continue;
			}
			if (!any) {
				any = 1;
				ex_races(x, d, q, x->node[d].op[q], x->node[d].obj[q]);
				pending_clock(x, d, q, pc);
			}
			races_of(x, d, q, class_op[(bit / x->sumobjs) % 4], (unsigned)(bit % x->sumobjs), 1, pc);
		}
	}
}

/* Node d is done: its state's summary is what was explored below it. */
void ex_summary_done(struct ex_search *x, size_t d)
{
	if (x->keyed[d])
		ex_states_set_sum(x->states, &x->nkey[d], ex_sums_intern(x->states, ex_acc_of(x, d)));
}

/* The run ended at node D: what it left undone (the pending operations) and whether it stopped everyone. */
void ex_summary_end(struct ex_search *x, struct sched *s, size_t D)
{
	enum sched_end why = sched_end_reason(s);
	struct sched_cpu_info info;

	for (int q = 0; q < x->ncpus; q++) {
		sched_cpu_info(s, q, &info);
		if (info.state == SCHED_CPU_READY && info.obj)
			acc_op(x, D, q, info.op, info.obj->id);
	}
	if (why == SCHED_END_BUG || why == SCHED_END_STEP_LIMIT)
		ex_acc_of(x, D)[x->sumw - 1] |= 1;
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
void ex_analyse_end(struct ex_search *x, struct sched *s, size_t D)
{
	enum sched_end why = sched_end_reason(s);
	struct sched_cpu_info info;

	for (int q = 0; q < x->ncpus; q++) {
		sched_cpu_info(s, q, &info);
		if (info.state == SCHED_CPU_READY && info.obj)
			ex_races(x, D, q, info.op, info.obj->id);
	}
	if ((why == SCHED_END_BUG || why == SCHED_END_STEP_LIMIT) && D > 0)
		analyse_stop(x, s, D);
}
