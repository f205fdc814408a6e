/*
 * app.c - keys to actions for the play screen (app.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "narrate.h"
#include "record.h"

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
				  "\n%4ld  %-14s %-6s %5ld steps  %-10s %s", s->id, s->name ? s->name : "-",
				  s->version, s->length, s->verdict, s->origin);
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

	if (a->list_n == 0)
		return;
	if (store_schedule_get(a->store, a->list_ids[a->list_sel], &row, &found, &cause) != 0 || !found ||
	    record_parse_choices(row.choices, &choices, &n, &cause) != 0) {
		snprintf(a->play.message, sizeof a->play.message, "cannot load: %s", cause ? cause : "gone");
		free(cause);
		store_schedule_clear(&row);
		return;
	}
	snprintf(source, sizeof source, "schedule %ld%s%s%s", row.id, row.name ? " '" : "",
		 row.name ? row.name : "", row.name ? "'" : "");
	if (play_open(&fresh, a->play.scn, (enum xip_version)xip_version_parse(row.version), choices, n,
		      row.milestones, source, &cause) == 0) {
		play_close(&a->play);
		a->play = fresh;
		snprintf(a->play.message, sizeof a->play.message, "loaded %s: %s, %zu steps, verdict %s", source,
			 row.version, n, row.verdict);
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
	if (a->overlay != VIEW_NONE)
		return overlay_key(a, ev);
	p->message[0] = '\0';
	if (a->pending_next) {
		a->pending_next = 0;
		if (ch >= '0' && ch <= '7')
			play_until_cpu_next(p, ch - '0');
		else
			snprintf(p->message, sizeof p->message, "n wants a CPU number next");
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
		play_to_end(p);
	} else if (ev.key == APP_HOME) {
		play_goto(p, 0);
	} else if (ch == 'g') {
		open_prompt(a, PROMPT_GOTO);
	} else if (ch == 'v') {
		play_set_version(p, (enum xip_version)((p->version + 1) % XIP_NVERSIONS));
		a->ran_to_end = 0;
	} else if (ch == 's') {
		open_prompt(a, PROMPT_SAVE);
	} else if (ch == 'L') {
		open_list(a);
	} else if (ch == '?') {
		snprintf(a->overlay_text, sizeof a->overlay_text, "%s", view_help_text);
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
	return APP_REDRAW;
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
	in.overlay_sel = a->list_sel;
	view_render(snap, &in, g);
	free(snap);
}
