/*
 * explore_states.c - what the searches keep of states: the set of
 * distinct final states every search counts (struct ex_set, at the end),
 * the stateful search's table of visited states and its keys, and the
 * checkpoints every search resumes from (dpor.c explains how both are
 * used).  The table holds, for each state met, its 128-bit hash
 * (statehash.h) and the sleep set it was last explored with.
 *
 * Central structure: struct ex_states, open addressing with linear
 * probing over 16-byte slots, grown at half load.  A slot is the hash's
 * two words with the low byte of the second replaced by the sleep set
 * and the low bit of the first set, so an empty slot (both words zero)
 * is never a state: 119 bits of hash are kept.  The table never shrinks
 * and never forgets a state: when it would grow past its memory bound it
 * stops taking new states (ex_states_visit says so), and the search goes
 * on statelessly below them: slower, never unsound.  A wide table
 * (explore_mem.c's) keeps instead, in the second word's low 24 bits, the
 * sleep set of choices 0..23 (by index; later choices are taken as
 * asleep, which only makes a state met again be searched again): 103
 * bits of hash.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "explore-int.h"
#include "statehash.h"

#define STATES_FIRST_CAP 4096   /* slots */

void ex_states_init(struct ex_states *t, size_t max_bytes)
{
	memset(t, 0, sizeof *t);
	t->max_bytes = max_bytes;
}

void ex_states_free(struct ex_states *t)
{
	free(t->slot);
	free(t->sum);
	free(t->sumidx);
	memset(t, 0, sizeof *t);
}

void ex_states_init_wide(struct ex_states *t, size_t max_bytes)
{
	ex_states_init(t, max_bytes);
	t->wide = 1;
}

static size_t slot_index(uint64_t a, size_t cap)
{
	return (size_t)(a >> 7) & (cap - 1);
}

/* Room for one more state; 0 when the memory bound forbids it. */
static int room(struct ex_states *t)
{
	size_t cap, w = 2;
	uint64_t *bigger;

	if (2 * (t->n + 1) <= t->cap)
		return 1;
	cap = t->cap ? 2 * t->cap : STATES_FIRST_CAP;
	if (t->max_bytes && t->bytes + (cap - t->cap) * w * sizeof *bigger > t->max_bytes)
		return 0;
	bigger = xcalloc(cap * w, sizeof *bigger);
	for (size_t k = 0; k < t->cap; k++) {
		uint64_t a = t->slot[w * k];
		size_t i;
		if (!a)
			continue;
		for (i = slot_index(a, cap); bigger[w * i]; i = (i + 1) & (cap - 1))
			;
		memcpy(&bigger[w * i], &t->slot[w * k], w * sizeof *bigger);
	}
	free(t->slot);
	t->slot = bigger;
	t->bytes += (cap - t->cap) * w * sizeof *bigger;
	t->cap = cap;
	return 1;
}

/* A state not in the table: its two words in a free slot, if the memory bound leaves room. */
static int insert(struct ex_states *t, uint64_t a, uint64_t second)
{
	size_t i;

	if (!room(t)) {
		t->full = 1;
		t->refused++;
		return EX_STATES_UNSTORED;
	}
	for (i = slot_index(a, t->cap); t->slot[2 * i]; i = (i + 1) & (t->cap - 1))
		;
	t->slot[2 * i] = a;
	t->slot[2 * i + 1] = second;
	t->n++;
	return EX_STATES_NEW;
}

#define SLOT_HASH_B 0xffffffff00000000ull   /* b's bits that are hash; below: summary id, sleep set */

int ex_states_visit(struct ex_states *t, const struct state_hash *key, uint8_t sleep, uint8_t *stored,
		    uint32_t *sum)
{
	uint64_t a = key->a | 1, b = key->b & SLOT_HASH_B;
	size_t i;

	XS_ASSERT(!t->wide);
	if (t->cap) {
		for (i = slot_index(a, t->cap); t->slot[2 * i]; i = (i + 1) & (t->cap - 1)) {
			uint64_t *s = &t->slot[2 * i];
			if (s[0] == a && (s[1] & SLOT_HASH_B) == b) {
				*stored = (uint8_t)s[1];
				*sum = (uint32_t)(s[1] >> 8) & EX_SUM_MAX_ID;
				s[1] = (s[1] & ~(uint64_t)0xff) | (uint8_t)(*stored & sleep);
				return EX_STATES_SEEN;
			}
		}
	}
	return insert(t, a, b | sleep);
}

#define SLOT_WIDE_SLEEP 0xffffffull   /* wide: b's low 24 bits are the sleep set of choices 0..23 */

int ex_states_visit_wide(struct ex_states *t, const struct state_hash *key, uint64_t sleep, uint64_t *stored)
{
	uint64_t a = key->a | 1, b = key->b & ~SLOT_WIDE_SLEEP;
	size_t i;

	XS_ASSERT(t->wide);
	if (t->cap) {
		for (i = slot_index(a, t->cap); t->slot[2 * i]; i = (i + 1) & (t->cap - 1)) {
			uint64_t *s = &t->slot[2 * i];
			if (s[0] == a && (s[1] & ~SLOT_WIDE_SLEEP) == b) {
				/* choices past 23 count as asleep then: a superset, so more is searched again, never less */
				*stored = (s[1] & SLOT_WIDE_SLEEP) | ~SLOT_WIDE_SLEEP;
				s[1] = b | (s[1] & sleep & SLOT_WIDE_SLEEP);   /* Godefroid's Figure 5.3: what both visits had asleep */
				return EX_STATES_SEEN;
			}
		}
	}
	return insert(t, a, b | (sleep & SLOT_WIDE_SLEEP));
}

void ex_states_set_sum(struct ex_states *t, const struct state_hash *key, uint32_t id)
{
	uint64_t a = key->a | 1, b = key->b & SLOT_HASH_B;

	XS_ASSERT(id <= EX_SUM_MAX_ID && !t->wide);
	if (!t->cap)
		return;
	for (size_t i = slot_index(a, t->cap); t->slot[2 * i]; i = (i + 1) & (t->cap - 1)) {
		uint64_t *s = &t->slot[2 * i];
		if (s[0] == a && (s[1] & SLOT_HASH_B) == b) {
			s[1] = b | (uint64_t)id << 8 | (uint8_t)s[1];
			return;
		}
	}
}

/* ---- summaries ------------------------------------------------------------------ */

static uint64_t sum_hash(const uint64_t *w, size_t n)
{
	struct state_hash h;

	state_hash_init(&h, n);
	for (size_t i = 0; i < n; i++)
		state_hash_word(&h, w[i]);
	return state_hash_final(&h).a;
}

const uint64_t *ex_sums_get(const struct ex_states *t, uint32_t id)
{
	XS_ASSERT(id >= 1 && id <= t->nsum);
	return &t->sum[(size_t)(id - 1) * t->sumw];
}

/* Room for one more summary (records and index); 0 when the memory bound forbids it. */
static int sum_room(struct ex_states *t)
{
	size_t w = t->sumw, extra = 0;

	if (t->nsum >= EX_SUM_MAX_ID)
		return 0;
	if (t->nsum == t->sumcap)
		extra += (t->sumcap ? t->sumcap : 256) * w * sizeof *t->sum;
	if (2 * (t->nsum + 1) > t->sumicap)
		extra += (t->sumicap ? t->sumicap : 1024) * 2 * sizeof *t->sumidx;
	if (t->max_bytes && t->bytes + extra > t->max_bytes)
		return 0;
	if (t->nsum == t->sumcap) {
		size_t cap = t->sumcap ? 2 * t->sumcap : 256;
		t->sum = xrealloc(t->sum, cap * w * sizeof *t->sum);
		t->bytes += (cap - t->sumcap) * w * sizeof *t->sum;
		t->sumcap = cap;
	}
	if (2 * (t->nsum + 1) > t->sumicap) {
		size_t cap = t->sumicap ? 2 * t->sumicap : 2048;
		uint32_t *idx = xcalloc(cap, sizeof *idx);
		for (size_t id = 1; id <= t->nsum; id++) {
			size_t i = (size_t)sum_hash(ex_sums_get(t, (uint32_t)id), w) & (cap - 1);
			while (idx[i])
				i = (i + 1) & (cap - 1);
			idx[i] = (uint32_t)id;
		}
		free(t->sumidx);
		t->sumidx = idx;
		t->bytes += (cap - t->sumicap) * sizeof *idx;
		t->sumicap = cap;
	}
	return 1;
}

uint32_t ex_sums_intern(struct ex_states *t, const uint64_t *sum)
{
	size_t w = t->sumw, i;
	uint64_t h = sum_hash(sum, w);

	XS_ASSERT(w > 0);
	if (t->sumicap) {
		for (i = (size_t)h & (t->sumicap - 1); t->sumidx[i]; i = (i + 1) & (t->sumicap - 1))
			if (memcmp(ex_sums_get(t, t->sumidx[i]), sum, w * sizeof *sum) == 0)
				return t->sumidx[i];
	}
	if (!sum_room(t)) {
		t->sum_refused++;
		return 0;
	}
	memcpy(&t->sum[t->nsum * w], sum, w * sizeof *sum);
	t->nsum++;
	for (i = (size_t)h & (t->sumicap - 1); t->sumidx[i]; i = (i + 1) & (t->sumicap - 1))
		;
	t->sumidx[i] = (uint32_t)t->nsum;
	return (uint32_t)t->nsum;
}

/* ---- the keys of states ------------------------------------------------------- */

/*
 * The key of the state at new node d: the world's bytes and each CPU's
 * continuation, every CPU's stack hashed again at every node.  (Taking a
 * suspended CPU's hash from node d - 1 would save most of that work, but
 * a check that compared the two within one execution found them
 * different: until that is understood, nothing is taken on trust.)
 */
static int state_key(struct ex_search *x, struct sched *s, size_t d, struct state_hash *key)
{
	struct state_hash h, *ch = &x->cpuh[d * SCHED_MAX_CPUS];

	if (sched_end_reason(s) != SCHED_RUNNING) {
		/* an end has no future: the world and where each CPU stopped, not what its stack held */
		state_hash_init(&h, (uint64_t)x->ncpus + 0x100);
		if (kernel_run_world_hash(x->run, &h) != 0)
			return -1;
		for (int c = 0; c < x->ncpus; c++) {
			struct sched_cpu_info in;
			sched_cpu_info(s, c, &in);
			state_hash_word(&h, (uint64_t)in.state | (uint64_t)in.steps << 32);
			state_hash_word(&h, (uint64_t)(uintptr_t)in.site);
		}
		*key = state_hash_final(&h);
		return 0;
	}
	for (int c = 0; c < x->ncpus; c++)
		if (sched_cpu_state_hash(s, c, &ch[c]) != 0)
			return -1;
	state_hash_init(&h, (uint64_t)x->ncpus);
	if (kernel_run_world_hash(x->run, &h) != 0)
		return -1;
	for (int c = 0; c < x->ncpus; c++) {
		state_hash_word(&h, ch[c].a);
		state_hash_word(&h, ch[c].b);
	}
	*key = state_hash_final(&h);
	return 0;
}

/*
 * Stateful: look node d's state up with the sleep set it is entered with.
 * Returns 0 to explore it as usual (new, not stored, or for the reduced
 * search a state whose summary is missing or saw a run stopped), else 1
 * with *todo the CPUs its earlier visits left for this one (none: prune),
 * *sleep narrowed to the intersection (Godefroid's Figure 5.3) and *sum
 * its summary id (reduced search).
 */
int ex_match_state(struct ex_search *x, struct sched *s, size_t d, uint8_t *sleep, unsigned *todo, uint32_t *sum)
{
	struct state_hash key;
	uint8_t stored;
	int r;

	*sum = 0;
	if (x->keyed)
		x->keyed[d] = 0;
	if (state_key(x, s, d, &key) != 0) {
		x->unhashable = 1;   /* go on with sleep sets alone: still complete */
		x->states = NULL;
		return 0;
	}
	r = ex_states_visit(x->states, &key, *sleep, &stored, sum);
	if (r == EX_STATES_UNSTORED)
		return 0;
	if (x->keyed) {
		x->nkey[d] = key;
		x->keyed[d] = 1;   /* its summary is set (or widened) when node d is done */
	}
	if (r == EX_STATES_NEW)
		return 0;
	if (x->reduce) {
		if (!*sum)
			return 0;   /* its summary could not be kept: search it again */
		if (ex_sums_get(x->states, *sum)[x->sumw - 1] & 1) {
			x->stop_kept++;   /* a run below stopped everyone: search it again (dpor.c) */
			return 0;
		}
	}
	*todo = stored & ~*sleep & x->node[d].enabled;
	*sleep &= stored;
	if (*todo) {
		x->rematched++;
	} else {
		x->matched++;
		if (x->keyed)
			x->keyed[d] = 0;
	}
	return 1;
}

/* ---- checkpoints ---------------------------------------------------------------- */

/*
 * Resume from the deepest checkpoint at or above the departure: 0 when
 * there is none (or it cannot be restored), else its depth.
 */
size_t ex_resume_checkpoint(struct ex_search *x)
{
	size_t j;

	if (x->snap_ok > x->replay / EX_SNAP_EVERY + 1)
		x->snap_ok = x->replay / EX_SNAP_EVERY + 1;   /* the path below the departure is left */
	if (!x->snapshots || x->snap_ok < 2)
		return 0;
	j = x->snap_ok - 1;
	if (kernel_snap_restore(x->run, x->snap[j]) != 0)
		return 0;
	x->restores++;
	return j * EX_SNAP_EVERY;
}

/* At new node d, still running: keep a checkpoint when d is a multiple of EX_SNAP_EVERY. */
void ex_keep_checkpoint(struct ex_search *x, size_t d)
{
	size_t j = d / EX_SNAP_EVERY;

	if (!x->snapshots || d % EX_SNAP_EVERY || !j || j > x->snap_ok)
		return;
	if (j >= x->nsnap) {
		x->snap = xrealloc(x->snap, (j + 1) * sizeof *x->snap);
		while (x->nsnap <= j)
			x->snap[x->nsnap++] = kernel_snap_new();
	}
	if (kernel_snap_save(x->run, x->snap[j]) != 0) {
		x->snapshots = 0;   /* this build cannot: replay, as before checkpoints */
		return;
	}
	x->snap_ok = j + 1;
}

/* ---- the final-state set ------------------------------------------------------ */

static uint64_t slot_of(uint64_t h, size_t cap)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h & (cap - 1);
}

static void set_insert_raw(uint64_t *slot, size_t cap, uint64_t h)
{
	size_t i = slot_of(h, cap);

	while (slot[i] && slot[i] != h)
		i = (i + 1) & (cap - 1);
	slot[i] = h;
}

int ex_set_add(struct ex_set *set, uint64_t h)
{
	size_t i;

	if (h == 0) {
		if (set->has_zero)
			return 0;
		return set->has_zero = 1;
	}
	if (2 * (set->n + 1) > set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 1024;
		uint64_t *bigger = xcalloc(cap, sizeof *bigger);
		for (size_t k = 0; k < set->cap; k++)
			if (set->slot[k])
				set_insert_raw(bigger, cap, set->slot[k]);
		free(set->slot);
		set->slot = bigger;
		set->cap = cap;
	}
	for (i = slot_of(h, set->cap); set->slot[i]; i = (i + 1) & (set->cap - 1))
		if (set->slot[i] == h)
			return 0;
	set->slot[i] = h;
	set->n++;
	return 1;
}

void ex_set_free(struct ex_set *set)
{
	free(set->slot);
	memset(set, 0, sizeof *set);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The members, ascending (newly allocated; *n of them). */
uint64_t *ex_set_sorted(const struct ex_set *set, size_t *n)
{
	uint64_t *v = xmalloc((set->n + 1) * sizeof *v);
	size_t k = 0;

	if (set->has_zero)
		v[k++] = 0;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slot[i])
			v[k++] = set->slot[i];
	qsort(v, k, sizeof *v, cmp_u64);
	*n = k;
	return v;
}
