/*
 * cli_common.c - what every command shares: error messages in one format,
 * finding scenarios by path or by name, and checking what a database
 * gives back before it is believed (a stored scenario, a stored unit).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "cli.h"
#include "explore.h"
#include "record.h"
#include "sched.h"

/* Messages quote users' files: control bytes are shown, never sent to the terminal (util_shown). */
static void put_safe(FILE *out, const char *s)
{
	size_t len = strlen(s) * 4 + 8;
	char *shown = xmalloc(len);

	fputs(util_shown_into(s, 1, shown, len), out);
	free(shown);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	fflush(stdout);
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	fputs("xipsandbox: ", stderr);
	put_safe(stderr, msg);
	fputc('\n', stderr);
	free(msg);
}

void cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("xipsandbox: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'xipsandbox --help' for the list of commands.\n", stderr);
	exit(CLI_EXIT_USAGE);
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

const char *cli_scenario_dirs(void)
{
	static char buf[1024];
	const char *env = getenv("XS_SCENARIO_DIR");

	snprintf(buf, sizeof buf, "%s%s./scenarios, %s, %s", env ? env : "", env ? ", " : "",
		 XS_SOURCE_SCENARIODIR, XS_SCENARIODIR);
	return buf;
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_shipped_scenarios(char ***names)
{
	const char *dirs[3];
	int nd = 0, n = 0;

	*names = NULL;
	if (getenv("XS_SCENARIO_DIR"))
		dirs[nd++] = getenv("XS_SCENARIO_DIR");
	dirs[nd++] = XS_SOURCE_SCENARIODIR;
	dirs[nd++] = XS_SCENARIODIR;
	for (int i = 0; i < nd && n == 0; i++) {
		DIR *dp = opendir(dirs[i]);
		struct dirent *de;
		if (!dp)
			continue;
		while ((de = readdir(dp))) {
			size_t l = strlen(de->d_name);
			if (l > 4 && strcmp(de->d_name + l - 4, ".scn") == 0) {
				*names = xrealloc(*names, (size_t)(n + 1) * sizeof **names);
				(*names)[n++] = xasprintf("%s/%s", dirs[i], de->d_name);
			}
		}
		closedir(dp);
	}
	if (n)
		qsort(*names, (size_t)n, sizeof **names, name_order);
	return n;
}

/* The file ARG names (newly allocated), or NULL when there is none. */
static char *scenario_path(const char *arg)
{
	const char *dirs[4];
	char *path = NULL;
	int nd = 0;

	if (strchr(arg, '/') || is_file(arg))
		return xstrdup(arg);
	if (getenv("XS_SCENARIO_DIR"))
		dirs[nd++] = getenv("XS_SCENARIO_DIR");
	dirs[nd++] = "scenarios";
	dirs[nd++] = XS_SOURCE_SCENARIODIR;
	dirs[nd++] = XS_SCENARIODIR;
	for (int i = 0; i < nd && !path; i++) {
		char *p = xasprintf("%s/%s%s", dirs[i], arg,
				    strlen(arg) > 4 && !strcmp(arg + strlen(arg) - 4, ".scn") ? "" : ".scn");
		if (is_file(p))
			path = p;
		else
			free(p);
	}
	return path;
}

struct scenario *cli_load_scenario_or_stored(const char *arg, struct store *st)
{
	struct store_scenario srow = { 0 };
	struct scenario *scn = NULL;
	char *path = scenario_path(arg), *cause = NULL;
	int found = 0;

	if (path || !st) {
		free(path);
		return cli_load_scenario(arg);
	}
	if (store_scenario_get(st, arg, &srow, &found, &cause) == 0 && found &&
	    cli_stored_scenario(st, srow.id, &scn, &cause) > 0) {
		store_scenario_clear(&srow);
		return scn;
	}
	store_scenario_clear(&srow);
	if (cause) {
		cli_error("%s", cause);
		free(cause);
		return NULL;
	}
	cli_error("no scenario '%s': not a file, no %s.scn in %s, and none of that name in %s\n"
		  "Give a path to a .scn file, or one of the shipped names (classic, ...).",
		  arg, arg, cli_scenario_dirs(), store_path(st));
	return NULL;
}

struct scenario *cli_load_scenario(const char *arg)
{
	struct scenario *scn = NULL;
	char *cause = NULL, *path = scenario_path(arg);

	if (!path) {
		cli_error("no scenario '%s': not a file, and no %s.scn in %s\n"
			  "Give a path to a .scn file, or one of the shipped names (classic, ...).",
			  arg, arg, cli_scenario_dirs());
		return NULL;
	}
	if (scenario_load(path, &scn, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		free(path);
		return NULL;
	}
	free(path);
	return scn;
}

struct store *cli_open_store(const char *db_arg, enum store_mode mode)
{
	struct store *st = NULL;
	char *cause = NULL, *path = db_arg ? xstrdup(db_arg) : store_default_path(&cause);

	if (!path) {
		cli_error("%s", cause);
		free(cause);
		return NULL;
	}
	if (store_open(path, mode, &st, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		st = NULL;
	}
	free(path);
	return st;
}

int cli_stored_scenario(struct store *st, long scenario_id, struct scenario **out, char **cause)
{
	struct store_scenario srow = { 0 };
	char *text = NULL, *path;
	int found = 0, r;

	*out = NULL;
	if (store_scenario_by_id(st, scenario_id, &srow, &text, &found, cause) != 0)
		return -1;
	if (!found)
		return 0;
	if (!record_scenario_name_ok(srow.name)) {
		r = util_errf(cause, "%s: scenario %ld is named '%s', which is not a scenario name (another program "
			      "changed it?); give it its name again with sqlite3 (UPDATE scenarios SET name = "
			      "'NAME' WHERE id = %ld), or use --db to choose another file", store_path(st),
			      scenario_id, srow.name, scenario_id);
	} else {
		path = xasprintf("%s.scn", srow.name);   /* for messages and the name; never opened */
		r = scenario_parse(path, text, strlen(text), out, cause) == 0 ? 1 : -1;
		free(path);
	}
	store_scenario_clear(&srow);
	free(text);
	return r;
}

static int state_known(const struct explore_unit *u, uint64_t state)
{
	size_t lo = 0, hi = u->nstates;

	while (lo < hi) {   /* u->states is ascending (explore_unit_decode checks it) */
		size_t mid = lo + (hi - lo) / 2;
		if (u->states[mid] == state)
			return 1;
		if (u->states[mid] < state)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int cex_check(struct kernel_run *run, const struct scenario *scn, enum xip_version version,
		     const struct explore_unit *u, const struct explore_cex *c, const char *what, char **why)
{
	struct kernel_verdict kv;
	struct sched *s;
	char *parted = NULL, *cause = NULL;

	sched_set_step_limit(kernel_run_sched(run), c->verdict == VERDICT_STEP_LIMIT ? (unsigned)c->n : SCHED_DEFAULT_STEP_LIMIT);
	if (record_execute_choices(run, scn, version, c->choices, c->n, &parted, &cause) != 0) {
		*why = xasprintf("its %s counterexample does not run (%s)", what, cause);
		free(cause);
		return -1;
	}
	if (parted) {
		*why = xasprintf("its %s counterexample (%s in %zu steps) does not replay: %s", what,
				 verdict_kind_name(c->verdict), c->n, parted);
		free(parted);
		return -1;
	}
	s = kernel_run_sched(run);
	kernel_run_verdict(run, &kv);
	if (kv.kind != c->verdict || sched_nsteps(s) != c->n || sched_preemptions(s) != c->preemptions ||
	    kernel_state_hash(run) != c->state || !state_known(u, c->state)) {
		*why = xasprintf("its %s counterexample says %s in %zu steps, %u preemptions, but replays to %s in "
				 "%zu steps, %u preemptions%s", what, verdict_kind_name(c->verdict), c->n,
				 c->preemptions, verdict_kind_name(kv.kind), sched_nsteps(s), sched_preemptions(s),
				 kernel_state_hash(run) != c->state ? ", another final state"
				 : !state_known(u, c->state) ? ", a final state the unit does not list" : "");
		return -1;
	}
	return 0;
}

int cli_unit_check(const struct scenario *scn, enum xip_version version, const struct explore_unit *u,
		   char **why)
{
	struct kernel_run *run;
	int rc = 0;

	*why = NULL;
	if (!u->shortest.choices)
		return 0;
	run = kernel_run_new();
	rc = cex_check(run, scn, version, u, &u->shortest, "shortest", why);
	/* often the same run: replayed once */
	if (rc == 0 && (u->fewest.n != u->shortest.n ||
			memcmp(u->fewest.choices, u->shortest.choices, u->fewest.n * sizeof *u->fewest.choices) != 0 ||
			u->fewest.state != u->shortest.state || u->fewest.verdict != u->shortest.verdict ||
			u->fewest.preemptions != u->shortest.preemptions))
		rc = cex_check(run, scn, version, u, &u->fewest, "fewest-preemptions", why);
	kernel_run_free(run);
	return rc;
}
