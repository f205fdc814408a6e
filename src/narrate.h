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

/*
 * The rules, for the narration-coverage test: how many there are, each
 * one's name and the site ids it speaks for ("func:label", NULL-terminated;
 * NULL for a rule that reads the operation, not the site), and how many
 * sentences it has written in this process.
 */
size_t narrate_nrules(void);
const char *narrate_rule_name(size_t i);
const char *const *narrate_rule_sites(size_t i);
unsigned long narrate_rule_fired(size_t i);

#endif
