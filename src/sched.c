/*
 * sched.c - the deterministic scheduler.
 *
 * Central structure: struct sched, with one struct sched_cpu per simulated
 * CPU, the registered objects, and the trace (one struct sched_step per
 * step, preallocated to the step limit so that stepping never allocates).
 *
 * Control flow.  The driving side (main stack) calls sched_step(); it
 * appends the trace record for the CPU's pending operation and switches to
 * that CPU's coroutine.  The CPU performs the operation, runs to its next
 * sched_point() (which stores the new pending operation) and switches back.
 * So every step is exactly two coroutine switches, and all policy lives on
 * the main stack.
 *
 * Invariants:
 *  - running == -1 on the main stack; otherwise the CPU whose coroutine runs.
 *  - A READY CPU's pending operation is the one it will perform next.
 *  - enabled_mask is recomputed after every step from the pending operations
 *    and the lock/seqcount state; only bits of READY CPUs are set.
 *  - Once end != SCHED_RUNNING no CPU runs again in this run.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coro.h"
#include "memmodel.h"
#include "sched.h"
#include "statehash.h"

struct sched_cpu {
	/* Scheduler only. */
	struct coro *coro;
	void (*task)(void *arg);
	void *arg;
	int task_returned;  /* set on the CPU's own stack as its task returns */
	enum sched_cpu_state state;
	unsigned steps;
	char name[8];
	/* Written by the owning CPU at its scheduling points. */
	enum sched_op op;
	struct sched_obj *obj;
	const struct sched_site *site;
	const char *frames[SCHED_MAX_FRAMES];
	int nframes;
	struct sched_return returns[SCHED_MAX_RETURNS]; /* during its last step */
	int nreturns;
};

struct sched {
	struct sched_cpu cpus[SCHED_MAX_CPUS];
	int ncpus;
	int running;          /* CPU on the CPU, -1 on the main stack */
	int last;             /* CPU of the last step, -1 before the first */
	int started;
	unsigned enabled_mask;

	struct sched_obj **objs;
	unsigned nobjs, objs_cap;
	struct sched_obj **locks; /* the objects that are not plain memory, in id order */
	unsigned nlocks, locks_cap;
	struct sched_obj **of_kind[SCHED_OBJ_KIND_COUNT]; /* the same by kind (sched_self_holds) */
	unsigned nkind[SCHED_OBJ_KIND_COUNT], kind_cap[SCHED_OBJ_KIND_COUNT];

	struct sched_step *trace;
	size_t nsteps, trace_cap;
	unsigned step_limit;
	int lock_debug;       /* sync.c's lock-debugging checks (sched_set_lock_debug) */

	enum sched_end end;
	char *end_msg;        /* a formatted end message (owned), or NULL */
	const char *end_text; /* the end message: end_msg or a static string, NULL while running */
	int bug_cpu;
	const struct sched_site *bug_site;
	void *world;          /* the owner's world (sched_set_world) */

	void (*hook)(void *ctx, struct sched *s);
	void *hook_ctx;

	int memory_model;            /* enum memmodel, kept across resets */
	unsigned barrier_whatif;     /* sync.h's SYNC_SEQ_* what-if bits, kept across resets */
	struct memmodel_state *mem;  /* its buffers, NULL in sc (so sc runs as it always did) */
};

static struct sched *sched_current; /* the one scheduler driving now */
/* For the CPU side, which calls in at every scheduling point, value and frame: */
static struct sched_cpu *cpu_now;     /* the CPU running now, NULL on the main stack */
static struct sched_step *step_now;   /* the step it runs, NULL before the first (sched_start) */
static struct coro *main_co;          /* coro_main(), where every scheduling point switches to */

_Static_assert(SCHED_MAX_CPUS <= 10, "a CPU's name has one digit");

static const struct sched_site no_site_ = { "", "", "", "", 0 };
#define no_site (&no_site_)

void *sched_world_now;
struct memmodel_state *sched_mem_now;

/* The trace's site for a memory choice: not in the site table, since no kernel line stands for it. */
static const struct sched_site flush_site_ = { "flush", "the store buffer writes the store to memory",
					       "store_buffer", __FILE__, 0 };
static const struct sched_site drain_site_ = { "drain", "the CPU applies an invalidation from its queue",
					       "invalidate_queue", __FILE__, 0 };

/* ---- names ------------------------------------------------------------------ */

const char *sched_end_name(enum sched_end why)
{
	switch (why) {
	case SCHED_RUNNING: return "running";
	case SCHED_END_DONE: return "done";
	case SCHED_END_BUG: return "kernel BUG";
	case SCHED_END_DEADLOCK: return "deadlock";
	case SCHED_END_STEP_LIMIT: return "step limit";
	}
	return "?";
}

/* ---- lifecycle ------------------------------------------------------------- */

struct sched *sched_new(void)
{
	struct sched *s = xcalloc(1, sizeof *s);

	s->step_limit = SCHED_DEFAULT_STEP_LIMIT;
	s->running = -1;
	s->last = -1;
	s->bug_cpu = -1;
	return s;
}

/* A CPU as sched_add_cpu makes it: ready, no step run, no pending operation. */
static void cpu_clear(struct sched_cpu *c, void (*task)(void *arg), void *arg, int id)
{
	memset(c, 0, sizeof *c);
	c->task = task;
	c->arg = arg;
	c->state = SCHED_CPU_READY;
	c->site = no_site;
	memcpy(c->name, "CPU", 3); /* "CPU%d": SCHED_MAX_CPUS is 8, one digit */
	c->name[3] = (char)('0' + id);
}
/* The run is running again: no end, no message, no BUG. */
static void clear_end(struct sched *s)
{
	s->end = SCHED_RUNNING;
	free(s->end_msg);
	s->end_msg = NULL;
	s->end_text = NULL;
	s->bug_cpu = -1;
	s->bug_site = no_site;
}


/* End the run: CPUs' coroutines back to the pool, the trace and the end forgotten. */
static void end_and_forget(struct sched *s)
{
	XS_ASSERT(s->running < 0);
	/* last first: the pool hands CPU0 its own stack again, so a CPU's stack
	   (and every address on it) is the same in every run */
	for (int i = s->ncpus; i-- > 0;) {
		coro_destroy(s->cpus[i].coro);
		s->cpus[i].coro = NULL;
	}
	if (sched_current == s)
		sched_current = NULL;
	s->last = -1;
	s->started = 0;
	s->enabled_mask = 0;
	s->nsteps = 0;
	clear_end(s);
}

void sched_reset(struct sched *s)
{
	end_and_forget(s);
	s->ncpus = 0;
	s->nobjs = 0;
	s->nlocks = 0;
	memset(s->nkind, 0, sizeof s->nkind);
}

void sched_rewind(struct sched *s)
{
	end_and_forget(s);
	for (int i = 0; i < s->ncpus; i++)
		cpu_clear(&s->cpus[i], s->cpus[i].task, s->cpus[i].arg, i);
}

void sched_free(struct sched *s)
{
	if (!s)
		return;
	sched_reset(s);
	free(s->objs);
	free(s->locks);
	for (int k = 0; k < SCHED_OBJ_KIND_COUNT; k++)
		free(s->of_kind[k]);
	free(s->trace);
	memmodel_free(s->mem);
	free(s);
}

void sched_set_memory_model(struct sched *s, int model)
{
	XS_ASSERT(model >= 0 && model < MEMMODEL_COUNT);
	s->memory_model = model; /* from the next sched_start on */
}

int sched_memory_model(const struct sched *s) { return s->memory_model; }
void sched_set_barrier_whatif(struct sched *s, unsigned mask) { s->barrier_whatif = mask; }
unsigned sched_barrier_whatif(const struct sched *s) { return s->barrier_whatif; }

unsigned sched_barrier_whatif_now(void)
{
	XS_ASSERT(sched_current && sched_current->running >= 0);
	return sched_current->barrier_whatif;
}
const struct memmodel_state *sched_memmodel(const struct sched *s) { return s->mem; }

void sched_set_step_limit(struct sched *s, unsigned limit)
{
	s->step_limit = limit ? limit : 1;
}

void sched_set_lock_debug(struct sched *s, int on)
{
	s->lock_debug = !!on;
}

int sched_lock_debug(const struct sched *s)
{
	return s->lock_debug;
}

int sched_lock_debug_now(void)
{
	XS_ASSERT(sched_current && sched_current->running >= 0);
	return sched_current->lock_debug;
}

void sched_set_step_hook(struct sched *s, void (*hook)(void *ctx, struct sched *s), void *ctx)
{
	s->hook = hook;
	s->hook_ctx = ctx;
}

/* ---- objects ------------------------------------------------------------------ */

void sched_obj_init(struct sched *s, struct sched_obj *obj, enum sched_obj_kind kind,
		    const char *name, int a, int b)
{
	XS_ASSERT(!s->started);
	XS_ASSERT(s->nobjs < SCHED_NO_OBJ);
	if (s->nobjs == s->objs_cap) {
		s->objs_cap = s->objs_cap ? 2 * s->objs_cap : 64;
		s->objs = xrealloc(s->objs, s->objs_cap * sizeof *s->objs);
	}
	obj->name = name;
	obj->arg[0] = a;
	obj->arg[1] = b;
	obj->id = (uint16_t)s->nobjs;
	obj->kind = (uint8_t)kind;
	obj->tag = 0;
	obj->watched = 0;
	obj->owner = -1;
	obj->sequence = 0;
	s->objs[s->nobjs++] = obj;
	if (kind != SCHED_OBJ_MEMORY) {
		if (s->nlocks == s->locks_cap) {
			s->locks_cap = s->locks_cap ? 2 * s->locks_cap : 32;
			s->locks = xrealloc(s->locks, s->locks_cap * sizeof *s->locks);
		}
		s->locks[s->nlocks++] = obj;
		if (s->nkind[kind] == s->kind_cap[kind]) {
			s->kind_cap[kind] = s->kind_cap[kind] ? 2 * s->kind_cap[kind] : 16;
			s->of_kind[kind] = xrealloc(s->of_kind[kind], s->kind_cap[kind] * sizeof *s->of_kind[kind]);
		}
		s->of_kind[kind][s->nkind[kind]++] = obj;
	}
}

char *sched_obj_name(const struct sched_obj *obj, char *buf, size_t len)
{
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
	/* The format is one of the simulated kernel's static strings. */
	snprintf(buf, len, obj->name, obj->arg[0], obj->arg[1]);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
	return buf;
}

const struct sched_obj *sched_obj_by_id(const struct sched *s, unsigned id)
{
	return id < s->nobjs ? s->objs[id] : NULL;
}

unsigned sched_obj_count(const struct sched *s)
{
	return s->nobjs;
}

struct sched_obj *const *sched_lock_objs(const struct sched *s, unsigned *n)
{
	*n = s->nlocks;
	return s->locks;
}

/* ---- CPUs ----------------------------------------------------------------------- */

int sched_add_cpu(struct sched *s, void (*task)(void *arg), void *arg, char **cause)
{
	struct sched_cpu *c;

	if (s->started)
		return util_errf(cause, "cannot add a CPU to a run that has started");
	if (s->ncpus >= SCHED_MAX_CPUS)
		return util_errf(cause, "too many CPUs: at most %d can be simulated", SCHED_MAX_CPUS);
	c = &s->cpus[s->ncpus];
	cpu_clear(c, task, arg, s->ncpus);
	return s->ncpus++;
}

/* The seqcount as CPU c sees it (its store buffer and invalidate queue in tso/weak). */
static unsigned seq_seen(const struct sched *s, const struct sched_cpu *c)
{
	if (XS_LIKELY(!s->mem))
		return c->obj->sequence;
	return memmodel_view_u32(s->mem, (int)(c - s->cpus), &c->obj->sequence,
				 c->op == SCHED_OP_SEQ_READ_BEGIN && (s->barrier_whatif & SCHED_WHATIF_MB_BEFORE_SEQ_BEGIN));
}

static int cpu_enabled(const struct sched *s, const struct sched_cpu *c)
{
	if (c->state != SCHED_CPU_READY)
		return 0;
	switch (c->op) {
	case SCHED_OP_ACQUIRE:
		return c->obj->owner < 0;
	case SCHED_OP_SEQ_READ_BEGIN:
		return !(seq_seen(s, c) & 1);
	default:
		return 1;
	}
}

static void cpu_entry(void *arg)
{
	struct sched_cpu *c = arg;

	c->task(c->arg);
	c->task_returned = 1; /* its coroutine is about to finish: cheaper to test than coro_finished */
}

/*
 * Run one CPU until its next scheduling point, its end, or a BUG.  Inlined
 * into sched_step: every function return just after a switch goes where the
 * other stack's return stack buffer did not predict, so fewer of them.
 */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void cpu_resume(struct sched *s, int cpu)
{
	struct sched_cpu *c = &s->cpus[cpu];

	s->running = cpu;
	cpu_now = c;
	if (XS_UNLIKELY(s->mem != NULL)) {
		memmodel_enter(s->mem, cpu); /* the CPU's code reads what this CPU sees */
		sched_mem_now = s->mem;
	}
	coro_switch(c->coro);
	if (XS_UNLIKELY(s->mem != NULL)) {
		memmodel_leave(s->mem);
		sched_mem_now = NULL;
	}
	cpu_now = NULL;
	s->running = -1;
	if (c->task_returned) {
		c->state = SCHED_CPU_FINISHED;
		c->nframes = 0;
		c->obj = NULL;
		c->site = no_site;
	}
}

/* XS_PRINTF(3, 0): the format is checked at end_runf's, sched_stop's and
 * sched_bug's callers; clang's -Wformat-nonliteral wants to know that. */
static void end_run(struct sched *s, enum sched_end why, const char *fmt, va_list ap) XS_PRINTF(3, 0);
static void end_run(struct sched *s, enum sched_end why, const char *fmt, va_list ap)
{
	if (s->end != SCHED_RUNNING)
		return;
	s->end = why;
	free(s->end_msg);
	s->end_msg = xvasprintf(fmt, ap);
	s->end_text = s->end_msg;
}

/* The same with a static message: nothing to format or allocate (every run that ends well). */
static void end_run_static(struct sched *s, enum sched_end why, const char *msg)
{
	if (s->end != SCHED_RUNNING)
		return;
	s->end = why;
	free(s->end_msg);
	s->end_msg = NULL;
	s->end_text = msg;
}

static void end_runf(struct sched *s, enum sched_end why, const char *fmt, ...) XS_PRINTF(3, 4);
static void end_runf(struct sched *s, enum sched_end why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_run(s, why, fmt, ap);
	va_end(ap);
}

void sched_stop(struct sched *s, enum sched_end why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_run(s, why, fmt, ap);
	va_end(ap);
}

/* The run cannot go on as it is: every CPU finished, none can run, or the step limit. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void end_if_stuck(struct sched *s, unsigned mask, int unfinished)
{
	if (!unfinished) {
		end_run_static(s, SCHED_END_DONE, "every CPU finished");
	} else if (!mask) {
		char buf[160];
		size_t len = 0;
		char *msg = xstrdup("");

		for (int i = 0; i < s->ncpus; i++) {
			if (s->cpus[i].state != SCHED_CPU_READY)
				continue;
			sched_describe_wait(s, i, buf, sizeof buf);
			msg = xrealloc(msg, len + strlen(buf) + 3);
			len += (size_t)sprintf(msg + len, "%s%s", len ? "; " : "", buf);
		}
		end_runf(s, SCHED_END_DEADLOCK, "%s", msg);
		free(msg);
	} else if (s->nsteps >= s->step_limit) {
		end_runf(s, SCHED_END_STEP_LIMIT, "the run reached the step limit of %u steps without ending",
			 s->step_limit);
	}
}

/* The object CPU i reads at its pending operation, NULL for none. */
static struct sched_obj *pending_read(const struct sched_cpu *c)
{
	if (c->state != SCHED_CPU_READY)
		return NULL;
	switch (c->op) {
	case SCHED_OP_READ:
	case SCHED_OP_SEQ_READ_BEGIN:
	case SCHED_OP_SEQ_READ_RETRY:
		return c->obj;
	default:
		return NULL;
	}
}

/* The memory choices open now (memmodel_choices); returns how many. */
static int mem_choices(const struct sched *s, int *out, int max)
{
	struct sched_obj *reads[SCHED_MAX_CPUS];
	int finished_all = 1;

	for (int i = 0; i < s->ncpus; i++) {
		reads[i] = pending_read(&s->cpus[i]);
		if (s->cpus[i].state == SCHED_CPU_READY)
			finished_all = 0;
	}
	return memmodel_choices(s->mem, reads, finished_all, out, max);
}

int sched_choices(const struct sched *s, int *out, int max)
{
	int n = 0;

	if (s->end != SCHED_RUNNING)
		return 0;
	for (int i = 0; i < s->ncpus; i++)
		if (s->enabled_mask & (1u << i)) {
			if (n < max)
				out[n] = i;
			n++;
		}
	if (s->mem)
		n += mem_choices(s, out + (n < max ? n : max), n < max ? max - n : 0);
	return n;
}

/* Recompute who can run, and end the run when nobody can (the rare part apart, so this stays small). */
static inline void after_progress(struct sched *s)
{
	unsigned mask = 0;
	int unfinished = 0;

	for (int i = 0; i < s->ncpus; i++) {
		if (cpu_enabled(s, &s->cpus[i]))
			mask |= 1u << i;
		if (s->cpus[i].state == SCHED_CPU_READY)
			unfinished++;
	}
	s->enabled_mask = mask;
	if (XS_UNLIKELY(s->mem != NULL) && s->end == SCHED_RUNNING && (!unfinished || !mask) &&
	    s->nsteps < s->step_limit && mem_choices(s, NULL, 0))
		return; /* a store still buffered, or an invalidation a blocked CPU waits for: not stuck yet */
	if (s->end == SCHED_RUNNING && (!unfinished || !mask || s->nsteps >= s->step_limit))
		end_if_stuck(s, mask, unfinished);
}

int sched_start(struct sched *s, char **cause)
{
	XS_ASSERT(!s->started && s->running < 0);
	/* one scheduler drives at a time; several may exist (replay compares two runs) */
	if (s->ncpus == 0)
		return util_errf(cause, "no CPUs to run");
	if (s->nsteps == 0 && s->trace_cap < s->step_limit) {
		free(s->trace);
		s->trace_cap = s->step_limit;
		s->trace = xmalloc(s->trace_cap * sizeof *s->trace);
	}
	for (int i = 0; i < s->ncpus; i++) {
		struct sched_cpu *c = &s->cpus[i];
		c->coro = coro_create(c->name, cpu_entry, c, cause);
		if (!c->coro)
			return -1;
	}
	if (s->mem && memmodel_model(s->mem) != (enum memmodel)s->memory_model) {
		memmodel_free(s->mem);
		s->mem = NULL;
	}
	if (s->memory_model != MEMMODEL_SC) {
		if (!s->mem)
			s->mem = memmodel_new((enum memmodel)s->memory_model, s->ncpus);
		memmodel_clear(s->mem, s->ncpus);
	}
	s->started = 1;
	sched_current = s;
	sched_world_now = s->world;
	main_co = coro_main();
	step_now = NULL;
	for (int i = 0; i < s->ncpus && s->end == SCHED_RUNNING; i++)
		cpu_resume(s, i);
	after_progress(s);
	return 0;
}

/* Why sched_step cannot run `cpu` now (kept apart: the step itself stays small). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int step_refused(struct sched *s, int cpu, char **cause)
{
	char buf[160];

	if (s->end != SCHED_RUNNING)
		return util_errf(cause, "step %zu: the run has already ended (%s)",
				 s->nsteps + 1, sched_end_name(s->end));
	if (cpu < 0 || cpu >= s->ncpus)
		return util_errf(cause, "step %zu: there is no CPU%d (this run has CPU0..CPU%d)",
				 s->nsteps + 1, cpu, s->ncpus - 1);
	return util_errf(cause, "step %zu: %s cannot run: %s", s->nsteps + 1, s->cpus[cpu].name,
			 sched_describe_wait(s, cpu, buf, sizeof buf));
}

/* A flush or a drain (memmodel.h): a step of the trace, on the main stack. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int mem_step(struct sched *s, int choice, char **cause)
{
	int open[SCHED_MAX_CHOICES], n = 0, ok = 0;
	struct sched_step *st;
	struct sched_obj *obj;
	int64_t value = 0;
	char name[96];

	if (s->end != SCHED_RUNNING)
		return step_refused(s, 0, cause);
	if (s->mem)
		n = mem_choices(s, open, SCHED_MAX_CHOICES);
	for (int i = 0; i < n && i < SCHED_MAX_CHOICES; i++)
		ok |= open[i] == choice;
	if (!ok)
		return util_errf(cause, "step %zu: %s is not open now (%s)", s->nsteps + 1,
				 memmodel_choice_name(s, choice, name, sizeof name),
				 s->mem ? "nothing in that buffer or queue can move" : "this run's memory model is sc");
	obj = memmodel_apply(s->mem, choice, &value);
	XS_ASSERT(obj && s->nsteps < s->trace_cap);
	st = &s->trace[s->nsteps++];
	st->site = memmodel_choice_kind(choice) == MEMMODEL_FLUSH ? &flush_site_ : &drain_site_;
	st->value = value;
	st->obj = obj->id;
	st->cpu = (uint8_t)memmodel_choice_cpu(choice);
	st->op = memmodel_choice_kind(choice) == MEMMODEL_FLUSH ? SCHED_OP_FLUSH : SCHED_OP_DRAIN;
	st->enabled = (uint8_t)s->enabled_mask;
	st->has_value = 1;
	after_progress(s);
	if (st->op == SCHED_OP_FLUSH && obj->watched && s->hook && s->end == SCHED_RUNNING)
		s->hook(s->hook_ctx, s);
	return 0;
}

int sched_step(struct sched *s, int cpu, char **cause)
{
	struct sched_cpu *c;
	struct sched_step *st;
	int watched_write;

	XS_ASSERT(s->started && s->running < 0);
	if (XS_UNLIKELY(sched_current != s)) {
		/* another run was stepped last: CPU code reaches this scheduler and its world */
		sched_current = s;
		sched_world_now = s->world;
	}
	if (XS_UNLIKELY(s->mem != NULL))
		memmodel_effects_clear(s->mem); /* memmodel_last_effects: this step's alone */
	if (XS_UNLIKELY(memmodel_is_choice(cpu)))
		return mem_step(s, cpu, cause);
	/* enabled_mask has bits of existing, ready CPUs only, and none once the run ended */
	if (XS_UNLIKELY(s->end != SCHED_RUNNING || cpu < 0 || cpu >= s->ncpus ||
			!(s->enabled_mask & (1u << cpu))))
		return step_refused(s, cpu, cause);
	c = &s->cpus[cpu];
	XS_ASSERT(s->nsteps < s->trace_cap);
	st = &s->trace[s->nsteps++];
	st->site = c->site;
	st->value = 0;
	st->obj = c->obj ? c->obj->id : SCHED_NO_OBJ;
	st->cpu = (uint8_t)cpu;
	st->op = (uint8_t)c->op;
	st->enabled = (uint8_t)s->enabled_mask;
	st->has_value = 0;
	watched_write = c->op == SCHED_OP_WRITE && c->obj && c->obj->watched;
	step_now = st;
	c->steps++;
	c->nreturns = 0;
	s->last = cpu;
	if (XS_UNLIKELY(s->mem != NULL) && c->op == SCHED_OP_WRITE && c->obj && !c->obj->buffered)
		memmodel_flush_all(s->mem, cpu); /* a store written through: every older store first (memmodel.c) */
	cpu_resume(s, cpu);
	after_progress(s);
	if (watched_write && s->hook && s->end == SCHED_RUNNING)
		s->hook(s->hook_ctx, s);
	return 0;
}

int sched_step_choice(const struct sched_step *st)
{
	if (XS_LIKELY(st->op != SCHED_OP_FLUSH && st->op != SCHED_OP_DRAIN))
		return st->cpu;
	return memmodel_choice(st->op == SCHED_OP_FLUSH ? MEMMODEL_FLUSH : MEMMODEL_DRAIN, st->cpu, st->obj);
}

int sched_policy_choose(const struct sched *s, enum sched_policy policy)
{
	unsigned mask = s->enabled_mask;
	int start;

	if (!mask) {
		int first;
		/* only the memory can move: the first flush or drain */
		return s->mem && mem_choices(s, &first, 1) ? first : -1;
	}
	if (policy == SCHED_POLICY_SEQUENTIAL) {
		if (s->last >= 0 && (mask & (1u << s->last)))
			return s->last;
		start = 0;
	} else {
		start = s->last + 1;
	}
	for (int k = 0; k < s->ncpus; k++) {
		int i = (start + k) % s->ncpus;
		if (mask & (1u << i))
			return i;
	}
	return -1;
}

struct list_chooser {
	const int *choices;
	size_t n, next;
	enum sched_policy policy;
};

static int list_choose(void *ctx, const struct sched *s)
{
	struct list_chooser *lc = ctx;

	if (lc->next < lc->n)
		return lc->choices[lc->next++];
	return sched_policy_choose(s, lc->policy);
}

int sched_run_with(struct sched *s, sched_choose_fn choose, void *ctx, char **cause)
{
	while (s->end == SCHED_RUNNING) {
		int cpu = choose(ctx, s);
		if (cpu < 0)
			return 0;
		if (sched_step(s, cpu, cause) != 0)
			return -1;
	}
	return 0;
}

int sched_run(struct sched *s, const int *choices, size_t n,
	      enum sched_policy policy, char **cause)
{
	struct list_chooser lc = { choices, n, 0, policy };

	return sched_run_with(s, list_choose, &lc, cause);
}

/* ---- views -------------------------------------------------------------------------- */

enum sched_end sched_end_reason(const struct sched *s) { return s->end; }
const char *sched_end_message(const struct sched *s) { return s->end_text ? s->end_text : ""; }
int sched_bug_cpu(const struct sched *s) { return s->bug_cpu; }
const struct sched_site *sched_bug_site(const struct sched *s) { return s->bug_site; }
/* Invariant: sched_current == s implies sched_world_now == s->world (sched_step relies on it). */
void sched_set_world(struct sched *s, void *world)
{
	s->world = world;
	if (sched_current == s)
		sched_world_now = world;
}
void *sched_world(const struct sched *s) { return s->world; }

void sched_make_current(struct sched *s)
{
	XS_ASSERT(!cpu_now); /* from the driving side only */
	sched_current = s;
	sched_world_now = s->world;
}
int sched_ncpus(const struct sched *s) { return s->ncpus; }
unsigned sched_enabled_mask(const struct sched *s) { return s->enabled_mask; }
int sched_last_cpu(const struct sched *s) { return s->last; }
size_t sched_nsteps(const struct sched *s) { return s->nsteps; }

int sched_cpu_enabled(const struct sched *s, int cpu)
{
	return cpu >= 0 && cpu < s->ncpus && (s->enabled_mask & (1u << cpu));
}

void sched_cpu_info(const struct sched *s, int cpu, struct sched_cpu_info *out)
{
	const struct sched_cpu *c = &s->cpus[cpu];

	XS_ASSERT(cpu >= 0 && cpu < s->ncpus);
	out->name = c->name;
	out->state = c->state;
	out->enabled = sched_cpu_enabled(s, cpu);
	out->op = c->op;
	out->obj = c->state == SCHED_CPU_READY ? c->obj : NULL;
	out->site = c->site;
	memcpy(out->frames, c->frames, sizeof out->frames);
	out->nframes = c->nframes < SCHED_MAX_FRAMES ? c->nframes : SCHED_MAX_FRAMES;
	out->steps = c->steps;
}

enum sched_cpu_state sched_cpu_pending(const struct sched *s, int cpu, enum sched_op *op,
				       const struct sched_obj **obj)
{
	const struct sched_cpu *c = &s->cpus[cpu];

	XS_ASSERT(cpu >= 0 && cpu < s->ncpus);
	*op = c->op;
	*obj = c->state == SCHED_CPU_READY ? c->obj : NULL;
	return c->state;
}

const struct sched_step *sched_trace(const struct sched *s, size_t *n)
{
	*n = s->nsteps;
	return s->trace;
}

unsigned sched_preemptions(const struct sched *s)
{
	unsigned n = 0;

	for (size_t i = 1; i < s->nsteps; i++) {
		unsigned prev = s->trace[i - 1].cpu;
		if (s->trace[i].cpu != prev && (s->trace[i].enabled & (1u << prev)))
			n++;
	}
	return n;
}

/* A string with its NUL, so that "ab","c" and "a","bc" hash apart. */
static uint64_t fnv_str(uint64_t h, const char *str)
{
	return util_fnv1a(h, str, strlen(str) + 1);
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i)); /* little-endian on every host */
	return util_fnv1a(h, b, sizeof b);
}

/* The hash of every step, the site's part given by site_part (the format differs there only). */
static uint64_t trace_hash(const struct sched *s, uint64_t (*site_part)(uint64_t h, const struct sched_site *site, void *ctx),
			   void *ctx)
{
	uint64_t h = UTIL_FNV1A_INIT;

	for (size_t i = 0; i < s->nsteps; i++) {
		const struct sched_step *st = &s->trace[i];
		h = fnv_u64(h, (uint64_t)st->cpu | (uint64_t)st->op << 8 |
			       (uint64_t)st->obj << 16 | (uint64_t)st->has_value << 32);
		h = fnv_str(h, st->site->func);
		h = site_part(h, st->site, ctx);
		h = fnv_u64(h, (uint64_t)st->value);
	}
	return fnv_u64(h, (uint64_t)s->end);
}

static uint64_t site_label(uint64_t h, const struct sched_site *site, void *ctx)
{
	(void)ctx;
	return fnv_str(h, site->label);
}

uint64_t sched_trace_hash(const struct sched *s)
{
	return trace_hash(s, site_label, NULL);
}

struct lines_ctx {
	int (*line_of)(const struct sched_site *site);
	int missing;
};

static uint64_t site_line(uint64_t h, const struct sched_site *site, void *ctx)
{
	struct lines_ctx *c = ctx;
	int line = c->line_of(site);

	if (line < 0)
		c->missing = 1;
	return fnv_u64(h, (uint64_t)line);
}

int sched_trace_hash_lines(const struct sched *s, int (*line_of)(const struct sched_site *site), uint64_t *hash)
{
	struct lines_ctx c = { line_of, 0 };

	*hash = trace_hash(s, site_line, &c);
	return c.missing ? -1 : 0;
}

char *sched_describe_wait(const struct sched *s, int cpu, char *buf, size_t len)
{
	const struct sched_cpu *c = &s->cpus[cpu];
	char name[64];

	if (c->state == SCHED_CPU_FINISHED) {
		snprintf(buf, len, "%s has finished its task", c->name);
	} else if (c->state == SCHED_CPU_HALTED) {
		snprintf(buf, len, "%s stopped at a kernel BUG", c->name);
	} else if (c->op == SCHED_OP_ACQUIRE && c->obj->owner >= 0) {
		snprintf(buf, len, "%s waits for %s, held by %s", c->name,
			 sched_obj_name(c->obj, name, sizeof name),
			 s->cpus[c->obj->owner].name);
	} else if (c->op == SCHED_OP_SEQ_READ_BEGIN && (seq_seen(s, c) & 1)) {
		snprintf(buf, len, "%s spins in read_seqcount_begin: %s is %u (odd: a writer is inside)",
			 c->name, sched_obj_name(c->obj, name, sizeof name), seq_seen(s, c));
	} else {
		snprintf(buf, len, "%s can run", c->name);
	}
	return buf;
}

/* ---- the CPU side ------------------------------------------------------------------- */

void sched_point(enum sched_op op, struct sched_obj *obj, const struct sched_site *site)
{
	struct sched_cpu *c = cpu_now;

	XS_ASSERT(c);
	c->op = op;
	c->obj = obj;
	c->site = site;
	coro_switch(main_co);
}

int64_t sched_note(int64_t value)
{
	struct sched_step *st = step_now;

	XS_ASSERT(cpu_now && st);
	st->value = value;
	st->has_value = 1;
	return value;
}

int sched_self(void)
{
	return sched_current ? sched_current->running : -1;
}

void sched_bug(const struct sched_site *site, const char *fmt, ...)
{
	struct sched *s = sched_current;
	va_list ap;

	XS_ASSERT(s && s->running >= 0);
	va_start(ap, fmt);
	end_run(s, SCHED_END_BUG, fmt, ap);
	va_end(ap);
	s->bug_cpu = s->running;
	s->bug_site = site;
	s->cpus[s->running].state = SCHED_CPU_HALTED;
	coro_switch_abandon(coro_main());
}

const struct sched_obj *sched_self_holds(enum sched_obj_kind kind)
{
	struct sched *s = sched_current;

	XS_ASSERT(s && s->running >= 0 && (unsigned)kind < SCHED_OBJ_KIND_COUNT);
	/* plain memory is never held, and has no list */
	for (unsigned i = 0; i < s->nkind[kind]; i++)
		if (s->of_kind[kind][i]->owner == s->running)
			return s->of_kind[kind][i];
	return NULL;
}

void sched_frame_enter(const char *func)
{
	struct sched_cpu *c = cpu_now;

	XS_ASSERT(c);
	if (c->nframes < SCHED_MAX_FRAMES)
		c->frames[c->nframes] = func;
	c->nframes++;
}

void sched_frame_leave(const char *func, int64_t ret)
{
	struct sched_cpu *c = cpu_now;

	XS_ASSERT(c && c->nframes > 0);
	c->nframes--;
	if (c->nreturns < SCHED_MAX_RETURNS) {
		c->returns[c->nreturns].func = func;
		c->returns[c->nreturns].value = ret;
		c->nreturns++;
	}
}

const struct sched_return *sched_cpu_returns(const struct sched *s, int cpu, int *n)
{
	XS_ASSERT(cpu >= 0 && cpu < s->ncpus);
	*n = s->cpus[cpu].nreturns;
	return s->cpus[cpu].returns;
}

/* ---- the site table ------------------------------------------------------------------ */

/* The linker gathers every SCHED_SITE's reference into "xs_sites" (GNU ld, lld). */
extern const struct sched_site *const __start_xs_sites[] __attribute__((weak));
extern const struct sched_site *const __stop_xs_sites[] __attribute__((weak));

const struct sched_site *const *sched_sites(size_t *n)
{
	*n = (size_t)(__stop_xs_sites - __start_xs_sites);
	return __start_xs_sites;
}

char *sched_site_id(const struct sched_site *site, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%s", site->func, site->label);
	return buf;
}

int sched_site_is(const struct sched_site *site, const char *id)
{
	const char *colon = strchr(id, ':');
	size_t n;

	if (!colon)
		return 0;
	n = (size_t)(colon - id);
	if (!(n == 1 && id[0] == '*') && (strncmp(site->func, id, n) != 0 || site->func[n] != '\0'))
		return 0;
	return strcmp(site->label, colon + 1) == 0;
}

static const char *site_base(const char *file)
{
	const char *b = strrchr(file, '/');

	return b ? b + 1 : file;
}

int sched_site_rank(const struct sched_site *site)
{
	size_t n;
	const struct sched_site *const *all = sched_sites(&n);
	int rank = 0;

	for (size_t i = 0; i < n; i++)
		if (all[i] != site && all[i]->line < site->line && strcmp(all[i]->func, site->func) == 0 &&
		    strcmp(all[i]->label, site->label) == 0 &&
		    strcmp(site_base(all[i]->file), site_base(site->file)) == 0)
			rank++;
	return rank;
}

/* ---- the state, for the stateful search ----------------------------------------- */

int sched_cpu_state_hash(const struct sched *s, int cpu, struct state_hash *out)
{
	const struct sched_cpu *c = &s->cpus[cpu];
	struct state_hash h;

	XS_ASSERT(cpu >= 0 && cpu < s->ncpus && s->running < 0);
	state_hash_init(&h, (uint64_t)cpu);
	/* what the CPU does next and where it is; not its name, trace or last returns */
	state_hash_word(&h, (uint64_t)c->state | (uint64_t)c->op << 8 | (uint64_t)c->task_returned << 16 |
			    (uint64_t)(unsigned)c->nframes << 24 | (uint64_t)c->steps << 32);
	state_hash_word(&h, c->obj ? c->obj->id + 1u : 0);
	state_hash_word(&h, (uint64_t)(uintptr_t)c->site);
	for (int f = 0; f < c->nframes && f < SCHED_MAX_FRAMES; f++)
		state_hash_word(&h, (uint64_t)(uintptr_t)c->frames[f]);
	if (c->coro && coro_state_hash(c->coro, &h) != 0)
		return -1;
	*out = state_hash_final(&h);
	return 0;
}

void sched_state_hash(const struct sched *s, struct state_hash *h)
{
	state_hash_word(h, (uint64_t)s->end | (uint64_t)(unsigned)(s->bug_cpu + 1) << 8 |
			   (uint64_t)s->nsteps << 32);
	state_hash_word(h, (uint64_t)(uintptr_t)s->bug_site);
	if (s->mem)
		memmodel_hash(s->mem, h);
}

/* ---- snapshots, for the explorer's checkpoints -------------------------------------- */

struct sched_snap {
	struct sched_cpu cpus[SCHED_MAX_CPUS];
	struct coro_snap *co[SCHED_MAX_CPUS];
	int ncpus, last;
	unsigned enabled_mask;
	size_t nsteps;
	struct memmodel_state *mem; /* the buffers at save, NULL in sc */
};

struct sched_snap *sched_snap_new(void)
{
	struct sched_snap *sn = xcalloc(1, sizeof *sn);

	for (int c = 0; c < SCHED_MAX_CPUS; c++)
		sn->co[c] = coro_snap_new();
	return sn;
}

void sched_snap_free(struct sched_snap *sn)
{
	if (!sn)
		return;
	for (int c = 0; c < SCHED_MAX_CPUS; c++)
		coro_snap_free(sn->co[c]);
	memmodel_free(sn->mem);
	free(sn);
}

int sched_snap_save(const struct sched *s, struct sched_snap *sn)
{
	XS_ASSERT(s->started && s->running < 0 && s->end == SCHED_RUNNING);
	for (int c = 0; c < s->ncpus; c++)
		if (coro_snap_save(s->cpus[c].coro, sn->co[c]) != 0)
			return -1;
	memcpy(sn->cpus, s->cpus, (size_t)s->ncpus * sizeof *s->cpus);
	sn->ncpus = s->ncpus;
	sn->last = s->last;
	sn->enabled_mask = s->enabled_mask;
	sn->nsteps = s->nsteps;
	if (s->mem) {
		if (!sn->mem)
			sn->mem = memmodel_new(MEMMODEL_SC, 0);
		memmodel_copy(sn->mem, s->mem);
	}
	return 0;
}

int sched_snap_restore(struct sched *s, const struct sched_snap *sn)
{
	XS_ASSERT(s->started && s->running < 0 && sn->ncpus == s->ncpus && sn->nsteps <= s->trace_cap);
	for (int c = 0; c < s->ncpus; c++)
		if (s->cpus[c].coro != sn->cpus[c].coro)
			return -1;   /* started again with other coroutines: their stacks are elsewhere */
	for (int c = 0; c < s->ncpus; c++)
		coro_snap_restore(s->cpus[c].coro, sn->co[c]);
	memcpy(s->cpus, sn->cpus, (size_t)s->ncpus * sizeof *s->cpus);
	s->last = sn->last;
	s->enabled_mask = sn->enabled_mask;
	s->nsteps = sn->nsteps;   /* the trace's first nsteps records are the snapshot's path */
	if (s->mem && sn->mem)
		memmodel_copy(s->mem, sn->mem);
	clear_end(s);
	sched_current = s;
	sched_world_now = s->world;
	step_now = s->nsteps ? &s->trace[s->nsteps - 1] : NULL;
	return 0;
}
