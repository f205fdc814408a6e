/*
 * store_test.c - the schedule database (store-*): the default path, opening
 * and migrating, round trips of every field, find/list/set_name, the
 * shipped schedules, every bad file (whose bytes must not change), read-only
 * files, hostile contents, several processes writing at once, and a writer
 * killed in the middle of a transaction.
 *
 * Everything happens in a fresh directory under $TMPDIR (or /tmp), removed
 * at the end.  The test talks to SQLite directly only to make the files a
 * user or another program might leave behind, and to check them.
 *
 * Running as root (CI does), chmod does not stop us: the read-only and
 * unreadable cases then run in a child process that drops to user nobody,
 * and are skipped when it cannot; XS_DB_FORCE_READONLY=1 covers the same
 * code paths in any case.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "record.h"
#include "store.h"
#include "tap.h"

#define HASH "0123456789abcdef"
#define NOBODY 65534

static char *tmpdir;

/* ---- helpers ------------------------------------------------------------------ */

static char *tpath(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

struct bytes {
	char *p;
	size_t n;
	int missing;
};

static struct bytes slurp(const char *path)
{
	struct bytes b = { NULL, 0, 0 };
	struct stat sb;
	FILE *f = stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? fopen(path, "rb") : NULL;
	size_t cap = 0, got;

	if (!f) {
		b.missing = 1;
		return b;
	}
	do {
		if (b.n + 65536 > cap)
			b.p = xrealloc(b.p, cap = (cap + 65536) * 2);
		got = fread(b.p + b.n, 1, cap - b.n, f);
		b.n += got;
	} while (got > 0);
	fclose(f);
	return b;
}

static int same_bytes(struct bytes before, const char *path)
{
	struct bytes now = slurp(path);
	int same = before.missing == now.missing && before.n == now.n &&
		   (before.n == 0 || memcmp(before.p, now.p, before.n) == 0);

	free(now.p);
	return same;
}

static void spit(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		fatal("cannot write %s", path);
}

/* Plain SQLite, for making files and looking into them. */
static void raw(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fatal("%s: %s: %s", path, sql, err ? err : sqlite3_errmsg(db));
	sqlite3_close(db);
}

static char *raw_str(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	char *r = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		r = xstrdup(sqlite3_column_text(q, 0) ? (const char *)sqlite3_column_text(q, 0) : "(null)");
	else
		r = xasprintf("error: %s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return r;
}

static long raw_int(const char *path, const char *sql)
{
	char *s = raw_str(path, sql);
	long v = strncmp(s, "error", 5) == 0 ? -1 : atol(s);

	free(s);
	return v;
}

static struct store *open_ok(const char *path, enum store_mode mode)
{
	struct store *st = NULL;
	char *cause = NULL;

	if (store_open(path, mode, &st, &cause) != 0)
		fatal("store_open: %s", cause);
	return st;
}

static long scenario(struct store *st, const char *name)
{
	struct store_scenario s;
	char *cause = NULL;
	long id;

	if (store_scenario_sync(st, name, "A title", HASH, "text", NULL, &s, NULL, &cause) != 0)
		fatal("%s", cause);
	id = s.id;
	store_scenario_clear(&s);
	return id;
}

static void fill(struct store_schedule *s, long scn, const char *version, const char *name)
{
	memset(s, 0, sizeof *s);
	s->scenario_id = scn;
	s->scenario_hash = xstrdup(HASH);
	s->version = xstrdup(version);
	s->choices = xstrdup("0 0 0 0 0 1 1 1 1 1 1 1 1 1");
	s->length = 14;
	s->preemptions = 1;
	s->verdict = xstrdup("corruption");
	s->trace_hash = xstrdup("fedcba9876543210");
	s->origin = xstrdup("user");
	s->name = name ? xstrdup(name) : NULL;
}

static long add(struct store *st, long scn, const char *version, const char *name)
{
	struct store_schedule s;
	char *cause = NULL;
	long id;

	fill(&s, scn, version, name);
	if (store_schedule_add(st, &s, &cause) != 0)
		fatal("%s", cause);
	id = s.id;
	store_schedule_clear(&s);
	return id;
}

static int count_one(void *ctx, const struct store_schedule *s)
{
	(void)s;
	++*(long *)ctx;
	return 0;
}

static long count(struct store *st, const char *scn)
{
	long n = 0;
	char *cause = NULL;

	if (store_schedule_list(st, scn, count_one, &n, &cause) != 0) {
		tap_diag("count: %s", cause);
		free(cause);
		return -1;
	}
	return n;
}

/* Open must fail with `want` in the message, and leave the file as it was. */
static void refused(const char *id, const char *desc, const char *path, enum store_mode mode, const char *want)
{
	struct bytes before = slurp(path);
	struct store *st = NULL;
	char *cause = NULL, *ida = xasprintf("%s.%d", id, mode == STORE_WRITE ? 1 : 3);
	char *idb = xasprintf("%s.%d", id, mode == STORE_WRITE ? 2 : 4);
	int r = store_open(path, mode, &st, &cause);

	if (r == 0)
		store_close(st);
	tap_ok(r != 0 && cause && strncmp(cause, path, strlen(path)) == 0 && strstr(cause, want),
	       ida, "%s (%s): refused, the message starts with the path and says \"%s\"", desc,
	       mode == STORE_WRITE ? "write" : "read", want);
	if (r == 0 || !strstr(cause ? cause : "", want))
		tap_diag("got: %s", cause ? cause : "(opened)");
	tap_ok(same_bytes(before, path), idb, "%s: the file's bytes are unchanged", desc);
	free(cause);
	free(before.p);
	free(ida);
	free(idb);
}

static void refused_both(const char *id, const char *desc, const char *path, const char *want)
{
	refused(id, desc, path, STORE_WRITE, want);
	refused(id, desc, path, STORE_READ, want);
}

/* ---- store-1: the default path ---------------------------------------------- */

static void test_default_path(void)
{
	char *xdg = getenv("XDG_DATA_HOME") ? xstrdup(getenv("XDG_DATA_HOME")) : NULL;
	char *home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	char *cause = NULL, *p;

	setenv("XDG_DATA_HOME", "/xdg/data", 1);
	setenv("HOME", "/home/t", 1);
	p = store_default_path(&cause);
	tap_is_str(p, "/xdg/data/xipsandbox/xipsandbox.db", "store-1.1", "XDG_DATA_HOME comes first");
	free(p);
	setenv("XDG_DATA_HOME", "/xdg/data//", 1);
	p = store_default_path(&cause);
	tap_is_str(p, "/xdg/data/xipsandbox/xipsandbox.db", "store-1.2", "... without its trailing slashes");
	free(p);
	setenv("XDG_DATA_HOME", "relative/data", 1);
	p = store_default_path(&cause);
	tap_is_str(p, "/home/t/.local/share/xipsandbox/xipsandbox.db", "store-1.3",
		   "a relative XDG_DATA_HOME is ignored (the XDG spec)");
	free(p);
	setenv("XDG_DATA_HOME", "", 1);
	p = store_default_path(&cause);
	tap_is_str(p, "/home/t/.local/share/xipsandbox/xipsandbox.db", "store-1.4", "an empty one too");
	free(p);
	unsetenv("XDG_DATA_HOME");
	p = store_default_path(&cause);
	tap_is_str(p, "/home/t/.local/share/xipsandbox/xipsandbox.db", "store-1.5", "then $HOME/.local/share");
	free(p);
	unsetenv("HOME");
	p = store_default_path(&cause);
	tap_ok(p == NULL, "store-1.6", "neither set: no path");
	tap_has_str(cause, "neither XDG_DATA_HOME nor HOME is set; use --db", "store-1.7", "... and says so");
	free(cause);
	free(p);
	if (xdg)
		setenv("XDG_DATA_HOME", xdg, 1);
	if (home)
		setenv("HOME", home, 1);
	free(xdg);
	free(home);
}

/* ---- store-2: opening, creating, migrating ------------------------------------ */

static void test_open(void)
{
	char *path = tpath("new/a/b/x.db"), *dir = tpath("new/a/b"), *zero = tpath("zero.db");
	char *empty = tpath("empty.db"), *w = tpath("w/x.db"), *s;
	struct store *st;
	struct stat sb;

	tap_ok(stat(path, &sb) != 0 && stat(dir, &sb) != 0, "store-2.0", "the file and its directories are not there yet");
	st = open_ok(path, STORE_READ);
	tap_ok(st && stat(path, &sb) == 0 && S_ISREG(sb.st_mode), "store-2.1",
	       "a missing file in missing directories opens for reading (it is created)");
	tap_is_str(store_path(st), path, "store-2.2", "store_path gives the path");
	store_close(st);
	tap_ok(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 0777) == 0755, "store-2.3",
	       "its directories were created with mode 0755");
	tap_is_int(raw_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION, "store-2.4",
		   "the schema version is in PRAGMA user_version");
	s = raw_str(path, "PRAGMA journal_mode");
	tap_is_str(s, "wal", "store-2.5", "the file is in WAL mode");
	free(s);
	tap_is_int(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
			   " ('scenarios', 'schedules', 'explorations')"), 3, "store-2.6",
		   "the three tables exist");
	tap_is_int(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND"
			   " name = 'schedules_by_scenario'"), 1, "store-2.7", "schedules are indexed by scenario");
	tap_is_int(raw_int(path, "PRAGMA application_id"), 0x58495053, "store-2.8", "application_id is 'XIPS'");
	st = open_ok(path, STORE_WRITE);
	tap_ok(st != NULL, "store-2.9", "it opens again for writing");
	store_close(st);

	spit(zero, "", 0);
	st = open_ok(zero, STORE_WRITE);
	store_close(st);
	tap_is_int(raw_int(zero, "PRAGMA user_version"), STORE_SCHEMA_VERSION, "store-2.10", "an empty (0-byte) file is migrated from version 0");
	raw(empty, "CREATE TABLE t (x); DROP TABLE t;");
	st = open_ok(empty, STORE_READ);
	store_close(st);
	tap_is_int(raw_int(empty, "SELECT count(*) FROM sqlite_master WHERE name = 'schedules'"), 1, "store-2.11",
		   "an SQLite database without tables and user_version 0 is set up");
	st = open_ok(w, STORE_WRITE);
	tap_ok(st != NULL, "store-2.12", "a missing file opens for writing too");
	store_close(st);
	free(path);
	free(dir);
	free(zero);
	free(empty);
	free(w);
}

/* ---- store-3: scenarios ------------------------------------------------------- */

static void test_scenarios(void)
{
	char *path = tpath("scn.db"), *cause = NULL, *prev = NULL;
	struct store *st = open_ok(path, STORE_WRITE);
	struct store_scenario s, t;
	int found = -1;
	long id;

	tap_ok(store_scenario_sync(st, "classic", "The classic race", HASH, "text 1", NULL, &s, &prev, &cause) == 0 &&
	       s.id > 0 && prev == NULL, "store-3.1", "a new scenario gets a row; no previous hash");
	tap_ok(strcmp(s.name, "classic") == 0 && strcmp(s.title, "The classic race") == 0 &&
	       strcmp(s.text_hash, HASH) == 0 && s.shipped_hash == NULL, "store-3.2", "... with its fields");
	id = s.id;
	store_scenario_clear(&s);
	tap_ok(store_scenario_sync(st, "classic", "The classic race", HASH, "text 1", NULL, &s, &prev, &cause) == 0 &&
	       s.id == id && prev == NULL, "store-3.3", "the same text again: same row, no previous hash");
	store_scenario_clear(&s);
	tap_ok(store_scenario_sync(st, "classic", "New title", "1111111111111111", "text 2", NULL, &s, &prev, &cause) == 0 &&
	       s.id == id, "store-3.4", "a changed text keeps the row");
	tap_is_str(prev, HASH, "store-3.5", "... and gives the hash it had before");
	tap_ok(strcmp(s.text_hash, "1111111111111111") == 0 && strcmp(s.title, "New title") == 0, "store-3.6",
	       "... and records the new hash and title");
	free(prev);
	store_scenario_clear(&s);
	prev = raw_str(path, "SELECT text FROM scenarios WHERE name = 'classic'");
	tap_is_str(prev, "text 2", "store-3.7", "... and the new text");
	free(prev);
	tap_ok(store_scenario_get(st, "classic", &t, &found, &cause) == 0 && found && t.id == id, "store-3.8",
	       "get finds it by name");
	store_scenario_clear(&t);
	tap_ok(store_scenario_get(st, "nope", &t, &found, &cause) == 0 && !found, "store-3.9",
	       "get of a missing scenario: found is 0");
	store_close(st);
	free(path);
}

/* ---- store-4: schedules, every field -------------------------------------------- */

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The first field in which two schedules differ, or NULL. */
static const char *differs(const struct store_schedule *a, const struct store_schedule *b)
{
	return a->id != b->id ? "id" : a->scenario_id != b->scenario_id ? "scenario_id"
	       : !same_str(a->scenario_hash, b->scenario_hash) ? "scenario_hash"
	       : !same_str(a->version, b->version) ? "version" : !same_str(a->choices, b->choices) ? "choices"
	       : a->length != b->length ? "length" : a->preemptions != b->preemptions ? "preemptions"
	       : !same_str(a->verdict, b->verdict) ? "verdict" : !same_str(a->trace_hash, b->trace_hash) ? "trace_hash"
	       : !same_str(a->origin, b->origin) ? "origin" : !same_str(a->name, b->name) ? "name"
	       : !same_str(a->milestones, b->milestones) ? "milestones"
	       : !same_str(a->description, b->description) ? "description"
	       : !same_str(a->created, b->created) ? "created" : NULL;
}

static int iso_utc(const char *s)
{
	return s && strlen(s) == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[19] == 'Z';
}

static void round_trip(struct store *st, struct store_schedule *s, const char *id, const char *what)
{
	struct store_schedule back;
	char *cause = NULL;
	const char *d;
	int found = 0;

	if (store_schedule_get(st, s->id, &back, &found, &cause) != 0 || !found) {
		tap_ok(0, id, "%s: read back: %s", what, cause ? cause : "not found");
		free(cause);
		return;
	}
	d = differs(s, &back);
	tap_ok(!d && strcmp(back.scenario, "classic") == 0, id, "%s: every field reads back as written%s%s", what,
	       d ? "; differs: " : "", d ? d : "");
	store_schedule_clear(&back);
}

static void test_schedules(void)
{
	char *path = tpath("sch.db"), *cause = NULL;
	struct store *st = open_ok(path, STORE_WRITE);
	long scn = scenario(st, "classic"), before;
	struct store_schedule s, many[3], back;
	int found = -1;

	fill(&s, scn, "fixed", "it's; DROP TABLE schedules;--");
	free(s.name);
	s.name = xstrdup("race-1.b_2");
	s.milestones = xstrdup("cpu0 until get_xip_mem=-ENODATA; cpu1 to end");
	s.description = xstrdup("it's \"quoted\"; DROP TABLE schedules; --");
	free(s.origin);
	s.origin = xstrdup("explore");
	free(s.verdict);
	s.verdict = xstrdup("step-limit");
	s.length = 123456789;
	s.preemptions = 42;
	tap_ok(store_schedule_add(st, &s, &cause) == 0 && s.id > 0, "store-4.1", "add gives an id");
	tap_ok(iso_utc(s.created), "store-4.2", "... and the creation time, ISO 8601 UTC (%s)", s.created ? s.created : "");
	round_trip(st, &s, "store-4.3", "every field set, quotes and SQL in the text");
	store_schedule_clear(&s);

	fill(&s, scn, "buggy", NULL);
	store_schedule_add(st, &s, &cause);
	round_trip(st, &s, "store-4.4", "name, milestones and description NULL");
	store_schedule_clear(&s);

	before = count(st, NULL);
	for (int i = 0; i < 3; i++)
		fill(&many[i], scn, i == 2 ? "later" : "buggy", i == 1 ? "second" : NULL);
	tap_ok(store_schedule_add_many(st, many, 3, NULL, &cause) == 0 && many[0].id > 0 && many[1].id > many[0].id &&
	       many[2].id > many[1].id, "store-4.5", "add_many gives increasing ids");
	tap_is_int(count(st, NULL), before + 3, "store-4.6", "... and adds them all");
	round_trip(st, &many[1], "store-4.7", "a row of add_many");
	for (int i = 0; i < 3; i++) {
		store_schedule_clear(&many[i]);
		fill(&many[i], scn, "buggy", i == 2 ? "second" : NULL);
	}
	before = count(st, NULL);
	tap_ok(store_schedule_add_many(st, many, 3, NULL, &cause) != 0, "store-4.8",
	       "add_many with a name clash in its last row fails");
	tap_has_str(cause, "schedule name 'second' is already used by schedule", "store-4.9", "... naming the clash");
	free(cause);
	cause = NULL;
	tap_ok(count(st, NULL) == before && many[0].id == 0 && many[1].id == 0, "store-4.10",
	       "... and records none of them (all or none)");
	free(many[1].name);
	many[1].name = xstrdup("twice");
	free(many[2].name);
	many[2].name = xstrdup("twice");
	tap_ok(store_schedule_add_many(st, many, 3, NULL, &cause) != 0 && count(st, NULL) == before, "store-4.11",
	       "two rows of one batch with the same name: none recorded");
	tap_has_str(cause, "schedule name 'twice' is given to two of the schedules being recorded", "store-4.12",
		    "... and the message says so");
	free(cause);
	cause = NULL;
	for (int i = 0; i < 3; i++)
		store_schedule_clear(&many[i]);
	tap_ok(store_schedule_add_many(st, many, 0, NULL, &cause) == 0, "store-4.13", "add_many of nothing succeeds");

	{
		/* take_name_from: a name moves to the new row in the insert's transaction (B17) */
		static const char who[] = "SELECT id FROM schedules WHERE name = 'moving'";
		long from[1];

		fill(&s, scn, "buggy", "moving");
		store_schedule_add(st, &s, &cause);
		fill(&many[0], scn, "buggy", "moving");
		from[0] = s.id;
		tap_ok(store_schedule_add_many(st, many, 1, from, &cause) == 0 && raw_int(path, who) == many[0].id,
		       "store-4.19", "take_name_from moves the name from schedule %ld to the new one", s.id);
		raw(path, "CREATE TRIGGER full BEFORE INSERT ON schedules BEGIN SELECT RAISE(ABORT, 'disk full'); END");
		fill(&many[1], scn, "buggy", "moving");
		from[0] = many[0].id;
		tap_ok(store_schedule_add_many(st, &many[1], 1, from, &cause) != 0 && raw_int(path, who) == many[0].id,
		       "store-4.20", "... and when the insert fails, the name stays where it was");
		free(cause);
		cause = NULL;
		raw(path, "DROP TRIGGER full");
		store_schedule_clear(&many[1]);
		fill(&many[1], scn, "buggy", "moving-2");   /* from[0] is not called that: keeps its name */
		tap_ok(store_schedule_add_many(st, &many[1], 1, from, &cause) == 0 &&
		       raw_int(path, who) == many[0].id, "store-4.21",
		       "... and a schedule that has another name keeps it");
		store_schedule_clear(&s);
		for (int i = 0; i < 2; i++)
			store_schedule_clear(&many[i]);
	}

	{
		static const struct {
			const char *field, *value, *want;
		} bad[] = {
			{ "version", "newer", "unknown version 'newer' (buggy, fixed, later or final)" },
			{ "verdict", "fine", "unknown verdict 'fine' (ok, corruption, bug, deadlock, leak or step-limit)" },
			{ "origin", "mine", "unknown origin 'mine' (shipped, user or explore)" },
			{ "choices", NULL, "it has no choices" },
		};
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			char id[32];
			char **f;

			fill(&s, scn, "buggy", NULL);
			f = strcmp(bad[i].field, "version") == 0 ? &s.version : strcmp(bad[i].field, "verdict") == 0
			    ? &s.verdict : strcmp(bad[i].field, "origin") == 0 ? &s.origin : &s.choices;
			free(*f);
			*f = bad[i].value ? xstrdup(bad[i].value) : NULL;
			snprintf(id, sizeof id, "store-4.14.%zu", i + 1);
			if (!tap_ok(store_schedule_add(st, &s, &cause) != 0 && strncmp(cause, path, strlen(path)) == 0 &&
				    strstr(cause, bad[i].want), id, "a bad %s is refused: %s", bad[i].field, bad[i].want))
				tap_diag("got: %s", cause ? cause : "(recorded)");
			free(cause);
			cause = NULL;
			store_schedule_clear(&s);
		}
	}
	/* schema 7: final is recorded like the other three (until then it was refused) */
	fill(&s, scn, "final", "last-fix");
	found = store_schedule_add(st, &s, &cause);
	tap_ok(found == 0 && s.id > 0, "store-4.14.5",
	       "a schedule of final is recorded (schema 7)%s%s", cause ? ": " : "", cause ? cause : "");
	free(cause);
	cause = NULL;
	round_trip(st, &s, "store-4.14.6", "a final row");
	{
		struct store_schedule f;
		int ok = store_schedule_find(st, "classic", "last-fix", "final", &f, &found, &cause) == 0 && found &&
			 f.id == s.id && strcmp(f.version, "final") == 0;

		tap_ok(ok, "store-4.14.7", "... and found by name on final");
		if (found)
			store_schedule_clear(&f);
		found = 0;
	}
	store_schedule_clear(&s);
	fill(&s, 999, "buggy", NULL);
	tap_ok(store_schedule_add(st, &s, &cause) != 0, "store-4.15",
	       "a schedule of a missing scenario is refused (foreign keys on)");
	tap_has_str(cause, "there is no scenario with id 999", "store-4.16", "... clearly");
	free(cause);
	cause = NULL;
	store_schedule_clear(&s);
	tap_ok(store_schedule_get(st, 99999, &back, &found, &cause) == 0 && !found, "store-4.17",
	       "get of a missing id: found is 0");
	store_close(st);
	raw(path, "PRAGMA foreign_keys = ON; DELETE FROM scenarios WHERE name = 'classic'");
	tap_is_int(raw_int(path, "SELECT count(*) FROM schedules"), 0, "store-4.18",
		   "deleting a scenario deletes its schedules (ON DELETE CASCADE)");
	free(path);
}

/* ---- store-5: find, list, set_name ------------------------------------------------ */

struct seen {
	long ids[16];
	char *scn[16];
	int n, stop_after;
	struct store *st; /* when set, each row is read again from inside the callback */
	int nested_ok;
};

static int see(void *ctx, const struct store_schedule *s)
{
	struct seen *v = ctx;

	if (v->n < 16) {
		v->ids[v->n] = s->id;
		v->scn[v->n] = xstrdup(s->scenario);
	}
	v->n++;
	if (v->st) {
		struct store_schedule again;
		char *cause = NULL;
		int found = 0;

		v->nested_ok += store_schedule_get(v->st, s->id, &again, &found, &cause) == 0 && found &&
				again.id == s->id;
		store_schedule_clear(&again);
		free(cause);
	}
	return v->stop_after && v->n >= v->stop_after;
}

static void seen_clear(struct seen *v)
{
	for (int i = 0; i < v->n && i < 16; i++)
		free(v->scn[i]);
}

static void find_is(struct store *st, const char *scn, const char *name, const char *version, long want,
		    const char *id, const char *desc)
{
	struct store_schedule s;
	char *cause = NULL;
	int found = -1, r = store_schedule_find(st, scn, name, version, &s, &found, &cause);

	if (want == 0)
		tap_ok(r == 0 && !found, id, "%s", desc);
	else
		tap_ok(r == 0 && found && s.id == want && strcmp(s.name, name) == 0, id, "%s (got %ld, want %ld)", desc,
		       found ? s.id : 0, want);
	if (r != 0)
		tap_diag("%s", cause);
	free(cause);
	if (found)
		store_schedule_clear(&s);
}

static void name_refused(struct store *st, long id, const char *name, const char *want, const char *tid)
{
	char *cause = NULL;

	tap_ok(store_schedule_set_name(st, id, name, &cause) != 0 && cause && strstr(cause, want), tid,
	       "the name '%.20s' is refused: \"%s\"", name, want);
	if (cause && !strstr(cause, want))
		tap_diag("got: %s", cause);
	free(cause);
}

static void test_names(void)
{
	char *path = tpath("names.db"), *cause = NULL, *want;
	struct store *st = open_ok(path, STORE_WRITE);
	long classic = scenario(st, "classic"), alpha = scenario(st, "alpha");
	long a = add(st, classic, "buggy", "race"), b = add(st, classic, "fixed", "race");
	long c = add(st, alpha, "buggy", NULL), d = add(st, classic, "later", NULL), e = add(st, alpha, "fixed", "race");
	struct seen v = { 0 };
	char long_name[80];

	find_is(st, "classic", "race", "fixed", b, "store-5.1", "find prefers the version asked for");
	find_is(st, "classic", "race", "later", a, "store-5.2", "... else any version, the lowest id");
	find_is(st, "classic", "race", NULL, a, "store-5.3", "... and with no version, the lowest id");
	find_is(st, "classic", "nope", NULL, 0, "store-5.4", "no such name: found is 0");
	find_is(st, "beta", "race", NULL, 0, "store-5.5", "no such scenario: found is 0");
	find_is(st, "alpha", "race", "buggy", e, "store-5.6", "names belong to their scenario");

	tap_ok(store_schedule_list(st, NULL, see, &v, &cause) == 0 && v.n == 5 && v.ids[0] == c && v.ids[1] == e &&
	       v.ids[2] == a && v.ids[3] == b && v.ids[4] == d && strcmp(v.scn[0], "alpha") == 0, "store-5.7",
	       "list: all, by scenario name then id");
	seen_clear(&v);
	memset(&v, 0, sizeof v);
	tap_ok(store_schedule_list(st, "classic", see, &v, &cause) == 0 && v.n == 3 && v.ids[0] == a && v.ids[2] == d,
	       "store-5.8", "list of one scenario");
	seen_clear(&v);
	memset(&v, 0, sizeof v);
	v.stop_after = 2;
	tap_ok(store_schedule_list(st, NULL, see, &v, &cause) == 0 && v.n == 2, "store-5.9", "the callback stops the list");
	seen_clear(&v);
	memset(&v, 0, sizeof v);
	tap_ok(store_schedule_list(st, "beta", see, &v, &cause) == 0 && v.n == 0, "store-5.10",
	       "list of a scenario without schedules");
	memset(&v, 0, sizeof v);
	v.st = st;
	tap_ok(store_schedule_list(st, NULL, see, &v, &cause) == 0 && v.nested_ok == 5, "store-5.11",
	       "the callback may read the store itself");
	seen_clear(&v);

	tap_ok(store_schedule_set_name(st, d, "race", &cause) == 0, "store-5.12",
	       "the same name on another version of the scenario is fine");
	c = add(st, classic, "buggy", NULL);
	want = xasprintf("%s: schedule name 'race' is already used by schedule %ld of scenario classic (buggy)", path, a);
	tap_ok(store_schedule_set_name(st, c, "race", &cause) != 0, "store-5.13", "a second 'race' on classic buggy is refused");
	tap_is_str(cause, want, "store-5.14", "... with the exact message");
	free(want);
	free(cause);
	cause = NULL;
	tap_ok(store_schedule_set_name(st, a, "race", &cause) == 0, "store-5.15", "a schedule may be given its own name again");
	tap_ok(store_schedule_set_name(st, a, NULL, &cause) == 0, "store-5.16", "set_name NULL removes a name");
	find_is(st, "classic", "race", "buggy", b, "store-5.17", "... so find falls back to the fixed one");
	tap_ok(store_schedule_set_name(st, c, "race", &cause) == 0, "store-5.18", "... and the name is free again");
	tap_ok(store_schedule_set_name(st, 99999, "x", &cause) != 0, "store-5.19", "set_name of a missing id fails");
	tap_has_str(cause, "there is no schedule 99999", "store-5.20", "... clearly");
	free(cause);
	cause = NULL;

	memset(long_name, 'n', 64);
	long_name[64] = '\0';
	tap_ok(store_schedule_set_name(st, c, long_name, &cause) == 0, "store-5.21", "a 64-character name is fine");
	tap_ok(store_schedule_set_name(st, c, "1.5-rc_2", &cause) == 0, "store-5.22", "digits, '.', '-' and '_' are fine");
	long_name[64] = 'n';
	long_name[65] = '\0';
	name_refused(st, c, "", "a schedule name cannot be empty", "store-5.23");
	name_refused(st, c, long_name, "is too long (65 characters; at most 64)", "store-5.24");
	name_refused(st, c, "a b", "schedule name 'a b' has ' ' at position 2; use letters, digits", "store-5.25");
	name_refused(st, c, "x/y", "has '/' at position 2", "store-5.26");
	name_refused(st, c, "caf\xc3\xa9", "schedule name 'caf\\xC3\\xA9' has '\\xC3' at position 4", "store-5.27");
	name_refused(st, c, "007", "schedule name '007' is all digits, so it would look like a schedule id", "store-5.28");
	{
		struct store_schedule s;

		fill(&s, classic, "buggy", "12");
		tap_ok(store_schedule_add(st, &s, &cause) != 0 && strstr(cause, "is all digits"), "store-5.29",
		       "add checks names too");
		free(cause);
		cause = NULL;
		store_schedule_clear(&s);
	}
	store_close(st);
	free(path);
}

/* ---- store-6: shipped schedules ------------------------------------------------- */

static long count_origin(const char *path, const char *origin)
{
	char *sql = xasprintf("SELECT count(*) FROM schedules WHERE origin = '%s'", origin);
	long n = raw_int(path, sql);

	free(sql);
	return n;
}

static void test_shipped(void)
{
	char *path = tpath("shipped.db"), *cause = NULL;
	struct store *st = open_ok(path, STORE_WRITE);
	long scn = scenario(st, "classic"), other = scenario(st, "other");
	struct store_schedule rows[3];
	struct store_scenario s;
	int found;

	add(st, scn, "buggy", "mine");
	add(st, other, "buggy", NULL);
	for (int i = 0; i < 2; i++) {
		fill(&rows[i], 0, i ? "fixed" : "buggy", "race");
		free(rows[i].origin);
		rows[i].origin = NULL;
	}
	tap_ok(store_shipped_replace(st, scn, "aaaaaaaaaaaaaaaa", rows, 2, &cause) == 0 && rows[0].id > 0 &&
	       rows[1].id > 0, "store-6.1", "shipped_replace records the rows");
	tap_ok(rows[0].scenario_id == scn && strcmp(rows[1].origin, "shipped") == 0, "store-6.2",
	       "... for that scenario, with origin shipped");
	tap_ok(store_scenario_get(st, "classic", &s, &found, &cause) == 0 && found && s.shipped_hash &&
	       strcmp(s.shipped_hash, "aaaaaaaaaaaaaaaa") == 0, "store-6.3", "... and records shipped_hash");
	store_scenario_clear(&s);
	find_is(st, "classic", "race", "fixed", rows[1].id, "store-6.4", "shipped schedules are found by name");
	for (int i = 0; i < 2; i++)
		store_schedule_clear(&rows[i]);

	fill(&rows[0], scn, "later", "other-race");
	tap_ok(store_shipped_replace(st, scn, "bbbbbbbbbbbbbbbb", rows, 1, &cause) == 0, "store-6.5", "replacing again");
	tap_is_int(count_origin(path, "shipped"), 1, "store-6.6", "... the old shipped rows are gone");
	tap_is_int(count_origin(path, "user"), 2, "store-6.7", "... the user's rows (of both scenarios) are kept");
	find_is(st, "classic", "race", NULL, 0, "store-6.8", "... 'race' is no more");
	store_schedule_clear(&rows[0]);

	fill(&rows[0], 0, "buggy", "fine");
	fill(&rows[1], 0, "buggy", "mine");
	tap_ok(store_shipped_replace(st, scn, "cccccccccccccccc", rows, 2, &cause) != 0, "store-6.9",
	       "a shipped name that a user's schedule has: refused");
	tap_has_str(cause, "schedule name 'mine' is already used by schedule", "store-6.10", "... naming it");
	free(cause);
	cause = NULL;
	tap_ok(store_scenario_get(st, "classic", &s, &found, &cause) == 0 && strcmp(s.shipped_hash, "bbbbbbbbbbbbbbbb") == 0 &&
	       count_origin(path, "shipped") == 1, "store-6.11", "... and nothing changed (one transaction)");
	store_scenario_clear(&s);
	for (int i = 0; i < 2; i++)
		store_schedule_clear(&rows[i]);
	tap_ok(store_shipped_replace(st, scn, "dddddddddddddddd", NULL, 0, &cause) == 0 &&
	       count_origin(path, "shipped") == 0, "store-6.12", "replacing by nothing removes them");
	tap_ok(store_shipped_replace(st, 4242, "dddddddddddddddd", NULL, 0, &cause) != 0, "store-6.13",
	       "a missing scenario is refused");
	tap_has_str(cause, "there is no scenario with id 4242", "store-6.14", "... clearly");
	free(cause);
	store_close(st);
	free(path);
}

/* ---- store-7: files that are not ours, or not usable ---------------------------- */

/* An SQLite file of ours with two schedules, closed (so no -wal). */
static char *make_ours(const char *name)
{
	char *path = tpath(name);
	struct store *st = open_ok(path, STORE_WRITE);
	long scn = scenario(st, "classic");

	add(st, scn, "buggy", "race");
	add(st, scn, "fixed", NULL);
	store_close(st);
	return path;
}

/* Another program's rollback-journal database, its writer killed in a transaction. */
static void make_hot_journal(const char *path)
{
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) < 0)
		fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		sqlite3 *db;

		sqlite3_open(path, &db);
		sqlite3_exec(db, "CREATE TABLE t (x); WITH RECURSIVE c (i) AS (SELECT 1 UNION ALL SELECT i + 1"
			     " FROM c WHERE i < 200) INSERT INTO t SELECT randomblob(1000) FROM c;"
			     " PRAGMA cache_size = 2; BEGIN; UPDATE t SET x = randomblob(1000);", NULL, NULL, NULL);
		raise(SIGKILL);
	}
	waitpid(pid, &status, 0);
}

static void test_bad_files(void)
{
	char *sql;
	char *dir = tpath("adir"), *loop = tpath("loop.db"), *loop2 = tpath("loop2.db");
	char *rnd = tpath("random.db"), *txt = tpath("text.db"), *trunc = tpath("trunc.db"), *hdr = tpath("hdr.db");
	char *foreign = tpath("foreign.db"), *foreign1 = tpath("foreign1.db"), *app = tpath("app.db");
	char *fwal = tpath("fwal.db"), *fwal_wal = tpath("fwal.db-wal"), *newer = tpath("newer.db");
	char *damaged = tpath("damaged.db"), *fifo = tpath("fifo.db"), *under = tpath("text.db/x.db");
	char *hot = tpath("hot.db"), *hot_journal = tpath("hot.db-journal"), *negative = tpath("negative.db");
	char *want, *cause = NULL;
	unsigned char junk[10000];
	struct store *st = NULL;
	struct bytes b;
	sqlite3 *db;

	mkdir(dir, 0755);
	refused_both("store-7.1", "a directory", dir, ": cannot open: Is a directory; use --db to choose another file");
	if (symlink("loop2.db", loop) != 0 || symlink("loop.db", loop2) != 0)
		fatal("symlink: %s", strerror(errno));
	refused_both("store-7.2", "a symlink loop", loop, ": cannot open: Too many levels of symbolic links");

	srand(7);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)rand();
	spit(rnd, junk, sizeof junk);
	want = xasprintf("%s: not an SQLite database (file is not a database); use --db to choose another file", rnd);
	refused_both("store-7.3", "random bytes", rnd, want);
	free(want);
	spit(txt, "schedule classic race\n0 0 0 1 1\n", 32);
	refused_both("store-7.4", "a text file", txt, ": not an SQLite database (file is not a database)");
	refused_both("store-7.5", "a path under a file", under, ": cannot open: Not a directory");

	free(make_ours("trunc.db"));
	b = slurp(trunc);
	spit(trunc, b.p, b.n > 6000 ? 6000 : b.n / 2);
	free(b.p);
	refused_both("store-7.6", "a database of ours truncated in its second page", trunc,
		     ": is a damaged SQLite database (database disk image is malformed); use --db");
	free(make_ours("hdr.db"));
	b = slurp(hdr);
	spit(hdr, b.p, 50);
	free(b.p);
	refused_both("store-7.7", "a database truncated inside its header", hdr, "SQLite database (");

	raw(foreign, "CREATE TABLE foo (x); INSERT INTO foo VALUES (1);");
	want = xasprintf("%s: is an SQLite database of another program (it has table 'foo'); xipsandbox will not "
			 "touch it; use --db to choose another file", foreign);
	refused_both("store-7.8", "another program's database", foreign, want);
	free(want);
	raw(foreign1, "CREATE TABLE scenarios (x); CREATE TABLE notes (y); PRAGMA user_version = 1;");
	refused_both("store-7.9", "user_version 1 but a table that is not ours", foreign1, "(it has table 'notes')");
	raw(app, "PRAGMA application_id = 1234;");
	refused_both("store-7.10", "another program's application_id", app, "another program (its application_id is 1234)");
	/* Another program's WAL database with its data still in the -wal: no checkpoint may happen. */
	if (sqlite3_open(fwal, &db) != SQLITE_OK)
		fatal("open %s", fwal);
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
		     " CREATE TABLE t (x); INSERT INTO t VALUES (1);", NULL, NULL, NULL);
	sqlite3_close(db);
	b = slurp(fwal_wal);
	refused_both("store-7.11", "another program's WAL database", fwal, "(it has table 't')");
	tap_ok(b.n > 0 && same_bytes(b, fwal_wal), "store-7.12", "... its -wal file is unchanged too (no checkpoint)");
	free(b.p);

	free(make_ours("newer.db"));
	sql = xasprintf("PRAGMA user_version = %d; CREATE TABLE lessons (x);", STORE_SCHEMA_VERSION + 1);
	raw(newer, sql);
	free(sql);
	want = xasprintf("%s: was written by a newer xipsandbox (schema %d; this one reads up to %d); upgrade "
			 "xipsandbox, or use --db to choose another file", newer, STORE_SCHEMA_VERSION + 1,
			 STORE_SCHEMA_VERSION);
	refused_both("store-7.13", "a newer schema", newer, want);
	free(want);
	raw(negative, "PRAGMA user_version = -3;");
	refused_both("store-7.19", "a negative user_version", negative, "another program (its user_version is -3)");
	free(make_ours("damaged.db"));
	raw(damaged, "DROP TABLE explorations;");
	want = xasprintf("is damaged: it has xipsandbox schema %d but not all", STORE_SCHEMA_VERSION);
	refused_both("store-7.14", "ours without one of its tables", damaged, want);
	free(want);
	if (mkfifo(fifo, 0644) == 0)
		refused_both("store-7.15", "a FIFO", fifo, ": cannot open: not a regular file");
	else
		tap_skip("store-7.15", "mkfifo failed");
	make_hot_journal(hot);
	b = slurp(hot_journal);
	refused_both("store-7.16", "another program's database with a hot journal", hot,
		     "has an unfinished transaction of a program that stopped in the middle");
	tap_ok(b.n > 0 && same_bytes(b, hot_journal), "store-7.17", "... its journal is unchanged too (no rollback)");
	free(b.p);
	tap_ok(store_open("", STORE_READ, &st, &cause) != 0 && strstr(cause, "the database path is empty"), "store-7.18",
	       "an empty path is refused");
	free(cause);
	free(dir), free(loop), free(loop2), free(rnd), free(txt), free(trunc), free(hdr), free(foreign);
	free(foreign1), free(app), free(fwal), free(fwal_wal), free(newer), free(damaged), free(fifo), free(under);
	free(hot), free(hot_journal), free(negative);
}

/* ---- store-8: locks ------------------------------------------------------------ */

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* store_schedule_add's time in ms; *r its result. */
static long add_timed(struct store *st, struct store_schedule *s, int *r)
{
	struct timespec t0;
	char *cause = NULL;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*r = store_schedule_add(st, s, &cause);
	free(cause);
	return ms_since(&t0);
}

/* store-8.7..8.10: a write that does not wait (explore's batches), a wait a signal ends (B24). */
static void lock_waits(struct store *st, sqlite3 *db, struct store_schedule *s)
{
	static volatile sig_atomic_t flag;
	char *cause = NULL;
	long ms;
	int r;

	sqlite3_exec(db, "BEGIN IMMEDIATE; UPDATE scenarios SET title = 'x';", NULL, NULL, NULL);
	store_set_wait(st, 0);
	ms = add_timed(st, s, &r);
	tap_ok(r != 0 && store_gave_up_waiting(st) && ms < 150, "store-8.7",
	       "store_set_wait(0): a write fails at once when another program writes, saying it was the lock (%ld ms)", ms);
	store_set_wait(st, 20000);
	store_set_interrupt(st, &flag);
	flag = 1;
	ms = add_timed(st, s, &r);
	tap_ok(r != 0 && store_gave_up_waiting(st) && ms < 150, "store-8.8",
	       "a 20 s wait ends at once when the interrupt is raised (%ld ms)", ms);
	flag = 0;
	store_set_wait(st, -1);
	tap_is_int(store_wait_ms(st), 300, "store-8.9", "store_set_wait(-1): XS_DB_BUSY_MS again");
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	r = store_schedule_add(st, s, &cause);
	tap_ok(r == 0 && !store_gave_up_waiting(st), "store-8.10", "once the lock is free, the write goes through (%s)",
	       cause ? cause : "ok");
	free(cause);
	store_set_interrupt(st, NULL);
}

static void test_locked(void)
{
	char *path = make_ours("locked.db"), *cause = NULL;
	struct store *st;
	struct store_schedule s;
	struct bytes before;
	struct timespec t0;
	long ms;
	sqlite3 *db;
	int r;

	setenv("XS_DB_BUSY_MS", "300", 1);
	/* Another program writing: readers go on, a writer waits, then gives up clearly. */
	sqlite3_open(path, &db);
	sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT INTO scenarios (name, title, text_hash, text)"
		     " VALUES ('other', '', '', '')", NULL, NULL, NULL);
	st = open_ok(path, STORE_WRITE);
	tap_is_int(count(st, NULL), 2, "store-8.1", "while another program writes, we can open and read");
	fill(&s, 1, "buggy", NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = store_schedule_add(st, &s, &cause);
	ms = ms_since(&t0);
	tap_ok(r != 0, "store-8.2", "... but a write waits and fails");
	{
		char *want = xasprintf("%s: is locked by another program; try again, or use --db to choose another file", path);

		tap_is_str(cause, want, "store-8.3", "... with a clear message");
		free(want);
	}
	tap_ok(ms >= 250 && ms < 5000, "store-8.4", "... after the busy timeout from XS_DB_BUSY_MS (%ld ms)", ms);
	free(cause);
	cause = NULL;
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	tap_ok(store_schedule_add(st, &s, &cause) == 0, "store-8.5", "once it commits, the write goes through");
	lock_waits(st, db, &s);
	store_schedule_clear(&s);
	store_close(st);

	/* Another program holding an exclusive lock: not even reading. */
	sqlite3_exec(db, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE scenarios SET title = 'x';",
		     NULL, NULL, NULL);
	before = slurp(path);
	refused_both("store-8.6", "a file another program holds exclusively", path, ": is locked by another program; try again");
	free(before.p);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	unsetenv("XS_DB_BUSY_MS");
	free(path);
}

/* ---- store-9: read-only, pretended ------------------------------------------------ */

static void test_readonly_forced(void)
{
	char *path = make_ours("forced.db"), *zero = tpath("forced-zero.db"), *cause = NULL;
	struct bytes before = slurp(path);
	struct store_schedule s;
	struct store *st = NULL;

	setenv("XS_DB_FORCE_READONLY", "1", 1);
	refused("store-9.1", "a read-only file (XS_DB_FORCE_READONLY=1)", path, STORE_WRITE,
		": is read-only (Permission denied); make it writable, or use --db to choose another file");
	tap_ok(store_open(path, STORE_READ, &st, &cause) == 0, "store-9.2", "... opens for reading");
	tap_is_int(st ? count(st, NULL) : -1, 2, "store-9.3", "... and reads");
	fill(&s, 1, "buggy", NULL);
	tap_ok(st && store_schedule_add(st, &s, &cause) != 0 && strstr(cause, ": is read-only"), "store-9.4",
	       "... a write through it says the file is read-only");
	store_schedule_clear(&s);
	store_close(st);
	free(cause);
	cause = NULL;
	tap_ok(same_bytes(before, path), "store-9.5", "... and the file is unchanged");
	spit(zero, "", 0);
	tap_ok(store_open(zero, STORE_READ, &st, &cause) != 0 && strstr(cause, "is read-only and not set up yet"),
	       "store-9.6", "an empty read-only file cannot be set up, even for reading");
	free(cause);
	unsetenv("XS_DB_FORCE_READONLY");
	free(before.p);
	free(path);
	free(zero);
}

/* ---- store-10: read-only for real (as nobody when we are root) ------------------- */

struct ro_check {
	const char *id, *id_bytes, *desc;
	char *path;
	enum store_mode mode;
	const char *want; /* NULL: it opens and its two schedules are listed */
};

/* In the child: one line per check, "OK<TAB>what happened". */
static void ro_child(int fd, struct ro_check *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct store *st = NULL;
		char *cause = NULL, *line;
		int r = store_open(c[i].path, c[i].mode, &st, &cause), ok;
		long rows = 0;

		if (r == 0 && store_schedule_list(st, NULL, count_one, &rows, &cause) != 0)
			r = -1;
		ok = c[i].want ? r != 0 && strstr(cause, c[i].want) != NULL : r == 0 && rows == 2;
		line = xasprintf("%d\t%s", ok, cause ? cause : "opened");
		for (char *p = line; *p; p++)
			if (*p == '\n')
				*p = ' ';
		dprintf(fd, "%s\n", line);
		free(line);
		free(cause);
		store_close(st);
	}
}

static int drop_to_nobody(void)
{
	if (geteuid() != 0)
		return 0;
	return setgroups(0, NULL) == 0 && setgid(NOBODY) == 0 && setuid(NOBODY) == 0 ? 0 : -1;
}

static void test_readonly_real(void)
{
	char *a = tpath("ro-a"), *b = tpath("ro-b"), *c = tpath("ro-c"), *shm, buf[8192];
	struct ro_check checks[] = {
		{ "store-10.1", "store-10.9.1", "a file without write permission, for writing", make_ours("ro-a/x.db"),
		  STORE_WRITE,
		  ": is read-only (Permission denied); make it writable" },
		{ "store-10.2", "store-10.9.2", "... for reading: it opens and reads", NULL, STORE_READ, NULL },
		{ "store-10.3", "store-10.9.3", "a file in a read-only directory, for writing", make_ours("ro-b/x.db"),
		  STORE_WRITE,
		  ": is read-only: its directory" },
		{ "store-10.4", "store-10.9.4", "... for reading: it opens (immutable) and reads", NULL, STORE_READ, NULL },
		{ "store-10.5", "store-10.9.5", "WAL changes without -shm in a read-only directory, for reading",
		  make_ours("ro-c/x.db"), STORE_READ, ": cannot be read: it is in WAL mode with changes in" },
		{ "store-10.6", "store-10.9.6", "... for writing", NULL, STORE_WRITE, ": is read-only" },
		{ "store-10.7", "store-10.9.7", "an unreadable file", tpath("ro-a/secret.db"), STORE_READ,
		  ": cannot open: Permission denied" },
		{ "store-10.8", "store-10.9.8", "a missing file in a read-only directory", tpath("ro-b/missing.db"), STORE_READ,
		  ": cannot create the database in" },
	};
	size_t n = sizeof checks / sizeof checks[0];
	struct bytes before[sizeof checks / sizeof checks[0]];
	int fds[2], status = 0;
	size_t got = 0;
	ssize_t r;
	sqlite3 *db;
	pid_t pid;

	checks[1].path = xstrdup(checks[0].path);
	checks[3].path = xstrdup(checks[2].path);
	checks[5].path = xstrdup(checks[4].path);
	/* ro-c: a change still in the -wal, and no -shm */
	sqlite3_open(checks[4].path, &db);
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	sqlite3_exec(db, "PRAGMA wal_autocheckpoint = 0; UPDATE scenarios SET title = 'changed'", NULL, NULL, NULL);
	sqlite3_close(db);
	shm = xasprintf("%s-shm", checks[4].path);
	unlink(shm);
	free(shm);
	free(make_ours("ro-a/secret.db"));
	chmod(checks[6].path, 0);
	chmod(checks[0].path, 0444);
	chmod(checks[2].path, 0666); /* writable, but its directory is not */
	chmod(tmpdir, 0755);
	chmod(a, 0777);
	chmod(b, 0555);
	chmod(c, 0555);
	for (size_t i = 0; i < n; i++)
		before[i] = slurp(checks[i].path);

	fflush(stdout);
	if (pipe(fds) != 0 || (pid = fork()) < 0)
		fatal("pipe/fork: %s", strerror(errno));
	if (pid == 0) {
		int code = drop_to_nobody() != 0 ? 77 : access(tmpdir, X_OK) != 0 ? 78 : 0;

		close(fds[0]);
		if (code == 0)
			ro_child(fds[1], checks, n);
		/* valgrind checks the child for leaks too */
		for (size_t i = 0; i < n; i++) {
			free(checks[i].path);
			free(before[i].p);
		}
		free(a), free(b), free(c);
		_exit(code);
	}
	close(fds[1]);
	while ((r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *why = WIFEXITED(status) && WEXITSTATUS(status) == 77 ? "cannot become user nobody"
				  : WIFEXITED(status) && WEXITSTATUS(status) == 78 ? "user nobody cannot reach $TMPDIR"
				  : "the child process failed";
		for (size_t i = 0; i < n; i++)
			tap_skip(checks[i].id, why);
	} else {
		char *line = buf;

		for (size_t i = 0; i < n; i++) {
			char *nl = strchr(line, '\n');

			if (nl)
				*nl = '\0';
			tap_ok(line[0] == '1', checks[i].id, "%s%s%s%s", checks[i].desc, checks[i].want ? " (\"" : "",
			       checks[i].want ? checks[i].want : "", checks[i].want ? "\")" : "");
			if (line[0] != '1')
				tap_diag("got: %s", line[0] ? line + 2 : "(nothing)");
			line = nl ? nl + 1 : line + strlen(line);
		}
	}
	for (size_t i = 0; i < n; i++) {
		tap_ok(same_bytes(before[i], checks[i].path), checks[i].id_bytes,
		       "after %s, the file's bytes are unchanged", checks[i].id);
		free(before[i].p);
	}
	chmod(a, 0755);
	chmod(b, 0755);
	chmod(c, 0755);
	for (size_t i = 0; i < n; i++)
		free(checks[i].path);
	free(a);
	free(b);
	free(c);
}

/* ---- store-11: hostile contents in a file of ours -------------------------------- */

static void test_hostile(void)
{
	char *path = make_ours("hostile.db"), *cause = NULL;
	struct store_schedule s, many[3];
	struct store *st;
	int found = 0;

	raw(path, "UPDATE schedules SET choices = hex(zeroblob(5000000)) WHERE name = 'race'");
	st = open_ok(path, STORE_READ);
	tap_ok(store_schedule_find(st, "classic", "race", NULL, &s, &found, &cause) == 0 && found &&
	       strlen(s.choices) == 10000000, "store-11.1", "a 10 MB choices string reads back whole");
	store_schedule_clear(&s);
	tap_is_int(count(st, NULL), 2, "store-11.2", "... and lists");
	store_close(st);

	raw(path, "UPDATE schedules SET choices = x'0031003200', length = 'many' WHERE name = 'race'");
	st = open_ok(path, STORE_READ);
	tap_ok(store_schedule_find(st, "classic", "race", NULL, &s, &found, &cause) == 0 && found &&
	       s.choices[0] == '\0', "store-11.3", "a blob with NUL bytes and text for a number read without harm");
	store_schedule_clear(&s);
	store_close(st);

	raw(path, "CREATE VIEW v AS SELECT 1; CREATE TRIGGER no_more BEFORE INSERT ON schedules BEGIN"
		  " SELECT RAISE(ABORT, 'no more schedules, says the trigger'); END;");
	st = open_ok(path, STORE_WRITE);
	tap_ok(st != NULL, "store-11.4", "a view and a trigger someone added: the file is still ours");
	fill(&s, 1, "buggy", NULL);
	tap_ok(store_schedule_add(st, &s, &cause) != 0 && strncmp(cause, path, strlen(path)) == 0 &&
	       strstr(cause, "no more schedules, says the trigger"), "store-11.5", "the trigger's refusal is passed on");
	free(cause);
	cause = NULL;
	store_schedule_clear(&s);
	for (int i = 0; i < 3; i++)
		fill(&many[i], 1, "buggy", NULL);
	tap_ok(store_schedule_add_many(st, many, 3, NULL, &cause) != 0 && count(st, NULL) == 2, "store-11.6",
	       "... add_many records nothing");
	free(cause);
	cause = NULL;
	for (int i = 0; i < 3; i++)
		store_schedule_clear(&many[i]);
	store_close(st);

	raw(path, "DROP TRIGGER no_more; ALTER TABLE schedules RENAME COLUMN description TO notes;");
	st = open_ok(path, STORE_READ);
	tap_ok(store_schedule_list(st, NULL, count_one, &(long){ 0 }, &cause) != 0 &&
	       strncmp(cause, path, strlen(path)) == 0 && strstr(cause, "no such column"), "store-11.7",
	       "a column someone renamed: a clear error, no crash");
	free(cause);
	store_close(st);
	free(path);

	path = make_ours("dangling.db");
	raw(path, "INSERT INTO schedules (scenario_id, scenario_hash, version, choices, length, preemptions,"
		  " verdict, trace_hash, origin) VALUES (77, '', 'buggy', '0', 1, 0, 'ok', '', 'user')");
	st = open_ok(path, STORE_READ);
	tap_is_int(count(st, NULL), 3, "store-11.8", "a schedule whose scenario is gone (foreign keys were off) still lists");
	store_close(st);
	free(path);
}

/* ---- store-12..14: several processes; a killed one ----------------------------- */

static int writer(const char *path, int n)
{
	struct store *st = NULL;
	char *cause = NULL;
	struct store_scenario scn;
	int r = 0;

	if (store_open(path, STORE_WRITE, &st, &cause) != 0 ||
	    store_scenario_sync(st, "classic", "A title", HASH, "text", NULL, &scn, NULL, &cause) != 0) {
		fprintf(stderr, "writer %d: %s\n", (int)getpid(), cause);
		free(cause);
		store_close(st);
		return 1;
	}
	for (int i = 0; i < n && r == 0; i++) {
		struct store_schedule s;

		fill(&s, scn.id, "buggy", NULL);
		if ((r = store_schedule_add(st, &s, &cause)) != 0) {
			fprintf(stderr, "writer %d: %s\n", (int)getpid(), cause);
			free(cause);
		}
		store_schedule_clear(&s);
	}
	store_scenario_clear(&scn);
	store_close(st);
	return r ? 1 : 0;
}

static void concurrent(const char *id, const char *desc, const char *path, int nproc, int each, long before)
{
	pid_t pids[8];
	int failed = 0;
	struct store *st;
	char *check, *sub = xasprintf("%s.1", id);

	fflush(stdout);
	for (int k = 0; k < nproc; k++) {
		if ((pids[k] = fork()) < 0)
			fatal("fork: %s", strerror(errno));
		if (pids[k] == 0) {
			int code = writer(path, each);

			free(sub); /* valgrind checks the child for leaks too */
			_exit(code);
		}
	}
	for (int k = 0; k < nproc; k++) {
		int status = 0;

		waitpid(pids[k], &status, 0);
		failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	tap_is_int(failed, 0, sub, "%s: %d processes adding %d schedules each all succeed", desc, nproc, each);
	st = open_ok(path, STORE_READ);
	sub[strlen(sub) - 1] = '2';
	tap_is_int(count(st, NULL), before + (long)nproc * each, sub, "... and every schedule is there");
	store_close(st);
	sub[strlen(sub) - 1] = '3';
	tap_is_int(raw_int(path, "SELECT count(*) FROM scenarios"), 1, sub, "... with one scenario row");
	check = raw_str(path, "PRAGMA integrity_check");
	sub[strlen(sub) - 1] = '4';
	tap_is_str(check, "ok", sub, "... and the file passes integrity_check");
	free(check);
	free(sub);
}

static void test_concurrent(void)
{
	char *path = make_ours("busy.db"), *fresh = tpath("fresh/busy.db");

	concurrent("store-12", "an existing database", path, 4, 200, 2);
	concurrent("store-13", "a database that does not exist yet", fresh, 4, 50, 0);
	free(path);
	free(fresh);
}

#define KILL_BATCH 100

static void killed_child(const char *path, int fd)
{
	struct store_schedule rows[KILL_BATCH];
	struct store *st = NULL;
	char *cause = NULL;

	if (store_open(path, STORE_WRITE, &st, &cause) != 0)
		_exit(1);
	for (int i = 0; i < KILL_BATCH; i++)
		fill(&rows[i], 1, "buggy", NULL);
	for (;;) {
		if (store_schedule_add_many(st, rows, KILL_BATCH, NULL, &cause) != 0)
			_exit(1);
		if (write(fd, "x", 1) != 1)
			_exit(1);
	}
}

static void test_killed(void)
{
	char *path = tpath("killed.db"), *check, id[32];
	struct store *st = open_ok(path, STORE_WRITE);

	scenario(st, "classic");
	store_close(st);
	for (int round = 0; round < 3; round++) {
		struct timespec ts = { 0, (long)(round * 3 + 1) * 1000000 };
		int fds[2], status;
		long n;
		char c;
		pid_t pid;

		fflush(stdout);
		if (pipe(fds) != 0 || (pid = fork()) < 0)
			fatal("pipe/fork: %s", strerror(errno));
		if (pid == 0) {
			close(fds[0]);
			killed_child(path, fds[1]);
		}
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			tap_diag("the writer died before its first batch");
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(fds[0]);
		check = raw_str(path, "PRAGMA integrity_check");
		snprintf(id, sizeof id, "store-14.%d.1", round + 1);
		tap_is_str(check, "ok", id, "a writer killed (SIGKILL) %ld ms into its work: integrity_check ok",
			   ts.tv_nsec / 1000000);
		free(check);
		st = open_ok(path, STORE_WRITE);
		n = count(st, NULL);
		store_close(st);
		snprintf(id, sizeof id, "store-14.%d.2", round + 1);
		tap_ok(n > 0 && n % KILL_BATCH == 0, id, "... and it holds whole batches only (%ld rows)", n);
	}
	free(path);
}

/* A line with its check computed for body (as export would): the tests' way to a well-formed line with a bad field. */
static char *checked(const char *body)
{
	char hex[17];

	return xasprintf("%s:%s", body, record_hex(util_fnv1a(UTIL_FNV1A_INIT, body, strlen(body)), hex));
}

/* The export line keeps the memory model (issue 16, B53): xs3 for tso/weak, xs2 for sc as before. */
static void test_export_lines(void)
{
	struct store_schedule s = { 0 };
	struct record_import im;
	char *line, *cause = NULL, *bad;
	int rc;
	char scn[] = "classic", ver[] = "fixed", name[] = "w", hash[] = "578a51a43c4f3d39", cpus[] = "0 0 1";
	char sc[] = "sc", weak[] = "weak", mixed[] = "0 0 flush0:xip_sparse_seq 1 drain1:i_data[0] 1";

	s.scenario = scn;
	s.version = ver;
	s.name = name;
	s.scenario_hash = hash;
	s.choices = cpus;
	line = record_export_line(&s);
	tap_ok(strncmp(line, "xs2:classic:fixed:w:578a51a43c4f3d39:3:001:", 43) == 0 && strlen(line) == 43 + 16, "store-15.1",
	       "a row without a model (sc) exports as xs2, as before: %s", line);
	free(line);
	s.memory_model = sc;
	line = record_export_line(&s);
	tap_ok(strncmp(line, "xs2:", 4) == 0, "store-15.2", "so does an sc row");
	free(line);
	s.memory_model = weak;
	s.choices = mixed;
	line = record_export_line(&s);
	tap_ok(strncmp(line, "xs3:classic:fixed:weak:w:578a51a43c4f3d39:6:00,flush0:xip_sparse_seq,1,drain1:i_data[0],1:", 90) == 0 &&
	       strlen(line) == 90 + 16,
	       "store-15.3", "a weak row exports as xs3: the model, steps counted, memory choices set off by ',': %s", line);
	rc = record_parse_export(line, &im, &cause);
	tap_ok(rc == 0 && strcmp(im.model, "weak") == 0 && !im.choices && im.n == 6 &&
	       im.text && strcmp(im.text, "0 0 flush0:xip_sparse_seq 1 drain1:i_data[0] 1") == 0 && strcmp(im.name, "w") == 0 &&
	       strcmp(im.version, "fixed") == 0 && !im.xs1,
	       "store-15.4", "... and parses back: model weak, the schedule's text, 6 steps (%s)", cause ? cause : im.text);
	record_import_clear(&im);
	free(cause);
	cause = NULL;
	free(line);
	bad = checked("xs3:classic:fixed:bogus:w:578a51a43c4f3d39:1:0");
	rc = record_parse_export(bad, &im, &cause);
	tap_ok(rc != 0 && strstr(cause, "unknown memory model 'bogus'"), "store-15.5",
	       "an xs3 line with a model that is not one (its check right) is refused: %s", cause ? cause : "(accepted)");
	free(cause);
	cause = NULL;
	free(bad);
	bad = checked("xs3:classic:fixed:tso:w:578a51a43c4f3d39:2:0,flush9:x");
	rc = record_parse_export(bad, &im, &cause);
	tap_ok(rc != 0 && strstr(cause, "bad memory choice 'flush9:x'"), "store-15.6",
	       "... and one whose flush names no CPU 0-7: %s", cause ? cause : "(accepted)");
	free(cause);
	cause = NULL;
	free(bad);
	bad = checked("xs3:classic:fixed:tso:w:578a51a43c4f3d39:3:0,,1");
	rc = record_parse_export(bad, &im, &cause);
	tap_ok(rc != 0 && strstr(cause, "an empty choice"), "store-15.7",
	       "... and one with an empty choice: %s", cause ? cause : "(accepted)");
	free(cause);
	cause = NULL;
	free(bad);
	bad = checked("xs2:classic:fixed:w:578a51a43c4f3d39:3:001");
	rc = record_parse_export(bad, &im, &cause);
	tap_ok(rc == 0 && strcmp(im.model, "sc") == 0 && im.choices && !im.text,
	       "store-15.8", "an xs2 line parses as sc, as before");
	record_import_clear(&im);
	free(bad);
}

/* ---- store-16: schema 6 -> 7, final admitted -------------------------------------- */

#define CHECK_6 "CHECK (version IN ('buggy', 'fixed', 'later'))"
#define CHECK_7 "CHECK (version IN ('buggy', 'fixed', 'later', 'final'))"
/* the same inside an SQL string literal */
#define CHECK_6_SQL "CHECK (version IN (''buggy'', ''fixed'', ''later''))"
#define CHECK_7_SQL "CHECK (version IN (''buggy'', ''fixed'', ''later'', ''final''))"

/* Append one value, its type and its bytes (a blob in hex), to *out. */
static void dump_value(sqlite3_stmt *q, int i, char **out)
{
	int t = sqlite3_column_type(q, i), n = sqlite3_column_bytes(q, i);
	const unsigned char *b = t == SQLITE_BLOB ? sqlite3_column_blob(q, i) : sqlite3_column_text(q, i);
	char *v = xcalloc((size_t)n * 2 + 1, 1), *next;

	for (int k = 0; k < n && b; k++)
		if (t == SQLITE_BLOB)
			sprintf(v + 2 * k, "%02x", b[k]);
		else
			v[k] = (char)b[k];
	next = xasprintf("%s%d:%s|", *out, t, v);
	free(v);
	free(*out);
	*out = next;
}

/*
 * Every row of every table of ours, rowid first, each value with its type;
 * the sequence; sqlite_master (rootpage too: a table copied elsewhere
 * would show) with `master_sql` for its sql column.
 */
static char *dump_db(const char *path, const char *master_sql)
{
	static const char *const tables[] = { "scenarios", "schedules", "explorations", "exploration_units",
					      "challenge_progress", "sqlite_sequence" };
	sqlite3 *db = NULL;
	char *out = xstrdup("");

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		fatal("%s: cannot open", path);
	for (size_t t = 0; t <= sizeof tables / sizeof tables[0]; t++) {
		char *sql = t < sizeof tables / sizeof tables[0]
			    ? xasprintf("SELECT rowid, * FROM %s ORDER BY rowid", tables[t])
			    : xasprintf("SELECT type, name, tbl_name, rootpage, %s FROM sqlite_master ORDER BY rowid",
					master_sql);
		sqlite3_stmt *q = NULL;
		char *next;

		if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
			fatal("%s: %s: %s", path, sql, sqlite3_errmsg(db));
		while (sqlite3_step(q) == SQLITE_ROW) {
			for (int i = 0; i < sqlite3_column_count(q); i++)
				dump_value(q, i, &out);
			next = xasprintf("%s\n", out);
			free(out);
			out = next;
		}
		sqlite3_finalize(q);
		free(sql);
	}
	sqlite3_close(db);
	return out;
}

/*
 * A file as schema 6 left it: made by this build, then its three version
 * CHECKs put back to schema 6's text and user_version set to 6 (the
 * rows, ids and pages stay; tests/store_cli.sh's db-17 upgrades a file
 * the release before wrote).  It holds rows of every table, a gap in the
 * sequence (the last schedule deleted), and an index, a view and a trigger
 * someone added.
 */
static char *make_schema6(const char *name)
{
	char *path = tpath(name), *cause = NULL;
	struct store *st = open_ok(path, STORE_WRITE);
	struct store_exploration e = { .scenario_hash = HASH, .version = "fixed", .mode = "reduced",
				       .executions = 7, .states = 3, .complete = 1, .verdicts = "ok=7",
				       .plan = "plan", .units = 2 };
	struct store_unit u[2] = { { 0, "\x00\x01\xff", 3 }, { 1, "", 0 } };
	struct store_progress p = { .player = "ann", .level = "corrupt", .scenario = "classic", .version = "buggy",
				    .goal = "corruption", .outcome = "won", .stars = 2, .best_length = 38,
				    .best_preemptions = 3, .best_schedule = "0 1 0" };
	long scn = scenario(st, "classic"), last;

	add(st, scn, "buggy", "race");
	add(st, scn, "fixed", NULL);
	add(st, scn, "later", "later-one");
	last = add(st, scn, "buggy", NULL);
	e.scenario_id = scn;
	if (store_exploration_add(st, &e, &cause) != 0)
		fatal("%s", cause);
	e.units_done = 2;
	if (store_exploration_update(st, &e, u, 2, &cause) != 0 || store_progress_add(st, &p, &cause) != 0)
		fatal("%s", cause);
	store_close(st);
	raw(path, "CREATE INDEX mine_by_name ON schedules (name);"
		  " CREATE VIEW mine_finals AS SELECT id FROM schedules WHERE version = 'final';"
		  " CREATE TRIGGER mine_touch AFTER INSERT ON schedules BEGIN"
		  "  UPDATE scenarios SET title = title WHERE id = NEW.scenario_id; END;");
	{
		char *sql = xasprintf("DELETE FROM schedules WHERE id = %ld; PRAGMA writable_schema = ON;"
				      " UPDATE sqlite_master SET sql = replace(sql, '" CHECK_7_SQL "', '" CHECK_6_SQL "')"
				      "  WHERE type = 'table';"
				      " PRAGMA writable_schema = OFF; PRAGMA user_version = 6;", last);
		raw(path, sql);
		free(sql);
	}
	return path;
}

static void test_upgrade7(void)
{
	char *path = make_schema6("six.db"), *hand = make_schema6("six-hand.db"), *cause = NULL;
	char *before, *after, *str;
	struct store *st = NULL;
	struct store_schedule s;
	struct store_exploration e = { .scenario_id = 1, .scenario_hash = HASH, .version = "final", .mode = "reduced" };
	struct store_progress p = { .player = "bob", .level = "last", .scenario = "truncate", .version = "final",
				    .goal = "corruption", .outcome = "open", .tries = 1 };
	struct bytes b6;
	long seq;
	int r;

	tap_ok(raw_int(path, "PRAGMA user_version") == 6 &&
	       raw_int(path, "SELECT count(*) FROM sqlite_master WHERE instr(sql, '" CHECK_6_SQL "') > 0") == 3,
	       "store-16.1", "the file made for the test is schema 6, its three version CHECKs schema 6's");
	before = dump_db(path, "replace(sql, '" CHECK_6_SQL "', '" CHECK_7_SQL "')");
	seq = raw_int(path, "SELECT seq FROM sqlite_sequence WHERE name = 'schedules'");

	setenv("XS_DB_FORCE_READONLY", "1", 1);
	b6 = slurp(path);
	r = store_open(path, STORE_READ, &st, &cause);
	tap_ok(r != 0 && cause && strstr(cause, "is read-only and not set up yet (schema 6; xipsandbox needs 7)"),
	       "store-16.2", "read-only, a schema 6 file is not upgraded, and says so");
	if (r == 0)
		store_close(st);
	st = NULL;
	free(cause);
	cause = NULL;
	tap_ok(same_bytes(b6, path), "store-16.3", "... its bytes unchanged");
	unsetenv("XS_DB_FORCE_READONLY");

	/* what list, export and replay do: a writable file is upgraded by reading commands too */
	st = open_ok(path, STORE_READ);
	store_close(st);
	tap_is_int(raw_int(path, "PRAGMA user_version"), 7, "store-16.4", "writable, it is upgraded to schema 7");
	after = dump_db(path, "sql");
	tap_ok(strcmp(after, before) == 0, "store-16.5", "every row, value and rowid, the sequence, every root page, "
	       "an index, a view and a trigger someone added are kept; only the three CHECKs now admit final");
	if (strcmp(after, before) != 0)
		tap_diag("before:\n%s\nafter:\n%s", before, after);
	tap_is_int(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE instr(sql, '" CHECK_7_SQL "') > 0"), 3,
		   "store-16.6", "... the CHECKs of schedules, explorations and challenge_progress");
	str = raw_str(path, "PRAGMA integrity_check");
	tap_is_str(str, "ok", "store-16.7", "... and the file passes integrity_check");
	free(str);

	st = open_ok(path, STORE_WRITE);
	fill(&s, 1, "final", "after-upgrade");
	r = store_schedule_add(st, &s, &cause);
	tap_ok(r == 0 && s.id == seq + 1, "store-16.8",
	       "a final schedule goes in with the sequence's next id, %ld (%ld was deleted: not given again)%s%s",
	       s.id, seq, cause ? ": " : "", cause ? cause : "");
	free(cause);
	cause = NULL;
	store_schedule_clear(&s);
	r = store_exploration_add(st, &e, &cause);
	tap_ok(r == 0, "store-16.9", "... an exploration of final%s%s",
	       cause ? ": " : "", cause ? cause : "");
	free(cause);
	cause = NULL;
	r = store_progress_add(st, &p, &cause);
	tap_ok(r == 0, "store-16.10", "... and challenge progress on final%s%s",
	       cause ? ": " : "", cause ? cause : "");
	free(cause);
	cause = NULL;
	store_close(st);
	tap_is_int(raw_int(path, "SELECT count(*) FROM mine_finals"), 1, "store-16.11",
		   "the view someone added still works, and sees it");

	/* a CHECK someone edited by hand: the file opens, that table keeps its CHECK */
	raw(hand, "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, '" CHECK_6_SQL "',"
		  " 'CHECK (version IN (''buggy'', ''fixed'', ''later'', ''mine''))') WHERE name = 'schedules';"
		  " PRAGMA writable_schema = OFF;");
	r = store_open(hand, STORE_WRITE, &st, &cause);
	tap_ok(r == 0, "store-16.12", "a file whose schedules CHECK someone edited still upgrades%s%s",
	       cause ? ": " : "", cause ? cause : "");
	free(cause);
	cause = NULL;
	if (r == 0) {
		fill(&s, 1, "final", NULL);
		r = store_schedule_add(st, &s, &cause);
		tap_ok(r != 0 && cause && strncmp(cause, hand, strlen(hand)) == 0 && strstr(cause, "CHECK"),
		       "store-16.13", "... that CHECK left as it was: a final row is refused with SQLite's reason");
		if (cause)
			tap_diag("%s", cause);
		free(cause);
		cause = NULL;
		store_schedule_clear(&s);
		store_close(st);
	}
	tap_ok(raw_int(hand, "SELECT count(*) FROM sqlite_master WHERE instr(sql, '''mine''') > 0") == 1 &&
	       raw_int(hand, "SELECT count(*) FROM sqlite_master WHERE instr(sql, '" CHECK_7_SQL "') > 0") == 2,
	       "store-16.14", "... while the other two tables admit final");
	free(before);
	free(after);
	free(b6.p);
	free(hand);
	free(path);
}

int main(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/store_test.XXXXXX", base && *base ? base : "/tmp");

	umask(022);
	if (!mkdtemp(tmpl))
		fatal("mkdtemp %s: %s", tmpl, strerror(errno));
	tmpdir = tmpl;
	unsetenv("XS_DB_FORCE_READONLY");
	unsetenv("XS_DB_BUSY_MS");
	test_default_path();
	test_open();
	test_scenarios();
	test_schedules();
	test_names();
	test_shipped();
	test_bad_files();
	test_locked();
	test_readonly_forced();
	test_readonly_real();
	test_hostile();
	test_concurrent();
	test_killed();
	test_export_lines();
	test_upgrade7();
	rm_rf(tmpdir);
	free(tmpdir);
	return tap_done();
}
