/*
 * store_sql.c - the SQL helpers the store's files share (store-int.h):
 * messages for SQLite's errors, transactions, statements, columns.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store-int.h"

/* ".5" for 2500 ms (a static buffer: one message at a time) */
static const char *ms_fraction(int ms)
{
	static char buf[8];

	snprintf(buf, sizeof buf, ".%03d", ms % 1000);
	for (char *e = buf + strlen(buf) - 1; *e == '0'; e--)
		*e = '\0';
	return buf;
}

/* Has AUTOINCREMENT given out its last schedule id? (Asked only after SQLITE_FULL.) */
static int ids_used_up(const struct store *st)
{
	sqlite3_stmt *q = NULL;
	int used_up = 0;

	if (st->db && sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_sequence WHERE name = 'schedules' AND "
					 "seq = 9223372036854775807", -1, &q, NULL) == SQLITE_OK)
		used_up = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return used_up;
}

/* The message for SQLite's rc while doing `what` ("cannot list schedules"). */
int sql_fail(const struct store *st, int rc, const char *what, char **cause)
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
		/* SQLITE_FULL is also AUTOINCREMENT's answer when the last id is taken (B34) */
		if (ids_used_up(st))
			return util_errf(cause, "%s: %s: the schedule ids are used up (the largest, %lld, is taken: "
					 "another program set it?); " USE_DB, st->path, what, (long long)INT64_MAX);
		return util_errf(cause, "%s: %s: the disk is full; free some space, or " USE_DB, st->path, what);
	case SQLITE_CANTOPEN: {
		/* "unable to open database file" alone hides the reason (B35) */
		int e = st->db ? sqlite3_system_errno(st->db) : 0;
		if (e == EMFILE || e == ENFILE)
			return util_errf(cause, "%s: %s: unable to open database file: %s (a limit on open files, "
					 "ulimit -n); raise it, or close some", st->path, what, strerror(e));
		if (e)
			return util_errf(cause, "%s: %s: unable to open database file: %s", st->path, what, strerror(e));
		return util_errf(cause, "%s: %s: %s", st->path, what, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	}
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
int sql_exec(sqlite3 *db, const char *sql)
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
int sql_retry(struct store *st, const char *sql)
{
	long deadline = now_ms() + st->busy_ms;
	int rc;

	while ((rc = sql_exec(st->db, sql)) != SQLITE_OK && (rc & 0xff) == SQLITE_BUSY && now_ms() < deadline &&
	       !(st->interrupt && *st->interrupt))
		sqlite3_sleep(5);
	if ((rc & 0xff) == SQLITE_BUSY)
		st->gave_up = 1;
	return rc;
}

/*
 * sqlite3_busy_timeout's job, but a signal ends the wait too (explore
 * stops at once, writing what it can), and the caller learns that the
 * lock was the reason (a write tried again later).
 */
int sql_busy_wait(void *arg, int count)
{
	struct store *st = arg;
	long now = now_ms();

	if (count == 0)
		st->busy_since = now;
	if ((st->interrupt && *st->interrupt) || now - st->busy_since >= st->busy_ms) {
		st->gave_up = 1;
		return 0;
	}
	sqlite3_sleep(count < 9 ? count + 1 : 10);
	return 1;
}

void store_set_wait(struct store *st, int ms)
{
	st->busy_ms = ms < 0 ? st->busy_default : ms;
}

int store_wait_ms(const struct store *st)
{
	return st->busy_ms;
}

void store_set_interrupt(struct store *st, volatile sig_atomic_t *flag)
{
	st->interrupt = flag;
}

int store_gave_up_waiting(const struct store *st)
{
	return st->gave_up;
}

void sql_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sql_exec(st->db, "ROLLBACK");
}

int sql_begin(struct store *st, const char *what, char **cause)
{
	int rc;

	st->gave_up = 0;
	rc = sql_retry(st, "BEGIN IMMEDIATE");

	return rc == SQLITE_OK ? 0 : sql_fail(st, rc, what, cause);
}

/* The message first (ROLLBACK resets SQLite's), then the rollback. */
int sql_tx_fail(struct store *st, int rc, const char *what, char **cause)
{
	sql_fail(st, rc, what, cause);
	sql_rollback(st);
	return -1;
}

int sql_commit(struct store *st, const char *what, char **cause)
{
	int rc = sql_exec(st->db, "COMMIT");

	return rc == SQLITE_OK ? 0 : sql_tx_fail(st, rc, what, cause);
}

int sql_prepare(struct store *st, const char *sql, sqlite3_stmt **q, const char *what, char **cause)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, q, NULL);

	if (rc == SQLITE_OK)
		return 0;
	*q = NULL;
	return sql_fail(st, rc, what, cause);
}

/* Bind a string or, for NULL, SQL NULL.  The string must outlive the step. */
int sql_bind_str(sqlite3_stmt *q, int i, const char *s)
{
	return s ? sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(q, i);
}

/* A column as a new string; NULL stays NULL. */
char *sql_col_str(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? xstrdup((const char *)t) : NULL;
}

/* A column that may not be NULL (another program may have made it so). */
char *sql_col_req(sqlite3_stmt *q, int i)
{
	char *s = sql_col_str(q, i);

	return s ? s : xstrdup("");
}

/* One integer from a statement without parameters; SQLite's rc. */
int sql_query_int(sqlite3 *db, const char *sql, long *out)
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


void store_files(struct store *st, const char *out[STORE_NFILES])
{
	static const char *const side[3] = { "-wal", "-shm", "-journal" };

	out[0] = st->path;
	for (int i = 0; i < 3; i++) {
		if (!st->files[i])
			st->files[i] = xasprintf("%s%s", st->path, side[i]);
		out[1 + i] = st->files[i];
	}
}
