/*
 * store.c - the schedule database: one SQLite file, opened with care
 * (the tables: docs/schema.md).  This file opens, checks and migrates it;
 * store_rows.c reads and writes scenarios and schedules,
 * store_explore.c explorations, store_progress.c challenge progress,
 * store_sql.c has the SQL helpers they share
 * (store-int.h).
 *
 * Central structure: struct store, one connection to one file.  No
 * statement outlives the call that prepared it, so a store_schedule_list
 * callback may call back into the store.
 *
 * Opening looks before it touches.  check_file() asks the file system
 * (stat, access) and creates a missing file's directories; inspect() then
 * reads the file through a read-only connection that may not checkpoint on
 * close, and check_contents() decides whether it is empty or one of ours.
 * Only then is the file opened for writing and switched to WAL, which is
 * persistent (it rewrites the header), and migrated.  A file that is not
 * ours, newer than us, damaged or locked is left byte for byte as it was.
 *
 * Invariants:
 *  - Every change of more than one row runs between sql_begin() (BEGIN
 *    IMMEDIATE, retried until the busy timeout is spent) and sql_commit(); every
 *    failure in between rolls back before returning.
 *  - SQL text is constant; every value is bound.  migrations[k] takes a
 *    file from schema version k to k + 1; version 0 is an empty file.
 *  - Every message starts with the database path (store_default_path's,
 *    which has none yet, excepted).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store-int.h"

#define STORE_APPLICATION_ID 0x58495053 /* "XIPS": PRAGMA application_id */
#define STORE_BUSY_MS 5000              /* default; XS_DB_BUSY_MS overrides */
#define STORE_WORK_MS 10000             /* one statement's work; XS_DB_WORK_MS overrides */
#define STORE_PROGRESS_OPS 1000         /* VM instructions between two looks at the clock */


/* What check_file() learnt about the path. */
struct file_state {
	int exists;     /* a regular file we may read */
	int writable;   /* we may write it and create its -wal and -shm */
	int file_errno; /* why not, when the file itself is the reason */
	char *dir;      /* its directory */
};

/* ---- schema ------------------------------------------------------------------ */

#define TIMESTAMP "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
/*
 * The version CHECK as schemas 1 to 6 wrote it; schema 7 edits it into
 * VERSION_CHECK_7 (schema_v7).  The schema steps below keep the old text:
 * a step, once released, is never edited.
 */
#define VERSION_CHECK "CHECK (version IN ('buggy', 'fixed', 'later'))"
#define VERSION_CHECK_7 "CHECK (version IN ('buggy', 'fixed', 'later', 'final'))"
#define VERSION_TABLES "'schedules', 'explorations', 'challenge_progress'" /* the tables with it */

/* Stored verbatim in sqlite_master, so laid out for a reader of .schema. */
static const char schema_v1[] =
	"CREATE TABLE scenarios (\n"
	"  id           INTEGER PRIMARY KEY,\n"
	"  name         TEXT NOT NULL UNIQUE,\n"
	"  title        TEXT NOT NULL,\n"
	"  text_hash    TEXT NOT NULL,\n"
	"  text         TEXT NOT NULL,\n"
	"  shipped_hash TEXT,\n"
	"  created      TEXT NOT NULL DEFAULT " TIMESTAMP "\n"
	");\n"
	"CREATE TABLE schedules (\n"
	"  id            INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  scenario_id   INTEGER NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,\n"
	"  scenario_hash TEXT NOT NULL,\n"
	"  version       TEXT NOT NULL " VERSION_CHECK ",\n"
	"  choices       TEXT NOT NULL,\n"
	"  length        INTEGER NOT NULL CHECK (length >= 0),\n"
	"  preemptions   INTEGER NOT NULL CHECK (preemptions >= 0),\n"
	"  verdict       TEXT NOT NULL CHECK (verdict IN\n"
	"                  ('ok', 'corruption', 'bug', 'deadlock', 'leak', 'step-limit')),\n"
	"  trace_hash    TEXT NOT NULL,\n"
	"  origin        TEXT NOT NULL CHECK (origin IN ('shipped', 'user', 'explore')),\n"
	"  name          TEXT CHECK (name IS NULL OR (length(name) BETWEEN 1 AND 64\n"
	"                  AND name NOT GLOB '*[^A-Za-z0-9_.-]*' AND name GLOB '*[^0-9]*')),\n"
	"  milestones    TEXT,\n"
	"  description   TEXT,\n"
	"  created       TEXT NOT NULL DEFAULT " TIMESTAMP ",\n"
	"  UNIQUE (scenario_id, version, name)\n"
	");\n"
	"CREATE INDEX schedules_by_scenario ON schedules (scenario_id, id);\n"
	"CREATE TABLE explorations (\n"
	"  id            INTEGER PRIMARY KEY,\n"
	"  scenario_id   INTEGER NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,\n"
	"  scenario_hash TEXT NOT NULL,\n"
	"  version       TEXT NOT NULL " VERSION_CHECK ",\n"
	"  mode          TEXT NOT NULL,\n"
	"  bounds        TEXT,\n"
	"  executions    INTEGER NOT NULL DEFAULT 0,\n"
	"  states        INTEGER NOT NULL DEFAULT 0,\n"
	"  complete      INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),\n"
	"  verdicts      TEXT,\n"
	"  elapsed_ms    INTEGER NOT NULL DEFAULT 0,\n"
	"  created       TEXT NOT NULL DEFAULT " TIMESTAMP "\n"
	");\n"
	"CREATE INDEX explorations_by_scenario ON explorations (scenario_id, id);\n";

/*
 * Version 2: explorations split into units (explore -j, --shard, --resume,
 * merge) keep each unit's findings, so that an interrupted search resumes
 * and the shards of one search merge into the result of a single run.
 */
static const char schema_v2[] =
	"ALTER TABLE explorations ADD COLUMN plan TEXT;\n"
	"ALTER TABLE explorations ADD COLUMN shard TEXT;\n"
	"ALTER TABLE explorations ADD COLUMN units INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE explorations ADD COLUMN units_done INTEGER NOT NULL DEFAULT 0;\n"
	"CREATE TABLE exploration_units (\n"
	"  exploration_id INTEGER NOT NULL REFERENCES explorations (id) ON DELETE CASCADE,\n"
	"  unit           INTEGER NOT NULL CHECK (unit >= 0),\n"
	"  findings       BLOB NOT NULL,\n"
	"  PRIMARY KEY (exploration_id, unit)\n"
	");\n";

/*
 * Version 3: a schedule says how its trace_hash was computed.  Rows of
 * version 2 and before hashed each step's source line (trace format 1:
 * legacy.h tells how to check them); new rows hash each step's stable site
 * identity (format 2).  The migration changes no row: every old row keeps
 * its hash and is marked format 1.  No CHECK on the new column: adding one
 * makes SQLite check every old row's constraints again, and a file with one
 * tampered row would then not open at all; a format other than 1 or 2 is
 * refused where the row is replayed (record_trace_matches).
 */
static const char schema_v3[] =
	"ALTER TABLE schedules ADD COLUMN trace_format INTEGER NOT NULL DEFAULT 1;\n";

/*
 * Version 4: challenge mode (xipsandbox challenge) keeps each player's
 * progress per level: a new table, nothing else touched.  Its rows are
 * only ever merged into (store_progress_add), never overwritten.
 */
static const char schema_v4[] =
	"CREATE TABLE challenge_progress (\n"
	"  player           TEXT NOT NULL CHECK (length(player) BETWEEN 1 AND 64),\n"
	"  level            TEXT NOT NULL CHECK (length(level) BETWEEN 1 AND 32),\n"
	"  scenario         TEXT NOT NULL,\n"
	"  version          TEXT NOT NULL " VERSION_CHECK ",\n"
	"  goal             TEXT NOT NULL,\n"
	"  outcome          TEXT NOT NULL CHECK (outcome IN ('open', 'won', 'proved')),\n"
	"  tries            INTEGER NOT NULL DEFAULT 0 CHECK (tries >= 0),\n"
	"  stars            INTEGER NOT NULL DEFAULT 0 CHECK (stars BETWEEN 0 AND 3),\n"
	"  best_length      INTEGER CHECK (best_length IS NULL OR best_length >= 0),\n"
	"  best_preemptions INTEGER CHECK (best_preemptions IS NULL OR best_preemptions >= 0),\n"
	"  best_schedule    TEXT,\n"
	"  created          TEXT NOT NULL DEFAULT " TIMESTAMP ",\n"
	"  updated          TEXT NOT NULL DEFAULT " TIMESTAMP ",\n"
	"  PRIMARY KEY (player, level)\n"
	");\n";

/*
 * Version 5: a scenario's row says which file it was read from (its
 * absolute path), so that two files with one name and different texts
 * are told apart: a local other/classic.scn is not the shipped classic
 * (issue 17, item 12).  Old rows get NULL, "not known yet", and are
 * filled in by the next command that reads the same text from a file.
 */
static const char schema_v5[] =
	"ALTER TABLE scenarios ADD COLUMN source TEXT;\n";

/*
 * Version 6: the memory model a schedule ran under (issue 16), since a
 * schedule of flushes and drains, or one whose stores waited in a store
 * buffer, is another run under sc.  Every older row ran under sc and
 * reads so; ADD COLUMN with a default rewrites no row.
 */
static const char schema_v6[] =
	"ALTER TABLE schedules ADD COLUMN memory_model TEXT NOT NULL DEFAULT 'sc';\n";

/*
 * Version 7: the fourth kernel version, final (2015's fault-vs-truncate
 * fix), is recorded (issue 15): the version CHECK of schedules,
 * explorations and challenge_progress admits 'final' too.  SQLite cannot
 * ALTER a CHECK.  Of the two ways its manual gives (lang_altertable.html,
 * "Making Other Kinds Of Table Schema Changes") this is the second: the
 * CHECK's text is edited in sqlite_master under writable_schema and the
 * schema cookie raised, inside the migration's transaction.  The first, a
 * new table filled from the old and renamed, copies every row: each row's
 * constraints are checked again (one row someone changed by hand and the
 * file no longer opens, as schema_v3 says), the AUTOINCREMENT sequence
 * would restart at the highest id left (a deleted schedule's id could come
 * back), challenge_progress's rowids change, dropping explorations with
 * foreign keys on empties exploration_units, and every index, trigger or
 * view (ours or one someone added) must be made again by hand.  The edit
 * rewrites no row, no index, no sequence and no other table's reference.
 * The manual gives it for removing a CHECK; widening one is as safe: every
 * row the old CHECK admitted, the new one admits.  Only the exact text we
 * wrote is replaced; a table whose CHECK someone changed by hand keeps it
 * (what it refuses, SQLite's CHECK message says when a row is recorded).
 * A mistake in the new text would make the schema unreadable: the step
 * reads the schema again before the transaction commits, so the file is
 * then rolled back to what it was, never left unreadable.
 */
static const char schema_v7[] =   /* ?1 VERSION_CHECK, ?2 VERSION_CHECK_7 (migrate_v7) */
	"UPDATE sqlite_master SET sql = replace(sql, ?1, ?2)"
	" WHERE type = 'table' AND name IN (" VERSION_TABLES ") AND instr(sql, ?1) > 0";

static int migrate_v7(struct store *st, const char *sql);

/*
 * The forward migrations: entry k takes version k to k + 1 (its sql is
 * executed, or given to run, a step done in C) and lists the
 * tables version k + 1 has (each followed by a space).  A new version adds
 * an entry here and raises STORE_SCHEMA_VERSION; entries are never edited.
 */
static const struct migration {
	const char *sql;
	const char *tables;
	int (*run)(struct store *st, const char *sql); /* SQLite's rc */
} migrations[STORE_SCHEMA_VERSION] = {
	{ schema_v1, "scenarios schedules explorations ", NULL },
	{ schema_v2, "scenarios schedules explorations exploration_units ", NULL },
	{ schema_v3, "scenarios schedules explorations exploration_units ", NULL },
	{ schema_v4, "scenarios schedules explorations exploration_units challenge_progress ", NULL },
	{ schema_v5, "scenarios schedules explorations exploration_units challenge_progress ", NULL },
	{ schema_v6, "scenarios schedules explorations exploration_units challenge_progress ", NULL },
	{ schema_v7, "scenarios schedules explorations exploration_units challenge_progress ", migrate_v7 },
};

static void set_defensive(sqlite3 *db, int on)
{
#ifdef SQLITE_DBCONFIG_DEFENSIVE
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, on, (int *)NULL);
#else
	(void)db;
	(void)on;
#endif
}

/*
 * schema_v7's edit, in the steps the manual gives: the schema cookie read;
 * writable_schema on (SQLITE_DBCONFIG_DEFENSIVE forbids it, so defensive
 * is off for the edit alone and on again whatever happened); the UPDATE;
 * the cookie raised by one, so that every connection, this one too, reads
 * the schema again; writable_schema off.  The manual's last step, a check,
 * is reading the schema again: a text SQLite cannot parse fails here,
 * inside the transaction, and is rolled back with it.  migrate() runs
 * this in its transaction, with the write lock held.
 */
static int migrate_v7(struct store *st, const char *sql)
{
	sqlite3_stmt *q = NULL;
	char pragma[64];
	long cookie, n;
	int rc, off;

	if ((rc = sql_query_int(st->db, "PRAGMA schema_version", &cookie)) != SQLITE_OK)
		return rc;
	set_defensive(st->db, 0);
	rc = sql_exec(st->db, "PRAGMA writable_schema = ON");
	if (rc == SQLITE_OK && (rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL)) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, VERSION_CHECK, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, VERSION_CHECK_7, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_OK) {
		snprintf(pragma, sizeof pragma, "PRAGMA schema_version = %ld", cookie + 1);
		rc = sql_exec(st->db, pragma);
	}
	off = sql_exec(st->db, "PRAGMA writable_schema = OFF");
	set_defensive(st->db, 1);
	if (rc == SQLITE_OK)
		rc = off;
	if (rc == SQLITE_OK)
		rc = sql_query_int(st->db, "SELECT count(*) FROM sqlite_master", &n);
	return rc;
}

/* ---- the file ------------------------------------------------------------- */

/* A duration in ms from the environment (tests shorten them), else `dflt`. */
static int env_ms(const char *name, int dflt)
{
	const char *e = getenv(name);
	char *end;
	long v;

	if (!e || !*e)
		return dflt;
	errno = 0;
	v = strtol(e, &end, 10);
	return *end || errno || v < 0 || v > 600000 ? dflt : (int)v;
}

/*
 * One statement's work is bounded (B2): a trigger or view someone added to
 * the file could otherwise keep a command busy forever.  Work is the
 * thread's CPU time, so waiting for another program's lock (the busy
 * timeout) or for the disk does not count, and a statement's clock starts
 * when SQLite says it begins (SQLITE_TRACE_STMT; a trigger's own start,
 * "-- NAME", is part of the statement that fired it).
 */
static long cpu_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int work_trace(unsigned type, void *ctx, void *stmt, void *sql)
{
	struct store *st = ctx;
	const char *text = sql;

	(void)stmt;
	if (type == SQLITE_TRACE_STMT && !(text && text[0] == '-' && text[1] == '-'))
		st->stmt_cpu_ms = cpu_ms();
	return 0;
}

/* SQLite calls this every STORE_PROGRESS_OPS instructions; non-zero interrupts. */
static int work_progress(void *ctx)
{
	struct store *st = ctx;

	return cpu_ms() - st->stmt_cpu_ms > st->work_ms;
}

/* Tests running as root (which chmod cannot stop) pretend with this. */
static int force_readonly(void)
{
	const char *e = getenv("XS_DB_FORCE_READONLY");

	return e && strcmp(e, "1") == 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;
	char *d;

	if (!slash)
		return xstrdup(".");
	n = slash == path ? 1 : (size_t)(slash - path);
	d = xmalloc(n + 1);
	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

/* mkdir -p with mode 0755; errno on failure. */
static int mkdir_p(char *dir)
{
	struct stat sb;

	for (char *p = dir + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			int r, e;

			*p = '\0';
			r = stat(dir, &sb) == 0 ? 0 : mkdir(dir, 0755);
			e = errno;
			*p = c;
			if (r != 0 && e != EEXIST) {
				errno = e;
				return -1;
			}
			if (!c)
				break;
		}
	}
	if (stat(dir, &sb) != 0)
		return -1;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* Refuse what is no file, create what is missing, find out what we may write. */
/*
 * SQLite reads a name that begins with "file:" as a URI when URIs are on,
 * and Debian's libsqlite3 turns them on for every connection
 * (SQLITE_USE_URI=1), whatever the open flags say.  Such a name would open
 * another file than the one check_file() looked at (B18), so it is a
 * plain path here: an existing file of that name is opened through
 * "./file:..." (never a URI); a missing one is refused rather than
 * created, since the user meant a URI.
 */
static int is_uri(const char *path)
{
	return strncmp(path, "file:", 5) == 0;
}

/* The path a URI names, for the message: "file:///a/b.db?mode=ro" -> "/a/b.db". */
static int uri_error(const char *path, char **cause)
{
	const char *p = path + 5;

	if (strncmp(p, "//", 2) == 0 && (p[2] == '/' || strncmp(p + 2, "localhost/", 10) == 0))
		p = strchr(p + 2, '/');
	return util_errf(cause, "%s: no such file, and --db takes a file's path, not an SQLite URI; "
			 "give the path itself (--db %.*s)", path, (int)strcspn(p, "?#"), p);
}

static int check_file(struct store *st, struct file_state *fs, char **cause)
{
	struct stat sb;

	fs->dir = dir_of(st->path);
	if (stat(st->path, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return util_errf(cause, "%s: cannot open: %s; " USE_DB, st->path, strerror(EISDIR));
		if (!S_ISREG(sb.st_mode))
			return util_errf(cause, "%s: cannot open: not a regular file; " USE_DB, st->path);
		if (access(st->path, R_OK) != 0)
			return util_errf(cause, "%s: cannot open: %s; " USE_DB, st->path, strerror(errno));
		fs->exists = 1;
		if (force_readonly())
			fs->file_errno = EACCES;
		else if (access(st->path, W_OK) != 0)
			fs->file_errno = errno;
		fs->writable = !fs->file_errno && access(fs->dir, W_OK) == 0;
		return 0;
	}
	if (errno != ENOENT)
		return util_errf(cause, "%s: cannot open: %s; " USE_DB, st->path, strerror(errno));
	if (is_uri(st->path))
		return uri_error(st->path, cause);
	if (mkdir_p(fs->dir) != 0)
		return util_errf(cause, "%s: cannot create the directory %s: %s; " USE_DB, st->path, fs->dir,
				 strerror(errno));
	if (access(fs->dir, W_OK) != 0)
		return util_errf(cause, "%s: cannot create the database in %s: %s; " USE_DB, st->path, fs->dir,
				 strerror(errno));
	fs->writable = 1;
	return 0;
}

static int readonly_error(const struct store *st, const struct file_state *fs, char **cause)
{
	if (fs->file_errno)
		return util_errf(cause, "%s: is read-only (%s); make it writable, or " USE_DB, st->path,
				 strerror(fs->file_errno));
	return util_errf(cause, "%s: is read-only: its directory %s is not writable, and SQLite keeps "
			 "%s-wal and %s-shm there; make the directory writable, or " USE_DB,
			 st->path, fs->dir, st->path, st->path);
}

/* "file:PATH?immutable=1", PATH percent-encoded. */
static char *immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	char *uri = xmalloc(strlen(path) * 3 + 32), *p = uri;

	p += sprintf(p, path[0] == '/' ? "file://" : "file:");
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("/._-~", *s)) {
			*p++ = (char)*s;
		} else {
			*p++ = '%';
			*p++ = hex[*s >> 4];
			*p++ = hex[*s & 15];
		}
	}
	strcpy(p, "?immutable=1");
	return uri;
}

/*
 * Open st->db.  A read-only connection may not checkpoint when it closes
 * (that would write a WAL database that is not ours); immutable opens one
 * that needs no -shm file.
 */
static int connect_db(struct store *st, int flags, int immutable, char **cause)
{
	char *name = immutable ? immutable_uri(st->path)
		   : is_uri(st->path) ? xasprintf("./%s", st->path) : xstrdup(st->path);
	int rc = sqlite3_open_v2(name, &st->db, flags | (immutable ? SQLITE_OPEN_URI : 0), NULL);

	free(name);
	if (rc != SQLITE_OK) {
		sql_fail(st, rc, "cannot open", cause);
		sqlite3_close(st->db);
		st->db = NULL;
		return -1;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_handler(st->db, sql_busy_wait, st);
	st->stmt_cpu_ms = cpu_ms();
	sqlite3_trace_v2(st->db, SQLITE_TRACE_STMT, work_trace, st);
	sqlite3_progress_handler(st->db, STORE_PROGRESS_OPS, work_progress, st);
	if (flags & SQLITE_OPEN_READONLY)
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
	set_defensive(st->db, 1);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA
	/* Triggers and views someone added may not call functions with side effects. */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
#endif
	return 0;
}

static void disconnect(struct store *st)
{
	sqlite3_close(st->db);
	st->db = NULL;
}

static int is_listed(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)) != NULL; p++)
		if ((p == list || p[-1] == ' ') && p[n] == ' ')
			return 1;
	return 0;
}

/*
 * The first schema object that a file of schema version `version` would not
 * have (any object at all for version 0); *type and *name are new strings,
 * NULL when there is none.  `tables` lists the tables it may have.
 */
static int find_stranger(struct store *st, long version, const char *tables, int *nknown,
			 char **type, char **name, char **cause)
{
	sqlite3_stmt *q;
	int rc;

	*type = *name = NULL;
	*nknown = 0;
	if (sql_prepare(st, "SELECT type, name FROM sqlite_master"
		    " WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
		    &q, "cannot read its schema", cause) != 0)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(q, 0);
		const char *n = (const char *)sqlite3_column_text(q, 1);
		int table = t && strcmp(t, "table") == 0, known = table && n && is_listed(tables, n);

		*nknown += known;
		if (!*type && (version == 0 || (table && !known))) {
			*type = xstrdup(t ? t : "object");
			*name = xstrdup(n ? n : "");
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(*type);
		free(*name);
		*type = *name = NULL;
		return sql_fail(st, rc, "cannot read its schema", cause);
	}
	return 0;
}

/*
 * Decide whether st->db is empty (*version 0) or one of ours (its schema
 * version); anything else is refused with a message.
 */
static int check_contents_now(struct store *st, int *version, char **cause)
{
	long v, app;
	char *type, *name;
	const char *tables;
	int rc, nknown, nwant = 0, r = 0;

	if ((rc = sql_query_int(st->db, "PRAGMA user_version", &v)) != SQLITE_OK ||
	    (rc = sql_query_int(st->db, "PRAGMA application_id", &app)) != SQLITE_OK)
		return sql_fail(st, rc, "cannot read it", cause);
	if (v > STORE_SCHEMA_VERSION && app == STORE_APPLICATION_ID)
		goto newer;
	if ((app != 0 && app != STORE_APPLICATION_ID) || v < 0)
		return util_errf(cause, "%s: is an SQLite database of another program (its %s is %ld); "
				 "xipsandbox will not touch it; " USE_DB, st->path,
				 v < 0 ? "user_version" : "application_id", v < 0 ? v : app);
	tables = migrations[STORE_SCHEMA_VERSION - 1].tables;
	if (v >= 1 && v <= STORE_SCHEMA_VERSION)
		tables = migrations[v - 1].tables;
	if (find_stranger(st, v, tables, &nknown, &type, &name, cause) != 0)
		return -1;
	if (type) {
		r = util_errf(cause, "%s: is an SQLite database of another program (it has %s '%s'); "
			      "xipsandbox will not touch it; " USE_DB, st->path, type, name);
		free(type);
		free(name);
		return r;
	}
	if (v > STORE_SCHEMA_VERSION)
		goto newer;
	for (const char *p = tables; v > 0 && *p; p++)
		nwant += *p == ' ';
	if (nknown != nwant)
		return util_errf(cause, "%s: is damaged: it has xipsandbox schema %ld but not all of its "
				 "tables (%s); " USE_DB, st->path, v, tables);
	*version = (int)v;
	return 0;
newer:
	return util_errf(cause, "%s: was written by a newer xipsandbox (schema %ld; this one reads up to %d); "
			 "upgrade xipsandbox, or " USE_DB, st->path, v, STORE_SCHEMA_VERSION);
}

/*
 * check_contents_now inside one read transaction when none is open: the
 * version and the schema must come from the same snapshot, or a file
 * another process is creating right now (tables committed between the
 * two reads) looks like another program's.
 */
static int check_contents(struct store *st, int *version, char **cause)
{
	int own = sqlite3_get_autocommit(st->db) && sql_exec(st->db, "BEGIN") == SQLITE_OK, r;

	r = check_contents_now(st, version, cause);
	if (own)
		sql_exec(st->db, "COMMIT");
	return r;
}

static int wal_has_data(const char *path)
{
	char *wal = xasprintf("%s-wal", path);
	struct stat sb;
	int r = stat(wal, &sb) == 0 && sb.st_size > 0;

	free(wal);
	return r;
}

/*
 * A file we are about to write for the first time (to switch it to WAL,
 * which rewrites its header) must not be damaged where the schema reads
 * did not look: a bad freelist, a broken b-tree page (B13).  Once a file is
 * in WAL mode xipsandbox has written it before, and the check, which reads
 * every page, is not repeated.
 */
static int check_before_first_write(struct store *st, char **cause)
{
	sqlite3_stmt *q = NULL;
	const unsigned char *mode;
	int rc, wal;

	if (sql_prepare(st, "PRAGMA journal_mode", &q, "cannot read it", cause) != 0)
		return -1;
	rc = sqlite3_step(q);
	mode = rc == SQLITE_ROW ? sqlite3_column_text(q, 0) : NULL;
	wal = mode && strcmp((const char *)mode, "wal") == 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(st, rc, "cannot read it", cause);
	if (wal)
		return 0;
	if (sql_prepare(st, "PRAGMA quick_check(1)", &q, "cannot read it", cause) != 0)
		return -1;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(q, 0);
		int r_ok = r && strcmp(r, "ok") == 0;

		if (!r_ok) {
			/* "*** in database main ***\nMain freelist: ...": the last line says what */
			const char *nl = r ? strrchr(r, '\n') : NULL;

			util_errf(cause, "%s: is a damaged SQLite database (quick_check: %.200s); xipsandbox "
				  "will not write to it; " USE_DB, st->path,
				  nl ? nl + 1 : r ? r : "no answer");
		}
		sqlite3_finalize(q);
		return r_ok ? 0 : -1;
	}
	sqlite3_finalize(q);
	return sql_fail(st, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "cannot read it", cause);
}

/*
 * Whether PATH-journal is a rollback journal (its magic) of a transaction
 * that began on an empty database (bytes 16-19: the page count before, 0):
 * a program, xipsandbox for one, killed while it created the database.
 * Rolling that back gives the empty file it was, so nothing anybody
 * committed is lost (B11).  Another program's journal over a database that
 * had pages stays untouched.
 */
static int journal_of_creation(const char *path)
{
	static const unsigned char magic[8] = { 0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7 };
	unsigned char h[20];
	char *jpath = xasprintf("%s-journal", path);
	FILE *f = fopen(jpath, "rb");
	int r = 0;

	free(jpath);
	if (!f)
		return 0;
	if (fread(h, 1, sizeof h, f) == sizeof h && memcmp(h, magic, sizeof magic) == 0)
		r = (h[16] | h[17] | h[18] | h[19]) == 0;
	fclose(f);
	return r;
}

/*
 * Read an existing file through a read-only connection, which stays open in
 * st->db.  A WAL database in a directory we may not write cannot get its
 * -shm file: when it has no -wal either, nobody can be writing it and it is
 * read as immutable.
 */
static int inspect(struct store *st, const struct file_state *fs, enum store_mode mode, int *version,
		   char **cause)
{
	long v;
	int rc;

	if (connect_db(st, SQLITE_OPEN_READONLY, 0, cause) != 0)
		return -1;
	rc = sql_query_int(st->db, "PRAGMA user_version", &v);
	if (rc == SQLITE_READONLY_ROLLBACK && fs->writable && journal_of_creation(st->path)) {
		/* A read-write connection rolls the hot journal back when it first reads. */
		disconnect(st);
		if (connect_db(st, SQLITE_OPEN_READWRITE, 0, cause) != 0)
			return -1;
		rc = sql_query_int(st->db, "PRAGMA user_version", &v);
		disconnect(st);
		if (rc != SQLITE_OK)
			return sql_fail(st, rc, "cannot roll back the unfinished creation of the database", cause);
		if (connect_db(st, SQLITE_OPEN_READONLY, 0, cause) != 0)
			return -1;
		rc = sql_query_int(st->db, "PRAGMA user_version", &v);
	}
	if (rc == SQLITE_READONLY_ROLLBACK)
		return util_errf(cause, "%s: has an unfinished transaction of a program that stopped in the middle "
				 "(%s-journal); open it once with that program, or with sqlite3, to roll it back, "
				 "or " USE_DB, st->path, st->path);
	if (rc != SQLITE_OK && !fs->writable &&
	    ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)) {
		if (mode == STORE_WRITE)
			return readonly_error(st, fs, cause);
		if (wal_has_data(st->path))
			return util_errf(cause, "%s: cannot be read: it is in WAL mode with changes in %s-wal, "
					 "and SQLite cannot create %s-shm in the read-only directory %s; make "
					 "the directory writable, or copy the files elsewhere",
					 st->path, st->path, st->path, fs->dir);
		disconnect(st);
		if (connect_db(st, SQLITE_OPEN_READONLY, 1, cause) != 0)
			return -1;
		rc = sql_query_int(st->db, "PRAGMA user_version", &v);
	}
	if (rc != SQLITE_OK)
		return sql_fail(st, rc, "cannot read it", cause);
	if (check_contents(st, version, cause) != 0)
		return -1;
	return fs->writable ? check_before_first_write(st, cause) : 0;
}

/* Bring a writable file from `version` to ours, checking it again under the write lock. */
static int migrate(struct store *st, int version, char **cause)
{
	static const char what[] = "cannot set up the database";
	char sql[64];
	int rc;

	if (version == STORE_SCHEMA_VERSION)
		return 0;
	if (sql_begin(st, what, cause) != 0)
		return -1;
	if (check_contents(st, &version, cause) != 0) {
		sql_rollback(st);
		return -1;
	}
	for (int k = version; k < STORE_SCHEMA_VERSION; k++) {
		XS_ASSERT(migrations[k].sql != NULL);
		rc = migrations[k].run ? migrations[k].run(st, migrations[k].sql) : sql_exec(st->db, migrations[k].sql);
		if (rc != SQLITE_OK)
			return sql_tx_fail(st, rc, what, cause);
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	if ((rc = sql_exec(st->db, sql)) != SQLITE_OK)
		return sql_tx_fail(st, rc, what, cause);
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d", STORE_APPLICATION_ID);
	if ((rc = sql_exec(st->db, sql)) != SQLITE_OK)
		return sql_tx_fail(st, rc, what, cause);
	return sql_commit(st, what, cause);
}

int store_open(const char *path, enum store_mode mode, struct store **out, char **cause)
{
	struct file_state fs = { 0 };
	struct store *st;
	int version = 0, rc = SQLITE_OK;

	XS_ASSERT(path && out);
	*out = NULL;
	if (!*path)
		return util_errf(cause, "the database path is empty; use --db to choose a file");
	if (strcmp(path, ":memory:") == 0)   /* SQLite's name for a database that vanishes on close */
		return util_errf(cause, "--db ':memory:' would keep the schedules in memory and lose them when "
				 "xipsandbox exits; give a file's path (./:memory: for a file of that name)");
	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	st->busy_ms = st->busy_default = env_ms("XS_DB_BUSY_MS", STORE_BUSY_MS);
	st->work_ms = env_ms("XS_DB_WORK_MS", STORE_WORK_MS);
	if (check_file(st, &fs, cause) != 0 || (fs.exists && inspect(st, &fs, mode, &version, cause) != 0))
		goto fail;
	if (mode == STORE_WRITE && !fs.writable) {
		readonly_error(st, &fs, cause);
		goto fail;
	}
	if (!fs.writable && version < STORE_SCHEMA_VERSION) {
		util_errf(cause, "%s: is read-only and not set up yet (schema %d; xipsandbox needs %d); "
			  "make it writable, or " USE_DB, st->path, version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	st->read_only = !fs.writable;
	if (fs.writable) {
		disconnect(st);
		if (connect_db(st, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0, cause) != 0)
			goto fail;
		/* Only now: WAL mode is written into the file's header. */
		if ((rc = sql_retry(st, "PRAGMA journal_mode = WAL")) != SQLITE_OK ||
		    (rc = sql_exec(st->db, "PRAGMA synchronous = NORMAL")) != SQLITE_OK) {
			sql_fail(st, rc, "cannot set up the database", cause);
			goto fail;
		}
		if (migrate(st, version, cause) != 0)
			goto fail;
	}
	if ((rc = sql_exec(st->db, "PRAGMA foreign_keys = ON")) != SQLITE_OK) {
		sql_fail(st, rc, "cannot set up the database", cause);
		goto fail;
	}
	free(fs.dir);
	*out = st;
	return 0;
fail:
	free(fs.dir);
	store_close(st);
	return -1;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st->path);
	for (int i = 0; i < 3; i++)
		free(st->files[i]);
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
}

int store_read_only(const struct store *st)
{
	return st->read_only;
}

char *store_default_path(char **cause)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;

	/* The XDG spec: a relative XDG_DATA_HOME is invalid and ignored. */
	if (xdg && xdg[0] == '/') {
		for (n = (int)strlen(xdg); n > 1 && xdg[n - 1] == '/'; n--)
			;
		return xasprintf("%.*s/xipsandbox/xipsandbox.db", n, xdg);
	}
	if (home && *home) {
		for (n = (int)strlen(home); n > 1 && home[n - 1] == '/'; n--)
			;
		return xasprintf("%.*s/.local/share/xipsandbox/xipsandbox.db", n, home);
	}
	if (xdg && *xdg)
		util_errf(cause, "cannot find a place for the schedule database: XDG_DATA_HOME is '%s', which is "
			  "not an absolute path (so it is ignored, as the XDG spec says), and HOME is not set; "
			  "use --db to choose a file", util_shown(xdg));
	else
		util_errf(cause, "cannot find a place for the schedule database: neither XDG_DATA_HOME nor HOME "
			  "is set; use --db to choose a file");
	return NULL;
}

