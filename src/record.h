/*
 * record.h - between the kernel and the store: turning a finished run into
 * a schedule row, importing a scenario's shipped named schedules (expanding
 * each one on every version it is for), and the one-line text form of a
 * schedule that `export` prints and `import` reads.
 */
#ifndef XS_RECORD_H
#define XS_RECORD_H

#include "kernel.h"
#include "memmodel.h"
#include "schedule.h"
#include "store.h"

/* 16 lowercase hex digits of a 64-bit hash into buf (17 bytes). */
char *record_hex(uint64_t h, char *buf);

/*
 * Does the ended run give the trace hash `row` was stored with?  Computed
 * the way the row's trace_format says (a row of an older release: its
 * source lines, legacy.h).  The hash of the run, in that format, goes to
 * hex (at least 64 bytes): 16 hex digits, or a parenthesised reason when
 * that format cannot describe the run.
 */
int record_trace_matches(const struct store_schedule *row, struct kernel_run *run, char *hex);

/*
 * Build scn's world for `version` and drive it with `sch` (NULL: round
 * robin).  Returns -1 with *cause when the scenario cannot be built or the
 * schedule does not apply.
 */
int record_execute(struct kernel_run *run, const struct scenario *scn, enum xip_version version,
		   const struct schedule *sch, char **cause);

/*
 * The same for an exact choice list; when a choice does not apply, stops
 * following the list there, puts the reason in *parted (if not NULL; newly
 * allocated, else NULL) and runs on with the sequential policy.
 */
int record_execute_choices(struct kernel_run *run, const struct scenario *scn, enum xip_version version,
			   const int *choices, size_t n, char **parted, char **cause);

/* Fill a row from a finished run (strings copied; free with store_schedule_clear). */
void record_fill(struct store_schedule *row, struct kernel_run *run, long scenario_id, const char *origin,
		 const char *name, const char *milestones, const char *description);

/*
 * Make sure scn has its row in the store and, when scn's NAME.sched (next
 * to the scenario file) changed since it was last imported, re-import its
 * named schedules.  *changed_from (if not NULL) gets the scenario's
 * previous text hash when the text changed (newly allocated), else NULL.
 * On success free *out with store_scenario_clear; on error (-1, *cause)
 * *out is already cleared and *changed_from is NULL.
 */
int record_sync(struct store *st, const struct scenario *scn, struct store_scenario *out,
		char **changed_from, char **cause);

/*
 * A stored row's version, checked: the database may have been edited by
 * another program.  -1 with *cause ("schedule 7 has an unknown version
 * 'bogus'") when it is not buggy, fixed, later or final.
 */
/*
 * The text of the scenario's shipped schedule `name` (NAME.sched beside
 * it) into *text: 1 found, 0 not (no file, or no such name), -1 with
 * *cause on a bad file.  *names (when names is not NULL) lists the names
 * the file has, for the message.
 */
int record_shipped_text(const struct scenario *scn, const char *name, char **text, char **names, char **cause);

int record_row_version(const struct store_schedule *row, enum xip_version *v, char **cause);

/*
 * A stored row's memory model, checked like its version (NULL, a row
 * written before schema 6 or by a writer that did not say: sc).  -1 with
 * *cause ("schedule 7 has an unknown memory model 'bogus' ...") otherwise.
 */
int record_row_model(const struct store_schedule *row, enum memmodel *m, char **cause);

/*
 * The step limit that runs a stored row again as it was recorded.  A row
 * does not keep the limit it ran under (run --step-limit N), but a row the
 * limit stopped is exactly that long, and a longer one than the default
 * limit needs at least its length; any other row, and one whose length is
 * not the number of its choices, gets the default.
 */
unsigned record_row_step_limit(const struct store_schedule *row);

/*
 * A stored row's choices as ints, for a run of scn on `version` under
 * `model` (the row's own, record_row_model).  Under sc its text is CPU
 * numbers and is only parsed; under tso and weak it may name flushes and
 * drains, whose ints depend on the run's objects, so it is run once on the
 * row's own version and the trace's choices are taken (newly allocated).
 * -1 with *cause when the text does not parse or does not apply.
 */
int record_row_choices(const struct store_schedule *row, const struct scenario *scn, enum memmodel model,
		       int **choices, size_t *n, char **cause);

/* Parse "0 0 1" or "001" into a newly allocated array. */
int record_parse_choices(const char *text, int **choices, size_t *n, char **cause);

/*
 * A scenario name from a stranger (an import line, a database row) is a
 * name, never a path (B9, B20): not empty, shorter than 128 bytes, no '/',
 * not beginning with '.'.
 */
int record_scenario_name_ok(const char *name);

/*
 * The export line (newly allocated), docs/schedules.md:
 * "xs2:classic:buggy:race:847b2b87efd9e87f:17:00000111111111000:CHECK",
 * fields SCENARIO, VERSION, NAME ('-' for none), SCENARIO-HASH, LENGTH
 * (the number of choices), CHOICES and CHECK, the 64-bit FNV-1a hash of
 * everything before the last ':' in 16 hex digits: a line cut short or
 * changed anywhere is refused.
 *
 * A row recorded under tso or weak is an xs3 line, which adds its model
 * after VERSION (B53: an xs2 line carries none, and imported as sc):
 * "xs3:classic:fixed:weak:NAME:HASH:19:0000000111111111,flush0:xip_sparse_seq,111:CHECK".
 * Its CHOICES are runs of CPU digits and memory choices, separated by ','
 * (a memory choice has a ':' of its own: CHOICES is everything between
 * LENGTH and the last ':'); LENGTH counts steps, a memory choice one.
 * An sc row is an xs2 line, as before, so that older xipsandboxes read it.
 */
char *record_export_line(const struct store_schedule *s);

struct record_import {
	char scenario[128];
	char version[16];
	char model[8];          /* "sc" (xs1, xs2), or an xs3 line's model */
	char name[65];          /* "" when none */
	char scenario_hash[17];
	int *choices;           /* newly allocated; NULL for an xs3 line (see text) */
	char *text;             /* xs3: the choices as a schedule ("0 0 flush0:x 1"), newly allocated; else NULL */
	size_t n;
	/*
	 * An xs1 line (xipsandbox 0.1.0 printed them): no length, no check.
	 * Import takes it only when its n choices bring the run exactly to its
	 * end; a line cut short never does (B19).
	 */
	int xs1;
};
/*
 * Parse an export line, xs3 or xs2 (record_export_line) or the older xs1
 * ("xs1:SCENARIO:VERSION:NAME:SCENARIO-HASH:CHOICES"); -1 with *cause
 * saying what is wrong and what to do.  Free with record_import_clear.
 */
int record_parse_export(const char *line, struct record_import *out, char **cause);
void record_import_clear(struct record_import *im);

#endif
