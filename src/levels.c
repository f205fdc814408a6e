/*
 * levels.c - reading challenge levels (levels.h).
 *
 * One pass over the lines: a `level NAME` line opens a level, a line
 * indented by two spaces is `key: value`, a deeper one continues the last
 * text field.  After the pass every level is checked whole, so a missing
 * field is reported at its level's line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "levels.h"

static void append(char **dst, const char *text)
{
	char *s;

	if (!*dst) {
		*dst = xstrdup(text);
		return;
	}
	s = xasprintf("%s %s", *dst, text);
	free(*dst);
	*dst = s;
}

/* Is there a site of the simulated kernel with this exact id? */
static int kernel_site_named(const char *id)
{
	size_t n;
	const struct sched_site *const *all = sched_sites(&n);

	for (size_t i = 0; i < n; i++)
		if (kernel_site_in_kernel(all[i]) && sched_site_is(all[i], id))
			return 1;
	return 0;
}

static int parse_name(const char *path, int line, const char *s, struct level *lv, char **cause)
{
	size_t n = strlen(s);

	if (n == 0 || n > LEVEL_NAME_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return util_errf(cause, "%s:%d: a level name is 1 to %d characters of a-z, 0-9 and '-', not '%.40s'",
				 path, line, LEVEL_NAME_MAX, s);
	snprintf(lv->name, sizeof lv->name, "%s", s);
	return 0;
}

static int parse_hint(const char *path, int line, const char *s, struct level *lv, char **cause)
{
	char site[96] = "";
	int cpu, n = 0;

	if (sscanf(s, "cpu%d %95s%n", &cpu, site, &n) != 2 || s[n] || cpu < 0 || cpu >= SCN_MAX_CPUS ||
	    !strchr(site, ':'))
		return util_errf(cause, "%s:%d: expected 'hint: cpuN SITE' (N 0..%d, SITE a site id such as "
				 "get_xip_mem:block_lookup: see 'xipsandbox sites'), found '%.60s'",
				 path, line, SCN_MAX_CPUS - 1, s);
	if (!kernel_site_named(site))
		return util_errf(cause, "%s:%d: the simulated kernel has no site '%s' ('xipsandbox sites' lists them)",
				 path, line, site);
	lv->hint_cpu = cpu;
	snprintf(lv->hint_site, sizeof lv->hint_site, "%s", site);
	return 0;
}

/* One `key: value` line of level lv; *text: the field later lines continue. */
static int parse_field(const char *path, int line, char *s, struct level *lv, char ***text, char **cause)
{
	char *colon = strchr(s, ':'), *v;

	if (!colon)
		return util_errf(cause, "%s:%d: expected 'key: value' (title, scenario, version, goal, task, "
				 "hint after, hint), found '%.40s'", path, line, s);
	*colon = '\0';
	v = util_trim(colon + 1);
	*text = NULL;
	if (strcmp(s, "title") == 0) {
		append(&lv->title, v);
		*text = &lv->title;
	} else if (strcmp(s, "task") == 0) {
		append(&lv->task, v);
		*text = &lv->task;
	} else if (strcmp(s, "scenario") == 0) {
		if (!*v || strlen(v) >= sizeof lv->scenario || strchr(v, '/'))
			return util_errf(cause, "%s:%d: 'scenario:' takes a shipped scenario's name (classic, ...), "
					 "not '%.40s'", path, line, v);
		snprintf(lv->scenario, sizeof lv->scenario, "%s", v);
	} else if (strcmp(s, "version") == 0) {
		if (xip_version_parse(v) < 0)
			return util_errf(cause, "%s:%d: unknown version '%.20s' (expected buggy, fixed, later or final)",
					 path, line, v);
		lv->version = (enum xip_version)xip_version_parse(v);
	} else if (strcmp(s, "goal") == 0) {
		int k = strcmp(v, "bad") == 0 ? LEVEL_GOAL_BAD : verdict_kind_parse(v);
		if (k <= VERDICT_OK)
			return util_errf(cause, "%s:%d: unknown goal '%.20s' (expected a bad verdict: corruption, bug, "
					 "deadlock, leak, step-limit, or 'bad' for any of them)", path, line, v);
		lv->goal = k;
	} else if (strcmp(s, "hint after") == 0) {
		char *end;
		long k = strtol(v, &end, 10);
		if (!*v || *end || k < 1 || k > 20)
			return util_errf(cause, "%s:%d: 'hint after:' takes a number of failed tries from 1 to 20, "
					 "not '%.20s'", path, line, v);
		lv->hint_after = (int)k;
	} else if (strcmp(s, "hint") == 0) {
		if (parse_hint(path, line, v, lv, cause) != 0)
			return -1;
		*text = &lv->hint;
	} else {
		return util_errf(cause, "%s:%d: unknown field '%.30s' (expected title, scenario, version, goal, task, "
				 "hint after or hint)", path, line, s);
	}
	return 0;
}

/* Is every field there? */
static int check_level(const char *path, const struct level *lv, char **cause)
{
	const char *missing = !lv->title ? "title" : !lv->scenario[0] ? "scenario" : lv->version == XIP_NVERSIONS ? "version"
			    : !lv->goal ? "goal" : !lv->task ? "task" : !lv->hint_site[0] ? "hint"
			    : !lv->hint ? "the hint's text (lines under 'hint:')" : NULL;

	if (missing)
		return util_errf(cause, "%s:%d: level %s has no %s", path, lv->line, lv->name, missing);
	return 0;
}

static int parse(const char *path, char *text, struct levels *ls, char **cause)
{
	struct level *cur = NULL;
	char **cont = NULL;
	int line = 0;

	for (char *next = text, *l; (l = util_next_line(&next)) != NULL; ) {
		size_t indent = strspn(l, " ");
		char *s;

		line++;
		if (l[indent] == '\t')
			return util_errf(cause, "%s:%d: indent with spaces, not tabs", path, line);
		s = util_trim(l);
		if (!*s || *s == '#')
			continue;
		if (indent == 0) {
			if (strncmp(s, "level ", 6) != 0)
				return util_errf(cause, "%s:%d: expected 'level NAME', found '%.40s'", path, line, s);
			if (ls->n == LEVELS_MAX)
				return util_errf(cause, "%s:%d: too many levels (at most %d)", path, line, LEVELS_MAX);
			cur = &ls->level[ls->n];
			cur->version = XIP_NVERSIONS; /* unset */
			cur->hint_after = LEVEL_HINT_AFTER;
			cur->line = line;
			ls->n++;
			if (parse_name(path, line, util_trim(s + 6), cur, cause) != 0)
				return -1;
			for (int i = 0; i + 1 < ls->n; i++)
				if (strcmp(ls->level[i].name, cur->name) == 0)
					return util_errf(cause, "%s:%d: a second level '%s' (the first is at line %d)",
							 path, line, cur->name, ls->level[i].line);
			cont = NULL;
		} else if (!cur) {
			return util_errf(cause, "%s:%d: an indented line must follow 'level NAME'", path, line);
		} else if (indent == 2) {
			if (parse_field(path, line, s, cur, &cont, cause) != 0)
				return -1;
		} else if (cont) {
			append(cont, s);
		} else {
			return util_errf(cause, "%s:%d: a line indented deeper continues title, task or hint; "
					 "this one follows none of them", path, line);
		}
	}
	for (int i = 0; i < ls->n; i++)
		if (check_level(path, &ls->level[i], cause) != 0)
			return -1;
	if (ls->n == 0)
		return util_errf(cause, "%s: no levels (a level starts with 'level NAME')", path);
	return 0;
}

int levels_parse(const char *path, const char *text, struct levels **out, char **cause)
{
	struct levels *ls = xcalloc(1, sizeof *ls);
	char *copy = xstrdup(text);
	int r;

	ls->path = xstrdup(path);
	r = parse(path, copy, ls, cause);
	free(copy);
	if (r != 0) {
		levels_free(ls);
		*out = NULL;
		return -1;
	}
	*out = ls;
	return 0;
}

int levels_load(const char *path, struct levels **out, char **cause)
{
	char *text = NULL;
	int r = util_read_text(path, 1 << 20, &text, cause);

	*out = NULL;
	if (r == 0)
		return util_errf(cause, "%s: no such file", path);
	if (r < 0)
		return -1;
	r = levels_parse(path, text, out, cause);
	free(text);
	return r;
}

void levels_free(struct levels *ls)
{
	if (!ls)
		return;
	for (int i = 0; i < ls->n; i++) {
		free(ls->level[i].title);
		free(ls->level[i].task);
		free(ls->level[i].hint);
	}
	free(ls->path);
	free(ls);
}

const struct level *levels_find(const struct levels *ls, const char *name)
{
	for (int i = 0; i < ls->n; i++)
		if (strcmp(ls->level[i].name, name) == 0)
			return &ls->level[i];
	return NULL;
}

int level_goal_met(const struct level *lv, enum verdict_kind v)
{
	return lv->goal == LEVEL_GOAL_BAD ? v != VERDICT_OK : (int)v == lv->goal;
}

const char *level_goal_name(const struct level *lv)
{
	return lv->goal == LEVEL_GOAL_BAD ? "bad" : verdict_kind_name((enum verdict_kind)lv->goal);
}

const char *level_verdict_words(enum verdict_kind v)
{
	switch (v) {
	case VERDICT_OK: return "ok";
	case VERDICT_CORRUPTION: return "data corruption";
	case VERDICT_BUG: return "a kernel BUG";
	case VERDICT_DEADLOCK: return "a deadlock";
	case VERDICT_LEAK: return "a bookkeeping error (a leak)";
	case VERDICT_STEP_LIMIT: return "the step limit";
	case VERDICT_NKINDS: break;
	}
	return "?";
}

const char *level_goal_words(const struct level *lv)
{
	return lv->goal == LEVEL_GOAL_BAD ? "any bad verdict" : level_verdict_words((enum verdict_kind)lv->goal);
}
