/*
 * challenge_test.c - challenge mode without a terminal (challenge-*): the
 * level file's format and every refusal, scoring against explore's
 * counterexamples, the shipped levels checked against the kernel (a known
 * schedule wins the first level; whether each level can be won is
 * confirmed by another search than the reduced one the game shows: the
 * full one where it is small, every schedule of up to 2 preemptions
 * elsewhere), and the progress table (merging, never downgrading, and a
 * schema 3 file upgraded without touching its rows, to schema 7, where a
 * level on final keeps its progress too).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "challenge.h"
#include "schedule.h"
#include "store.h"
#include "tap.h"

static const char good[] =
	"# a comment\n"
	"level one\n"
	"  title: The first\n"
	"  scenario: classic\n"
	"  version: buggy\n"
	"  goal: corruption\n"
	"  task: Do it\n"
	"    in two lines.\n"
	"  hint after: 3\n"
	"  hint: cpu0 get_xip_mem:block_lookup\n"
	"    Look here.\n"
	"\n"
	"level two-b\n"
	"  title: The second\n"
	"  scenario: threads-present\n"
	"  version: later\n"
	"  goal: bad\n"
	"  task: Break it.\n"
	"  hint: cpu1 xip_file_fault:BUG_ON(err)\n"
	"    There.\n";

static void test_parse(void)
{
	struct levels *ls = NULL;
	char *cause = NULL;
	const struct level *a, *b;

	tap_is_int(levels_parse("t.levels", good, &ls, &cause), 0, "challenge-1.1", "a good file parses%s%s",
		   cause ? ": " : "", cause ? cause : "");
	if (!ls)
		return;
	tap_is_int(ls->n, 2, "challenge-1.2", "... into two levels");
	a = levels_find(ls, "one");
	b = levels_find(ls, "two-b");
	tap_ok(a && b && !levels_find(ls, "three"), "challenge-1.3", "levels_find finds them by name, and no other");
	if (a && b) {
		tap_is_str(a->task, "Do it in two lines.", "challenge-1.4", "a deeper line continues the task");
		tap_is_int(a->hint_after, 3, "challenge-1.5", "hint after: 3");
		tap_is_int(b->hint_after, LEVEL_HINT_AFTER, "challenge-1.6", "hint after defaults to %d", LEVEL_HINT_AFTER);
		tap_is_str(a->hint_site, "get_xip_mem:block_lookup", "challenge-1.7", "the hint's site id");
		tap_is_int(b->hint_cpu, 1, "challenge-1.8", "the hint's CPU");
		tap_ok(a->version == XIP_BUGGY && b->version == XIP_LATER, "challenge-1.9", "versions");
		tap_ok(level_goal_met(a, VERDICT_CORRUPTION) && !level_goal_met(a, VERDICT_BUG) &&
		       !level_goal_met(a, VERDICT_OK), "challenge-1.10", "goal corruption: only corruption meets it");
		tap_ok(level_goal_met(b, VERDICT_BUG) && level_goal_met(b, VERDICT_LEAK) && !level_goal_met(b, VERDICT_OK),
		       "challenge-1.11", "goal bad: every verdict but ok meets it");
		tap_is_str(level_goal_name(b), "bad", "challenge-1.12", "goal bad is named bad");
	}
	levels_free(ls);
}

/* Each broken file and the message it must get (with its line). */
static const struct {
	const char *id, *what, *text, *want;
} bad[] = {
	{ "challenge-2.1", "no levels", "# nothing\n", "t.levels: no levels" },
	{ "challenge-2.2", "a stray top-level line", "lvl one\n", "t.levels:1: expected 'level NAME'" },
	{ "challenge-2.3", "a bad name", "level One!\n", "t.levels:1: a level name is 1 to 32 characters" },
	{ "challenge-2.4", "a field before any level", "  title: x\n", "t.levels:1: an indented line must follow" },
	{ "challenge-2.5", "an unknown field", "level a\n  colour: red\n", "t.levels:2: unknown field 'colour'" },
	{ "challenge-2.6", "an unknown version", "level a\n  version: newest\n", "t.levels:2: unknown version 'newest'" },
	{ "challenge-2.7", "goal ok is no goal", "level a\n  goal: ok\n", "t.levels:2: unknown goal 'ok'" },
	{ "challenge-2.8", "an unknown goal", "level a\n  goal: panic\n", "t.levels:2: unknown goal 'panic'" },
	{ "challenge-2.9", "a hint that is no site", "level a\n  hint: cpu0 get_xip_mem:nowhere\n",
	  "t.levels:2: the simulated kernel has no site 'get_xip_mem:nowhere'" },
	{ "challenge-2.10", "a hint by text, not a site id", "level a\n  hint: cpu0 the fault\n",
	  "t.levels:2: expected 'hint: cpuN SITE'" },
	{ "challenge-2.11", "a hint's CPU out of range", "level a\n  hint: cpu9 get_xip_mem:block_lookup\n",
	  "t.levels:2: expected 'hint: cpuN SITE'" },
	{ "challenge-2.12", "hint after 0", "level a\n  hint after: 0\n", "t.levels:2: 'hint after:' takes a number" },
	{ "challenge-2.13", "a second level of one name", "level a\nlevel a\n", "t.levels:2: a second level 'a' (the first is at line 1)" },
	{ "challenge-2.14", "a missing field", "level a\n  title: t\n  scenario: classic\n  version: buggy\n  goal: bug\n",
	  "t.levels:1: level a has no task" },
	{ "challenge-2.15", "a hint without text",
	  "level a\n  title: t\n  scenario: classic\n  version: buggy\n  goal: bug\n  task: x\n  hint: cpu0 get_xip_mem:block_lookup\n",
	  "t.levels:1: level a has no the hint's text" },
	{ "challenge-2.16", "a tab", "level a\n\ttitle: t\n", "t.levels:2: indent with spaces, not tabs" },
	{ "challenge-2.17", "a deeper line after a field that takes none", "level a\n  goal: bug\n    more\n",
	  "t.levels:3: a line indented deeper continues title, task or hint" },
	{ "challenge-2.18", "a scenario path", "level a\n  scenario: ../etc/x\n", "t.levels:2: 'scenario:' takes" },
};

static void test_refusals(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct levels *ls = NULL;
		char *cause = NULL;
		int r = levels_parse("t.levels", bad[i].text, &ls, &cause);

		tap_ok(r == -1 && ls == NULL, bad[i].id, "refused: %s", bad[i].what);
		tap_has_str(cause ? cause : "", bad[i].want, bad[i].id, "... saying so");
		free(cause);
	}
}

static void cex(struct explore_cex *c, size_t n, unsigned pre)
{
	memset(c, 0, sizeof *c);
	c->n = n;
	c->preemptions = pre;
	c->verdict = VERDICT_BUG;
}

static void test_score(void)
{
	struct explore_result r;
	struct challenge_score s;
	char text[1024];

	/* threads-present's shape: the shortest needs 2 preemptions, the fewest 1 in 2 more steps */
	memset(&r, 0, sizeof r);
	cex(&r.shortest, 17, 2);
	cex(&r.fewest, 19, 1);
	challenge_score(17, 1, &r, &s);
	tap_is_int(s.stars, 3, "challenge-3.1", "as short as the shortest and as few preemptions as the fewest: 3 stars");
	challenge_score(17, 2, &r, &s);
	tap_is_int(s.stars, 2, "challenge-3.2", "explore's shortest itself: 2 stars (the fewest needs 1 preemption)");
	challenge_score(19, 1, &r, &s);
	tap_is_int(s.stars, 2, "challenge-3.3", "explore's fewest itself: 2 stars (the shortest is 17 steps)");
	challenge_score(25, 3, &r, &s);
	tap_is_int(s.stars, 1, "challenge-3.4", "longer and more preemptions: 1 star, still a win");
	challenge_score_text(&s, text, sizeof text);
	tap_has_str(text, "Your schedule: 25 steps, 3 preemptions.", "challenge-3.5", "the text gives the student's counts");
	tap_has_str(text, "explore's shortest: 17 steps (2 preemptions): yours is longer.", "challenge-3.6",
		    "... and explore's shortest");
	tap_has_str(text, "explore's fewest preemptions: 1 (19 steps): you switched CPUs more often.", "challenge-3.7",
		    "... and explore's fewest preemptions");
	tap_has_str(text, "Score: 1 of 3 stars", "challenge-3.8", "... and the score");
	challenge_score(17, 1, &r, &s);
	challenge_score_text(&s, text, sizeof text);
	tap_has_str(text, "17 steps (2 preemptions): you matched it", "challenge-3.9", "a match is said");
	tap_has_str(text, "1 preemption.", "challenge-3.10", "one preemption, singular");
}

static struct scenario *load_scn(const char *name)
{
	char *path = xasprintf("%s/scenarios/%s.scn", getenv("XS_SRCDIR") ? getenv("XS_SRCDIR") : ".", name);
	struct scenario *scn = NULL;
	char *cause = NULL;

	if (scenario_load(path, &scn, &cause) != 0) {
		tap_diag("%s", cause);
		free(cause);
	}
	free(path);
	return scn;
}

/* The verdict of scenario scn on version v under schedule text. */
static int verdict_of(const struct scenario *scn, enum xip_version v, const char *text)
{
	struct kernel_run *run = kernel_run_new();
	struct schedule *sch = NULL;
	struct kernel_verdict kv;
	char *cause = NULL;
	int r = -1;

	if (schedule_parse(text, kernel_symbol_value, &sch, &cause) == 0 &&
	    kernel_run_start(run, scn, v, &cause) == 0 && schedule_run(kernel_run_sched(run), sch, &cause) == 0) {
		kernel_run_verdict(run, &kv);
		r = (int)kv.kind;
	}
	if (cause)
		tap_diag("%s", cause);
	free(cause);
	schedule_free(sch);
	kernel_run_free(run);
	return r;
}

/* The shipped levels against the kernel and the explorer. */
static void test_shipped(void)
{
	char *path = xasprintf("%s/scenarios/challenge.levels", getenv("XS_SRCDIR") ? getenv("XS_SRCDIR") : ".");
	struct levels *ls = NULL;
	char *cause = NULL;
	const struct level *lv;

	tap_is_int(levels_load(path, &ls, &cause), 0, "challenge-4.1", "the shipped levels load%s%s",
		   cause ? ": " : "", cause ? cause : "");
	free(path);
	if (!ls)
		return;
	tap_ok(ls->n >= 4, "challenge-4.2", "there are %d levels", ls->n);
	lv = levels_find(ls, "corrupt");
	if (lv) {
		struct scenario *scn = load_scn(lv->scenario);
		int v = scn ? verdict_of(scn, lv->version, "cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end") : -1;
		tap_ok(v >= 0 && level_goal_met(lv, (enum verdict_kind)v), "challenge-4.3",
		       "the shipped race schedule wins level corrupt (verdict %s)", v >= 0 ? verdict_kind_name(v) : "none");
		v = scn ? verdict_of(scn, lv->version, "cpu0 to end; cpu1 to end") : -1;
		tap_ok(v == VERDICT_OK && !level_goal_met(lv, VERDICT_OK), "challenge-4.4",
		       "fault-first does not (verdict ok)");
		scenario_free(scn);
	} else {
		tap_ok(0, "challenge-4.3", "there is a level 'corrupt'");
	}
	for (int i = 0; i < ls->n; i++) {
		struct explore_options opt;
		struct explore_result reduced, full;
		struct scenario *scn;
		int win_reduced = 0, win_full = 0;
		char id[32], proof[1024], want[64];

		lv = &ls->level[i];
		scn = load_scn(lv->scenario);
		snprintf(id, sizeof id, "challenge-5.%d", i + 1);
		if (!scn) {
			tap_ok(0, id, "level %s: scenario %s loads", lv->name, lv->scenario);
			continue;
		}
		tap_ok(lv->hint_cpu < scn->ncpus, id, "level %s: the hint's CPU%d exists in %s", lv->name, lv->hint_cpu,
		       lv->scenario);
		explore_options_init(&opt);
		if (explore_run(scn, lv->version, &opt, &reduced, &cause) != 0) {
			tap_ok(0, id, "level %s: explore runs: %s", lv->name, cause);
			free(cause);
			scenario_free(scn);
			continue;
		}
		explore_options_init(&opt);
		/* the full search is the reference, but too big for classic (millions): there, every
		 * schedule with at most 2 preemptions (each winnable level needs 1 or 2) */
		if (strcmp(lv->scenario, "threads-present") == 0) {
			opt.mode = EXPLORE_FULL;
		} else {
			opt.mode = EXPLORE_BOUNDED;
			opt.preemptions = 2;
		}
		if (explore_run(scn, lv->version, &opt, &full, &cause) != 0) {
			tap_ok(0, id, "level %s: the full search runs: %s", lv->name, cause);
			free(cause);
			explore_result_clear(&reduced);
			scenario_free(scn);
			continue;
		}
		for (int k = 1; k < VERDICT_NKINDS; k++) {
			win_reduced |= reduced.verdicts[k] && level_goal_met(lv, (enum verdict_kind)k);
			win_full |= full.verdicts[k] && level_goal_met(lv, (enum verdict_kind)k);
		}
		tap_ok(reduced.end == EXPLORE_COMPLETE && full.end == EXPLORE_COMPLETE && win_reduced == win_full, id,
		       "level %s (%s/%s, goal %s): the reduced search the game runs and the %s one (%llu executions) "
		       "agree: %s", lv->name, lv->scenario, xip_version_name(lv->version), level_goal_name(lv),
		       opt.mode == EXPLORE_FULL ? "full" : "<= 2 preemptions", full.executions, win_full ? "it can be won" : "no schedule wins");
		if (!win_reduced) {
			challenge_proof_text(lv, scn->name, &reduced, proof, sizeof proof);
			snprintf(want, sizeof want, "  %llu execution%s, %llu distinct final state%s; verdicts:", reduced.executions,
				 reduced.executions == 1 ? "" : "s", reduced.states, reduced.states == 1 ? "" : "s");
			tap_has_str(proof, want, id, "... its proof gives the search's own counts");
		}
		explore_result_clear(&reduced);
		explore_result_clear(&full);
		scenario_free(scn);
	}
	/* the brief's three: corrupt wins, fixed and later cannot */
	tap_ok(levels_find(ls, "fixed") && levels_find(ls, "fixed")->version == XIP_FIXED, "challenge-4.5",
	       "there is a level on the fixed version");
	tap_ok(levels_find(ls, "later") && levels_find(ls, "later")->version == XIP_LATER, "challenge-4.6",
	       "there is a level on the later version");
	levels_free(ls);
}

static char *tmpdb(const char *name)
{
	const char *t = getenv("TMPDIR");
	return xasprintf("%s/xs-challenge-%ld-%s.db", t && *t ? t : "/tmp", (long)getpid(), name);
}

static void rm_db(const char *path)
{
	const char *ext[] = { "", "-wal", "-shm", "-journal" };
	for (int i = 0; i < 4; i++) {
		char *p = xasprintf("%s%s", path, ext[i]);
		unlink(p);
		free(p);
	}
}

static void add(struct store *st, const char *outcome, long tries, long stars, long len, long pre, const char *sched)
{
	struct store_progress p = { 0 };
	char *cause = NULL;

	p.player = "ann";
	p.level = "corrupt";
	p.scenario = "classic";
	p.version = "buggy";
	p.goal = "corruption";
	p.outcome = outcome;
	p.tries = tries;
	p.stars = stars;
	p.best_length = len;
	p.best_preemptions = pre;
	p.best_schedule = sched;
	if (store_progress_add(st, &p, &cause) != 0) {
		tap_diag("%s", cause);
		free(cause);
	}
}

static void test_progress(void)
{
	char *path = tmpdb("progress"), *cause = NULL;
	struct store *st = NULL;
	struct store_progress p;
	int found = -1;

	rm_db(path);
	if (store_open(path, STORE_WRITE, &st, &cause) != 0) {
		tap_ok(0, "challenge-6.1", "a new database opens: %s", cause);
		free(cause);
		free(path);
		return;
	}
	store_progress_get(st, "ann", "corrupt", &p, &found, &cause);
	tap_is_int(found, 0, "challenge-6.1", "no progress yet");
	add(st, "open", 1, 0, 0, 0, NULL);
	add(st, "open", 1, 0, 0, 0, NULL);
	store_progress_get(st, "ann", "corrupt", &p, &found, &cause);
	tap_ok(found && p.tries == 2 && strcmp(p.outcome, "open") == 0 && p.best_length == -1, "challenge-6.2",
	       "two failed tries add up; open, no best yet");
	store_progress_clear(&p);
	add(st, "won", 0, 2, 40, 2, "0 1");
	add(st, "won", 0, 1, 30, 3, "1 0");  /* fewer stars: not better, even if shorter */
	store_progress_get(st, "ann", "corrupt", &p, &found, &cause);
	tap_ok(found && p.tries == 2 && strcmp(p.outcome, "won") == 0 && p.stars == 2 && p.best_length == 40 &&
	       p.best_schedule && strcmp(p.best_schedule, "0 1") == 0, "challenge-6.3",
	       "a win is kept; a later win with fewer stars does not replace it");
	store_progress_clear(&p);
	add(st, "won", 0, 2, 32, 1, "0 0 1");
	add(st, "open", 1, 0, 0, 0, NULL);
	add(st, "proved", 0, 0, 0, 0, NULL);
	store_progress_get(st, "ann", "corrupt", &p, &found, &cause);
	tap_ok(found && p.tries == 3 && strcmp(p.outcome, "won") == 0 && p.best_length == 32 && p.best_preemptions == 1,
	       "challenge-6.4", "as many stars in fewer steps replaces it; a later failure or proof never downgrades 'won'");
	store_progress_clear(&p);
	store_progress_get(st, "bob", "corrupt", &p, &found, &cause);
	tap_is_int(found, 0, "challenge-6.5", "progress is per player: bob has none");
	store_close(st);

	/* a schema 3 file: the table gone, the version back at 3; opening upgrades it and keeps its rows */
	{
		sqlite3 *db;
		sqlite3_stmt *q;
		long v = -1, rows = -1, sched = -1;

		sqlite3_open(path, &db);
		/* back to schema 3: schema 5's and schema 6's columns go too */
		sqlite3_exec(db, "DROP TABLE challenge_progress; ALTER TABLE scenarios DROP COLUMN source;"
			     " ALTER TABLE schedules DROP COLUMN memory_model; PRAGMA user_version = 3;"
			     "INSERT INTO scenarios (name, title, text_hash, text) VALUES ('s', 't', '0123456789abcdef', 'x');",
			     NULL, NULL, NULL);
		sqlite3_close(db);
		if (store_open(path, STORE_WRITE, &st, &cause) != 0) {
			tap_ok(0, "challenge-6.6", "the schema 3 file opens: %s", cause);
			free(cause);
		} else {
			store_close(st);
			sqlite3_open(path, &db);
			if (sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
					       " (SELECT count(*) FROM challenge_progress), (SELECT count(*) FROM scenarios)",
					       -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW) {
				v = sqlite3_column_int(q, 0);
				rows = sqlite3_column_int(q, 1);
				sched = sqlite3_column_int(q, 2);
			}
			sqlite3_finalize(q);
			sqlite3_close(db);
			tap_ok(v == STORE_SCHEMA_VERSION && v == 7 && rows == 0 && sched == 1, "challenge-6.6",
			       "a schema 3 file is upgraded to 7 (%ld), an empty progress table added, its rows kept (%ld)",
			       v, sched);
		}
		if (store_open(path, STORE_WRITE, &st, &cause) == 0) {
			struct store_progress f = { .player = "ann", .level = "last", .scenario = "truncate",
						    .version = "final", .goal = "corruption", .outcome = "open",
						    .tries = 1, .best_length = -1, .best_preemptions = -1 };

			/* schema 7 edited the CHECK of the table schema 4 made on the way up */
			int r = store_progress_add(st, &f, &cause);

			tap_ok(r == 0, "challenge-6.7",
			       "... where a level on final keeps its progress (schema 7)%s%s", cause ? ": " : "",
			       cause ? cause : "");
			store_close(st);
		} else {
			tap_ok(0, "challenge-6.7", "the upgraded file opens again: %s", cause);
		}
		free(cause);
		cause = NULL;
	}
	rm_db(path);
	free(path);
}

int main(void)
{
	test_parse();
	test_refusals();
	test_score();
	test_shipped();
	test_progress();
	kernel_run_drop_spare();
	return tap_done();
}
