/*
 * narrate.h - what the last step did, in words a student follows: "CPU1
 * checked process A's pte for page 1: nothing there yet (A has not
 * installed it)".  Built from the trace and the snapshot only.
 */
#ifndef XS_NARRATE_H
#define XS_NARRATE_H

#include <stddef.h>

#include "kernel.h"

/* The sentence for the run's last step (or how to start, before step 1). */
char *narrate_last_step(const struct kernel_run *run, const struct kernel_snapshot *snap,
			char *buf, size_t len);

#endif
