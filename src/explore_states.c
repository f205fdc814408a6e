/*
 * explore_states.c - the stateful search's table of visited states: for
 * each state met, its 128-bit hash (statehash.h) and the sleep set it was
 * last explored with (dpor.c explains how the two are used).
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
