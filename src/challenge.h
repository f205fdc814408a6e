/*
 * challenge.h - challenge mode: the student is the scheduler (The Deadlock
 * Empire's idea, on the simulated kernel).  A level (levels.h) names a
 * scenario, a version and a goal verdict; the student runs CPUs step by
 * step on the play screen (app.h: digits run a CPU, Backspace undoes) and
 * wins when a run ends with the goal.  Whether anyone can win is decided by
 * the real exhaustive search (explore.h), run once per level when first
 * needed: when no schedule reaches the goal, the level ends with that proof
 * and its counts; when one does, a win is scored against explore's
 * shortest and fewest-preemption counterexamples.  Progress goes to the
 * store (store_progress_add) per player.
 *
 * The hooks app.c calls are the only way in: keys (challenge_key), the end
 * of every step (challenge_after_step), the key bar (challenge_keybar).
 * Nothing here draws; texts go into the app's overlay and message.
 */
#ifndef XS_CHALLENGE_H
#define XS_CHALLENGE_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "explore.h"
#include "levels.h"

/* A win measured against explore's counterexamples. */
struct challenge_score {
	size_t length;                  /* the student's schedule, in steps */
	unsigned preemptions;
	size_t shortest_length;         /* explore's shortest counterexample */
	unsigned shortest_preemptions;
	size_t fewest_length;           /* explore's fewest-preemptions counterexample */
	unsigned fewest_preemptions;
	int stars;                      /* 1 a win, +1 as short as the shortest, +1 as few preemptions as the fewest */
};

/*
 * Score a winning schedule of `length` steps and `preemptions` against
 * r's two counterexamples (r must have found a bad verdict).  Pure.
 */
void challenge_score(size_t length, unsigned preemptions, const struct explore_result *r, struct challenge_score *out);

/* The score in words, lines separated by '\n', into buf. */
void challenge_score_text(const struct challenge_score *s, char *buf, size_t len);

/*
 * The proof that no schedule of r's search reached lv's goal, in words
 * (the counts of the real search) into buf; r must be complete.
 */
void challenge_proof_text(const struct level *lv, const char *scenario, const struct explore_result *r,
			  char *buf, size_t len);

struct challenge {
	/* set by the caller before challenge_begin; borrowed */
	const struct level *level;
	const char *player;
	struct store *store;            /* NULL: progress is not kept */

	/* from the database at the start */
	long tries_before;
	char outcome_before[16];        /* "", "open", "won", "proved" */

	/* explore's answer, computed on first need */
	int explored;                   /* 0 not yet, 1 done, -1 it failed (message in app) */
	struct explore_result ex;
	int winnable;                   /* some schedule reaches the goal */

	/* this session */
	long tries;                     /* failed runs */
	uint64_t last_judged;           /* hash of the last ended schedule judged, 0 none */
	int won, proved, gave_up;
	int best_stars;
	int hint_step;                  /* in the last failed run: the step the hint's CPU ran its site, 0 none */
	int hint_seen;
	char keybar[128];
};

/*
 * Start the level on app a (opened on the level's scenario and version,
 * with no choices): reads the player's progress (a failure is only a
 * message), shows the task.  Returns 0.
 */
int challenge_begin(struct challenge *c, struct app *a);
/* Free explore's result. */
void challenge_end(struct challenge *c);

/* A key: 1 when the challenge took it (*r says what to do), 0 to let app.c handle it. */
int challenge_key(struct challenge *c, struct app *a, struct app_event ev, enum app_result *r);
/* After every step: judges a run that has ended (once per schedule). */
void challenge_after_step(struct challenge *c, struct app *a);
/* The key bar's text: the goal, the tries and the keys. */
const char *challenge_keybar(struct challenge *c);

#endif
