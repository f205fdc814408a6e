/*
 * levels.h - the levels of challenge mode, kept as data in
 * scenarios/challenge.levels (never in C code):
 *
 *     level corrupt
 *       title: Make the buggy kernel corrupt data
 *       scenario: classic
 *       version: buggy
 *       goal: corruption
 *       task: You are the scheduler. ...
 *         (lines indented deeper continue the field above)
 *       hint after: 2
 *       hint: cpu0 get_xip_mem:block_lookup
 *         Stop CPU0 just after ...
 *
 * A field is indented by exactly two spaces; its text goes on in lines
 * indented deeper.  goal is a bad verdict (corruption, bug, deadlock,
 * leak, step-limit) or "bad" (any of them).  The hint names a moment: a
 * CPU and the stable id of a kernel site (sched.h, `xipsandbox sites`),
 * which the game finds in the student's own last run.  Whether a level can
 * be won at all is not written here: explore decides (challenge.h).
 */
#ifndef XS_LEVELS_H
#define XS_LEVELS_H

#include "kernel.h"

#define LEVEL_NAME_MAX 32
#define LEVELS_MAX 32
#define LEVEL_GOAL_BAD VERDICT_NKINDS   /* goal "bad": any verdict but ok */
#define LEVEL_HINT_AFTER 2              /* failed tries before the hint, unless told */

struct level {
	char name[LEVEL_NAME_MAX + 1];  /* [a-z0-9-], what `challenge NAME` takes */
	char *title;
	char scenario[65];              /* a scenario name (the caller checks that it loads) */
	enum xip_version version;
	int goal;                       /* a bad enum verdict_kind, or LEVEL_GOAL_BAD */
	char *task;                     /* what to do, in the student's words */
	int hint_after;                 /* 1..20 failed tries */
	int hint_cpu;                   /* 0..SCN_MAX_CPUS-1 (the caller checks the scenario has it) */
	char hint_site[96];             /* a kernel site id, "func:label" */
	char *hint;
	int line;                       /* of its `level` line */
};

struct levels {
	char *path;
	int n;
	struct level level[LEVELS_MAX];
};

/*
 * Parse text (from file `path`, for messages).  Returns 0 and *out
 * (levels_free), or -1 with *cause "PATH:LINE: what is wrong".  Every
 * field is checked: names unique, versions and goals known, the hint's
 * site a site of the simulated kernel.
 */
int levels_parse(const char *path, const char *text, struct levels **out, char **cause);
/* Read and parse PATH; -1 with *cause when it cannot be read or is wrong. */
int levels_load(const char *path, struct levels **out, char **cause);
void levels_free(struct levels *l);

/* The level called name, or NULL. */
const struct level *levels_find(const struct levels *l, const char *name);

/* Does a run that ended with verdict v reach the level's goal? */
int level_goal_met(const struct level *lv, enum verdict_kind v);
/* "corruption", ..., or "bad". */
const char *level_goal_name(const struct level *lv);
/* A verdict in the student's words: "data corruption", "a kernel BUG", ... */
const char *level_verdict_words(enum verdict_kind v);
/* The goal so: a verdict's words, or "any bad verdict". */
const char *level_goal_words(const struct level *lv);

#endif
