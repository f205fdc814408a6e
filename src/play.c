/*
 * play.c - moving through a schedule (play.h).
 *
 * Invariant: p->run is the world after choices[0..pos), built from scratch
 * by play_goto; choices beyond pos are the recorded future, shown dimmed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "play.h"
#include "schedule.h"

#define NO_FORK ((size_t)-1)

static void reserve(struct play *p, size_t n)
{
	if (n > p->cap) {
		p->cap = n + 64;
		p->choices = xrealloc(p->choices, p->cap * sizeof *p->choices);
	}
}

int play_open(struct play *p, const struct scenario *scn, enum xip_version version,
	      const int *choices, size_t n, const char *milestones, const char *source, char **cause)
{
	memset(p, 0, sizeof *p);
	p->scn = scn;
	p->version = version;
	p->run = kernel_run_new();
	p->fork_at = NO_FORK;
	reserve(p, n + 1);
	if (n)
		memcpy(p->choices, choices, n * sizeof *choices);
	p->n = n;
	p->milestones = milestones ? xstrdup(milestones) : NULL;
	snprintf(p->source, sizeof p->source, "%s", source ? source : "your choices");
	if (kernel_run_start(p->run, scn, version, cause) != 0) {
		play_close(p);
		return -1;
	}
	return 0;
}

void play_close(struct play *p)
{
	kernel_run_free(p->run);
	free(p->choices);
	free(p->milestones);
	memset(p, 0, sizeof *p);
}

int play_ended(const struct play *p)
{
	return sched_end_reason(kernel_run_sched(p->run)) != SCHED_RUNNING;
}

void play_goto(struct play *p, size_t k)
{
	struct sched *s;
	char *cause = NULL;

	if (k > p->n)
		k = p->n;
	if (kernel_run_start(p->run, p->scn, p->version, &cause) != 0)
		fatal("play: %s", cause); /* it started once with the same scenario */
	s = kernel_run_sched(p->run);
	p->pos = 0;
	while (p->pos < k && sched_end_reason(s) == SCHED_RUNNING) {
		if (sched_step(s, p->choices[p->pos], &cause) != 0) {
			/* the recorded future stops applying here (another version) */
			snprintf(p->message, sizeof p->message, "the schedule stops applying at step %zu: %s",
				 p->pos + 1, cause);
			free(cause);
			cause = NULL;
			p->n = p->pos;
			break;
		}
		p->pos++;
	}
}

static int take(struct play *p, int cpu)
{
	char *cause = NULL;

	if (sched_step(kernel_run_sched(p->run), cpu, &cause) != 0) {
		snprintf(p->message, sizeof p->message, "%s", cause);
		free(cause);
		return -1;
	}
	p->pos++;
	return 0;
}

/* Can the run take this choice now (a CPU, or a flush or drain: memmodel.h)? */
static int choice_open(const struct sched *s, int choice)
{
	int open[SCHED_MAX_CHOICES], n;

	if (!memmodel_is_choice(choice))
		return sched_cpu_enabled(s, choice);
	n = sched_choices(s, open, SCHED_MAX_CHOICES);
	for (int i = 0; i < n && i < SCHED_MAX_CHOICES; i++)
		if (open[i] == choice)
			return 1;
	return 0;
}

int play_first_memory_choice(const struct play *p, int cpu)
{
	int open[SCHED_MAX_CHOICES], n = sched_choices(kernel_run_sched(p->run), open, SCHED_MAX_CHOICES);

	for (int i = 0; i < n && i < SCHED_MAX_CHOICES; i++)
		if (memmodel_is_choice(open[i]) && memmodel_choice_cpu(open[i]) == cpu)
			return open[i];
	return -1;
}

void play_set_memory_model(struct play *p, enum memmodel m)
{
	sched_set_memory_model(kernel_run_sched(p->run), (int)m);
	play_goto(p, p->pos);
}

int play_step_cpu(struct play *p, int cpu)
{
	struct sched *s = kernel_run_sched(p->run);

	if (play_ended(p)) {
		snprintf(p->message, sizeof p->message, "the run has ended: press Backspace to go back, or v to switch version");
		return -1;
	}
	if (memmodel_is_choice(cpu) && !choice_open(s, cpu)) {
		char name[96];
		snprintf(p->message, sizeof p->message, "%s cannot move now", memmodel_choice_name(s, cpu, name, sizeof name));
		return -1;
	}
	if (!memmodel_is_choice(cpu) && !sched_cpu_enabled(s, cpu)) {
		char why[160];
		if (cpu >= sched_ncpus(s))
			snprintf(p->message, sizeof p->message, "there is no CPU%d in this scenario", cpu);
		else
			snprintf(p->message, sizeof p->message, "CPU%d cannot run: %s", cpu,
				 sched_describe_wait(s, cpu, why, sizeof why));
		return -1;
	}
	if (p->pos < p->n && p->choices[p->pos] == cpu)
		return take(p, cpu);
	/* a new choice: the schedule forks here, the recorded future is dropped */
	if (p->pos < p->n && p->fork_at == NO_FORK)
		p->fork_at = p->pos;
	else if (p->pos >= p->n && p->fork_at == NO_FORK && p->n > 0)
		p->fork_at = p->pos;
	reserve(p, p->pos + 1);
	p->choices[p->pos] = cpu;
	p->n = p->pos + 1;
	return take(p, cpu);
}

int play_step(struct play *p)
{
	struct sched *s = kernel_run_sched(p->run);
	int cpu;

	if (play_ended(p)) {
		snprintf(p->message, sizeof p->message, "the run has ended");
		return -1;
	}
	if (p->pos < p->n && choice_open(s, p->choices[p->pos]))
		return take(p, p->choices[p->pos]);
	/* past the schedule: the CPU that ran last while it can, else the next */
	cpu = sched_policy_choose(s, SCHED_POLICY_SEQUENTIAL);
	return cpu < 0 ? -1 : play_step_cpu(p, cpu);
}

void play_back(struct play *p)
{
	if (p->pos == 0) {
		snprintf(p->message, sizeof p->message, "already at the start");
		return;
	}
	play_goto(p, p->pos - 1);
}

void play_until_cpu_next(struct play *p, int cpu)
{
	while (!play_ended(p)) {
		if (p->pos < p->n && p->choices[p->pos] == cpu)
			return;
		if (p->pos >= p->n) {
			snprintf(p->message, sizeof p->message, "the schedule has no more steps of CPU%d", cpu);
			return;
		}
		if (play_step(p) != 0)
			return;
	}
}

void play_set_without(struct play *p, unsigned without)
{
	p->without = without;
	kernel_run_set_without(p->run, without);
	play_goto(p, p->pos);
}

/*
 * The expansion of the milestones on version v: its choices, the end of
 * each item (nitems + 1 of them) and its steps' sites.  0, or -1 with *cause.
 */
struct expansion {
	int *choices;
	const struct sched_site **sites;
	size_t n, *ends, nitems;
};

static int expand(const struct play *p, enum xip_version v, struct expansion *e, char **cause)
{
	struct schedule *sch = NULL;
	struct kernel_run *run;
	int rc = -1;

	memset(e, 0, sizeof *e);
	if (schedule_parse(p->milestones, kernel_symbol_value, &sch, cause) != 0)
		return -1;
	run = kernel_run_new();
	kernel_run_set_without(run, v == XIP_FIXED ? p->without : 0);
	sched_set_memory_model(kernel_run_sched(run), sched_memory_model(kernel_run_sched(p->run)));
	e->nitems = schedule_nitems(sch);
	e->ends = xcalloc(e->nitems + 1, sizeof *e->ends);
	if (kernel_run_start(run, p->scn, v, cause) == 0 &&
	    schedule_run_marked(kernel_run_sched(run), sch, e->ends, cause) == 0) {
		const struct sched_step *tr = sched_trace(kernel_run_sched(run), &e->n);
		e->choices = xcalloc(e->n + 1, sizeof *e->choices);
		e->sites = xcalloc(e->n + 1, sizeof *e->sites);
		for (size_t i = 0; i < e->n; i++) {
			e->choices[i] = sched_step_choice(&tr[i]);
			e->sites[i] = tr[i].site;
		}
		rc = 0;
	}
	kernel_run_free(run);
	schedule_free(sch);
	return rc;
}

static void expansion_free(struct expansion *e)
{
	free(e->choices);
	free(e->sites);
	free(e->ends);
}

/* The same step: the same CPU at the same site (by its stable id). */
static int same_step(const struct expansion *a, const struct expansion *b, size_t i)
{
	return a->choices[i] == b->choices[i] && strcmp(a->sites[i]->func, b->sites[i]->func) == 0 &&
	       strcmp(a->sites[i]->label, b->sites[i]->label) == 0;
}

/*
 * With milestones, the new version's position is the same moment of the
 * interleaving: up to where the two versions run the same steps it is the
 * same step number; beyond, the same milestone, as far into it as the new
 * version's part of it goes (the end of a milestone maps to its end).
 */
static size_t same_moment(const struct expansion *old, const struct expansion *new, size_t pos, size_t *part)
{
	size_t k = 0, start_old, start_new, off;

	*part = 0;
	while (*part < old->n && *part < new->n && same_step(old, new, *part))
		(*part)++;
	if (pos <= *part)
		return pos;
	while (k < old->nitems && old->ends[k] < pos)
		k++;
	start_old = k ? old->ends[k - 1] : 0;
	start_new = k ? new->ends[k - 1] : 0;
	off = pos - start_old;
	if (pos == old->ends[k] || start_new + off > new->ends[k])
		return new->ends[k];
	return start_new + off;
}

void play_set_version(struct play *p, enum xip_version v)
{
	enum xip_version was = p->version;
	size_t keep = p->pos;

	if (v == p->version)
		return;
	if (p->milestones && p->fork_at == NO_FORK) {
		/* the same interleaving, expanded for this version */
		struct expansion old, new;
		char *cause = NULL;
		size_t part, at;

		if (expand(p, was, &old, &cause) == 0 && expand(p, v, &new, &cause) == 0) {
			at = same_moment(&old, &new, keep, &part);
			p->version = v;
			reserve(p, new.n + 1);
			memcpy(p->choices, new.choices, new.n * sizeof *p->choices);
			p->n = new.n;
			play_goto(p, at);
			if (part >= old.n && part >= new.n)
				snprintf(p->message, sizeof p->message, "now %s at step %zu: the versions run the very same steps here",
					 xip_version_name(v), at);
			else if (keep <= part)
				snprintf(p->message, sizeof p->message,
					 "now %s at the same step %zu; the versions part at step %zu (%s: %zu steps, %s: %zu)",
					 xip_version_name(v), at, part + 1, xip_version_name(was), old.n, xip_version_name(v), new.n);
			else
				snprintf(p->message, sizeof p->message,
					 "now %s at step %zu, the same moment of the interleaving (by its milestones); the versions part at step %zu",
					 xip_version_name(v), at, part + 1);
		} else {
			snprintf(p->message, sizeof p->message, "%s stays %s: '%s' does not apply to %s: %s",
				 p->source, xip_version_name(was), p->milestones, xip_version_name(v), cause ? cause : "?");
		}
		expansion_free(&old);
		expansion_free(&new);
		free(cause);
		return;
	}
	p->version = v;
	play_goto(p, keep);
	if (p->pos == keep)
		snprintf(p->message, sizeof p->message, "now %s at step %zu, on the same choices", xip_version_name(v), keep);
}
