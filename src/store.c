/*
 * store.c - the schedule database: one SQLite file, opened with care
 * (the tables: docs/schema.md).
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
 *  - Every change of more than one row runs between begin() (BEGIN
 *    IMMEDIATE, retried until the busy timeout is spent) and commit(); every
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

#include "store.h"
#include "util.h"
#include "verdict.h"

#define STORE_APPLICATION_ID 0x58495053 /* "XIPS": PRAGMA application_id */
#define STORE_BUSY_MS 5000              /* default; XS_DB_BUSY_MS overrides */
#define STORE_WORK_MS 10000             /* one statement's work; XS_DB_WORK_MS overrides */
#define STORE_PROGRESS_OPS 1000         /* VM instructions between two looks at the clock */
#define STORE_NAME_MAX 64
#define USE_DB "use --db to choose another file"

struct store {
	sqlite3 *db;
	char *path;
	int busy_ms; /* how long to wait for another program's write lock */
	int work_ms; /* how much CPU time one statement may take (B2) */
	long stmt_cpu_ms; /* the thread's CPU time when the running statement began */
};

/* What check_file() learnt about the path. */
struct file_state {
	int exists;     /* a regular file we may read */
	int writable;   /* we may write it and create its -wal and -shm */
	int file_errno; /* why not, when the file itself is the reason */
	char *dir;      /* its directory */
};

/* ---- schema ------------------------------------------------------------------ */

#define TIMESTAMP "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
#define VERSION_CHECK "CHECK (version IN ('buggy', 'fixed', 'later'))"

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
 * The forward migrations: entry k takes version k to k + 1 and lists the
 * tables version k + 1 has (each followed by a space).  A new version adds
 * an entry here and raises STORE_SCHEMA_VERSION; entries are never edited.
 */
static const struct migration {
	const char *sql;
	const char *tables;
} migrations[STORE_SCHEMA_VERSION] = {
	{ schema_v1, "scenarios schedules explorations " },
	{ schema_v2, "scenarios schedules explorations exploration_units " },
};

/* ---- SQL helpers ------------------------------------------------------------ */

/* ".5" for 2500 ms (a static buffer: one message at a time) */
static const char *ms_fraction(int ms)
{
	static char buf[8];

	snprintf(buf, sizeof buf, ".%03d", ms % 1000);
	for (char *e = buf + strlen(buf) - 1; *e == '0'; e--)
		*e = '\0';
	return buf;
}

/* The message for SQLite's rc while doing `what` ("cannot list schedules"). */
static int db_fail(const struct store *st, int rc, const char *what, char **cause)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return util_errf(cause, "%s: is locked by another program; try again, or " USE_DB, st->path);
	case SQLITE_READONLY:
		return util_errf(cause, "%s: is read-only; make it and its directory writable, or " USE_DB,
				 st->path);
	case SQLITE_NOTADB:
		return util_errf(cause, "%s: not an SQLite database (%s); " USE_DB, st->path, sqlite3_errstr(rc));
	case SQLITE_CORRUPT:
		return util_errf(cause, "%s: is a damaged SQLite database (%s); " USE_DB, st->path,
				 sqlite3_errstr(rc));
	case SQLITE_FULL:
		return util_errf(cause, "%s: %s: the disk is full; free some space, or " USE_DB, st->path, what);
	case SQLITE_INTERRUPT:
		/* only work_progress() interrupts */
		return util_errf(cause, "%s: %s: stopped after %d%s s of work on one statement: the database "
				 "makes SQLite work too long (a trigger or view someone added to it?); remove "
				 "it with sqlite3, or " USE_DB, st->path, what, st->work_ms / 1000,
				 st->work_ms % 1000 ? ms_fraction(st->work_ms) : "");
	case SQLITE_IOERR:
		/* SQLite says "disk I/O error" for every failed write: say which */
		if (st->db && sqlite3_system_errno(st->db) == ENOSPC)
			return util_errf(cause, "%s: %s: the disk is full; free some space, or " USE_DB, st->path, what);
		if (st->db && sqlite3_system_errno(st->db) == EFBIG)
			return util_errf(cause, "%s: %s: the file is too large (a file size limit, ulimit -f); raise it, or " USE_DB,
					 st->path, what);
		return util_errf(cause, "%s: %s: %s", st->path, what,
				 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	default:
		return util_errf(cause, "%s: %s: %s", st->path, what,
				 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	}
}

/* Run constant SQL (one or more statements, no parameters); SQLite's rc. */
static int exec_sql(sqlite3 *db, const char *sql)
{
	const char *tail = sql;
	int rc = SQLITE_OK;

	while (rc == SQLITE_OK && *tail) {
		sqlite3_stmt *q = NULL;

		rc = sqlite3_prepare_v2(db, tail, -1, &q, &tail);
		if (rc != SQLITE_OK || !q)
			break;
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			;
		sqlite3_finalize(q);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	return rc;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * exec_sql, tried again while another connection holds the lock: SQLite
 * returns SQLITE_BUSY without calling the busy handler in some cases (WAL
 * recovery, a journal mode change), so the deadline is ours.
 */
static int exec_retry(struct store *st, const char *sql)
{
	long deadline = now_ms() + st->busy_ms;
	int rc;

	while ((rc = exec_sql(st->db, sql)) != SQLITE_OK && (rc & 0xff) == SQLITE_BUSY && now_ms() < deadline)
		sqlite3_sleep(5);
	return rc;
}

static void rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		exec_sql(st->db, "ROLLBACK");
}

static int begin(struct store *st, const char *what, char **cause)
{
	int rc = exec_retry(st, "BEGIN IMMEDIATE");

	return rc == SQLITE_OK ? 0 : db_fail(st, rc, what, cause);
}

/* The message first (ROLLBACK resets SQLite's), then the rollback. */
static int tx_fail(struct store *st, int rc, const char *what, char **cause)
{
	db_fail(st, rc, what, cause);
	rollback(st);
	return -1;
}

static int commit(struct store *st, const char *what, char **cause)
{
	int rc = exec_sql(st->db, "COMMIT");

	return rc == SQLITE_OK ? 0 : tx_fail(st, rc, what, cause);
}

static int prepare(struct store *st, const char *sql, sqlite3_stmt **q, const char *what, char **cause)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, q, NULL);

	if (rc == SQLITE_OK)
		return 0;
	*q = NULL;
	return db_fail(st, rc, what, cause);
}

/* Bind a string or, for NULL, SQL NULL.  The string must outlive the step. */
static int bind_str(sqlite3_stmt *q, int i, const char *s)
{
	return s ? sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(q, i);
}

/* A column as a new string; NULL stays NULL. */
static char *col_str(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? xstrdup((const char *)t) : NULL;
}

/* A column that may not be NULL (another program may have made it so). */
static char *col_req(sqlite3_stmt *q, int i)
{
	char *s = col_str(q, i);

	return s ? s : xstrdup("");
}

/* One integer from a statement without parameters; SQLite's rc. */
static int query_int(sqlite3 *db, const char *sql, long *out)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(q);
		*out = rc == SQLITE_ROW ? (long)sqlite3_column_int64(q, 0) : 0;
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(q);
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
	char *name = immutable ? immutable_uri(st->path) : xstrdup(st->path);
	int rc = sqlite3_open_v2(name, &st->db, flags | (immutable ? SQLITE_OPEN_URI : 0), NULL);

	free(name);
	if (rc != SQLITE_OK) {
		db_fail(st, rc, "cannot open", cause);
		sqlite3_close(st->db);
		st->db = NULL;
		return -1;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, st->busy_ms);
	st->stmt_cpu_ms = cpu_ms();
	sqlite3_trace_v2(st->db, SQLITE_TRACE_STMT, work_trace, st);
	sqlite3_progress_handler(st->db, STORE_PROGRESS_OPS, work_progress, st);
	if (flags & SQLITE_OPEN_READONLY)
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
#ifdef SQLITE_DBCONFIG_DEFENSIVE
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
#endif
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
	if (prepare(st, "SELECT type, name FROM sqlite_master"
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
		return db_fail(st, rc, "cannot read its schema", cause);
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

	if ((rc = query_int(st->db, "PRAGMA user_version", &v)) != SQLITE_OK ||
	    (rc = query_int(st->db, "PRAGMA application_id", &app)) != SQLITE_OK)
		return db_fail(st, rc, "cannot read it", cause);
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
	int own = sqlite3_get_autocommit(st->db) && exec_sql(st->db, "BEGIN") == SQLITE_OK, r;

	r = check_contents_now(st, version, cause);
	if (own)
		exec_sql(st->db, "COMMIT");
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

	if (prepare(st, "PRAGMA journal_mode", &q, "cannot read it", cause) != 0)
		return -1;
	rc = sqlite3_step(q);
	mode = rc == SQLITE_ROW ? sqlite3_column_text(q, 0) : NULL;
	wal = mode && strcmp((const char *)mode, "wal") == 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(st, rc, "cannot read it", cause);
	if (wal)
		return 0;
	if (prepare(st, "PRAGMA quick_check(1)", &q, "cannot read it", cause) != 0)
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
	return db_fail(st, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc, "cannot read it", cause);
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
	rc = query_int(st->db, "PRAGMA user_version", &v);
	if (rc == SQLITE_READONLY_ROLLBACK && fs->writable && journal_of_creation(st->path)) {
		/* A read-write connection rolls the hot journal back when it first reads. */
		disconnect(st);
		if (connect_db(st, SQLITE_OPEN_READWRITE, 0, cause) != 0)
			return -1;
		rc = query_int(st->db, "PRAGMA user_version", &v);
		disconnect(st);
		if (rc != SQLITE_OK)
			return db_fail(st, rc, "cannot roll back the unfinished creation of the database", cause);
		if (connect_db(st, SQLITE_OPEN_READONLY, 0, cause) != 0)
			return -1;
		rc = query_int(st->db, "PRAGMA user_version", &v);
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
		rc = query_int(st->db, "PRAGMA user_version", &v);
	}
	if (rc != SQLITE_OK)
		return db_fail(st, rc, "cannot read it", cause);
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
	if (begin(st, what, cause) != 0)
		return -1;
	if (check_contents(st, &version, cause) != 0) {
		rollback(st);
		return -1;
	}
	for (int k = version; k < STORE_SCHEMA_VERSION; k++) {
		XS_ASSERT(migrations[k].sql != NULL);
		if ((rc = exec_sql(st->db, migrations[k].sql)) != SQLITE_OK)
			return tx_fail(st, rc, what, cause);
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	if ((rc = exec_sql(st->db, sql)) != SQLITE_OK)
		return tx_fail(st, rc, what, cause);
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d", STORE_APPLICATION_ID);
	if ((rc = exec_sql(st->db, sql)) != SQLITE_OK)
		return tx_fail(st, rc, what, cause);
	return commit(st, what, cause);
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
	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	st->busy_ms = env_ms("XS_DB_BUSY_MS", STORE_BUSY_MS);
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
	if (fs.writable) {
		disconnect(st);
		if (connect_db(st, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0, cause) != 0)
			goto fail;
		/* Only now: WAL mode is written into the file's header. */
		if ((rc = exec_retry(st, "PRAGMA journal_mode = WAL")) != SQLITE_OK ||
		    (rc = exec_sql(st->db, "PRAGMA synchronous = NORMAL")) != SQLITE_OK) {
			db_fail(st, rc, "cannot set up the database", cause);
			goto fail;
		}
		if (migrate(st, version, cause) != 0)
			goto fail;
	}
	if ((rc = exec_sql(st->db, "PRAGMA foreign_keys = ON")) != SQLITE_OK) {
		db_fail(st, rc, "cannot set up the database", cause);
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
	free(st);
}

const char *store_path(const struct store *st)
{
	return st->path;
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
	util_errf(cause, "cannot find a place for the schedule database: neither XDG_DATA_HOME nor HOME "
		  "is set; use --db to choose a file");
	return NULL;
}

/* ---- scenarios ---------------------------------------------------------------- */

void store_scenario_clear(struct store_scenario *s)
{
	free(s->name);
	free(s->title);
	free(s->text_hash);
	free(s->shipped_hash);
	memset(s, 0, sizeof *s);
}

/* The scenario named `name` (or, name NULL, with this id), and its text if `text` is not NULL. */
static int scenario_select(struct store *st, const char *name, long id, struct store_scenario *out, char **text,
			   int *found, char **cause)
{
	static const char what[] = "cannot read scenarios";
	sqlite3_stmt *q;
	int rc;

	memset(out, 0, sizeof *out);
	*found = 0;
	if (prepare(st, name ? "SELECT id, name, title, text_hash, shipped_hash, text FROM scenarios WHERE name = ?1"
			     : "SELECT id, name, title, text_hash, shipped_hash, text FROM scenarios WHERE id = ?1",
		    &q, what, cause) != 0)
		return -1;
	if (name)
		bind_str(q, 1, name);
	else
		sqlite3_bind_int64(q, 1, id);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*found = 1;
		out->id = (long)sqlite3_column_int64(q, 0);
		out->name = col_req(q, 1);
		out->title = col_req(q, 2);
		out->text_hash = col_req(q, 3);
		out->shipped_hash = col_str(q, 4);
		if (text)
			*text = col_req(q, 5);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(st, rc, what, cause);
}

static int scenario_fetch(struct store *st, const char *name, struct store_scenario *out, int *found,
			  char **cause)
{
	return scenario_select(st, name, 0, out, NULL, found, cause);
}

int store_scenario_get(struct store *st, const char *name, struct store_scenario *out, int *found,
		       char **cause)
{
	return scenario_fetch(st, name, out, found, cause);
}

/* Inside the transaction: insert the scenario or bring its row up to date. */
static int scenario_write(struct store *st, const char *name, const char *title, const char *text_hash,
			  const char *text, const struct store_scenario *old, int found, char **cause)
{
	sqlite3_stmt *q;
	int rc;

	if (prepare(st, found ? "UPDATE scenarios SET title = ?2, text_hash = ?3, text = ?4 WHERE name = ?1"
		    : "INSERT INTO scenarios (name, title, text_hash, text) VALUES (?1, ?2, ?3, ?4)",
		    &q, "cannot record the scenario", cause) != 0)
		return -1;
	bind_str(q, 1, name);
	bind_str(q, 2, title ? title : (old->title ? old->title : ""));
	bind_str(q, 3, text_hash);
	bind_str(q, 4, text ? text : "");
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : db_fail(st, rc, "cannot record the scenario", cause);
}

static int scenario_same(const struct store_scenario *s, const char *title, const char *text_hash)
{
	return strcmp(s->text_hash, text_hash) == 0 && (!title || strcmp(s->title, title) == 0);
}

int store_scenario_sync(struct store *st, const char *name, const char *title, const char *text_hash,
			const char *text, struct store_scenario *out, char **previous_hash, char **cause)
{
	struct store_scenario cur;
	int found;

	XS_ASSERT(name && text_hash && out);
	if (previous_hash)
		*previous_hash = NULL;
	memset(out, 0, sizeof *out);
	/* Unchanged: no write, so a read-only database will do. */
	if (scenario_fetch(st, name, &cur, &found, cause) != 0)
		return -1;
	if (found && scenario_same(&cur, title, text_hash)) {
		*out = cur;
		return 0;
	}
	store_scenario_clear(&cur);
	if (begin(st, "cannot record the scenario", cause) != 0)
		return -1;
	/* Again under the write lock: another process may have got here first. */
	if (scenario_fetch(st, name, &cur, &found, cause) != 0 ||
	    ((!found || !scenario_same(&cur, title, text_hash)) &&
	     scenario_write(st, name, title, text_hash, text, &cur, found, cause) != 0)) {
		store_scenario_clear(&cur);
		rollback(st);
		return -1;
	}
	if (previous_hash && found && strcmp(cur.text_hash, text_hash) != 0)
		*previous_hash = xstrdup(cur.text_hash);
	store_scenario_clear(&cur);
	if (scenario_fetch(st, name, out, &found, cause) != 0 || commit(st, "cannot record the scenario", cause) != 0) {
		store_scenario_clear(out);
		rollback(st);
		if (previous_hash) {
			free(*previous_hash);
			*previous_hash = NULL;
		}
		return -1;
	}
	return 0;
}

/* ---- schedules: checks ------------------------------------------------------- */

static const char *const origin_names[] = { "shipped", "user", "explore" };

void store_schedule_clear(struct store_schedule *s)
{
	free(s->scenario);
	free(s->scenario_hash);
	free(s->version);
	free(s->choices);
	free(s->verdict);
	free(s->trace_hash);
	free(s->origin);
	free(s->name);
	free(s->milestones);
	free(s->description);
	free(s->created);
	memset(s, 0, sizeof *s);
}

/* A name as it may be printed: at most 40 bytes, unprintable ones as \xNN. */
static char *show(const char *s)
{
	char *out = xmalloc(40 * 4 + 4), *p = out;
	size_t i;

	for (i = 0; s[i] && i < 40; i++) {
		unsigned char c = (unsigned char)s[i];

		p += c >= 0x20 && c < 0x7f ? sprintf(p, "%c", c) : sprintf(p, "\\x%02X", c);
	}
	strcpy(p, s[i] ? "..." : "");
	return out;
}

static int name_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* 1 to 64 of [A-Za-z0-9_.-], not all digits (so a name never looks like an id). */
static int check_name(const struct store *st, const char *name, char **cause)
{
	size_t n = strlen(name), digits = 0;
	char *shown, *bad;
	int r = 0;

	if (n == 0)
		return util_errf(cause, "%s: a schedule name cannot be empty", st->path);
	shown = show(name);
	for (size_t i = 0; i < n && r == 0; i++) {
		unsigned char c = (unsigned char)name[i];

		digits += c >= '0' && c <= '9';
		if (!name_char_ok(c)) {
			bad = show((char[]){ (char)c, '\0' });
			r = util_errf(cause, "%s: schedule name '%s' has '%s' at position %zu; use letters, "
				      "digits, '_', '.' and '-'", st->path, shown, bad, i + 1);
			free(bad);
		}
	}
	if (r == 0 && n > STORE_NAME_MAX)
		r = util_errf(cause, "%s: schedule name '%s' is too long (%zu characters; at most %d)",
			      st->path, shown, n, STORE_NAME_MAX);
	if (r == 0 && digits == n)
		r = util_errf(cause, "%s: schedule name '%s' is all digits, so it would look like a schedule "
			      "id; add a letter", st->path, shown);
	free(shown);
	return r;
}

/* What the tables' CHECK constraints would refuse, said clearly.  shipped: origin is ours. */
static int check_row(const struct store *st, const struct store_schedule *s, int shipped, char **cause)
{
	static const char *const required[] = { "scenario_hash", "choices", "trace_hash" };
	const char *values[] = { s->scenario_hash, s->choices, s->trace_hash };
	int origin_ok = shipped;

	for (size_t i = 0; i < sizeof origin_names / sizeof origin_names[0] && s->origin; i++)
		origin_ok |= strcmp(s->origin, origin_names[i]) == 0;
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		if (!values[i])
			return util_errf(cause, "%s: cannot record the schedule: it has no %s", st->path, required[i]);
	if (!s->version || xip_version_parse(s->version) < 0)
		return util_errf(cause, "%s: cannot record the schedule: unknown version '%s' (buggy, fixed "
				 "or later)", st->path, s->version ? s->version : "");
	if (!s->verdict || verdict_kind_parse(s->verdict) < 0)
		return util_errf(cause, "%s: cannot record the schedule: unknown verdict '%s' (ok, corruption, "
				 "bug, deadlock, leak or step-limit)", st->path, s->verdict ? s->verdict : "");
	if (!origin_ok)
		return util_errf(cause, "%s: cannot record the schedule: unknown origin '%s' (shipped, user "
				 "or explore)", st->path, s->origin ? s->origin : "");
	if (s->length < 0 || s->preemptions < 0)
		return util_errf(cause, "%s: cannot record the schedule: negative length or preemptions",
				 st->path);
	return s->name ? check_name(st, s->name, cause) : 0;
}

/*
 * Inside a transaction: fail when another schedule (not `except`) of the
 * scenario and version is called `name`.  batch[0..nbatch) are the ids the
 * current transaction inserted.
 */
static int name_clash(struct store *st, long scenario_id, const char *version, const char *name, long except,
		      const long *batch, size_t nbatch, char **cause)
{
	static const char what[] = "cannot check the schedule's name";
	sqlite3_stmt *q;
	int rc, r = 0;

	if (prepare(st, "SELECT s.id, c.name FROM schedules s LEFT JOIN scenarios c ON c.id = s.scenario_id"
		    " WHERE s.scenario_id = ?1 AND s.version = ?2 AND s.name = ?3 AND s.id <> ?4",
		    &q, what, cause) != 0)
		return -1;
	sqlite3_bind_int64(q, 1, scenario_id);
	bind_str(q, 2, version);
	bind_str(q, 3, name);
	sqlite3_bind_int64(q, 4, except);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		long id = (long)sqlite3_column_int64(q, 0);
		const char *scn = (const char *)sqlite3_column_text(q, 1);
		size_t i = 0;

		while (i < nbatch && batch[i] != id)
			i++;
		if (i < nbatch)
			r = util_errf(cause, "%s: schedule name '%s' is given to two of the schedules being "
				      "recorded (scenario %s, %s)", st->path, name, scn ? scn : "?", version);
		else
			r = util_errf(cause, "%s: schedule name '%s' is already used by schedule %ld of scenario "
				      "%s (%s)", st->path, name, id, scn ? scn : "?", version);
	} else if (rc != SQLITE_DONE) {
		r = db_fail(st, rc, what, cause);
	}
	sqlite3_finalize(q);
	return r;
}

/* ---- schedules: writes ------------------------------------------------------- */

static int bind_row(sqlite3_stmt *q, const struct store_schedule *s, long scenario_id, const char *origin)
{
	int rc = sqlite3_bind_int64(q, 1, scenario_id);

	rc = rc ? rc : bind_str(q, 2, s->scenario_hash);
	rc = rc ? rc : bind_str(q, 3, s->version);
	rc = rc ? rc : bind_str(q, 4, s->choices);
	rc = rc ? rc : sqlite3_bind_int64(q, 5, s->length);
	rc = rc ? rc : sqlite3_bind_int64(q, 6, s->preemptions);
	rc = rc ? rc : bind_str(q, 7, s->verdict);
	rc = rc ? rc : bind_str(q, 8, s->trace_hash);
	rc = rc ? rc : bind_str(q, 9, origin);
	rc = rc ? rc : bind_str(q, 10, s->name);
	rc = rc ? rc : bind_str(q, 11, s->milestones);
	rc = rc ? rc : bind_str(q, 12, s->description);
	return rc;
}

/* Step an insert; a missing scenario gets its own message. */
static int insert_step(struct store *st, sqlite3_stmt *q, long scenario_id, char **cause)
{
	int rc = sqlite3_step(q);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return util_errf(cause, "%s: cannot record the schedule: there is no scenario with id %ld",
				 st->path, scenario_id);
	return db_fail(st, rc, "cannot record the schedule", cause);
}

/*
 * Inside the caller's transaction: insert rows[0..n) (for scenario_id and
 * origin instead of the rows' own when scenario_id > 0) and note the ids
 * and creation times the database gave them.
 */
static int insert_rows(struct store *st, const struct store_schedule *rows, size_t n, long scenario_id,
		       const char *origin, long *ids, char **created, char **cause)
{
	static const char what[] = "cannot record the schedule";
	sqlite3_stmt *ins = NULL, *sel = NULL;
	int rc, r = 0;

	if (prepare(st, "INSERT INTO schedules (scenario_id, scenario_hash, version, choices, length,"
		    " preemptions, verdict, trace_hash, origin, name, milestones, description)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", &ins, what, cause) != 0 ||
	    prepare(st, "SELECT created FROM schedules WHERE id = ?1", &sel, what, cause) != 0) {
		sqlite3_finalize(ins);
		return -1;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct store_schedule *s = &rows[i];
		long sid = scenario_id > 0 ? scenario_id : s->scenario_id;

		if (s->name && (r = name_clash(st, sid, s->version, s->name, 0, ids, i, cause)) != 0)
			break;
		if ((rc = bind_row(ins, s, sid, origin ? origin : s->origin)) != SQLITE_OK) {
			r = db_fail(st, rc, what, cause);
			break;
		}
		if ((r = insert_step(st, ins, sid, cause)) != 0)
			break;
		ids[i] = (long)sqlite3_last_insert_rowid(st->db);
		sqlite3_bind_int64(sel, 1, ids[i]);
		rc = sqlite3_step(sel);
		if (rc != SQLITE_ROW) {
			r = db_fail(st, rc == SQLITE_DONE ? SQLITE_ERROR : rc, what, cause);
			break;
		}
		created[i] = col_req(sel, 0);
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		sqlite3_reset(sel);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	return r;
}

/*
 * The write transaction shared by add, add_many and shipped_replace: with
 * scenario_id > 0 it first replaces that scenario's shipped rows.
 */
static int write_rows(struct store *st, struct store_schedule *rows, size_t n, long scenario_id,
		      const char *shipped_hash, char **cause)
{
	static const char what[] = "cannot record the schedules";
	long *ids = xcalloc(n, sizeof *ids);
	char **created = xcalloc(n, sizeof *created);
	sqlite3_stmt *q = NULL;
	int rc, r = -1;

	for (size_t i = 0; i < n; i++)
		if (check_row(st, &rows[i], scenario_id > 0, cause) != 0)
			goto out;
	if (begin(st, what, cause) != 0)
		goto out;
	if (scenario_id > 0) {
		if (prepare(st, "UPDATE scenarios SET shipped_hash = ?2 WHERE id = ?1", &q, what, cause) != 0)
			goto fail;
		sqlite3_bind_int64(q, 1, scenario_id);
		bind_str(q, 2, shipped_hash);
		if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
			tx_fail(st, rc, what, cause);
			goto out;
		}
		if (sqlite3_changes(st->db) == 0) {
			util_errf(cause, "%s: cannot record the shipped schedules: there is no scenario with id %ld",
				  st->path, scenario_id);
			goto fail;
		}
		sqlite3_finalize(q);
		if (prepare(st, "DELETE FROM schedules WHERE scenario_id = ?1 AND origin = 'shipped'", &q, what,
			    cause) != 0)
			goto fail;
		sqlite3_bind_int64(q, 1, scenario_id);
		if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
			tx_fail(st, rc, what, cause);
			goto out;
		}
	}
	if (insert_rows(st, rows, n, scenario_id, scenario_id > 0 ? "shipped" : NULL, ids, created, cause) != 0 ||
	    commit(st, what, cause) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		rows[i].id = ids[i];
		free(rows[i].created);
		rows[i].created = created[i];
		created[i] = NULL;
		if (scenario_id > 0) {
			rows[i].scenario_id = scenario_id;
			free(rows[i].origin);
			rows[i].origin = xstrdup("shipped");
		}
	}
	r = 0;
	goto out;
fail:
	rollback(st);
out:
	sqlite3_finalize(q);
	for (size_t i = 0; i < n; i++)
		free(created[i]);
	free(created);
	free(ids);
	return r;
}

int store_schedule_add(struct store *st, struct store_schedule *s, char **cause)
{
	return write_rows(st, s, 1, 0, NULL, cause);
}

int store_schedule_add_many(struct store *st, struct store_schedule *s, size_t n, char **cause)
{
	return n == 0 ? 0 : write_rows(st, s, n, 0, NULL, cause);
}

/*
 * The rows are stored for scenario_id with origin "shipped", whatever their
 * own scenario_id and origin say (both are set so on return).
 */
int store_shipped_replace(struct store *st, long scenario_id, const char *shipped_hash,
			  struct store_schedule *rows, size_t n, char **cause)
{
	if (scenario_id <= 0)
		return util_errf(cause, "%s: cannot record the shipped schedules: there is no scenario with id %ld",
				 st->path, scenario_id);
	return write_rows(st, rows, n, scenario_id, shipped_hash, cause);
}

int store_schedule_set_name(struct store *st, long id, const char *name, char **cause)
{
	static const char what[] = "cannot name the schedule";
	sqlite3_stmt *q;
	long scenario_id;
	char *version;
	int rc;

	if (name && check_name(st, name, cause) != 0)
		return -1;
	if (begin(st, what, cause) != 0)
		return -1;
	if (prepare(st, "SELECT scenario_id, version FROM schedules WHERE id = ?1", &q, what, cause) != 0) {
		rollback(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	if ((rc = sqlite3_step(q)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			util_errf(cause, "%s: there is no schedule %ld", st->path, id);
		else
			db_fail(st, rc, what, cause);
		sqlite3_finalize(q);
		rollback(st);
		return -1;
	}
	scenario_id = (long)sqlite3_column_int64(q, 0);
	version = col_req(q, 1);
	sqlite3_finalize(q);
	rc = name ? name_clash(st, scenario_id, version, name, id, NULL, 0, cause) : 0;
	free(version);
	if (rc != 0 || prepare(st, "UPDATE schedules SET name = ?2 WHERE id = ?1", &q, what, cause) != 0) {
		rollback(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	bind_str(q, 2, name);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return tx_fail(st, rc, what, cause);
	return commit(st, what, cause);
}

/* ---- schedules: reads -------------------------------------------------------- */

/* LEFT JOIN: a row whose scenario someone deleted behind our back still shows. */
#define SCHEDULE_SELECT                                                                              \
	"SELECT s.id, s.scenario_id, c.name, s.scenario_hash, s.version, s.choices, s.length,"       \
	" s.preemptions, s.verdict, s.trace_hash, s.origin, s.name, s.milestones, s.description,"   \
	" s.created FROM schedules s LEFT JOIN scenarios c ON c.id = s.scenario_id "

static void read_schedule(sqlite3_stmt *q, struct store_schedule *s)
{
	s->id = (long)sqlite3_column_int64(q, 0);
	s->scenario_id = (long)sqlite3_column_int64(q, 1);
	s->scenario = col_req(q, 2);
	s->scenario_hash = col_req(q, 3);
	s->version = col_req(q, 4);
	s->choices = col_req(q, 5);
	s->length = (long)sqlite3_column_int64(q, 6);
	s->preemptions = (long)sqlite3_column_int64(q, 7);
	s->verdict = col_req(q, 8);
	s->trace_hash = col_req(q, 9);
	s->origin = col_req(q, 10);
	s->name = col_str(q, 11);
	s->milestones = col_str(q, 12);
	s->description = col_str(q, 13);
	s->created = col_req(q, 14);
}

/* Step q once into *out (zeroed when there is no row) and finalize it. */
static int fetch_one(struct store *st, sqlite3_stmt *q, struct store_schedule *out, int *found, char **cause)
{
	int rc = sqlite3_step(q);

	*found = rc == SQLITE_ROW;
	if (*found)
		read_schedule(q, out);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(st, rc, "cannot read schedules", cause);
}

int store_schedule_get(struct store *st, long id, struct store_schedule *out, int *found, char **cause)
{
	sqlite3_stmt *q;

	memset(out, 0, sizeof *out);
	*found = 0;
	if (prepare(st, SCHEDULE_SELECT "WHERE s.id = ?1", &q, "cannot read schedules", cause) != 0)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	return fetch_one(st, q, out, found, cause);
}

int store_schedule_find(struct store *st, const char *scenario, const char *name, const char *version,
			struct store_schedule *out, int *found, char **cause)
{
	sqlite3_stmt *q;

	memset(out, 0, sizeof *out);
	*found = 0;
	if (prepare(st, SCHEDULE_SELECT "WHERE c.name = ?1 AND s.name = ?2"
		    " ORDER BY s.version IS ?3 DESC, s.id LIMIT 1", &q, "cannot read schedules", cause) != 0)
		return -1;
	bind_str(q, 1, scenario);
	bind_str(q, 2, name);
	bind_str(q, 3, version);
	return fetch_one(st, q, out, found, cause);
}

/* fn's struct is ours and cleared after fn returns: fn copies what it keeps. */
int store_schedule_list(struct store *st, const char *scenario,
			int (*fn)(void *ctx, const struct store_schedule *s), void *ctx, char **cause)
{
	sqlite3_stmt *q;
	int rc;

	if (prepare(st, scenario ? SCHEDULE_SELECT "WHERE c.name = ?1 ORDER BY s.id"
		    : SCHEDULE_SELECT "ORDER BY c.name, s.id", &q, "cannot list schedules", cause) != 0)
		return -1;
	if (scenario)
		bind_str(q, 1, scenario);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_schedule s = { 0 };
		int stop;

		read_schedule(q, &s);
		stop = fn(ctx, &s);
		store_schedule_clear(&s);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : db_fail(st, rc, "cannot list schedules", cause);
}

int store_exploration_add(struct store *st, struct store_exploration *e, char **cause)
{
	static const char what[] = "cannot record the exploration";
	sqlite3_stmt *q = NULL;
	int rc;

	if (begin(st, what, cause) != 0)
		return -1;
	if (prepare(st, "INSERT INTO explorations (scenario_id, scenario_hash, version, mode, bounds, executions,"
			" states, complete, verdicts, elapsed_ms, plan, shard, units, units_done)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
		    &q, what, cause) != 0) {
		rollback(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, e->scenario_id);
	bind_str(q, 2, e->scenario_hash);
	bind_str(q, 3, e->version);
	bind_str(q, 4, e->mode);
	bind_str(q, 5, e->bounds);
	sqlite3_bind_int64(q, 6, e->executions);
	sqlite3_bind_int64(q, 7, e->states);
	sqlite3_bind_int(q, 8, e->complete ? 1 : 0);
	bind_str(q, 9, e->verdicts);
	sqlite3_bind_int64(q, 10, e->elapsed_ms);
	bind_str(q, 11, e->plan);
	bind_str(q, 12, e->shard);
	sqlite3_bind_int64(q, 13, e->units);
	sqlite3_bind_int64(q, 14, e->units_done);
	if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
		sqlite3_finalize(q);
		tx_fail(st, rc, what, cause);
		return -1;
	}
	e->id = (long)sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(q);
	return commit(st, what, cause);
}

int store_exploration_update(struct store *st, const struct store_exploration *e,
			     const struct store_unit *units, size_t n, char **cause)
{
	static const char what[] = "cannot record the exploration's progress";
	sqlite3_stmt *q = NULL;
	int rc;

	if (begin(st, what, cause) != 0)
		return -1;
	if (n > 0) {
		if (prepare(st, "INSERT INTO exploration_units (exploration_id, unit, findings) VALUES (?1, ?2, ?3)",
			    &q, what, cause) != 0) {
			rollback(st);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			sqlite3_reset(q);
			sqlite3_bind_int64(q, 1, e->id);
			sqlite3_bind_int64(q, 2, units[i].unit);
			sqlite3_bind_blob(q, 3, units[i].bytes, (int)units[i].len, SQLITE_STATIC);
			if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
				sqlite3_finalize(q);
				return tx_fail(st, rc, what, cause);
			}
		}
		sqlite3_finalize(q);
	}
	if (prepare(st, "UPDATE explorations SET executions = ?2, states = ?3, complete = ?4, verdicts = ?5,"
		    " elapsed_ms = ?6, units_done = ?7 WHERE id = ?1", &q, what, cause) != 0) {
		rollback(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, e->id);
	sqlite3_bind_int64(q, 2, e->executions);
	sqlite3_bind_int64(q, 3, e->states);
	sqlite3_bind_int(q, 4, e->complete ? 1 : 0);
	bind_str(q, 5, e->verdicts);
	sqlite3_bind_int64(q, 6, e->elapsed_ms);
	sqlite3_bind_int64(q, 7, e->units_done);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return tx_fail(st, rc, what, cause);
	if (sqlite3_changes(st->db) != 1) {
		rollback(st);
		return util_errf(cause, "%s: %s: exploration %ld is gone (another program deleted it?)", st->path,
				 what, e->id);
	}
	return commit(st, what, cause);
}

int store_exploration_each(struct store *st, long scenario_id,
			   int (*fn)(void *ctx, const struct store_exploration *e), void *ctx, char **cause)
{
	static const char what[] = "cannot read explorations";
	sqlite3_stmt *q;
	int rc;

	if (prepare(st, "SELECT id, scenario_id, scenario_hash, version, mode, bounds, executions, states, complete,"
		    " verdicts, elapsed_ms, plan, shard, units, units_done, created FROM explorations"
		    " WHERE ?1 = 0 OR scenario_id = ?1 ORDER BY id DESC", &q, what, cause) != 0)
		return -1;
	sqlite3_bind_int64(q, 1, scenario_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_exploration e;

		memset(&e, 0, sizeof e);
		e.id = (long)sqlite3_column_int64(q, 0);
		e.scenario_id = (long)sqlite3_column_int64(q, 1);
		e.scenario_hash = (const char *)sqlite3_column_text(q, 2);
		e.version = (const char *)sqlite3_column_text(q, 3);
		e.mode = (const char *)sqlite3_column_text(q, 4);
		e.bounds = (const char *)sqlite3_column_text(q, 5);
		e.executions = sqlite3_column_int64(q, 6);
		e.states = sqlite3_column_int64(q, 7);
		e.complete = sqlite3_column_int(q, 8);
		e.verdicts = (const char *)sqlite3_column_text(q, 9);
		e.elapsed_ms = sqlite3_column_int64(q, 10);
		e.plan = (const char *)sqlite3_column_text(q, 11);
		e.shard = (const char *)sqlite3_column_text(q, 12);
		e.units = sqlite3_column_int64(q, 13);
		e.units_done = sqlite3_column_int64(q, 14);
		e.created = (const char *)sqlite3_column_text(q, 15);
		if (!e.scenario_hash || !e.version || !e.mode)
			continue;   /* NOT NULL columns: only a hand-edited file gets here */
		if (fn(ctx, &e)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : db_fail(st, rc, what, cause);
}

int store_exploration_units(struct store *st, long id,
			    int (*fn)(void *ctx, long long unit, const void *bytes, size_t len), void *ctx,
			    char **cause)
{
	static const char what[] = "cannot read an exploration's units";
	sqlite3_stmt *q;
	int rc;

	if (prepare(st, "SELECT unit, findings FROM exploration_units WHERE exploration_id = ?1 ORDER BY unit",
		    &q, what, cause) != 0)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const void *bytes = sqlite3_column_blob(q, 1);
		size_t len = (size_t)sqlite3_column_bytes(q, 1);
		if (fn(ctx, sqlite3_column_int64(q, 0), bytes ? bytes : "", len)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : db_fail(st, rc, what, cause);
}

int store_scenario_by_id(struct store *st, long id, struct store_scenario *out, char **text, int *found,
			 char **cause)
{
	*text = NULL;
	return scenario_select(st, NULL, id, out, text, found, cause);
}
