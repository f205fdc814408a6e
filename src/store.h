/*
 * store.h - the schedule database (SQLite).  The only module that knows SQL
 * or includes sqlite3.h; docs/schema.md documents the tables.
 *
 * Every schedule a user runs, names, imports or an exploration finds is a
 * row; the shipped named schedules of each scenario are imported as rows
 * with origin "shipped".  Strings in the structs below are owned by the
 * struct (free with the matching _clear function).
 *
 * Errors: every function returns 0 on success or -1 with *cause set to one
 * sentence naming the database file and what to do ("...: database is
 * locked by another program; try again, or use --db to choose another
 * file").  A database that is not ours, newer than us, corrupt, read-only
 * (for writes) or unreadable is refused before anything is written to it:
 * the file's bytes are never changed in those cases.
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <signal.h>
#include <stddef.h>

#define STORE_SCHEMA_VERSION 7

/* schedules.trace_format: 1, a step's source line (schema 2 and before); 2, its site id. */
#define STORE_TRACE_FORMAT_LINES 1
#define STORE_TRACE_FORMAT_SITES 2

struct store;

enum store_mode {
	STORE_READ,   /* list, export, replay: a missing database is created empty */
	STORE_WRITE,  /* everything that records */
};

/*
 * The default database path: $XDG_DATA_HOME/xipsandbox/xipsandbox.db, else
 * $HOME/.local/share/xipsandbox/xipsandbox.db (newly allocated).  Returns
 * NULL with *cause when neither variable is set.
 */
char *store_default_path(char **cause);

/*
 * Open (creating the file and its directory when missing) and check it:
 * the schema version (PRAGMA user_version) must be ours or older (older
 * ones are migrated forward in one transaction), the tables must be ours.
 * Sets WAL mode, a 5 s busy timeout (store_set_wait) and foreign keys on.
 */
int store_open(const char *path, enum store_mode mode, struct store **out, char **cause);
void store_close(struct store *st);
const char *store_path(const struct store *st);

/*
 * 1 when st was opened read-only: STORE_READ on a file xipsandbox may not
 * write (docs/schema.md); every write then fails with "is read-only".
 */
int store_read_only(const struct store *st);

/*
 * The files the database lives in: out[0] the path, then the -wal, -shm
 * and -journal files SQLite keeps beside it (whether they exist or not);
 * what a command that writes other files must never write over.  The
 * strings belong to st.
 */
#define STORE_NFILES 4
void store_files(struct store *st, const char *out[STORE_NFILES]);

/* ---- scenarios ------------------------------------------------------------ */

struct store_scenario {
	long id;
	char *name;         /* "classic" */
	char *title;
	char *text_hash;    /* 16 lowercase hex digits: the scenario text as last seen */
	char *shipped_hash; /* hash of the .sched text last imported, NULL if none */
	char *source;       /* the file its text was last read from (absolute), NULL if not known */
};
void store_scenario_clear(struct store_scenario *s);

/*
 * Make sure the scenario has a row and that it records the current text
 * hash (and text, and title).  *previous_hash (if not NULL) receives the
 * hash it had before when it changed (newly allocated), else NULL.
 *
 * A scenario is its name and its text, read from `source` (an absolute
 * path; NULL when the text did not come from a file: it is then taken as
 * the row's own).  A new text from the file the row was read from is the
 * same scenario edited: the row keeps its id and gets the text.  A new
 * text from another file of the same name is another scenario, and is
 * refused: -1 with *cause naming both files (nothing is written).  A row
 * whose source is not known yet (older databases) takes the first file
 * that brings its text.
 */
int store_scenario_sync(struct store *st, const char *name, const char *title,
			const char *text_hash, const char *text, const char *source,
			struct store_scenario *out, char **previous_hash, char **cause);

/* Look a scenario up by name; *found is 0 when there is none. */
int store_scenario_get(struct store *st, const char *name, struct store_scenario *out,
		       int *found, char **cause);

/* ---- schedules ----------------------------------------------------------------- */

struct store_schedule {
	long id;
	long scenario_id;
	char *scenario;      /* scenario name (filled by reads; ignored by writes) */
	char *scenario_hash; /* text hash of the scenario it was recorded on */
	char *version;       /* buggy, fixed, later, final (final from schema 7) */
	char *choices;       /* exact form: "0 0 1 ..." */
	long length;         /* number of steps */
	long preemptions;
	char *verdict;       /* ok, corruption, bug, deadlock, leak, step-limit */
	char *trace_hash;    /* 16 lowercase hex digits */
	int trace_format;    /* how trace_hash was computed: STORE_TRACE_FORMAT_* */
	char *origin;        /* shipped, user, explore */
	char *name;          /* NULL or unique per (scenario, version) */
	char *milestones;    /* the milestone text it was expanded from, or NULL */
	char *description;   /* one line, or NULL */
	char *created;       /* ISO 8601 UTC, set by the database */
	char *memory_model;  /* sc, tso, weak (schema 6; rows before it read as sc); NULL on write: sc */
};
void store_schedule_clear(struct store_schedule *s);

/* Insert one schedule (id and created are set on return). */
int store_schedule_add(struct store *st, struct store_schedule *s, char **cause);

/*
 * Insert many in one transaction (explore's counterexamples, imports):
 * all or none.  take_name_from (NULL: none) moves names: when
 * take_name_from[i] > 0, schedule take_name_from[i] loses s[i].name in the
 * same transaction, before s[i] is inserted with it (explore's newer
 * counterexample takes "shortest" from the older one); a failed insert
 * leaves every name where it was.  A schedule that no longer has that name
 * keeps whatever it has.
 */
int store_schedule_add_many(struct store *st, struct store_schedule *s, size_t n, const long *take_name_from,
			    char **cause);

/*
 * Replace a scenario's shipped schedules by `rows` and record shipped_hash,
 * in one transaction.
 */
int store_shipped_replace(struct store *st, long scenario_id, const char *shipped_hash,
			  struct store_schedule *rows, size_t n, char **cause);

/* By id; *found is 0 when there is no such row. */
int store_schedule_get(struct store *st, long id, struct store_schedule *out, int *found, char **cause);

/*
 * By scenario name and schedule name, preferring `version` (NULL: any, the
 * lowest id); *found is 0 when none.
 */
int store_schedule_find(struct store *st, const char *scenario, const char *name,
			const char *version, struct store_schedule *out, int *found, char **cause);

/*
 * Call fn for every schedule (of `scenario`, or all when NULL), ordered by
 * scenario name then id; fn returns non-zero to stop.
 */
int store_schedule_list(struct store *st, const char *scenario,
			int (*fn)(void *ctx, const struct store_schedule *s), void *ctx, char **cause);

/*
 * Give schedule `id` a name (NULL removes it).  Fails with a clear message
 * when another schedule of the same scenario and version has that name.
 */
int store_schedule_set_name(struct store *st, long id, const char *name, char **cause);

/* ---- explorations ---------------------------------------------------------------- */

/* One search, as `explore` ran it (see docs/schema.md, table explorations). */
struct store_exploration {
	long id;
	long scenario_id;
	const char *scenario_hash;
	const char *version;
	const char *mode;       /* reduced, full, bounded, random, pct */
	const char *bounds;     /* "preemptions<=2", "seed=1 runs=10000", or NULL */
	long long executions;
	long long states;
	int complete;           /* the whole space was searched */
	const char *verdicts;   /* "ok=5 corruption=2" */
	long long elapsed_ms;
	/* split searches (reduced, full): */
	const char *plan;       /* the plan's text (explore.h), NULL when not split */
	const char *shard;      /* "2/4" for one shard of a search, NULL for all of it */
	long long units;        /* units in the plan */
	long long units_done;   /* units done: each has a row in exploration_units */
	const char *created;    /* reads only */
};

/* Record one exploration (id is set on return). */
int store_exploration_add(struct store *st, struct store_exploration *e, char **cause);

/* The findings of one unit of a split exploration (bytes from explore_unit_encode). */
struct store_unit {
	long long unit;
	const void *bytes;
	size_t len;
};

/*
 * Bring exploration e->id's counts (executions, states, complete,
 * verdicts, elapsed_ms, units_done) up to *e and add `units`, in one
 * transaction.  A unit already recorded is kept as it is (two runs resuming
 * one search find the same findings for a unit: the search is deterministic).
 */
int store_exploration_update(struct store *st, const struct store_exploration *e,
			     const struct store_unit *units, size_t n, char **cause);

/*
 * Call fn for every exploration (of scenario_id, or all when 0), newest
 * first; e's strings live until fn returns.  fn returns non-zero to stop.
 */
int store_exploration_each(struct store *st, long scenario_id,
			   int (*fn)(void *ctx, const struct store_exploration *e), void *ctx, char **cause);

/* Call fn for every unit recorded for exploration id, in unit order; bytes live until fn returns. */
int store_exploration_units(struct store *st, long id,
			    int (*fn)(void *ctx, long long unit, const void *bytes, size_t len), void *ctx,
			    char **cause);

/* A scenario by id, with the text it was last seen with (*text newly allocated); *found 0 when none. */
int store_scenario_by_id(struct store *st, long id, struct store_scenario *out, char **text, int *found,
			 char **cause);

/* ---- challenge progress (schema 4; src/store_progress.c) ------------------------ */

/*
 * One player's progress on one challenge level.  outcome: "open" (tried,
 * not finished), "won" (a run reached the goal) or "proved" (the player
 * saw explore's proof that no schedule reaches it).  The best_* fields
 * describe the best winning schedule (most stars, then fewest steps);
 * best_length is -1 and best_schedule NULL until a win.  Strings read
 * (store_progress_get) are owned by the struct (store_progress_clear);
 * those written are only read.
 */
struct store_progress {
	const char *player;
	const char *level;
	const char *scenario;
	const char *version;
	const char *goal;
	const char *outcome;
	long tries;             /* runs that ended without reaching the goal */
	long stars;             /* of the best win, 0..3 */
	long best_length, best_preemptions;
	const char *best_schedule;    /* "0 0 1 ...", as schedules.choices */
	const char *updated;          /* reads only */
};
void store_progress_clear(struct store_progress *p);

/*
 * Merge one session's news into (player, level)'s row, creating it: tries
 * are added to the stored ones, the outcome only moves up (open < proved <
 * won), and the best win is replaced only by a better one.  p->best_* are
 * read when p->outcome is "won".  Nothing else of a stored row changes.
 */
int store_progress_add(struct store *st, const struct store_progress *p, char **cause);

/* (player, level)'s row; *found is 0 when the player never tried it. */
int store_progress_get(struct store *st, const char *player, const char *level, struct store_progress *out,
		       int *found, char **cause);

/* Call fn for every row of `player`, by level name; fn returns non-zero to stop. */
int store_progress_each(struct store *st, const char *player,
			int (*fn)(void *ctx, const struct store_progress *p), void *ctx, char **cause);

/* ---- waiting for another program's lock ------------------------------------------ */

/*
 * Waiting for another program's write lock.  store_set_wait: how long the
 * writes from now on wait for it, in ms (-1: the default, XS_DB_BUSY_MS or
 * 5 s; 0: not at all, for a write that is tried again later);
 * store_wait_ms: that time.  store_set_interrupt: a wait ends early when
 * *flag becomes non-zero (a signal; NULL: never).  store_gave_up_waiting:
 * the last transaction failed because the lock stayed taken.
 */
void store_set_wait(struct store *st, int ms);
int store_wait_ms(const struct store *st);
void store_set_interrupt(struct store *st, volatile sig_atomic_t *flag);
int store_gave_up_waiting(const struct store *st);

#endif
