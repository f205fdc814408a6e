/*
 * report.c - plain-text reports of a finished run (see report.h).  The text
 * is stable: golden-trace tests compare it byte for byte, so it contains
 * nothing that depends on the machine (no addresses, no times).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "memmodel.h"
#include "report.h"
#include "schedule.h"

void report_step(FILE *out, const struct kernel_run *run, size_t index, const struct sched_step *st)
{
	char where[64], what[512];

	kernel_site_where(st->site, where, sizeof where);
	kernel_step_text(run, st, what, sizeof what);
	fprintf(out, "%5zu  CPU%u  %-28s %s\n", index + 1, st->cpu, where, what);
}

void report_verdict(FILE *out, const struct kernel_verdict *v)
{
	fprintf(out, "verdict: %s: %s\n", verdict_kind_name(v->kind), v->headline);
	if (v->details[0]) {
		const char *p = v->details;
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			fprintf(out, "  %.*s\n", (int)n, p);
			p += n + (nl ? 1 : 0);
		}
	}
	if (v->damage_step > 0 && v->kind == VERDICT_CORRUPTION)
		fprintf(out, "  the damage became permanent at step %ld\n", v->damage_step);
	if (v->notes[0])
		fprintf(out, "note: %s\n", v->notes);
}

void report_run(FILE *out, struct kernel_run *run, const struct kernel_verdict *v, int quiet)
{
	const struct scenario *scn = kernel_run_scenario(run);
	struct sched *s = kernel_run_sched(run);
	size_t n;
	const struct sched_step *tr = sched_trace(s, &n);
	const char *console = kernel_console(run);
	int *choices = xcalloc(n ? n : 1, sizeof *choices);
	char *sched_text;

	for (size_t i = 0; i < n; i++)
		choices[i] = sched_step_choice(&tr[i]);
	sched_text = schedule_format_choices_in(s, choices, n);
	fprintf(out, "scenario: %s: %s\n", util_shown(scn->name), util_shown(scn->title));
	if (kernel_run_without(run)) {
		char w[96];
		fprintf(out, "version:  %s without %s\n", xip_version_name(kernel_run_version(run)),
			kernel_without_text(kernel_run_without(run), w, sizeof w));
	} else {
		fprintf(out, "version:  %s\n", xip_version_name(kernel_run_version(run)));
	}
	if (sched_memory_model(s) != MEMMODEL_SC)
		fprintf(out, "memory:   %s (store buffers%s; docs/lesson.md, weak memory)\n",
			memmodel_name((enum memmodel)sched_memory_model(s)),
			sched_memory_model(s) == MEMMODEL_WEAK ? " and invalidate queues" : "");
	if (sched_lock_debug(s))
		fprintf(out, "checks:   lock debugging: misuse of a lock or seqcount is a BUG (2.6.27 as shipped checks none of it)\n");
	fprintf(out, "schedule: %s\n", sched_text);
	fprintf(out, "steps:    %zu, preemptions: %u, trace hash: %016" PRIx64 "\n",
		n, sched_preemptions(s), sched_trace_hash(s));
	if (!quiet) {
		fprintf(out, "\n step  cpu   where                        what\n");
		for (size_t i = 0; i < n; i++)
			report_step(out, run, i, &tr[i]);
	}
	if (console[0]) {
		const char *p = console;
		fprintf(out, "\nconsole:\n");
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			fprintf(out, "  %.*s\n", (int)len, p);
			p += len + (nl ? 1 : 0);
		}
	}
	fprintf(out, "\nresults:\n");
	for (int c = 0; c < scn->ncpus; c++)
		for (int i = 0; i < scn->cpus[c].nops; i++) {
			char op[96], res[128];
			const struct scn_op *o = &scn->cpus[c].ops[i];
			fprintf(out, "  CPU%d  %-28s %s\n", c, scenario_op_text(scn, o, op, sizeof op),
				kernel_result_text(kernel_op_result(run, c, i), o->kind, res, sizeof res));
		}
	fputc('\n', out);
	report_verdict(out, v);
	free(sched_text);
	free(choices);
}
