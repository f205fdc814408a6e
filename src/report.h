/*
 * report.h - the plain-text account of a run that `run` and `replay` print:
 * the trace (one line per step), the console, each operation's result, and
 * the verdict.
 */
#ifndef XS_REPORT_H
#define XS_REPORT_H

#include <stdio.h>

#include "kernel.h"

/* One trace line: "   12  CPU1  get_xip_mem:52  ext2_get_block: ... -> hole". */
void report_step(FILE *out, const struct kernel_run *run, size_t index, const struct sched_step *st);

/* Everything: header, trace (unless quiet), console, results, verdict. */
void report_run(FILE *out, struct kernel_run *run, const struct kernel_verdict *v, int quiet);

/* The verdict lines alone. */
void report_verdict(FILE *out, const struct kernel_verdict *v);

#endif
