/*
 * sites_test.c - stable site identity (sites-*), narration by site id
 * (narrate-*) and runs as values (runs-*).
 *
 *  sites-1: the site table: every kernel site is registered, named sites
 *           are unique within their function, every site of the release
 *           before stable ids keeps its old line (legacy.c);
 *  narrate-1: every narration rule names sites that exist, and fires on
 *           at least one step of the shipped scenarios' named schedules,
 *           round-robin and sequential runs, on every version (a rule
 *           that can no longer fire fails here, not on a student's
 *           screen); the buggy race says, at the step where the writer's
 *           __xip_unmap finds nothing, that the fault will be missed;
 *  runs-1:  two live runs of different scenarios stepped alternately each
 *           end as it does alone (trace hash and verdict).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo.h"
#include "kernel.h"
#include "legacy.h"
#include "narrate.h"
#include "record.h"
#include "schedule.h"
#include "shipped.h"
#include "story.h"
#include "tap.h"

static const char *srcdir(void)
{
	const char *d = getenv("XS_SRCDIR");

	return d ? d : ".";
}

static struct scenario *load(const char *name)
{
	struct scenario *scn;
	char *cause = NULL, *path = xasprintf("%s/scenarios/%s.scn", srcdir(), name);

	if (scenario_load(path, &scn, &cause) != 0)
		fatal("%s", cause);
	free(path);
	return scn;
}

static int is_kernel_file(const char *file)
{
	return strstr(file, "kernel/") != NULL;
}

/* ---- sites-1 ------------------------------------------------------------------------------ */

/*
 * Code written after c94cba6, the last release that hashed lines: no run
 * of that release stepped it, so it has no line there (truncate and the
 * final version, issue 15).  Every other kernel site must.
 */
static int newer_than_legacy(const struct sched_site *a)
{
	static const char *const funcs[] = {
		"zap_pte_range", "unmap_mapping_range", "vmtruncate", "ext2_truncate", "ext2_free_blocks",
		"xip_truncate_page", "do_truncate", "do_sys_ftruncate",
	};

	if (strstr(a->file, "filemap_xip_final.c"))
		return 1;
	for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
		if (strcmp(a->func, funcs[i]) == 0)
			return 1;
	return 0;
}

static void test_site_table(void)
{
	size_t n, nkernel = 0, dup_named = 0, no_legacy = 0;
	const struct sched_site *const *all = sched_sites(&n);
	char id[160];

	for (size_t i = 0; i < n; i++) {
		const struct sched_site *a = all[i];
		if (!is_kernel_file(a->file))
			continue;
		nkernel++;
		for (size_t j = i + 1; j < n; j++) {
			const struct sched_site *b = all[j];
			/* a label given by name names one place; a call's text may stand on two paths */
			if (strcmp(a->file, b->file) == 0 && strcmp(a->func, b->func) == 0 &&
			    strcmp(a->label, b->label) == 0 && strcmp(a->label, a->what) != 0) {
				dup_named++;
				tap_diag("named twice in %s: %s", a->file, sched_site_id(a, id, sizeof id));
			}
		}
		if (legacy_site_line(a) < 0 && !newer_than_legacy(a)) {
			no_legacy++;
			tap_diag("no line at c94cba6: %s (%s)", sched_site_id(a, id, sizeof id), a->file);
		}
	}
	tap_ok(nkernel > 100, "sites-1.1", "the simulated kernel's sites are all registered (%zu)", nkernel);
	tap_is_int((long long)dup_named, 0, "sites-1.2", "a site named by a label is the only one of that name in its function");
	tap_is_int((long long)no_legacy, 0, "sites-1.3", "every kernel site has its line of the release before stable ids");
}

/* ---- sites-2: upstream lines ------------------------------------------------------------- */

static const struct sched_site *find_site(const char *file, const char *id, int rank)
{
	size_t n;
	const struct sched_site *const *all = sched_sites(&n);

	for (size_t i = 0; i < n; i++)
		if (strstr(all[i]->file, file) && sched_site_is(all[i], id) && sched_site_rank(all[i]) == rank)
			return all[i];
	return NULL;
}

static void test_upstream(void)
{
	static const char *const funcs[] = {
		"xip_sparse_page", "__xip_unmap", "xip_file_fault", "__xip_file_write", "xip_file_write",
	};
	size_t n, found = 0;
	const struct sched_site *const *all = sched_sites(&n);
	const struct sched_site *s;
	const char *tree;

	for (int v = 0; v < XIP_NVERSIONS; v++) {
		/* the what-if copy of the fixed file answers with the same entries: count them once */
		for (size_t i = 0; i < n; i++)
			if (!strstr(all[i]->file, "filemap_xip_whatif.c") &&
			    kernel_upstream_line(all[i], (enum xip_version)v, &tree) > 0)
				found++;
		for (size_t i = 0; i < sizeof funcs / sizeof funcs[0]; i++)
			if (kernel_upstream_func_line(funcs[i], (enum xip_version)v, &tree) > 0)
				found++;
	}
	/* each entry names a site of its version (a shared file's site answers for each version once) */
	tap_is_int((long long)found, (long long)kernel_upstream_count(), "sites-2.1",
		   "every upstream line names a site or function of its version, and each is found once");
	s = find_site("filemap_xip_buggy.c", "xip_file_fault:BUG_ON(err)", 0);
	tap_is_int(s ? kernel_upstream_line(s, XIP_BUGGY, &tree) : -1, 252, "sites-2.2",
		   "buggy xip_file_fault's BUG_ON(err) is line 252 before the fix");
	s = find_site("filemap_xip_fixed.c", "xip_file_fault:write_seqcount_end(&xip_sparse_seq)", 1);
	tap_is_int(s ? kernel_upstream_line(s, XIP_FIXED, &tree) : -1, 291, "sites-2.3",
		   "the fix's second write_seqcount_end (at out:) is line 291 of the seed");
	tap_is_int(s ? kernel_upstream_line(s, XIP_BUGGY, &tree) : -1, 0, "sites-2.4",
		   "... and a fixed site has no line in the tree before the fix");
}

/* ---- stepping a run and narrating every step ---------------------------------------------- */

struct scn_list {
	char *name[64];
	int n;
};

static void list_scenarios(struct scn_list *l)
{
	char *dir = xasprintf("%s/scenarios", srcdir());
	DIR *d = opendir(dir);
	struct dirent *e;

	l->n = 0;
	if (!d)
		fatal("cannot read %s", dir);
	while ((e = readdir(d)) && l->n < 64) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".scn") == 0)
			l->name[l->n++] = xasprintf("%.*s", (int)(len - 4), e->d_name);
	}
	closedir(d);
	free(dir);
}

static char race_sentence[512]; /* classic 'race' on buggy, at __xip_unmap's read of the sparse page */

/* Replay run's trace on a new run step by step, narrating each step. */
static void narrate_steps(const struct scenario *scn, enum xip_version v, struct kernel_run *done,
			  int watch_race)
{
	size_t n;
	const struct sched_step *tr = sched_trace(kernel_run_sched(done), &n);
	struct kernel_run *run = kernel_run_new();
	struct kernel_snapshot *snap = xmalloc(sizeof *snap);
	char *cause = NULL, buf[512];

	if (kernel_run_start(run, scn, v, &cause) != 0)
		fatal("%s: cannot start: %s", scn->name, cause);
	for (size_t i = 0; i < n; i++) {
		if (sched_step(kernel_run_sched(run), tr[i].cpu, &cause) != 0)
			fatal("%s: step %zu: %s", scn->name, i + 1, cause);
		kernel_snapshot(run, snap);
		narrate_last_step(run, snap, buf, sizeof buf);
		if (watch_race && sched_site_is(tr[i].site, "__xip_unmap:sparse_read"))
			snprintf(race_sentence, sizeof race_sentence, "%s", buf);
	}
	free(snap);
	kernel_run_free(run);
}

static void run_and_narrate(const struct scenario *scn, enum xip_version v, const struct schedule *sch,
			    int watch_race)
{
	struct kernel_run *run = kernel_run_new();
	char *cause = NULL;

	if (record_execute(run, scn, v, sch, &cause) == 0)
		narrate_steps(scn, v, run, watch_race);
	free(cause);
	kernel_run_free(run);
}

static void narrate_everything(void)
{
	struct scn_list l;

	list_scenarios(&l);
	for (int i = 0; i < l.n; i++) {
		struct scenario *scn = load(l.name[i]);
		char *path = xasprintf("%s/scenarios/%s.sched", srcdir(), l.name[i]);
		struct shipped_file *f = NULL;
		char *cause = NULL;

		if (shipped_load(path, &f, &cause) < 0)
			fatal("%s", cause);
		for (int v = 0; v < XIP_NVERSIONS; v++) {
			run_and_narrate(scn, (enum xip_version)v, NULL, 0);
			for (int k = 0; f && k < f->n; k++) {
				struct schedule *sch;
				if (!f->s[k].applies[v])
					continue;
				if (schedule_parse(f->s[k].text, kernel_symbol_value, &sch, &cause) != 0)
					fatal("%s: %s", path, cause);
				run_and_narrate(scn, (enum xip_version)v, sch,
						v == XIP_BUGGY && strcmp(l.name[i], "classic") == 0 &&
						strcmp(f->s[k].name, "race") == 0);
				schedule_free(sch);
			}
		}
		shipped_free(f);
		free(path);
		scenario_free(scn);
		free(l.name[i]);
	}
}

static int site_exists(const char *id)
{
	size_t n;
	const struct sched_site *const *all = sched_sites(&n);

	for (size_t i = 0; i < n; i++)
		if (is_kernel_file(all[i]->file) && sched_site_is(all[i], id))
			return 1;
	return 0;
}

static void test_narration(void)
{
	size_t missing = 0, silent = 0;

	for (size_t r = 0; r < narrate_nrules(); r++) {
		const char *const *sites = narrate_rule_sites(r);
		for (const char *const *p = sites; p && *p; p++)
			if (!site_exists(*p)) {
				missing++;
				tap_diag("rule %s names %s, which no site has", narrate_rule_name(r), *p);
			}
	}
	tap_is_int((long long)missing, 0, "narrate-1.1", "every site a narration rule names exists");
	narrate_everything();
	for (size_t r = 0; r < narrate_nrules(); r++)
		if (narrate_rule_fired(r) == 0) {
			silent++;
			tap_diag("rule %s never fired", narrate_rule_name(r));
		}
	tap_ok(narrate_nrules() >= 20, "narrate-1.2", "the rules are there (%zu)", narrate_nrules());
	tap_is_int((long long)silent, 0, "narrate-1.3", "every narration rule fires on a shipped scenario and schedule");
	tap_has_str(race_sentence, "will be missed", "narrate-1.4",
		    "classic 'race' on buggy: the writer's __xip_unmap finds nothing and the screen says the fault will be missed");
	tap_has_str(race_sentence, "CPU0's fault", "narrate-1.5", "... and names the CPU whose fault it misses");
}

/*
 * narrate-2: the pre-2.6.25 seqcount (--without livelock-fix) retries when
 * the count it began with was odd, even if it did not move.  On
 * sparse-allocated, B's __xip_unmap begins inside A's write section (count
 * 1) and re-reads 1 at step 31: the narration and the story's save must
 * say it retries for that reason (they knew only "the count moved").
 */
static void test_odd_start_retry(void)
{
	char *path = xasprintf("%s/tests/scenarios/sparse-allocated.scn", srcdir());
	const char *text = "0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 1 1 1 1 1 1 1 1";
	struct scenario *scn;
	struct schedule *sch;
	struct kernel_run *done = kernel_run_new(), *run = kernel_run_new();
	struct kernel_snapshot *snap = xmalloc(sizeof *snap);
	struct story_marks m;
	unsigned char *mask;
	char *cause = NULL, buf[512] = "", retry[512] = "";
	size_t n;
	const struct sched_step *tr;

	if (scenario_load(path, &scn, &cause) != 0 || schedule_parse(text, kernel_symbol_value, &sch, &cause) != 0)
		fatal("%s", cause);
	kernel_run_set_without(done, KERNEL_WITHOUT_LIVELOCK_FIX);
	if (record_execute(done, scn, XIP_FIXED, sch, &cause) != 0)
		fatal("%s: %s", path, cause);
	tr = sched_trace(kernel_run_sched(done), &n);
	kernel_run_set_without(run, KERNEL_WITHOUT_LIVELOCK_FIX);
	if (kernel_run_start(run, scn, XIP_FIXED, &cause) != 0)
		fatal("%s: %s", path, cause);
	for (size_t i = 0; i < n; i++) {
		if (sched_step(kernel_run_sched(run), tr[i].cpu, &cause) != 0)
			fatal("%s: step %zu: %s", path, i + 1, cause);
		kernel_snapshot(run, snap);
		narrate_last_step(run, snap, buf, sizeof buf);
		if (i + 1 == 31)
			snprintf(retry, sizeof retry, "%s", buf);
	}
	tap_ok(n >= 31 && sched_site_is(tr[30].site, "__xip_unmap:read_seqcount_retry(&xip_sparse_seq)") &&
		       tr[30].has_value && tr[30].value == 1,
	       "narrate-2.1", "sparse-allocated, fixed without livelock-fix: step 31 re-reads the count 1 it began with");
	tap_has_str(retry, "was odd when the scan began", "narrate-2.2",
		    "... and the narration says the old seqcount retries because the start was odd");
	mask = xcalloc(n ? n : 1, 1);
	story_race_window(done, mask);
	story_marks(done, mask, 0, &m);
	tap_ok(m.save == 31 && m.save_kind == STORY_SAVE_RETRY, "narrate-2.3",
	       "... and the story names that retry as what saved the run (save at step %ld, kind %d)", m.save,
	       (int)m.save_kind);
	free(mask);
	free(snap);
	kernel_run_free(run);
	kernel_run_free(done);
	schedule_free(sch);
	scenario_free(scn);
	free(path);
}

/* ---- runs-1: two live runs, stepped alternately ------------------------------------------ */

struct alone {
	uint64_t hash;
	enum verdict_kind kind;
	int choices[4096];
	size_t n;
};

static void run_alone(const struct scenario *scn, enum xip_version v, const char *text, struct alone *out)
{
	struct kernel_run *run = kernel_run_new();
	struct schedule *sch;
	char *cause = NULL;
	size_t n;
	const struct sched_step *tr;
	struct kernel_verdict verdict;

	if (schedule_parse(text, kernel_symbol_value, &sch, &cause) != 0 ||
	    record_execute(run, scn, v, sch, &cause) != 0)
		fatal("%s", cause);
	tr = sched_trace(kernel_run_sched(run), &n);
	for (size_t i = 0; i < n && i < 4096; i++)
		out->choices[i] = tr[i].cpu;
	out->n = n;
	out->hash = sched_trace_hash(kernel_run_sched(run));
	kernel_run_verdict(run, &verdict);
	out->kind = verdict.kind;
	schedule_free(sch);
	kernel_run_free(run);
}

static void test_live_runs(void)
{
	struct scenario *a_scn = load("classic"), *b_scn = load("three-cpus");
	struct alone *a = xmalloc(sizeof *a), *b = xmalloc(sizeof *b);
	struct kernel_run *ra = kernel_run_new(), *rb = kernel_run_new();
	struct kernel_verdict va, vb;
	char *cause = NULL;
	size_t ia = 0, ib = 0;

	run_alone(a_scn, XIP_BUGGY, "cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end", a);
	run_alone(b_scn, XIP_FIXED, "cpu0 until get_xip_mem=-ENODATA; cpu2 to end; cpu1 to end; cpu0 to end", b);
	tap_is_str(verdict_kind_name(a->kind), "corruption", "runs-1.1", "classic buggy 'race' alone: corruption");
	/* A started, then B (another scenario, another version), then A stepped: each on its own world */
	if (kernel_run_start(ra, a_scn, XIP_BUGGY, &cause) != 0 || kernel_run_start(rb, b_scn, XIP_FIXED, &cause) != 0)
		fatal("%s", cause);
	while (ia < a->n || ib < b->n) {
		if (ia < a->n && sched_step(kernel_run_sched(ra), a->choices[ia++], &cause) != 0)
			fatal("run A, step %zu: %s", ia, cause);
		if (ib < b->n && sched_step(kernel_run_sched(rb), b->choices[ib++], &cause) != 0)
			fatal("run B, step %zu: %s", ib, cause);
	}
	kernel_run_verdict(ra, &va);
	kernel_run_verdict(rb, &vb);
	tap_is_str(verdict_kind_name(va.kind), verdict_kind_name(a->kind), "runs-1.2",
		   "run A stepped between B's steps ends as alone (%s)", verdict_kind_name(a->kind));
	tap_is_str(verdict_kind_name(vb.kind), verdict_kind_name(b->kind), "runs-1.3",
		   "run B stepped between A's steps ends as alone (%s)", verdict_kind_name(b->kind));
	tap_ok(sched_trace_hash(kernel_run_sched(ra)) == a->hash, "runs-1.4", "... run A's trace hash is the one it has alone");
	tap_ok(sched_trace_hash(kernel_run_sched(rb)) == b->hash, "runs-1.5", "... run B's trace hash is the one it has alone");
	/* the verdict read last is of the run asked, whichever ran last */
	kernel_run_verdict(ra, &va);
	tap_is_str(verdict_kind_name(va.kind), verdict_kind_name(a->kind), "runs-1.6",
		   "A's verdict asked again after B's is still A's");
	kernel_run_free(ra);
	kernel_run_free(rb);
	free(a);
	free(b);
	scenario_free(a_scn);
	scenario_free(b_scn);
}

/* ---- demo-9: demo and quiz stops by site id ---------------------------------------------- */

static struct demo *demo_text(const char *text, char **cause)
{
	char path[] = "/tmp/xs-sites-demo.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct demo *d = NULL;

	if (!f)
		fatal("cannot write %s", path);
	fputs(text, f);
	fclose(f);
	if (demo_load(path, &d, cause) != 1)
		d = NULL;
	remove(path);
	return d;
}

static void test_demo_sites(void)
{
	struct scenario *scn = load("classic");
	struct kernel_run *run = kernel_run_new();
	struct demo *d;
	char *cause = NULL;
	long fired_at = -1, fires = 0;

	d = demo_text("schedule race\n\npause cpu1 to __xip_unmap:sparse_read\n  the scan\n", &cause);
	tap_ok(d != NULL, "demo-9.1", "a stop may name a site: 'cpu1 to __xip_unmap:sparse_read'%s%s",
	       cause ? ": " : "", cause ? cause : "");
	if (d && kernel_run_start(run, scn, XIP_BUGGY, &cause) == 0) {
		struct sched *s = kernel_run_sched(run);
		while (sched_end_reason(s) == SCHED_RUNNING) {
			if (demo_stop_fires(&d->stop[0], run) && fired_at < 0)
				fired_at = (long)sched_nsteps(s);
			fires += demo_stop_fires(&d->stop[0], run);
			/* the race: CPU0 to the hole, then CPU1 */
			if (sched_step(s, sched_nsteps(s) < 5 || !sched_cpu_enabled(s, 1) ? 0 : 1, &cause) != 0)
				break;
		}
		{
			size_t n;
			const struct sched_step *tr = sched_trace(s, &n);
			tap_ok(fired_at >= 0 && (size_t)fired_at < n && sched_site_is(tr[fired_at].site, "__xip_unmap:sparse_read"),
			       "demo-9.2", "... it stops just before that site's step (step %ld)", fired_at + 1);
			tap_is_int(fires, 1, "demo-9.3", "... and only there");
		}
	}
	demo_free(d);
	free(cause);
	cause = NULL;
	d = demo_text("schedule race\n\npause cpu1 to __xip_unmap:no_such_site\n  x\n", &cause);
	tap_ok(d == NULL && cause && strstr(cause, "has no site __xip_unmap:no_such_site"), "demo-9.4",
	       "a stop naming no site is refused, not silent: %s", cause ? cause : "(accepted)");
	demo_free(d);
	free(cause);
	cause = NULL;
	d = demo_text("schedule race\n\npause cpu1 to no_such_function\n  x\n", &cause);
	tap_ok(d == NULL && cause && strstr(cause, "no scheduling point in function no_such_function"), "demo-9.5",
	       "... so is one naming a function without scheduling points");
	demo_free(d);
	free(cause);
	kernel_run_free(run);
	scenario_free(scn);
}

int main(void)
{
	test_site_table();
	test_upstream();
	test_narration();
	test_odd_start_retry();
	test_live_runs();
	test_demo_sites();
	return tap_done();
}
