/*
 * svg.h - a finished run drawn as a sequence diagram for a slide: one lane
 * per CPU, one row per step with the kernel line it ran, lock and seqcount
 * events marked, the step that made the damage permanent (or fired the
 * BUG) highlighted.
 */
#ifndef XS_SVG_H
#define XS_SVG_H

#include <stdio.h>

#include "kernel.h"

void svg_write(FILE *out, struct kernel_run *run, const struct kernel_verdict *v);

#endif
