/*
 * schedule.c - parsing schedule text and following it on a run.
 *
 * A parsed schedule is a list of items (struct schedule_item).  Following
 * one is a loop of sched_step() calls; the milestone items look at the
 * stepping CPU's return events (sched_cpu_returns) and pending site after
 * each step.  Nothing is recorded here: the trace the run leaves is the
 * exact schedule.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memmodel.h"
#include "schedule.h"

enum item_kind { ITEM_STEP, ITEM_STEPS, ITEM_UNTIL, ITEM_TO_FUNC, ITEM_TO_END, ITEM_MEM };

struct schedule_item {
	enum item_kind kind;
	int cpu;
	long count;          /* ITEM_STEPS */
	char func[64];       /* ITEM_UNTIL, ITEM_TO_FUNC */
	int has_value;
	long value;
	char text[96];       /* as written, for messages */
};

struct schedule {
	struct schedule_item *items;
	size_t n, cap;
	int milestones;
};

struct parser {
	const char *text, *p;
	int (*symbol)(const char *, long *);
	char **cause;
};

static int perr(struct parser *ps, const char *at, const char *fmt, ...) XS_PRINTF(3, 4);
static int perr(struct parser *ps, const char *at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return util_errf(ps->cause, "schedule, column %d: %s", (int)(at - ps->text) + 1, msg);
}

static void skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

/* A word: letters, digits, '_', and for values '-' (and '=' is a stop). */
static size_t word(const char *p)
{
	size_t n = 0;

	while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '-' || p[n] == '.'))
		n++;
	return n;
}

/* Bytes of the character at p: a whole UTF-8 sequence ('１' is three), the
 * bytes of a cut one (B47), else one byte. */
static int char_len(const char *p)
{
	unsigned char c = (unsigned char)p[0];
	int n = c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 1;

	for (int i = 1; i < n; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80)
			return i;
	return n;
}

static int parse_long(const char *s, size_t n, long *out)
{
	char buf[32], *end;

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtol(buf, &end, 10);
	return (*end || errno) ? -1 : 0;
}

static struct schedule_item *new_item(struct schedule *sch)
{
	if (sch->n == sch->cap) {
		sch->cap = sch->cap ? 2 * sch->cap : 16;
		sch->items = xrealloc(sch->items, sch->cap * sizeof *sch->items);
	}
	memset(&sch->items[sch->n], 0, sizeof sch->items[0]);
	return &sch->items[sch->n++];
}

static int parse_milestone(struct parser *ps, struct schedule_item *it)
{
	const char *start = ps->p;
	size_t n = 0;

	while (isalnum((unsigned char)ps->p[n]) || ps->p[n] == '_')
		n++;
	if (n == 0 || n >= sizeof it->func)
		return perr(ps, start, "expected a function name after '%s'", it->kind == ITEM_UNTIL ? "until" : "to");
	memcpy(it->func, ps->p, n);
	it->func[n] = '\0';
	ps->p += n;
	if (it->kind == ITEM_UNTIL && *ps->p == '=') {
		const char *v = ++ps->p;
		size_t vn = word(v);
		char name[64];

		if (vn == 0 || vn >= sizeof name)
			return perr(ps, v, "expected a value after '=' (a number or a name such as %s)", "-ENODATA");
		memcpy(name, v, vn);
		name[vn] = '\0';
		if (parse_long(v, vn, &it->value) != 0 && !(ps->symbol && ps->symbol(name, &it->value)))
			return perr(ps, v, "unknown value '%s' (use a number, or -ENODATA, -ENOSPC, -EBUSY, -ENOMEM, VM_FAULT_NOPAGE, ...)", name);
		it->has_value = 1;
		ps->p += vn;
	}
	return 0;
}

/* "flush1:i_data[0]", "drain0:xip_sparse_seq": one memory choice (memmodel.h), its object named as the trace names it. */
static int parse_mem_item(struct parser *ps, struct schedule *sch)
{
	const char *start = ps->p;
	size_t n = 0;
	struct schedule_item *it;

	while (start[n] && !isspace((unsigned char)start[n]) && start[n] != ';' && start[n] != ',')
		n++;
	if (n == 7 || n >= sizeof it->text)
		return perr(ps, start, "expected an object after '%.7s' (as in flush1:i_data[0]), found '%.40s'", start, start);
	if (start[5] - '0' >= SCHED_MAX_CPUS)
		return perr(ps, start, "CPU number %c is out of range (0..7)", start[5]);
	it = new_item(sch);
	it->kind = ITEM_MEM;
	it->cpu = start[5] - '0';
	snprintf(it->text, sizeof it->text, "%.*s", (int)n, start);
	ps->p += n;
	return 0;
}

static int parse_item(struct parser *ps, struct schedule *sch)
{
	const char *start = ps->p;
	struct schedule_item *it;
	size_t n = word(ps->p);
	long num;

	if (n == 0)
		return perr(ps, start, "expected a CPU number or 'cpuN', found '%.*s'", char_len(ps->p), ps->p);
	if (n >= 6 && (strncmp(ps->p, "flush", 5) == 0 || strncmp(ps->p, "drain", 5) == 0) &&
	    isdigit((unsigned char)ps->p[5]) && ps->p[6] == ':')
		return parse_mem_item(ps, sch);
	if (parse_long(ps->p, n, &num) == 0) {
		if (num < 0 || num >= SCHED_MAX_CPUS)
			return perr(ps, start, "CPU number %ld is out of range (0..7)", num);
		it = new_item(sch);
		it->kind = ITEM_STEP;
		it->cpu = (int)num;
		ps->p += n;
		snprintf(it->text, sizeof it->text, "%d", it->cpu);
		return 0;
	}
	if (n < 4 || strncmp(ps->p, "cpu", 3) != 0 || parse_long(ps->p + 3, n - 3, &num) != 0 ||
	    num < 0 || num >= SCHED_MAX_CPUS)
		return perr(ps, start, "expected a CPU number or 'cpu0'..'cpu7', found '%.40s'", ps->p);
	it = new_item(sch);
	it->cpu = (int)num;
	ps->p += n;
	skip_space(ps);
	sch->milestones = 1;
	n = word(ps->p);
	if (n == 5 && strncmp(ps->p, "until", 5) == 0) {
		ps->p += 5;
		skip_space(ps);
		it->kind = ITEM_UNTIL;
		if (parse_milestone(ps, it) != 0)
			return -1;
	} else if (n == 2 && strncmp(ps->p, "to", 2) == 0) {
		ps->p += 2;
		skip_space(ps);
		if (strncmp(ps->p, "end", 3) == 0 && word(ps->p) == 3) {
			it->kind = ITEM_TO_END;
			ps->p += 3;
		} else {
			it->kind = ITEM_TO_FUNC;
			if (parse_milestone(ps, it) != 0)
				return -1;
		}
	} else if (n > 0 && parse_long(ps->p, n, &it->count) == 0) {
		const char *unit;
		if (it->count < 1)
			return perr(ps, ps->p, "a step count must be at least 1");
		ps->p += n;
		skip_space(ps);
		unit = ps->p;
		n = word(ps->p);
		if (!((n == 5 && strncmp(unit, "steps", 5) == 0) || (n == 4 && strncmp(unit, "step", 4) == 0)))
			return perr(ps, unit, "expected 'steps' after the count, found '%.20s'", unit);
		ps->p += n;
		it->kind = ITEM_STEPS;
	} else {
		return perr(ps, ps->p, "expected 'until FUNCTION', 'to FUNCTION', 'to end' or 'N steps' after the CPU, found '%.30s'", ps->p);
	}
	snprintf(it->text, sizeof it->text, "%.*s", (int)(ps->p - start), start);
	return 0;
}

int schedule_parse(const char *text, int (*symbol)(const char *name, long *value),
		   struct schedule **out, char **cause)
{
	struct schedule *sch = xcalloc(1, sizeof *sch);
	struct parser ps = { text, text, symbol, cause };

	skip_space(&ps);
	if (!*ps.p) {
		free(sch);
		return util_errf(cause, "schedule is empty: give CPU numbers (\"0 0 1\") or items (\"cpu0 to end; cpu1 to end\")");
	}
	while (*ps.p) {
		if (parse_item(&ps, sch) != 0) {
			schedule_free(sch);
			return -1;
		}
		skip_space(&ps);
		if (*ps.p == ';' || *ps.p == ',') {
			ps.p++;
			skip_space(&ps);
			if (!*ps.p)
				break;
		} else if (*ps.p && sch->items[sch->n - 1].kind != ITEM_STEP && sch->items[sch->n - 1].kind != ITEM_MEM) {
			int r = perr(&ps, ps.p, "expected ';' between items, found '%.20s'", ps.p);
			schedule_free(sch);
			return r;
		}
	}
	*out = sch;
	return 0;
}

void schedule_free(struct schedule *sch)
{
	if (!sch)
		return;
	free(sch->items);
	free(sch);
}

int schedule_has_milestones(const struct schedule *sch)
{
	return sch->milestones;
}

char *schedule_format_choices(const int *choices, size_t n)
{
	return schedule_format_choices_in(NULL, choices, n);
}

char *schedule_format_choices_in(const struct sched *run, const int *choices, size_t n)
{
	char *s = xmalloc(2 * n + 1);
	size_t len = 0, cap = 2 * n + 1;
	char name[96];

	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!memmodel_is_choice(choices[i])) {
			XS_ASSERT(cap - len > 2);
			len += (size_t)sprintf(s + len, "%s%d", i ? " " : "", choices[i]);
			continue;
		}
		XS_ASSERT(run);  /* a memory choice is named by its run's object */
		memmodel_choice_name(run, choices[i], name, sizeof name);
		cap += strlen(name) + 1;
		s = xrealloc(s, cap);
		len += (size_t)sprintf(s + len, "%s%s", i ? " " : "", name);
	}
	return s;
}

/* Did the last step of cpu make the milestone's function return (with its value)? */
static int returned(const struct sched *s, const struct schedule_item *it)
{
	int n;
	const struct sched_return *r = sched_cpu_returns(s, it->cpu, &n);

	for (int i = 0; i < n; i++)
		if (strcmp(r[i].func, it->func) == 0 && (!it->has_value || r[i].value == it->value))
			return 1;
	return 0;
}

static int at_func(const struct sched *s, const struct schedule_item *it)
{
	struct sched_cpu_info info;

	sched_cpu_info(s, it->cpu, &info);
	return info.state == SCHED_CPU_READY && strcmp(info.site->func, it->func) == 0;
}

/* A milestone CPU that finished without reaching it: most often a misspelt function. */
static int milestone_missed(const struct sched *s, size_t idx, const struct schedule_item *it, char **cause)
{
	struct sched_cpu_info info;

	sched_cpu_info(s, it->cpu, &info);
	if (info.state != SCHED_CPU_FINISHED)
		return 0;
	return util_errf(cause, "item %zu '%s': CPU%d finished its task at step %zu and never %s %s%s: "
			 "check the function's name (the trace's 'where' column shows them; docs/schedules.md)",
			 idx + 1, it->text, it->cpu, sched_nsteps(s),
			 it->kind == ITEM_UNTIL ? "returned from" : "ran code in", it->func,
			 it->kind == ITEM_UNTIL && it->has_value ? " with that value" : "");
}

static int item_step(struct sched *s, size_t idx, const struct schedule_item *it, char **cause)
{
	char *why = NULL;
	int r, choice = it->cpu;

	if (sched_end_reason(s) != SCHED_RUNNING)
		return util_errf(cause, "item %zu '%s': the run ended (%s) after step %zu, before the item was done",
				 idx + 1, it->text, sched_end_name(sched_end_reason(s)), sched_nsteps(s));
	if (it->kind == ITEM_MEM && memmodel_choice_parse(s, it->text, &choice) != 0)
		return util_errf(cause, "item %zu '%s': step %zu: this run has no object '%s'", idx + 1, it->text,
				 sched_nsteps(s) + 1, it->text + 7);
	r = sched_step(s, choice, &why);
	if (r != 0) {
		util_errf(cause, "item %zu '%s': %s", idx + 1, it->text, why);
		free(why);
	}
	return r;
}

size_t schedule_nitems(const struct schedule *sch)
{
	return sch->n;
}

int schedule_run(struct sched *s, const struct schedule *sch, char **cause)
{
	return schedule_run_marked(s, sch, NULL, cause);
}

int schedule_run_marked(struct sched *s, const struct schedule *sch, size_t *ends, char **cause)
{
	size_t steps;

	for (size_t i = 0; i < sch->n; i++) {
		const struct schedule_item *it = &sch->items[i];

		if (it->cpu >= sched_ncpus(s))
			return util_errf(cause, "item %zu '%s': there is no CPU%d (this run has CPU0..CPU%d)",
					 i + 1, it->text, it->cpu, sched_ncpus(s) - 1);
		switch (it->kind) {
		case ITEM_STEP:
		case ITEM_MEM:
			if (item_step(s, i, it, cause) != 0)
				return -1;
			break;
		case ITEM_STEPS:
			for (long k = 0; k < it->count; k++)
				if (item_step(s, i, it, cause) != 0)
					return -1;
			break;
		case ITEM_UNTIL:
			do {
				if (milestone_missed(s, i, it, cause) || item_step(s, i, it, cause) != 0)
					return -1;
			} while (!returned(s, it));
			break;
		case ITEM_TO_FUNC:
			while (!at_func(s, it))
				if (milestone_missed(s, i, it, cause) || item_step(s, i, it, cause) != 0)
					return -1;
			break;
		case ITEM_TO_END: {
			struct sched_cpu_info info;
			for (;;) {
				sched_cpu_info(s, it->cpu, &info);
				if (info.state != SCHED_CPU_READY)
					break;
				if (item_step(s, i, it, cause) != 0)
					return -1;
			}
			break;
		}
		}
		if (ends) {
			sched_trace(s, &steps);
			ends[i] = steps;
		}
	}
	if (sched_run(s, NULL, 0, SCHED_POLICY_SEQUENTIAL, cause) != 0)
		return -1;
	if (ends) {
		sched_trace(s, &steps);
		ends[sch->n] = steps;
	}
	return 0;
}
