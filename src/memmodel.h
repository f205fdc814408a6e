/*
 * memmodel.h - the memory model of a run: sequential consistency, x86-TSO,
 * or the store-buffer-and-invalidate-queue machine of McKenney's "Memory
 * Barriers: a Hardware View for Software Hackers" (`weak`).
 *
 * The scheduler owns one struct memmodel_state per run that is not `sc`
 * (an `sc` run has none, so it runs exactly as before the models existed).
 * Memory, between steps, is the simulated kernel's own variables: the
 * value every CPU would see once all buffers were flushed and all queues
 * drained.  What a CPU sees beyond that is its *view*: its own buffered
 * stores on top (store forwarding), and, in `weak`, the old bytes of the
 * invalidations still waiting in its queue under them (a stale read).
 * While a CPU runs, its view is written into memory and taken out again
 * when it stops (memmodel_enter/memmodel_leave), so that the kernel's
 * plain C expressions read what that CPU sees without knowing of buffers.
 *
 * Only objects marked `buffered` (struct sched_obj) and seqcounts go
 * through the store buffer; a store to any other object is written
 * through, after the CPU's buffer has been flushed (see memmodel.c for why
 * that is a strengthening and which objects it covers).
 *
 * Each flush of one buffered store and each drain of one invalidation is a
 * step of the run, chosen like a CPU: a *memory choice*, an int that
 * encodes (kind, CPU, object) and is named "flush1:xip_sparse_seq".
 */
#ifndef XS_MEMMODEL_H
#define XS_MEMMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sched.h"

enum memmodel {
	MEMMODEL_SC,   /* every store visible to every CPU at once */
	MEMMODEL_TSO,  /* x86-TSO: FIFO store buffer per CPU, forwarding, locked ops drain */
	MEMMODEL_WEAK, /* unordered store buffer (smp_wmb orders), invalidate queue (smp_rmb drains) */
	MEMMODEL_COUNT
};

/* "sc", "tso", "weak". */
const char *memmodel_name(enum memmodel m);
/* Parse a model's name; -1 with *cause naming the text and the choices. */
int memmodel_parse(const char *text, enum memmodel *out, char **cause);

/* ---- memory choices --------------------------------------------------------- */

#define MEMMODEL_CHOICE_BASE 0x1000000
enum memmodel_choice_kind { MEMMODEL_FLUSH = 1, MEMMODEL_DRAIN = 2 };

static inline int memmodel_choice(enum memmodel_choice_kind k, int cpu, unsigned obj)
{
	return MEMMODEL_CHOICE_BASE | (int)k << 20 | cpu << 16 | (int)(obj & 0xffff);
}
static inline int memmodel_is_choice(int choice) { return choice >= MEMMODEL_CHOICE_BASE; }
static inline enum memmodel_choice_kind memmodel_choice_kind(int c) { return (enum memmodel_choice_kind)((c >> 20) & 0xf); }
static inline int memmodel_choice_cpu(int c) { return (c >> 16) & 0xf; }
static inline unsigned memmodel_choice_obj(int c) { return (unsigned)c & 0xffff; }

/*
 * "flush1:blockmap[0]" / "drain0:xip_sparse_seq" for a memory choice, or
 * "cpu1" for a CPU; into buf, returns buf.
 */
char *memmodel_choice_name(const struct sched *s, int choice, char *buf, size_t len);
/*
 * The choice a name stands for in run s ("flush1:OBJ", "drain0:OBJ"):
 * 0 and *out, or -1 when it is not such a name or names no object of s.
 */
int memmodel_choice_parse(const struct sched *s, const char *text, int *out);

/* ---- for the view: what a CPU's buffer and queue hold ---------------------- */

struct memmodel_entry {
	const struct sched_obj *obj;
	int64_t value;   /* the bytes, as the trace notes them */
	unsigned epoch;  /* store buffer: entries of a higher epoch wait for the lower (smp_wmb) */
	int can_move;    /* may be flushed / drained now */
};

/* Up to max entries of cpu's store buffer (queue == 0) or invalidate queue (1), oldest first; returns how many it has. */
int memmodel_entries(const struct sched *s, int cpu, int queue, struct memmodel_entry *out, int max);

/* ---- what the last step did to the buffers and queues (explore_mem.c) ------------ */

/*
 * Filled in by the step's flushes and barriers, cleared by the scheduler
 * before every step: what a search must know of a step, beyond its pending
 * operation, to tell whether another CPU's step commutes with it.  The
 * objects are a 256-bit Bloom filter of ids (an id may share a bit with
 * another: a false conflict, never a missed one).  A barrier that drains
 * the queue sets drained even when the queue was empty, since another
 * CPU's flush could have put an invalidation there first.
 */
#define MEMMODEL_IQ_MAX 64   /* an invalidate queue's length: a flush into a full one drops its oldest */
struct memmodel_effects {
	uint64_t flushed[4];   /* objects whose memory a flush of this step wrote (bit id & 255) */
	unsigned nflushed;     /* flushes: invalidations put in each other CPU's queue (weak) */
	int drained;           /* weak: a barrier of this step emptied its own CPU's queue */
};
static inline int memmodel_effects_has(const struct memmodel_effects *e, unsigned id)
{
	return (int)(e->flushed[(id >> 6) & 3] >> (id & 63)) & 1;
}
const struct memmodel_effects *memmodel_last_effects(const struct memmodel_state *mm);
/* The longest invalidate queue now. */
int memmodel_longest_queue(const struct memmodel_state *mm);

/* ---- the state, owned by the scheduler (sched.c only) ------------------------- */

struct memmodel_state;
struct state_hash;

struct memmodel_state *memmodel_new(enum memmodel m, int ncpus);
void memmodel_free(struct memmodel_state *mm);
enum memmodel memmodel_model(const struct memmodel_state *mm);
void memmodel_clear(struct memmodel_state *mm, int ncpus);
/* Forget the last step's effects: before every step. */
void memmodel_effects_clear(struct memmodel_state *mm);
void memmodel_copy(struct memmodel_state *to, const struct memmodel_state *from);
void memmodel_hash(const struct memmodel_state *mm, struct state_hash *h);
/* Write cpu's view into memory / put memory back (around the CPU's stretch). */
void memmodel_enter(struct memmodel_state *mm, int cpu);
void memmodel_leave(struct memmodel_state *mm);
/* The memory choices open now, in a fixed order; returns how many (at most max written).  reads[c]: the object CPU c reads next, NULL for none; finished_all: every CPU is done (drains no longer matter). */
int memmodel_choices(const struct memmodel_state *mm, struct sched_obj *const *reads, int finished_all,
		     int *out, int max);
/* Is any store still buffered? */
int memmodel_buffered(const struct memmodel_state *mm);
/* Perform a memory choice (main stack).  Returns the object, its value in *value. */
struct sched_obj *memmodel_apply(struct memmodel_state *mm, int choice, int64_t *value);
/* Flush all of cpu's buffered stores (main stack): before a write-through store. */
void memmodel_flush_all(struct memmodel_state *mm, int cpu);
/* The 32-bit value cpu sees at addr (its view; fresh: after an smp_mb, no stale value), for enabledness on the main stack. */
unsigned memmodel_view_u32(const struct memmodel_state *mm, int cpu, const unsigned *addr, int fresh);

/* The CPU side, while memmodel_enter's view is in place: memmodel_store and
 * memmodel_barrier, declared in sched.h for its inline sched_store and sched_barrier. */

#endif
