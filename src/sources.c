/*
 * sources.c - looking up lines of the embedded kernel source (sources.h).
 */
#include "config.h"

#include <string.h>

#include "sources.h"

int sources_line(const char *path, int line, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (const struct embedded_source *s = embedded_sources; s->name; s++) {
		const char *p = s->text;
		size_t o = 0;

		if (strcmp(s->name, base) != 0)
			continue;
		for (int l = 1; l < line && p; l++) {
			p = strchr(p, '\n');
			if (p)
				p++;
		}
		if (!p || !*p || line < 1)
			return 0;
		for (; *p && *p != '\n' && o + 1 < len; p++) {
			if (*p == '\t') {
				do
					buf[o++] = ' ';
				while (o % 8 && o + 1 < len);
			} else {
				buf[o++] = *p;
			}
		}
		buf[o] = '\0';
		return 1;
	}
	return 0;
}
