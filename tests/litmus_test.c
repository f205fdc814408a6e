/*
 * litmus_test.c - the memory models (memmodel.c) against the published
 * outcomes of the classic litmus tests (litmus-*).
 *
 * A litmus test is a few threads of stores, loads and barriers on shared
 * ints, and an outcome ("exists" clause).  Each is run on the scheduler
 * in every model, over every schedule: a depth-first enumeration of every
 * choice sched_choices offers (CPUs, flushes, drains), by re-execution,
 * with no reduction at all, so the set of outcomes is exactly the model's.
 *
 * The expected results, and where they come from:
 *  - sc: the interleavings of the threads (Lamport); every "weak" outcome
 *    below is forbidden.
 *  - tso: x86-TSO (Owens, Sarkar, Sewell, TPHOLs 2009; the same outcomes
 *    as the Intel SDM vol. 3 section 8.2.3 examples): only SB's outcome is
 *    allowed (a load may pass an older store to another location);
 *    MP, LB, WRC, IRIW and 2+2W are forbidden, and smp_mb forbids SB.
 *  - lkmm: the "Result:" lines of the Linux kernel memory model's
 *    litmus tests (tools/memory-model/litmus-tests/): SB+poonceonces,
 *    MP+poonceonces, LB+poonceonces, WRC+poonceonces+Once and
 *    IRIW+poonceonces+OnceOnce are Sometimes; SB+fencembonceonces,
 *    MP+fencewmbonceonce+fencermbonceonce, IRIW+fencembonceonces+OnceOnce
 *    and MP+polocks are Never.  2+2W is not in that directory: its
 *    expectations here (Sometimes bare, Never with smp_wmb on both sides)
 *    follow from memory-barriers.txt's rule that smp_wmb orders stores
 *    against stores.
 *  - weak is expected to give LKMM's answer everywhere but LB: its
 *    loads are done at their step, in program order, and a store enters
 *    the buffer only when it is reached, so a store can never become
 *    visible before an older load of its CPU has read: LB is forbidden
 *    (weak is stronger than LKMM there, as McKenney's hardware model
 *    is; Power and ARM do show LB).
 * Besides, every model must allow every outcome sc allows, and weak every
 * outcome tso allows (sc is the strongest, weak the weakest).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memmodel.h"
#include "sched.h"
#include "sync.h"
#include "tap.h"

#define LT_MAX_VARS 4
#define LT_MAX_THREADS 4
#define LT_MAX_INSNS 8
#define LT_MAX_REGS 4
#define LT_MAX_DEPTH 64
#define LT_MAX_OUTCOMES 256

enum lt_op { LT_END, LT_W, LT_R, LT_MB, LT_WMB, LT_RMB, LT_LOCK, LT_UNLOCK,
	     LT_SEQ_WBEGIN, LT_SEQ_WEND, LT_SEQ_RBEGIN, LT_SEQ_RETRY };

struct lt_insn {
	enum lt_op op;
	int var;    /* x=0, y=1, ... */
	int val;    /* LT_W: the value; LT_R: the register */
};

struct litmus {
	const char *name;
	int nthreads;
	struct lt_insn code[LT_MAX_THREADS][LT_MAX_INSNS];
	/* the outcome asked about: registers (thread, reg) = value, and final memory */
	int want_reg[LT_MAX_THREADS][LT_MAX_REGS]; /* -1: any */
	int want_mem[LT_MAX_VARS];                 /* -1: any */
	int allowed[MEMMODEL_COUNT];               /* expected: sc, tso, weak */
	int lkmm;                                  /* LKMM's answer: 1 Sometimes, 0 Never; -1 not an LKMM test */
	unsigned whatif;                           /* the seqcount's barriers changed (sync.h) */
};

/* ---- the world: shared ints, one lock, the threads' registers ---------------------- */

static struct lt_world {
	struct sched_obj obj[LT_MAX_VARS];
	int mem[LT_MAX_VARS];
	spinlock_t lock;
	seqcount_t seq;
	int reg[LT_MAX_THREADS][LT_MAX_REGS];
	const struct litmus *t;
	int tid[LT_MAX_THREADS];
} lw;

static void lt_thread(void *arg)
{
	int tid = *(int *)arg;

	for (const struct lt_insn *in = lw.t->code[tid]; in->op != LT_END; in++) {
		switch (in->op) {
		case LT_W:
			sched_point(SCHED_OP_WRITE, &lw.obj[in->var], SCHED_SITE("store", "WRITE_ONCE(*v, val)"));
			sched_store(&lw.obj[in->var], &lw.mem[in->var], &in->val, sizeof in->val);
			sched_note(in->val);
			break;
		case LT_R:
			sched_point(SCHED_OP_READ, &lw.obj[in->var], SCHED_SITE("load", "r = READ_ONCE(*v)"));
			lw.reg[tid][in->val] = (int)sched_note(lw.mem[in->var]);
			break;
		case LT_MB: sched_barrier(SCHED_BARRIER_MB); break;
		case LT_WMB: sched_barrier(SCHED_BARRIER_WMB); break;
		case LT_RMB: sched_barrier(SCHED_BARRIER_RMB); break;
		case LT_LOCK: sync_spin_lock(&lw.lock, SCHED_SITE_CALL("spin_lock(&l)")); break;
		case LT_UNLOCK: sync_spin_unlock(&lw.lock, SCHED_SITE_CALL("spin_unlock(&l)")); break;
		case LT_SEQ_WBEGIN: sync_write_seqcount_begin(&lw.seq, SCHED_SITE_CALL("write_seqcount_begin(&s)")); break;
		case LT_SEQ_WEND: sync_write_seqcount_end(&lw.seq, SCHED_SITE_CALL("write_seqcount_end(&s)")); break;
		case LT_SEQ_RBEGIN:
			lw.reg[tid][in->val] = (int)sync_read_seqcount_begin(&lw.seq, SCHED_SITE_CALL("read_seqcount_begin(&s)"));
			break;
		case LT_SEQ_RETRY:
			/* the register holds the start (LT_SEQ_RBEGIN's) and becomes 1 when the reader must retry */
			lw.reg[tid][in->val] = sync_read_seqcount_retry(&lw.seq, (unsigned)lw.reg[tid][in->val],
									SCHED_SITE_CALL("read_seqcount_retry(&s, start)"));
			break;
		case LT_END: break;
		}
	}
}

static const char *const var_names[LT_MAX_VARS] = { "x", "y", "z", "w" };

static void lt_build(struct sched *s, const struct litmus *t, enum memmodel m)
{
	char *cause = NULL;

	sched_reset(s);
	sched_set_memory_model(s, m);
	memset(&lw, 0, sizeof lw);
	lw.t = t;
	for (int v = 0; v < LT_MAX_VARS; v++) {
		sched_obj_init(s, &lw.obj[v], SCHED_OBJ_MEMORY, var_names[v], 0, 0);
		lw.obj[v].buffered = 1;
	}
	spin_lock_init(s, &lw.lock, "l", 0, 0);
	seqcount_init(s, &lw.seq, "s", 0, 0);
	sched_set_barrier_whatif(s, t->whatif);
	for (int i = 0; i < t->nthreads; i++) {
		lw.tid[i] = i;
		if (sched_add_cpu(s, lt_thread, &lw.tid[i], &cause) < 0 )
			fatal("litmus: %s", cause);
	}
	if (sched_start(s, &cause) != 0)
		fatal("litmus: %s", cause);
}

/* ---- every schedule --------------------------------------------------------------- */

struct lt_search {
	struct sched *s;
	const struct litmus *t;
	enum memmodel m;
	int prefix[LT_MAX_DEPTH];
	long executions;
	int seen;             /* the outcome asked about was reached */
	long outcomes[LT_MAX_OUTCOMES]; /* every final state, packed (lt_pack) */
	int noutcomes;
};

/* Registers and memory of an ended run, 2 bits each (litmus values are 0..3). */
static long lt_pack(const struct litmus *t)
{
	long k = 0;

	for (int i = 0; i < t->nthreads; i++)
		for (int r = 0; r < LT_MAX_REGS; r++)
			k = k << 2 | (lw.reg[i][r] & 3);
	for (int v = 0; v < LT_MAX_VARS; v++)
		k = k << 2 | (lw.mem[v] & 3);
	return k;
}

static int lt_matches(const struct litmus *t)
{
	for (int i = 0; i < t->nthreads; i++)
		for (int r = 0; r < LT_MAX_REGS; r++)
			if (t->want_reg[i][r] >= 0 && lw.reg[i][r] != t->want_reg[i][r])
				return 0;
	for (int v = 0; v < LT_MAX_VARS; v++)
		if (t->want_mem[v] >= 0 && lw.mem[v] != t->want_mem[v])
			return 0;
	return 1;
}

static void lt_record(struct lt_search *ls)
{
	long k = lt_pack(ls->t);

	ls->executions++;
	ls->seen |= lt_matches(ls->t);
	for (int i = 0; i < ls->noutcomes; i++)
		if (ls->outcomes[i] == k)
			return;
	XS_ASSERT(ls->noutcomes < LT_MAX_OUTCOMES);
	ls->outcomes[ls->noutcomes++] = k;
}

static void lt_dfs(struct lt_search *ls, int depth)
{
	int choices[SCHED_MAX_CHOICES], n;
	char *cause = NULL;

	lt_build(ls->s, ls->t, ls->m);
	for (int i = 0; i < depth; i++)
		if (sched_step(ls->s, ls->prefix[i], &cause) != 0)
			fatal("litmus %s: replay of a prefix failed: %s", ls->t->name, cause);
	if (sched_end_reason(ls->s) != SCHED_RUNNING) {
		XS_ASSERT(sched_end_reason(ls->s) == SCHED_END_DONE);
		lt_record(ls);
		return;
	}
	n = sched_choices(ls->s, choices, SCHED_MAX_CHOICES);
	XS_ASSERT(n > 0 && n <= SCHED_MAX_CHOICES && depth < LT_MAX_DEPTH);
	for (int i = 0; i < n; i++) {
		ls->prefix[depth] = choices[i];
		lt_dfs(ls, depth + 1);
	}
}

static void lt_search(struct lt_search *ls, struct sched *s, const struct litmus *t, enum memmodel m)
{
	memset(ls, 0, sizeof *ls);
	ls->s = s;
	ls->t = t;
	ls->m = m;
	lt_dfs(ls, 0);
}

static int subset(const struct lt_search *a, const struct lt_search *b)
{
	for (int i = 0; i < a->noutcomes; i++) {
		int found = 0;
		for (int j = 0; j < b->noutcomes && !found; j++)
			found = a->outcomes[i] == b->outcomes[j];
		if (!found)
			return 0;
	}
	return 1;
}

/* ---- the tests ---------------------------------------------------------------------- */

#define W(v, x) { LT_W, v, x }
#define R(v, r) { LT_R, v, r }
#define MB { LT_MB, 0, 0 }
#define WMB { LT_WMB, 0, 0 }
#define RMB { LT_RMB, 0, 0 }
#define LOCK { LT_LOCK, 0, 0 }
#define UNLOCK { LT_UNLOCK, 0, 0 }
#define SEQ_WB { LT_SEQ_WBEGIN, 0, 0 }
#define SEQ_WE { LT_SEQ_WEND, 0, 0 }
#define SEQ_RB(r) { LT_SEQ_RBEGIN, 0, r }
#define SEQ_RT(r) { LT_SEQ_RETRY, 0, r }
#define ANYREGS { { -1, -1, -1, -1 }, { -1, -1, -1, -1 }, { -1, -1, -1, -1 }, { -1, -1, -1, -1 } }
enum { X, Y };

static struct litmus tests[] = {
	{ "SB", 2, { { W(X, 1), R(Y, 0) }, { W(Y, 1), R(X, 0) } },
	  { { 0, -1, -1, -1 }, { 0, -1, -1, -1 } }, { -1, -1, -1, -1 }, { 0, 1, 1 }, 1, 0 },
	{ "SB+mbs", 2, { { W(X, 1), MB, R(Y, 0) }, { W(Y, 1), MB, R(X, 0) } },
	  { { 0, -1, -1, -1 }, { 0, -1, -1, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 0 }, 0, 0 },
	{ "MP", 2, { { W(X, 1), W(Y, 1) }, { R(Y, 0), R(X, 1) } },
	  { { -1, -1, -1, -1 }, { 1, 0, -1, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 1 }, 1, 0 },
	{ "MP+wmb", 2, { { W(X, 1), WMB, W(Y, 1) }, { R(Y, 0), R(X, 1) } },
	  { { -1, -1, -1, -1 }, { 1, 0, -1, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 1 }, 1, 0 },
	{ "MP+rmb", 2, { { W(X, 1), W(Y, 1) }, { R(Y, 0), RMB, R(X, 1) } },
	  { { -1, -1, -1, -1 }, { 1, 0, -1, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 1 }, 1, 0 },
	{ "MP+wmb+rmb", 2, { { W(X, 1), WMB, W(Y, 1) }, { R(Y, 0), RMB, R(X, 1) } },
	  { { -1, -1, -1, -1 }, { 1, 0, -1, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 0 }, 0, 0 },
	{ "MP+polocks", 2, { { W(X, 1), LOCK, W(Y, 1), UNLOCK }, { LOCK, R(Y, 0), UNLOCK, R(X, 1) } },
	  { { -1, -1, -1, -1 }, { 1, 0, -1, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 0 }, 0, 0 },
	{ "LB", 2, { { R(X, 0), W(Y, 1) }, { R(Y, 0), W(X, 1) } },
	  { { 1, -1, -1, -1 }, { 1, -1, -1, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 0 }, 1, 0 },
	{ "WRC", 3, { { W(X, 1) }, { R(X, 0), W(Y, 1) }, { R(Y, 0), R(X, 1) } },
	  { { -1, -1, -1, -1 }, { 1, -1, -1, -1 }, { 1, 0, -1, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 1 }, 1, 0 },
	{ "IRIW", 4, { { W(X, 1) }, { R(X, 0), R(Y, 1) }, { W(Y, 1) }, { R(Y, 0), R(X, 1) } },
	  { { -1, -1, -1, -1 }, { 1, 0, -1, -1 }, { -1, -1, -1, -1 }, { 1, 0, -1, -1 } }, { -1, -1, -1, -1 },
	  { 0, 0, 1 }, 1, 0 },
	{ "IRIW+mbs", 4, { { W(X, 1) }, { R(X, 0), MB, R(Y, 1) }, { W(Y, 1) }, { R(Y, 0), MB, R(X, 1) } },
	  { { -1, -1, -1, -1 }, { 1, 0, -1, -1 }, { -1, -1, -1, -1 }, { 1, 0, -1, -1 } }, { -1, -1, -1, -1 },
	  { 0, 0, 0 }, 0, 0 },
	{ "2+2W", 2, { { W(X, 1), W(Y, 2) }, { W(Y, 1), W(X, 2) } },
	  ANYREGS, { 1, 1, -1, -1 }, { 0, 0, 1 }, 1, 0 },
	/*
	 * A seqcount reader accepting a torn section: the writer stores x then
	 * y inside write_seqcount_begin/end, the reader loads y then x between
	 * read_seqcount_begin and read_seqcount_retry; "exists" y=1, x=0 and no
	 * retry.  With 2.6.27's four barriers no model allows it.  Without the
	 * writer's second smp_wmb or the reader's retry smp_rmb, weak does (it
	 * is MP again); without the first smp_wmb too (y may become visible
	 * before the odd count, and the count still read 0 at the retry).  tso
	 * never does: there smp_wmb and smp_rmb order nothing the FIFO buffer
	 * does not already order.
	 */
	{ "seqcount", 2, { { SEQ_WB, W(X, 1), W(Y, 1), SEQ_WE }, { SEQ_RB(2), R(Y, 0), R(X, 1), SEQ_RT(2) } },
	  { { -1, -1, -1, -1 }, { 1, 0, 0, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 0 }, -1, 0 },
	{ "seqcount-no-wmb-end", 2, { { SEQ_WB, W(X, 1), W(Y, 1), SEQ_WE }, { SEQ_RB(2), R(Y, 0), R(X, 1), SEQ_RT(2) } },
	  { { -1, -1, -1, -1 }, { 1, 0, 0, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 1 }, -1, SYNC_SEQ_WMB_END },
	{ "seqcount-no-rmb-retry", 2, { { SEQ_WB, W(X, 1), W(Y, 1), SEQ_WE }, { SEQ_RB(2), R(Y, 0), R(X, 1), SEQ_RT(2) } },
	  { { -1, -1, -1, -1 }, { 1, 0, 0, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 1 }, -1, SYNC_SEQ_RMB_RETRY },
	{ "seqcount-no-wmb-begin", 2, { { SEQ_WB, W(X, 1), W(Y, 1), SEQ_WE }, { SEQ_RB(2), R(Y, 0), R(X, 1), SEQ_RT(2) } },
	  { { -1, -1, -1, -1 }, { 1, 0, 0, -1 } }, { -1, -1, -1, -1 }, { 0, 0, 1 }, -1, SYNC_SEQ_WMB_BEGIN },
	{ "2+2W+wmbs", 2, { { W(X, 1), WMB, W(Y, 2) }, { W(Y, 1), WMB, W(X, 2) } },
	  ANYREGS, { 1, 1, -1, -1 }, { 0, 0, 0 }, 0, 0 },
};

int main(void)
{
	struct sched *s = sched_new();
	static struct lt_search res[MEMMODEL_COUNT];
	char id[64];

	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		const struct litmus *t = &tests[i];
		for (int m = 0; m < MEMMODEL_COUNT; m++) {
			lt_search(&res[m], s, t, (enum memmodel)m);
			snprintf(id, sizeof id, "litmus-%s-%s", t->name, memmodel_name((enum memmodel)m));
			tap_is_int(res[m].seen, t->allowed[m], id, "%s under %s: the outcome is %s (%ld executions, %d final states)",
				   t->name, memmodel_name((enum memmodel)m), t->allowed[m] ? "allowed" : "forbidden",
				   res[m].executions, res[m].noutcomes);
		}
		snprintf(id, sizeof id, "litmus-%s-nested", t->name);
		tap_ok(subset(&res[MEMMODEL_SC], &res[MEMMODEL_TSO]) && subset(&res[MEMMODEL_TSO], &res[MEMMODEL_WEAK]),
		       id, "%s: every sc outcome is a tso outcome, every tso outcome a weak one", t->name);
		snprintf(id, sizeof id, "litmus-%s-lkmm", t->name);
		if (t->lkmm < 0)
			continue;   /* not one of LKMM's tests */
		if (strcmp(t->name, "LB") == 0)
			tap_ok(t->lkmm && !res[MEMMODEL_WEAK].seen, id,
			       "LB: LKMM allows it, weak does not (its stores never pass its older loads)");
		else
			tap_is_int(res[MEMMODEL_WEAK].seen, t->lkmm, id, "%s: weak agrees with LKMM", t->name);
	}
	sched_free(s);
	return tap_done();
}
