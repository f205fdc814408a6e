/*
 * cli_merge.c - `xipsandbox merge [--db OUT] SHARD.db...`: combine the
 * shards of one split search (explore --shard K/N, each recorded in a
 * database of its own, on any machines) into the result of a single run.
 *
 * Each shard's database keeps the findings of its units (explore.h,
 * struct explore_unit; store.h, exploration_units).  merge reads them
 * all, checks that every shard of the search is there exactly once and
 * complete, that the scenario text and the plan are the ones explored,
 * then folds the units in their order (explore_run with every unit done:
 * nothing is searched again) and prints the report `explore` prints.  The
 * result, its units and its counterexamples are recorded in OUT.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "explore.h"
#include "cli_report.h"
#include "record.h"

static const char merge_help[] =
	"Usage: xipsandbox merge [--db OUT] SHARD.db...\n"
	"Combine the shards of one exploration into the result of a single run.\n"
	"\n"
	"Run each shard anywhere (a job array, GNU parallel, mpirun), each into its\n"
	"own database:\n"
	"  xipsandbox explore three-cpus --version fixed --shard 1/4 --db shard1.db\n"
	"  ...\n"
	"  xipsandbox explore three-cpus --version fixed --shard 4/4 --db shard4.db\n"
	"then merge them:\n"
	"  xipsandbox merge shard1.db shard2.db shard3.db shard4.db\n"
	"The report is the one 'explore' prints without --shard; the exploration,\n"
	"its units and its counterexamples are recorded in OUT.\n"
	"\n"
	"  -v, --version=V    merge the search of this version only (when the databases\n"
	"                     hold the shards of more than one)\n"
	"      --db=PATH      where to record the result (default\n"
	"                     ~/.local/share/xipsandbox/xipsandbox.db)\n"
	"  -h, --help         show this help\n"
	"\n"
	"Exit status: 0 no bad verdict, 1 some bad verdict, 2 usage error, 3 a\n"
	"database is missing, damaged or holds no complete shard of the search.\n";

/* One shard row of one input database. */
struct shard {
	int input;
	long id, scenario_id;
	int k, n, complete;
	long long units, units_done, elapsed_ms;
	char *hash, *version, *mode, *plan;
};

struct merge {
	const char *const *paths;
	struct store **in;
	int ninputs, cur;
	struct shard *rows;
	size_t nrows, cap;
	char *cause;
};

static int collect(void *ctx, const struct store_exploration *e)
{
	struct merge *m = ctx;
	struct shard *s;
	int k, n, end = 0;

	if (!e->shard || !e->plan)
		return 0;
	if (sscanf(e->shard, "%d/%d%n", &k, &n, &end) != 2 || e->shard[end] || k < 1 || k > n)
		return 0;   /* not a shard we wrote; ignore it */
	if (m->nrows == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->rows = xrealloc(m->rows, m->cap * sizeof *m->rows);
	}
	s = &m->rows[m->nrows++];
	memset(s, 0, sizeof *s);
	s->input = m->cur;
	s->id = e->id;
	s->scenario_id = e->scenario_id;
	s->k = k;
	s->n = n;
	s->complete = e->complete;
	s->units = e->units;
	s->units_done = e->units_done;
	s->elapsed_ms = e->elapsed_ms;
	s->hash = xstrdup(e->scenario_hash);
	s->version = xstrdup(e->version);
	s->mode = xstrdup(e->mode);
	s->plan = xstrdup(e->plan);
	return 0;
}

static int same_search(const struct shard *a, const struct shard *b)
{
	return a->n == b->n && !strcmp(a->hash, b->hash) && !strcmp(a->version, b->version) &&
	       !strcmp(a->mode, b->mode) && !strcmp(a->plan, b->plan);
}

struct load {
	struct explore_unit **units;
	size_t nunits;
	const struct shard *s;
	const char *path;
	const struct scenario *scn;
	enum xip_version version;
	char *cause;
};

/* Does shard s hold unit u?  The rule is explore_unit_mine's, not derived again here. */
static int shard_holds(const struct shard *s, size_t u)
{
	struct explore_options o;

	explore_options_init(&o);
	o.shard_k = s->k;
	o.shard_n = s->n;
	return explore_unit_mine(&o, u);
}

static int load_unit(void *ctx, long long unit, const void *bytes, size_t len)
{
	struct load *l = ctx;
	char *why = NULL;

	if (unit < 0 || (unsigned long long)unit >= l->nunits || !shard_holds(l->s, (size_t)unit)) {
		l->cause = xasprintf("%s: shard %d/%d (exploration %ld) holds unit %lld, which is not one of its "
				     "units; the file is damaged: run that shard again", l->path, l->s->k, l->s->n,
				     l->s->id, unit);
		return 1;
	}
	if (l->units[unit]) {
		l->cause = xasprintf("%s: unit %lld comes twice (shard %d/%d); give each shard once", l->path, unit,
				     l->s->k, l->s->n);
		return 1;
	}
	l->units[unit] = xmalloc(sizeof *l->units[unit]);
	if (explore_unit_decode(bytes, len, l->scn->ncpus, l->units[unit], &why) != 0 || !l->units[unit]->complete) {
		l->cause = xasprintf("%s: shard %d/%d, unit %lld: %s; run that shard again", l->path, l->s->k,
				     l->s->n, unit, why ? why : "not complete");
		free(why);
		free(l->units[unit]);
		l->units[unit] = NULL;
		return 1;
	}
	/* a counterexample is printed as found, and as proven minimal: replayed first (issue 17, item 10) */
	if (cli_unit_check(l->scn, l->version, l->units[unit], &why) != 0) {
		l->cause = xasprintf("%s: shard %d/%d (exploration %ld), unit %lld is damaged (changed by another "
				     "program?): %s; nothing was merged or recorded: run that shard again", l->path,
				     l->s->k, l->s->n, l->s->id, unit, why);
		free(why);
		explore_unit_clear(l->units[unit]);
		free(l->units[unit]);
		l->units[unit] = NULL;
		return 1;
	}
	return 0;
}

static enum explore_mode mode_of(const char *name)
{
	for (int m = EXPLORE_REDUCED; m <= EXPLORE_PCT; m++)
		if (!strcmp(name, explore_mode_name((enum explore_mode)m)))
			return (enum explore_mode)m;
	return EXPLORE_RANDOM;   /* never split: refused by the caller */
}

/* Record the merged exploration, its units and counterexamples in OUT. */
static int record_merged(const char *db, const struct scenario *scn, enum xip_version v,
			 const struct explore_options *opt, const struct explore_plan *plan,
			 struct explore_unit *const *units, const struct explore_result *r)
{
	struct store *st = cli_open_store(db, STORE_WRITE);
	struct store_scenario srow = { 0 };
	struct store_exploration e;
	struct store_unit *rows;
	unsigned char **bytes;
	char hash[17], verdicts[256], bounds[96], *cause = NULL;
	int rc = 0, complete;

	if (!st)
		return -1;
	if (record_sync(st, scn, &srow, NULL, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		store_close(st);
		return -1;
	}
	if (explore_found_bad(r) && cli_report_save_cexes(st, &srow, scn, v, r) != 0)
		rc = -1;
	cli_report_row(&e, srow.id, scn, v, opt, r, hash, verdicts, sizeof verdicts, bounds, sizeof bounds);
	e.plan = plan->text;
	e.units = (long long)plan->nunits;
	e.units_done = (long long)plan->nunits;
	rows = xcalloc(plan->nunits, sizeof *rows);
	bytes = xcalloc(plan->nunits, sizeof *bytes);
	for (size_t u = 0; u < plan->nunits; u++) {
		bytes[u] = explore_unit_encode(units[u], &rows[u].len);
		rows[u].unit = (long long)u;
		rows[u].bytes = bytes[u];
	}
	/* the row first as unfinished: it says complete only in the transaction that adds its units */
	complete = e.complete;
	e.complete = 0;
	if (rc == 0 && store_exploration_add(st, &e, &cause) == 0)
		e.complete = complete;
	else if (rc == 0)
		rc = -1;
	if (rc == 0 && store_exploration_update(st, &e, rows, plan->nunits, &cause) != 0)
		rc = -1;
	if (rc != 0 && cause) {
		cli_error("%s", cause);
		free(cause);
		rc = -1;
	}
	if (rc == 0)
		printf("recorded: exploration %ld in %s\n", e.id, store_path(st));
	for (size_t u = 0; u < plan->nunits; u++)
		free(bytes[u]);
	free(bytes);
	free(rows);
	store_scenario_clear(&srow);
	store_close(st);
	return rc;
}

static void free_merge(struct merge *m)
{
	for (size_t i = 0; i < m->nrows; i++) {
		free(m->rows[i].hash);
		free(m->rows[i].version);
		free(m->rows[i].mode);
		free(m->rows[i].plan);
	}
	free(m->rows);
	for (int i = 0; i < m->ninputs; i++)
		if (m->in[i])
			store_close(m->in[i]);
	free(m->in);
	free(m->cause);
}

/* Shard k of the search of s0 (the same scenario text, version, mode and n), split by another plan. */
static const struct shard *split_otherwise(const struct merge *m, const struct shard *s0, int k)
{
	for (size_t i = 0; i < m->nrows; i++) {
		const struct shard *s = &m->rows[i];
		if (s->k == k && s->n == s0->n && !strcmp(s->hash, s0->hash) && !strcmp(s->version, s0->version) &&
		    !strcmp(s->mode, s0->mode) && strcmp(s->plan, s0->plan) != 0)
			return s;
	}
	return NULL;
}

/* Every shard 1..n of the search of rows[first], complete: chosen[k - 1]. */
static int choose_shards(struct merge *m, size_t first, const struct shard **chosen, int quiet)
{
	const struct shard *s0 = &m->rows[first], *other;

	for (int k = 1; k <= s0->n; k++) {
		const struct shard *best = NULL, *unfinished = NULL;
		for (size_t i = 0; i < m->nrows; i++) {
			const struct shard *s = &m->rows[i];
			if (s->k != k || !same_search(s, s0))
				continue;
			if (s->complete && !best)
				best = s;     /* rows come newest first in each file, files in order */
			if (!s->complete && !unfinished)
				unfinished = s;
		}
		if (best) {
			chosen[k - 1] = best;
		} else if (quiet) {
			return -1;
		} else if (unfinished) {
			cli_error("%s: shard %d/%d stopped after %lld of its units (exploration %ld); finish it with "
				  "'xipsandbox explore SCENARIO --version %s --shard %d/%d --resume --db %s'",
				  m->paths[unfinished->input], k, s0->n, unfinished->units_done, unfinished->id,
				  s0->version, k, s0->n, m->paths[unfinished->input]);
			return -1;
		} else if ((other = split_otherwise(m, s0, k)) != NULL) {
			/* B39: it was there, split by other --units or --step-limit: not "missing" */
			cli_error("%s: shard %d/%d (exploration %ld) was split otherwise than shard %d/%d in %s (plan '%s', "
				  "not '%s'): the shards of one search need the same --units and --step-limit; run "
				  "it again with those of the others", m->paths[other->input], k, s0->n, other->id,
				  s0->k, s0->n, m->paths[s0->input], other->plan, s0->plan);
			return -1;
		} else {
			cli_error("shard %d/%d of the search is in none of the databases given; run "
				  "'xipsandbox explore SCENARIO --version %s --shard %d/%d --db FILE' and add FILE",
				  k, s0->n, s0->version, k, s0->n);
			return -1;
		}
	}
	return 0;
}

int cli_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "version", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct merge m;
	const struct shard **chosen = NULL;
	struct explore_unit **units = NULL;
	struct explore_options opt;
	struct explore_plan plan;
	struct explore_result r;
	struct scenario *scn = NULL;
	const char *db = NULL, *m_version = NULL;
	char *cause = NULL, hash[17];
	unsigned target = 0, step_limit = 0;
	size_t first = 0, nunits = 0, count = 0, depth = 0;
	int c, status = CLI_EXIT_INPUT, found = 0, vv, end = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "v:h", opts, NULL)) != -1) {
		switch (c) {
		case 'D': db = optarg; break;
		case 'v':
			if (xip_version_parse(optarg) < 0)
				cli_usage_error("merge: unknown version '%s' (expected buggy, fixed, later or final)", optarg);
			m_version = optarg;
			break;
		case 'h': fputs(merge_help, stdout); exit(0);
		default: cli_usage_error("merge: bad option (see 'xipsandbox merge --help')");
		}
	}
	if (optind >= argc)
		cli_usage_error("merge needs the databases of the shards (see 'xipsandbox merge --help')");
	/* B40: OUT is tried first, not after the whole fold (it is opened again to record) */
	{
		struct store *probe = cli_open_store(db, STORE_WRITE);
		if (!probe)
			return CLI_EXIT_INPUT;
		store_close(probe);
	}
	memset(&m, 0, sizeof m);
	memset(&plan, 0, sizeof plan);
	m.paths = (const char *const *)argv + optind;
	m.ninputs = argc - optind;
	m.in = xcalloc((size_t)m.ninputs, sizeof *m.in);
	for (m.cur = 0; m.cur < m.ninputs; m.cur++) {
		struct stat sb;
		if (stat(m.paths[m.cur], &sb) != 0) {
			cli_error("%s: %s (give the database each 'explore --shard' recorded into with --db)",
				  m.paths[m.cur], strerror(errno));
			goto out;
		}
		if (!(m.in[m.cur] = cli_open_store(m.paths[m.cur], STORE_READ)))
			goto out;
		if (store_exploration_each(m.in[m.cur], 0, collect, &m, &cause) != 0)
			goto fail;
	}
	if (m_version) {
		size_t keep = 0;
		for (size_t i = 0; i < m.nrows; i++) {
			if (strcmp(m.rows[i].version, m_version) == 0) {
				m.rows[keep++] = m.rows[i];
				continue;
			}
			free(m.rows[i].hash);
			free(m.rows[i].version);
			free(m.rows[i].mode);
			free(m.rows[i].plan);
		}
		m.nrows = keep;
	}
	if (m.nrows == 0) {
		cli_error("%s: no shard of any exploration in %s; record shards with 'xipsandbox explore SCENARIO "
			  "--shard K/N --db FILE'", m.paths[0], m.ninputs > 1 ? "these databases" : "this database");
		goto out;
	}
	/*
	 * The databases may hold shards of several searches (other versions,
	 * older runs): the one search whose every shard is there and complete
	 * is merged; none or two such are an error.
	 */
	{
		size_t ncomplete = 0, other = 0;
		for (size_t i = 0; i < m.nrows; i++) {
			int seen = 0;
			for (size_t k = 0; k < i && !seen; k++)
				seen = same_search(&m.rows[k], &m.rows[i]);
			if (seen)
				continue;
			free(chosen);
			chosen = xcalloc((size_t)m.rows[i].n, sizeof *chosen);
			if (choose_shards(&m, i, chosen, 1) != 0)
				continue;
			if (ncomplete++ == 0)
				first = i;
			else
				other = i;
		}
		if (ncomplete > 1) {
			cli_error("the databases hold every shard of more than one search (exploration %ld in %s: %s %s "
				  "search, %d shards; exploration %ld in %s: %s %s search, %d shards); choose one "
				  "with --version, or give the databases of one search", m.rows[first].id, m.paths[m.rows[first].input],
				  m.rows[first].version, m.rows[first].mode, m.rows[first].n, m.rows[other].id,
				  m.paths[m.rows[other].input], m.rows[other].version, m.rows[other].mode,
				  m.rows[other].n);
			goto out;
		}
		free(chosen);
		chosen = xcalloc((size_t)m.rows[first].n, sizeof *chosen);
		if (choose_shards(&m, first, chosen, 0) != 0)   /* none complete: says what the newest lacks */
			goto out;
	}

	/* the scenario as it was explored, and the plan this program makes of it */
	if ((found = cli_stored_scenario(m.in[chosen[0]->input], chosen[0]->scenario_id, &scn, &cause)) < 0)
		goto fail;
	if (!found) {
		cli_error("%s: the scenario of exploration %ld is gone; run the shards again",
			  m.paths[chosen[0]->input], chosen[0]->id);
		goto out;
	}
	if (strcmp(record_hex(scn->hash, hash), chosen[0]->hash) != 0) {
		cli_error("%s: scenario %s has changed since its shards were explored (text %s, explored %s); run "
			  "the shards again", m.paths[chosen[0]->input], scn->name, hash, chosen[0]->hash);
		goto out;
	}
	vv = xip_version_parse(chosen[0]->version);
	if (vv < 0 || sscanf(chosen[0]->plan, "units=%u depth=%zu count=%zu step-limit=%u %n", &target, &depth,
			     &count, &step_limit, &end) != 4 || !end) {
		cli_error("%s: exploration %ld has a plan this xipsandbox does not read ('%s'); merge with the "
			  "xipsandbox that made the shards", m.paths[chosen[0]->input], chosen[0]->id, chosen[0]->plan);
		goto out;
	}
	explore_options_init(&opt);
	opt.mode = mode_of(chosen[0]->mode);
	opt.units = target;
	opt.step_limit = step_limit;
	if (explore_plan_make(scn, (enum xip_version)vv, &opt, &plan, &cause) != 0)
		goto fail;
	if (strcmp(plan.text, chosen[0]->plan) != 0) {
		cli_error("the shards were split by another xipsandbox (plan '%s'; this one makes '%s'); merge with "
			  "that one, or run the shards again", chosen[0]->plan, plan.text);
		goto out;
	}

	/* every unit, once */
	nunits = plan.nunits;
	units = xcalloc(nunits, sizeof *units);
	for (int k = 0; k < chosen[0]->n; k++) {
		struct load l = { units, nunits, chosen[k], m.paths[chosen[k]->input], scn, (enum xip_version)vv, NULL };
		if (store_exploration_units(m.in[chosen[k]->input], chosen[k]->id, load_unit, &l, &cause) != 0)
			goto fail;
		if (l.cause) {
			cli_error("%s", l.cause);
			free(l.cause);
			goto out;
		}
	}
	for (size_t u = 0; u < nunits; u++)
		if (!units[u]) {
			const struct shard *s = NULL;
			for (int k = 0; k < chosen[0]->n && !s; k++)
				if (shard_holds(chosen[k], u))
					s = chosen[k];
			XS_ASSERT(s);   /* every unit is some shard's */
			cli_error("%s: shard %d/%d (exploration %ld) says it is complete but lacks unit %zu; run that "
				  "shard again", m.paths[s->input], s->k, s->n, s->id, u);
			goto out;
		}
	for (int i = 0; i < m.ninputs; i++) {
		store_close(m.in[i]);   /* OUT may be one of them */
		m.in[i] = NULL;
	}

	opt.plan = &plan;
	opt.done = units;
	opt.ndone = nunits;
	if (explore_run(scn, (enum xip_version)vv, &opt, &r, &cause) != 0)
		goto fail;
	/* the time is the shards': what the search took, on however many machines */
	r.seconds = 0;
	for (int k = 0; k < chosen[0]->n; k++)
		r.seconds += (double)chosen[k]->elapsed_ms / 1000;
	cli_report_print(scn, (enum xip_version)vv, NULL, &opt, &r);
	printf("merged:   %d shards from %d database%s (time: the shards' own, added up)\n", chosen[0]->n,
	       m.ninputs, m.ninputs == 1 ? "" : "s");
	status = cli_report_status(&r);
	if (record_merged(db, scn, (enum xip_version)vv, &opt, &plan, units, &r) != 0)
		status = CLI_EXIT_INPUT;
	explore_result_clear(&r);
	goto out;
fail:
	cli_error("%s", cause);
	free(cause);
out:
	if (units)
		for (size_t u = 0; u < nunits; u++)
			if (units[u]) {
				explore_unit_clear(units[u]);
				free(units[u]);
			}
	free(units);
	free(chosen);
	explore_plan_clear(&plan);
	scenario_free(scn);
	free_merge(&m);
	return status;
}
