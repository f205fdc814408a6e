/*
 * cli_challenge.c - `xipsandbox challenge [LEVEL]`: the levels of
 * scenarios/challenge.levels and the player's progress, or one level on
 * the play screen with the student as the scheduler (challenge.h).
 *
 * Every level is checked when the file is loaded, its scenario loaded and
 * the hint's CPU looked for in it, so that a broken level is reported with
 * its line before anyone plays.
 */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "challenge.h"
#include "cli.h"
#include "record.h"
#include "tui.h"

static const char challenge_help[] =
	"Usage: xipsandbox challenge [LEVEL] [OPTION]...\n"
	"You are the scheduler.  Each level names a scenario, a kernel version and a\n"
	"goal (a verdict such as corruption); run the CPUs one step at a time on the\n"
	"play screen (a digit runs that CPU, Backspace undoes a step) until a run ends\n"
	"in the goal.  A win is scored against explore's shortest and fewest-preemption\n"
	"schedules; where no schedule can win, the level ends with explore's proof.\n"
	"Without LEVEL: the levels and your progress.\n"
	"\n"
	"      --player=NAME  whose progress (default: $USER, else the login name)\n"
	"      --levels=FILE  the levels (default: challenge.levels beside the scenarios)\n"
	"      --db=PATH      the database (default ~/.local/share/xipsandbox/xipsandbox.db)\n"
	"  -h, --help         show this help\n"
	"\n"
	"Keys inside: 0-7 run a CPU, Backspace undo, i hint (after a few failed tries),\n"
	"x give up, q quit; the other keys of play work too (? lists them).\n"
	"\n"
	"Exit status: 0; 2 usage error; 3 bad levels file, scenario, database or terminal.\n";

static int is_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* NAME in the scenario directories (as cli_load_scenario looks), newly allocated; NULL when none. */
static char *find_data(const char *name)
{
	const char *dirs[4];
	int nd = 0;

	if (getenv("XS_SCENARIO_DIR"))
		dirs[nd++] = getenv("XS_SCENARIO_DIR");
	dirs[nd++] = "scenarios";
	dirs[nd++] = XS_SOURCE_SCENARIODIR;
	dirs[nd++] = XS_SCENARIODIR;
	for (int i = 0; i < nd; i++) {
		char *p = xasprintf("%s/%s", dirs[i], name);
		if (is_file(p))
			return p;
		free(p);
	}
	return NULL;
}

/* Load and check every level: its scenario loads and has the hint's CPU. */
static struct levels *load_levels(const char *arg)
{
	char *path = arg ? xstrdup(arg) : find_data("challenge.levels"), *cause = NULL;
	struct levels *ls = NULL;

	if (!path) {
		cli_error("no challenge.levels in %s; give one with --levels FILE", cli_scenario_dirs());
		return NULL;
	}
	if (levels_load(path, &ls, &cause) != 0)
		goto fail;
	for (int i = 0; i < ls->n; i++) {
		const struct level *lv = &ls->level[i];
		char *name = xasprintf("%s.scn", lv->scenario), *spath = find_data(name), *why = NULL;
		struct scenario *scn = NULL;

		free(name);
		if (!spath)
			cause = xasprintf("%s:%d: level %s: no scenario '%s' in %s", path, lv->line, lv->name,
					  lv->scenario, cli_scenario_dirs());
		else if (scenario_load(spath, &scn, &why) != 0)
			cause = xasprintf("%s:%d: level %s: %s", path, lv->line, lv->name, why);
		else if (lv->hint_cpu >= scn->ncpus)
			cause = xasprintf("%s:%d: level %s: the hint names CPU%d, but scenario %s has %d CPUs", path,
					  lv->line, lv->name, lv->hint_cpu, lv->scenario, scn->ncpus);
		free(why);
		free(spath);
		scenario_free(scn);
		if (cause)
			goto fail;
	}
	free(path);
	return ls;
fail:
	cli_error("%s", cause);
	free(cause);
	free(path);
	levels_free(ls);
	return NULL;
}

static int player_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.@-") == n;
}

struct list_ctx {
	const struct levels *ls;
	struct store_progress row[LEVELS_MAX];
	int have[LEVELS_MAX];
};

static int list_one(void *ctx, const struct store_progress *p)
{
	struct list_ctx *lc = ctx;

	for (int i = 0; i < lc->ls->n; i++)
		if (!lc->have[i] && strcmp(lc->ls->level[i].name, p->level) == 0) {
			lc->have[i] = 1;
			lc->row[i].tries = p->tries;
			lc->row[i].stars = p->stars;
			lc->row[i].best_length = p->best_length;
			lc->row[i].best_preemptions = p->best_preemptions;
			lc->row[i].outcome = xstrdup(p->outcome);
		}
	return 0;
}

static int list_levels(const struct levels *ls, struct store *st, const char *player)
{
	struct list_ctx lc;
	char *cause = NULL, where[96], progress[96];
	const char *next = NULL;
	int done = 0;

	memset(&lc, 0, sizeof lc);
	lc.ls = ls;
	if (store_progress_each(st, player, list_one, &lc, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		return CLI_EXIT_INPUT;
	}
	printf("Challenge levels for %s (xipsandbox challenge LEVEL plays one):\n\n", player);
	printf("  %-8s %-24s %-11s %s\n", "level", "scenario/version", "goal", "progress");
	for (int i = 0; i < ls->n; i++) {
		const struct level *lv = &ls->level[i];
		const char *o = lc.have[i] ? lc.row[i].outcome : "";

		snprintf(where, sizeof where, "%s/%s", lv->scenario, xip_version_name(lv->version));
		if (strcmp(o, "won") == 0)
			snprintf(progress, sizeof progress, "done: won, %ld of 3 stars (%ld steps, %ld %s)",
				 lc.row[i].stars, lc.row[i].best_length, lc.row[i].best_preemptions,
				 lc.row[i].best_preemptions == 1 ? "preemption" : "preemptions");
		else if (strcmp(o, "proved") == 0)
			snprintf(progress, sizeof progress, "done: proved that no schedule wins");
		else if (lc.have[i])
			snprintf(progress, sizeof progress, "open: %ld failed %s", lc.row[i].tries,
				 lc.row[i].tries == 1 ? "try" : "tries");
		else
			snprintf(progress, sizeof progress, "new");
		if (strcmp(o, "won") == 0 || strcmp(o, "proved") == 0)
			done++;
		else if (!next)
			next = lv->name;
		printf("  %-8s %-24s %-11s %s\n  %-8s %s\n", lv->name, where, level_goal_name(lv), progress, "",
		       lv->title);
		free((char *)lc.row[i].outcome);
	}
	printf("\n%d of %d done.", done, ls->n);
	if (next)
		printf(" Next: xipsandbox challenge %s", next);
	printf("\n");
	return 0;
}

static int play_level(const struct level *lv, struct store *st, const char *player)
{
	char *name = xasprintf("%s.scn", lv->scenario), *path = find_data(name), *cause = NULL;
	struct scenario *scn = NULL;
	struct store_scenario srow = { 0 };
	struct challenge ch;
	struct app app;
	int status = CLI_EXIT_INPUT;

	free(name);
	if (!path || scenario_load(path, &scn, &cause) != 0) {
		cli_error("level %s: %s", lv->name, cause ? cause : "its scenario is gone");
		free(cause);
		free(path);
		return CLI_EXIT_INPUT;
	}
	free(path);
	if (record_sync(st, scn, &srow, NULL, &cause) != 0 ||
	    app_open(&app, scn, st, srow.id, lv->version, NULL, 0, NULL, "your choices", &cause) != 0)
		goto fail;
	memset(&ch, 0, sizeof ch);
	ch.level = lv;
	ch.player = player;
	ch.store = st;
	app.challenge = &ch;
	challenge_begin(&ch, &app);
	if (tui_run(&app, &cause) != 0) {
		challenge_end(&ch);
		app_close(&app);
		goto fail;
	}
	status = tui_signal() ? 128 + tui_signal() : 0;
	challenge_end(&ch);
	app_close(&app);
	goto out;
fail:
	cli_error("%s", cause ? cause : "challenge failed");
	free(cause);
out:
	store_scenario_clear(&srow);
	scenario_free(scn);
	return status;
}

int cli_challenge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "player", required_argument, NULL, 'P' },
		{ "levels", required_argument, NULL, 'F' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *player = NULL, *levels_arg = NULL, *db = NULL;
	const struct level *lv = NULL;
	struct levels *ls;
	struct store *st;
	int c, status;

	optind = 1;
	player = getenv("USER");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': player = optarg; break;
		case 'F': levels_arg = optarg; break;
		case 'D': db = optarg; break;
		case 'h': fputs(challenge_help, stdout); return 0;
		default: cli_usage_error("challenge: bad option (see 'xipsandbox challenge --help')");
		}
	}
	if (argc - optind > 1)
		cli_usage_error("challenge takes at most one level name, got '%s' too", argv[optind + 1]);
	if (!player || !*player)
		player = getenv("LOGNAME");
	if (!player || !*player) {
		/* a container's root shell often has neither: the account's name */
		const struct passwd *pw = getpwuid(getuid());
		player = pw ? pw->pw_name : NULL;
	}
	if (!player || !*player)
		cli_usage_error("challenge: neither USER nor LOGNAME is set: say whose progress it is with --player NAME");
	if (!player_ok(player))
		cli_usage_error("challenge: the player name '%.80s' must be 1 to 64 letters, digits, '_', '.', '@' or '-'",
				player);
	ls = load_levels(levels_arg);
	if (!ls)
		return CLI_EXIT_INPUT;
	if (optind < argc && !(lv = levels_find(ls, argv[optind]))) {
		char names[512];
		size_t o = 0;
		for (int i = 0; i < ls->n && o < sizeof names - 40; i++)
			o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "", ls->level[i].name);
		levels_free(ls);
		cli_usage_error("challenge: no level '%.40s' (the levels: %s)", argv[optind], names);
	}
	if (lv && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		cli_error("challenge %s draws on a terminal, and this is not one; 'xipsandbox challenge' without a "
			  "level lists the levels and your progress", lv->name);
		levels_free(ls);
		return CLI_EXIT_INPUT;
	}
	st = cli_open_store(db, lv ? STORE_WRITE : STORE_READ);
	if (!st) {
		levels_free(ls);
		return CLI_EXIT_INPUT;
	}
	status = lv ? play_level(lv, st, player) : list_levels(ls, st, player);
	store_close(st);
	levels_free(ls);
	return status;
}
