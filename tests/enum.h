/*
 * enum.h - the reference enumerator for tests: every schedule of a small
 * world, by depth-first re-execution, with no reduction at all.  It is the
 * ground truth the explorer's reductions are checked against, so it is kept
 * deliberately naive.
 */
#ifndef XS_TEST_ENUM_H
#define XS_TEST_ENUM_H

#include <stddef.h>

#include "sched.h"

/*
 * For every schedule: sched_reset(s), build(ctx, s) (register objects, add
 * CPUs), sched_start, run it, visit(ctx, s).  Returns the number of
 * schedules.  Schedules are visited in lexicographic order of choices.
 */
size_t enum_all(struct sched *s, void (*build)(void *ctx, struct sched *s),
		void (*visit)(void *ctx, struct sched *s), void *ctx);

#endif
