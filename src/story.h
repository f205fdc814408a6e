/*
 * story.h - the moments of the XIP race in a run's trace, found by stable
 * site ids (sched.h), for every picture of a run: the play screen's
 * shading, the SVG's band and marks.
 *
 *  - the race window: a CPU whose task faults has asked get_xip_mem and
 *    heard "hole", and has not yet installed a pte (or heard "block" on a
 *    re-check);
 *  - the cause: an __xip_unmap scan that found nothing to remove while
 *    another CPU was inside its race window;
 *  - the save (fixed and later): the re-check of get_xip_mem under
 *    xip_sparse_mutex that finds the block, or read_seqcount_retry seeing
 *    that a sparse fault ran during the scan.
 * The damage step is the verdict's (kernel_verdict.damage_step).
 */
#ifndef XS_STORY_H
#define XS_STORY_H

#include <stddef.h>

#include "kernel.h"

/*
 * Per step i of the run's trace (0-based, sched_nsteps of them), in
 * mask[i]: bit k set when CPU k is inside its race window at that step,
 * from the step whose lookup found the hole to the step that installs its
 * pte, both included.  mask must hold sched_nsteps(kernel_run_sched(run))
 * entries; nonzero means "inside a race window".
 */
void story_race_window(struct kernel_run *run, unsigned char *mask);

enum story_save { STORY_SAVE_NONE, STORY_SAVE_RECHECK, STORY_SAVE_RETRY };

struct story_marks {
	long cause;            /* 1-based step of the scan that found nothing; 0 none */
	int cause_cpu;         /* the CPU that scanned */
	int victim_cpu;        /* the CPU whose fault was in its window then; -1 none */
	long save;             /* 1-based step that saved the run; 0 none */
	enum story_save save_kind;
};

/*
 * The cause and the save of the run, mask being story_race_window's.
 * damage_step (the verdict's, 0 when none) picks the last scan before the
 * damage when several found nothing.
 */
void story_marks(struct kernel_run *run, const unsigned char *mask, long damage_step, struct story_marks *out);

#endif
