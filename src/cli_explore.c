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
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dot.h"
#include "explore.h"
#include "cli_report.h"
#include "record.h"

#define FLUSH_SECONDS 0.5   /* units found are written at most this long after */

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
	"  -v, --version=V        buggy, fixed, later or final (default: the scenario's)\n"
	"      --dot=FILE         also draw the schedules run as a tree (Graphviz DOT;\n"
	"                         small scenarios: at most 2000 executions); never over\n"
	"                         the database or the scenario\n"
	"      --force            let --dot replace a file that is not a tree it drew\n"
	"  -w, --without=LIST     fixed version with ingredients of the fix switched off:\n"
	"                         mutex, seqcount, recheck, retry (comma-separated), or\n"
	"                         livelock-fix: the seqcount before Linux 2.6.25 (old\n"
	"                         name: seqwait); a what-if, never recorded\n"
	"      --full             every interleaving, no reduction (the reference; only\n"
	"                         tiny scenarios finish)\n"
	"      --stateful[=plain] stateful DPOR: the default search with a table of\n"
	"                         states met, each met again pruned after the races\n"
	"                         of what was done below it; plain: every state once\n"
	"                         (one process; counts ends, not orders)\n"
	"      --no-checkpoints   replay every execution from the start instead of\n"
	"                         resuming it from a checkpoint of the world and the\n"
	"                         CPUs' stacks (the same search, slower: to compare)\n"
	"      --max-memory=MIB   the stateful search's table stops growing at MIB MiB\n"
	"                         (default 256); past it the search goes on without\n"
	"                         storing new states, still complete, and says so\n"
	"  -p, --preemptions=N    every schedule with at most N preemptions (0..32),\n"
	"                         searched by increasing count: the first bad verdict\n"
	"                         found has the fewest preemptions there are\n"
	"      --random=N         N runs, each step choosing a random enabled CPU\n"
	"      --pct              PCT instead of uniform choices (Burckhardt et al.,\n"
	"                         ASPLOS 2010); N runs from --random (default 10000)\n"
	"      --depth=D          PCT's bug depth: D-1 priority changes (default 3)\n"
	"      --seed=S           seed for --random and --pct (default 1)\n"
	"  -j, --jobs=N           search with N worker processes (default 1)\n"
	"      --shard=K/N        search only shard K of N (1 <= K <= N) and record it,\n"
	"                         for 'xipsandbox merge' to combine with the other shards\n"
	"      --resume           continue this search where an interrupted run of it\n"
	"                         stopped (the same scenario text, version and options)\n"
	"      --units=N          split the search into at least N units (default %d;\n"
	"                         1: not split); shards and resumes must agree on N\n"
	"      --stop-at-first    stop at the first bad verdict\n"
	"      --limit=N          stop after N executions\n"
	"      --step-limit=N     end a run after N steps (default 20000)\n"
	"  -q, --quiet            no progress line (it is shown only on a terminal)\n"
	"      --no-record        do not save counterexamples in the database\n"
	"      --db=PATH          the database (default ~/.local/share/xipsandbox/xipsandbox.db)\n"
	"  -h, --help             show this help\n"
	"\n"
	"The default and --full searches are split into units (see docs/explore.md):\n"
	"-j, --shard and --resume share them out, and the counts do not depend on\n"
	"how.  Ctrl-C (or SIGTERM, SIGHUP) stops the search cleanly: what was found\n"
	"so far is printed and every finished unit is saved, for --resume.\n"
	"\n"
	"Exit status: 0 no bad verdict found, 1 some bad verdict found, 2 usage\n"
	"error, 3 bad scenario or database, 130 interrupted before anything bad was\n"
	"found.\n";

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct explore_args {
	struct explore_options opt;
	const char *version_arg, *db, *without_arg, *dot_path, *shard_arg;
	struct dot_tree *dot;
	struct journal *journal;
	const char *dot_keep[1 + STORE_NFILES]; /* what --dot must not write over */
	int record, quiet, random_set, pct, full, bounded, resume, jobs_set, units_set, force, stateful, memory_set, depth_set, seed_set;
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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
		{ "force", no_argument, NULL, 'O' },
		{ "full", no_argument, NULL, 'F' },
		{ "stateful", optional_argument, NULL, 'T' },
		{ "no-checkpoints", no_argument, NULL, 'C' },
		{ "max-memory", required_argument, NULL, 'M' },
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
		{ "jobs", required_argument, NULL, 'j' },
		{ "shard", required_argument, NULL, 'K' },
		{ "resume", no_argument, NULL, 'r' },
		{ "units", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof *a);
	explore_options_init(&a->opt);
	a->record = 1;
	a->opt.samples = 10000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "v:w:p:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'v': a->version_arg = optarg; break;
		case 'w': a->without_arg = optarg; break;
		case 'G': a->dot_path = optarg; break;
		case 'O': a->force = 1; break;
		case 'F': a->full = 1; break;
		case 'T':
			a->stateful = 1;
			if (optarg && strcmp(optarg, "plain") != 0)
				cli_usage_error("explore: --stateful takes no value or 'plain', not '%s'", optarg);
			a->opt.stateful_plain = optarg != NULL;
			break;
		case 'C': a->opt.no_checkpoints = 1; break;
		case 'M':
			a->memory_set = 1;
			a->opt.max_memory = parse_count(optarg, "--max-memory", 1, 1ull << 20) << 20;
			break;
		case 'p':
			a->bounded = 1;
			a->opt.preemptions = (int)parse_count(optarg, "--preemptions", 0, EXPLORE_MAX_BOUND);
			break;
		case 'R':
			a->random_set = 1;
			a->opt.samples = parse_count(optarg, "--random", 1, 1000000000000ull);
			break;
		case 'P': a->pct = 1; break;
		case 'd': a->depth_set = 1; a->opt.pct_depth = (int)parse_count(optarg, "--depth", 1, EXPLORE_MAX_BOUND); break;
		case 'S': a->seed_set = 1; a->opt.seed = parse_count(optarg, "--seed", 0, UINT64_MAX); break;
		case '1': a->opt.stop_at_first = 1; break;
		case 'l': a->opt.max_executions = parse_count(optarg, "--limit", 1, UINT64_MAX); break;
		case 'L': a->opt.step_limit = (unsigned)parse_count(optarg, "--step-limit", 1, 10000000); break;
		case 'q': a->quiet = 1; break;
		case 'N': a->record = 0; break;
		case 'D': a->db = optarg; break;
		case 'j':
			a->jobs_set = 1;
			a->opt.jobs = (int)parse_count(optarg, "--jobs", 1, EXPLORE_MAX_JOBS);
			break;
		case 'K': a->shard_arg = optarg; break;
		case 'r': a->resume = 1; break;
		case 'U':
			a->units_set = 1;
			a->opt.units = (unsigned)parse_count(optarg, "--units", 1, EXPLORE_MAX_UNITS);
			break;
		case 'h': printf(explore_help, EXPLORE_DEFAULT_UNITS); exit(0);
		default: cli_usage_error("explore: bad option (see 'xipsandbox explore --help')");
		}
	}
	if (optind != argc - 1)
		cli_usage_error("explore needs exactly one scenario (a name such as 'classic', or a path)");
	if (a->full + a->bounded + a->stateful + (a->random_set || a->pct) > 1)
		cli_usage_error("explore: --full, --stateful, --preemptions and --random/--pct choose different searches; "
				"give one");
	if (a->memory_set && !a->stateful)
		cli_usage_error("explore: --max-memory bounds the --stateful search's table; add --stateful");
	/* an option the chosen search does not read was silently ignored (B50) */
	if (a->depth_set && !a->pct)
		cli_usage_error("explore: --depth is PCT's bug depth; add --pct (and --random N)");
	if (a->seed_set && !a->pct && !a->random_set)
		cli_usage_error("explore: --seed seeds --random and --pct; add one of them");
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
	a->opt.mode = a->full ? EXPLORE_FULL : a->stateful ? EXPLORE_STATEFUL : a->bounded ? EXPLORE_BOUNDED
		    : a->pct ? EXPLORE_PCT : a->random_set ? EXPLORE_RANDOM : EXPLORE_REDUCED;
	if (a->shard_arg) {
		char *end;
		unsigned long k, n;
		errno = 0;
		k = strtoul(a->shard_arg, &end, 10);
		n = *end == '/' ? strtoul(end + 1, &end, 10) : 0;
		if (errno || *end || a->shard_arg[0] < '0' || a->shard_arg[0] > '9' || k < 1 || n < 1 || k > n ||
		    n > EXPLORE_MAX_UNITS)
			cli_usage_error("explore: --shard wants K/N with 1 <= K <= N <= %d (shard K of N), not '%s'",
					EXPLORE_MAX_UNITS, a->shard_arg);
		a->opt.shard_k = (int)k;
		a->opt.shard_n = (int)n;
	}
	if ((a->jobs_set || a->shard_arg || a->resume || a->units_set) &&
	    a->opt.mode != EXPLORE_REDUCED && a->opt.mode != EXPLORE_FULL)
		cli_usage_error("explore: -j, --shard, --resume and --units split the default and the --full "
				"searches; --stateful, --preemptions, --random and --pct run in one process");
	if ((a->shard_arg || a->resume) && !a->record)
		cli_usage_error("explore: --%s needs the database (the units are kept there); drop %s",
				a->shard_arg ? "shard" : "resume", a->without_arg ? "--without" : "--no-record");
	if (a->dot_path && a->opt.jobs > 1)
		cli_usage_error("explore: --dot draws the executions of one process; drop -j");
	if (a->force && !a->dot_path)
		cli_usage_error("explore: --force lets --dot replace a file; give --dot too");
}

/* --dot: every execution into the tree. */
static void dot_visit(void *ctx, struct kernel_run *run, const struct kernel_verdict *v, uint64_t state)
{
	struct explore_args *a = ctx;

	(void)state;
	dot_tree_add(a->dot, kernel_run_sched(run), v->kind);
}

/* --dot's file: checked before the search (no wait for a refusal) and when written. */
static int check_dot(struct explore_args *a, const struct scenario *scn, struct store *st)
{
	char *cause = NULL;

	a->dot_keep[0] = scn->path;
	if (st)
		store_files(st, a->dot_keep + 1);
	if (dot_file_check(a->dot_path, a->dot_keep, 1 + STORE_NFILES, a->force, &cause) == 0)
		return 0;
	cli_error("%s", cause);
	free(cause);
	return -1;
}

static int write_dot(struct explore_args *a, const struct scenario *scn, enum xip_version v)
{
	char title[160], *cause = NULL;

	snprintf(title, sizeof title, "%s, %s: the schedules explore ran", scn->name, xip_version_name(v));
	if (dot_file_write(a->dot, a->dot_path, title, a->dot_keep, 1 + STORE_NFILES, a->force, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		return -1;
	}
	printf("tree:     %s (Graphviz: dot -Tsvg %s > tree.svg)\n", a->dot_path, a->dot_path);
	return 0;
}

/* ---- the progress line ----------------------------------------------------------- */

static void journal_tick(struct explore_args *a);

/*
 * explore_options.progress, called about every 0.25 s by the process that
 * runs the search (the parent with -j): writes what the journal holds when
 * it is due, and the progress line when stderr is a terminal.
 */
static void show_progress(void *ctx, const struct explore_result *r, double elapsed)
{
	struct explore_args *a = ctx;
	unsigned long long runs = r->executions + r->blocked + r->skipped;
	size_t done_now = r->units_done - r->units_loaded, left = r->units_mine - r->units_done;
	char eta[64] = "";

	journal_tick(a);
	if (a->quiet || !isatty(STDERR_FILENO))
		return;
	/* units differ in size: the estimate is the mean time of a unit so far times those left,
	   shown once a few (and a twentieth) are done */
	if (r->units_mine > 1 && done_now >= 3 && done_now * 20 >= r->units_mine)
		snprintf(eta, sizeof eta, ", units %zu/%zu, about %.0f s left", r->units_done, r->units_mine,
			 elapsed / (double)done_now * (double)left + 0.5);
	else if (r->units_mine > 1)
		snprintf(eta, sizeof eta, ", units %zu/%zu", r->units_done, r->units_mine);
	fprintf(stderr, "\rexplore: %llu executions, %.0f/s, %.1f s%s ", runs,
		elapsed > 0 ? (double)runs / elapsed : 0.0, elapsed, eta);
	fflush(stderr);
}

/* ---- recording a split search as it goes ---------------------------------------------- */

struct journal {
	struct store *st;
	struct store_exploration row;   /* id, plan, shard, units fixed; counts moving */
	char hash[17], plan[128], shard[32];
	struct store_unit *units;       /* found, not yet written */
	unsigned char **bytes;
	size_t n, cap;
	double last_flush;
	long long elapsed_before;       /* resumed: the time the earlier runs took */
	double t0;
	unsigned long long executions;  /* of every unit done so far */
	size_t units_done;
	int warned;                     /* a write failed and the user was told */
	int warned_lock;                /* ... or the database was locked */
};

/*
 * Write the units found so far and the row's counts, in one transaction.
 * On failure (the database locked, the disk full) the batch stays for the
 * next try: nothing found is dropped, and the search goes on.
 */
static int journal_flush(struct journal *j, char **cause)
{
	int rc;

	j->last_flush = now_sec();
	j->row.executions = (long long)j->executions;
	j->row.units_done = (long long)j->units_done;
	j->row.elapsed_ms = j->elapsed_before + (long long)((now_sec() - j->t0) * 1000);
	rc = store_exploration_update(j->st, &j->row, j->units, j->n, cause);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < j->n; i++)
		free(j->bytes[i]);
	j->n = 0;
	return 0;
}

/*
 * A flush when one is due; a failure is said once, and tried again later.
 * It never waits for another program's lock: the search (with -j, the
 * parent that feeds the workers) goes on, and the units stay in memory.
 */
static void journal_tick(struct explore_args *a)
{
	struct journal *j = a->journal;
	const char *nl = a->opt.progress && !a->quiet && isatty(STDERR_FILENO) ? "\n" : "";
	char *why = NULL;
	int rc;

	if (!j || !j->n || now_sec() - j->last_flush < FLUSH_SECONDS)
		return;
	store_set_wait(j->st, 0);
	rc = journal_flush(j, &why);
	store_set_wait(j->st, -1);
	if (rc != 0 && store_gave_up_waiting(j->st) && !j->warned_lock) {
		fprintf(stderr, "%sexplore: note: %s is locked by another program; the search goes on, and the "
			"units found are kept and written when it is free\n", nl, store_path(j->st));
		j->warned_lock = 1;
	} else if (rc != 0 && !store_gave_up_waiting(j->st) && !j->warned) {
		fprintf(stderr, "%sxipsandbox: warning: %s (the units found are kept and written later)\n", nl, why);
		j->warned = 1;
	}
	free(why);
}

/*
 * The last flush: the one write that waits for another program's lock
 * (XS_DB_BUSY_MS, 5 s by default), and says so first.  A signal ends the wait.
 */
static int journal_flush_last(struct journal *j, char **cause)
{
	int rc;

	store_set_wait(j->st, 0);
	rc = journal_flush(j, cause);
	store_set_wait(j->st, -1);
	if (rc == 0 || !store_gave_up_waiting(j->st))
		return rc;
	free(*cause);
	*cause = NULL;
	fprintf(stderr, "explore: waiting up to %.1f s for another program's lock on %s, to write the %zu unit%s "
		"found since the last write (a signal stops the wait)\n", store_wait_ms(j->st) / 1000.0,
		store_path(j->st), j->n, j->n == 1 ? "" : "s");
	return journal_flush(j, cause);
}

/* explore_options.unit_done: keep the unit; write a batch now and then. */
static int journal_unit(void *ctx, size_t unit, const struct explore_unit *u, char **cause)
{
	struct explore_args *a = ctx;
	struct journal *j = a->journal;
	size_t len;

	if (!j)
		return 0;
	if (j->n == j->cap) {
		j->cap = j->cap ? 2 * j->cap : 64;
		j->units = xrealloc(j->units, j->cap * sizeof *j->units);
		j->bytes = xrealloc(j->bytes, j->cap * sizeof *j->bytes);
	}
	j->bytes[j->n] = explore_unit_encode(u, &len);
	j->units[j->n].unit = (long long)unit;
	j->units[j->n].bytes = j->bytes[j->n];
	j->units[j->n].len = len;
	j->n++;
	j->executions += u->executions;
	j->units_done++;
	(void)cause;
	journal_tick(a);
	return 0;
}

/* ---- finding the run to resume ------------------------------------------------------- */

struct resume_find {
	const struct store_exploration *want;
	long id;
	long long elapsed_ms, units_done, units;
	int found;
};

static int same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int find_unfinished(void *ctx, const struct store_exploration *e)
{
	struct resume_find *f = ctx;
	const struct store_exploration *w = f->want;

	if (e->complete || strcmp(e->scenario_hash, w->scenario_hash) != 0 || strcmp(e->version, w->version) != 0 ||
	    strcmp(e->mode, w->mode) != 0 || !e->plan || !same_text(e->plan, w->plan) || !same_text(e->shard, w->shard))
		return 0;
	f->found = 1;
	f->id = e->id;
	f->elapsed_ms = e->elapsed_ms;
	f->units_done = e->units_done;
	f->units = e->units;
	return 1;   /* the newest */
}

struct unit_load {
	struct explore_unit **done;
	size_t n, loaded;
	const char *path;
	long id;
	const struct scenario *scn;
	enum xip_version version;
	char *cause;
};

static int load_unit(void *ctx, long long unit, const void *bytes, size_t len)
{
	struct unit_load *l = ctx;
	char *why = NULL;

	if (unit < 0 || (unsigned long long)unit >= l->n || l->done[unit]) {
		l->cause = xasprintf("%s: exploration %ld has a unit %lld that its plan does not have; "
				     "start a new search (without --resume)", l->path, l->id, unit);
		return 1;
	}
	l->done[unit] = xmalloc(sizeof *l->done[unit]);
	if (explore_unit_decode(bytes, len, l->scn->ncpus, l->done[unit], &why) != 0) {
		l->cause = xasprintf("%s: exploration %ld, unit %lld: %s; start a new search (without --resume)",
				     l->path, l->id, unit, why);
		free(why);
		free(l->done[unit]);
		l->done[unit] = NULL;
		return 1;
	}
	if (!l->done[unit]->complete) {
		/* only finished units are written; one that is not is searched again */
		explore_unit_clear(l->done[unit]);
		free(l->done[unit]);
		l->done[unit] = NULL;
		return 0;
	}
	/* what it found is printed as found, and as proven minimal: replayed first (issue 17, item 10) */
	if (cli_unit_check(l->scn, l->version, l->done[unit], &why) != 0) {
		l->cause = xasprintf("%s: exploration %ld, unit %lld is damaged (changed by another program?): %s; "
				     "nothing was searched or recorded: start a new search (without --resume)",
				     l->path, l->id, unit, why);
		free(why);
		explore_unit_clear(l->done[unit]);
		free(l->done[unit]);
		l->done[unit] = NULL;
		return 1;
	}
	l->loaded++;
	return 0;
}

static void free_units(struct explore_unit **done, size_t n)
{
	for (size_t u = 0; done && u < n; u++)
		if (done[u]) {
			explore_unit_clear(done[u]);
			free(done[u]);
		}
	free(done);
}

/*
 * Set up the journal of a split search: a new exploration row, or (with
 * --resume) the newest unfinished one of the same search and its units.
 */
static int journal_open(struct explore_args *a, struct journal *j, struct store *st, long scenario_id,
			const struct scenario *scn, enum xip_version v, const struct explore_plan *plan,
			struct explore_unit ***done)
{
	struct resume_find f;
	char *cause = NULL;

	memset(j, 0, sizeof *j);
	j->st = st;
	j->row.scenario_id = scenario_id;
	j->row.scenario_hash = record_hex(scn->hash, j->hash);
	j->row.version = xip_version_name(v);
	j->row.mode = explore_mode_name(a->opt.mode);
	snprintf(j->plan, sizeof j->plan, "%s", plan->text);
	j->row.plan = j->plan;
	if (a->opt.shard_n > 1) {
		snprintf(j->shard, sizeof j->shard, "%d/%d", a->opt.shard_k, a->opt.shard_n);
		j->row.shard = j->shard;
	}
	j->row.units = (long long)plan->nunits;
	j->t0 = j->last_flush = now_sec();
	memset(&f, 0, sizeof f);
	f.want = &j->row;
	if (store_exploration_each(st, scenario_id, find_unfinished, &f, &cause) != 0)
		goto fail;
	if (a->resume && !f.found) {
		cli_error("%s: no unfinished exploration of %s (%s, %s search, %s%s%s) to resume; run without --resume "
			  "to start one", store_path(st), scn->name, j->row.version, j->row.mode, plan->text,
			  j->row.shard ? ", shard " : "", j->row.shard ? j->row.shard : "");
		return -1;
	}
	if (a->resume) {
		struct unit_load l = { NULL, plan->nunits, 0, store_path(st), f.id, scn, v, NULL };
		l.done = xcalloc(plan->nunits, sizeof *l.done);
		if (store_exploration_units(st, f.id, load_unit, &l, &cause) != 0 || l.cause) {
			free_units(l.done, plan->nunits);
			if (l.cause)
				cause = l.cause;
			goto fail;
		}
		*done = l.done;
		j->row.id = f.id;
		j->elapsed_before = f.elapsed_ms;
		for (size_t u = 0; u < plan->nunits; u++)
			if (l.done[u]) {
				j->executions += l.done[u]->executions;
				j->units_done++;
			}
		return 0;
	}
	if (f.found)
		/* B41: it may be another process's search, running now: it is unfinished, not "stopped" */
		fprintf(stderr, "explore: note: exploration %ld of this search is unfinished (%lld of %lld units "
			"recorded: it stopped, or another xipsandbox is still running it); --resume continues it "
			"once it has stopped\n", f.id, f.units_done, f.units);
	if (store_exploration_add(st, &j->row, &cause) != 0)
		goto fail;
	return 0;
fail:
	cli_error("%s", cause);
	free(cause);
	return -1;
}

static void journal_free(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->bytes[i]);
	free(j->bytes);
	free(j->units);
}

/* ---- the command ----------------------------------------------------------------------- */

/* The command that continues this search, as the user can type it. */
static void print_resume(const struct explore_args *a, const char *scenario_arg, enum xip_version v)
{
	char *word = util_shell_word(scenario_arg);

	printf("resume:   xipsandbox explore %s --version %s%s --resume", util_shown(word), xip_version_name(v),
	       a->full ? " --full" : "");
	free(word);
	if (a->units_set)
		printf(" --units %u", a->opt.units);
	if (a->opt.step_limit)
		printf(" --step-limit %u", a->opt.step_limit);
	if (a->opt.shard_n > 1)
		printf(" --shard %d/%d", a->opt.shard_k, a->opt.shard_n);
	if (a->db) {
		word = util_shell_word(a->db);
		printf(" --db %s", util_shown(word));
		free(word);
	}
	printf("\n");
}

/* A signal stopped the plan: the report of a search that ran nothing, and where it stopped. */
static int report_plan_stopped(const struct explore_args *a, const struct scenario *scn, enum xip_version v,
			       const struct explore_plan *plan)
{
	struct explore_result r;
	char buf[160];

	memset(&r, 0, sizeof r);
	r.mode = a->opt.mode;
	r.end = EXPLORE_INTERRUPTED;
	r.bound_done = -1;
	r.steps = r.plan_steps = plan->steps;
	r.seconds = plan->seconds;
	cli_report_print(scn, v, a->opt.without ? kernel_without_text(a->opt.without, buf, sizeof buf) : NULL,
			  &a->opt, &r);
	printf("stopped:  interrupted while planning the units (%llu steps in %.1f s): nothing was searched "
	       "or recorded\n", plan->steps, plan->seconds);
	return cli_report_status(&r);
}

static struct store *open_for_record(const struct explore_args *a, const struct scenario *scn,
				     struct store_scenario *srow)
{
	struct store *st = cli_open_store(a->db, STORE_WRITE);
	char *cause = NULL;

	if (st)
		store_set_interrupt(st, &interrupted);   /* a wait for a lock ends at a signal */
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

/* The exploration's row after the search: add it, or (split) bring the journal's up to date. */
static int record_exploration(struct store *st, long scenario_id, const struct scenario *scn, enum xip_version v,
			      const struct explore_args *a, const struct explore_result *r, struct journal *j)
{
	struct store_exploration e;
	char hash[17], verdicts[256], bounds[96], *cause = NULL;
	int rc;

	cli_report_row(&e, scenario_id, scn, v, &a->opt, r, hash, verdicts, sizeof verdicts, bounds, sizeof bounds);
	if (j) {
		j->row.executions = e.executions;
		j->row.states = e.states;
		j->row.complete = e.complete;
		j->row.verdicts = e.verdicts;
		j->row.elapsed_ms = j->elapsed_before + e.elapsed_ms;
		j->row.units_done = (long long)r->units_done;
		rc = store_exploration_update(st, &j->row, NULL, 0, &cause);
		e.id = j->row.id;
	} else {
		rc = store_exploration_add(st, &e, &cause);
	}
	if (rc != 0) {
		cli_error("%s", cause);
		free(cause);
		return -1;
	}
	printf("recorded: exploration %ld in %s\n", e.id, store_path(st));
	return 0;
}

int cli_explore(int argc, char **argv)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	struct explore_args a;
	struct explore_result r;
	struct explore_plan plan;
	struct explore_unit **done = NULL;
	struct journal journal;
	struct store_scenario srow = { 0 };
	struct store *st = NULL;
	struct sigaction sa, old[3];
	struct scenario *scn;
	enum xip_version version;
	char *cause = NULL, buf[160];
	int status, split, journal_lost = 0;

	{
		enum memmodel m = cli_explore_memory_model(&argc, argv);
		if (m != MEMMODEL_SC)
			return cli_explore_mem(argc, argv, m); /* CPUs, flushes and drains: explore_mem.h */
	}
	parse_args(argc, argv, &a);
	/* from here on: a signal during the set-up stops the search before it starts */
	interrupted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;   /* a second Ctrl-C kills at once */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(signals[i], &sa, &old[i]);
	scn = cli_load_scenario(argv[optind]);
	if (!scn)
		return CLI_EXIT_INPUT;
	version = scn->default_version;
	if (a.version_arg) {
		int vv = xip_version_parse(a.version_arg);
		if (vv < 0) {
			scenario_free(scn);
			cli_usage_error("explore: unknown version '%s' (expected buggy, fixed, later or final)", a.version_arg);
		}
		version = (enum xip_version)vv;
	}
	if (a.opt.without && version != XIP_FIXED) {
		scenario_free(scn);
		cli_usage_error("explore: --without takes apart the seed's fix: use it with --version fixed");
	}
	memset(&plan, 0, sizeof plan);
	split = a.opt.mode == EXPLORE_REDUCED || a.opt.mode == EXPLORE_FULL;
	a.opt.interrupt = &interrupted;   /* planning 100 000 units takes seconds: it stops too */
	if (split && (status = explore_plan_make(scn, version, &a.opt, &plan, &cause)) != 0) {
		if (status == EXPLORE_PLAN_STOPPED) {
			status = report_plan_stopped(&a, scn, version, &plan);
		} else {
			cli_error("%s", cause);
			free(cause);
			status = CLI_EXIT_INPUT;
		}
		for (int i = 0; i < 3; i++)
			sigaction(signals[i], &old[i], NULL);
		scenario_free(scn);
		return status;
	}
	if (split)
		a.opt.plan = &plan;
	if (a.record && !(st = open_for_record(&a, scn, &srow))) {
		explore_plan_clear(&plan);
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	if (a.dot_path && check_dot(&a, scn, st) != 0) {
		status = CLI_EXIT_INPUT;
		goto out;
	}
	a.opt.ctx = &a;
	if (split && st) {
		if (journal_open(&a, &journal, st, srow.id, scn, version, &plan, &done) != 0) {
			status = CLI_EXIT_INPUT;
			goto out;
		}
		a.journal = &journal;
		a.opt.done = done;
		a.opt.ndone = done ? plan.nunits : 0;
		a.opt.unit_done = journal_unit;
	}
	if ((!a.quiet && isatty(STDERR_FILENO)) || a.journal)
		a.opt.progress = show_progress;   /* the line, and the journal's timed writes */
	if (a.dot_path) {
		a.dot = dot_tree_new();
		a.opt.visit = dot_visit;
		a.opt.max_executions = a.opt.max_executions && a.opt.max_executions < DOT_MAX_EXECUTIONS
				       ? a.opt.max_executions : DOT_MAX_EXECUTIONS;
	}
	status = explore_run(scn, version, &a.opt, &r, &cause);
	/* the search has stopped (r.end says why); from here a signal stops a wait for a lock, and a
	   second one of a kind already received kills (SA_RESETHAND) */
	interrupted = 0;
	if (!a.quiet && isatty(STDERR_FILENO))
		fprintf(stderr, "\r%78s\r", "");
	if (a.journal && a.journal->n) {
		/* what finished stays, whatever happened after */
		char *why = NULL;
		if (journal_flush_last(a.journal, &why) != 0) {
			cli_error("%s; the units found since the last write are lost, the search's result is "
				  "printed below", why);
			free(why);
			journal_lost = 1;
			if (store_gave_up_waiting(a.journal->st))
				store_set_wait(st, 0);   /* it stayed locked: the writes after it do not wait again */
		}
	}
	if (status != 0) {
		if (cause) {
			cli_error("%s", cause);
			free(cause);
		}
		status = CLI_EXIT_INPUT;
		goto out;
	}
	cli_report_print(scn, version, a.opt.without ? kernel_without_text(a.opt.without, buf, sizeof buf) : NULL,
			  &a.opt, &r);
	status = cli_report_status(&r);
	if (a.journal && r.units_loaded)
		printf("resumed:  exploration %ld: %zu of its %zu units were done before\n", a.journal->row.id,
		       r.units_loaded, r.units_mine);
	if (st && explore_found_bad(&r) && a.opt.shard_n <= 1 &&
	    cli_report_save_cexes(st, &srow, scn, version, &r) != 0)
		status = CLI_EXIT_INPUT;
	if (journal_lost)
		status = CLI_EXIT_INPUT;
	else if (st && record_exploration(st, srow.id, scn, version, &a, &r, a.journal) != 0)
		status = CLI_EXIT_INPUT;
	if (st && a.opt.shard_n > 1 && r.end == EXPLORE_COMPLETE)
		printf("merge:    xipsandbox merge --db WHOLE.db SHARD.db... (this shard is in %s)\n", store_path(st));
	else if (st && a.journal && r.end != EXPLORE_COMPLETE)
		print_resume(&a, argv[optind], version);
	if (a.dot && write_dot(&a, scn, version) != 0)
		status = CLI_EXIT_INPUT;
	explore_result_clear(&r);
out:
	for (int i = 0; i < 3; i++)
		sigaction(signals[i], &old[i], NULL);
	dot_tree_free(a.dot);
	if (a.journal)
		journal_free(a.journal);
	free_units(done, plan.nunits);
	explore_plan_clear(&plan);
	store_scenario_clear(&srow);
	if (st)
		store_close(st);
	scenario_free(scn);
	return status;
}
