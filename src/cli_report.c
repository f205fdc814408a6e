/*
 * cli_report.c - the report of a search and its rows in the database,
 * shared by `explore` and `merge` (cli_report.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_report.h"
#include "record.h"

static const char *search_text(const struct explore_options *o, char *buf, size_t len)
{

	switch (o->mode) {
	case EXPLORE_REDUCED: return "reduced: source-DPOR with sleep sets";
	case EXPLORE_FULL: return "full: every interleaving";
	case EXPLORE_STATEFUL:
		return o->stateful_plain ? "stateful, plain: every reachable state once (sleep sets, visited states matched)"
					 : "stateful: source-DPOR with sleep sets and visited states matched";
	case EXPLORE_BOUNDED:
		snprintf(buf, len, "every schedule with at most %d preemption%s", o->preemptions,
			 o->preemptions == 1 ? "" : "s");
		return buf;
	case EXPLORE_RANDOM:
		snprintf(buf, len, "%llu random runs, seed %llu", o->samples, (unsigned long long)o->seed);
		return buf;
	case EXPLORE_PCT:
		snprintf(buf, len, "%llu PCT runs, depth %d, seed %llu", o->samples, o->pct_depth,
			 (unsigned long long)o->seed);
		return buf;
	}
	return "?";
}

static const char *end_text(enum explore_end end)
{
	switch (end) {
	case EXPLORE_COMPLETE: return "complete";
	case EXPLORE_FIRST: return "stopped at the first bad verdict";
	case EXPLORE_LIMIT: return "stopped at --limit: incomplete";
	case EXPLORE_INTERRUPTED: return "interrupted: incomplete";
	}
	return "?";
}

static void print_counts(const struct explore_options *opt, const struct explore_result *r)
{
	printf("executions: %llu run to their end", r->executions);
	if (r->mode == EXPLORE_REDUCED || r->mode == EXPLORE_STATEFUL)
		printf(", %llu cut short as redundant", r->blocked);
	if (r->mode == EXPLORE_STATEFUL)
		printf(", %llu at a state met before", r->matched);
	if (r->mode == EXPLORE_BOUNDED)
		printf(", %llu re-runs of lower bounds", r->skipped);
	if (r->proof_runs)
		printf(", %llu bounded runs to check the preemptions", r->proof_runs);
	if (r->plan_steps)
		printf(" (%llu steps, %llu of them to plan the units; longest %zu)\n", r->steps, r->plan_steps,
		       r->max_length);
	else
		printf(" (%llu steps, longest %zu)\n", r->steps, r->max_length);
	if (r->mode == EXPLORE_BOUNDED) {
		printf("by preemptions:");
		for (int k = 0; k <= opt->preemptions && k <= r->bound_done + 1; k++)
			printf("%s %d: %llu", k ? "," : "", k, r->per_bound[k]);
		printf("\n");
	}
	printf("final states: %llu distinct\n", r->states);
	if (r->mode == EXPLORE_STATEFUL) {
		printf("states: %llu stored (%.1f MiB), %llu met again and explored in part\n", r->stored,
		       (double)r->table_bytes / (1 << 20), r->rematched);
		if (!opt->stateful_plain)
			printf("pruned: %llu runs at a state met before, %llu cut by sleep sets; %llu summaries, "
			       "%llu races with them (%llu widened), %llu states searched again (a run below stopped)\n",
			       r->matched, r->blocked, r->summaries, r->sum_races, r->sum_widened, r->stop_kept);
		if (r->unstored)
			printf("note: the state table reached --max-memory; %llu states met after that were searched "
			       "statelessly or, their summaries not kept, searched again (complete, only slower)\n",
			       r->unstored);
		if (r->stateless)
			printf("note: this build cannot hash a CPU's stack (ASan fake stacks or the backend): "
			       "searched with sleep sets alone (complete, only slower)\n");
	}
	printf("verdicts:\n");
	for (int k = 0; k < VERDICT_NKINDS; k++)
		if (r->verdicts[k] || k == VERDICT_OK)
			printf("  %-12s %12llu\n", verdict_kind_name((enum verdict_kind)k), r->verdicts[k]);
	if (r->fallbacks)
		printf("note: %llu races were reversed conservatively (see docs/explore.md)\n", r->fallbacks);
}

static void print_cex(const char *title, const struct explore_cex *c, const char *proof)
{
	char *text = schedule_format_choices(c->choices, c->n);
	char at[64];

	if (c->found_at)
		snprintf(at, sizeof at, "execution %llu", c->found_at);
	else
		snprintf(at, sizeof at, "found by the bounded check");
	printf("%s: %s in %zu steps, %u preemption%s (%s%s)\n", title, verdict_kind_name(c->verdict),
	       c->n, c->preemptions, c->preemptions == 1 ? "" : "s", at, proof);
	printf("  schedule: %s\n", text);
	free(text);
}

static void print_time(const struct explore_result *r)
{
	double t = r->seconds > 1e-9 ? r->seconds : 1e-9;
	unsigned long long runs = r->executions + r->blocked + r->skipped + r->proof_runs + r->matched;

	if (r->seconds < 1)
		printf("time: %.2f ms", r->seconds * 1e3);
	else
		printf("time: %.2f s", r->seconds);
	printf(", %.0f executions/s, %.0f steps/s\n", (double)runs / t, (double)r->steps / t);
}

static void print_result(const struct explore_options *opt, const struct explore_result *r, const char *version)
{
	int bad = explore_found_bad(r);

	if (bad && opt->shard_n > 1) {
		printf("result: bad verdicts found on %s, in shard %d/%d\n", version, opt->shard_k, opt->shard_n);
	} else if (bad) {
		printf("result: bad verdicts found on %s\n", version);
	} else if (r->end != EXPLORE_COMPLETE) {
		printf("result: no bad verdict so far on %s (the search is incomplete)\n", version);
	} else if (opt->shard_n > 1) {
		printf("result: no bad verdict in shard %d/%d of %s (merge every shard for the whole search)\n",
		       opt->shard_k, opt->shard_n, version);
	} else if (r->mode == EXPLORE_RANDOM || r->mode == EXPLORE_PCT) {
		printf("result: no bad verdict in %llu sampled runs on %s (a sample, not a proof)\n",
		       r->executions, version);
	} else if (r->mode == EXPLORE_BOUNDED) {
		printf("result: every schedule of %s with at most %d preemption%s is ok\n", version,
		       opt->preemptions, opt->preemptions == 1 ? "" : "s");
	} else {
		printf("result: every schedule of %s is ok\n", version);
	}
}

static void print_units(const struct explore_options *opt, const struct explore_result *r)
{
	if (opt->shard_n > 1)
		printf("shard:    %d/%d: %zu of the %zu units (split at depth %zu)", opt->shard_k, opt->shard_n,
		       r->units_mine, r->units, r->split_depth);
	else if (r->split_depth > 0)
		printf("units:    %zu (split at depth %zu)", r->units, r->split_depth);
	else
		printf("units:    1 (not split: a search this small is best left whole)");
	if (r->units_done < r->units_mine)
		printf(", %zu done", r->units_done);
	printf("\n");
}

void cli_report_print(const struct scenario *scn, enum xip_version v, const char *without_text,
		       const struct explore_options *opt, const struct explore_result *r)
{
	char buf[160];

	printf("scenario: %s: %s\n", util_shown(scn->name), util_shown(scn->title));
	if (without_text)
		printf("version:  %s without %s\n", xip_version_name(v), without_text);
	else
		printf("version:  %s\n", xip_version_name(v));
	printf("search:   %s (%s)\n", search_text(opt, buf, sizeof buf), end_text(r->end));
	if (r->units)
		print_units(opt, r);
	print_counts(opt, r);
	if (explore_found_bad(r)) {
		print_cex("shortest counterexample", &r->shortest, r->shortest_proven ? "; no bad schedule is shorter" : "");
		print_cex("fewest preemptions", &r->fewest, r->fewest_proven ? "; no bad schedule has fewer" : "");
	}
	print_time(r);
	print_result(opt, r, xip_version_name(v));
}

int cli_report_status(const struct explore_result *r)
{
	if (explore_found_bad(r))
		return EXPLORE_EXIT_BAD;
	return r->end == EXPLORE_INTERRUPTED ? EXPLORE_EXIT_INTERRUPTED : 0;
}

/*
 * A free name for our row: base, or base-2, base-3 ... past rows others
 * named.  An older explore row with the name gives it up (*from is its id,
 * else 0), in the transaction that adds ours (store_schedule_add_many), so
 * that a failed recording leaves the old name where it was.
 */
int cli_report_claim_name(struct store *st, const struct scenario *scn, const char *version,
			  const char *base, char *out, size_t len, long *from, char **cause)
{
	*from = 0;
	for (int k = 1; k < 1000; k++) {
		struct store_schedule row = { 0 };
		int found = 0, mine;

		if (k == 1)
			snprintf(out, len, "%s", base);
		else
			snprintf(out, len, "%s-%d", base, k);
		if (store_schedule_find(st, scn->name, out, version, &row, &found, cause) != 0)
			return -1;
		if (!found || strcmp(row.version, version) != 0) {
			store_schedule_clear(&row);
			return 0;
		}
		mine = row.origin && strcmp(row.origin, "explore") == 0;
		if (mine)
			*from = row.id;
		store_schedule_clear(&row);
		if (mine)
			return 0;
	}
	return util_errf(cause, "%s: no free name like '%s' for scenario %s (%s)", store_path(st), base,
			 scn->name, version);
}

/* Re-run a counterexample and fill its row; it must give the verdict the search saw. */
static int cex_row(struct kernel_run *run, const struct scenario *scn, enum xip_version v,
		   const struct explore_cex *c, const char *name, const char *what, long scenario_id,
		   struct store_schedule *row, char **cause)
{
	struct kernel_verdict kv;
	char *parted = NULL, *desc;

	/* a run the search's --step-limit stopped stops there again (record_row_step_limit) */
	sched_set_step_limit(kernel_run_sched(run), c->verdict == VERDICT_STEP_LIMIT ? (unsigned)c->n : SCHED_DEFAULT_STEP_LIMIT);
	if (record_execute_choices(run, scn, v, c->choices, c->n, &parted, cause) != 0)
		return -1;
	kernel_run_verdict(run, &kv);
	if (parted || kv.kind != c->verdict || kernel_state_hash(run) != c->state) {
		util_errf(cause, "explore: the %s counterexample does not replay to the same end (%s): "
			  "the engine is not deterministic", what, parted ? parted : verdict_kind_name(kv.kind));
		free(parted);
		return -1;
	}
	desc = xasprintf("explore: %s counterexample: %s", what, kv.headline);
	record_fill(row, run, scenario_id, "explore", name, NULL, desc);
	free(desc);
	return 0;
}

void cli_report_row(struct store_exploration *e, long scenario_id, const struct scenario *scn, enum xip_version v,
		     const struct explore_options *opt, const struct explore_result *r, char *hash17,
		     char *verdicts, size_t vlen, char *bounds, size_t blen)
{
	size_t o = 0;

	verdicts[0] = '\0';
	for (int k = 0; k < VERDICT_NKINDS; k++)
		if (r->verdicts[k] && o < vlen)
			o += (size_t)snprintf(verdicts + o, vlen - o, "%s%s=%llu", o ? " " : "",
					      verdict_kind_name(k), r->verdicts[k]);
	if (opt->mode == EXPLORE_BOUNDED)
		snprintf(bounds, blen, "preemptions<=%d", opt->preemptions);
	else if (opt->mode == EXPLORE_RANDOM || opt->mode == EXPLORE_PCT)
		snprintf(bounds, blen, "runs=%llu seed=%llu", opt->samples, (unsigned long long)opt->seed);
	else
		bounds[0] = '\0';
	memset(e, 0, sizeof *e);
	e->scenario_id = scenario_id;
	e->scenario_hash = record_hex(scn->hash, hash17);
	e->version = xip_version_name(v);
	e->mode = explore_mode_name(opt->mode);
	e->bounds = bounds[0] ? bounds : NULL;
	e->executions = (long long)r->executions;
	e->states = (long long)r->states;
	e->complete = r->end == EXPLORE_COMPLETE && opt->mode != EXPLORE_RANDOM && opt->mode != EXPLORE_PCT;
	e->verdicts = verdicts;
	e->elapsed_ms = (long long)(r->seconds * 1000);
}

int cli_report_save_cexes(struct store *st, const struct store_scenario *srow, const struct scenario *scn,
		      enum xip_version v, const struct explore_result *r)
{
	const char *version = xip_version_name(v);
	const struct explore_cex *cex[2] = { &r->shortest, &r->fewest };
	static const char *const base[2] = { "shortest", "fewest-preemptions" };
	static const char *const what[2] = { "shortest", "fewest-preemptions" };
	struct store_schedule rows[2];
	struct kernel_run *run = kernel_run_new();
	char names[2][72], *cause = NULL;
	long from[2] = { 0, 0 };
	int n = 0, rc = 0;

	memset(rows, 0, sizeof rows);
	for (int i = 0; i < 2 && rc == 0; i++) {
		if (cli_report_claim_name(st, scn, version, base[i], names[i], sizeof names[i], &from[i], &cause) != 0 ||
		    cex_row(run, scn, v, cex[i], names[i], what[i], srow->id, &rows[i], &cause) != 0)
			rc = -1;
		else
			n++;
	}
	if (rc == 0 && store_schedule_add_many(st, rows, 2, from, &cause) != 0)
		rc = -1;
	if (rc == 0) {
		for (int i = 0; i < 2; i++)
			printf("recorded: schedule %ld '%s' (%s) in %s\n", rows[i].id, names[i], what[i], store_path(st));
		printf("replay:   xipsandbox replay %s %s --version %s\n", util_shown(scn->name), names[0], version);
	} else {
		cli_error("%s", cause);
		free(cause);
	}
	for (int i = 0; i < n; i++)
		store_schedule_clear(&rows[i]);
	kernel_run_free(run);
	return rc;
}

