/*
 * sync.c - spinlocks, mutexes, seqcounts and page locks on the scheduler.
 *
 * Each primitive is one scheduling point: the acquisition is announced as
 * SCHED_OP_ACQUIRE and the scheduler only chooses the CPU once the lock is
 * free, so when sched_point returns the lock can be taken at once.  A
 * spinning waiter is thus "not runnable" rather than burning steps, which
 * keeps every schedule finite (a spin loop would make exploration endless).
 *
 * By default these behave as in a 2.6.27 kernel built without lock
 * debugging, which checks nothing: a CPU taking a lock it holds waits for
 * itself for ever (the run ends in deadlock), an unlock frees the lock
 * whoever holds it, and write_seqcount_begin/_end only increment the count,
 * so two unserialised writers simply move it on (two begins make it even
 * again while both are inside).  Two simplifications: each increment is one
 * step (the real `sequence++` is a load and a store, and two unserialised
 * writers could lose one), and a mutex holds one owner, so unlocking a free
 * mutex is lost where the real count would go above 1.
 *
 * With lock debugging on (sched_set_lock_debug), the checks that
 * CONFIG_DEBUG_SPINLOCK and CONFIG_DEBUG_MUTEXES make, might_sleep()'s under
 * CONFIG_DEBUG_SPINLOCK_SLEEP, and a check that seqcount writers are
 * serialised, which no 2.6.27 kernel makes, end the run with a BUG verdict.
 * (The real debugging kernel prints most of these and goes on.)  They are
 * made before the scheduling point, on state only the calling CPU can
 * change (its own ownership), so they do not need a step of their own.
 */
#include "config.h"

#include <stdio.h>

#include "sync.h"

static void lock_init(struct sched *s, struct sched_obj *obj, enum sched_obj_kind kind,
		      const char *name, int a, int b)
{
	sched_obj_init(s, obj, kind, name, a, b);
}

void spin_lock_init(struct sched *s, spinlock_t *lock, const char *name, int a, int b)
{
	lock_init(s, &lock->obj, SCHED_OBJ_SPINLOCK, name, a, b);
}

void mutex_init(struct sched *s, struct mutex *lock, const char *name, int a, int b)
{
	lock_init(s, &lock->obj, SCHED_OBJ_MUTEX, name, a, b);
}

void seqcount_init(struct sched *s, seqcount_t *sc, const char *name, int a, int b)
{
	lock_init(s, &sc->obj, SCHED_OBJ_SEQCOUNT, name, a, b); /* SEQCNT_ZERO */
	sc->obj.buffered = 1;  /* `sequence` is a plain int: its stores wait in a store buffer like any other */
}

void sync_page_lock_init(struct sched *s, struct sched_obj *pg_locked, const char *name, int a, int b)
{
	lock_init(s, pg_locked, SCHED_OBJ_PAGELOCK, name, a, b);
}

/* Take obj for the calling CPU, after the recursion check. */
static void acquire(struct sched_obj *obj, const struct sched_site *site, const char *what)
{
	char name[64];
	int self = sched_self();

	if (obj->owner == self && sched_lock_debug_now())
		sched_bug(site, "BUG: %s recursion: CPU%d already holds %s", what, self,
			  sched_obj_name(obj, name, sizeof name));
	sched_point(SCHED_OP_ACQUIRE, obj, site);
	XS_ASSERT(obj->owner < 0); /* the scheduler only runs us when it is free */
	obj->owner = (int8_t)self;
	sched_barrier(SCHED_BARRIER_ACQUIRE);
}

static void release(struct sched_obj *obj, const struct sched_site *site, const char *what)
{
	char name[64];
	int self = sched_self();

	if (obj->owner != self && sched_lock_debug_now()) {
		if (obj->owner < 0)
			sched_bug(site, "BUG: %s of %s, which is not locked", what,
				  sched_obj_name(obj, name, sizeof name));
		sched_bug(site, "BUG: %s of %s by CPU%d, but CPU%d holds it", what,
			  sched_obj_name(obj, name, sizeof name), self, obj->owner);
	}
	sched_point(SCHED_OP_RELEASE, obj, site);
	sched_barrier(SCHED_BARRIER_RELEASE);
	obj->owner = -1;
}

/* might_sleep(): a sleeping lock taken with a spinlock held (checked only when debugging). */
static void might_sleep(const struct sched_site *site, const char *what)
{
	const struct sched_obj *held;
	char name[64];

	if (!sched_lock_debug_now())
		return;
	held = sched_self_holds(SCHED_OBJ_SPINLOCK);
	if (held)
		sched_bug(site, "BUG: sleeping function called from invalid context: %s while CPU%d holds spinlock %s",
			  what, sched_self(), sched_obj_name(held, name, sizeof name));
}

void sync_spin_lock(spinlock_t *lock, const struct sched_site *site)
{
	acquire(&lock->obj, site, "spinlock");
}

void sync_spin_unlock(spinlock_t *lock, const struct sched_site *site)
{
	release(&lock->obj, site, "spin_unlock");
}

void sync_mutex_lock(struct mutex *lock, const struct sched_site *site)
{
	might_sleep(site, "mutex_lock");
	acquire(&lock->obj, site, "mutex");
}

void sync_mutex_unlock(struct mutex *lock, const struct sched_site *site)
{
	release(&lock->obj, site, "mutex_unlock");
}

void sync_lock_page(struct sched_obj *pg_locked, const struct sched_site *site)
{
	might_sleep(site, "lock_page");
	acquire(pg_locked, site, "page lock");
}

void sync_unlock_page(struct sched_obj *pg_locked, const struct sched_site *site)
{
	release(pg_locked, site, "unlock_page");
}

/*
 * The seqcount's barriers, as 2.6.27's include/linux/seqlock.h places them
 * (established from the file's structure as described in
 * Documentation/memory-barriers.txt, "SMP barrier pairing", and the
 * seqlock's own comment): write_seqcount_begin increments the count and
 * then issues smp_wmb, so the odd count is ordered before the section's
 * stores; write_seqcount_end issues smp_wmb and then increments, so the
 * section's stores are ordered before the even count; read_seqcount_begin
 * loads the count and then issues smp_rmb, so the section's loads come
 * after it; read_seqcount_retry issues smp_rmb and then loads the count,
 * so the section's loads come before it.  Each can be dropped or made an
 * smp_mb by a what-if (sched_set_barrier_whatif) to study what it is for.
 */
/* One of the four barriers: as in 2.6.27, dropped, or made an smp_mb by the run's what-if mask. */
static void seq_barrier(unsigned which, enum sched_barrier b)
{
	unsigned whatif;

	if (XS_LIKELY(!sched_mem_now))
		return;   /* sc: no barrier does anything */
	whatif = sched_barrier_whatif_now();
	if (whatif & (which << SYNC_SEQ_MB_SHIFT))
		sched_barrier(SCHED_BARRIER_MB);
	else if (!(whatif & which))
		sched_barrier(b);
}

/* `sequence++`: a plain store of the count, through the store buffer in tso and weak. */
static void seq_store(seqcount_t *sc, unsigned v)
{
	sched_store(&sc->obj, &sc->obj.sequence, &v, sizeof v);
}

void sync_write_seqcount_begin(seqcount_t *sc, const struct sched_site *site)
{
	char name[64];

	sched_point(SCHED_OP_SEQ_WRITE_BEGIN, &sc->obj, site);
	/* Writers must be serialised by a lock of their own (xip_sparse_mutex); only lock debugging checks it. */
	if ((sc->obj.sequence & 1) && sched_lock_debug_now())
		sched_bug(site, "BUG: write_seqcount_begin on %s, which CPU%d is already writing: writers are not serialised",
			  sched_obj_name(&sc->obj, name, sizeof name), sc->obj.owner);
	seq_store(sc, sc->obj.sequence + 1);
	sc->obj.owner = (int8_t)sched_self();
	sched_note(sc->obj.sequence);
	seq_barrier(SYNC_SEQ_WMB_BEGIN, SCHED_BARRIER_WMB);
}

void sync_write_seqcount_end(seqcount_t *sc, const struct sched_site *site)
{
	char name[64];

	sched_point(SCHED_OP_SEQ_WRITE_END, &sc->obj, site);
	if ((!(sc->obj.sequence & 1) || sc->obj.owner != sched_self()) && sched_lock_debug_now())
		sched_bug(site, "BUG: write_seqcount_end on %s by CPU%d, which did not begin a write section",
			  sched_obj_name(&sc->obj, name, sizeof name), sched_self());
	seq_barrier(SYNC_SEQ_WMB_END, SCHED_BARRIER_WMB);
	seq_store(sc, sc->obj.sequence + 1);
	if (sc->obj.owner == sched_self())   /* another unserialised writer may have begun since */
		sc->obj.owner = -1;
	sched_note(sc->obj.sequence);
}

unsigned sync_read_seqcount_begin(seqcount_t *sc, const struct sched_site *site)
{
	/* Linux 2.6.27 spins while the count is odd: here, blocked until even. */
	unsigned ret;

	sched_point(SCHED_OP_SEQ_READ_BEGIN, &sc->obj, site);
	if (sched_mem_now && (sched_barrier_whatif_now() & SYNC_SEQ_MB_BEFORE_BEGIN))
		sched_barrier(SCHED_BARRIER_MB);
	XS_ASSERT(!(sc->obj.sequence & 1)); /* as this CPU sees it: the scheduler tests its view */
	ret = (unsigned)sched_note(sc->obj.sequence);
	seq_barrier(SYNC_SEQ_RMB_BEGIN, SCHED_BARRIER_RMB);
	return ret;
}

unsigned sync_read_seqcount_begin_nowait(seqcount_t *sc, const struct sched_site *site)
{
	/* before 88a411c07b6f: a plain read of the count, odd or not; the old retry rejects an odd one */
	unsigned ret;

	sched_point(SCHED_OP_SEQ_READ_RETRY, &sc->obj, site);
	ret = (unsigned)sched_note(sc->obj.sequence);
	seq_barrier(SYNC_SEQ_RMB_BEGIN, SCHED_BARRIER_RMB);
	return ret;
}

int sync_read_seqcount_retry(seqcount_t *sc, unsigned start, const struct sched_site *site)
{
	sched_point(SCHED_OP_SEQ_READ_RETRY, &sc->obj, site);
	seq_barrier(SYNC_SEQ_RMB_RETRY, SCHED_BARRIER_RMB);
	sched_note(sc->obj.sequence);
	return sc->obj.sequence != start;
}

int sync_read_seqcount_retry_as(int pre2625, seqcount_t *sc, unsigned start, const struct sched_site *site)
{
	if (!pre2625)
		return sync_read_seqcount_retry(sc, start, site);
	/* before 88a411c07b6f: retry when the start was odd or the count moved, (start & 1) | (count ^ start) */
	sched_point(SCHED_OP_SEQ_READ_RETRY, &sc->obj, site);
	seq_barrier(SYNC_SEQ_RMB_RETRY, SCHED_BARRIER_RMB);
	sched_note(sc->obj.sequence);
	return ((start & 1) | (sc->obj.sequence ^ start)) != 0;
}
