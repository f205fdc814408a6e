/*
 * sched.h - the deterministic scheduler: simulated CPUs, scheduling points,
 * choices and the trace.
 *
 * Model.  Each simulated CPU runs a task function on its own coroutine.
 * Before every visible operation (a read or write of shared simulated
 * state, a lock operation) the CPU calls sched_point(), which announces the
 * operation (its *pending* operation) and gives control back to the
 * scheduler.  A *step* is: the scheduler chooses an enabled CPU, that CPU
 * performs its pending operation and runs on, invisibly, up to its next
 * scheduling point (or the end of its task).  A *schedule* is the sequence
 * of CPU choices; the same world and schedule always give the same trace.
 *
 * Enabled.  A CPU whose pending operation is a lock acquisition of a held
 * lock, or read_seqcount_begin of an odd seqcount, is blocked; every other
 * ready CPU is enabled.  When no CPU is enabled and some have not finished,
 * the run ends in deadlock.
 *
 * One scheduler drives at a time (one process, one scheduler): code running
 * on a CPU reaches it through sched_point(), sched_note(), sched_self() and
 * sched_bug() without a handle.
 */
#ifndef XS_SCHED_H
#define XS_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define SCHED_MAX_CPUS 8
#define SCHED_MAX_FRAMES 12
#define SCHED_DEFAULT_STEP_LIMIT 20000

/* What a CPU is about to do at a scheduling point. */
enum sched_op {
	SCHED_OP_READ,            /* load of shared state */
	SCHED_OP_WRITE,           /* store to shared state */
	SCHED_OP_ACQUIRE,         /* lock acquisition: blocked while the lock is held */
	SCHED_OP_RELEASE,         /* lock release */
	SCHED_OP_SEQ_READ_BEGIN,  /* read_seqcount_begin: blocked while the count is odd */
	SCHED_OP_SEQ_READ_RETRY,  /* read_seqcount_retry: a read of the count */
	SCHED_OP_SEQ_WRITE_BEGIN, /* write_seqcount_begin: count becomes odd */
	SCHED_OP_SEQ_WRITE_END,   /* write_seqcount_end: count becomes even */
	SCHED_OP_FLUSH,           /* tso/weak: a buffered store becomes visible (memmodel.h) */
	SCHED_OP_DRAIN,           /* weak: a CPU applies a queued invalidation */
	SCHED_OP_COUNT
};

/* What kind of shared object an operation touches. */
enum sched_obj_kind {
	SCHED_OBJ_MEMORY,   /* plain shared data */
	SCHED_OBJ_SPINLOCK, /* spinlock_t: holder must not sleep */
	SCHED_OBJ_MUTEX,    /* struct mutex: sleeping */
	SCHED_OBJ_PAGELOCK, /* PG_locked of a struct page: sleeping */
	SCHED_OBJ_SEQCOUNT, /* seqcount_t */
	SCHED_OBJ_KIND_COUNT
};

/*
 * A shared object the scheduler can name and reason about.  Embedded in the
 * simulated kernel's structures (a lock, a pte, a global).  Identity is the
 * id, given in registration order, so traces never depend on addresses.
 */
struct sched_obj {
	/* Set by sched_obj_init, read-only afterwards. */
	const char *name;   /* printf format with at most two %d: "pte[%d:%d]" */
	int arg[2];         /* its arguments */
	uint16_t id;
	uint8_t kind;       /* enum sched_obj_kind */
	uint8_t tag;        /* free for the owner (the kernel: how to print values) */
	uint8_t watched;    /* a write to it calls the step hook: set by the owner after sched_obj_init */
	uint8_t buffered;   /* tso/weak: stores to it go through the store buffer (memmodel.h); set by the owner */
	/* Lock and seqcount state: changed only by the CPU performing a step. */
	int8_t owner;       /* locks: CPU holding it, -1 when free */
	unsigned sequence;  /* seqcounts: even when no writer is inside */
};

/*
 * Where in the simulated source an operation is: one static object per
 * scheduling point of the source (SCHED_SITE makes it), never built at
 * run time.  Its identity is (func, label): the label is a short name given
 * at the site ("sparse_check") or the kernel call it stands for
 * ("spin_lock(&mapping->i_mmap_lock)"), so it does not change when lines
 * move.  The trace hash, the store, narration and the quiz use that
 * identity; `line` is for display only.
 */
struct sched_site {
	const char *label;  /* stable name within func (static string) */
	const char *what;   /* the kernel expression it stands for: "if (!__xip_sparse_page)" */
	const char *func;   /* __func__ */
	const char *file;   /* __FILE__ */
	int line;           /* __LINE__: display only, never part of identity */
};

/*
 * The site of the line that uses it: a pointer to a static struct
 * sched_site, registered in the program's site table (sched_sites) through
 * the "xs_sites" section, as the kernel keeps its __bug_table.  label and
 * what are string literals.
 */
#define SCHED_SITE(label_, what_)                                               \
	({                                                                      \
		static const struct sched_site xs_site_ = {                     \
			(label_), (what_), __func__, __FILE__, __LINE__         \
		};                                                              \
		static const struct sched_site *const xs_site_ref_              \
			__attribute__((used, section("xs_sites"))) = &xs_site_; \
		&xs_site_;                                                      \
	})

/* A site named by the call it stands for (label = what = the call's text). */
#define SCHED_SITE_CALL(text_) SCHED_SITE(text_, text_)

/*
 * Every site of the program (the kernel's, and a test program's own), in
 * no particular order; *n of them.  Two sites of one file never share
 * (func, label) unless they are the same call on two paths.
 */
const struct sched_site *const *sched_sites(size_t *n);

/* "func:label" of a site into buf; returns buf. */
char *sched_site_id(const struct sched_site *site, char *buf, size_t len);

/*
 * Which of the sites sharing its file (by base name) and (func, label) it
 * is, in source order, from 0: the same call on two paths of a function
 * shares its id, and edits move lines without reordering such calls.
 */
int sched_site_rank(const struct sched_site *site);

/* Is the site's id `id` ("func:label"; "*:label" for any function)?  Exact, never a substring. */
int sched_site_is(const struct sched_site *site, const char *id);

/* One step of the trace. */
struct sched_step {
	const struct sched_site *site;
	int64_t value;        /* value read or written, when has_value */
	uint16_t obj;         /* object id, SCHED_NO_OBJ for none */
	uint8_t cpu;
	uint8_t op;           /* enum sched_op */
	uint8_t enabled;      /* bit mask of the CPUs that could have run this step */
	uint8_t has_value;
};
#define SCHED_NO_OBJ 0xffff

/* The choice that ran a step: its CPU, or the memory choice of a flush or drain (memmodel.h). */
int sched_step_choice(const struct sched_step *st);

enum sched_cpu_state {
	SCHED_CPU_READY,    /* stopped at a scheduling point, pending op known */
	SCHED_CPU_FINISHED, /* its task returned */
	SCHED_CPU_HALTED,   /* it hit a BUG: the run stopped there */
};

/* Read-only view of a CPU, for the view, the explorer and tests. */
struct sched_cpu_info {
	const char *name;            /* "CPU0" */
	enum sched_cpu_state state;
	int enabled;                 /* could run the next step */
	enum sched_op op;            /* pending operation (state READY) */
	const struct sched_obj *obj; /* what it touches, NULL for none */
	const struct sched_site *site; /* where it is (an empty site before the first point) */
	const char *frames[SCHED_MAX_FRAMES]; /* call stack, outermost first */
	int nframes;
	unsigned steps;              /* steps this CPU has run */
};

/* Why a run ended. */
enum sched_end {
	SCHED_RUNNING = 0,
	SCHED_END_DONE,       /* every CPU finished its task */
	SCHED_END_BUG,        /* a simulated BUG_ON, or lock misuse with lock debugging on */
	SCHED_END_DEADLOCK,   /* no CPU enabled, some not finished */
	SCHED_END_STEP_LIMIT, /* the step limit was reached */
};

/* Built-in choosers, used once a fixed schedule runs out. */
enum sched_policy {
	SCHED_POLICY_ROUND_ROBIN, /* the next enabled CPU after the last one, every step */
	SCHED_POLICY_SEQUENTIAL,  /* the last CPU while it is enabled, else the lowest enabled */
};

struct sched;

/* A chooser: returns the CPU to run next, or -1 to stop before the step. */
typedef int (*sched_choose_fn)(void *ctx, const struct sched *s);

/* ---- lifecycle (the driving side, on the main stack) ---------------------- */

/* A new scheduler with no CPUs and no objects. */
struct sched *sched_new(void);

/* Free it, ending any run (coroutines go back to the pool). */
void sched_free(struct sched *s);

/*
 * End the current run, if any, and forget its CPUs, objects and trace so
 * that a new world can be built.  Buffers are kept: an explorer resets the
 * same scheduler for every execution without allocating.
 */
void sched_reset(struct sched *s);

/*
 * End the current run, if any, and forget its trace, but keep its CPUs
 * (their tasks) and its registered objects, with their ids.  For a world
 * that is put back in place as it was when built (the caller restores the
 * objects' lock and seqcount state with the rest of it): the next run then
 * goes straight to sched_start, without registering anything again.
 */
void sched_rewind(struct sched *s);

/*
 * The run is a value: a scheduler carries the world its CPUs' code works
 * on (an opaque pointer for the owner, the simulated kernel).  While a step
 * of s runs, and from then on until another scheduler steps or starts,
 * sched_world_now is s's world, as Linux publishes `current`: CPU code
 * reaches its world through it, never through a global of its own, so
 * several live runs can be stepped in any interleaving and each works on
 * its own world.  sched_make_current publishes s (and its world) from the
 * driving side, for code that reads a world outside a step.
 */
void sched_set_world(struct sched *s, void *world);
void *sched_world(const struct sched *s);
void sched_make_current(struct sched *s);
extern void *sched_world_now;

/* Steps after which a run ends with SCHED_END_STEP_LIMIT (default 20000). */
void sched_set_step_limit(struct sched *s, unsigned limit);

/*
 * Lock debugging (sync.h): off by default, as in a kernel built without
 * CONFIG_DEBUG_SPINLOCK, CONFIG_DEBUG_MUTEXES and
 * CONFIG_DEBUG_SPINLOCK_SLEEP; on, misuse of a lock or seqcount is a BUG
 * verdict.  Kept across resets, like the step limit.
 */
void sched_set_lock_debug(struct sched *s, int on);
int sched_lock_debug(const struct sched *s);

/*
 * Register a shared object.  name is a static printf format with at most
 * two %d, filled with a and b when printed.  Must be called before
 * sched_start, in a deterministic order (that order gives the ids).
 */
void sched_obj_init(struct sched *s, struct sched_obj *obj, enum sched_obj_kind kind,
		    const char *name, int a, int b);

/* Format an object's name into buf; returns buf. */
char *sched_obj_name(const struct sched_obj *obj, char *buf, size_t len);

/* Object by id (NULL when out of range) and how many there are. */
const struct sched_obj *sched_obj_by_id(const struct sched *s, unsigned id);
unsigned sched_obj_count(const struct sched *s);

/* The objects that are not plain memory (locks, seqcounts), in id order; *n of them. */
struct sched_obj *const *sched_lock_objs(const struct sched *s, unsigned *n);

/* Add a CPU that will run task(arg).  Returns its id, or -1 with *cause. */
int sched_add_cpu(struct sched *s, void (*task)(void *arg), void *arg, char **cause);

/*
 * Start the run: create each CPU's coroutine and run it, in id order, to its
 * first scheduling point (this is not a step).  Returns -1 with *cause when
 * a coroutine stack cannot be had.
 */
int sched_start(struct sched *s, char **cause);

/*
 * Run one step of `cpu`.  Returns 0, or -1 with *cause ("step 12: CPU1
 * cannot run: it waits for xip_sparse_mutex, held by CPU0") when the run has
 * ended or the CPU does not exist, is finished or is blocked; the run is then
 * unchanged.
 */
int sched_step(struct sched *s, int cpu, char **cause);

/*
 * Run to the end: choices[0..n) first (a bad one stops with -1 and
 * *cause), then `policy`.  Returns 0 when the run ended.
 */
int sched_run(struct sched *s, const int *choices, size_t n,
	      enum sched_policy policy, char **cause);

/* Run to the end or until choose() returns -1. Same errors as sched_step. */
int sched_run_with(struct sched *s, sched_choose_fn choose, void *ctx, char **cause);

/* The CPU a policy would choose now (-1 when none is enabled). */
int sched_policy_choose(const struct sched *s, enum sched_policy policy);

/*
 * Called on the main stack after every step that writes (SCHED_OP_WRITE)
 * a watched object (obj->watched), and not after sched_start: for checks
 * of the whole world that only a write to certain objects can change.
 * Steps that write nothing watched cost no call.  It may end the run with
 * sched_stop().
 */
void sched_set_step_hook(struct sched *s, void (*hook)(void *ctx, struct sched *s), void *ctx);

/* End the run from the driving side (a step hook found a verdict). */
void sched_stop(struct sched *s, enum sched_end why, const char *fmt, ...) XS_PRINTF(3, 4);

/* ---- state (read-only views) ----------------------------------------------- */

enum sched_end sched_end_reason(const struct sched *s);
/* Human explanation of the end ("CPU0 waits for ...", the BUG text); "" while running. */
const char *sched_end_message(const struct sched *s);
/* For SCHED_END_BUG: the CPU and site that fired it. */
int sched_bug_cpu(const struct sched *s);
const struct sched_site *sched_bug_site(const struct sched *s);

int sched_ncpus(const struct sched *s);
void sched_cpu_info(const struct sched *s, int cpu, struct sched_cpu_info *out);
/*
 * What sched_cpu_info says of the CPU's pending operation, alone and
 * cheaper, for a search that asks at every step: *op (op), *obj (obj: NULL
 * for none and for a CPU that is not ready); returns its state.
 */
enum sched_cpu_state sched_cpu_pending(const struct sched *s, int cpu, enum sched_op *op,
				       const struct sched_obj **obj);
int sched_cpu_enabled(const struct sched *s, int cpu);
unsigned sched_enabled_mask(const struct sched *s);
/* Index of the CPU that ran the last step, -1 before the first. */
int sched_last_cpu(const struct sched *s);

/* The trace so far: steps [0, *n). */
const struct sched_step *sched_trace(const struct sched *s, size_t *n);
size_t sched_nsteps(const struct sched *s);
/* Steps that switched away from a CPU that could have gone on. */
unsigned sched_preemptions(const struct sched *s);

/*
 * 64-bit FNV-1a hash of the whole trace: equal hashes, equal runs.  Each
 * step contributes its CPU, operation, object, value and site identity
 * (func and label, never the line), so the hash survives edits of the
 * simulated kernel that do not change what it does.
 */
uint64_t sched_trace_hash(const struct sched *s);

/*
 * The hash as releases before stable site ids computed it (trace format 1:
 * the site's source line in place of its label), each site's line given
 * by line_of.  Returns -1 when line_of gives a step's site no line (-1):
 * that site did not exist then, so no such release can have stored it.
 */
int sched_trace_hash_lines(const struct sched *s, int (*line_of)(const struct sched_site *site), uint64_t *hash);

/* "CPU1 waits for xip_sparse_mutex, held by CPU0" into buf; returns buf. */
char *sched_describe_wait(const struct sched *s, int cpu, char *buf, size_t len);

/* "finished", "deadlock", ... */
const char *sched_end_name(enum sched_end why);

/*
 * The memory model of the runs (memmodel.h): MEMMODEL_SC, the default,
 * keeps no buffers at all.  Kept across resets, like the step limit; set
 * before sched_start.  sched_memmodel is NULL for sc.
 */
void sched_set_memory_model(struct sched *s, int model);
int sched_memory_model(const struct sched *s);
struct memmodel_state;
const struct memmodel_state *sched_memmodel(const struct sched *s);

/*
 * Every choice open now: the enabled CPUs (ids), then the memory choices
 * (memmodel_choice) in a fixed order.  Returns how many; at most max are
 * written.  sched_step takes each of them.
 */
int sched_choices(const struct sched *s, int *out, int max);
#define SCHED_MAX_CHOICES 64

/*
 * A barrier what-if mask for the runs (sync.h's SYNC_SEQ_* bits), kept
 * across resets; sched_barrier_whatif_now is the running CPU's run's.
 */
/* The one bit the scheduler reads: read_seqcount_begin sees the count after an smp_mb (no stale value). */
#define SCHED_WHATIF_MB_BEFORE_SEQ_BEGIN 0x100u
void sched_set_barrier_whatif(struct sched *s, unsigned mask);
unsigned sched_barrier_whatif(const struct sched *s);
unsigned sched_barrier_whatif_now(void);

/* ---- called by code running on a simulated CPU ------------------------------ */

/* Barriers (sched_barrier): what each does in each model is memmodel.c's table. */
enum sched_barrier {
	SCHED_BARRIER_MB,      /* smp_mb */
	SCHED_BARRIER_WMB,     /* smp_wmb */
	SCHED_BARRIER_RMB,     /* smp_rmb */
	SCHED_BARRIER_ACQUIRE, /* a lock acquisition's ordering */
	SCHED_BARRIER_RELEASE, /* a lock release's ordering */
};

/* The running CPU's memory model state, NULL in sc (set by the scheduler around each stretch). */
extern struct memmodel_state *sched_mem_now;
void memmodel_store(struct memmodel_state *mm, struct sched_obj *obj, void *addr, const void *src, size_t size);
void memmodel_barrier(struct memmodel_state *mm, enum sched_barrier b);

/*
 * A store of size bytes from src to addr, part of obj, made at the current
 * step: written at once in sc and for objects that are not buffered, put
 * in the CPU's store buffer otherwise.
 */
static inline void sched_store(struct sched_obj *obj, void *addr, const void *src, size_t size)
{
	if (XS_LIKELY(!sched_mem_now) || !obj->buffered)
		__builtin_memcpy(addr, src, size);
	else
		memmodel_store(sched_mem_now, obj, addr, src, size);
}

/* A barrier at the current step: nothing in sc. */
static inline void sched_barrier(enum sched_barrier b)
{
	if (XS_UNLIKELY(sched_mem_now != NULL))
		memmodel_barrier(sched_mem_now, b);
}

/*
 * Announce the next visible operation and let the scheduler choose.  Returns
 * when this CPU is chosen: the operation must then be performed before the
 * next sched_point.
 */
void sched_point(enum sched_op op, struct sched_obj *obj, const struct sched_site *site);

/* Record the value the current step read or wrote; returns it. */
int64_t sched_note(int64_t value);

/* The id of the CPU running now (-1 on the main stack). */
int sched_self(void);

/*
 * A simulated BUG: the run ends with SCHED_END_BUG and this message; the
 * CPU never resumes.  Never returns.
 */
XS_NORETURN void sched_bug(const struct sched_site *site, const char *fmt, ...) XS_PRINTF(2, 3);

/* Is lock debugging on for the run this CPU belongs to? */
int sched_lock_debug_now(void);

/* The first object of `kind` the running CPU holds (owner), or NULL. */
const struct sched_obj *sched_self_holds(enum sched_obj_kind kind);

/*
 * Keep the call stack shown for this CPU: push on entry, pop on return.
 * The return value is remembered as a *return event* of the current step,
 * which schedules written with milestones ("cpu0 until get_xip_mem=-ENODATA")
 * wait for.
 */
void sched_frame_enter(const char *func);
void sched_frame_leave(const char *func, int64_t ret);

/* A function return that happened during a step. */
struct sched_return {
	const char *func;
	int64_t value;
};
#define SCHED_MAX_RETURNS 8

/*
 * The returns `cpu` made during the last step it ran (its call stack
 * unwinding between two scheduling points); *n is how many (at most
 * SCHED_MAX_RETURNS are kept, the first ones).
 */
const struct sched_return *sched_cpu_returns(const struct sched *s, int cpu, int *n);

/* ---- the state, for the stateful search (explore) ------------------------------- */

struct state_hash;

/*
 * The finished hash of CPU cpu's continuation: its state, pending
 * operation, site, frames and step count, and its coroutine's live stack
 * (coro_state_hash).  Only between steps.  Returns -1 when this build
 * cannot hash a stack (see coro_state_hash).
 */
int sched_cpu_state_hash(const struct sched *s, int cpu, struct state_hash *out);

/* Add the run's end (reason, BUG CPU and site) and its step count to h. */
void sched_state_hash(const struct sched *s, struct state_hash *h);

/*
 * Snapshots of a started run between steps (the explorer's checkpoints):
 * every CPU's scheduler state and coroutine (coro_snap_save).  restore
 * puts the same run back as it was at save, running again if it has
 * ended since; the trace's first records must still be the snapshot's
 * (the caller restores only onto a run whose path shares that prefix).
 * save returns -1 when this build cannot snapshot a coroutine; restore
 * returns -1, changing nothing, when the run was started again since
 * with other coroutines.
 */
struct sched_snap;
struct sched_snap *sched_snap_new(void);
void sched_snap_free(struct sched_snap *sn);
int sched_snap_save(const struct sched *s, struct sched_snap *sn);
int sched_snap_restore(struct sched *s, const struct sched_snap *sn);

#endif
