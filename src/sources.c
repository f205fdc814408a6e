/*
 * sources.c - looking up the embedded kernel listing (sources.h).
 */
#include "config.h"

#include <string.h>

#include "sources.h"

const struct embedded_source *sources_find(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (const struct embedded_source *s = embedded_sources; s->name; s++)
		if (strcmp(s->name, base) == 0)
			return s;
	return NULL;
}

int sources_display_line(const struct embedded_source *src, int line)
{
	if (!src || line < 1 || line > src->nsource)
		return -1;
	return src->line_map[line];
}

const struct source_func *sources_func_at(const struct embedded_source *src, int d)
{
	for (int i = 0; src && i < src->nfuncs; i++)
		if (d >= src->funcs[i].first && d <= src->funcs[i].last)
			return &src->funcs[i];
	return NULL;
}
