/*
 * grid.h - a screen-sized buffer of cells, each a character and a role.
 * The view draws into a grid with pure functions; one painter (tui.c)
 * copies it to the terminal.  Tests read grids as text.
 */
#ifndef XS_GRID_H
#define XS_GRID_H

#include <stdint.h>

#include "util.h"

/* What a cell shows, looked up in the painter's colour table. */
enum grid_role {
	ROLE_NORMAL,
	ROLE_TITLE,      /* the title and key bars */
	ROLE_DIM,        /* secondary text, the recorded future */
	ROLE_HEADING,    /* section names, CPU headers */
	ROLE_CURRENT,    /* the next line a CPU runs */
	ROLE_LAST,       /* what the last step did */
	ROLE_WAIT,       /* blocked CPUs, held locks */
	ROLE_CHANGED,    /* a pte or block the last step wrote */
	ROLE_BAD,        /* corruption, BUG, stale ptes */
	ROLE_GOOD,       /* ok */
	ROLE_KEY,        /* key names in the help */
	ROLE_COUNT
};

struct grid_cell {
	char ch;
	uint8_t role;
};

struct grid {
	int w, h;
	struct grid_cell *cells;
};

struct grid *grid_new(int w, int h);
void grid_free(struct grid *g);
void grid_clear(struct grid *g);
/* Write text at (x, y), clipped to the grid and to at most max cells (-1: no limit); returns cells written. */
int grid_put(struct grid *g, int x, int y, enum grid_role role, const char *text, int max);
int grid_putf(struct grid *g, int x, int y, enum grid_role role, int max, const char *fmt, ...) XS_PRINTF(6, 7);
/* Give a whole row (or a span) one role. */
void grid_role_span(struct grid *g, int x, int y, int n, enum grid_role role);
/* Row y as text (trailing blanks trimmed) into buf. */
char *grid_row_text(const struct grid *g, int y, char *buf, int len);

#endif
