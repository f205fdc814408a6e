/*
 * challenge.c - challenge mode (challenge.h).
 *
 * State: struct challenge beside the app (a->challenge).  A run is judged
 * when it has ended, once per schedule (last_judged, the hash of its
 * choices): stepping back and forth over the end does not count twice.
 * explore runs at most once per level, on the first judged run or give-up:
 * its result says whether the level can be won at all, and holds the two
 * counterexamples a win is scored against.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "challenge.h"
#include "store.h"

/* ---- pure: scoring and proof ------------------------------------------------ */

static const char *plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void challenge_score(size_t length, unsigned preemptions, const struct explore_result *r, struct challenge_score *out)
{
	memset(out, 0, sizeof *out);
	out->length = length;
	out->preemptions = preemptions;
	out->shortest_length = r->shortest.n;
	out->shortest_preemptions = r->shortest.preemptions;
	out->fewest_length = r->fewest.n;
	out->fewest_preemptions = r->fewest.preemptions;
	out->stars = 1 + (length <= r->shortest.n) + (preemptions <= r->fewest.preemptions);
}


void challenge_score_text(const struct challenge_score *s, char *buf, size_t len)
{
	size_t o = 0;

	o += (size_t)snprintf(buf + o, len - o, "Your schedule: %zu steps, %u %s.\n", s->length, s->preemptions,
			      plural(s->preemptions, "preemption", "preemptions"));
	if (o < len)
		o += (size_t)snprintf(buf + o, len - o, "explore's shortest: %zu steps (%u %s): %s.\n",
				      s->shortest_length, s->shortest_preemptions,
				      plural(s->shortest_preemptions, "preemption", "preemptions"),
				      s->length <= s->shortest_length ? "you matched it"
				      : "yours is longer");
	if (o < len)
		o += (size_t)snprintf(buf + o, len - o, "explore's fewest preemptions: %u (%zu steps): %s.\n",
				      s->fewest_preemptions, s->fewest_length,
				      s->preemptions <= s->fewest_preemptions ? "you matched it"
				      : "you switched CPUs more often");
	if (o < len)
		snprintf(buf + o, len - o, "Score: %d of 3 stars %s", s->stars,
			 s->stars == 3 ? "***" : s->stars == 2 ? "**-" : "*--");
}

static void wrap(char *buf, size_t len, size_t *o, const char *text, int width);

void challenge_proof_text(const struct level *lv, const char *scenario, const struct explore_result *r,
			  char *buf, size_t len)
{
	char what[256];
	size_t o = 0;

	o += (size_t)snprintf(buf + o, len - o, "No schedule can win this level.\n\n");
	snprintf(what, sizeof what, "explore searched %s on %s to the end. Its %s search reaches every "
		 "verdict any interleaving can give:", scenario, xip_version_name(lv->version),
		 explore_mode_name(r->mode));
	wrap(buf, len, &o, what, 68);
	if (o < len)
		o += (size_t)snprintf(buf + o, len - o, "\n\n  %llu %s, %llu distinct final %s; verdicts:",
				      r->executions, plural(r->executions, "execution", "executions"),
				      r->states, plural(r->states, "state", "states"));
	for (int k = 0; k < VERDICT_NKINDS && o < len; k++)
		if (r->verdicts[k])
			o += (size_t)snprintf(buf + o, len - o, " %s %llu", verdict_kind_name((enum verdict_kind)k),
					      r->verdicts[k]);
	if (o < len)
		snprintf(buf + o, len - o, ".\n\nNone ends in %s, whatever the scheduler does.",
			 lv->goal == LEVEL_GOAL_BAD ? "a bad verdict" : level_goal_words(lv));
}

/* ---- helpers ------------------------------------------------------------------ */

/* Append text wrapped at `width` columns to buf at *o. */
static void wrap(char *buf, size_t len, size_t *o, const char *text, int width)
{
	for (const char *p = text; *p && *o + 2 < len; ) {
		int n = (int)strlen(p), cut = n > width ? width : n;
		if (n > width) {
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = width;
		}
		*o += (size_t)snprintf(buf + *o, len - *o, "%s%.*s", p == text ? "" : "\n", cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

#define WRAP 68

/* Open a box with text; keys: what the key bar says while it is open. */
static void overlay(struct app *a, const char *text, const char *keys)
{
	snprintf(a->overlay_text, sizeof a->overlay_text, "%s", text);
	snprintf(a->keys, sizeof a->keys, "%s", keys);
	a->overlay = VIEW_STOP;
	a->open_stop = NULL;
}

static uint64_t schedule_hash(const struct play *p)
{
	return util_fnv1a(UTIL_FNV1A_INIT, p->choices, p->pos * sizeof *p->choices) | 1; /* never 0: 0 is "none" */
}

static char *choices_text(const int *choices, size_t n)
{
	char *s = xmalloc(n * 2 + 1);

	for (size_t i = 0; i < n; i++) {
		s[2 * i] = (char)('0' + choices[i]);
		s[2 * i + 1] = ' ';
	}
	s[n ? n * 2 - 1 : 0] = '\0';
	return s;
}

static void record(struct challenge *c, struct app *a, const char *outcome, long tries, const struct challenge_score *sc)
{
	struct store_progress p = { 0 };
	char *cause = NULL, *best = NULL;

	if (!c->store)
		return;
	p.player = c->player;
	p.level = c->level->name;
	p.scenario = c->level->scenario;
	p.version = xip_version_name(c->level->version);
	p.goal = level_goal_name(c->level);
	p.outcome = outcome;
	p.tries = tries;
	if (sc) {
		p.stars = sc->stars;
		p.best_length = (long)sc->length;
		p.best_preemptions = (long)sc->preemptions;
		best = choices_text(a->play.choices, a->play.pos);
		p.best_schedule = best;
	}
	if (store_progress_add(c->store, &p, &cause) != 0) {
		snprintf(a->play.message, sizeof a->play.message, "progress not saved: %s", cause);
		free(cause);
	}
	free(best);
}

/* explore the level once; 0 when its answer is known. */
static int explore_once(struct challenge *c, struct app *a)
{
	struct explore_options opt;
	char *cause = NULL;

	if (c->explored)
		return c->explored > 0 ? 0 : -1;
	explore_options_init(&opt);
	if (explore_run(a->play.scn, c->level->version, &opt, &c->ex, &cause) != 0 || c->ex.end != EXPLORE_COMPLETE) {
		snprintf(a->play.message, sizeof a->play.message, "explore could not search this level: %s",
			 cause ? cause : "the search did not complete");
		free(cause);
		explore_result_clear(&c->ex);
		c->explored = -1;
		return -1;
	}
	c->explored = 1;
	for (int k = VERDICT_OK + 1; k < VERDICT_NKINDS; k++)
		if (c->ex.verdicts[k] && level_goal_met(c->level, (enum verdict_kind)k))
			c->winnable = 1;
	return 0;
}

static void show_proof(struct challenge *c, struct app *a, const char *why)
{
	char proof[1024], text[2048];

	challenge_proof_text(c->level, a->play.scn->name, &c->ex, proof, sizeof proof);
	snprintf(text, sizeof text, "%s\n\n%s\n\n(Backspace: keep looking anyway; q: quit)", why, proof);
	overlay(a, text, " BS back: keep looking anyway   q quit");
	if (!c->proved)
		record(c, a, "proved", 0, NULL);
	c->proved = 1;
}

/* Where the hint's CPU ran the hint's site in the run just ended (1-based step, 0 never). */
static int hint_moment(const struct challenge *c, struct app *a)
{
	size_t n;
	const struct sched_step *tr = sched_trace(kernel_run_sched(a->play.run), &n);

	for (size_t i = 0; i < n; i++)
		if (tr[i].cpu == c->level->hint_cpu && sched_site_is(tr[i].site, c->level->hint_site))
			return (int)i + 1;
	return 0;
}

static void show_hint(struct challenge *c, struct app *a)
{
	char text[2048];
	size_t o;

	o = (size_t)snprintf(text, sizeof text, "Hint (after %ld failed %s)\n\n", c->tries_before + c->tries,
			     plural((unsigned long long)(c->tries_before + c->tries), "try", "tries"));
	if (c->hint_step)
		o += (size_t)snprintf(text + o, sizeof text - o,
				      "In your last try CPU%d ran %s at step %d\n(g %d Enter goes back there).\n\n",
				      c->level->hint_cpu, c->level->hint_site, c->hint_step, c->hint_step);
	else
		o += (size_t)snprintf(text + o, sizeof text - o, "Watch CPU%d at %s.\n\n", c->level->hint_cpu,
				      c->level->hint_site);
	wrap(text, sizeof text, &o, c->level->hint, WRAP);
	snprintf(text + o, sizeof text - o, "\n\n(space continues; i shows the hint again)");
	overlay(a, text, " space continue   BS back   q quit");
	c->hint_seen = 1;
}

static void win(struct challenge *c, struct app *a, enum verdict_kind v)
{
	struct challenge_score sc;
	char score[1024], text[2048];
	unsigned pre = sched_preemptions(kernel_run_sched(a->play.run));

	if (explore_once(c, a) != 0 || !explore_found_bad(&c->ex)) {
		/* no counterexamples to compare with (explore failed: the message says why): a plain win */
		memset(&sc, 0, sizeof sc);
		sc.length = a->play.pos;
		sc.preemptions = pre;
		sc.stars = 1;
		snprintf(text, sizeof text, "You won: the run ended in %s.\n\n(q quits)", level_verdict_words(v));
		overlay(a, text, " you won   BS back   q quit");
		record(c, a, "won", 0, &sc);
		c->won = 1;
		return;
	}
	challenge_score(a->play.pos, pre, &c->ex, &sc);
	challenge_score_text(&sc, score, sizeof score);
	snprintf(text, sizeof text, "You won: the run ended in %s.\n\n%s\n\n%s", level_verdict_words(v), score,
		 sc.stars < 3 ? "(Backspace: go back and try for a better score; q: quit)"
		 : "(q: quit; 'xipsandbox challenge' shows the next level)");
	overlay(a, text, " you won   BS back: try again   q quit");
	record(c, a, "won", 0, &sc);
	c->won = 1;
	if (sc.stars > c->best_stars)
		c->best_stars = sc.stars;
}

static void fail(struct challenge *c, struct app *a, enum verdict_kind v)
{
	if (explore_once(c, a) != 0)
		return;
	if (!c->winnable) {
		show_proof(c, a, "The run ended without reaching the goal, and it could not have.");
		return;
	}
	c->tries++;
	c->hint_step = hint_moment(c, a);
	record(c, a, "open", 1, NULL);
	snprintf(a->play.message, sizeof a->play.message,
		 "Not yet: this run ended %s, the goal is %s. Backspace undoes a step.",
		 verdict_kind_name(v), level_goal_name(c->level));
	if (c->tries_before + c->tries == c->level->hint_after)
		show_hint(c, a);
}

/* ---- the hooks ---------------------------------------------------------------- */

int challenge_begin(struct challenge *c, struct app *a)
{
	struct store_progress p;
	char text[2048], *cause = NULL;
	int found = 0;
	size_t o;

	if (c->store && store_progress_get(c->store, c->player, c->level->name, &p, &found, &cause) != 0) {
		snprintf(a->play.message, sizeof a->play.message, "%s", cause);
		free(cause);
	} else if (found) {
		c->tries_before = p.tries;
		snprintf(c->outcome_before, sizeof c->outcome_before, "%s", p.outcome);
		c->best_stars = (int)p.stars;
		store_progress_clear(&p);
	}
	o = (size_t)snprintf(text, sizeof text, "Challenge %s: %s\n\n", c->level->name, c->level->title);
	wrap(text, sizeof text, &o, c->level->task, WRAP);
	o += (size_t)snprintf(text + o, sizeof text - o, "\n\nGoal: a run that ends in %s (%s version).",
			      level_goal_words(c->level),
			      xip_version_name(c->level->version));
	if (strcmp(c->outcome_before, "won") == 0)
		o += (size_t)snprintf(text + o, sizeof text - o, "\nYou have done this level before: won, %d of 3 stars.",
				      c->best_stars);
	else if (strcmp(c->outcome_before, "proved") == 0)
		o += (size_t)snprintf(text + o, sizeof text - o, "\nYou have done this level before: proved unwinnable.");
	else if (found)
		o += (size_t)snprintf(text + o, sizeof text - o, "\nYou tried it before: %ld failed %s.", c->tries_before,
				      plural((unsigned long long)c->tries_before, "try", "tries"));
	snprintf(text + o, sizeof text - o,
		 "\n\nKeys: a digit runs one step of that CPU, Backspace undoes one,\n"
		 "space runs the CPU that ran last, i gives a hint after a few failed\n"
		 "tries, x gives up, q quits.\n(space starts)");
	overlay(a, text, " space start   q quit");
	snprintf(a->play.message, sizeof a->play.message, "challenge %s: you are the scheduler", c->level->name);
	return 0;
}

void challenge_end(struct challenge *c)
{
	if (c->explored > 0)
		explore_result_clear(&c->ex);
	c->explored = 0;
}

static void give_up(struct challenge *c, struct app *a)
{
	char text[2048], *s;
	const struct explore_cex *cx;
	size_t o;

	if (explore_once(c, a) != 0)
		return;
	c->gave_up = 1;
	if (!c->winnable) {
		show_proof(c, a, "You gave up, and rightly so.");
		return;
	}
	cx = &c->ex.shortest;
	s = choices_text(cx->choices, cx->n);
	o = (size_t)snprintf(text, sizeof text, "You gave up. A schedule exists: explore's shortest, %zu steps,\n"
			     "%u %s, ends in %s. The CPU of each step:\n\n%.200s",
			     cx->n, cx->preemptions, plural(cx->preemptions, "preemption", "preemptions"),
			     level_verdict_words(cx->verdict), s);
	free(s);
	cx = &c->ex.fewest;
	if (cx->preemptions < c->ex.shortest.preemptions && o < sizeof text) {
		s = choices_text(cx->choices, cx->n);
		o += (size_t)snprintf(text + o, sizeof text - o, "\n\nWith fewer preemptions (%u, in %zu steps):\n\n%.200s",
				      cx->preemptions, cx->n, s);
		free(s);
	}
	if (o < sizeof text)
		snprintf(text + o, sizeof text - o, "\n\n(Backspace: keep trying; q: quit)");
	overlay(a, text, " you gave up   BS back: keep trying   q quit");
}

int challenge_key(struct challenge *c, struct app *a, struct app_event ev, enum app_result *r)
{
	int ch = ev.key == APP_CHAR ? ev.ch : -1;

	*r = APP_REDRAW;
	if (ch == 'x') {
		give_up(c, a);
	} else if (ch == 'i') {
		if (c->tries_before + c->tries >= c->level->hint_after)
			show_hint(c, a);
		else
			snprintf(a->play.message, sizeof a->play.message, "the hint comes after %d failed tries (so far: %ld)",
				 c->level->hint_after, c->tries_before + c->tries);
	} else if (ch == 'v' || ch == 'L') {
		snprintf(a->play.message, sizeof a->play.message, "challenge: %s is off; the level is %s on %s",
			 ch == 'v' ? "switching version" : "loading a schedule", a->play.scn->name,
			 xip_version_name(c->level->version));
	} else {
		return 0;
	}
	return 1;
}

void challenge_after_step(struct challenge *c, struct app *a)
{
	struct kernel_verdict v;
	uint64_t h;

	/* the student's choices are the schedule: there is no recorded one they fork from */
	a->play.fork_at = (size_t)-1;
	if (!play_ended(&a->play) || a->overlay != VIEW_NONE)
		return;
	h = schedule_hash(&a->play);
	if (h == c->last_judged)
		return;
	c->last_judged = h;
	kernel_run_verdict(a->play.run, &v);
	if (level_goal_met(c->level, v.kind))
		win(c, a, v.kind);
	else
		fail(c, a, v.kind);
}

const char *challenge_keybar(struct challenge *c)
{
	snprintf(c->keybar, sizeof c->keybar, " goal: %s  tries %ld  0-7 run CPU  BS undo  i hint  x give up  q quit",
		 level_goal_name(c->level), c->tries_before + c->tries);
	return c->keybar;
}
