/*
 * memmodel.c - store buffers and invalidate queues (memmodel.h).
 *
 * Central structure: struct memmodel_state, one struct mem_cpu per CPU
 * with its store buffer (sb, oldest first) and, in `weak`, its invalidate
 * queue (iq, oldest first).  A store buffer entry is a store this CPU has
 * made that no other CPU sees yet: the address, the bytes, the object it
 * belongs to and its epoch (smp_wmb raises the CPU's epoch).  An
 * invalidate queue entry is a store another CPU made visible that this
 * CPU has acknowledged but not yet applied: it keeps the old bytes, which
 * this CPU goes on reading until the entry is drained.
 *
 * The machines:
 *  - tso (Owens, Sarkar, Sewell, "A better x86 memory model: x86-TSO",
 *    TPHOLs 2009, its abstract machine): only the oldest entry of a
 *    buffer may be flushed; a CPU reads its own newest buffered store
 *    first; a locked instruction and MFENCE (smp_mb) flush the whole
 *    buffer; smp_wmb and smp_rmb are compiler barriers only.  No queue.
 *  - weak (McKenney, "Memory Barriers: a Hardware View for Software
 *    Hackers", 2010, sections 4 and 5; Documentation/memory-barriers.txt):
 *    any entry may be flushed, except after an older one of the same
 *    object (per-location coherence) or after an older one of a lower
 *    epoch (smp_wmb keeps the stores before it ahead of those after it);
 *    a flush puts an invalidation in every other CPU's queue; the oldest
 *    invalidation of an object may be drained; smp_rmb drains the whole
 *    queue; smp_mb flushes the buffer and drains the queue.  A CPU that
 *    flushes a store first applies its own queued invalidations of that
 *    address (it must own the cache line to write it), so it never reads
 *    a value older than its own store.
 *
 * The kernel's primitives and their barriers, as the sandbox gives them
 * (sched_barrier calls in sync.c; what each kind does is memmodel_barrier
 * below).  Established from Documentation/memory-barriers.txt of the 2.6
 * era ("LOCKING FUNCTIONS", "ATOMIC OPERATIONS", "SMP BARRIER PAIRING"),
 * Documentation/atomic_ops.txt, and the shape of 2.6.27's x86 code as
 * those documents and the x86-TSO paper describe it; no kernel text is
 * copied:
 *  - spin_lock: x86 takes a ticket with a locked xadd, a full barrier
 *    (tso: flush the buffer); weak: acquire only (later loads drain the
 *    queue first).  spin_unlock: x86 releases with a plain, unlocked
 *    increment, so it waits in the FIFO behind older stores; modelled as
 *    "flush the buffer, then release", which also keeps the unlocking
 *    CPU's later loads from passing the release: a strengthening, and
 *    the same in weak (release: every older store visible first).
 *  - mutex_lock/mutex_unlock: x86's fast paths are locked decrement and
 *    increment, full barriers both; weak: acquire and release, which is
 *    all memory-barriers.txt promises for sleeping locks.
 *  - lock_page/unlock_page: test_and_set_bit_lock / clear_bit_unlock,
 *    acquire and release (atomic_ops.txt); the same as the locks here.
 *  - the seqcount: sync.c, where each of its four barriers sits.
 *  - atomics (page _count and _mapcount: get_page, put_page, the rmap
 *    counters; ext2's bitmap bit): atomic_ops.txt gives the ones that
 *    return a value (atomic_dec_and_test, atomic_add_negative,
 *    atomic_inc_and_test) full barrier semantics and the void ones
 *    (atomic_inc) none; x86 makes every one a locked instruction.  The
 *    sandbox writes them through after flushing the buffer in every
 *    model: right for x86, a strengthening for get_page under weak.
 *  - set_pte_at and the other pte stores: plain stores under the ptl,
 *    whose release orders them; written through (with the flush) here,
 *    so a pte is never seen late: a strengthening, named in world.c.
 * Every strengthening removes behaviours and never adds one: a
 * counterexample the search finds is one the unsimplified model allows;
 * a proof holds only for the model as simplified.
 *
 * Invariants:
 *  - Between steps, memory holds no CPU's view: every buffered store is
 *    only in its entry, and every stale value only in its queue entry.
 *  - Within a buffer, epochs never decrease; entries of one object stay
 *    in program order.
 *  - saved[] is non-empty only between memmodel_enter and memmodel_leave,
 *    and holds each address of the view once, with memory's bytes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memmodel.h"
#include "statehash.h"

#define MEM_SB_MAX 16
#define MEM_IQ_MAX MEMMODEL_IQ_MAX
#define MEM_BYTES 16

struct mem_entry {
	struct sched_obj *obj;
	unsigned char *addr;
	uint8_t size;
	unsigned epoch;
	unsigned char bytes[MEM_BYTES]; /* sb: the new bytes; iq: the old ones */
};

struct mem_cpu {
	struct mem_entry sb[MEM_SB_MAX];
	int nsb;
	unsigned epoch;
	struct mem_entry iq[MEM_IQ_MAX];
	int niq;
};

struct mem_saved {
	unsigned char *addr;
	uint8_t size;
	unsigned char bytes[MEM_BYTES];
};

struct memmodel_state {
	enum memmodel model;
	int ncpus;
	int running;   /* CPU whose view is in memory, -1 for none */
	struct mem_cpu cpu[SCHED_MAX_CPUS];
	struct mem_saved saved[MEM_SB_MAX + MEM_IQ_MAX];
	int nsaved;
	struct memmodel_effects eff;   /* of the step running or just run */
};

static const char *const model_names[MEMMODEL_COUNT] = { "sc", "tso", "weak" };

const char *memmodel_name(enum memmodel m)
{
	return (unsigned)m < MEMMODEL_COUNT ? model_names[m] : "?";
}

int memmodel_parse(const char *text, enum memmodel *out, char **cause)
{
	for (int m = 0; m < MEMMODEL_COUNT; m++)
		if (strcmp(text, model_names[m]) == 0) {
			*out = (enum memmodel)m;
			return 0;
		}
	return util_errf(cause, "unknown memory model '%s' (sc, tso or weak)", text);
}

struct memmodel_state *memmodel_new(enum memmodel m, int ncpus)
{
	struct memmodel_state *mm = xcalloc(1, sizeof *mm);

	mm->model = m;
	memmodel_clear(mm, ncpus);
	return mm;
}

void memmodel_free(struct memmodel_state *mm) { free(mm); }
enum memmodel memmodel_model(const struct memmodel_state *mm) { return mm->model; }

void memmodel_clear(struct memmodel_state *mm, int ncpus)
{
	XS_ASSERT(ncpus <= SCHED_MAX_CPUS);
	memset(mm->cpu, 0, sizeof mm->cpu);
	mm->ncpus = ncpus;
	mm->running = -1;
	mm->nsaved = 0;
}

void memmodel_effects_clear(struct memmodel_state *mm)
{
	memset(&mm->eff, 0, sizeof mm->eff);
}

const struct memmodel_effects *memmodel_last_effects(const struct memmodel_state *mm)
{
	return &mm->eff;
}

int memmodel_longest_queue(const struct memmodel_state *mm)
{
	int n = 0;

	for (int c = 0; c < mm->ncpus; c++)
		if (mm->cpu[c].niq > n)
			n = mm->cpu[c].niq;
	return n;
}

void memmodel_copy(struct memmodel_state *to, const struct memmodel_state *from)
{
	XS_ASSERT(from->running < 0);
	memcpy(to, from, sizeof *to);
}

void memmodel_hash(const struct memmodel_state *mm, struct state_hash *h)
{
	for (int c = 0; c < mm->ncpus; c++) {
		const struct mem_cpu *mc = &mm->cpu[c];
		state_hash_word(h, (uint64_t)mc->nsb | (uint64_t)mc->niq << 16);
		for (int i = 0; i < mc->nsb; i++) {
			state_hash_word(h, (uint64_t)(uintptr_t)mc->sb[i].addr ^ (uint64_t)mc->sb[i].epoch << 48);
			state_hash_bytes(h, mc->sb[i].bytes, mc->sb[i].size);
		}
		for (int i = 0; i < mc->niq; i++) {
			state_hash_word(h, (uint64_t)(uintptr_t)mc->iq[i].addr);
			state_hash_bytes(h, mc->iq[i].bytes, mc->iq[i].size);
		}
	}
}

/* ---- the view ------------------------------------------------------------------ */

static void view_put(struct memmodel_state *mm, unsigned char *addr, const unsigned char *bytes, uint8_t size)
{
	int i;

	for (i = 0; i < mm->nsaved && mm->saved[i].addr != addr; i++)
		;
	if (i == mm->nsaved) {
		XS_ASSERT(mm->nsaved < (int)(sizeof mm->saved / sizeof mm->saved[0]));
		mm->saved[i].addr = addr;
		mm->saved[i].size = size;
		memcpy(mm->saved[i].bytes, addr, size);
		mm->nsaved++;
	}
	XS_ASSERT(mm->saved[i].size == size); /* one object field, one size */
	memcpy(addr, bytes, size);
}

void memmodel_enter(struct memmodel_state *mm, int cpu)
{
	struct mem_cpu *mc = &mm->cpu[cpu];

	XS_ASSERT(mm->running < 0 && mm->nsaved == 0);
	mm->running = cpu;
	/* stale values under the own stores; the oldest invalidation of an address is what it still sees */
	for (int i = mc->niq; i-- > 0;)
		view_put(mm, mc->iq[i].addr, mc->iq[i].bytes, mc->iq[i].size);
	for (int i = 0; i < mc->nsb; i++)
		view_put(mm, mc->sb[i].addr, mc->sb[i].bytes, mc->sb[i].size);
}

void memmodel_leave(struct memmodel_state *mm)
{
	XS_ASSERT(mm->running >= 0);
	for (int i = mm->nsaved; i-- > 0;)
		memcpy(mm->saved[i].addr, mm->saved[i].bytes, mm->saved[i].size);
	mm->nsaved = 0;
	mm->running = -1;
}

/* The value in an entry's bytes, as the trace notes it (little-endian host, sign of a narrow int kept). */
static int64_t entry_value(const struct mem_entry *e)
{
	switch (e->size) {
	case 1: { int8_t v; memcpy(&v, e->bytes, 1); return v; }
	case 2: { int16_t v; memcpy(&v, e->bytes, 2); return v; }
	case 4: { int32_t v; memcpy(&v, e->bytes, 4); return v; }
	default: { int64_t v = 0; memcpy(&v, e->bytes, e->size < 8 ? e->size : 8); return v; }
	}
}

unsigned memmodel_view_u32(const struct memmodel_state *mm, int cpu, const unsigned *addr, int fresh)
{
	const struct mem_cpu *mc = &mm->cpu[cpu];
	unsigned v = *addr;

	XS_ASSERT(mm->running < 0);
	for (int i = fresh ? 0 : mc->niq; i-- > 0;)
		if (mc->iq[i].addr == (const unsigned char *)addr)
			memcpy(&v, mc->iq[i].bytes, sizeof v);
	for (int i = 0; i < mc->nsb; i++)
		if (mc->sb[i].addr == (const unsigned char *)addr)
			memcpy(&v, mc->sb[i].bytes, sizeof v);
	return v;
}

/* ---- moving stores and invalidations (main stack: no view in memory) ------------------ */

static int can_flush(const struct memmodel_state *mm, const struct mem_cpu *mc, int i)
{
	if (mm->model == MEMMODEL_TSO)
		return i == 0;
	if (mc->sb[i].epoch != mc->sb[0].epoch)
		return 0;   /* an smp_wmb separates it from an older store still buffered */
	for (int j = 0; j < i; j++)
		if (mc->sb[j].obj == mc->sb[i].obj)
			return 0;
	return 1;
}

static int can_drain(const struct mem_cpu *mc, int i)
{
	for (int j = 0; j < i; j++)
		if (mc->iq[j].obj == mc->iq[i].obj)
			return 0;
	return 1;
}

static void iq_remove(struct mem_cpu *mc, int i)
{
	memmove(&mc->iq[i], &mc->iq[i + 1], (size_t)(mc->niq - i - 1) * sizeof mc->iq[0]);
	mc->niq--;
}

/* Entry i of cpu's buffer becomes visible: memory takes it, every other CPU queues an invalidation. */
static void flush_entry(struct memmodel_state *mm, int cpu, int i)
{
	struct mem_cpu *mc = &mm->cpu[cpu];
	struct mem_entry e = mc->sb[i];

	XS_ASSERT(mm->running < 0 && i < mc->nsb);
	mm->eff.flushed[(e.obj->id >> 6) & 3] |= 1ull << (e.obj->id & 63);
	mm->eff.nflushed++;
	memmove(&mc->sb[i], &mc->sb[i + 1], (size_t)(mc->nsb - i - 1) * sizeof mc->sb[0]);
	mc->nsb--;
	if (mm->model == MEMMODEL_WEAK) {
		for (int k = mc->niq; k-- > 0;)
			if (mc->iq[k].addr == e.addr)
				iq_remove(mc, k);
		for (int c = 0; c < mm->ncpus; c++) {
			struct mem_cpu *other = &mm->cpu[c];
			struct mem_entry inv = e;
			if (c == cpu)
				continue;
			if (other->niq == MEM_IQ_MAX)
				iq_remove(other, 0); /* a full queue makes its CPU apply its oldest invalidation */
			memcpy(inv.bytes, e.addr, e.size);
			other->iq[other->niq++] = inv;
		}
	}
	memcpy(e.addr, e.bytes, e.size);
}

void memmodel_flush_all(struct memmodel_state *mm, int cpu)
{
	while (mm->cpu[cpu].nsb)
		flush_entry(mm, cpu, 0); /* program order is an order every model allows */
}

int memmodel_buffered(const struct memmodel_state *mm)
{
	for (int c = 0; c < mm->ncpus; c++)
		if (mm->cpu[c].nsb)
			return 1;
	return 0;
}

int memmodel_choices(const struct memmodel_state *mm, struct sched_obj *const *reads, int finished_all,
		     int *out, int max)
{
	int n = 0;

	for (int c = 0; c < mm->ncpus; c++) {
		const struct mem_cpu *mc = &mm->cpu[c];
		for (int i = 0; i < mc->nsb; i++)
			if (can_flush(mm, mc, i)) {
				if (n < max)
					out[n] = memmodel_choice(MEMMODEL_FLUSH, c, mc->sb[i].obj->id);
				n++;
			}
		/*
		 * A drain is offered only when the CPU is about to read that object:
		 * applying an invalidation changes nothing but what this CPU reads,
		 * so draining earlier gives no state a later drain does not.
		 */
		if (finished_all || !reads[c])
			continue;
		for (int i = 0; i < mc->niq; i++)
			if (mc->iq[i].obj == reads[c] && can_drain(mc, i)) {
				if (n < max)
					out[n] = memmodel_choice(MEMMODEL_DRAIN, c, mc->iq[i].obj->id);
				n++;
			}
	}
	return n;
}

struct sched_obj *memmodel_apply(struct memmodel_state *mm, int choice, int64_t *value)
{
	int cpu = memmodel_choice_cpu(choice);
	unsigned obj = memmodel_choice_obj(choice);
	struct mem_cpu *mc;

	XS_ASSERT(cpu < mm->ncpus);
	mc = &mm->cpu[cpu];
	if (memmodel_choice_kind(choice) == MEMMODEL_FLUSH) {
		for (int i = 0; i < mc->nsb; i++)
			if (mc->sb[i].obj->id == obj && can_flush(mm, mc, i)) {
				struct sched_obj *o = mc->sb[i].obj;
				*value = entry_value(&mc->sb[i]);
				flush_entry(mm, cpu, i);
				return o;
			}
	} else {
		for (int i = 0; i < mc->niq; i++)
			if (mc->iq[i].obj->id == obj && can_drain(mc, i)) {
				struct sched_obj *o = mc->iq[i].obj;
				*value = entry_value(&mc->iq[i]);
				iq_remove(mc, i);
				return o;
			}
	}
	return NULL;
}

/* ---- the CPU side ------------------------------------------------------------------ */

/* Change the buffers from the CPU side: take the view out, change, put it back. */
static void flush_from_cpu(struct memmodel_state *mm, int drain)
{
	int cpu = mm->running;

	memmodel_leave(mm);
	memmodel_flush_all(mm, cpu);
	if (drain)
		mm->cpu[cpu].niq = 0;
	memmodel_enter(mm, cpu);
}

void memmodel_store(struct memmodel_state *mm, struct sched_obj *obj, void *addr, const void *src, size_t size)
{
	int cpu = mm->running;
	struct mem_cpu *mc;
	struct mem_entry *e;

	XS_ASSERT(cpu >= 0 && size <= MEM_BYTES);
	mc = &mm->cpu[cpu];
	if (mc->nsb == MEM_SB_MAX)
		flush_from_cpu(mm, 0); /* a full buffer stalls the store until it has drained */
	e = &mc->sb[mc->nsb++];
	e->obj = obj;
	e->addr = addr;
	e->size = (uint8_t)size;
	e->epoch = mc->epoch;
	memcpy(e->bytes, src, size);
	view_put(mm, addr, src, (uint8_t)size); /* the CPU reads its own store at once */
}

void memmodel_barrier(struct memmodel_state *mm, enum sched_barrier b)
{
	int cpu = mm->running;
	struct mem_cpu *mc = &mm->cpu[cpu];
	int weak = mm->model == MEMMODEL_WEAK;

	XS_ASSERT(cpu >= 0);
	switch (b) {
	case SCHED_BARRIER_MB:
		flush_from_cpu(mm, weak);
		mm->eff.drained |= weak;
		break;
	case SCHED_BARRIER_WMB:
		if (weak && mc->nsb)
			mc->epoch++;
		break;
	case SCHED_BARRIER_RMB:
		mm->eff.drained |= weak;
		if (weak && mc->niq) {
			memmodel_leave(mm);
			mc->niq = 0;
			memmodel_enter(mm, cpu);
		}
		break;
	case SCHED_BARRIER_ACQUIRE:
		/* x86: a locked instruction, a full barrier; weak: later loads wait (an rmb after it) */
		memmodel_barrier(mm, weak ? SCHED_BARRIER_RMB : SCHED_BARRIER_MB);
		break;
	case SCHED_BARRIER_RELEASE:
		/* every older store visible before the lock is seen free */
		if (mc->nsb)
			flush_from_cpu(mm, 0);
		break;
	}
}

/* ---- names and the view ------------------------------------------------------------ */

char *memmodel_choice_name(const struct sched *s, int choice, char *buf, size_t len)
{
	char name[64];
	const struct sched_obj *obj;

	if (!memmodel_is_choice(choice)) {
		snprintf(buf, len, "cpu%d", choice);
		return buf;
	}
	obj = sched_obj_by_id(s, memmodel_choice_obj(choice));
	snprintf(buf, len, "%s%d:%s", memmodel_choice_kind(choice) == MEMMODEL_FLUSH ? "flush" : "drain",
		 memmodel_choice_cpu(choice), obj ? sched_obj_name(obj, name, sizeof name) : "?");
	return buf;
}

int memmodel_choice_parse(const struct sched *s, const char *text, int *out)
{
	enum memmodel_choice_kind k;
	char name[64];

	if (strncmp(text, "flush", 5) == 0)
		k = MEMMODEL_FLUSH;
	else if (strncmp(text, "drain", 5) == 0)
		k = MEMMODEL_DRAIN;
	else
		return -1;
	if (text[5] < '0' || text[5] > '9' || text[6] != ':' || text[5] - '0' >= sched_ncpus(s))
		return -1;
	for (unsigned id = 0; id < sched_obj_count(s); id++)
		if (strcmp(sched_obj_name(sched_obj_by_id(s, id), name, sizeof name), text + 7) == 0) {
			*out = memmodel_choice(k, text[5] - '0', id);
			return 0;
		}
	return -1;
}

int memmodel_entries(const struct sched *s, int cpu, int queue, struct memmodel_entry *out, int max)
{
	const struct memmodel_state *mm = sched_memmodel(s);
	const struct mem_cpu *mc;
	int n;

	if (!mm || cpu < 0 || cpu >= mm->ncpus)
		return 0;
	mc = &mm->cpu[cpu];
	n = queue ? mc->niq : mc->nsb;
	for (int i = 0; i < n && i < max; i++) {
		const struct mem_entry *e = queue ? &mc->iq[i] : &mc->sb[i];
		out[i].obj = e->obj;
		out[i].value = entry_value(e);
		out[i].epoch = e->epoch;
		out[i].can_move = queue ? can_drain(mc, i) : can_flush(mm, mc, i);
	}
	return n;
}
