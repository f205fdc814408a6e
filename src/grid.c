/*
 * grid.c - the cell buffer (grid.h).  ASCII only: every cell is one byte,
 * which keeps widths exact on every terminal and in tests.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grid.h"

struct grid *grid_new(int w, int h)
{
	struct grid *g = xcalloc(1, sizeof *g);

	g->w = w > 0 ? w : 1;
	g->h = h > 0 ? h : 1;
	g->cells = xcalloc((size_t)g->w * (size_t)g->h, sizeof *g->cells);
	grid_clear(g);
	return g;
}

void grid_free(struct grid *g)
{
	if (g) {
		free(g->cells);
		free(g);
	}
}

void grid_clear(struct grid *g)
{
	for (int i = 0; i < g->w * g->h; i++) {
		g->cells[i].ch = ' ';
		g->cells[i].role = ROLE_NORMAL;
	}
}

int grid_put(struct grid *g, int x, int y, enum grid_role role, const char *text, int max)
{
	int n = 0;

	if (y < 0 || y >= g->h)
		return 0;
	for (; *text && x < g->w && (max < 0 || n < max); text++, x++, n++) {
		if (x < 0)
			continue;
		g->cells[y * g->w + x].ch = (*text >= 0x20 && *text < 0x7f) ? *text : '?';
		g->cells[y * g->w + x].role = (uint8_t)role;
	}
	return n;
}

int grid_putf(struct grid *g, int x, int y, enum grid_role role, int max, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return grid_put(g, x, y, role, buf, max);
}

void grid_role_span(struct grid *g, int x, int y, int n, enum grid_role role)
{
	if (y < 0 || y >= g->h)
		return;
	for (int i = 0; i < n; i++)
		if (x + i >= 0 && x + i < g->w)
			g->cells[y * g->w + x + i].role = (uint8_t)role;
}

char *grid_row_text(const struct grid *g, int y, char *buf, int len)
{
	int n = 0;

	for (int x = 0; x < g->w && n + 1 < len; x++)
		buf[n++] = g->cells[y * g->w + x].ch;
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return buf;
}
