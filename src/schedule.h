/*
 * schedule.h - schedules written as text, exact or with milestones.
 *
 *   "0 0 1 1 0"                       exact: the CPU of each step
 *   "cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end"
 *
 * Items, separated by ';' (or ',' or spaces between plain numbers):
 *   N                  one step of CPU N
 *   cpuN K steps       K steps of CPU N ("1 step" too)
 *   cpuN until F[=V]   steps of CPU N until function F returns (the value V:
 *                      a number or a name such as -ENODATA, VM_FAULT_NOPAGE)
 *   cpuN to F          steps of CPU N until it is about to run code in F
 *   cpuN to end        steps of CPU N until its task is finished
 *   flushN:OBJ         tso/weak: CPU N's buffered store to OBJ becomes visible
 *   drainN:OBJ         weak: CPU N applies its oldest invalidation of OBJ
 * After the last item the run goes on with one CPU at a time (the
 * sequential policy: no further preemption).
 *
 * Milestones name functions every version passes, so one text replays "the
 * same interleaving" on buggy, fixed and later; expanding it on a version
 * gives that version's exact choices (the trace).
 */
#ifndef XS_SCHEDULE_H
#define XS_SCHEDULE_H

#include <stddef.h>

#include "sched.h"

struct schedule;

/*
 * Parse text.  symbol(name, &value) resolves names such as "-ENODATA"
 * (returns 1 if known).  Returns -1 with *cause ("schedule, column 7:
 * expected ...") on bad text.
 */
int schedule_parse(const char *text, int (*symbol)(const char *name, long *value),
		   struct schedule **out, char **cause);
void schedule_free(struct schedule *sch);

/* Does the schedule use milestones (not only exact steps)? */
int schedule_has_milestones(const struct schedule *sch);

/* The exact form of a choice list: "0 0 1 ..." (newly allocated); CPUs only. */
char *schedule_format_choices(const int *choices, size_t n);
/*
 * The same with memory choices (tso, weak) named as in run's objects:
 * "0 flush0:i_data[0] 1" (memmodel.h).  run may be NULL when there are none.
 */
char *schedule_format_choices_in(const struct sched *run, const int *choices, size_t n);

/*
 * Drive a started run through the schedule, then with the sequential policy
 * to its end.  Returns -1 with *cause when an item cannot be followed: it
 * names the item and the step ("item 2 'cpu1 to end': step 9: CPU1 cannot
 * run: CPU1 waits for i_mutex, held by CPU0").
 */
int schedule_run(struct sched *s, const struct schedule *sch, char **cause);

/* How many items the schedule has. */
size_t schedule_nitems(const struct schedule *sch);

/*
 * schedule_run, noting where each item ended: ends[i] is the number of
 * steps run when item i was done, ends[nitems] the run's length (ends has
 * nitems + 1 places).  The milestones of one text mark the same moments
 * on every version, which is how `v` keeps the moment in play.
 */
int schedule_run_marked(struct sched *s, const struct schedule *sch, size_t *ends, char **cause);

#endif
