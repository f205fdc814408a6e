/*
 * store_explore.c - explorations in the database (store.h): their rows,
 * and the findings of each unit of a split search (exploration_units).
 */
#include "config.h"

#include <string.h>

#include "store-int.h"

int store_exploration_add(struct store *st, struct store_exploration *e, char **cause)
{
	static const char what[] = "cannot record the exploration";
	sqlite3_stmt *q = NULL;
	int rc;

	if (sql_begin(st, what, cause) != 0)
		return -1;
	if (sql_prepare(st, "INSERT INTO explorations (scenario_id, scenario_hash, version, mode, bounds, executions,"
			" states, complete, verdicts, elapsed_ms, plan, shard, units, units_done)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
		    &q, what, cause) != 0) {
		sql_rollback(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, e->scenario_id);
	sql_bind_str(q, 2, e->scenario_hash);
	sql_bind_str(q, 3, e->version);
	sql_bind_str(q, 4, e->mode);
	sql_bind_str(q, 5, e->bounds);
	sqlite3_bind_int64(q, 6, e->executions);
	sqlite3_bind_int64(q, 7, e->states);
	sqlite3_bind_int(q, 8, e->complete ? 1 : 0);
	sql_bind_str(q, 9, e->verdicts);
	sqlite3_bind_int64(q, 10, e->elapsed_ms);
	sql_bind_str(q, 11, e->plan);
	sql_bind_str(q, 12, e->shard);
	sqlite3_bind_int64(q, 13, e->units);
	sqlite3_bind_int64(q, 14, e->units_done);
	if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
		sqlite3_finalize(q);
		sql_tx_fail(st, rc, what, cause);
		return -1;
	}
	e->id = (long)sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(q);
	return sql_commit(st, what, cause);
}

int store_exploration_update(struct store *st, const struct store_exploration *e,
			     const struct store_unit *units, size_t n, char **cause)
{
	static const char what[] = "cannot record the exploration's progress";
	sqlite3_stmt *q = NULL;
	int rc;

	if (sql_begin(st, what, cause) != 0)
		return -1;
	if (n > 0) {
		if (sql_prepare(st, "INSERT OR IGNORE INTO exploration_units (exploration_id, unit, findings) VALUES (?1, ?2, ?3)",
			    &q, what, cause) != 0) {
			sql_rollback(st);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			sqlite3_reset(q);
			sqlite3_bind_int64(q, 1, e->id);
			sqlite3_bind_int64(q, 2, units[i].unit);
			sqlite3_bind_blob(q, 3, units[i].bytes, (int)units[i].len, SQLITE_STATIC);
			if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
				sqlite3_finalize(q);
				return sql_tx_fail(st, rc, what, cause);
			}
		}
		sqlite3_finalize(q);
	}
	if (sql_prepare(st, "UPDATE explorations SET executions = ?2, states = ?3, complete = ?4, verdicts = ?5,"
		    " elapsed_ms = ?6, units_done = ?7 WHERE id = ?1", &q, what, cause) != 0) {
		sql_rollback(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, e->id);
	sqlite3_bind_int64(q, 2, e->executions);
	sqlite3_bind_int64(q, 3, e->states);
	sqlite3_bind_int(q, 4, e->complete ? 1 : 0);
	sql_bind_str(q, 5, e->verdicts);
	sqlite3_bind_int64(q, 6, e->elapsed_ms);
	sqlite3_bind_int64(q, 7, e->units_done);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return sql_tx_fail(st, rc, what, cause);
	if (sqlite3_changes(st->db) != 1) {
		sql_rollback(st);
		return util_errf(cause, "%s: %s: exploration %ld is gone (another program deleted it?)", st->path,
				 what, e->id);
	}
	return sql_commit(st, what, cause);
}

int store_exploration_each(struct store *st, long scenario_id,
			   int (*fn)(void *ctx, const struct store_exploration *e), void *ctx, char **cause)
{
	static const char what[] = "cannot read explorations";
	sqlite3_stmt *q;
	int rc;

	if (sql_prepare(st, "SELECT id, scenario_id, scenario_hash, version, mode, bounds, executions, states, complete,"
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
	return rc == SQLITE_DONE ? 0 : sql_fail(st, rc, what, cause);
}

int store_exploration_units(struct store *st, long id,
			    int (*fn)(void *ctx, long long unit, const void *bytes, size_t len), void *ctx,
			    char **cause)
{
	static const char what[] = "cannot read an exploration's units";
	sqlite3_stmt *q;
	int rc;

	if (sql_prepare(st, "SELECT unit, findings FROM exploration_units WHERE exploration_id = ?1 ORDER BY unit",
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
	return rc == SQLITE_DONE ? 0 : sql_fail(st, rc, what, cause);
}
