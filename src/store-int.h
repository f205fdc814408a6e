/*
 * store-int.h - the insides of the store (store.h), shared by its files:
 * store.c (opening, checking and migrating the file), store_sql.c (the SQL
 * helpers below), store_rows.c (scenarios and schedules) and
 * store_explore.c (explorations).  Nothing else includes it.
 *
 * The helpers' errors: each returns -1 (or SQLite's rc where it says so)
 * with *cause set to one sentence that starts with the database path.
 */
#ifndef XS_STORE_INT_H
#define XS_STORE_INT_H

#include <sqlite3.h>

#include "store.h"
#include "util.h"

#define STORE_NAME_MAX 64
#define USE_DB "use --db to choose another file"

struct store {
	sqlite3 *db;
	char *path;
	char *files[3]; /* path-wal, path-shm, path-journal (store_files) */
	int read_only; /* opened read-only (STORE_READ on a file we may not write) */
	int busy_ms; /* how long to wait for another program's write lock */
	int busy_default; /* ... unless told otherwise (store_set_wait) */
	long busy_since; /* when the wait under way began (sql_busy_wait) */
	int gave_up; /* the last transaction stopped waiting for the lock */
	volatile sig_atomic_t *interrupt; /* a wait ends when *interrupt != 0 (NULL: never) */
	int work_ms; /* how much CPU time one statement may take (B2) */
	long stmt_cpu_ms; /* the thread's CPU time when the running statement began */
};

/* The message for SQLite's rc while doing `what` ("cannot list schedules"); -1. */
int sql_fail(const struct store *st, int rc, const char *what, char **cause);
/* Run constant SQL (one or more statements, no parameters); SQLite's rc. */
int sql_exec(sqlite3 *db, const char *sql);
/* SQLite's busy handler (arg: the store): waits up to busy_ms, unless interrupted. */
int sql_busy_wait(void *arg, int count);
/* sql_exec, tried again while another connection holds the lock (up to the busy timeout). */
int sql_retry(struct store *st, const char *sql);
/* BEGIN IMMEDIATE ... COMMIT; sql_tx_fail: the message, then ROLLBACK. */
int sql_begin(struct store *st, const char *what, char **cause);
int sql_commit(struct store *st, const char *what, char **cause);
void sql_rollback(struct store *st);
int sql_tx_fail(struct store *st, int rc, const char *what, char **cause);
int sql_prepare(struct store *st, const char *sql, sqlite3_stmt **q, const char *what, char **cause);
/* A string or, for NULL, SQL NULL; the string must outlive the step. */
int sql_bind_str(sqlite3_stmt *q, int i, const char *s);
/* A column as a new string (NULL stays NULL); sql_col_req: "" for NULL. */
char *sql_col_str(sqlite3_stmt *q, int i);
char *sql_col_req(sqlite3_stmt *q, int i);
/* One integer from a statement without parameters; SQLite's rc. */
int sql_query_int(sqlite3 *db, const char *sql, long *out);

#endif
