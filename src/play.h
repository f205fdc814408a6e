/*
 * play.h - the interactive session behind `xipsandbox play`: a scenario, a
 * version, a list of choices and a position in it.  Every move rebuilds the
 * run by deterministic replay of the choices up to the new position, so
 * stepping back is exact and the view always draws a consistent world.
 * Keys are handled in app.c (tui.c only turns terminal keys into app
 * events); drawing is view.c's; this module only moves.
 */
#ifndef XS_PLAY_H
#define XS_PLAY_H

#include <stddef.h>

#include "kernel.h"
#include "memmodel.h"

struct play {
	const struct scenario *scn;
	enum xip_version version;
	struct kernel_run *run;
	int *choices;          /* the schedule: steps taken and, beyond pos, the recorded future */
	size_t n, cap;
	size_t pos;            /* steps taken */
	size_t fork_at;        /* first step the user chose differently; (size_t)-1 when none */
	char *milestones;      /* the loaded schedule's milestone text, if any (for version flips) */
	char source[96];       /* "schedule 3 ('race')", "round robin" */
	char message[256];     /* the last thing to tell the user */
	unsigned without;      /* the fixed version with these ingredients off (kernel.h) */
};

/* Run under another memory model (memmodel.h), replaying to the same step. */
void play_set_memory_model(struct play *p, enum memmodel m);
/* The first flush or drain of cpu's buffer or queue that can move now, -1 for none. */
int play_first_memory_choice(const struct play *p, int cpu);

/* Take ingredients of the fix away in the fixed version (then replays to the same step). */
void play_set_without(struct play *p, unsigned without);

/*
 * Start a session on choices[0..n) (copied) for `version`; positioned at
 * step 0.  milestones (may be NULL) lets version flips re-expand it.
 */
int play_open(struct play *p, const struct scenario *scn, enum xip_version version,
	      const int *choices, size_t n, const char *milestones, const char *source, char **cause);
void play_close(struct play *p);

/* Go to step k (0..n): replays choices[0..k). */
void play_goto(struct play *p, size_t k);
/* One step forward on the schedule (or, past its end, the next CPU in turn). */
int play_step(struct play *p);
/* One step of `cpu`: forks the schedule when it differs from the recorded one. */
int play_step_cpu(struct play *p, int cpu);
void play_back(struct play *p);
/* Forward until `cpu` is the next to run on the schedule (or the end). */
void play_until_cpu_next(struct play *p, int cpu);
/* Switch version on the same interleaving, keeping the position where it can. */
void play_set_version(struct play *p, enum xip_version v);

/* Has the run ended? */
int play_ended(const struct play *p);

#endif
