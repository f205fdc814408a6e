/*
 * cli_demo.c - `xipsandbox demo [SCENARIO]`: the narrated demo for a class,
 * and `play --quiz` shares its stops.  The narration and the questions are
 * in scenarios/NAME.demo.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "record.h"
#include "tui.h"

static const char demo_help[] =
	"Usage: xipsandbox demo [SCENARIO] [OPTION]...\n"
	"Play the scenario's teaching schedule on its own, stopping where it matters\n"
	"with a longer narration and questions (from SCENARIO.demo), then replay the\n"
	"same interleaving on the fixed version and show which ingredient of the fix\n"
	"stopped the race.  Default: the classic race.\n"
	"\n"
	"  -p, --pace=SECONDS  time between steps (default 1; + and - change it)\n"
	"      --projector     large, high-contrast layout for a projector\n"
	"      --no-quiz       pauses only, no questions\n"
	"      --db=PATH       the database (default ~/.local/share/xipsandbox/xipsandbox.db)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Keys: space continues, p pauses, + faster, - slower, Backspace steps back,\n"
	"q quits.\n";

static char *demo_path(const struct scenario *scn)
{
	size_t len = strlen(scn->path);

	if (len > 4 && strcmp(scn->path + len - 4, ".scn") == 0)
		return xasprintf("%.*s.demo", (int)(len - 4), scn->path);
	return xasprintf("%s.demo", scn->path);
}

/* Shared by demo and play --quiz: load NAME.demo (NULL when none). */
struct demo *cli_load_demo(const struct scenario *scn, int required)
{
	char *path = demo_path(scn), *cause = NULL;
	struct demo *d = NULL;
	int r = demo_load(path, &d, &cause);

	if (r < 0) {
		cli_error("%s", cause);
		free(cause);
	} else if (r == 0 && required) {
		cli_error("scenario %s has no demo: %s does not exist (docs/scenarios.md says how to write one)",
			  scn->name, path);
	}
	free(path);
	return d;
}

int cli_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pace", required_argument, NULL, 'p' },
		{ "projector", no_argument, NULL, 'P' },
		{ "no-quiz", no_argument, NULL, 'Q' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL;
	double pace = 1.0;
	int c, projector = 0, quiz = 1, status = CLI_EXIT_INPUT, found = 0;
	struct scenario *scn;
	struct store *st;
	struct store_scenario srow = { 0 };
	struct store_schedule row = { 0 };
	struct demo *d;
	struct app app;
	char *cause = NULL, source[96];
	int *choices = NULL;
	size_t n = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *end;
			pace = strtod(optarg, &end);
			if (*end || !(pace >= 0.05 && pace <= 30))   /* NaN fails both */
				cli_usage_error("demo: --pace wants seconds between 0.05 and 30, not '%s'", optarg);
			break;
		}
		case 'P': projector = 1; break;
		case 'Q': quiz = 0; break;
		case 'D': db = optarg; break;
		case 'h': fputs(demo_help, stdout); return 0;
		default: cli_usage_error("demo: bad option (see 'xipsandbox demo --help')");
		}
	}
	if (argc - optind > 1)
		cli_usage_error("demo takes at most one scenario");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_error("demo draws on a terminal, and this is not one; for the same run as text use:\n"
			  "  xipsandbox replay %s race", optind < argc ? argv[optind] : "classic");
		return CLI_EXIT_INPUT;
	}
	scn = cli_load_scenario(optind < argc ? argv[optind] : "classic");
	if (!scn)
		return CLI_EXIT_INPUT;
	d = cli_load_demo(scn, 1);
	if (!d) {
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	st = cli_open_store(db, STORE_WRITE);
	if (!st) {
		demo_free(d);
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	if (record_sync(st, scn, &srow, NULL, &cause) != 0 ||
	    store_schedule_find(st, scn->name, d->schedule, "buggy", &row, &found, &cause) != 0)
		goto fail;
	if (!found || strcmp(row.version, "buggy") != 0 || !row.milestones) {
		cause = xasprintf("%s: schedule '%s' of scenario %s must be a shipped milestone schedule for buggy (%s.sched)",
				  d->path, d->schedule, scn->name, scn->name);
		goto fail;
	}
	if (record_parse_choices(row.choices, &choices, &n, &cause) != 0)
		goto fail;
	snprintf(source, sizeof source, "'%s'", row.name);
	if (app_open(&app, scn, st, srow.id, XIP_BUGGY, choices, n, row.milestones, source, &cause) != 0)
		goto fail;
	app_set_demo(&app, d, 1, quiz, (int)(pace * 1000), projector);
	d = NULL;
	if (tui_run(&app, &cause) != 0) {
		app_close(&app);
		goto fail;
	}
	status = tui_signal() ? 128 + tui_signal() : 0;
	app_close(&app);
	goto out;
fail:
	cli_error("%s", cause ? cause : "demo failed");
	free(cause);
out:
	demo_free(d);
	free(choices);
	store_schedule_clear(&row);
	store_scenario_clear(&srow);
	store_close(st);
	scenario_free(scn);
	return status;
}
