/*
 * enum.h - the reference enumerator for tests: every schedule of a small
 * world, by depth-first re-execution, with no reduction at all.  It is the
 * ground truth the explorer's reductions are checked against, so it is kept
 * deliberately naive.  Also a fixed pseudo-random chooser, for tests that
 * want many schedules of a large world without all of them.
 */
#ifndef XS_TEST_ENUM_H
#define XS_TEST_ENUM_H

#include <stddef.h>
#include <stdint.h>

#include "sched.h"

/*
 * For every schedule: sched_reset(s), build(ctx, s) (register objects, add
 * CPUs), sched_start, run it, visit(ctx, s).  Returns the number of
 * schedules.  Schedules are visited in lexicographic order of choices.
 */
size_t enum_all(struct sched *s, void (*build)(void *ctx, struct sched *s),
		void (*visit)(void *ctx, struct sched *s), void *ctx);

/*
 * A sched_choose_fn for sched_run_with: a pseudo-random enabled CPU, from
 * a 64-bit LCG whose state is the uint64_t ctx points to (a seed: the same
 * seed, the same choices).
 */
int enum_random_choose(void *ctx, const struct sched *s);

#endif
