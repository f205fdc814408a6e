/*
 * demo.c - reading scenarios/NAME.demo and matching its stops (demo.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"

static void append(char **dst, const char *text)
{
	if (!*dst) {
		*dst = xstrdup(text);
	} else {
		char *s = xasprintf("%s %s", *dst, text);
		free(*dst);
		*dst = s;
	}
}

/* Is there a kernel site with this id ("func:label"), or in this function? */
static int site_named(const char *name)
{
	size_t n;
	const struct sched_site *const *all = sched_sites(&n);

	for (size_t i = 0; i < n; i++)
		if (kernel_site_in_kernel(all[i]) &&
		    (strchr(name, ':') ? sched_site_is(all[i], name) : strcmp(all[i]->func, name) == 0))
			return 1;
	return 0;
}

static int parse_trigger(const char *path, int line, char *s, struct demo_stop *st, char **cause)
{
	char func[64] = "", kw[8] = "";
	int cpu, n = 0;

	if (sscanf(s, "cpu%d %7s %63[A-Za-z0-9_:=-]%n", &cpu, kw, func, &n) < 3 || cpu < 0 || cpu >= SCN_MAX_CPUS)
		return util_errf(cause, "%s:%d: expected 'cpuN until FUNCTION[=VALUE]', 'cpuN to FUNCTION' or 'cpuN to SITE'"
				 " (a site id such as __xip_unmap:sparse_read: see 'xipsandbox sites'), found '%s'",
				 path, line, s);
	st->cpu = cpu;
	if (strcmp(kw, "until") == 0)
		st->until = 1;
	else if (strcmp(kw, "to") != 0)
		return util_errf(cause, "%s:%d: expected 'until' or 'to' after cpu%d, found '%s'", path, line, cpu, kw);
	{
		char *eq = strchr(func, '=');
		if (eq) {
			char *end;
			*eq = '\0';
			st->value = strtol(eq + 1, &end, 10);
			if (*end && !kernel_symbol_value(eq + 1, &st->value))
				return util_errf(cause, "%s:%d: unknown value '%s'", path, line, eq + 1);
			st->has_value = 1;
		}
	}
	if (strchr(func, ':') && (st->until || st->has_value))
		return util_errf(cause, "%s:%d: a site id (%s) goes with 'to': 'cpu%d to %s'", path, line, func, cpu, func);
	/* a stop that names no code would never fire: say so now, not by silence in class */
	if (!st->until && !site_named(func))
		return util_errf(cause, "%s:%d: 'cpu%d to %s': the simulated kernel has no %s %s"
				 " ('xipsandbox sites' lists them)", path, line, cpu, func,
				 strchr(func, ':') ? "site" : "scheduling point in function", func);
	snprintf(st->func, sizeof st->func, "%s", func);
	return 0;
}

static int parse(const char *path, char *text, struct demo *d, char **cause)
{
	struct demo_stop *cur = NULL;
	int fixed = 0, line = 0;

	for (char *next = text, *l; (l = util_next_line(&next)) != NULL; ) {
		int indented = l[0] == ' ' || l[0] == '\t';
		char *s;

		line++;
		s = util_trim(l);
		if (!*s || *s == '#')
			continue;
		if (!indented) {
			cur = NULL;
			if (strncmp(s, "schedule ", 9) == 0) {
				snprintf(d->schedule, sizeof d->schedule, "%s", util_trim(s + 9));
			} else if (strcmp(s, "fixed") == 0) {
				fixed = 1;
			} else if (strncmp(s, "pause ", 6) == 0 || strncmp(s, "quiz ", 5) == 0) {
				if (d->n == DEMO_MAX_STOPS)
					return util_errf(cause, "%s:%d: too many stops (at most %d)", path, line, DEMO_MAX_STOPS);
				cur = &d->stop[d->n++];
				cur->quiz = s[0] == 'q';
				cur->fixed = fixed;
				cur->line = line;
				if (parse_trigger(path, line, util_trim(s + (cur->quiz ? 5 : 6)), cur, cause) != 0)
					return -1;
			} else {
				return util_errf(cause, "%s:%d: expected 'schedule NAME', 'pause TRIGGER', 'quiz TRIGGER' or 'fixed', found '%.40s'",
						 path, line, s);
			}
			continue;
		}
		if (!cur)
			return util_errf(cause, "%s:%d: an indented line must follow 'pause' or 'quiz'", path, line);
		if (cur->quiz && strncmp(s, "ask:", 4) == 0) {
			append(&cur->text, util_trim(s + 4));
		} else if (cur->quiz && strncmp(s, "choice ", 7) == 0 && s[8] == ':') {
			if (cur->nchoices == DEMO_MAX_CHOICES)
				return util_errf(cause, "%s:%d: at most %d choices", path, line, DEMO_MAX_CHOICES);
			cur->choice_key[cur->nchoices] = s[7];
			cur->choice[cur->nchoices++] = xstrdup(util_trim(s + 9));
		} else if (cur->quiz && strncmp(s, "answer:", 7) == 0) {
			cur->answer = *util_trim(s + 7);
		} else if (cur->quiz && strncmp(s, "explain:", 8) == 0) {
			append(&cur->explain, util_trim(s + 8));
		} else if (cur->quiz && cur->explain) {
			append(&cur->explain, s);
		} else if (cur->quiz && cur->text && cur->nchoices == 0) {
			append(&cur->text, s); /* a question longer than a line */
		} else if (cur->quiz) {
			return util_errf(cause, "%s:%d: in a quiz, expected 'ask:', 'choice K:', 'answer:' or 'explain:'", path, line);
		} else {
			append(&cur->text, s);
		}
	}
	for (int i = 0; i < d->n; i++) {
		struct demo_stop *st = &d->stop[i];
		int found = 0;
		if (!st->text)
			return util_errf(cause, "%s:%d: this %s has no text", path, st->line, st->quiz ? "quiz" : "pause");
		if (!st->quiz)
			continue;
		for (int k = 0; k < st->nchoices; k++)
			found |= st->choice_key[k] == st->answer;
		if (st->nchoices < 2 || !found)
			return util_errf(cause, "%s:%d: a quiz needs two choices or more and an answer that is one of them",
					 path, st->line);
	}
	if (!d->schedule[0])
		snprintf(d->schedule, sizeof d->schedule, "race");
	return 0;
}

int demo_load(const char *path, struct demo **out, char **cause)
{
	struct demo *d;
	char *text;
	int r = util_read_text(path, 1 << 20, &text, cause);

	if (r <= 0)
		return r;
	d = xcalloc(1, sizeof *d);
	d->path = xstrdup(path);
	if (parse(path, text, d, cause) != 0) {
		free(text);
		demo_free(d);
		return -1;
	}
	free(text);
	*out = d;
	return 1;
}

void demo_free(struct demo *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->n; i++) {
		free(d->stop[i].text);
		free(d->stop[i].explain);
		for (int k = 0; k < d->stop[i].nchoices; k++)
			free(d->stop[i].choice[k]);
	}
	free(d->path);
	free(d);
}

int demo_stop_fires(const struct demo_stop *st, struct kernel_run *run)
{
	struct sched *s = kernel_run_sched(run);
	struct sched_cpu_info info;

	if (st->cpu >= sched_ncpus(s))
		return 0;
	if (st->until) {
		int n;
		const struct sched_return *r;
		if (sched_last_cpu(s) != st->cpu)
			return 0;
		r = sched_cpu_returns(s, st->cpu, &n);
		for (int i = 0; i < n; i++)
			if (strcmp(r[i].func, st->func) == 0 && (!st->has_value || r[i].value == st->value))
				return 1;
		return 0;
	}
	sched_cpu_info(s, st->cpu, &info);
	if (info.state != SCHED_CPU_READY)
		return 0;
	/* "to FUNC:LABEL" stops before that site's step; "to FUNC" before the first step in FUNC */
	return strchr(st->func, ':') ? sched_site_is(info.site, st->func) : strcmp(info.site->func, st->func) == 0;
}
