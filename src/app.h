/*
 * app.h - the play screen's behaviour: what each key does to the session
 * (play.c), the store and the overlays.  Key handlers never draw; they say
 * whether to redraw or quit.  No curses here: tui.c turns terminal keys
 * into app_events, and tests can drive an app without a terminal.
 */
#ifndef XS_APP_H
#define XS_APP_H

#include "demo.h"
#include "grid.h"
#include "play.h"
#include "store.h"
#include "view.h"

enum app_key {
	APP_CHAR,        /* a printable character in ev.ch */
	APP_RIGHT, APP_LEFT, APP_UP, APP_DOWN,
	APP_HOME, APP_END, APP_ENTER, APP_BACKSPACE, APP_ESCAPE, APP_RESIZE,
};

struct app_event {
	enum app_key key;
	int ch;
};

enum app_result { APP_NOTHING, APP_REDRAW, APP_QUIT };

enum app_prompt { PROMPT_NONE, PROMPT_SAVE, PROMPT_GOTO };

#define APP_LIST_MAX 64

struct challenge;

struct app {
	struct play play;
	struct store *store;            /* NULL: saving and loading are off */
	long scenario_id;               /* the scenario's row in the store */
	enum view_overlay overlay;
	enum app_prompt prompt;
	char input[72];
	int pending_next;
	int pending_flush;     /* 'f' was pressed: the next key names the CPU whose buffer moves */               /* 'n' was pressed: a CPU number follows */
	long list_ids[APP_LIST_MAX];
	int list_n, list_sel;
	char overlay_text[8192];
	char narration[512];
	struct kernel_verdict verdict;
	int ran_to_end;                 /* the run ended while the user watched */

	/* demo and quiz (demo.h): stops come from scenarios/NAME.demo */
	struct demo *demo;              /* owned; NULL when the scenario has none */
	int next_stop;                  /* the next stop to watch for */
	int demo_mode;                  /* xipsandbox demo: autoplay, pauses, then fixed */
	int quiz;                       /* quizzes on (play --quiz, demo) */
	int autoplay;                   /* stepping on its own */
	int pace_ms;                    /* between automatic steps */
	int phase;                      /* demo: 0 buggy run, 1 fixed replay, 2 over */
	const struct demo_stop *open_stop; /* the stop whose box is shown */
	int quiz_answered;
	int quiz_asked, quiz_right;     /* the score */
	char keys[128];                 /* the key bar while a box awaits a key */
	int projector;
	unsigned char *window;          /* per step of the schedule: in a race window */
	size_t window_cap;
	char mode_text[80];
	char variant[96];
	struct challenge *challenge;    /* challenge mode (challenge.h); not owned, NULL when off */
};

/* Demo and quiz: take ownership of d (may be NULL). */
void app_set_demo(struct app *a, struct demo *d, int demo_mode, int quiz, int pace_ms, int projector);

/* Called regularly by the terminal loop: steps when autoplay is due. */
enum app_result app_tick(struct app *a);

/* Start on a scenario with a schedule (choices may be empty). */
int app_open(struct app *a, const struct scenario *scn, struct store *st, long scenario_id, enum xip_version v,
	     const int *choices, size_t n, const char *milestones, const char *source, char **cause);
void app_close(struct app *a);

enum app_result app_handle(struct app *a, struct app_event ev);

/* Draw the current state into g. */
void app_render(struct app *a, struct grid *g);

#endif
