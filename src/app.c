/*
 * app.c - keys to actions for the play screen (app.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "challenge.h"
#include "narrate.h"
#include "record.h"
#include "schedule.h"
#include "story.h"

int app_open(struct app *a, const struct scenario *scn, struct store *st, long scenario_id, enum xip_version v,
	     const int *choices, size_t n, const char *milestones, const char *source, char **cause)
{
	memset(a, 0, sizeof *a);
	a->store = st;
	a->scenario_id = scenario_id;
	if (play_open(&a->play, scn, v, choices, n, milestones, source, cause) != 0)
		return -1;
	snprintf(a->play.message, sizeof a->play.message, "press space to run the next step, ? for every key");
	return 0;
}

void app_close(struct app *a)
{
	play_close(&a->play);
	demo_free(a->demo);
	free(a->window);
}

void app_set_demo(struct app *a, struct demo *d, int demo_mode, int quiz, int pace_ms, int projector)
{
	a->demo = d;
	a->demo_mode = demo_mode;
	a->quiz = quiz;
	a->autoplay = demo_mode;
	a->pace_ms = pace_ms > 0 ? pace_ms : 1000;
	a->projector = projector;
	a->next_stop = 0;
	a->phase = 0;
	if (demo_mode)
		snprintf(a->play.message, sizeof a->play.message, "demo: it runs on its own and stops where it matters");
}

/* "Quiz: 2 of 3 right." (empty when nothing was asked) */
static const char *score_text(const struct app *a, char *buf, size_t len)
{
	if (a->quiz_asked == 0)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "Quiz: %d of %d right.", a->quiz_right, a->quiz_asked);
	return buf;
}

/* The question with its choices: asked before the step it is about runs. */
static size_t question_text(struct app *a, const struct demo_stop *st)
{
	size_t o = (size_t)snprintf(a->overlay_text, sizeof a->overlay_text, "Predict, then see (after step %zu)\n\n%s\n",
				    a->play.pos, st->text);
	for (int k = 0; k < st->nchoices; k++)
		o += (size_t)snprintf(a->overlay_text + o, sizeof a->overlay_text - o, "\n  %c) %s", st->choice_key[k],
				      st->choice[k]);
	return o;
}

/* The box for a stop: narration, or a question with its choices. */
static void show_stop(struct app *a, const struct demo_stop *st)
{
	a->open_stop = st;
	a->quiz_answered = 0;
	a->autoplay = 0;
	if (!st->quiz) {
		snprintf(a->overlay_text, sizeof a->overlay_text, "Step %zu\n\n%s", a->play.pos, st->text);
		snprintf(a->keys, sizeof a->keys, " space continue  BS back  q quit");
	} else {
		size_t k = (size_t)snprintf(a->keys, sizeof a->keys, " press ");
		question_text(a, st);
		for (int c = 0; c < st->nchoices; c++)
			k += (size_t)snprintf(a->keys + k, sizeof a->keys - k, "%s%c", c == 0 ? "" : c + 1 == st->nchoices ? " or " : ", ",
					      st->choice_key[c]);
		snprintf(a->keys + k, sizeof a->keys - k, ": your answer   q quit");
	}
	a->overlay = VIEW_STOP;
}

/* Does the stop belong to the version being played?  (buggy's stops, then the fixed replay's) */
static int stop_applies(const struct app *a, const struct demo_stop *st)
{
	return st->fixed ? a->play.version == XIP_FIXED : a->play.version == XIP_BUGGY;
}

/* Which single ingredients of the fix, switched off, break this interleaving? */
static void which_ingredients(struct app *a)
{
	struct schedule *sch = NULL;
	char *cause = NULL;
	size_t o = 0;

	a->mode_text[0] = '\0';
	o = (size_t)snprintf(a->overlay_text, sizeof a->overlay_text,
			     "The fixed version is ok on this interleaving.\n\nWhat saved it: each ingredient of the fix switched off alone:");
	if (!a->play.milestones || schedule_parse(a->play.milestones, kernel_symbol_value, &sch, &cause) != 0) {
		free(cause);
		return;
	}
	for (int i = 0; i < KERNEL_WITHOUT_COUNT; i++) {
		struct kernel_run *run = kernel_run_new();
		struct kernel_verdict v;
		unsigned bit = 1u << i;

		kernel_run_set_without(run, bit);
		if (kernel_run_start(run, a->play.scn, XIP_FIXED, &cause) == 0 &&
		    schedule_run(kernel_run_sched(run), sch, &cause) == 0) {
			kernel_run_verdict(run, &v);
			o += (size_t)snprintf(a->overlay_text + o, sizeof a->overlay_text - o, "\n  without %-9s %s%s",
					      kernel_without_name((enum kernel_without)bit), verdict_kind_name(v.kind),
					      v.kind == VERDICT_OK ? "" : "  <- it stopped the race here");
		} else {
			o += (size_t)snprintf(a->overlay_text + o, sizeof a->overlay_text - o, "\n  without %-9s (the interleaving does not apply)",
					      kernel_without_name((enum kernel_without)bit));
		}
		free(cause);
		cause = NULL;
		kernel_run_free(run);
	}
	schedule_free(sch);
	snprintf(a->overlay_text + o, sizeof a->overlay_text - o,
		 "\n\nxipsandbox explore proves it for every interleaving. (q quits, BS goes back)");
	play_goto(&a->play, a->play.pos); /* the play run drives again */
}

/* After every step: stops, the end of each demo phase. */
static void after_step(struct app *a)
{
	char score[64];

	if (a->demo) {
		/* stops are in order: the buggy run's, then the fixed replay's */
		if (a->play.version == XIP_FIXED)
			while (a->next_stop < a->demo->n && !a->demo->stop[a->next_stop].fixed)
				a->next_stop++;
		/* every stop of this moment in turn: one not shown here (a pause in play --quiz) lets the next be seen */
		while (a->next_stop < a->demo->n) {
			const struct demo_stop *st = &a->demo->stop[a->next_stop];
			if (!stop_applies(a, st) || !demo_stop_fires(st, a->play.run))
				break;
			a->next_stop++;
			if ((st->quiz && a->quiz) || (!st->quiz && a->demo_mode)) {
				show_stop(a, st);
				return;
			}
		}
	}
	if (a->demo_mode && play_ended(&a->play) && a->overlay == VIEW_NONE) {
		a->autoplay = 0;
		if (a->phase == 0) {
			kernel_run_verdict(a->play.run, &a->verdict);
			snprintf(a->overlay_text, sizeof a->overlay_text,
				 "The %s version: %s.\n\n%s\n\nPress space: the same interleaving on the fixed version.",
				 xip_version_name(a->play.version), verdict_kind_name(a->verdict.kind), a->verdict.headline);
			snprintf(a->keys, sizeof a->keys, " space: the fixed version   BS back   q quit");
			a->overlay = VIEW_STOP;
			a->open_stop = NULL;
		} else if (a->phase == 1) {
			which_ingredients(a);
			if (a->quiz_asked) {
				size_t o = strlen(a->overlay_text);
				snprintf(a->overlay_text + o, sizeof a->overlay_text - o, "\n%s", score_text(a, score, sizeof score));
			}
			snprintf(a->keys, sizeof a->keys, " the demo is over   BS back   q quit");
			a->overlay = VIEW_STOP;
			a->open_stop = NULL;
			a->phase = 2;
		}
	}
	/* play --quiz: the score when the run ends */
	if (!a->demo_mode && a->quiz && a->quiz_asked && play_ended(&a->play) && a->overlay == VIEW_NONE)
		snprintf(a->play.message, sizeof a->play.message, "%s", score_text(a, score, sizeof score));
	if (a->challenge)
		challenge_after_step(a->challenge, a);
}

/* A key while a stop's box is open. */
static enum app_result stop_key(struct app *a, struct app_event ev)
{
	const struct demo_stop *st = a->open_stop;

	if (ev.key == APP_CHAR && ev.ch == 'q')
		return APP_QUIT;
	if (st && st->quiz && !a->quiz_answered) {
		int k;
		if (ev.key != APP_CHAR)
			return APP_NOTHING;
		for (k = 0; k < st->nchoices && st->choice_key[k] != ev.ch; k++)
			;
		if (k == st->nchoices)
			return APP_NOTHING;
		a->quiz_answered = 1;
		a->quiz_asked++;
		a->quiz_right += ev.ch == st->answer;
		{
			/* the question stays; the answer and the whole explanation come under it */
			size_t o = question_text(a, st);
			snprintf(a->overlay_text + o, sizeof a->overlay_text - o, "\n\nYour answer: %c. %s\n\n%s", ev.ch,
				 ev.ch == st->answer ? "Right." : "Not quite.", st->explain ? st->explain : "");
		}
		snprintf(a->keys, sizeof a->keys, " space: see it happen   BS back   q quit");
		return APP_REDRAW;
	}
	if (ev.key == APP_BACKSPACE || ev.key == APP_LEFT) {
		a->overlay = VIEW_NONE;
		a->autoplay = 0;
		play_back(&a->play);
		return APP_REDRAW;
	}
	if (!(ev.key == APP_CHAR && ev.ch == ' ') && ev.key != APP_ENTER && ev.key != APP_RIGHT)
		return APP_NOTHING;
	a->overlay = VIEW_NONE;
	a->open_stop = NULL;
	/* a second stop at the same moment (a pause, then its question) opens now */
	if (st && a->demo && a->next_stop < a->demo->n) {
		const struct demo_stop *nx = &a->demo->stop[a->next_stop];
		if (stop_applies(a, nx) && demo_stop_fires(nx, a->play.run) &&
		    ((nx->quiz && a->quiz) || (!nx->quiz && a->demo_mode))) {
			a->next_stop++;
			show_stop(a, nx);
			return APP_REDRAW;
		}
	}
	if (a->demo_mode && a->phase == 0 && play_ended(&a->play)) {
		play_set_version(&a->play, XIP_FIXED);
		play_goto(&a->play, 0); /* the fixed replay starts from the beginning */
		a->play.message[0] = '\0';
		a->phase = 1;
		a->ran_to_end = 0;
	}
	if (a->demo_mode && a->phase < 2)
		a->autoplay = 1;
	return APP_REDRAW;
}

enum app_result app_tick(struct app *a)
{
	if (!a->autoplay || a->overlay != VIEW_NONE || a->prompt != PROMPT_NONE)
		return APP_NOTHING;
	if (play_ended(&a->play)) {
		after_step(a);
		return APP_REDRAW;
	}
	a->play.message[0] = '\0';
	if (play_step(&a->play) != 0) {
		a->autoplay = 0;
		return APP_REDRAW;
	}
	after_step(a);
	return APP_REDRAW;
}

static void save(struct app *a)
{
	struct store_schedule row;
	char *cause = NULL;

	if (!a->store) {
		snprintf(a->play.message, sizeof a->play.message, "no database: saving is off");
		return;
	}
	record_fill(&row, a->play.run, a->scenario_id, "user", a->input[0] ? a->input : NULL, NULL, NULL);
	if (store_schedule_add(a->store, &row, &cause) != 0) {
		snprintf(a->play.message, sizeof a->play.message, "not saved: %s", cause);
		free(cause);
	} else {
		snprintf(a->play.message, sizeof a->play.message, "saved as schedule %ld%s%s%s (%zu steps)", row.id,
			 row.name ? " '" : "", row.name ? row.name : "", row.name ? "'" : "", (size_t)row.length);
	}
	store_schedule_clear(&row);
}

struct list_ctx {
	struct app *a;
	size_t o;
};

static int list_one(void *ctx, const struct store_schedule *s)
{
	struct list_ctx *lc = ctx;
	struct app *a = lc->a;

	if (a->list_n >= APP_LIST_MAX)
		return 1;
	a->list_ids[a->list_n++] = s->id;
	lc->o += (size_t)snprintf(a->overlay_text + lc->o, sizeof a->overlay_text - lc->o,
				  "\n%4ld  %-14s %-6s %5ld steps  %-10s %s%s%s", s->id, s->name ? s->name : "-",
				  s->version, s->length, s->verdict, s->origin,
				  s->memory_model && strcmp(s->memory_model, "sc") ? "  under " : "",
				  s->memory_model && strcmp(s->memory_model, "sc") ? s->memory_model : "");
	return lc->o + 100 > sizeof a->overlay_text;
}

static void open_list(struct app *a)
{
	struct list_ctx lc = { a, 0 };
	char *cause = NULL;

	if (!a->store) {
		snprintf(a->play.message, sizeof a->play.message, "no database: loading is off");
		return;
	}
	a->list_n = 0;
	a->list_sel = 0;
	lc.o = (size_t)snprintf(a->overlay_text, sizeof a->overlay_text,
				"Stored schedules of %s (Up/Down, Enter loads, Esc closes)", a->play.scn->name);
	if (store_schedule_list(a->store, a->play.scn->name, list_one, &lc, &cause) != 0) {
		snprintf(a->play.message, sizeof a->play.message, "%s", cause);
		free(cause);
		return;
	}
	if (a->list_n == 0)
		snprintf(a->overlay_text + lc.o, sizeof a->overlay_text - lc.o, "\n(none yet: s saves one)");
	a->overlay = VIEW_LIST;
}

static void load_selected(struct app *a)
{
	struct store_schedule row = { 0 };
	char *cause = NULL, source[96];
	int found = 0, *choices = NULL;
	size_t n = 0;
	struct play fresh;
	enum xip_version v;
	enum memmodel m = MEMMODEL_SC;

	if (a->list_n == 0)
		return;
	/* a row runs under its own memory model, whatever the one before it ran under */
	if (store_schedule_get(a->store, a->list_ids[a->list_sel], &row, &found, &cause) != 0 || !found ||
	    record_row_version(&row, &v, &cause) != 0 || record_row_model(&row, &m, &cause) != 0 ||
	    record_row_choices(&row, a->play.scn, m, &choices, &n, &cause) != 0) {
		snprintf(a->play.message, sizeof a->play.message, "cannot load: %s", cause ? cause : "gone");
		free(cause);
		store_schedule_clear(&row);
		return;
	}
	snprintf(source, sizeof source, "schedule %ld%s%s%s", row.id, row.name ? " '" : "",
		 row.name ? row.name : "", row.name ? "'" : "");
	if (play_open(&fresh, a->play.scn, v, choices, n,
		      row.milestones, source, &cause) == 0) {
		play_close(&a->play);
		a->play = fresh;
		if (m != MEMMODEL_SC)
			play_set_memory_model(&a->play, m);
		snprintf(a->play.message, sizeof a->play.message, "loaded %s: %s%s%s, %zu steps, verdict %s", source,
			 row.version, m != MEMMODEL_SC ? " under " : "", m != MEMMODEL_SC ? memmodel_name(m) : "", n,
			 row.verdict);
		a->ran_to_end = 0;
	} else {
		snprintf(a->play.message, sizeof a->play.message, "cannot load: %s", cause);
		free(cause);
	}
	free(choices);
	store_schedule_clear(&row);
	a->overlay = VIEW_NONE;
}

static enum app_result prompt_key(struct app *a, struct app_event ev)
{
	size_t len = strlen(a->input);

	if (ev.key == APP_ESCAPE) {
		a->prompt = PROMPT_NONE;
		a->overlay = VIEW_NONE;
		snprintf(a->play.message, sizeof a->play.message, "cancelled");
	} else if (ev.key == APP_BACKSPACE) {
		if (len)
			a->input[len - 1] = '\0';
	} else if (ev.key == APP_ENTER) {
		enum app_prompt p = a->prompt;
		a->prompt = PROMPT_NONE;
		a->overlay = VIEW_NONE;
		if (p == PROMPT_SAVE)
			save(a);
		else if (p == PROMPT_GOTO && a->input[0])
			play_goto(&a->play, (size_t)strtoul(a->input, NULL, 10));
	} else if (ev.key == APP_CHAR && ev.ch >= 0x20 && ev.ch < 0x7f && len + 1 < sizeof a->input) {
		if (a->prompt == PROMPT_GOTO && (ev.ch < '0' || ev.ch > '9'))
			return APP_NOTHING;
		a->input[len] = (char)ev.ch;
		a->input[len + 1] = '\0';
	}
	if (a->prompt != PROMPT_NONE)
		snprintf(a->overlay_text, sizeof a->overlay_text, "%s\n> %s_\n(Enter accepts, Esc cancels)",
			 a->prompt == PROMPT_SAVE ? "Save this schedule as (a name, or empty for none):" : "Go to step:",
			 a->input);
	return APP_REDRAW;
}

static void open_prompt(struct app *a, enum app_prompt p)
{
	a->prompt = p;
	a->input[0] = '\0';
	a->overlay = VIEW_PROMPT;
	prompt_key(a, (struct app_event){ APP_CHAR, 0 });
}

static enum app_result overlay_key(struct app *a, struct app_event ev)
{
	if (a->overlay == VIEW_LIST) {
		if (ev.key == APP_UP && a->list_sel > 0)
			a->list_sel--;
		else if (ev.key == APP_DOWN && a->list_sel + 1 < a->list_n)
			a->list_sel++;
		else if (ev.key == APP_ENTER)
			load_selected(a);
		else if (ev.key == APP_ESCAPE || (ev.key == APP_CHAR && ev.ch == 'q'))
			a->overlay = VIEW_NONE;
		return APP_REDRAW;
	}
	a->overlay = VIEW_NONE; /* help: any key closes it */
	return APP_REDRAW;
}

enum app_result app_handle(struct app *a, struct app_event ev)
{
	struct play *p = &a->play;
	int ch = ev.key == APP_CHAR ? ev.ch : -1;

	if (ev.key == APP_RESIZE)
		return APP_REDRAW;
	if (a->prompt != PROMPT_NONE)
		return prompt_key(a, ev);
	if (a->overlay == VIEW_STOP)
		return stop_key(a, ev);
	if (a->overlay != VIEW_NONE)
		return overlay_key(a, ev);
	if (a->challenge) {
		enum app_result r;
		if (challenge_key(a->challenge, a, ev, &r))
			return r;
	}
	if (a->demo_mode && ev.key == APP_CHAR && (ev.ch == 'p' || ev.ch == '+' || ev.ch == '-')) {
		if (ev.ch == 'p')
			a->autoplay = !a->autoplay && a->phase < 2;
		else if (ev.ch == '+' && a->pace_ms > 100)
			a->pace_ms /= 2;
		else if (ev.ch == '-' && a->pace_ms < 8000)
			a->pace_ms *= 2;
		return APP_REDRAW;
	}
	if (a->demo_mode && ev.key == APP_CHAR && ev.ch == ' ') {
		a->autoplay = 1; /* space resumes the demo */
		return APP_REDRAW;
	}
	p->message[0] = '\0';
	if (a->pending_next) {
		a->pending_next = 0;
		if (ch >= '0' && ch <= '7')
			play_until_cpu_next(p, ch - '0');
		else
			snprintf(p->message, sizeof p->message, "n wants a CPU number next");
	} else if (a->pending_flush) {
		/* f then a CPU: that CPU's oldest store that may leave its buffer, else an invalidation to apply */
		int choice = ch >= '0' && ch <= '7' ? play_first_memory_choice(p, ch - '0') : -1;
		a->pending_flush = 0;
		if (ch < '0' || ch > '7')
			snprintf(p->message, sizeof p->message, "f wants a CPU number next");
		else if (choice < 0)
			snprintf(p->message, sizeof p->message, "CPU%c has nothing to flush or drain now", ch);
		else
			play_step_cpu(p, choice);
	} else if (ch == 'f' && sched_memory_model(kernel_run_sched(p->run)) != MEMMODEL_SC) {
		a->pending_flush = 1;
		snprintf(p->message, sizeof p->message, "flush or drain which CPU's buffer? (0-7)");
	} else if (ch == ' ' || ch == 'l' || ch == 'j' || ev.key == APP_RIGHT || ev.key == APP_DOWN) {
		play_step(p);
	} else if (ch == 'h' || ch == 'k' || ev.key == APP_LEFT || ev.key == APP_UP || ev.key == APP_BACKSPACE) {
		play_back(p);
	} else if (ch >= '0' && ch <= '7') {
		play_step_cpu(p, ch - '0');
	} else if (ch == 'n') {
		a->pending_next = 1;
		snprintf(p->message, sizeof p->message, "run until which CPU is next? (0-7)");
	} else if (ch == 'e' || ev.key == APP_END) {
		/* to the end, but a quiz on the way stops it */
		while (!play_ended(p) && a->overlay == VIEW_NONE && play_step(p) == 0)
			after_step(a);
		if (play_ended(p))
			a->ran_to_end = 1;
		return APP_REDRAW;
	} else if (ev.key == APP_HOME) {
		play_goto(p, 0);
	} else if (ch == 'g') {
		open_prompt(a, PROMPT_GOTO);
	} else if (ch == 'v') {
		play_set_version(p, (enum xip_version)((p->version + 1) % XIP_NVERSIONS));
		a->ran_to_end = 0;
		a->next_stop = 0; /* the new version's stops, from where it stands */
		return APP_REDRAW; /* a switch is not a step: no stop fires on it */
	} else if (ch == 's') {
		open_prompt(a, PROMPT_SAVE);
	} else if (ch == 'L') {
		open_list(a);
	} else if (ch == '?') {
		snprintf(a->overlay_text, sizeof a->overlay_text, "%s", view_help_text);
		a->overlay = VIEW_HELP;
	} else if (ch == 't') {
		snprintf(a->overlay_text, sizeof a->overlay_text, "%s", view_terms_text);
		a->overlay = VIEW_HELP;
	} else if (ch == 'q') {
		return APP_QUIT;
	} else if (ev.key == APP_ESCAPE) {
		/* Esc only closes things: an unknown key sequence must not quit */
	} else {
		snprintf(p->message, sizeof p->message, "unknown key: press ? for the list of keys");
	}
	if (play_ended(p))
		a->ran_to_end = 1;
	if (ev.key != APP_LEFT && ev.key != APP_BACKSPACE && !(ch == 'h' || ch == 'k') && ev.key != APP_UP)
		after_step(a);
	return APP_REDRAW;
}

/* Steps inside a race window (story.h: after a fault found a hole, until its CPU installs a pte). */
static void compute_window(struct app *a)
{
	size_t n = sched_nsteps(kernel_run_sched(a->play.run));

	if (a->window_cap < a->play.n + 1 || a->window_cap < n + 1) {
		a->window_cap = (a->play.n > n ? a->play.n : n) + 64;
		a->window = xrealloc(a->window, a->window_cap);
	}
	memset(a->window, 0, a->window_cap);
	story_race_window(a->play.run, a->window);
}

void app_render(struct app *a, struct grid *g)
{
	struct kernel_snapshot *snap = xmalloc(sizeof *snap);
	struct view_info in;

	kernel_snapshot(a->play.run, snap);
	narrate_last_step(a->play.run, snap, a->narration, sizeof a->narration);
	memset(&in, 0, sizeof in);
	in.scenario = a->play.scn->name;
	in.title = a->play.scn->title;
	in.choices = a->play.choices;
	in.n = a->play.n;
	in.pos = a->play.pos;
	in.fork_at = a->play.fork_at;
	in.source = a->play.source;
	in.narration = a->narration;
	in.message = a->play.message;
	if (play_ended(&a->play)) {
		kernel_run_verdict(a->play.run, &a->verdict);
		in.verdict = &a->verdict;
	}
	in.overlay = a->overlay;
	in.overlay_text = a->overlay_text;
	if (a->overlay == VIEW_STOP) {
		in.keys = a->keys;
		/* a question open: nothing on screen may tell what the next step does */
		if (a->open_stop && a->open_stop->quiz && !a->quiz_answered)
			in.narration = "Answer the question first: the next step will show what happens.";
	}
	in.overlay_sel = a->list_sel;
	compute_window(a);
	in.window = a->window;
	in.projector = a->projector;
	if (a->play.without) {
		char w[64];
		snprintf(a->variant, sizeof a->variant, "fixed without %s", kernel_without_text(a->play.without, w, sizeof w));
		in.variant = a->variant;
	}
	if (a->demo_mode) {
		snprintf(a->mode_text, sizeof a->mode_text, "demo (%s): %s, %.1f s a step",
			 a->phase == 0 ? xip_version_name(a->play.version) : a->phase == 1 ? "fixed replay" : "over",
			 a->autoplay ? "playing" : "paused", a->pace_ms / 1000.0);
		in.mode = a->mode_text;
	}
	if (a->challenge && !in.keys)
		in.keys = challenge_keybar(a->challenge);
	view_render(snap, &in, g);
	free(snap);
}
