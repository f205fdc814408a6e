/*
 * sched_test.c - the scheduler and the simulated synchronisation (sched-*,
 * sync-*), checked over every schedule of small worlds with the naive
 * enumerator (enum.c).  Expected counts are derived by hand in the comments.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enum.h"
#include "sched.h"
#include "sync.h"
#include "tap.h"

/* ---- a world of shared memory cells and locks ------------------------------ */

struct cell {
	struct sched_obj obj;
	long v;
};

static long cell_read(struct cell *c, const struct sched_site *site)
{
	sched_point(SCHED_OP_READ, &c->obj, site);
	return (long)sched_note(c->v);
}

static void cell_write(struct cell *c, long v, const struct sched_site *site)
{
	sched_point(SCHED_OP_WRITE, &c->obj, site);
	c->v = (long)sched_note(v);
}

#define READ(c) cell_read((c), SCHED_SITE_CALL("read " #c))
#define WRITE(c, v) cell_write((c), (v), SCHED_SITE_CALL("write " #c))

static struct world {
	struct cell x, y, a, b;
	spinlock_t l1, l2;
	struct mutex m;
	seqcount_t seq;
	int in_cs, max_in_cs;  /* invisible bookkeeping for the check */
	int seq_begin_odd, torn_accepted, retries, accepted;
} w;

static void world_build(struct sched *s)
{
	memset(&w, 0, sizeof w);
	sched_obj_init(s, &w.x.obj, SCHED_OBJ_MEMORY, "x", 0, 0);
	sched_obj_init(s, &w.y.obj, SCHED_OBJ_MEMORY, "y", 0, 0);
	sched_obj_init(s, &w.a.obj, SCHED_OBJ_MEMORY, "a", 0, 0);
	sched_obj_init(s, &w.b.obj, SCHED_OBJ_MEMORY, "b", 0, 0);
	spin_lock_init(s, &w.l1, "L1", 0, 0);
	spin_lock_init(s, &w.l2, "L2", 0, 0);
	mutex_init(s, &w.m, "M", 0, 0);
	seqcount_init(s, &w.seq, "seq", 0, 0);
}

static void add_cpus(struct sched *s, void (*task)(void *), int n)
{
	char *cause = NULL;

	for (int i = 0; i < n; i++)
		if (sched_add_cpu(s, task, NULL, &cause) < 0)
			fatal("%s", cause);
}

/* ---- sched-1: lost updates ------------------------------------------------------ */

static void task_increment(void *arg)
{
	long v = READ(&w.x);
	WRITE(&w.x, v + 1);
}

static void build_increment(void *ctx, struct sched *s)
{
	world_build(s);
	add_cpus(s, task_increment, 2);
}

struct counts { size_t runs, lost, ok, deadlocks, bugs, other; char msg[256]; };

static void visit_increment(void *ctx, struct sched *s)
{
	struct counts *c = ctx;

	if (w.x.v == 2)
		c->ok++;
	else if (w.x.v == 1)
		c->lost++;
	else
		c->other++;
}

/*
 * Two CPUs each run "r = x; x = r + 1": two steps each, so the schedules
 * are the C(4,2) = 6 interleavings of R0 W0 with R1 W1.  The update is lost
 * unless one CPU's write comes before the other's read: only R0 W0 R1 W1 and
 * R1 W1 R0 W0 give x == 2; the other 4 give x == 1.
 */
static void test_lost_update(struct sched *s)
{
	struct counts c = { 0 };

	c.runs = enum_all(s, build_increment, visit_increment, &c);
	tap_is_int((long long)c.runs, 6, "sched-1.1", "two unlocked increments: 6 schedules");
	tap_is_int((long long)c.lost, 4, "sched-1.2", "4 of them lose an update (x == 1)");
	tap_is_int((long long)c.ok, 2, "sched-1.3", "2 of them do not (x == 2)");
	tap_is_int((long long)c.other, 0, "sched-1.4", "no other final value");
}

/* ---- sync-1: mutual exclusion ------------------------------------------------- */

static void task_locked_increment(void *arg)
{
	long v;

	(void)READ(&w.y);
	spin_lock(&w.l1);
	w.in_cs++;
	if (w.in_cs > w.max_in_cs)
		w.max_in_cs = w.in_cs;
	v = READ(&w.x);
	WRITE(&w.x, v + 1);
	w.in_cs--;
	spin_unlock(&w.l1);
}

static void build_locked(void *ctx, struct sched *s)
{
	world_build(s);
	add_cpus(s, task_locked_increment, 2);
}

static void visit_locked(void *ctx, struct sched *s)
{
	struct counts *c = ctx;

	if (w.x.v == 2 && w.max_in_cs == 1 && sched_end_reason(s) == SCHED_END_DONE)
		c->ok++;
	else
		c->other++;
}

/*
 * Each CPU: read y, lock, read x, write x, unlock (5 steps).  Say CPU0 locks
 * first: its 5 steps are in order, CPU1 cannot lock before CPU0 unlocks, and
 * once CPU0 has unlocked it is finished, so CPU1's last 4 steps come last in
 * a row.  Only CPU1's "read y" moves: 6 places (before each of CPU0's 5 steps
 * or after them).  6 schedules with CPU0 first, 6 with CPU1 first: 12.
 */
static void test_mutual_exclusion(struct sched *s)
{
	struct counts c = { 0 };

	c.runs = enum_all(s, build_locked, visit_locked, &c);
	tap_is_int((long long)c.runs, 12, "sync-1.1", "locked increments: 12 schedules");
	tap_is_int((long long)c.ok, 12, "sync-1.2",
		   "in every one, one CPU at a time in the critical section and x == 2");
}

/* ---- sync-2: seqcount ----------------------------------------------------------- */

static void task_seq_writer(void *arg)
{
	mutex_lock(&w.m);
	write_seqcount_begin(&w.seq);
	WRITE(&w.a, 1);
	WRITE(&w.b, 1);
	write_seqcount_end(&w.seq);
	mutex_unlock(&w.m);
}

static void task_seq_reader(void *arg)
{
	unsigned start = read_seqcount_begin(&w.seq);
	long va, vb;

	if (start & 1)
		w.seq_begin_odd++;
	va = READ(&w.a);
	vb = READ(&w.b);
	if (read_seqcount_retry(&w.seq, start)) {
		w.retries++;
	} else {
		w.accepted++;
		if (va != vb)
			w.torn_accepted++;
	}
}

static void build_seq(void *ctx, struct sched *s)
{
	world_build(s);
	add_cpus(s, task_seq_writer, 1);
	add_cpus(s, task_seq_reader, 1);
}

struct seq_counts { size_t runs, odd, torn, retries, accepted; };

static void visit_seq(void *ctx, struct sched *s)
{
	struct seq_counts *c = ctx;

	c->odd += (size_t)w.seq_begin_odd;
	c->torn += (size_t)w.torn_accepted;
	c->retries += (size_t)w.retries;
	c->accepted += (size_t)w.accepted;
}

/*
 * Writer: w1 lock, w2 begin, w3 a=1, w4 b=1, w5 end, w6 unlock.  Reader: r1
 * begin (blocked while the count is odd), r2 read a, r3 read b, r4 retry.
 * r1 runs when the writer has done k steps, and k can only be 0, 1 (count
 * even, before w2) or 5, 6 (after w5).  The writer's first k steps come
 * first; then r2..r4 interleave with the writer's 6-k remaining steps:
 * C(9,3) + C(8,3) + C(4,3) + C(3,3) = 84 + 56 + 4 + 1 = 145 schedules.
 * Accepted (no retry): every run with k = 5 or 6 (5 runs); k = 0 with r2..r4
 * all before w2, w1 in any of 4 places among them (4 runs); k = 1 with
 * r2..r4 all before w2 (1 run).  10 accepted, 135 retries.
 */
static void test_seqcount(struct sched *s)
{
	struct seq_counts c = { 0 };

	c.runs = enum_all(s, build_seq, visit_seq, &c);
	tap_is_int((long long)c.runs, 145, "sync-2.1", "seqcount writer vs reader: 145 schedules");
	tap_is_int((long long)c.odd, 0, "sync-2.2", "read_seqcount_begin never returns an odd count");
	tap_is_int((long long)c.torn, 0, "sync-2.3", "no reader accepts a torn (a != b) read");
	tap_is_int((long long)c.accepted, 10, "sync-2.4", "10 readers accept their read");
	tap_is_int((long long)c.retries, 135, "sync-2.6", "135 readers see the count move and retry");
	tap_is_int((long long)(c.retries + c.accepted), 145, "sync-2.5", "every run ends in one of them");
}

/* ---- sync-3: deadlock on a lock-order inversion ------------------------------------ */

static void task_ab(void *arg)
{
	spin_lock(&w.l1);
	spin_lock(&w.l2);
	spin_unlock(&w.l2);
	spin_unlock(&w.l1);
}

static void task_ba(void *arg)
{
	spin_lock(&w.l2);
	spin_lock(&w.l1);
	spin_unlock(&w.l1);
	spin_unlock(&w.l2);
}

static void build_inversion(void *ctx, struct sched *s)
{
	world_build(s);
	add_cpus(s, task_ab, 1);
	add_cpus(s, task_ba, 1);
}

static void visit_inversion(void *ctx, struct sched *s)
{
	struct counts *c = ctx;

	if (sched_end_reason(s) == SCHED_END_DEADLOCK) {
		c->deadlocks++;
		snprintf(c->msg, sizeof c->msg, "%s", sched_end_message(s));
	} else if (sched_end_reason(s) == SCHED_END_DONE) {
		c->ok++;
	} else {
		c->other++;
	}
}

/*
 * CPU0: lock L1, lock L2, unlock L2, unlock L1.  CPU1 the other way round.
 * Starting with CPU0's lock L1: if CPU1 then locks L2, both wait (deadlock);
 * if CPU0 locks L2 instead, CPU1 is blocked until CPU0 unlocks L2, after
 * which either CPU0 unlocks L1 (then CPU1 runs alone) or CPU1 locks L2 and
 * waits for L1 until CPU0 unlocks it: 2 schedules.  So 3 schedules start
 * with CPU0, 3 (symmetric) with CPU1: 6 in all, 2 of them deadlocks.
 */
static void test_deadlock(struct sched *s)
{
	struct counts c = { 0 };

	c.runs = enum_all(s, build_inversion, visit_inversion, &c);
	tap_is_int((long long)c.runs, 6, "sync-3.1", "lock-order inversion: 6 schedules");
	tap_is_int((long long)c.deadlocks, 2, "sync-3.2", "2 of them deadlock");
	tap_is_int((long long)c.ok, 4, "sync-3.3", "4 of them finish");
	tap_has_str(c.msg, "CPU0 waits for L2, held by CPU1", "sync-3.4",
		    "the deadlock names who waits for what");
	tap_has_str(c.msg, "CPU1 waits for L1, held by CPU0", "sync-3.5",
		    "... for both CPUs");
}

/* ---- sched-2: choices, rejection, determinism, limits ------------------------------ */

static void start_world(struct sched *s, void (*t0)(void *), void (*t1)(void *))
{
	char *cause = NULL;

	sched_reset(s);
	world_build(s);
	add_cpus(s, t0, 1);
	if (t1)
		add_cpus(s, t1, 1);
	if (sched_start(s, &cause) != 0)
		fatal("%s", cause);
}

static void test_bad_choices(struct sched *s)
{
	char *cause = NULL;
	int r;

	start_world(s, task_ab, task_ba);
	sched_step(s, 0, &cause);            /* CPU0 takes L1 */
	sched_step(s, 0, &cause);            /* CPU0 takes L2 */
	r = sched_step(s, 1, &cause);        /* CPU1 wants L2 */
	tap_is_int(r, -1, "sched-2.1", "a blocked CPU cannot be chosen");
	tap_is_str(cause, "step 3: CPU1 cannot run: CPU1 waits for L2, held by CPU0", "sched-2.2",
		   "the message names the step, the CPU and what it waits for");
	free(cause);
	cause = NULL;
	tap_is_int((long long)sched_nsteps(s), 2, "sched-2.3", "a rejected choice changes nothing");
	r = sched_step(s, 5, &cause);
	tap_is_str(cause, "step 3: there is no CPU5 (this run has CPU0..CPU1)", "sched-2.4",
		   "an unknown CPU is named as such");
	free(cause);
	cause = NULL;
	sched_run(s, (int[]){ 0, 0 }, 2, SCHED_POLICY_SEQUENTIAL, &cause);
	tap_is_int(sched_end_reason(s), SCHED_END_DONE, "sched-2.5", "the run finishes after that");
	r = sched_step(s, 0, &cause);
	tap_has_str(cause, "the run has already ended", "sched-2.6", "no step after the end");
	free(cause);
	cause = NULL;

	start_world(s, task_increment, task_increment);
	r = sched_run(s, (int[]){ 0, 0, 0 }, 3, SCHED_POLICY_ROUND_ROBIN, &cause);
	tap_is_int(r, -1, "sched-2.7", "a schedule naming a finished CPU is rejected");
	tap_is_str(cause, "step 3: CPU0 cannot run: CPU0 has finished its task", "sched-2.8",
		   "... and says that it has finished");
	free(cause);
}

static uint64_t run_hash(struct sched *s, const int *choices, size_t n, enum sched_policy p)
{
	char *cause = NULL;

	start_world(s, task_seq_writer, task_seq_reader);
	if (sched_run(s, choices, n, p, &cause) != 0)
		fatal("%s", cause);
	return sched_trace_hash(s);
}

static void test_determinism(struct sched *s)
{
	static const int sched_a[] = { 0, 1, 1, 0, 1, 0, 0, 0, 0, 1 };
	uint64_t h1 = run_hash(s, sched_a, 10, SCHED_POLICY_ROUND_ROBIN);
	uint64_t h2 = run_hash(s, sched_a, 10, SCHED_POLICY_ROUND_ROBIN);
	uint64_t h3 = run_hash(s, NULL, 0, SCHED_POLICY_SEQUENTIAL);
	size_t n;
	const struct sched_step *tr;
	char order[32] = "";

	tap_ok(h1 == h2, "sched-3.1", "the same schedule gives the same trace hash (%016llx)",
	       (unsigned long long)h1);
	tap_ok(h1 != h3, "sched-3.2", "a different schedule gives a different hash");

	start_world(s, task_increment, task_increment);
	sched_run(s, NULL, 0, SCHED_POLICY_ROUND_ROBIN, NULL);
	tr = sched_trace(s, &n);
	for (size_t i = 0; i < n && i < sizeof order - 1; i++)
		order[i] = (char)('0' + tr[i].cpu);
	tap_is_str(order, "0101", "sched-3.3", "round robin alternates the CPUs");
	/* Steps 2 and 3 switch away from a CPU that could go on; step 4 does
	 * not: CPU0 finished with its write. */
	tap_is_int(sched_preemptions(s), 2, "sched-3.4", "and counts 2 preemptions");
	tap_is_int(tr[0].value, 0, "sched-3.5", "CPU0's read of x noted the value 0");
	tap_is_int(tr[3].value, 1, "sched-3.9", "CPU1's write noted 1: the update was lost");
	tap_is_str(tr[1].site->what, "read &w.x", "sched-3.6", "each step keeps its site");

	start_world(s, task_increment, task_increment);
	sched_run(s, NULL, 0, SCHED_POLICY_SEQUENTIAL, NULL);
	tr = sched_trace(s, &n);
	for (size_t i = 0; i < n && i < sizeof order - 1; i++)
		order[i] = (char)('0' + tr[i].cpu);
	tap_is_str(order, "0011", "sched-3.7", "the sequential policy runs a CPU while it can");
	tap_is_int(sched_preemptions(s), 0, "sched-3.8", "... with no preemption");
}

static void task_forever(void *arg)
{
	for (;;)
		(void)READ(&w.y);
}

static void test_step_limit(struct sched *s)
{
	sched_set_step_limit(s, 500);
	start_world(s, task_forever, NULL);
	sched_run(s, NULL, 0, SCHED_POLICY_ROUND_ROBIN, NULL);
	tap_is_int(sched_end_reason(s), SCHED_END_STEP_LIMIT, "sched-4.1", "a runaway run ends at the step limit");
	tap_is_int((long long)sched_nsteps(s), 500, "sched-4.2", "after exactly the limit");
	sched_set_step_limit(s, SCHED_DEFAULT_STEP_LIMIT);
}

/*
 * ---- sync-4: with lock debugging, misuse is a BUG verdict --------------------------------
 * ---- sync-5: without it (the default), misuse runs as in a kernel built without lock
 * debugging: a lock taken twice waits for itself (deadlock), the rest goes on unchecked.
 */

static void task_unlock_free(void *arg) { spin_unlock(&w.l1); }
static void task_double_lock(void *arg) { spin_lock(&w.l1); spin_lock(&w.l1); }
static void task_sleep_in_atomic(void *arg) { spin_lock(&w.l1); mutex_lock(&w.m); }
static void task_end_unbegun(void *arg) { write_seqcount_end(&w.seq); }
static void task_unlock_other(void *arg) { (void)READ(&w.y); mutex_unlock(&w.m); }
static void task_hold_mutex(void *arg) { mutex_lock(&w.m); (void)READ(&w.y); }
static void task_two_begins(void *arg) { write_seqcount_begin(&w.seq); write_seqcount_begin(&w.seq); }

static void expect_bug(struct sched *s, void (*t0)(void *), void (*t1)(void *),
		       const char *id, const char *want)
{
	start_world(s, t0, t1);
	sched_run(s, NULL, 0, SCHED_POLICY_SEQUENTIAL, NULL);
	if (tap_is_int(sched_end_reason(s), SCHED_END_BUG, id, "ends with a kernel BUG: %s", want))
		tap_has_str(sched_end_message(s), want, id, "the BUG says what went wrong");
}

static void test_misuse(struct sched *s)
{
	sched_set_lock_debug(s, 1);
	expect_bug(s, task_unlock_free, NULL, "sync-4.1", "spin_unlock of L1, which is not locked");
	expect_bug(s, task_double_lock, NULL, "sync-4.2", "spinlock recursion: CPU0 already holds L1");
	expect_bug(s, task_sleep_in_atomic, NULL, "sync-4.3",
		   "sleeping function called from invalid context: mutex_lock while CPU0 holds spinlock L1");
	expect_bug(s, task_end_unbegun, NULL, "sync-4.4", "write_seqcount_end on seq by CPU0, which did not begin");
	expect_bug(s, task_hold_mutex, task_unlock_other, "sync-4.5",
		   "mutex_unlock of M by CPU1, but CPU0 holds it");
	tap_is_int(sched_bug_cpu(s), 1, "sync-4.6", "the BUG names the CPU that fired it");
	tap_is_str(sched_bug_site(s)->func, "task_unlock_other", "sync-4.7", "... and where");
	expect_bug(s, task_two_begins, NULL, "sync-4.8", "write_seqcount_begin on seq, which CPU0 is already writing");
	sched_set_lock_debug(s, 0);
}

static void expect_end(struct sched *s, void (*t0)(void *), void (*t1)(void *), enum sched_end want,
		       const char *id, const char *what)
{
	start_world(s, t0, t1);
	sched_run(s, NULL, 0, SCHED_POLICY_SEQUENTIAL, NULL);
	tap_is_str(sched_end_name(sched_end_reason(s)), sched_end_name(want), id, "%s", what);
}

static void test_unchecked(struct sched *s)
{
	expect_end(s, task_unlock_free, NULL, SCHED_END_DONE, "sync-5.1",
		   "unlocking a free spinlock is not checked: the run finishes");
	expect_end(s, task_double_lock, NULL, SCHED_END_DEADLOCK, "sync-5.2",
		   "taking a spinlock twice: the CPU spins on itself for ever (deadlock)");
	expect_end(s, task_sleep_in_atomic, NULL, SCHED_END_DONE, "sync-5.3",
		   "mutex_lock under a spinlock is not checked (might_sleep checks nothing)");
	expect_end(s, task_end_unbegun, NULL, SCHED_END_DONE, "sync-5.4",
		   "write_seqcount_end without a begin is not checked ...");
	tap_is_int(w.seq.obj.sequence, 1, "sync-5.5", "... it only increments the count (now odd)");
	expect_end(s, task_two_begins, NULL, SCHED_END_DONE, "sync-5.6",
		   "two write_seqcount_begins are not checked ...");
	tap_is_int(w.seq.obj.sequence, 2, "sync-5.7", "... the count is even again with a writer inside");
	expect_end(s, task_hold_mutex, task_unlock_other, SCHED_END_DONE, "sync-5.8",
		   "unlocking a mutex another CPU holds is not checked: it is freed");
}

int main(void)
{
	struct sched *s = sched_new();

	test_lost_update(s);
	test_mutual_exclusion(s);
	test_seqcount(s);
	test_deadlock(s);
	test_bad_choices(s);
	test_determinism(s);
	test_step_limit(s);
	test_misuse(s);
	test_unchecked(s);
	sched_free(s);
	return tap_done();
}
