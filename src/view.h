/*
 * view.h - drawing the play screen: pure functions from a kernel snapshot
 * and the session's state to a grid.  No curses here, no kernel internals:
 * the same grid is painted by tui.c and read as text by the tests.
 */
#ifndef XS_VIEW_H
#define XS_VIEW_H

#include <stddef.h>

#include "grid.h"
#include "kernel.h"

#define VIEW_MIN_W 80
#define VIEW_MIN_H 24

enum view_overlay { VIEW_NONE, VIEW_HELP, VIEW_LIST, VIEW_PROMPT, VIEW_STOP };

struct view_info {
	const char *scenario;        /* "classic" */
	const char *title;
	const int *choices;          /* the schedule: taken up to pos, recorded beyond */
	size_t n, pos, fork_at;      /* fork_at: (size_t)-1 when none */
	const char *source;          /* where the schedule came from */
	const char *narration;
	const char *message;
	const struct kernel_verdict *verdict; /* NULL until the run ends */
	enum view_overlay overlay;
	const char *overlay_text;    /* lines separated by '\n' */
	int overlay_sel;             /* selected line of a list */
	const unsigned char *window; /* per step: inside a race window (shaded), or NULL */
	const char *mode;            /* "demo: playing, 1.0 s a step" or NULL */
	int projector;               /* large-print layout: fewer, bigger things */
	const char *variant;         /* "fixed without mutex" when the fix is taken apart, else NULL */
	const char *keys;            /* the key bar when something particular is awaited, else NULL */
};

/* Draw everything (or the too-small message) into g. */
void view_render(const struct kernel_snapshot *snap, const struct view_info *info, struct grid *g);

/* The help overlay's text: every key and every sign on the screen. */
extern const char view_help_text[];
/* The glossary overlay's text: the kernel's terms in a student's words. */
extern const char view_terms_text[];

/*
 * Rows `text` takes word-wrapped at `width` columns ('\n' a hard break);
 * fills each row's start offset and length (up to max rows) when start
 * is not NULL.  The view wraps every sentence with it, so tests can too.
 */
int view_wrap(const char *text, int width, int *start, int *len, int max);

/* Where the overlay's box goes on g: its corner and size. */
void view_overlay_box(const struct view_info *in, const struct grid *g, int *x0, int *y0, int *w, int *h);

#endif
