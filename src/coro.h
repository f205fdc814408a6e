/*
 * coro.h - coroutines: one per simulated CPU.
 *
 * A coroutine is a function running on its own mmap'd stack (guard page
 * below it).  Control moves only through coro_switch(), explicitly, so a
 * program with coroutines stays single-threaded and deterministic.  The
 * thread's original stack is itself a coroutine, coro_main().
 *
 * Backends (chosen at configure time, --with-coro): a hand-written x86-64
 * register switch ("asm", the default there) or makecontext/swapcontext
 * ("ucontext").  Both give the same behaviour; only the cost differs.
 *
 * Stacks are pooled: coro_destroy() hands the stack back for the next
 * coro_create() instead of unmapping it.  Stacks are registered with valgrind
 * and every switch is announced to AddressSanitizer.
 *
 * Not thread-safe: all coroutines belong to the thread that created them.
 */
#ifndef XS_CORO_H
#define XS_CORO_H

#include <stddef.h>

struct coro;

typedef void (*coro_fn)(void *arg);

/* Usable stack size of every coroutine (the guard page is extra). */
#define CORO_STACK_KIB 256
#define CORO_STACK_SIZE (CORO_STACK_KIB * 1024)

/* The coroutine that stands for the thread's original stack. */
struct coro *coro_main(void);

/* The coroutine running now. */
struct coro *coro_self(void);

/*
 * Make a coroutine that will run fn(arg) the first time it is switched to.
 * name (copied, truncated to 31 bytes) is what error messages call it, for
 * example "CPU1".  Returns NULL with *cause set when no stack could be mapped;
 * the caller frees *cause.
 *
 * When fn returns, the coroutine is finished: control goes back to the
 * coroutine that last switched to it, and switching to it again is fatal.
 */
struct coro *coro_create(const char *name, coro_fn fn, void *arg, char **cause);

/*
 * Switch from the running coroutine to `to`, which must not be running, must
 * not be finished, and must not be the running one.  Returns when some
 * coroutine switches back.  This is the only function that switches.
 */
void coro_switch(struct coro *to);

/*
 * Switch to `to` and never come back: the running coroutine is abandoned
 * (its stack stays allocated until coro_destroy).  Used when a simulated
 * CPU hits a BUG and the whole run stops.
 */
void coro_switch_abandon(struct coro *to) __attribute__((noreturn));

/* Has the coroutine's function returned? */
int coro_finished(const struct coro *co);

/*
 * Give the coroutine's stack back to the pool and free it.  co must not be
 * running and must not be coro_main().  A coroutine need not be finished
 * (an abandoned run is destroyed mid-way).
 */
void coro_destroy(struct coro *co);

/* Unmap every pooled stack (at exit, or to measure a cold start). */
void coro_pool_drain(void);

/* Number of stacks mapped and not yet unmapped (in use or pooled). */
size_t coro_stacks_mapped(void);

struct state_hash;

/*
 * Add a suspended coroutine's continuation to h: its live stack (stack
 * pointer to top, the switch's saved registers included) and, for the
 * ucontext backend, its callee-saved registers.  The stack lies at the
 * same address whenever the same coroutine runs, so equal bytes mean the
 * same continuation.  Returns -1 when this build cannot tell (ASan's fake
 * stacks hold locals elsewhere; no way to find the stack pointer).
 */
int coro_state_hash(const struct coro *co, struct state_hash *h);

/*
 * Snapshots of a suspended coroutine (the explorer's checkpoints): its
 * live stack and saved registers, copied out and back in place, so that
 * a run resumes from a checkpoint instead of being replayed from its
 * start.  The coroutine must be the same one (its stack at the same
 * address) and suspended both times.  save returns -1 when this build
 * cannot (under ASan the stack's shadow would not come back with it);
 * the caller then replays.
 */
struct coro_snap;
struct coro_snap *coro_snap_new(void);
void coro_snap_free(struct coro_snap *sn);
int coro_snap_save(const struct coro *co, struct coro_snap *sn);
void coro_snap_restore(struct coro *co, const struct coro_snap *sn);

/* "asm" or "ucontext". */
const char *coro_backend_name(void);

#endif
