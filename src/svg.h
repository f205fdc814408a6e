/*
 * svg.h - a finished run drawn as a sequence diagram for a slide: one lane
 * per CPU, one row per step, each box naming the kernel function (and its
 * line in the 2008 mm/filemap_xip.c where it is known) and saying in a
 * whole sentence what the step did (narrate.h); the race window as a band
 * (story.h); the cause (the __xip_unmap scan that found nothing) and the
 * damage step marked and joined by an arrow, or in a run that was saved,
 * the miss and the step that saved it.  No text is ever cut: each is
 * wrapped inside its box (tests/svg.sh renders it and checks).
 */
#ifndef XS_SVG_H
#define XS_SVG_H

#include <stdio.h>

#include "kernel.h"

/*
 * Write the picture of `run` (ended; v its verdict) to out.  To narrate
 * each step it replays the run once on a run of its own (kernel_run_new):
 * afterwards `run` is no longer the last one started, which matters only
 * to a caller that would step it again.  A run the replay does not repeat
 * (ingredients of the fix switched off) is described by the code of each
 * step instead.  Write errors are the caller's to see (ferror).
 */
void svg_write(FILE *out, struct kernel_run *run, const struct kernel_verdict *v);

#endif
