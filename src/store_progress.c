/*
 * store_progress.c - challenge mode's progress in the database (store.h,
 * table challenge_progress, schema 4): one row per player and level.
 *
 * Invariant: a row only improves.  store_progress_add merges in one
 * statement (an UPSERT): tries add up, the outcome moves up open < proved
 * < won, the best win is replaced only by a better one (more stars, then
 * fewer steps).  Two sessions of one player finishing at once both count.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

void store_progress_clear(struct store_progress *p)
{
	free((char *)p->player);
	free((char *)p->level);
	free((char *)p->scenario);
	free((char *)p->version);
	free((char *)p->goal);
	free((char *)p->outcome);
	free((char *)p->best_schedule);
	free((char *)p->updated);
	memset(p, 0, sizeof *p);
}

/* The new row is the better win: excluded.* is the row being added. */
#define BETTER_WIN "(excluded.outcome = 'won' AND (outcome <> 'won' OR excluded.stars > stars" \
		   " OR (excluded.stars = stars AND excluded.best_length < best_length)))"
#define RANK(o) "(CASE " o " WHEN 'won' THEN 2 WHEN 'proved' THEN 1 ELSE 0 END)"

int store_progress_add(struct store *st, const struct store_progress *p, char **cause)
{
	static const char what[] = "cannot record the challenge progress";
	int won = p->outcome && strcmp(p->outcome, "won") == 0;
	sqlite3_stmt *q = NULL;
	int rc;

	if (sql_prepare(st, "INSERT INTO challenge_progress (player, level, scenario, version, goal, outcome, tries,"
			" stars, best_length, best_preemptions, best_schedule)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
			" ON CONFLICT (player, level) DO UPDATE SET"
			"  tries = tries + excluded.tries,"
			"  stars = CASE WHEN " BETTER_WIN " THEN excluded.stars ELSE stars END,"
			"  best_length = CASE WHEN " BETTER_WIN " THEN excluded.best_length ELSE best_length END,"
			"  best_preemptions = CASE WHEN " BETTER_WIN " THEN excluded.best_preemptions"
			"   ELSE best_preemptions END,"
			"  best_schedule = CASE WHEN " BETTER_WIN " THEN excluded.best_schedule ELSE best_schedule END,"
			"  outcome = CASE WHEN " RANK("excluded.outcome") " > " RANK("outcome")
			"   THEN excluded.outcome ELSE outcome END,"
			"  updated = " "(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
		    &q, what, cause) != 0)
		return -1;
	sql_bind_str(q, 1, p->player);
	sql_bind_str(q, 2, p->level);
	sql_bind_str(q, 3, p->scenario);
	sql_bind_str(q, 4, p->version);
	sql_bind_str(q, 5, p->goal);
	sql_bind_str(q, 6, p->outcome);
	sqlite3_bind_int64(q, 7, p->tries);
	sqlite3_bind_int64(q, 8, won ? p->stars : 0);
	if (won) {
		sqlite3_bind_int64(q, 9, p->best_length);
		sqlite3_bind_int64(q, 10, p->best_preemptions);
		sql_bind_str(q, 11, p->best_schedule);
	}
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return sql_fail(st, rc, what, cause);
	return 0;
}

#define PROGRESS_COLUMNS "player, level, scenario, version, goal, outcome, tries, stars, " \
			 "coalesce(best_length, -1), coalesce(best_preemptions, -1), best_schedule, updated"

static void read_row(sqlite3_stmt *q, struct store_progress *p)
{
	p->player = sql_col_req(q, 0);
	p->level = sql_col_req(q, 1);
	p->scenario = sql_col_req(q, 2);
	p->version = sql_col_req(q, 3);
	p->goal = sql_col_req(q, 4);
	p->outcome = sql_col_req(q, 5);
	p->tries = (long)sqlite3_column_int64(q, 6);
	p->stars = (long)sqlite3_column_int64(q, 7);
	p->best_length = (long)sqlite3_column_int64(q, 8);
	p->best_preemptions = (long)sqlite3_column_int64(q, 9);
	p->best_schedule = sql_col_str(q, 10);
	p->updated = sql_col_req(q, 11);
}

int store_progress_get(struct store *st, const char *player, const char *level, struct store_progress *out,
		       int *found, char **cause)
{
	static const char what[] = "cannot read the challenge progress";
	sqlite3_stmt *q;
	int rc;

	memset(out, 0, sizeof *out);
	*found = 0;
	if (sql_prepare(st, "SELECT " PROGRESS_COLUMNS " FROM challenge_progress WHERE player = ?1 AND level = ?2",
		    &q, what, cause) != 0)
		return -1;
	sql_bind_str(q, 1, player);
	sql_bind_str(q, 2, level);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		read_row(q, out);
		*found = 1;
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, rc, what, cause);
}

int store_progress_each(struct store *st, const char *player,
			int (*fn)(void *ctx, const struct store_progress *p), void *ctx, char **cause)
{
	static const char what[] = "cannot read the challenge progress";
	sqlite3_stmt *q;
	int rc;

	if (sql_prepare(st, "SELECT " PROGRESS_COLUMNS " FROM challenge_progress WHERE player = ?1 ORDER BY level",
		    &q, what, cause) != 0)
		return -1;
	sql_bind_str(q, 1, player);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_progress p;
		int stop;

		read_row(q, &p);
		stop = fn(ctx, &p);
		store_progress_clear(&p);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, rc, what, cause);
}
