/*
 * shipped.c - reading scenarios/NAME.sched (see shipped.h).  The schedule
 * text itself is checked by schedule.c when it is expanded; here only the
 * file's own structure is.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shipped.h"
#include "util.h"

static int parse_expect(const char *path, int line, char *text, struct shipped_schedule *sc, char **cause)
{
	char *save = NULL;

	for (char *item = strtok_r(text, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char ver[32], verdict[32], extra[8];
		int v, k;

		if (sscanf(item, " %31s %31s %7s", ver, verdict, extra) != 2)
			return util_errf(cause, "%s:%d: expected 'VERSION VERDICT' items separated by commas, found '%s'",
					 path, line, util_trim(item));
		v = xip_version_parse(ver);
		if (v < 0)
			return util_errf(cause, "%s:%d: unknown version '%s' (expected buggy, fixed, later or final)", path, line, ver);
		k = verdict_kind_parse(verdict);
		if (k < 0)
			return util_errf(cause, "%s:%d: unknown verdict '%s' (expected ok, corruption, bug, deadlock, leak or step-limit)",
					 path, line, verdict);
		sc->has_expect[v] = 1;
		sc->expect[v] = (enum verdict_kind)k;
	}
	for (int v = 0; v < XIP_NVERSIONS; v++)
		sc->applies[v] = sc->has_expect[v];
	return 0;
}

int shipped_name_ok(const char *s)
{
	int digits = 1;

	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '.'))
			return 0;
		if (*s < '0' || *s > '9')
			digits = 0;
	}
	return !digits;
}

int shipped_parse(const char *path, const char *text, struct shipped_file **out, char **cause)
{
	struct shipped_file *f = xcalloc(1, sizeof *f);
	char *copy = xstrdup(text), *next = copy;
	struct shipped_schedule *cur = NULL;
	int line = 0;

	f->path = xstrdup(path);
	f->hash = util_fnv1a(UTIL_FNV1A_INIT, text, strlen(text));
	for (char *l; (l = util_next_line(&next)) != NULL; ) {
		int indented = l[0] == ' ' || l[0] == '\t';
		char *s, *colon;

		line++;
		s = util_trim(l);
		if (!*s || *s == '#')
			continue;
		colon = strchr(s, ':');
		if (!indented) {
			char name[80];
			if (strncmp(s, "schedule ", 9) != 0 || !colon) {
				util_errf(cause, "%s:%d: expected 'schedule NAME: SCHEDULE', found '%.40s'", path, line, s);
				goto fail;
			}
			*colon = '\0';
			snprintf(name, sizeof name, "%s", util_trim(s + 9));
			if (!shipped_name_ok(name)) {
				util_errf(cause, "%s:%d: bad schedule name '%s' (letters, digits, '_', '-', '.'; at most 64; not all digits)",
					  path, line, name);
				goto fail;
			}
			for (int i = 0; i < f->n; i++)
				if (strcmp(f->s[i].name, name) == 0) {
					util_errf(cause, "%s:%d: schedule '%s' is defined twice (first at line %d)",
						  path, line, name, f->s[i].line);
					goto fail;
				}
			if (f->n == SHIPPED_MAX) {
				util_errf(cause, "%s:%d: too many schedules (at most %d)", path, line, SHIPPED_MAX);
				goto fail;
			}
			cur = &f->s[f->n++];
			snprintf(cur->name, sizeof cur->name, "%.64s", name); /* shipped_name_ok: at most 64 */
			cur->text = xstrdup(util_trim(colon + 1));
			cur->line = line;
			for (int v = 0; v < XIP_NVERSIONS; v++)
				cur->applies[v] = 1;
			if (!*cur->text) {
				util_errf(cause, "%s:%d: schedule '%s' is empty", path, line, name);
				goto fail;
			}
		} else if (!cur) {
			util_errf(cause, "%s:%d: an indented line must follow a 'schedule' line", path, line);
			goto fail;
		} else if (colon && strncmp(s, "about:", 6) == 0) {
			free(cur->about);
			cur->about = xstrdup(util_trim(s + 6));
		} else if (colon && strncmp(s, "expect:", 7) == 0) {
			if (parse_expect(path, line, s + 7, cur, cause) != 0)
				goto fail;
		} else {
			util_errf(cause, "%s:%d: expected 'about: TEXT' or 'expect: VERSION VERDICT, ...', found '%.40s'",
				  path, line, s);
			goto fail;
		}
	}
	free(copy);
	*out = f;
	return 0;
fail:
	free(copy);
	shipped_free(f);
	return -1;
}

int shipped_load(const char *path, struct shipped_file **out, char **cause)
{
	char *text;
	int r = util_read_text(path, 1 << 20, &text, cause);

	if (r <= 0)
		return r;
	r = shipped_parse(path, text, out, cause);
	free(text);
	return r == 0 ? 1 : -1;
}

void shipped_free(struct shipped_file *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n; i++) {
		free(f->s[i].text);
		free(f->s[i].about);
	}
	free(f->path);
	free(f);
}
