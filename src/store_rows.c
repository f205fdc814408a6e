/*
 * store_rows.c - scenarios and schedules in the database (store.h): their
 * checks, writes (each change in one transaction) and reads.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "verdict.h"

/* ---- scenarios ---------------------------------------------------------------- */

void store_scenario_clear(struct store_scenario *s)
{
	free(s->name);
	free(s->title);
	free(s->text_hash);
	free(s->shipped_hash);
	free(s->source);
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
	if (sql_prepare(st, name ? "SELECT id, name, title, text_hash, shipped_hash, text, source FROM scenarios WHERE name = ?1"
			     : "SELECT id, name, title, text_hash, shipped_hash, text, source FROM scenarios WHERE id = ?1",
		    &q, what, cause) != 0)
		return -1;
	if (name)
		sql_bind_str(q, 1, name);
	else
		sqlite3_bind_int64(q, 1, id);
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		*found = 1;
		out->id = (long)sqlite3_column_int64(q, 0);
		out->name = sql_col_req(q, 1);
		out->title = sql_col_req(q, 2);
		out->text_hash = sql_col_req(q, 3);
		out->shipped_hash = sql_col_str(q, 4);
		if (text)
			*text = sql_col_req(q, 5);
		out->source = sql_col_str(q, 6);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_fail(st, rc, what, cause);
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

/* Inside the transaction: insert the scenario or bring its row up to date (a NULL source keeps the row's). */
static int scenario_write(struct store *st, const char *name, const char *title, const char *text_hash,
			  const char *text, const char *source, const struct store_scenario *old, int found,
			  char **cause)
{
	sqlite3_stmt *q;
	int rc;

	if (sql_prepare(st, found ? "UPDATE scenarios SET title = ?2, text_hash = ?3, text = ?4, "
				    "source = coalesce(?5, source) WHERE name = ?1"
		    : "INSERT INTO scenarios (name, title, text_hash, text, source) VALUES (?1, ?2, ?3, ?4, ?5)",
		    &q, "cannot record the scenario", cause) != 0)
		return -1;
	sql_bind_str(q, 1, name);
	sql_bind_str(q, 2, title ? title : (old->title ? old->title : ""));
	sql_bind_str(q, 3, text_hash);
	sql_bind_str(q, 4, text ? text : "");
	if (source)
		sql_bind_str(q, 5, source);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, rc, "cannot record the scenario", cause);
}

static int scenario_same(const struct store_scenario *s, const char *title, const char *text_hash)
{
	return strcmp(s->text_hash, text_hash) == 0 && (!title || strcmp(s->title, title) == 0);
}

/* Another file's scenario of the same name: its text cannot replace the row's (store.h). */
static int scenario_clash(struct store *st, const struct store_scenario *cur, const char *text_hash,
			  const char *source, char **cause)
{
	char *was, *now;
	int r;

	if (!source || !cur->source || strcmp(cur->source, source) == 0 || strcmp(cur->text_hash, text_hash) == 0)
		return 0;
	was = xstrdup(util_shown(cur->source));
	now = xstrdup(util_shown(source));
	r = util_errf(cause, "%s: scenario '%s' is already there, read from %s (text %s); %s has the same name and "
		      "another text (%s), so it is another scenario: rename %s (a scenario's name is its file's), or "
		      "use --db to choose another file; if it is the same scenario moved, tell the database with "
		      "sqlite3 (UPDATE scenarios SET source = '%s' WHERE id = %ld)", store_path(st),
		      util_shown(cur->name), was, cur->text_hash, now, text_hash, now, now, cur->id);
	free(was);
	free(now);
	return r;
}

/* Nothing to write: the same text, and a source that is known or not to be learnt here. */
static int scenario_current(struct store *st, const struct store_scenario *s, const char *title,
			    const char *text_hash, const char *source)
{
	return scenario_same(s, title, text_hash) && (s->source || !source || store_read_only(st));
}

int store_scenario_sync(struct store *st, const char *name, const char *title, const char *text_hash,
			const char *text, const char *source, struct store_scenario *out, char **previous_hash,
			char **cause)
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
	if (found && scenario_current(st, &cur, title, text_hash, source)) {
		*out = cur;
		return 0;
	}
	if (found && scenario_clash(st, &cur, text_hash, source, cause) != 0) {
		store_scenario_clear(&cur);
		return -1;
	}
	store_scenario_clear(&cur);
	if (sql_begin(st, "cannot record the scenario", cause) != 0)
		return -1;
	/* Again under the write lock: another process may have got here first. */
	if (scenario_fetch(st, name, &cur, &found, cause) != 0 ||
	    (found && scenario_clash(st, &cur, text_hash, source, cause) != 0) ||
	    ((!found || !scenario_current(st, &cur, title, text_hash, source)) &&
	     scenario_write(st, name, title, text_hash, text, source, &cur, found, cause) != 0)) {
		store_scenario_clear(&cur);
		sql_rollback(st);
		return -1;
	}
	if (previous_hash && found && strcmp(cur.text_hash, text_hash) != 0)
		*previous_hash = xstrdup(cur.text_hash);
	store_scenario_clear(&cur);
	if (scenario_fetch(st, name, out, &found, cause) != 0 || sql_commit(st, "cannot record the scenario", cause) != 0) {
		store_scenario_clear(out);
		sql_rollback(st);
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
	free(s->memory_model);
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
		return util_errf(cause, "%s: cannot record the schedule: unknown version '%s' (buggy, fixed, "
				 "later or final)", st->path, s->version ? s->version : "");
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

	if (sql_prepare(st, "SELECT s.id, c.name FROM schedules s LEFT JOIN scenarios c ON c.id = s.scenario_id"
		    " WHERE s.scenario_id = ?1 AND s.version = ?2 AND s.name = ?3 AND s.id <> ?4",
		    &q, what, cause) != 0)
		return -1;
	sqlite3_bind_int64(q, 1, scenario_id);
	sql_bind_str(q, 2, version);
	sql_bind_str(q, 3, name);
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
		r = sql_fail(st, rc, what, cause);
	}
	sqlite3_finalize(q);
	return r;
}

/* ---- schedules: writes ------------------------------------------------------- */

static int bind_row(sqlite3_stmt *q, const struct store_schedule *s, long scenario_id, const char *origin)
{
	int rc = sqlite3_bind_int64(q, 1, scenario_id);

	rc = rc ? rc : sql_bind_str(q, 2, s->scenario_hash);
	rc = rc ? rc : sql_bind_str(q, 3, s->version);
	rc = rc ? rc : sql_bind_str(q, 4, s->choices);
	rc = rc ? rc : sqlite3_bind_int64(q, 5, s->length);
	rc = rc ? rc : sqlite3_bind_int64(q, 6, s->preemptions);
	rc = rc ? rc : sql_bind_str(q, 7, s->verdict);
	rc = rc ? rc : sql_bind_str(q, 8, s->trace_hash);
	rc = rc ? rc : sql_bind_str(q, 9, origin);
	rc = rc ? rc : sql_bind_str(q, 10, s->name);
	rc = rc ? rc : sql_bind_str(q, 11, s->milestones);
	rc = rc ? rc : sql_bind_str(q, 12, s->description);
	rc = rc ? rc : sqlite3_bind_int(q, 13, s->trace_format ? s->trace_format : STORE_TRACE_FORMAT_SITES);
	rc = rc ? rc : sql_bind_str(q, 14, s->memory_model ? s->memory_model : "sc");
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
	return sql_fail(st, rc, "cannot record the schedule", cause);
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

	if (sql_prepare(st, "INSERT INTO schedules (scenario_id, scenario_hash, version, choices, length,"
		    " preemptions, verdict, trace_hash, origin, name, milestones, description, trace_format,"
		    " memory_model) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", &ins, what, cause) != 0 ||
	    sql_prepare(st, "SELECT created FROM schedules WHERE id = ?1", &sel, what, cause) != 0) {
		sqlite3_finalize(ins);
		return -1;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct store_schedule *s = &rows[i];
		long sid = scenario_id > 0 ? scenario_id : s->scenario_id;

		if (s->name && (r = name_clash(st, sid, s->version, s->name, 0, ids, i, cause)) != 0)
			break;
		if ((rc = bind_row(ins, s, sid, origin ? origin : s->origin)) != SQLITE_OK) {
			r = sql_fail(st, rc, what, cause);
			break;
		}
		if ((r = insert_step(st, ins, sid, cause)) != 0)
			break;
		ids[i] = (long)sqlite3_last_insert_rowid(st->db);
		sqlite3_bind_int64(sel, 1, ids[i]);
		rc = sqlite3_step(sel);
		if (rc != SQLITE_ROW) {
			r = sql_fail(st, rc == SQLITE_DONE ? SQLITE_ERROR : rc, what, cause);
			break;
		}
		created[i] = sql_col_req(sel, 0);
		sqlite3_reset(ins);
		sqlite3_clear_bindings(ins);
		sqlite3_reset(sel);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	return r;
}

/* Inside the caller's transaction: schedule from[i] (> 0) gives up rows[i].name. */
static int unname_rows(struct store *st, const struct store_schedule *rows, size_t n, const long *from,
		       char **cause)
{
	static const char what[] = "cannot move the schedule's name";
	sqlite3_stmt *q;
	int rc = SQLITE_DONE;

	if (sql_prepare(st, "UPDATE schedules SET name = NULL WHERE id = ?1 AND name = ?2", &q, what, cause) != 0)
		return -1;
	for (size_t i = 0; i < n && rc == SQLITE_DONE; i++) {
		if (from[i] <= 0 || !rows[i].name)
			continue;
		sqlite3_bind_int64(q, 1, from[i]);
		sql_bind_str(q, 2, rows[i].name);
		rc = sqlite3_step(q);
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : sql_fail(st, rc, what, cause);
}

/*
 * The write transaction shared by add, add_many and shipped_replace: with
 * scenario_id > 0 it first replaces that scenario's shipped rows; with
 * take_from, it first takes the rows' names from the schedules it lists.
 */
static int write_rows(struct store *st, struct store_schedule *rows, size_t n, long scenario_id,
		      const char *shipped_hash, const long *take_from, char **cause)
{
	static const char what[] = "cannot record the schedules";
	long *ids = xcalloc(n, sizeof *ids);
	char **created = xcalloc(n, sizeof *created);
	sqlite3_stmt *q = NULL;
	int rc, r = -1;

	for (size_t i = 0; i < n; i++)
		if (check_row(st, &rows[i], scenario_id > 0, cause) != 0)
			goto out;
	if (sql_begin(st, what, cause) != 0)
		goto out;
	if (scenario_id > 0) {
		if (sql_prepare(st, "UPDATE scenarios SET shipped_hash = ?2 WHERE id = ?1", &q, what, cause) != 0)
			goto fail;
		sqlite3_bind_int64(q, 1, scenario_id);
		sql_bind_str(q, 2, shipped_hash);
		if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
			sql_tx_fail(st, rc, what, cause);
			goto out;
		}
		if (sqlite3_changes(st->db) == 0) {
			util_errf(cause, "%s: cannot record the shipped schedules: there is no scenario with id %ld",
				  st->path, scenario_id);
			goto fail;
		}
		sqlite3_finalize(q);
		if (sql_prepare(st, "DELETE FROM schedules WHERE scenario_id = ?1 AND origin = 'shipped'", &q, what,
			    cause) != 0)
			goto fail;
		sqlite3_bind_int64(q, 1, scenario_id);
		if ((rc = sqlite3_step(q)) != SQLITE_DONE) {
			sql_tx_fail(st, rc, what, cause);
			goto out;
		}
	}
	if ((take_from && unname_rows(st, rows, n, take_from, cause) != 0) ||
	    insert_rows(st, rows, n, scenario_id, scenario_id > 0 ? "shipped" : NULL, ids, created, cause) != 0 ||
	    sql_commit(st, what, cause) != 0)
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
	sql_rollback(st);
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
	return write_rows(st, s, 1, 0, NULL, NULL, cause);
}

int store_schedule_add_many(struct store *st, struct store_schedule *s, size_t n, const long *take_name_from,
			    char **cause)
{
	return n == 0 ? 0 : write_rows(st, s, n, 0, NULL, take_name_from, cause);
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
	return write_rows(st, rows, n, scenario_id, shipped_hash, NULL, cause);
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
	if (sql_begin(st, what, cause) != 0)
		return -1;
	if (sql_prepare(st, "SELECT scenario_id, version FROM schedules WHERE id = ?1", &q, what, cause) != 0) {
		sql_rollback(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	if ((rc = sqlite3_step(q)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			util_errf(cause, "%s: there is no schedule %ld", st->path, id);
		else
			sql_fail(st, rc, what, cause);
		sqlite3_finalize(q);
		sql_rollback(st);
		return -1;
	}
	scenario_id = (long)sqlite3_column_int64(q, 0);
	version = sql_col_req(q, 1);
	sqlite3_finalize(q);
	rc = name ? name_clash(st, scenario_id, version, name, id, NULL, 0, cause) : 0;
	free(version);
	if (rc != 0 || sql_prepare(st, "UPDATE schedules SET name = ?2 WHERE id = ?1", &q, what, cause) != 0) {
		sql_rollback(st);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	sql_bind_str(q, 2, name);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return sql_tx_fail(st, rc, what, cause);
	return sql_commit(st, what, cause);
}

/* ---- schedules: reads -------------------------------------------------------- */

/* LEFT JOIN: a row whose scenario someone deleted behind our back still shows. */
#define SCHEDULE_SELECT                                                                              \
	"SELECT s.id, s.scenario_id, c.name, s.scenario_hash, s.version, s.choices, s.length,"       \
	" s.preemptions, s.verdict, s.trace_hash, s.origin, s.name, s.milestones, s.description,"   \
	" s.created, s.trace_format, s.memory_model FROM schedules s LEFT JOIN scenarios c ON c.id = s.scenario_id "

static void read_schedule(sqlite3_stmt *q, struct store_schedule *s)
{
	s->id = (long)sqlite3_column_int64(q, 0);
	s->scenario_id = (long)sqlite3_column_int64(q, 1);
	s->scenario = sql_col_req(q, 2);
	s->scenario_hash = sql_col_req(q, 3);
	s->version = sql_col_req(q, 4);
	s->choices = sql_col_req(q, 5);
	s->length = (long)sqlite3_column_int64(q, 6);
	s->preemptions = (long)sqlite3_column_int64(q, 7);
	s->verdict = sql_col_req(q, 8);
	s->trace_hash = sql_col_req(q, 9);
	s->origin = sql_col_req(q, 10);
	s->name = sql_col_str(q, 11);
	s->milestones = sql_col_str(q, 12);
	s->description = sql_col_str(q, 13);
	s->created = sql_col_req(q, 14);
	s->trace_format = (int)sqlite3_column_int64(q, 15);
	s->memory_model = sql_col_req(q, 16);
}

/* Step q once into *out (zeroed when there is no row) and finalize it. */
static int fetch_one(struct store *st, sqlite3_stmt *q, struct store_schedule *out, int *found, char **cause)
{
	int rc = sqlite3_step(q);

	*found = rc == SQLITE_ROW;
	if (*found)
		read_schedule(q, out);
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_fail(st, rc, "cannot read schedules", cause);
}

int store_schedule_get(struct store *st, long id, struct store_schedule *out, int *found, char **cause)
{
	sqlite3_stmt *q;

	memset(out, 0, sizeof *out);
	*found = 0;
	if (sql_prepare(st, SCHEDULE_SELECT "WHERE s.id = ?1", &q, "cannot read schedules", cause) != 0)
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
	if (sql_prepare(st, SCHEDULE_SELECT "WHERE c.name = ?1 AND s.name = ?2"
		    " ORDER BY s.version IS ?3 DESC, s.id LIMIT 1", &q, "cannot read schedules", cause) != 0)
		return -1;
	sql_bind_str(q, 1, scenario);
	sql_bind_str(q, 2, name);
	sql_bind_str(q, 3, version);
	return fetch_one(st, q, out, found, cause);
}

/* fn's struct is ours and cleared after fn returns: fn copies what it keeps. */
int store_schedule_list(struct store *st, const char *scenario,
			int (*fn)(void *ctx, const struct store_schedule *s), void *ctx, char **cause)
{
	sqlite3_stmt *q;
	int rc;

	if (sql_prepare(st, scenario ? SCHEDULE_SELECT "WHERE c.name = ?1 ORDER BY s.id"
		    : SCHEDULE_SELECT "ORDER BY c.name, s.id", &q, "cannot list schedules", cause) != 0)
		return -1;
	if (scenario)
		sql_bind_str(q, 1, scenario);
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
	return rc == SQLITE_DONE ? 0 : sql_fail(st, rc, "cannot list schedules", cause);
}

int store_scenario_by_id(struct store *st, long id, struct store_scenario *out, char **text, int *found,
			 char **cause)
{
	*text = NULL;
	return scenario_select(st, NULL, id, out, text, found, cause);
}
