/*
 * sync.h - simulated kernel synchronisation, with the kernel's names.
 *
 * Every operation is a scheduling point (see sched.h) at the *caller's*
 * site: the macros make a site of the simulated kernel code named by the
 * call as written there ("mutex_lock(&xip_sparse_mutex)"), its line kept
 * for display only.
 *
 *   spinlock_t     spin_lock / spin_unlock        the holder must not sleep
 *   struct mutex   mutex_lock / mutex_unlock      sleeping; waiters blocked
 *   seqcount_t     write_seqcount_begin / _end, read_seqcount_begin (waits
 *                  while the count is odd, as Linux has since 2.6.25's
 *                  "seqlock: livelock fix", 88a411c07b6f),
 *                  read_seqcount_retry; and the pair as they were before
 *                  that commit (no wait; an odd start always retries)
 *   page lock      sync_lock_page / sync_unlock_page (PG_locked; the kernel
 *                  layer wraps them as lock_page / unlock_page)
 *
 * Misuse (recursion, unlocking what you do not hold, sleeping under a
 * spinlock, unserialised seqcount writers) goes unchecked, as in a 2.6.27
 * kernel without lock debugging: recursion deadlocks, the rest runs on.
 * With sched_set_lock_debug on, each is a kernel BUG verdict of the run
 * (sched_bug); never an abort.
 */
#ifndef XS_SYNC_H
#define XS_SYNC_H

#include "sched.h"

typedef struct { struct sched_obj obj; } spinlock_t;
struct mutex { struct sched_obj obj; };
/* obj.sequence is the count; obj.owner remembers the writer, for display. */
typedef struct { struct sched_obj obj; } seqcount_t;

/* Registration (world construction, before sched_start). */
void spin_lock_init(struct sched *s, spinlock_t *lock, const char *name, int a, int b);
void mutex_init(struct sched *s, struct mutex *lock, const char *name, int a, int b);
void seqcount_init(struct sched *s, seqcount_t *sc, const char *name, int a, int b);
void sync_page_lock_init(struct sched *s, struct sched_obj *pg_locked, const char *name, int a, int b);

void sync_spin_lock(spinlock_t *lock, const struct sched_site *site);
void sync_spin_unlock(spinlock_t *lock, const struct sched_site *site);
void sync_mutex_lock(struct mutex *lock, const struct sched_site *site);
void sync_mutex_unlock(struct mutex *lock, const struct sched_site *site);
/*
 * The seqcount's four barriers (sync.c says where 2.6.27 has them), for a
 * run's barrier what-if mask (sched_set_barrier_whatif): a SYNC_SEQ_* bit
 * drops that barrier, the bit << SYNC_SEQ_MB_SHIFT makes it an smp_mb.
 * 0, the default, is 2.6.27.  No barrier does anything in sc.
 */
#define SYNC_SEQ_WMB_BEGIN 1u  /* smp_wmb in write_seqcount_begin */
#define SYNC_SEQ_WMB_END 2u    /* smp_wmb in write_seqcount_end */
#define SYNC_SEQ_RMB_BEGIN 4u  /* smp_rmb in read_seqcount_begin */
#define SYNC_SEQ_RMB_RETRY 8u  /* smp_rmb in read_seqcount_retry */
#define SYNC_SEQ_MB_SHIFT 4
/* Not in 2.6.27: an smp_mb before the count's load in read_seqcount_begin (what Dekker's pattern needs). */
#define SYNC_SEQ_MB_BEFORE_BEGIN SCHED_WHATIF_MB_BEFORE_SEQ_BEGIN
void sync_write_seqcount_begin(seqcount_t *sc, const struct sched_site *site);
void sync_write_seqcount_end(seqcount_t *sc, const struct sched_site *site);
unsigned sync_read_seqcount_begin(seqcount_t *sc, const struct sched_site *site);
int sync_read_seqcount_retry(seqcount_t *sc, unsigned start, const struct sched_site *site);
/*
 * The pair as it was before Linux 2.6.25 ("seqlock: livelock fix",
 * 88a411c07b6f): the begin returns the count without waiting while it is
 * odd, and the retry is (start & 1) | (count ^ start), so a reader that
 * began inside a write section always retries.
 */
unsigned sync_read_seqcount_begin_nowait(seqcount_t *sc, const struct sched_site *site);
/* read_seqcount_retry, the one before 2.6.25 when pre2625 is set. */
int sync_read_seqcount_retry_as(int pre2625, seqcount_t *sc, unsigned start, const struct sched_site *site);
void sync_lock_page(struct sched_obj *pg_locked, const struct sched_site *site);
void sync_unlock_page(struct sched_obj *pg_locked, const struct sched_site *site);

#define spin_lock(l) sync_spin_lock((l), SCHED_SITE_CALL("spin_lock(" #l ")"))
#define spin_unlock(l) sync_spin_unlock((l), SCHED_SITE_CALL("spin_unlock(" #l ")"))
#define mutex_lock(l) sync_mutex_lock((l), SCHED_SITE_CALL("mutex_lock(" #l ")"))
#define mutex_unlock(l) sync_mutex_unlock((l), SCHED_SITE_CALL("mutex_unlock(" #l ")"))
#define write_seqcount_begin(sc) sync_write_seqcount_begin((sc), SCHED_SITE_CALL("write_seqcount_begin(" #sc ")"))
#define write_seqcount_end(sc) sync_write_seqcount_end((sc), SCHED_SITE_CALL("write_seqcount_end(" #sc ")"))
#define read_seqcount_begin(sc) sync_read_seqcount_begin((sc), SCHED_SITE_CALL("read_seqcount_begin(" #sc ")"))
#define read_seqcount_begin_nowait(sc) \
	sync_read_seqcount_begin_nowait((sc), SCHED_SITE_CALL("read_seqcount_begin(" #sc ") [pre-2.6.25: no wait]"))
#define read_seqcount_retry(sc, start) \
	sync_read_seqcount_retry((sc), (start), SCHED_SITE_CALL("read_seqcount_retry(" #sc ")"))
/*
 * read_seqcount_retry as it was before 2.6.25 when pre2625 is set: the
 * same call in mm/filemap_xip.c either way (only seqlock.h differed), so
 * one site, with read_seqcount_retry's identity.
 */
#define read_seqcount_retry_as(pre2625, sc, start) \
	sync_read_seqcount_retry_as((pre2625), (sc), (start), SCHED_SITE_CALL("read_seqcount_retry(" #sc ")"))

#endif
