/*
 * demo.h - the narrated demo of a scenario, kept next to it in
 * scenarios/NAME.demo (never in C code):
 *
 *     schedule race
 *     pause cpu0 until get_xip_mem=-ENODATA
 *       CPU0's fault has found a hole. ...
 *     quiz cpu0 to __do_fault
 *       ask: Which page will CPU0 map at page 1?
 *       choice a: the flash block B just wrote
 *       choice b: the sparse page (zeros)
 *       answer: b
 *       explain: CPU0 decided on the sparse page when ...
 *     fixed
 *     pause cpu0 to xip_sparse_page
 *       ...
 *
 * Pauses before the `fixed` line belong to the buggy run, the others to the
 * replay of the same interleaving on the fixed version.  A trigger is
 * `cpuN until F[=V]` (after F returned) or `cpuN to F` (before CPU N runs
 * code in F), as in schedules.
 */
#ifndef XS_DEMO_H
#define XS_DEMO_H

#include "kernel.h"

#define DEMO_MAX_STOPS 32
#define DEMO_MAX_CHOICES 6

struct demo_stop {
	int fixed;                 /* on the fixed replay */
	int cpu;
	int until;                 /* 1: after F returns; 0: before code in F */
	char func[64];
	int has_value;
	long value;
	char *text;                /* the narration (pause) or the question (quiz) */
	int quiz;
	int nchoices;
	char choice_key[DEMO_MAX_CHOICES];
	char *choice[DEMO_MAX_CHOICES];
	char answer;
	char *explain;
	int line;
};

struct demo {
	char *path;
	char schedule[65];         /* the named schedule it plays */
	int n;
	struct demo_stop stop[DEMO_MAX_STOPS];
};

/* Load PATH; 1 and *out, 0 when there is no file, -1 with *cause "PATH:LINE: ...". */
int demo_load(const char *path, struct demo **out, char **cause);
void demo_free(struct demo *d);

/*
 * Does stop `st` fire after the step the run just took?  `to` stops fire
 * when the CPU's next code is in F; `until` stops when F just returned.
 */
int demo_stop_fires(const struct demo_stop *st, struct kernel_run *run);

#endif
