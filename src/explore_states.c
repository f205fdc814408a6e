/*
 * explore_states.c - what the systematic searches keep of states: the
 * stateful search's table of visited states and its keys, and the
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
 * on statelessly below them: slower, never unsound.
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
	memset(t, 0, sizeof *t);
}

static size_t slot_index(uint64_t a, size_t cap)
{
	return (size_t)(a >> 7) & (cap - 1);
}

/* Room for one more state; 0 when the memory bound forbids it. */
static int room(struct ex_states *t)
{
	size_t cap;
	uint64_t *bigger;

	if (2 * (t->n + 1) <= t->cap)
		return 1;
	cap = t->cap ? 2 * t->cap : STATES_FIRST_CAP;
	if (t->max_bytes && cap * 2 * sizeof *bigger > t->max_bytes)
		return 0;
	bigger = xcalloc(cap * 2, sizeof *bigger);
	for (size_t k = 0; k < t->cap; k++) {
		uint64_t a = t->slot[2 * k];
		size_t i;
		if (!a)
			continue;
		for (i = slot_index(a, cap); bigger[2 * i]; i = (i + 1) & (cap - 1))
			;
		bigger[2 * i] = a;
		bigger[2 * i + 1] = t->slot[2 * k + 1];
	}
	free(t->slot);
	t->slot = bigger;
	t->cap = cap;
	t->bytes = cap * 2 * sizeof *bigger;
	return 1;
}

int ex_states_visit(struct ex_states *t, const struct state_hash *key, uint8_t sleep, uint8_t *stored)
{
	uint64_t a = key->a | 1, b = key->b & ~(uint64_t)0xff;
	size_t i;

	if (t->cap) {
		for (i = slot_index(a, t->cap); t->slot[2 * i]; i = (i + 1) & (t->cap - 1)) {
			uint64_t *s = &t->slot[2 * i];
			if (s[0] == a && (s[1] & ~(uint64_t)0xff) == b) {
				*stored = (uint8_t)s[1];
				s[1] = b | (uint8_t)(*stored & sleep);
				return EX_STATES_SEEN;
			}
		}
	}
	if (!room(t)) {
		t->full = 1;
		t->refused++;
		return EX_STATES_UNSTORED;
	}
	for (i = slot_index(a, t->cap); t->slot[2 * i]; i = (i + 1) & (t->cap - 1))
		;
	t->slot[2 * i] = a;
	t->slot[2 * i + 1] = b | sleep;
	t->n++;
	return EX_STATES_NEW;
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
 * Returns 0 to explore it as usual (new, or not stored), else 1 with
 * *todo the CPUs its earlier visits left for this one (none: prune) and
 * *sleep narrowed to the intersection (Godefroid's Figure 5.3).
 */
int ex_match_state(struct ex_search *x, struct sched *s, size_t d, uint8_t *sleep, unsigned *todo)
{
	struct state_hash key;
	uint8_t stored;

	if (state_key(x, s, d, &key) != 0) {
		x->unhashable = 1;   /* go on with sleep sets alone: still complete */
		x->states = NULL;
		return 0;
	}
	if (ex_states_visit(x->states, &key, *sleep, &stored) != EX_STATES_SEEN)
		return 0;
	*todo = stored & ~*sleep & x->node[d].enabled;
	*sleep &= stored;
	if (*todo)
		x->rematched++;
	else
		x->matched++;
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
