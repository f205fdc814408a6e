/*
 * cli_explore_mem.c - `xipsandbox explore SCENARIO --memory-model tso|weak`:
 * the exhaustive search over CPUs, flushes and drains (explore_mem.h),
 * its verdict with the proof (every schedule searched) or the shortest
 * counterexample, and the command that replays it.
 *
 * `explore` hands its arguments here when they ask for a model with
 * buffers (cli_explore_memory_model); with sc, the default, the reduced
 * search of explore.h runs as it always did.
 *
 * Recorded like sc's search (--no-record, --db): an exploration row (mode
 * "memory-tso", "memory-weak") and the counterexample as a schedule of its
 * model.  Names are unique per scenario and version whatever the model, so
 * the model is in the name and sc's "shortest" is never taken:
 * "shortest-weak" when the search completed (it is the shortest there
 * is), "counterexample-weak" when --first or --limit stopped it (it is
 * only the shortest found).  What-ifs (--without, --drop-barrier,
 * --mb-barrier) are not recorded, as with sc.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_report.h"
#include "explore.h"
#include "explore_mem.h"
#include "record.h"
#include "sync.h"

static const char explore_mem_help[] =
	"Usage: xipsandbox explore SCENARIO --memory-model=tso|weak [OPTION]...\n"
	"Search every schedule of a scenario under a memory model with store\n"
	"buffers: each choice is a CPU, a flush of a buffered store or (weak) a\n"
	"drain of a queued invalidation.  States met before are not searched again.\n"
	"\n"
	"  -v, --version=V         buggy, fixed, later or final (default: the scenario's)\n"
	"  -w, --without=LIST      fixed version with ingredients of the fix switched off\n"
	"      --drop-barrier=B    drop one of the seqcount's barriers: wmb-begin,\n"
	"                          wmb-end, rmb-begin, rmb-retry (repeatable)\n"
	"      --mb-barrier=B      make it an smp_mb instead (repeatable); before-begin\n"
	"                          adds one before read_seqcount_begin's load\n"
	"      --stateless         no state caching: run every schedule\n"
	"      --no-sleep-sets     state caching alone (for comparison)\n"
	"      --progress          a line on stderr every 30 s\n"
	"      --max-memory=MIB    the table of states stops growing at MIB MiB (default 256)\n"
	"      --first             stop at the first counterexample (not known shortest)\n"
	"      --limit=N           stop after N executions\n"
	"      --step-limit=N      end a run after N steps (default 20000)\n"
	"      --no-record         do not record the search and its counterexample\n"
	"      --db=PATH           the database (default ~/.local/share/xipsandbox/xipsandbox.db)\n"
	"\n"
	"The counterexample is saved as schedule 'shortest-MODEL' ('shortest-weak')\n"
	"when every schedule was searched, else (--first, --limit) 'counterexample-MODEL';\n"
	"'xipsandbox replay SCENARIO shortest-weak' replays it under its model.\n";

static const struct { const char *name; unsigned bit; } barriers[] = {
	{ "wmb-begin", SYNC_SEQ_WMB_BEGIN }, { "wmb-end", SYNC_SEQ_WMB_END },
	{ "rmb-begin", SYNC_SEQ_RMB_BEGIN }, { "rmb-retry", SYNC_SEQ_RMB_RETRY },
	{ "before-begin", SYNC_SEQ_MB_BEFORE_BEGIN >> SYNC_SEQ_MB_SHIFT }, /* --mb-barrier only */
};

int cli_barrier_parse(const char *text, unsigned *bit)
{
	for (size_t i = 0; i < sizeof barriers / sizeof barriers[0]; i++)
		if (strcmp(text, barriers[i].name) == 0) {
			*bit = barriers[i].bit;
			return 0;
		}
	return -1;
}

char *cli_barrier_text(unsigned mask, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof barriers / sizeof barriers[0] && k < len; i++) {
		if (mask & barriers[i].bit && barriers[i].bit < (1u << SYNC_SEQ_MB_SHIFT))
			k += (size_t)snprintf(buf + k, len - k, "%sno smp_%s", k ? ", " : "", barriers[i].name);
		if (mask & (barriers[i].bit << SYNC_SEQ_MB_SHIFT) && k < len)
			k += (size_t)snprintf(buf + k, len - k, "%ssmp_mb for %s", k ? ", " : "", barriers[i].name);
	}
	return buf;
}

enum memmodel cli_explore_memory_model(int *argc, char **argv)
{
	enum memmodel m = MEMMODEL_SC;
	char *cause = NULL;

	for (int i = 1; i < *argc; i++) {
		const char *v = NULL;
		int take = 1;
		if (strncmp(argv[i], "--memory-model=", 15) == 0)
			v = argv[i] + 15;
		else if (strcmp(argv[i], "--memory-model") == 0 && i + 1 < *argc)
			v = argv[i + 1], take = 2;
		else if (strcmp(argv[i], "--") == 0)
			break;
		if (!v)
			continue;
		if (memmodel_parse(v, &m, &cause) != 0)
			cli_usage_error("explore: %s", cause);
		if (m != MEMMODEL_SC)
			return m;
		/* sc: the reduced search, as without the option */
		memmove(&argv[i], &argv[i + take], (size_t)(*argc - i - take + 1) * sizeof *argv);
		*argc -= take;
		i--;
	}
	return m;
}

static unsigned long long number_arg(const char *what, const char *text, unsigned long long max)
{
	char *end;
	unsigned long long v = strtoull(text, &end, 10);

	if (*end || !*text || v < 1 || v > max)
		cli_usage_error("explore: %s wants a number from 1 to %llu, not '%s'", what, max, text);
	return v;
}

static void print_result(const struct scenario *scn, const struct explore_mem_opts *o,
			 const struct explore_mem_result *r)
{
	char w[128];

	printf("scenario: %s: %s\n", util_shown(scn->name), util_shown(scn->title));
	printf("version:  %s%s%s\n", xip_version_name(o->version), o->without ? " without " : "",
	       o->without ? kernel_without_text(o->without, w, sizeof w) : "");
	printf("memory:   %s%s%s\n", memmodel_name(o->model), o->barrier_whatif ? ", what-if: " : "",
	       o->barrier_whatif ? cli_barrier_text(o->barrier_whatif, w, sizeof w) : "");
	printf("search:   every schedule of CPUs, flushes and drains%s\n",
	       o->stateless ? " (stateless)" : o->no_sleep ? ", states met before cut" : ", sleep sets, states met before cut");
	printf("executions: %llu run to their end, %llu cut at a state met before, %llu with every choice asleep (%llu steps, longest %zu)\n",
	       r->executions, r->cut, r->slept, r->steps, r->longest);
	printf("states:   %llu stored\n", r->stored);
	if (r->unstored)
		printf("memory:   the table of states met reached %llu MiB; %llu states were searched below without "
		       "being stored (slower, still every schedule)\n", (o->max_memory ? o->max_memory : EXPLORE_DEFAULT_MAX_MEMORY) >> 20, r->unstored);
	printf("final states: %d%s\n", r->nfinals, r->finals_overflow ? " (and more: the table is full)" : "");
	printf("verdicts:\n");
	for (int k = 0; k < VERDICT_NKINDS; k++)
		if (r->verdicts[k] || k == VERDICT_OK)
			printf("  %-12s %12llu\n", verdict_kind_name((enum verdict_kind)k), r->verdicts[k]);
	if (r->nshortest) {
		printf("%s counterexample: %s in %zu steps\n", r->limited ? "a" : "shortest",
		       verdict_kind_name(r->shortest_verdict), r->nshortest);
		printf("  schedule: %s\n", r->shortest_text);
		printf("  replay:   xipsandbox run %s --version %s --memory-model %s --no-record --schedule '%s'\n",
		       scn->name, xip_version_name(o->version), memmodel_name(o->model), r->shortest_text);
	} else if (!r->limited) {
		printf("verdict:  ok in every execution under %s: every schedule of this scenario was searched\n",
		       memmodel_name(o->model));
	}
	if (r->limited)
		printf("note:     stopped early (--limit or --first): no proof, and a counterexample found is not known to be the shortest\n");
	printf("time:     %.2f s\n", r->seconds);
}

/* The exploration's row: the counts of a search under a model with buffers. */
static int record_search(struct store *st, long scenario_id, const struct scenario *scn,
			 const struct explore_mem_opts *o, const struct explore_mem_result *r, char **cause)
{
	struct store_exploration e;
	char hash[17], verdicts[256], bounds[96], mode[32];
	size_t k = 0, b = 0;

	verdicts[0] = bounds[0] = '\0';
	for (int v = 0; v < VERDICT_NKINDS; v++)
		if (r->verdicts[v] && k < sizeof verdicts)
			k += (size_t)snprintf(verdicts + k, sizeof verdicts - k, "%s%s=%llu", k ? " " : "",
					      verdict_kind_name((enum verdict_kind)v), r->verdicts[v]);
	if (o->stateless)
		b += (size_t)snprintf(bounds + b, sizeof bounds - b, "stateless");
	if (o->first && b < sizeof bounds)
		b += (size_t)snprintf(bounds + b, sizeof bounds - b, "%sfirst", b ? " " : "");
	if (o->limit && b < sizeof bounds)
		b += (size_t)snprintf(bounds + b, sizeof bounds - b, "%slimit=%llu", b ? " " : "", o->limit);
	if (o->step_limit && b < sizeof bounds)
		snprintf(bounds + b, sizeof bounds - b, "%sstep-limit=%u", b ? " " : "", o->step_limit);
	snprintf(mode, sizeof mode, "memory-%s", memmodel_name(o->model));
	memset(&e, 0, sizeof e);
	e.scenario_id = scenario_id;
	e.scenario_hash = record_hex(scn->hash, hash);
	e.version = xip_version_name(o->version);
	e.mode = mode;
	e.bounds = bounds[0] ? bounds : NULL;
	e.executions = (long long)r->executions;
	e.states = r->nfinals;
	e.complete = !r->limited;
	e.verdicts = verdicts;
	e.elapsed_ms = (long long)(r->seconds * 1000);
	if (store_exploration_add(st, &e, cause) != 0)
		return -1;
	printf("recorded: exploration %ld in %s\n", e.id, store_path(st));
	return 0;
}

/*
 * The counterexample as a schedule of its model, re-run first: it must end
 * with the verdict the search saw.  Named for what is known of it.
 */
static int record_cex(struct store *st, long scenario_id, const struct scenario *scn,
		      const struct explore_mem_opts *o, const struct explore_mem_result *r, char **cause)
{
	const char *version = xip_version_name(o->version), *model = memmodel_name(o->model);
	struct kernel_run *run = kernel_run_new();
	struct store_schedule row;
	struct kernel_verdict kv;
	char base[48], name[72], *parted = NULL, *desc;
	long from = 0;
	int rc;

	snprintf(base, sizeof base, "%s-%s", r->limited ? "counterexample" : "shortest", model);
	sched_set_memory_model(kernel_run_sched(run), (int)o->model);
	sched_set_step_limit(kernel_run_sched(run), r->shortest_verdict == VERDICT_STEP_LIMIT ? (unsigned)r->nshortest
											    : SCHED_DEFAULT_STEP_LIMIT);
	if (cli_report_claim_name(st, scn, version, base, name, sizeof name, &from, cause) != 0 ||
	    record_execute_choices(run, scn, o->version, r->shortest, r->nshortest, &parted, cause) != 0) {
		kernel_run_free(run);
		return -1;
	}
	kernel_run_verdict(run, &kv);
	if (parted || kv.kind != r->shortest_verdict) {
		util_errf(cause, "explore: the counterexample does not replay to the same end under %s (%s): "
			  "the engine is not deterministic; nothing was recorded", model,
			  parted ? parted : verdict_kind_name(kv.kind));
		free(parted);
		kernel_run_free(run);
		return -1;
	}
	desc = xasprintf("explore --memory-model %s: %s counterexample: %s", model,
			 r->limited ? "a (not known shortest)" : "shortest", kv.headline);
	record_fill(&row, run, scenario_id, "explore", name, NULL, desc);
	free(desc);
	kernel_run_free(run);
	rc = store_schedule_add_many(st, &row, 1, &from, cause);
	if (rc == 0) {
		if (r->limited)
			printf("recorded: schedule %ld '%s' (a counterexample under %s, not known to be the shortest: the "
			       "search stopped early; a complete search saves 'shortest-%s') in %s\n", row.id, name, model,
			       model, store_path(st));
		else
			printf("recorded: schedule %ld '%s' (the shortest counterexample under %s) in %s\n", row.id, name,
			       model, store_path(st));
		printf("replay:   xipsandbox replay %s %s --version %s\n", util_shown(scn->name), name, version);
	}
	store_schedule_clear(&row);
	return rc;
}

/* Record the search (and its counterexample, first, as sc's explore does); prints the error. */
static int record_all(struct store *st, long scenario_id, const struct scenario *scn,
		      const struct explore_mem_opts *o, const struct explore_mem_result *r)
{
	char *cause = NULL;

	if ((r->nshortest && record_cex(st, scenario_id, scn, o, r, &cause) != 0) ||
	    record_search(st, scenario_id, scn, o, r, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

int cli_explore_mem(int argc, char **argv, enum memmodel model)
{
	static const struct option opts[] = {
		{ "version", required_argument, NULL, 'v' },
		{ "without", required_argument, NULL, 'w' },
		{ "memory-model", required_argument, NULL, 'M' },
		{ "drop-barrier", required_argument, NULL, 'B' },
		{ "mb-barrier", required_argument, NULL, 'Z' },
		{ "stateless", no_argument, NULL, 'S' },
		{ "no-sleep-sets", no_argument, NULL, 'P' },
		{ "progress", no_argument, NULL, 'R' },
		{ "max-memory", required_argument, NULL, 'X' },
		{ "first", no_argument, NULL, 'F' },
		{ "limit", required_argument, NULL, 'l' },
		{ "step-limit", required_argument, NULL, 'L' },
		{ "no-record", no_argument, NULL, 'N' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct explore_mem_opts o = { 0 };
	struct explore_mem_result r;
	const char *version_arg = NULL, *without_arg = NULL, *db = NULL;
	struct scenario *scn;
	struct store *st = NULL;
	struct store_scenario srow = { 0 };
	char *cause = NULL;
	unsigned bit;
	int c, status, record = 1;

	o.model = model;
	optind = 1;
	while ((c = getopt_long(argc, argv, "v:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v': version_arg = optarg; break;
		case 'w': without_arg = optarg; break;
		case 'M': break; /* read by cli_explore_memory_model */
		case 'B':
		case 'Z':
			if (cli_barrier_parse(optarg, &bit) != 0 || (c == 'B' && bit == (SYNC_SEQ_MB_BEFORE_BEGIN >> SYNC_SEQ_MB_SHIFT)))
				cli_usage_error("explore: unknown barrier '%s' (wmb-begin, wmb-end, rmb-begin, rmb-retry; before-begin with --mb-barrier)", optarg);
			o.barrier_whatif |= c == 'B' ? bit : bit << SYNC_SEQ_MB_SHIFT;
			break;
		case 'S': o.stateless = 1; break;
		case 'P': o.no_sleep = 1; break;
		case 'R': o.progress = 1; break;
		case 'X': o.max_memory = number_arg("--max-memory", optarg, 1ull << 20) << 20; break;
		case 'F': o.first = 1; break;
		case 'l': o.limit = number_arg("--limit", optarg, 1000000000000ull); break;
		case 'L': o.step_limit = (unsigned)number_arg("--step-limit", optarg, 10000000); break;
		case 'N': record = 0; break;
		case 'D': db = optarg; break;
		case 'h': fputs(explore_mem_help, stdout); return 0;
		default: cli_usage_error("explore: bad option for --memory-model %s (see 'xipsandbox explore --memory-model %s --help')",
					 memmodel_name(model), memmodel_name(model));
		}
	}
	if (optind != argc - 1)
		cli_usage_error("explore needs exactly one scenario (a name such as 'classic', or a path)");
	if (db && !record)
		cli_usage_error("explore: --db names where to record; it cannot go with --no-record");
	if (db && (without_arg || o.barrier_whatif))
		cli_usage_error("explore: a --without, --drop-barrier or --mb-barrier search is a what-if and is not "
				"recorded; drop --db");
	if (without_arg || o.barrier_whatif)
		record = 0;
	scn = cli_load_scenario(argv[optind]);
	if (!scn)
		return CLI_EXIT_INPUT;
	o.version = scn->default_version;
	if (version_arg) {
		int vv = xip_version_parse(version_arg);
		if (vv < 0) {
			scenario_free(scn);
			cli_usage_error("explore: unknown version '%s' (expected buggy, fixed, later or final)", version_arg);
		}
		o.version = (enum xip_version)vv;
	}
	if (without_arg) {
		if (kernel_without_parse(without_arg, &o.without, &cause) != 0 || o.version != XIP_FIXED) {
			scenario_free(scn);
			cli_usage_error("explore: %s", cause ? cause : "--without takes apart the seed's fix: use it with --version fixed");
		}
	}
	/* the database is opened (and a bad one refused) before the search, as sc's explore does */
	if (record) {
		st = cli_open_store(db, STORE_WRITE);
		if (st && record_sync(st, scn, &srow, NULL, &cause) != 0) {
			cli_error("%s", cause);
			free(cause);
			cause = NULL;
			store_close(st);
			st = NULL;
		}
		if (!st) {
			fprintf(stderr, "(use --no-record to explore without the database)\n");
			scenario_free(scn);
			return CLI_EXIT_INPUT;
		}
	}
	if (explore_mem_search(scn, &o, &r, &cause) != 0) {
		cli_error("%s: %s", scn->path, cause);
		free(cause);
		store_scenario_clear(&srow);
		if (st)
			store_close(st);
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	print_result(scn, &o, &r);
	/* as explore's own search: 1 when a bad verdict was found (explore --help) */
	status = r.nshortest ? EXPLORE_EXIT_BAD : 0;
	if (st && record_all(st, srow.id, scn, &o, &r) != 0)
		status = CLI_EXIT_INPUT;
	explore_mem_result_free(&r);
	store_scenario_clear(&srow);
	if (st)
		store_close(st);
	scenario_free(scn);
	return status;
}
