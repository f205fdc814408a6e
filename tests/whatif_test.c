/*
 * whatif_test.c - the lesson's what-ifs kept out of the seed's file
 * (whatif-*).  The fixed version with ingredients of its fix switched off
 * runs src/kernel/filemap_xip_whatif.c, a copy of filemap_xip_fixed.c with
 * WITHOUT switches; filemap_xip_fixed.c is the seed's code alone.
 *
 * The oracle is the fixed version itself: on every shipped scenario
 * (scenarios/NAME.scn, read from the directory, so a new one is covered),
 * under the sequential and round-robin policies, a few pseudo-random
 * choosers, every scenario's expectation schedules and every named
 * schedule of its NAME.sched, the what-if ops with nothing switched off
 * (forced: kernel_run_force_whatif) must give the fixed ops' run exactly:
 * each step's CPU, op, object, value, enabled set, site function, label and
 * text, the trace hashes of both formats, the final state, the console and
 * the verdict.  Then: which ops a start picks, the what-if sites' lines at
 * c94cba6 (legacy.c), and the embedded text of the two files.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enum.h"
#include "kernel-int.h"
#include "legacy.h"
#include "schedule.h"
#include "shipped.h"
#include "sources.h"
#include "tap.h"

#define MAX_SCN 64
#define NCHOOSERS 16   /* pseudo-random choosers per scenario, beside the two policies */

static const char *scenario_dir(void)
{
	const char *d = getenv("XS_SRCDIR");
	static char buf[1024];

	snprintf(buf, sizeof buf, "%s/scenarios", d ? d : ".");
	return buf;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shipped scenarios' names ("classic"), sorted; returns how many. */
static int shipped_names(char **names)
{
	DIR *d = opendir(scenario_dir());
	struct dirent *e;
	int n = 0;

	if (!d)
		fatal("%s: cannot list", scenario_dir());
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".scn") == 0 && n < MAX_SCN)
			names[n++] = xasprintf("%.*s", (int)(len - 4), e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, by_name);
	return n;
}

/* Lines of the file at path that begin "schedule " (0 when there is no file): an independent count. */
static int schedule_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		n += strncmp(line, "schedule ", 9) == 0;
	fclose(f);
	return n;
}

/* How a run is driven: a policy (0 sequential, 1 round robin), a chooser's seed (2+), or a schedule. */
struct drive {
	int how;
	const struct schedule *sch;
	char name[96];
};

/* Start the fixed version of scn on run and drive it; -1 with *cause as the program would. */
static int execute(struct kernel_run *run, const struct scenario *scn, const struct drive *d, char **cause)
{
	struct sched *s;
	uint64_t seed = (uint64_t)d->how;

	if (kernel_run_start(run, scn, XIP_FIXED, cause) != 0)
		return -1;
	s = kernel_run_sched(run);
	if (d->sch)
		return schedule_run(s, d->sch, cause);
	if (d->how < 2)
		return sched_run(s, NULL, 0, d->how ? SCHED_POLICY_ROUND_ROBIN : SCHED_POLICY_SEQUENTIAL, cause);
	return sched_run_with(s, enum_random_choose, &seed, cause);
}

static int in_file(const struct sched_site *site, const char *name)
{
	const char *b = strrchr(site->file, '/');

	return strcmp(b ? b + 1 : site->file, name) == 0;
}

static int is_whatif_site(const struct sched_site *site)
{
	return in_file(site, "filemap_xip_whatif.c");
}

/* How many sites of the same file share site's (func, label) and come before it. */
static int site_rank(const struct sched_site *const *all, size_t n, const struct sched_site *site)
{
	const char *b = strrchr(site->file, '/');
	int rank = 0;

	for (size_t i = 0; i < n; i++)
		rank += in_file(all[i], b ? b + 1 : site->file) && strcmp(all[i]->func, site->func) == 0 &&
			strcmp(all[i]->label, site->label) == 0 && all[i]->line < site->line;
	return rank;
}

struct tally {
	int compared, wrong_ops, trace_differ, verdict_differ, other_differ;
	long whatif_steps_b, whatif_steps_a;
	char trace_first[512], verdict_first[512], other_first[512];
};

static void note(int *count, char *first, size_t len, const char *who, const char *what)
{
	if ((*count)++ == 0)
		snprintf(first, len, "%.190s: %.310s", who, what);
}

/* The first step where the two traces differ, described into why; 0 when they are the same. */
static int trace_differs(struct kernel_run *a, struct kernel_run *b, char *why, size_t len)
{
	size_t na, nb;
	const struct sched_step *ta = sched_trace(kernel_run_sched(a), &na);
	const struct sched_step *tb = sched_trace(kernel_run_sched(b), &nb);
	char xa[320], xb[320], wa[96], wb[96];

	for (size_t i = 0; i < na && i < nb; i++) {
		const struct sched_step *p = &ta[i], *q = &tb[i];
		kernel_step_text(a, p, xa, sizeof xa);
		kernel_step_text(b, q, xb, sizeof xb);
		kernel_site_where(p->site, wa, sizeof wa);
		kernel_site_where(q->site, wb, sizeof wb);
		if (p->cpu != q->cpu || p->op != q->op || p->obj != q->obj || p->has_value != q->has_value ||
		    (p->has_value && p->value != q->value) || p->enabled != q->enabled ||
		    strcmp(p->site->func, q->site->func) != 0 || strcmp(p->site->label, q->site->label) != 0 ||
		    strcmp(p->site->what, q->site->what) != 0 || strcmp(xa, xb) != 0 || strcmp(wa, wb) != 0) {
			snprintf(why, len, "step %zu: CPU%d %s:%s \"%s\" / CPU%d %s:%s \"%s\"", i + 1, p->cpu,
				 p->site->func, p->site->label, xa, q->cpu, q->site->func, q->site->label, xb);
			return 1;
		}
	}
	if (na != nb) {
		snprintf(why, len, "%zu steps / %zu steps", na, nb);
		return 1;
	}
	return 0;
}

static int verdict_differs(struct kernel_run *a, struct kernel_run *b, char *why, size_t len)
{
	struct kernel_verdict va, vb;

	kernel_run_verdict(a, &va);
	kernel_run_verdict(b, &vb);
	snprintf(why, len, "%s / %s", va.headline, vb.headline);
	return va.kind != vb.kind || strcmp(va.headline, vb.headline) != 0 || strcmp(va.details, vb.details) != 0 ||
	       strcmp(va.notes, vb.notes) != 0 || va.damage_step != vb.damage_step ||
	       kernel_run_verdict_kind(a) != kernel_run_verdict_kind(b);
}

/* Hashes of both trace formats, the final state, how it ended, the console. */
static int rest_differs(struct kernel_run *a, struct kernel_run *b, char *why, size_t len)
{
	const struct sched *sa = kernel_run_sched(a), *sb = kernel_run_sched(b);
	uint64_t la = 0, lb = 0;
	int ra = legacy_trace_hash(sa, &la), rb = legacy_trace_hash(sb, &lb);

	snprintf(why, len, "trace hash %016llx / %016llx, format 1 %d %016llx / %d %016llx, state %016llx / %016llx",
		 (unsigned long long)sched_trace_hash(sa), (unsigned long long)sched_trace_hash(sb), ra,
		 (unsigned long long)la, rb, (unsigned long long)lb, (unsigned long long)kernel_state_hash(a),
		 (unsigned long long)kernel_state_hash(b));
	return sched_trace_hash(sa) != sched_trace_hash(sb) || ra != rb || la != lb ||
	       kernel_state_hash(a) != kernel_state_hash(b) || sched_end_reason(sa) != sched_end_reason(sb) ||
	       strcmp(kernel_console(a), kernel_console(b)) != 0;
}

/* Drive scn the same way on the fixed ops (a) and the what-if ops with nothing off (b), and compare. */
static void compare(struct tally *t, struct kernel_run *a, struct kernel_run *b, const struct scenario *scn,
		    const struct drive *d)
{
	char *ca = NULL, *cb = NULL, who[192], why[1024];
	int ra, rb;
	size_t n;
	const struct sched_step *st;

	snprintf(who, sizeof who, "%s, %s", scn->name, d->name);
	kernel_run_force_whatif(b, 1);
	ra = execute(a, scn, d, &ca);
	rb = execute(b, scn, d, &cb);
	t->compared++;
	if (kernel_run_world(a)->xip != &xip_ops_fixed || kernel_run_world(b)->xip != &xip_ops_whatif)
		t->wrong_ops++;
	if (ra != rb || (ca == NULL) != (cb == NULL) || (ca && strcmp(ca, cb) != 0)) {
		snprintf(why, sizeof why, "%d %s / %d %s", ra, ca ? ca : "", rb, cb ? cb : "");
		note(&t->other_differ, t->other_first, sizeof t->other_first, who, why);
	}
	free(ca);
	free(cb);
	if (trace_differs(a, b, why, sizeof why))
		note(&t->trace_differ, t->trace_first, sizeof t->trace_first, who, why);
	if (verdict_differs(a, b, why, sizeof why))
		note(&t->verdict_differ, t->verdict_first, sizeof t->verdict_first, who, why);
	if (rest_differs(a, b, why, sizeof why))
		note(&t->other_differ, t->other_first, sizeof t->other_first, who, why);
	st = sched_trace(kernel_run_sched(a), &n);
	for (size_t i = 0; i < n; i++)
		t->whatif_steps_a += is_whatif_site(st[i].site);
	st = sched_trace(kernel_run_sched(b), &n);
	for (size_t i = 0; i < n; i++)
		t->whatif_steps_b += is_whatif_site(st[i].site);
}

static void compare_text(struct tally *t, struct kernel_run *a, struct kernel_run *b, const struct scenario *scn,
			 const char *text, const char *name)
{
	struct drive d = { 0, NULL, "" };
	struct schedule *sch;
	char *cause = NULL;

	if (schedule_parse(text, kernel_symbol_value, &sch, &cause) != 0)
		fatal("%s: %s: %s", scn->name, name, cause);
	d.sch = sch;
	snprintf(d.name, sizeof d.name, "%s", name);
	compare(t, a, b, scn, &d);
	schedule_free(sch);
}

/* whatif-1.*: the what-if ops with nothing switched off are the fixed version. */
static void test_same_as_fixed(void)
{
	char *names[MAX_SCN];
	int nscn = shipped_names(names), named = 0, named_lines = 0, expects = 0;
	struct kernel_run *a = kernel_run_new(), *b = kernel_run_new();
	struct tally t;

	memset(&t, 0, sizeof t);
	for (int i = 0; i < nscn; i++) {
		char *path = xasprintf("%s/%s.scn", scenario_dir(), names[i]), *cause = NULL;
		struct shipped_file *f = NULL;
		struct scenario *scn;

		if (scenario_load(path, &scn, &cause) != 0)
			fatal("%s", cause);
		free(path);
		for (int how = 0; how < 2 + NCHOOSERS; how++) {
			struct drive d = { how, NULL, "" };
			snprintf(d.name, sizeof d.name, how == 0 ? "sequential" : how == 1 ? "round robin" : "chooser seed %d", how);
			compare(&t, a, b, scn, &d);
		}
		for (int v = 0; v < XIP_NVERSIONS; v++) {
			char name[96];
			if (!scn->expect[v].set || !scn->expect[v].schedule)
				continue;
			snprintf(name, sizeof name, "the %s expectation's schedule", xip_version_name((enum xip_version)v));
			compare_text(&t, a, b, scn, scn->expect[v].schedule, name);
			expects++;
		}
		path = xasprintf("%s/%s.sched", scenario_dir(), names[i]);
		named_lines += schedule_lines(path);
		if (shipped_load(path, &f, &cause) < 0)
			fatal("%s", cause);
		for (int k = 0; f && k < f->n; k++) {
			char name[96];
			snprintf(name, sizeof name, "schedule '%s'", f->s[k].name);
			compare_text(&t, a, b, scn, f->s[k].text, name);
			named++;
		}
		shipped_free(f);
		free(path);
		scenario_free(scn);
		free(names[i]);
	}
	kernel_run_free(a);
	kernel_run_free(b);
	kernel_run_drop_spare();
	tap_ok(nscn >= 10 && named == named_lines && named > 0 && expects >= nscn, "whatif-1.1",
	       "%d runs compared: %d shipped scenarios, each under 2 policies and %d choosers, %d expectation "
	       "schedules, %d named schedules (of %d in the .sched files)", t.compared, nscn, NCHOOSERS, expects,
	       named, named_lines);
	tap_is_int(t.wrong_ops, 0, "whatif-1.2", "each pair ran xip_ops_fixed and, forced, xip_ops_whatif");
	tap_is_int(t.trace_differ, 0, "whatif-1.3", "the traces are the same, step for step (CPU, op, object, value, "
		   "enabled CPUs, site function, label and text)%s%s", t.trace_differ ? ": first: " : "", t.trace_first);
	tap_is_int(t.verdict_differ, 0, "whatif-1.4", "the verdicts are the same (kind, headline, details, notes, "
		   "damage step)%s%s", t.verdict_differ ? ": first: " : "", t.verdict_first);
	tap_is_int(t.other_differ, 0, "whatif-1.5", "so are the trace hash, the format-1 hash of c94cba6, the final "
		   "state, how it ended, the console and any error%s%s", t.other_differ ? ": first: " : "", t.other_first);
	tap_ok(t.whatif_steps_b > 0 && t.whatif_steps_a == 0, "whatif-1.6",
	       "the what-if runs stepped through filemap_xip_whatif.c (%ld steps), the fixed runs never (%ld)",
	       t.whatif_steps_b, t.whatif_steps_a);
}

/* The ops a start of `v` with `mask` (and force) runs. */
static const struct xip_ops *ops_of(const struct scenario *scn, enum xip_version v, unsigned mask, int force)
{
	struct kernel_run *run = kernel_run_new();
	const struct xip_ops *ops;
	char *cause = NULL;

	kernel_run_set_without(run, mask);
	kernel_run_force_whatif(run, force);
	if (kernel_run_start(run, scn, v, &cause) != 0)
		fatal("%s", cause);
	ops = kernel_run_world(run)->xip;
	kernel_run_free(run);
	return ops;
}

/* whatif-2.*: which ops a start picks, and the what-if sites' lines at c94cba6. */
static void test_ops_and_legacy(void)
{
	char *path = xasprintf("%s/classic.scn", scenario_dir()), *cause = NULL;
	struct scenario *scn;
	int bad = 0, masks = 0, missing = 0, sites = 0, unequal = 0;
	size_t nsites;
	const struct sched_site *const *all = sched_sites(&nsites);
	struct kernel_run *run;

	if (scenario_load(path, &scn, &cause) != 0)
		fatal("%s", cause);
	free(path);
	for (unsigned mask = 1; mask <= KERNEL_WITHOUT_ALL; mask++, masks++)
		bad += ops_of(scn, XIP_FIXED, mask, 0) != &xip_ops_whatif || ops_of(scn, XIP_BUGGY, mask, 0) != &xip_ops_buggy ||
		       ops_of(scn, XIP_LATER, mask, 1) != &xip_ops_later;
	tap_ok(!bad && ops_of(scn, XIP_FIXED, 0, 0) == &xip_ops_fixed && ops_of(scn, XIP_FIXED, 0, 1) == &xip_ops_whatif,
	       "whatif-2.1", "fixed runs the what-ifs with any of the %d masks (or forced) and the seed's file with none; "
	       "buggy and later always their own", masks);
	/* a run given back (kernel_run_free keeps it) forgets the force with the mask */
	run = kernel_run_new();
	kernel_run_force_whatif(run, 1);
	kernel_run_free(run);
	tap_ok(ops_of(scn, XIP_FIXED, 0, 0) == &xip_ops_fixed, "whatif-2.2", "a run given back no longer forces the what-ifs");
	scenario_free(scn);

	/*
	 * The k-th what-if site of (func, label) has the line of the k-th such
	 * site of filemap_xip_fixed.c at c94cba6; the same as today's fixed
	 * file's where that has the site (the what-if file has one more,
	 * read_seqcount_begin_nowait, and no xip_sparse_page).
	 */
	for (size_t i = 0; i < nsites; i++) {
		int line;
		if (!in_file(all[i], "filemap_xip_whatif.c"))
			continue;
		sites++;
		line = legacy_site_line(all[i]);
		missing += line < 0;
		for (size_t j = 0; j < nsites; j++)
			if (in_file(all[j], "filemap_xip_fixed.c") && strcmp(all[j]->func, all[i]->func) == 0 &&
			    strcmp(all[j]->label, all[i]->label) == 0 &&
			    site_rank(all, nsites, all[j]) == site_rank(all, nsites, all[i]) &&
			    legacy_site_line(all[j]) != line)
				unequal++;
	}
	tap_ok(sites >= 15 && missing == 0, "whatif-2.3", "each of the %d what-if sites has its line at c94cba6 (%d have none)",
	       sites, missing);
	tap_is_int(unequal, 0, "whatif-2.4", "... the line of the same site of filemap_xip_fixed.c");
}

static const char *embedded(const char *name)
{
	for (const struct embedded_source *s = embedded_sources; s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s->text;
	return NULL;
}

/* whatif-3.*: the files' text, as built into the program for the code pane. */
static void test_texts(void)
{
	/* statements of the seed's fix that the what-ifs make conditional: in the seed's file as written */
	static const char *const seed[] = {
		"\n\tcount = read_seqcount_begin(&xip_sparse_seq);\n",
		"\n\tif (locked) {\n\t\tmutex_unlock(&xip_sparse_mutex);\n"
		"\t} else if (read_seqcount_retry(&xip_sparse_seq, count)) {\n\t\tmutex_lock(&xip_sparse_mutex);\n",
		"\n\t\tmutex_lock(&xip_sparse_mutex);\n\t\twrite_seqcount_begin(&xip_sparse_seq);\n"
		"\t\terror = get_xip_mem(mapping, vmf->pgoff, 0, &xip_mem, &xip_pfn);\n",
		"\n\t\t\twrite_seqcount_end(&xip_sparse_seq);\n\t\t\tmutex_unlock(&xip_sparse_mutex);\n\t\t\tgoto again;\n",
		"\nout:\n\t\twrite_seqcount_end(&xip_sparse_seq);\n\t\tmutex_unlock(&xip_sparse_mutex);\n",
	};
	const char *fixed = embedded("filemap_xip_fixed.c"), *whatif = embedded("filemap_xip_whatif.c");
	int missing = 0, shown = 0, sites = 0;
	size_t nsites;
	const struct sched_site *const *all = sched_sites(&nsites);
	const struct embedded_source *wsrc = sources_find("filemap_xip_whatif.c");

	tap_ok(fixed && !strstr(fixed, "WITHOUT") && !strstr(fixed, "->without"), "whatif-3.1",
	       "filemap_xip_fixed.c has no WITHOUT and never reads the run's without-mask");
	for (size_t i = 0; fixed && i < sizeof seed / sizeof seed[0]; i++)
		missing += !strstr(fixed, seed[i]);
	tap_ok(fixed && !missing, "whatif-3.2", "... and runs the seed's fix unconditionally (%d of its statements "
	       "not found as the seed writes them)", missing);
	for (size_t i = 0; i < nsites; i++) {
		if (!is_whatif_site(all[i]))
			continue;
		sites++;
		shown += wsrc && sources_display_line(wsrc, all[i]->line) >= 0;
	}
	tap_ok(whatif && strstr(whatif, "WITHOUT(") && sites > 0 && shown == sites, "whatif-3.3",
	       "filemap_xip_whatif.c is built in with its switches, and the code pane has a line for each of its "
	       "%d sites (%d)", sites, shown);
}

int main(void)
{
	test_same_as_fixed();
	test_ops_and_legacy();
	test_texts();
	return tap_done();
}
