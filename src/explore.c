/*
 * explore.c - the explorer's driver: runs a search (dpor.c) or random
 * samples, judges every execution that ends, and keeps the counts, the set
 * of distinct final states and the two best counterexamples.
 *
 * Central data: struct explorer, one per explore_run.  The final-state set
 * (explore_states.c) is an open-addressing table of 64-bit
 * kernel_state_hash values (the value 0 is kept aside in a flag), grown at
 * half load.  A unit's findings as bytes are explore_unit.c's.  Counterexamples
 * are copied out of the trace only when they beat the best so far, so the
 * steady state allocates nothing.
 *
 * Random and PCT runs (explore_random.c) choose inside the run, step by
 * step; they share the judging with the systematic search and are
 * deterministic for a seed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "explore-int.h"
#include "sources.h"

#define PROGRESS_EVERY 256 /* executions between looks at the clock */


double ex_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *explore_mode_name(enum explore_mode mode)
{
	static const char *const names[] = { "reduced", "full", "bounded", "random", "pct", "stateful" };

	return (unsigned)mode < sizeof names / sizeof names[0] ? names[mode] : "?";
}

void explore_options_init(struct explore_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->mode = EXPLORE_REDUCED;
	opt->seed = 1;
	opt->pct_depth = 3;
	opt->progress_interval = 0.25;
}

void explore_result_clear(struct explore_result *r)
{
	free(r->shortest.choices);
	free(r->fewest.choices);
	memset(r, 0, sizeof *r);
}

int explore_found_bad(const struct explore_result *r)
{
	for (int k = 0; k < VERDICT_NKINDS; k++)
		if (k != VERDICT_OK && r->verdicts[k])
			return 1;
	return 0;
}

/* ---- judging ------------------------------------------------------------------------ */

/* Is (n, p) better than the counterexample c, by the primary key first? */
static int better(const struct explore_cex *c, size_t n, unsigned p, int by_preemptions)
{
	if (!c->choices)
		return 1;
	if (by_preemptions)
		return p < c->preemptions || (p == c->preemptions && n < c->n);
	return n < c->n || (n == c->n && p < c->preemptions);
}

static void keep_cex(struct explore_cex *c, struct sched *s, unsigned p, enum verdict_kind kind,
		     uint64_t state, unsigned long long nth)
{
	size_t n;
	const struct sched_step *tr = sched_trace(s, &n);

	free(c->choices);
	c->choices = xmalloc((n ? n : 1) * sizeof *c->choices);
	for (size_t i = 0; i < n; i++)
		c->choices[i] = sched_step_choice(&tr[i]);
	c->n = n;
	c->preemptions = p;
	c->verdict = kind;
	c->state = state;
	c->found_at = nth;
}

/* Judge the execution the run holds. */
void ex_judge(struct explorer *ex)
{
	struct explore_result *r = ex->res;
	struct sched *s = kernel_run_sched(ex->run);
	struct kernel_verdict v;
	uint64_t h;
	size_t n = sched_nsteps(s);

	if (ex->opt->visit)
		kernel_run_verdict(ex->run, &v);
	else
		v.kind = kernel_run_verdict_kind(ex->run); /* nothing shows v's text */
	h = kernel_state_hash(ex->run);
	r->executions++;
	r->verdicts[v.kind]++;
	r->states += (unsigned long long)ex_set_add(&ex->set, h);
	if (n > r->max_length)
		r->max_length = n;
	if (v.kind != VERDICT_OK) {
		unsigned p = sched_preemptions(s);
		if (better(&r->shortest, n, p, 0))
			keep_cex(&r->shortest, s, p, v.kind, h, r->executions);
		if (better(&r->fewest, n, p, 1))
			keep_cex(&r->fewest, s, p, v.kind, h, r->executions);
		if (ex->opt->stop_at_first)
			ex->stop = EXPLORE_FIRST;
	}
	if (ex->opt->visit)
		ex->opt->visit(ex->opt->ctx, ex->run, &v, h);
}

/* Between executions: limits, Ctrl-C, progress.  Returns non-zero to stop. */
int ex_should_stop(struct explorer *ex)
{
	const struct explore_options *o = ex->opt;

	ex->runs++;
	if (!ex->stop && o->interrupt && *o->interrupt)
		ex->stop = EXPLORE_INTERRUPTED;
	if (!ex->stop && ex->limit && ex->res->executions >= ex->limit)
		ex->stop = EXPLORE_LIMIT;
	if (o->progress && ex->runs % PROGRESS_EVERY == 0) {
		double t = ex_now();
		if (t >= ex->next_progress) {
			ex->next_progress = t + (o->progress_interval > 0 ? o->progress_interval : 0.25);
			if (ex->base) {
				struct explore_result sum = *ex->base;
				ex_result_add_counts(&sum, ex->res);
				o->progress(o->ctx, &sum, t - ex->t0);
			} else {
				o->progress(o->ctx, ex->res, t - ex->t0);
			}
		}
	}
	return ex->stop;
}

/* ---- systematic searches ------------------------------------------------------------ */

/* Run the search x (initialised, not yet started) to its end, judging every execution; frees x. */
static int run_prepared(struct explorer *ex, struct ex_search *x_, int bound, int exact, char **cause)
{
	struct ex_search x = *x_;
	int r;

	while ((r = ex_search_next(&x, cause)) != EX_SEARCH_DONE) {
		if (r == EX_SEARCH_ERROR)
			break;
		if (r == EX_SEARCH_UNIT) {
			/* a unit of its own, searched apart; unit 0 walks the whole top past
			   them, so a signal is looked at here too */
			if (ex_should_stop(ex))
				break;
			continue;
		}
		if (r == EX_SEARCH_CUT) {
			ex->res->blocked++;
		} else if (r == EX_SEARCH_MATCHED) {
			/* counted by the search */
		} else if (exact && ex_search_preemptions(&x) != (unsigned)bound) {
			ex->res->skipped++; /* a lower bound counted it */
		} else {
			ex_judge(ex);
			if (bound >= 0)
				ex->res->per_bound[bound]++;
		}
		if (ex_should_stop(ex))
			break;
	}
	ex->res->steps += x.steps;
	ex->res->fallbacks += x.fallbacks;
	ex->res->matched += x.matched;
	ex->res->resumed += x.restores;
	ex->res->rematched += x.rematched;
	ex->res->sum_races += x.sum_races;
	ex->res->sum_widened += x.sum_widened;
	ex->res->stop_kept += x.stop_kept;
	ex->res->stateless |= x.unhashable;
	ex_search_free(&x);
	return r == EX_SEARCH_ERROR ? -1 : 0;
}

static int run_search(struct explorer *ex, int reduce, int bound, int exact, char **cause)
{
	struct ex_search x;

	ex_search_init(&x, ex->run, kernel_run_scenario(ex->run), kernel_run_version(ex->run), reduce, bound);
	x.snapshots = !ex->opt->no_checkpoints;
	return run_prepared(ex, &x, bound, exact, cause);
}

/*
 * The stateful search: every reachable state once (sleep sets with a
 * table of visited states, dpor.c).  Its end states are judged once each,
 * so executions counts distinct ends plus nothing else; its verdict
 * kinds, final states and shortest counterexample are the full search's.
 */
static int run_stateful(struct explorer *ex, char **cause)
{
	struct ex_search x;
	struct ex_states t;
	int rc;

	ex_states_init(&t, (size_t)(ex->opt->max_memory ? ex->opt->max_memory : EXPLORE_DEFAULT_MAX_MEMORY));
	ex_search_init(&x, ex->run, kernel_run_scenario(ex->run), kernel_run_version(ex->run),
		       !ex->opt->stateful_plain, -1);
	x.snapshots = !ex->opt->no_checkpoints;
	ex_search_set_states(&x, &t);
	rc = run_prepared(ex, &x, -1, 0, cause);
	ex->res->stored = t.n;
	ex->res->unstored = t.refused + t.sum_refused;
	ex->res->table_bytes = t.bytes;
	ex->res->summaries = t.nsum;
	ex_states_free(&t);
	return rc;
}

static int run_bounded(struct explorer *ex, int bound, char **cause)
{
	for (int k = 0; k <= bound; k++) {
		if (run_search(ex, 0, k, 1, cause) != 0)
			return -1;
		if (ex->stop)
			return 0;
		ex->res->bound_done = k;
	}
	return 0;
}

/*
 * The reduced search runs one schedule per trace, and a trace's schedules
 * differ in preemptions: the fewest-preemptions counterexample it found
 * (P preemptions) need not be the fewest there are.  Bounded passes
 * k = 0..P-1, stopping at the first bad verdict, settle it (for P up to
 * EXPLORE_PROVE_FEWEST; they are cheap for small k).  Their executions are
 * counted apart and their states are not added.
 */
static int prove_fewest(struct explorer *ex, char **cause)
{
	struct explore_result *r = ex->res, tmp;
	struct explore_options o = *ex->opt;
	struct explorer sub;
	int rc;

	if (!r->fewest.choices || r->end != EXPLORE_COMPLETE || r->fewest.preemptions > EXPLORE_PROVE_FEWEST)
		return 0;
	if (r->fewest.preemptions == 0) {
		r->fewest_proven = 1;
		return 0;
	}
	o.visit = NULL;
	o.progress = NULL;
	o.stop_at_first = 1;
	o.max_executions = 0;
	memset(&tmp, 0, sizeof tmp);
	tmp.bound_done = -1;
	sub = *ex;
	sub.opt = &o;
	sub.res = &tmp;
	memset(&sub.set, 0, sizeof sub.set);
	sub.stop = 0;
	sub.limit = 0;
	sub.base = NULL;
	rc = run_bounded(&sub, (int)r->fewest.preemptions - 1, cause);
	ex_set_free(&sub.set);
	r->proof_runs = tmp.executions + tmp.skipped;
	r->steps += tmp.steps;
	if (rc == 0 && sub.stop == EXPLORE_FIRST) {
		free(r->fewest.choices);
		r->fewest = tmp.fewest;       /* found at the lowest bound: minimal */
		r->fewest.found_at = 0;
		tmp.fewest.choices = NULL;
		r->fewest_proven = 1;
	} else if (rc == 0 && !sub.stop) {
		r->fewest_proven = 1;
	}   /* interrupted: the search itself was complete; the claim stays unproven */
	explore_result_clear(&tmp);
	return rc;
}

/* ---- split searches: plans, units, folding ------------------------------------------ */

void ex_result_add_counts(struct explore_result *sum, const struct explore_result *add)
{
	sum->executions += add->executions;
	sum->blocked += add->blocked;
	sum->skipped += add->skipped;
	sum->steps += add->steps;
	sum->fallbacks += add->fallbacks;
	for (int k = 0; k < VERDICT_NKINDS; k++)
		sum->verdicts[k] += add->verdicts[k];
}

void ex_result_add_unit(struct explore_result *sum, const struct explore_unit *u)
{
	sum->executions += u->executions;
	sum->blocked += u->blocked;
	sum->steps += u->steps;
	sum->fallbacks += u->fallbacks;
	for (int k = 0; k < VERDICT_NKINDS; k++)
		sum->verdicts[k] += u->verdicts[k];
	if (u->max_length > sum->max_length)
		sum->max_length = u->max_length;
}

void explore_plan_clear(struct explore_plan *plan)
{
	free(plan->prefix);
	free(plan->sleep);
	memset(plan, 0, sizeof *plan);
}

int explore_unit_mine(const struct explore_options *opt, size_t u)
{
	return opt->shard_n <= 1 || u % (size_t)opt->shard_n == (size_t)(opt->shard_k - 1);
}

void explore_unit_clear(struct explore_unit *u)
{
	free(u->states);
	free(u->shortest.choices);
	free(u->fewest.choices);
	memset(u, 0, sizeof *u);
}

/*
 * The units of a top search of `depth` steps: how many, and (plan not
 * NULL) their prefixes and sleep sets, in the order the search meets them.
 */
static int top_units(struct kernel_run *run, const struct scenario *scn, enum xip_version v, int reduce,
		     size_t depth, size_t *count, struct explore_plan *plan, unsigned long long *steps,
		     volatile sig_atomic_t *interrupt, char **cause)
{
	struct ex_search x;
	size_t cap = 0;
	int r;

	*count = 0;
	ex_search_init(&x, run, scn, v, reduce, -1);
	ex_search_set_top(&x, depth);
	while ((r = ex_search_next(&x, cause)) != EX_SEARCH_DONE) {
		if (r == EX_SEARCH_ERROR || (interrupt && *interrupt))
			break;
		if (r != EX_SEARCH_UNIT)
			continue;
		if (plan) {
			if (*count == cap) {
				cap = cap ? 2 * cap : 64;
				plan->prefix = xrealloc(plan->prefix, cap * depth);
				plan->sleep = xrealloc(plan->sleep, cap);
			}
			memcpy(plan->prefix + *count * depth, x.unit_prefix, depth);
			plan->sleep[*count] = x.unit_sleep;
		}
		++*count;
	}
	*steps += x.steps;
	ex_search_free(&x);
	return r == EX_SEARCH_ERROR ? -1 : r != EX_SEARCH_DONE ? EXPLORE_PLAN_STOPPED : 0;
}

/*
 * A digest of the simulated kernel's text as built into this program: two
 * builds whose kernels differ make different plans, so their units are
 * never resumed or merged together even when their version numbers agree.
 */
static uint32_t model_digest(void)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const struct embedded_source *e = embedded_sources; e->name; e++)
		for (const char *p = e->text; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

/*
 * The depth of the split: the smallest whose top has at least `target`
 * units, found by one probing top search (a level that reaches the target
 * stops the probe going deeper).  When no level up to
 * EXPLORE_MAX_SPLIT_DEPTH has that many, the search is small: 0, unsplit.
 */
static int probe_depth(struct kernel_run *run, const struct scenario *scn, enum xip_version v, int reduce,
		       unsigned target, size_t *depth, unsigned long long *steps, volatile sig_atomic_t *interrupt,
		       char **cause)
{
	struct ex_search x;
	int r;

	*depth = 0;
	ex_search_init(&x, run, scn, v, reduce, -1);
	ex_search_set_probe(&x, EXPLORE_MAX_SPLIT_DEPTH, target);
	while ((r = ex_search_next(&x, cause)) != EX_SEARCH_DONE)
		if (r == EX_SEARCH_ERROR || (interrupt && *interrupt))
			break;
	for (size_t d = 1; r == EX_SEARCH_DONE && d <= x.top; d++)
		if (x.level[d] >= target) {
			*depth = d;
			break;
		}
	*steps += x.steps;
	ex_search_free(&x);
	return r == EX_SEARCH_ERROR ? -1 : r != EX_SEARCH_DONE ? EXPLORE_PLAN_STOPPED : 0;
}

int explore_plan_make(const struct scenario *scn, enum xip_version version,
		      const struct explore_options *opt, struct explore_plan *plan, char **cause)
{
	struct kernel_run *run;
	unsigned target = opt->units ? opt->units : EXPLORE_DEFAULT_UNITS;
	unsigned limit = opt->step_limit ? opt->step_limit : SCHED_DEFAULT_STEP_LIMIT;
	int reduce = opt->mode == EXPLORE_REDUCED;
	size_t depth = 0, count = 0;
	unsigned long long steps = 0;
	double t0 = ex_now();
	int rc = 0;

	memset(plan, 0, sizeof *plan);
	if (opt->mode != EXPLORE_REDUCED && opt->mode != EXPLORE_FULL)
		return util_errf(cause, "explore: only the reduced and the full searches are split into units");
	if (target > EXPLORE_MAX_UNITS)
		return util_errf(cause, "explore: at most %d units, not %u", EXPLORE_MAX_UNITS, target);
	run = kernel_run_new();
	sched_set_step_limit(kernel_run_sched(run), limit);
	kernel_run_set_without(run, opt->without);
	if (kernel_run_start(run, scn, version, cause) != 0) {
		kernel_run_free(run);
		return -1;
	}
	/* the shallowest top that gives enough units (0: one unit, the whole search) */
	if (target > 1)
		rc = probe_depth(run, scn, version, reduce, target, &depth, &steps, opt->interrupt, cause);
	if (rc == 0 && depth > 0) {
		rc = top_units(run, scn, version, reduce, depth, &count, plan, &steps, opt->interrupt, cause);
	} else if (rc == 0) {
		count = 1;
		plan->prefix = xmalloc(1);
		plan->sleep = xcalloc(1, 1);
	}
	kernel_run_free(run);
	if (rc != 0) {
		explore_plan_clear(plan);
		plan->steps = steps;   /* stopped: what it cost so far, for the report */
		plan->seconds = ex_now() - t0;
		return rc;
	}
	plan->target = target;
	plan->depth = depth;
	plan->nunits = count + 1;
	plan->steps = steps;
	plan->seconds = ex_now() - t0;
	snprintf(plan->text, sizeof plan->text, "units=%u depth=%zu count=%zu step-limit=%u engine=%s/%d/%08x",
		 target, depth, plan->nunits, limit, PACKAGE_VERSION, KERNEL_STATE_HASH_FORMAT,
		 (unsigned)model_digest());
	return 0;
}

/* Move what the explorer of a unit found into *u. */
static void unit_from(struct explore_unit *u, struct explore_result *r, const struct ex_set *set, int complete)
{
	memset(u, 0, sizeof *u);
	u->complete = complete;
	u->executions = r->executions;
	u->blocked = r->blocked;
	u->steps = r->steps;
	u->fallbacks = r->fallbacks;
	memcpy(u->verdicts, r->verdicts, sizeof u->verdicts);
	u->max_length = r->max_length;
	u->states = ex_set_sorted(set, &u->nstates);
	u->shortest = r->shortest;
	u->fewest = r->fewest;
	r->shortest.choices = r->fewest.choices = NULL;
}

int ex_unit_run(const struct ex_units *eu, const struct explore_options *opt, size_t u,
		const struct explore_result *base, unsigned long long limit, struct explore_unit *out,
		int *stop, char **cause)
{
	const struct explore_plan *plan = eu->plan;
	struct explorer sub;
	struct explore_result tmp;
	struct ex_search x;
	int rc = 0;

	memset(out, 0, sizeof *out);
	*stop = 0;
	XS_ASSERT(u < plan->nunits);
	memset(&tmp, 0, sizeof tmp);
	tmp.mode = opt->mode;
	tmp.bound_done = -1;
	memset(&sub, 0, sizeof sub);
	sub.opt = opt;
	sub.res = &tmp;
	sub.run = eu->run;
	sub.t0 = eu->t0;
	sub.next_progress = ex_now() + (opt->progress_interval > 0 ? opt->progress_interval : 0.25);
	sub.limit = limit;
	sub.base = base;
	if (u > 0 || plan->depth > 0) {
		ex_search_init(&x, eu->run, eu->scn, eu->version, eu->reduce, -1);
		x.snapshots = !opt->no_checkpoints;
		if (u == 0)
			ex_search_set_top(&x, plan->depth);
		else
			ex_search_set_unit(&x, plan->prefix + (u - 1) * plan->depth, plan->depth, plan->sleep[u - 1]);
		rc = run_prepared(&sub, &x, -1, 0, cause);
	}
	if (rc == 0) {
		unit_from(out, &tmp, &sub.set, !sub.stop);
		*stop = sub.stop;
	}
	ex_set_free(&sub.set);
	explore_result_clear(&tmp);
	return rc;
}

/* Add unit u's findings to the result; units are folded in index order. */
static void fold_unit(struct explore_result *r, struct ex_set *set, const struct explore_unit *u)
{
	unsigned long long before = r->executions;
	const struct explore_cex *cex[2] = { &u->shortest, &u->fewest };
	struct explore_cex *best[2] = { &r->shortest, &r->fewest };

	ex_result_add_unit(r, u);
	for (size_t i = 0; i < u->nstates; i++)
		r->states += (unsigned long long)ex_set_add(set, u->states[i]);
	for (int k = 0; k < 2; k++) {
		const struct explore_cex *c = cex[k];
		/* strictly better only: of equals, the one met first in unit order stays */
		if (!c->choices || !better(best[k], c->n, c->preemptions, k))
			continue;
		free(best[k]->choices);
		*best[k] = *c;
		best[k]->choices = xmalloc((c->n ? c->n : 1) * sizeof *c->choices);
		memcpy(best[k]->choices, c->choices, c->n * sizeof *c->choices);
		best[k]->found_at = before + c->found_at;
	}
}

static int run_split(struct explorer *ex, const struct scenario *scn, enum xip_version v, char **cause)
{
	const struct explore_options *o = ex->opt;
	struct explore_result *res = ex->res, base;
	struct explore_plan own;
	const struct explore_plan *plan = o->plan;
	struct explore_unit **results;
	struct ex_units eu;
	size_t *todo, ntodo = 0, n;
	int rc = 0, stop = 0;

	if (!plan) {
		int made = explore_plan_make(scn, v, o, &own, cause);
		if (made == EXPLORE_PLAN_STOPPED) {
			/* interrupted while planning: nothing searched, the plan's steps reported */
			res->steps = res->plan_steps = own.steps;
			ex->plan_seconds = own.seconds;
			ex->stop = EXPLORE_INTERRUPTED;
			return 0;
		}
		if (made != 0)
			return -1;
		plan = &own;
	}
	n = plan->nunits;
	results = xcalloc(n, sizeof *results);
	todo = xmalloc(n * sizeof *todo);
	memset(&base, 0, sizeof base);
	base.mode = o->mode;
	base.units = n;
	for (size_t u = 0; u < n; u++) {
		const struct explore_unit *d = u < o->ndone ? o->done[u] : NULL;
		if (!explore_unit_mine(o, u))
			continue;
		res->units_mine++;
		if (d && d->complete) {
			ex_result_add_unit(&base, d);
			base.units_done++;
			res->units_loaded++;
		} else {
			todo[ntodo++] = u;
		}
	}
	base.units_mine = res->units_mine;
	base.units_loaded = res->units_loaded;
	memset(&eu, 0, sizeof eu);
	eu.scn = scn;
	eu.version = v;
	eu.plan = plan;
	eu.run = ex->run;
	eu.reduce = o->mode == EXPLORE_REDUCED;
	eu.t0 = ex->t0;
	if (o->jobs > 1 && ntodo > 1) {
		rc = ex_jobs_run(&eu, o, todo, ntodo, results, &base, &stop, cause);
	} else {
		for (size_t i = 0; i < ntodo && rc == 0 && !stop; i++) {
			size_t u = todo[i];
			unsigned long long limit = 0;
			if (o->max_executions) {
				if (base.executions >= o->max_executions) {
					stop = EXPLORE_LIMIT;
					break;
				}
				limit = o->max_executions - base.executions;
			}
			if (!stop && o->interrupt && *o->interrupt) {
				stop = EXPLORE_INTERRUPTED;
				break;
			}
			results[u] = xmalloc(sizeof *results[u]);
			rc = ex_unit_run(&eu, o, u, &base, limit, results[u], &stop, cause);
			if (rc != 0) {
				free(results[u]);
				results[u] = NULL;
				break;
			}
			if (results[u]->complete) {
				ex_result_add_unit(&base, results[u]);
				base.units_done++;
				if (o->unit_done && o->unit_done(o->ctx, u, results[u], cause) != 0)
					rc = -1;
			}
		}
	}
	/* fold in unit order: the counts and counterexamples do not depend on who ran what when */
	for (size_t u = 0; u < n && rc == 0; u++) {
		const struct explore_unit *d = results[u] ? results[u] : u < o->ndone ? o->done[u] : NULL;
		if (!d || !explore_unit_mine(o, u))
			continue;
		fold_unit(res, &ex->set, d);
		res->units_done += (size_t)d->complete;
	}
	res->units = n;
	res->split_depth = plan->depth;
	res->steps += plan->steps;      /* the plan's searches are part of the work */
	res->plan_steps = plan->steps;
	ex->plan_seconds = plan->seconds;
	/* every unit of ours ran to its end unless the search stopped */
	XS_ASSERT(rc != 0 || stop || res->units_done >= res->units_mine);
	ex->stop = stop;
	for (size_t u = 0; u < n; u++)
		if (results[u]) {
			explore_unit_clear(results[u]);
			free(results[u]);
		}
	free(results);
	free(todo);
	if (plan == &own)
		explore_plan_clear(&own);
	return rc;
}

/* ---- the API ----------------------------------------------------------------------- */

int explore_run(const struct scenario *scn, enum xip_version version,
		const struct explore_options *opt, struct explore_result *out, char **cause)
{
	struct explorer ex;
	int r = 0, split = opt->mode == EXPLORE_REDUCED || opt->mode == EXPLORE_FULL;
	int sharded = opt->shard_n > 1;

	memset(out, 0, sizeof *out);
	if (!split && (opt->jobs > 1 || opt->shard_n > 1 || opt->ndone))
		return util_errf(cause, "explore: only the reduced and the full searches are split over processes, "
				 "shards or sessions");
	if (opt->shard_n > 0 && (opt->shard_k < 1 || opt->shard_k > opt->shard_n))
		return util_errf(cause, "explore: shard %d of %d does not exist", opt->shard_k, opt->shard_n);
	if (opt->mode == EXPLORE_BOUNDED && (opt->preemptions < 0 || opt->preemptions > EXPLORE_MAX_BOUND))
		return util_errf(cause, "explore: a preemption bound must be 0 to %d, not %d",
				 EXPLORE_MAX_BOUND, opt->preemptions);
	memset(&ex, 0, sizeof ex);
	out->mode = opt->mode;
	out->bound_done = -1;
	ex.opt = opt;
	ex.res = out;
	ex.run = kernel_run_new();
	ex.t0 = ex_now();
	ex.limit = opt->max_executions;
	ex.next_progress = ex.t0 + (opt->progress_interval > 0 ? opt->progress_interval : 0.25);
	sched_set_step_limit(kernel_run_sched(ex.run), opt->step_limit ? opt->step_limit : SCHED_DEFAULT_STEP_LIMIT);
	kernel_run_set_without(ex.run, opt->without);
	/* one start up front: a world that cannot be built is an error before any search */
	if (kernel_run_start(ex.run, scn, version, cause) != 0) {
		r = -1;
	} else {
		switch (opt->mode) {
		case EXPLORE_REDUCED:
			r = run_split(&ex, scn, version, cause);
			out->end = ex.stop ? (enum explore_end)ex.stop : EXPLORE_COMPLETE;
			if (r == 0 && !sharded)
				r = prove_fewest(&ex, cause);
			break;
		case EXPLORE_FULL:
			r = run_split(&ex, scn, version, cause);
			out->fewest_proven = !ex.stop && !sharded;
			break;
		case EXPLORE_BOUNDED:
			r = run_bounded(&ex, opt->preemptions, cause);
			out->fewest_proven = 1;   /* bounds go up one at a time */
			break;
		case EXPLORE_STATEFUL:
			r = run_stateful(&ex, cause);
			out->end = ex.stop ? (enum explore_end)ex.stop : EXPLORE_COMPLETE;
			if (r == 0)
				r = prove_fewest(&ex, cause);
			break;
		case EXPLORE_RANDOM:
		case EXPLORE_PCT: r = ex_run_sampled(&ex, scn, version, cause); break;
		}
	}
	out->end = ex.stop ? (enum explore_end)ex.stop : EXPLORE_COMPLETE;
	/* every trace was run, and all schedules of a trace have the same length */
	out->shortest_proven = out->end == EXPLORE_COMPLETE && !sharded &&
			       (opt->mode == EXPLORE_REDUCED || opt->mode == EXPLORE_FULL ||
				opt->mode == EXPLORE_STATEFUL);
	out->seconds = ex_now() - ex.t0;
	if (opt->plan)
		out->seconds += ex.plan_seconds;  /* made before us: its time counts too */
	ex_set_free(&ex.set);
	kernel_run_free(ex.run);
	if (r != 0)
		explore_result_clear(out);
	return r;
}
