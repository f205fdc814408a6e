/*
 * cli_explore.c - `xipsandbox explore SCENARIO [OPTION]...`: search a
 * scenario's schedules (explore.h), print what was found, and save the
 * shortest counterexample and the one with the fewest preemptions in the
 * schedule database under the names "shortest" and "fewest-preemptions".
 *
 * A name is unique per scenario and version: an older explore row that
 * holds it loses it (the row stays); a row someone else named keeps it and
 * ours gets the first free "shortest-2", "shortest-3", ...
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dot.h"
#include "explore.h"
#include "record.h"

#define EXPLORE_EXIT_BAD 1
#define EXPLORE_EXIT_INTERRUPTED 130

static const char explore_help[] =
	"Usage: xipsandbox explore SCENARIO [OPTION]...\n"
	"Search the schedules of a scenario: count the executions, their distinct\n"
	"final states and verdicts, and save the shortest counterexample and the one\n"
	"with the fewest preemptions as schedules 'shortest' and 'fewest-preemptions'.\n"
	"\n"
	"By default the search is complete but reduced: dynamic partial-order\n"
	"reduction (source-DPOR with sleep sets) runs one schedule per order of\n"
	"the conflicting steps, which reaches every final state and verdict.\n"
	"\n"
	"  -v, --version=V        buggy, fixed or later (default: the scenario's)\n"
	"      --dot=FILE         also draw the schedules run as a tree (Graphviz DOT;\n"
	"                         small scenarios: at most 2000 executions)\n"
	"  -w, --without=LIST     fixed version with ingredients of the fix switched off:\n"
	"                         mutex, seqcount, recheck, retry, seqwait (comma-separated);\n"
	"                         a what-if, never recorded\n"
	"      --full             every interleaving, no reduction (the reference; only\n"
	"                         tiny scenarios finish)\n"
	"  -p, --preemptions=N    every schedule with at most N preemptions (0..32),\n"
	"                         searched by increasing count: the first bad verdict\n"
	"                         found has the fewest preemptions there are\n"
	"      --random=N         N runs, each step choosing a random enabled CPU\n"
	"      --pct              PCT instead of uniform choices (Burckhardt et al.,\n"
	"                         ASPLOS 2010); N runs from --random (default 10000)\n"
	"      --depth=D          PCT's bug depth: D-1 priority changes (default 3)\n"
	"      --seed=S           seed for --random and --pct (default 1)\n"
	"      --stop-at-first    stop at the first bad verdict\n"
	"      --limit=N          stop after N executions\n"
	"      --step-limit=N     end a run after N steps (default 20000)\n"
	"  -q, --quiet            no progress line (it is shown only on a terminal)\n"
	"      --no-record        do not save counterexamples in the database\n"
	"      --db=PATH          the database (default ~/.local/share/xipsandbox/xipsandbox.db)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Ctrl-C stops the search cleanly: what was found so far is printed and saved.\n"
	"\n"
	"Exit status: 0 no bad verdict found, 1 some bad verdict found, 2 usage\n"
	"error, 3 bad scenario or database, 130 interrupted before anything bad was\n"
	"found.\n";

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct explore_args {
	struct explore_options opt;
	const char *version_arg, *db, *without_arg, *dot_path;
	struct dot_tree *dot;
	int record, quiet, random_set, pct, full, bounded;
};

static unsigned long long parse_count(const char *arg, const char *what, unsigned long long lo,
				      unsigned long long hi)
{
	char *end;
	unsigned long long v;

	if (*arg < '0' || *arg > '9')
		cli_usage_error("explore: %s wants a number from %llu to %llu, not '%s'", what, lo, hi, arg);
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*end || errno || v < lo || v > hi)
		cli_usage_error("explore: %s wants a number from %llu to %llu, not '%s'", what, lo, hi, arg);
	return v;
}

static void parse_args(int argc, char **argv, struct explore_args *a)
{
	static const struct option opts[] = {
		{ "version", required_argument, NULL, 'v' },
		{ "without", required_argument, NULL, 'w' },
		{ "dot", required_argument, NULL, 'G' },
		{ "full", no_argument, NULL, 'F' },
		{ "preemptions", required_argument, NULL, 'p' },
		{ "random", required_argument, NULL, 'R' },
		{ "pct", no_argument, NULL, 'P' },
		{ "depth", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 'S' },
		{ "stop-at-first", no_argument, NULL, '1' },
		{ "limit", required_argument, NULL, 'l' },
		{ "step-limit", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-record", no_argument, NULL, 'N' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof *a);
	explore_options_init(&a->opt);
	a->record = 1;
	a->opt.samples = 10000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "v:w:p:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'v': a->version_arg = optarg; break;
		case 'w': a->without_arg = optarg; break;
		case 'G': a->dot_path = optarg; break;
		case 'F': a->full = 1; break;
		case 'p':
			a->bounded = 1;
			a->opt.preemptions = (int)parse_count(optarg, "--preemptions", 0, EXPLORE_MAX_BOUND);
			break;
		case 'R':
			a->random_set = 1;
			a->opt.samples = parse_count(optarg, "--random", 1, 1000000000000ull);
			break;
		case 'P': a->pct = 1; break;
		case 'd': a->opt.pct_depth = (int)parse_count(optarg, "--depth", 1, EXPLORE_MAX_BOUND); break;
		case 'S': a->opt.seed = parse_count(optarg, "--seed", 0, UINT64_MAX); break;
		case '1': a->opt.stop_at_first = 1; break;
		case 'l': a->opt.max_executions = parse_count(optarg, "--limit", 1, UINT64_MAX); break;
		case 'L': a->opt.step_limit = (unsigned)parse_count(optarg, "--step-limit", 1, 10000000); break;
		case 'q': a->quiet = 1; break;
		case 'N': a->record = 0; break;
		case 'D': a->db = optarg; break;
		case 'h': fputs(explore_help, stdout); exit(0);
		default: cli_usage_error("explore: bad option (see 'xipsandbox explore --help')");
		}
	}
	if (optind != argc - 1)
		cli_usage_error("explore needs exactly one scenario (a name such as 'classic', or a path)");
	if (a->full + a->bounded + (a->random_set || a->pct) > 1)
		cli_usage_error("explore: --full, --preemptions and --random/--pct choose different searches; give one");
	if (a->without_arg) {
		char *cause = NULL;
		if (kernel_without_parse(a->without_arg, &a->opt.without, &cause) != 0)
			cli_usage_error("explore: %s", cause);
		if (a->db)
			cli_usage_error("explore: a --without search is a what-if and is not recorded; drop --db");
		a->record = 0;
	}
	if (a->db && !a->record)
		cli_usage_error("explore: --db names where to record; it cannot go with --no-record");
	a->opt.mode = a->full ? EXPLORE_FULL : a->bounded ? EXPLORE_BOUNDED
		    : a->pct ? EXPLORE_PCT : a->random_set ? EXPLORE_RANDOM : EXPLORE_REDUCED;
}

/* ---- printing ---------------------------------------------------------------------- */

static void show_progress(void *ctx, const struct explore_result *r, double elapsed)
{
	(void)ctx;
	fprintf(stderr, "\rexplore: %llu executions, %.0f/s, %.1f s ", r->executions + r->blocked + r->skipped,
		elapsed > 0 ? (double)(r->executions + r->blocked + r->skipped) / elapsed : 0.0, elapsed);
	fflush(stderr);
}

static const char *search_text(const struct explore_args *a, char *buf, size_t len)
{
	const struct explore_options *o = &a->opt;

	switch (o->mode) {
	case EXPLORE_REDUCED: return "reduced: source-DPOR with sleep sets";
	case EXPLORE_FULL: return "full: every interleaving";
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

static void print_counts(const struct explore_args *a, const struct explore_result *r)
{
	printf("executions: %llu run to their end", r->executions);
	if (r->mode == EXPLORE_REDUCED)
		printf(", %llu cut short as redundant", r->blocked);
	if (r->mode == EXPLORE_BOUNDED)
		printf(", %llu re-runs of lower bounds", r->skipped);
	if (r->proof_runs)
		printf(", %llu bounded runs to check the preemptions", r->proof_runs);
	printf(" (%llu steps, longest %zu)\n", r->steps, r->max_length);
	if (r->mode == EXPLORE_BOUNDED) {
		printf("by preemptions:");
		for (int k = 0; k <= a->opt.preemptions && k <= r->bound_done + 1; k++)
			printf("%s %d: %llu", k ? "," : "", k, r->per_bound[k]);
		printf("\n");
	}
	printf("final states: %llu distinct\n", r->states);
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
	unsigned long long runs = r->executions + r->blocked + r->skipped + r->proof_runs;

	if (r->seconds < 1)
		printf("time: %.2f ms", r->seconds * 1e3);
	else
		printf("time: %.2f s", r->seconds);
	printf(", %.0f executions/s, %.0f steps/s\n", (double)runs / t, (double)r->steps / t);
}

static void print_result(const struct explore_args *a, const struct explore_result *r, const char *version)
{
	int bad = explore_found_bad(r);

	if (bad) {
		printf("result: bad verdicts found on %s\n", version);
	} else if (r->end != EXPLORE_COMPLETE) {
		printf("result: no bad verdict so far on %s (the search is incomplete)\n", version);
	} else if (r->mode == EXPLORE_RANDOM || r->mode == EXPLORE_PCT) {
		printf("result: no bad verdict in %llu sampled runs on %s (a sample, not a proof)\n",
		       r->executions, version);
	} else if (r->mode == EXPLORE_BOUNDED) {
		printf("result: every schedule of %s with at most %d preemption%s is ok\n", version,
		       a->opt.preemptions, a->opt.preemptions == 1 ? "" : "s");
	} else {
		printf("result: every schedule of %s is ok\n", version);
	}
}

/* ---- recording ---------------------------------------------------------------------- */

/* A free name for our row: base, or base-2, base-3 ... past rows others named. */
static int claim_name(struct store *st, const struct scenario *scn, const char *version,
		      const char *base, char *out, size_t len, char **cause)
{
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
		if (mine && store_schedule_set_name(st, row.id, NULL, cause) != 0) {
			store_schedule_clear(&row);
			return -1;
		}
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

/* Every exploration is a row: what was searched, how far, what was found. */
static int record_exploration(struct store *st, const struct store_scenario *srow, const struct scenario *scn,
			      enum xip_version v, const struct explore_args *a, const struct explore_result *r)
{
	struct store_exploration e;
	char hash[17], bounds[96], verdicts[192];
	char *cause = NULL;
	size_t o = 0;

	verdicts[0] = '\0';
	for (int k = 0; k < VERDICT_NKINDS; k++)
		if (r->verdicts[k])
			o += (size_t)snprintf(verdicts + o, sizeof verdicts - o, "%s%s=%llu", o ? " " : "",
					      verdict_kind_name(k), r->verdicts[k]);
	if (a->opt.mode == EXPLORE_BOUNDED)
		snprintf(bounds, sizeof bounds, "preemptions<=%d", a->opt.preemptions);
	else if (a->opt.mode == EXPLORE_RANDOM || a->opt.mode == EXPLORE_PCT)
		snprintf(bounds, sizeof bounds, "runs=%llu seed=%llu", a->opt.samples, (unsigned long long)a->opt.seed);
	else
		bounds[0] = '\0';
	memset(&e, 0, sizeof e);
	e.scenario_id = srow->id;
	e.scenario_hash = record_hex(scn->hash, hash);
	e.version = xip_version_name(v);
	e.mode = explore_mode_name(a->opt.mode);
	e.bounds = bounds[0] ? bounds : NULL;
	e.executions = (long long)r->executions;
	e.states = (long long)r->states;
	e.complete = r->end == EXPLORE_COMPLETE && a->opt.mode != EXPLORE_RANDOM && a->opt.mode != EXPLORE_PCT;
	e.verdicts = verdicts;
	e.elapsed_ms = (long long)(r->seconds * 1000);
	if (store_exploration_add(st, &e, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		return -1;
	}
	printf("recorded: exploration %ld in %s\n", e.id, store_path(st));
	return 0;
}

/* --dot: every execution into the tree. */
static void dot_visit(void *ctx, struct kernel_run *run, const struct kernel_verdict *v, uint64_t state)
{
	struct explore_args *a = ctx;
	size_t n;
	const struct sched_step *tr = sched_trace(kernel_run_sched(run), &n);
	int *choices = xcalloc(n ? n : 1, sizeof *choices);

	(void)state;
	for (size_t i = 0; i < n; i++)
		choices[i] = tr[i].cpu;
	dot_tree_add(a->dot, choices, n, v->kind);
	free(choices);
}

static int write_dot(struct explore_args *a, const struct scenario *scn, enum xip_version v)
{
	FILE *fp = fopen(a->dot_path, "w");
	char title[160];

	if (!fp) {
		cli_error("%s: %s", a->dot_path, strerror(errno));
		return -1;
	}
	snprintf(title, sizeof title, "%s, %s: the schedules explore ran", scn->name, xip_version_name(v));
	dot_tree_write(a->dot, fp, title);
	if (fclose(fp) != 0) {
		cli_error("%s: %s", a->dot_path, strerror(errno));
		return -1;
	}
	printf("tree:     %s (Graphviz: dot -Tsvg %s > tree.svg)\n", a->dot_path, a->dot_path);
	return 0;
}

static int save_cexes(struct store *st, const struct store_scenario *srow, const struct scenario *scn,
		      enum xip_version v, const struct explore_result *r)
{
	const char *version = xip_version_name(v);
	const struct explore_cex *cex[2] = { &r->shortest, &r->fewest };
	static const char *const base[2] = { "shortest", "fewest-preemptions" };
	static const char *const what[2] = { "shortest", "fewest-preemptions" };
	struct store_schedule rows[2];
	struct kernel_run *run = kernel_run_new();
	char names[2][72], *cause = NULL;
	int n = 0, rc = 0;

	memset(rows, 0, sizeof rows);
	for (int i = 0; i < 2 && rc == 0; i++) {
		if (claim_name(st, scn, version, base[i], names[i], sizeof names[i], &cause) != 0 ||
		    cex_row(run, scn, v, cex[i], names[i], what[i], srow->id, &rows[i], &cause) != 0)
			rc = -1;
		else
			n++;
	}
	if (rc == 0 && store_schedule_add_many(st, rows, 2, &cause) != 0)
		rc = -1;
	if (rc == 0) {
		for (int i = 0; i < 2; i++)
			printf("recorded: schedule %ld '%s' (%s) in %s\n", rows[i].id, names[i], what[i], store_path(st));
		printf("replay:   xipsandbox replay %s %s --version %s\n", scn->name, names[0], version);
	} else {
		cli_error("%s", cause);
		free(cause);
	}
	for (int i = 0; i < n; i++)
		store_schedule_clear(&rows[i]);
	kernel_run_free(run);
	return rc;
}

/* ---- the command ----------------------------------------------------------------------- */

static struct store *open_for_record(const struct explore_args *a, const struct scenario *scn,
				     struct store_scenario *srow)
{
	struct store *st = cli_open_store(a->db, STORE_WRITE);
	char *cause = NULL;

	if (st && record_sync(st, scn, srow, NULL, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		store_close(st);
		st = NULL;
	}
	if (!st)
		fprintf(stderr, "(use --no-record to explore without the database)\n");
	return st;
}

int cli_explore(int argc, char **argv)
{
	struct explore_args a;
	struct explore_result r;
	struct store_scenario srow = { 0 };
	struct store *st = NULL;
	struct sigaction sa, old;
	struct scenario *scn;
	enum xip_version version;
	char *cause = NULL, buf[160];
	int status;

	parse_args(argc, argv, &a);
	scn = cli_load_scenario(argv[optind]);
	if (!scn)
		return CLI_EXIT_INPUT;
	version = scn->default_version;
	if (a.version_arg) {
		int vv = xip_version_parse(a.version_arg);
		if (vv < 0) {
			scenario_free(scn);
			cli_usage_error("explore: unknown version '%s' (expected buggy, fixed or later)", a.version_arg);
		}
		version = (enum xip_version)vv;
	}
	if (a.opt.without && version != XIP_FIXED) {
		scenario_free(scn);
		cli_usage_error("explore: --without takes apart the seed's fix: use it with --version fixed");
	}
	if (a.record && !(st = open_for_record(&a, scn, &srow))) {
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	if (!a.quiet && isatty(STDERR_FILENO))
		a.opt.progress = show_progress;
	if (a.dot_path) {
		a.dot = dot_tree_new();
		a.opt.visit = dot_visit;
		a.opt.ctx = &a;
		a.opt.max_executions = a.opt.max_executions && a.opt.max_executions < DOT_MAX_EXECUTIONS
				       ? a.opt.max_executions : DOT_MAX_EXECUTIONS;
	}
	interrupted = 0;
	a.opt.interrupt = &interrupted;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sa.sa_flags = SA_RESETHAND;   /* a second Ctrl-C kills at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	status = explore_run(scn, version, &a.opt, &r, &cause);
	sigaction(SIGINT, &old, NULL);
	if (a.opt.progress)
		fprintf(stderr, "\r%60s\r", "");
	if (status != 0) {
		cli_error("%s", cause);
		free(cause);
		store_scenario_clear(&srow);
		store_close(st);
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	printf("scenario: %s: %s\n", scn->name, scn->title);
	if (a.opt.without)
		printf("version:  %s without %s\n", xip_version_name(version), kernel_without_text(a.opt.without, buf, sizeof buf));
	else
		printf("version:  %s\n", xip_version_name(version));
	printf("search:   %s (%s)\n", search_text(&a, buf, sizeof buf), end_text(r.end));
	print_counts(&a, &r);
	if (explore_found_bad(&r)) {
		print_cex("shortest counterexample", &r.shortest, r.shortest_proven ? "; no bad schedule is shorter" : "");
		print_cex("fewest preemptions", &r.fewest, r.fewest_proven ? "; no bad schedule has fewer" : "");
	}
	print_time(&r);
	print_result(&a, &r, xip_version_name(version));
	status = explore_found_bad(&r) ? EXPLORE_EXIT_BAD : r.end == EXPLORE_INTERRUPTED ? EXPLORE_EXIT_INTERRUPTED : 0;
	if (st && explore_found_bad(&r) && save_cexes(st, &srow, scn, version, &r) != 0)
		status = CLI_EXIT_INPUT;
	if (st && record_exploration(st, &srow, scn, version, &a, &r) != 0)
		status = CLI_EXIT_INPUT;
	if (a.dot && write_dot(&a, scn, version) != 0)
		status = CLI_EXIT_INPUT;
	dot_tree_free(a.dot);
	explore_result_clear(&r);
	store_scenario_clear(&srow);
	if (st)
		store_close(st);
	scenario_free(scn);
	return status;
}
