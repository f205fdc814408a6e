/*
 * shipped.h - the named schedules that ship next to a scenario, in
 * scenarios/NAME.sched:
 *
 *     # comments
 *     schedule race: cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end
 *       about: A is preempted right after get_xip_mem finds the hole.
 *       expect: buggy corruption, fixed ok, later ok
 *
 * A schedule is written once, usually with milestones, and holds for every
 * version its `expect` line names (all three when there is none).
 */
#ifndef XS_SHIPPED_H
#define XS_SHIPPED_H

#include <stdint.h>

#include "verdict.h"

#define SHIPPED_MAX 32

struct shipped_schedule {
	char name[65];
	char *text;                          /* the schedule text */
	char *about;                         /* one line, or NULL */
	int applies[XIP_NVERSIONS];          /* versions it is for */
	int has_expect[XIP_NVERSIONS];
	enum verdict_kind expect[XIP_NVERSIONS];
	int line;
};

struct shipped_file {
	char *path;
	uint64_t hash;                       /* FNV-1a of the text */
	int n;
	struct shipped_schedule s[SHIPPED_MAX];
};

/*
 * Parse PATH.  Returns 1 and *out when the file exists, 0 when it does not
 * (no named schedules), -1 with *cause "PATH:LINE:COL: ..." on bad text.
 */
int shipped_load(const char *path, struct shipped_file **out, char **cause);
int shipped_parse(const char *path, const char *text, struct shipped_file **out, char **cause);
void shipped_free(struct shipped_file *f);

/* A schedule name as NAME.sched spells one: letters, digits, '_', '-', '.'; at most 64; not all digits. */
int shipped_name_ok(const char *s);

#endif
