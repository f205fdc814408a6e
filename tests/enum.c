/*
 * enum.c - exhaustive, unreduced schedule enumeration (see enum.h).
 *
 * Each execution follows a prefix of choices, then always the lowest
 * enabled CPU.  The trace records which CPUs were enabled at every step, so
 * the next prefix is found by walking back to the deepest step where a
 * higher-numbered CPU was also enabled.  enum_random_choose is a 64-bit LCG
 * (Knuth's MMIX constants).
 */
#include "config.h"

#include <stdlib.h>

#include "enum.h"

size_t enum_all(struct sched *s, void (*build)(void *ctx, struct sched *s),
		void (*visit)(void *ctx, struct sched *s), void *ctx)
{
	int *prefix = NULL;
	size_t plen = 0, count = 0;

	for (;;) {
		const struct sched_step *tr;
		size_t n, i = 0;
		char *cause = NULL;
		long k;

		sched_reset(s);
		build(ctx, s);
		if (sched_start(s, &cause) != 0)
			fatal("enum: %s", cause);
		while (sched_end_reason(s) == SCHED_RUNNING) {
			int cpu = i < plen ? prefix[i] : __builtin_ctz(sched_enabled_mask(s));
			if (sched_step(s, cpu, &cause) != 0)
				fatal("enum: %s", cause);
			i++;
		}
		visit(ctx, s);
		count++;
		tr = sched_trace(s, &n);
		for (k = (long)n - 1; k >= 0; k--) {
			unsigned higher = tr[k].enabled & ~((2u << tr[k].cpu) - 1);
			if (higher)
				break;
		}
		if (k < 0)
			break;
		prefix = xrealloc(prefix, ((size_t)k + 1) * sizeof *prefix);
		for (long j = 0; j < k; j++)
			prefix[j] = tr[j].cpu;
		prefix[k] = __builtin_ctz(tr[k].enabled & ~((2u << tr[k].cpu) - 1));
		plen = (size_t)k + 1;
	}
	free(prefix);
	return count;
}

int enum_random_choose(void *ctx, const struct sched *s)
{
	uint64_t *state = ctx;
	unsigned mask = sched_enabled_mask(s), k;

	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	k = (unsigned)(*state >> 33) % (unsigned)__builtin_popcount(mask);
	while (k--)
		mask &= mask - 1;
	return __builtin_ctz(mask);
}
