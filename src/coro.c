/*
 * coro.c - coroutines with pooled, guard-paged stacks and two switch
 * backends.
 *
 * Central structure: struct coro, one per coroutine, and its struct
 * coro_stack.  A stack is one mmap'd region:
 *
 *     map                     lo                                lo+size
 *     | guard (PROT_NONE)     | usable stack, grows down  <---- |
 *
 * Invariants:
 *  - coro_current is the coroutine whose stack the CPU is on.
 *  - A coroutine is on the free pool only when no one can switch to it.
 *  - Every mapped stack is on all_stacks (the overflow handler walks it) and
 *    registered with valgrind until it is unmapped.
 *  - Around every switch, AddressSanitizer is told which stack we go to
 *    (__sanitizer_start_switch_fiber) and learns where we came from
 *    (__sanitizer_finish_switch_fiber): libaco and libcoro do not do this.
 *
 * The asm backend does not use makecontext: a new coroutine's stack is laid
 * out by hand so that the first switch "returns" into coro_entry() exactly
 * as if it had been called (see asm_prepare).  x87/MXCSR control words are
 * not switched: no simulated CPU changes rounding modes.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(CORO_BACKEND_UCONTEXT)
#include <ucontext.h>
#elif !defined(CORO_BACKEND_ASM)
#error "configure chose no coroutine backend"
#endif

#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#include <valgrind/memcheck.h>
#else
#define VALGRIND_STACK_REGISTER(lo, hi) 0u
#define VALGRIND_STACK_DEREGISTER(id) ((void)(id))
#define RUNNING_ON_VALGRIND 0
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)(p), (void)(n))
#endif

#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif
#ifdef CORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#include "coro.h"
#include "statehash.h"
#include "util.h"

#define CORO_STR2(x) #x
#define CORO_STR(x) CORO_STR2(x)
#define CORO_STACK_KIB_STR CORO_STR(CORO_STACK_KIB)
#define CORO_GUARD_SIZE (16 * 1024) /* several pages: big ASan frames skip one */

struct coro_stack {
	void *map;          /* start of the mapping (guard page first) */
	size_t map_len;
	char *lo;           /* lowest usable byte, just above the guard */
	size_t size;        /* usable bytes */
	unsigned vg_id;     /* valgrind stack id */
	const char *owner;  /* name of the coroutine using it, for the overflow message */
	struct coro_stack *all_next;
};

struct coro {
	char name[32];
	coro_fn fn;
	void *arg;
	int finished;
	struct coro *resumer;      /* who switched to us last: where fn's return goes */
	struct coro_stack *stack;  /* NULL for coro_main */
	struct coro *pool_next;
#if defined(CORO_BACKEND_ASM)
	void *sp;                  /* saved stack pointer while not running */
#else
	ucontext_t uc;
#endif
	/* AddressSanitizer's view of this stack. */
	void *asan_fake_stack;
	const void *asan_bottom;
	size_t asan_size;
};

static struct coro main_coro = { .name = "main" };
static struct coro *coro_current = &main_coro;
static struct coro *coro_previous;        /* who switched to the running one */
static struct coro *pool;                 /* free coroutines, stacks attached */
static struct coro_stack *all_stacks;
static size_t stacks_mapped;

/* ---- AddressSanitizer fiber annotations --------------------------------- */

static void asan_start(struct coro *from, const struct coro *to, int dying)
{
#ifdef CORO_ASAN
	/* A NULL save slot tells ASan the fiber we leave is gone for good. */
	__sanitizer_start_switch_fiber(dying ? NULL : &from->asan_fake_stack,
				       to->asan_bottom, to->asan_size);
#else
	(void)from; (void)to; (void)dying;
#endif
}

static void asan_finish(struct coro *self, int first_entry)
{
#ifdef CORO_ASAN
	const void *old_bottom = NULL;
	size_t old_size = 0;

	__sanitizer_finish_switch_fiber(first_entry ? NULL : self->asan_fake_stack,
					&old_bottom, &old_size);
	/* The thread's own stack is learnt the first time we leave it. */
	if (coro_previous && !coro_previous->stack && !coro_previous->asan_bottom) {
		coro_previous->asan_bottom = old_bottom;
		coro_previous->asan_size = old_size;
	}
#else
	(void)self; (void)first_entry;
#endif
}

/* ---- stack overflow detection ------------------------------------------- */

static struct sigaction overflow_old_action;
static int overflow_handler_installed;

static void overflow_write(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));
	(void)r;
}

/* Async-signal-safe: walks all_stacks (only changed outside signal context). */
static void overflow_handler(int sig, siginfo_t *info, void *uctx)
{
	char *addr = info->si_addr;
	struct coro_stack *st;

	for (st = all_stacks; st; st = st->all_next) {
		if (addr >= (char *)st->map && addr < st->lo) {
			overflow_write("xipsandbox: fatal: coroutine ");
			overflow_write(st->owner ? st->owner : "(unused)");
			overflow_write(" overflowed its stack (" CORO_STACK_KIB_STR " KiB): the simulated code recursed too deeply.\n"
				       "This is a bug in xipsandbox; please report it with the command you ran.\n");
			_exit(XS_EXIT_INTERNAL);
		}
	}
	/* Not ours: give the fault to whoever handled it before us. */
	if (overflow_old_action.sa_flags & SA_SIGINFO) {
		if (overflow_old_action.sa_sigaction) {
			overflow_old_action.sa_sigaction(sig, info, uctx);
			return;
		}
	} else if (overflow_old_action.sa_handler != SIG_DFL &&
		   overflow_old_action.sa_handler != SIG_IGN) {
		overflow_old_action.sa_handler(sig);
		return;
	}
	/* Default action: re-raise on return with the default disposition. */
	signal(sig, SIG_DFL);
}

static void overflow_install(void)
{
	static char altstack[64 * 1024];
	stack_t ss;
	struct sigaction sa;

	if (overflow_handler_installed)
		return;
	overflow_handler_installed = 1;
	memset(&ss, 0, sizeof ss);
	ss.ss_sp = altstack;
	ss.ss_size = sizeof altstack;
	if (sigaltstack(&ss, NULL) != 0)
		return; /* overflow then still crashes on the guard page, just without the name */
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = overflow_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &overflow_old_action);
}

/* ---- stacks -------------------------------------------------------------- */

static struct coro_stack *stack_map(char **cause)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t guard = ((CORO_GUARD_SIZE + (size_t)page - 1) / (size_t)page) * (size_t)page;
	size_t len = guard + CORO_STACK_SIZE;
	struct coro_stack *st;
	void *map;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return util_errf(cause, "cannot map a %zu-byte coroutine stack: %s",
				 len, strerror(errno)), NULL;
	if (mprotect(map, guard, PROT_NONE) != 0) {
		int e = errno;
		munmap(map, len);
		return util_errf(cause, "cannot protect the guard page of a coroutine stack: %s",
				 strerror(e)), NULL;
	}
	st = xcalloc(1, sizeof *st);
	st->map = map;
	st->map_len = len;
	st->lo = (char *)map + guard;
	st->size = CORO_STACK_SIZE;
	st->vg_id = VALGRIND_STACK_REGISTER(st->lo, st->lo + st->size);
	st->all_next = all_stacks;
	all_stacks = st;
	stacks_mapped++;
	return st;
}

static void stack_unmap(struct coro_stack *st)
{
	struct coro_stack **pp;

	for (pp = &all_stacks; *pp != st; pp = &(*pp)->all_next)
		XS_ASSERT(*pp);
	*pp = st->all_next;
	VALGRIND_STACK_DEREGISTER(st->vg_id);
	if (munmap(st->map, st->map_len) != 0)
		fatal("munmap of a coroutine stack failed");
	stacks_mapped--;
	free(st);
}

/* ---- entry and backends --------------------------------------------------- */

static void switch_to(struct coro *from, struct coro *to, int dying);

/*
 * First code on a new stack, for both backends.  It runs fn, then goes back
 * to whoever resumed us last, for good (libaco's "protector": a coroutine
 * body that returns is caught, not allowed to run off its stack).
 */
__attribute__((noreturn)) static void coro_entry(void)
{
	struct coro *self = coro_current;

	asan_finish(self, 1);
	self->fn(self->arg);
	self->finished = 1;
	switch_to(self, self->resumer, 1);
	fatal("finished coroutine %s was resumed", self->name);
}

#if defined(CORO_BACKEND_ASM)
/*
 * coro_asm_switch(&from->sp, to->sp): push the callee-saved registers of the
 * SysV x86-64 ABI, save rsp, load the other rsp, pop, return on the other
 * stack.  Everything else is caller-saved, so the C compiler has already
 * spilled it around this call.
 */
void coro_asm_switch(void **save_sp, void *load_sp);
__asm__(".text\n"
	".globl coro_asm_switch\n"
	".hidden coro_asm_switch\n"
	".type coro_asm_switch, @function\n"
	"coro_asm_switch:\n"
	"\tpushq %rbp\n"
	"\tpushq %rbx\n"
	"\tpushq %r12\n"
	"\tpushq %r13\n"
	"\tpushq %r14\n"
	"\tpushq %r15\n"
	"\tmovq %rsp, (%rdi)\n"
	"\tmovq %rsi, %rsp\n"
	"\tpopq %r15\n"
	"\tpopq %r14\n"
	"\tpopq %r13\n"
	"\tpopq %r12\n"
	"\tpopq %rbx\n"
	"\tpopq %rbp\n"
	"\tret\n"
	".size coro_asm_switch, .-coro_asm_switch\n");

/*
 * Lay out a stack that coro_asm_switch can "return" into coro_entry from:
 * six zeroed register slots, then coro_entry as the return address at a
 * 16-byte boundary, so that coro_entry starts with rsp = 8 (mod 16) exactly
 * as after a call; above it a zero "return address" ends backtraces.
 */
static void backend_prepare(struct coro *co)
{
	uintptr_t top = ((uintptr_t)(co->stack->lo + co->stack->size)) & ~(uintptr_t)15;
	uintptr_t *slot = (uintptr_t *)top;

	*--slot = 0;                          /* coro_entry's own return address */
	*--slot = (uintptr_t)coro_entry;      /* popped by ret */
	for (int i = 0; i < 6; i++)
		*--slot = 0;                  /* rbp rbx r12 r13 r14 r15 */
	co->sp = slot;
}

static inline void backend_switch(struct coro *from, struct coro *to)
{
	coro_asm_switch(&from->sp, to->sp);
}

#else /* CORO_BACKEND_UCONTEXT */

static void backend_prepare(struct coro *co)
{
	if (getcontext(&co->uc) != 0)
		fatal("getcontext failed");
	co->uc.uc_stack.ss_sp = co->stack->lo;
	co->uc.uc_stack.ss_size = co->stack->size;
	co->uc.uc_link = NULL; /* coro_entry never returns */
	/* No varargs: coro_entry finds its coroutine in coro_current. */
	makecontext(&co->uc, coro_entry, 0);
}

static inline void backend_switch(struct coro *from, struct coro *to)
{
	if (swapcontext(&from->uc, &to->uc) != 0)
		fatal("swapcontext failed");
}
#endif

static void switch_to(struct coro *from, struct coro *to, int dying)
{
	asan_start(from, to, dying);
	coro_previous = from;
	coro_current = to;
	backend_switch(from, to);
	/* Back on from's stack: some coroutine switched to us. */
	asan_finish(from, 0);
}

/* ---- public API ----------------------------------------------------------- */

struct coro *coro_main(void)
{
	return &main_coro;
}

struct coro *coro_self(void)
{
	return coro_current;
}

struct coro *coro_create(const char *name, coro_fn fn, void *arg, char **cause)
{
	struct coro *co;

	overflow_install();
	if (pool) {
		co = pool;
		pool = co->pool_next;
	} else {
		struct coro_stack *st = stack_map(cause);
		if (!st)
			return NULL;
		co = xcalloc(1, sizeof *co);
		co->stack = st;
	}
#ifdef CORO_ASAN
	/* A reused stack may still carry redzones of an abandoned run. */
	ASAN_UNPOISON_MEMORY_REGION(co->stack->lo, co->stack->size);
#endif
	{   /* the name, truncated (snprintf "%s" costs more than the rest of coro_create) */
		size_t len = strnlen(name, sizeof co->name - 1);
		memcpy(co->name, name, len);
		co->name[len] = '\0';
	}
	co->stack->owner = co->name;
	co->fn = fn;
	co->arg = arg;
	co->finished = 0;
	co->resumer = NULL;
	co->pool_next = NULL;
	co->asan_fake_stack = NULL;
	co->asan_bottom = co->stack->lo;
	co->asan_size = co->stack->size;
	backend_prepare(co);
	return co;
}

void coro_switch(struct coro *to)
{
	struct coro *from = coro_current;

	XS_ASSERT(to != NULL);
	XS_ASSERT(to != from);
	XS_ASSERT(!to->finished);
	XS_ASSERT(to->stack != NULL || to == &main_coro);
	to->resumer = from;
	switch_to(from, to, 0);
}

void coro_switch_abandon(struct coro *to)
{
	struct coro *from = coro_current;

	XS_ASSERT(to != from && !to->finished);
	to->resumer = from;
	switch_to(from, to, 1);
	fatal("abandoned coroutine %s was resumed", from->name);
}

int coro_finished(const struct coro *co)
{
	return co->finished;
}

void coro_destroy(struct coro *co)
{
	if (!co)
		return;
	XS_ASSERT(co != coro_current && co != &main_coro);
	co->stack->owner = NULL;
	co->pool_next = pool;
	pool = co;
}

void coro_pool_drain(void)
{
	while (pool) {
		struct coro *co = pool;
		pool = co->pool_next;
		stack_unmap(co->stack);
		free(co);
	}
}

size_t coro_stacks_mapped(void)
{
	return stacks_mapped;
}

const char *coro_backend_name(void)
{
	return CORO_BACKEND_NAME;
}

/* ---- the live stack, for the stateful search ------------------------------ */

#if defined(CORO_BACKEND_ASM)
/* The suspended coroutine's stack pointer; its callee-saved registers are pushed below it. */
static const char *suspended_sp(const struct coro *co, struct state_hash *h)
{
	(void)h;
	return co->sp;
}
#elif defined(__x86_64__) && defined(REG_RSP)
/*
 * swapcontext is a call: by the SysV ABI only the callee-saved registers
 * (and rsp, rip) are live across it, so only they are part of the state.
 */
static const char *suspended_sp(const struct coro *co, struct state_hash *h)
{
	static const int live[] = { REG_RBX, REG_RBP, REG_R12, REG_R13, REG_R14, REG_R15, REG_RSP, REG_RIP };

	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
		state_hash_word(h, (uint64_t)co->uc.uc_mcontext.gregs[live[i]]);
	return (const char *)co->uc.uc_mcontext.gregs[REG_RSP];
}
#else
static const char *suspended_sp(const struct coro *co, struct state_hash *h)
{
	(void)co; (void)h;
	return NULL;   /* no portable way to find it: the stateful search is not offered */
}
#endif

/*
 * The words [p, end): uninstrumented, since ASan poisons the redzones
 * between a suspended frame's locals (they are read, never trusted).
 */
#ifdef CORO_ASAN
__attribute__((no_sanitize_address))
#endif
static void hash_words(struct state_hash *h, const uint64_t *p, const uint64_t *end)
{
	for (; p < end; p++)
		state_hash_word(h, *p);
}

int coro_state_hash(const struct coro *co, struct state_hash *h)
{
	const char *sp, *top;

	XS_ASSERT(co != coro_current && co->stack);
#ifdef CORO_ASAN
	/* with detect_stack_use_after_return, locals live in fake frames the stack does not hold */
	if (__asan_get_current_fake_stack())
		return -1;
#endif
	if (co->finished) {
		state_hash_word(h, 0);
		return 0;
	}
	sp = suspended_sp(co, h);
	top = co->stack->lo + co->stack->size;
	if (!sp || ((uintptr_t)sp & 7) || sp < co->stack->lo || sp > top)
		return -1;
	state_hash_word(h, (uint64_t)(top - sp));
	if (RUNNING_ON_VALGRIND) {
		/* frames hold padding never written: hash a copy marked defined, not the stack */
		size_t n = (size_t)(top - sp);
		uint64_t *copy = xmalloc(n + 8);
		memcpy(copy, sp, n);
		VALGRIND_MAKE_MEM_DEFINED(copy, n);
		hash_words(h, copy, copy + n / 8);
		free(copy);
		return 0;
	}
	hash_words(h, (const uint64_t *)sp, (const uint64_t *)top);
	return 0;
}

/* ---- snapshots of a suspended coroutine ------------------------------------ */

struct coro_snap {
	char *buf;                 /* the live stack [top - len, top) */
	size_t len, cap;
	int finished;
#if defined(CORO_BACKEND_ASM)
	void *sp;
#else
	ucontext_t uc;
#endif
};

struct coro_snap *coro_snap_new(void)
{
	return xcalloc(1, sizeof(struct coro_snap));
}

void coro_snap_free(struct coro_snap *sn)
{
	if (!sn)
		return;
	free(sn->buf);
	free(sn);
}

#if defined(CORO_BACKEND_ASM)
static char *live_sp(const struct coro *co)
{
	return co->sp;
}
#elif defined(__x86_64__) && defined(REG_RSP)
static char *live_sp(const struct coro *co)
{
	return (char *)co->uc.uc_mcontext.gregs[REG_RSP];
}
#else
static char *live_sp(const struct coro *co)
{
	(void)co;
	return NULL;
}
#endif

int coro_snap_save(const struct coro *co, struct coro_snap *sn)
{
	char *sp, *top;

	XS_ASSERT(co != coro_current && co->stack);
#ifdef CORO_ASAN
	return -1;   /* the stack's shadow (redzones, fake frames) would not come back with its bytes */
#endif
	sn->finished = co->finished;
	sn->len = 0;
	if (co->finished)
		return 0;
	sp = live_sp(co);
	top = co->stack->lo + co->stack->size;
	if (!sp || sp < co->stack->lo || sp > top)
		return -1;
	sn->len = (size_t)(top - sp);
	if (sn->len > sn->cap) {
		sn->cap = sn->len + 1024;
		free(sn->buf);
		sn->buf = xmalloc(sn->cap);
	}
	memcpy(sn->buf, sp, sn->len);
#if defined(CORO_BACKEND_ASM)
	sn->sp = co->sp;
#else
	sn->uc = co->uc;
#endif
	return 0;
}

void coro_snap_restore(struct coro *co, const struct coro_snap *sn)
{
	char *top = co->stack->lo + co->stack->size;

	XS_ASSERT(co != coro_current && co->stack && sn->len <= co->stack->size);
	co->finished = sn->finished;
	if (sn->finished)
		return;
	/* valgrind took the bytes below the stack pointer it last saw for dead */
	VALGRIND_MAKE_MEM_UNDEFINED(top - sn->len, sn->len);
	memcpy(top - sn->len, sn->buf, sn->len);
#if defined(CORO_BACKEND_ASM)
	co->sp = sn->sp;
#else
	co->uc = sn->uc;
#endif
}
