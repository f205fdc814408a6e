/*
 * cli_play.c - `xipsandbox play [SCENARIO] [NAME|ID]`: the interactive
 * view on a stored schedule (default: the classic race and its "race"
 * schedule).
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

static const char play_help[] =
	"Usage: xipsandbox play [SCENARIO [NAME|ID]] [OPTION]...\n"
	"Step through a schedule of a scenario on the terminal: each CPU's code,\n"
	"the locks, the seqcount, the page tables, the flash, and what each step\n"
	"did, in words.  Default: the classic race, schedule 'race'.\n"
	"\n"
	"  -v, --version=V   start on buggy, fixed, later or final (v switches inside)\n"
	"      --db=PATH     the database (default ~/.local/share/xipsandbox/xipsandbox.db)\n"
	"      --batch       refuse to draw (for scripts): prints where to look instead\n"
	"  -w, --without=LIST  in the fixed version, switch ingredients of the fix off\n"
	"                    (mutex, seqcount, recheck, retry; livelock-fix: the\n"
	"                    seqcount before Linux 2.6.25): v then shows\n"
	"                    buggy, 'fixed without ...' and later on the same interleaving\n"
	"      --memory-model=M  sc (default), tso or weak: each CPU's store buffer (and,\n"
	"                    weak, invalidate queue) is shown; f then a CPU number\n"
	"                    flushes or drains it, a step of its own.  A schedule\n"
	"                    recorded under tso or weak plays under its own model\n"
	"                    (another --memory-model is refused); an sc one's CPUs\n"
	"                    can be played under any\n"
	"      --quiz        stop before the steps that matter and ask what will happen\n"
	"                    (questions from SCENARIO.demo)\n"
	"  -h, --help        show this help; press ? inside for every key\n"
	"\n"
	"Exit status: the verdict's (0 ok, 11..15) when you ran to the end, else 0;\n"
	"2 usage error; 3 bad scenario, schedule, database or terminal.\n";

int cli_play(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "version", required_argument, NULL, 'v' },
		{ "db", required_argument, NULL, 'D' },
		{ "batch", no_argument, NULL, 'B' },
		{ "quiz", no_argument, NULL, 'Q' },
		{ "without", required_argument, NULL, 'w' },
		{ "memory-model", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *version_arg = NULL, *db = NULL, *which = "race";
	int c, batch = 0, quiz = 0, status = CLI_EXIT_INPUT, found = 0, model_set = 0;
	unsigned without = 0;
	enum memmodel model = MEMMODEL_SC, rm = MEMMODEL_SC;   /* asked for; the row's */
	struct scenario *scn;
	struct store *st;
	struct store_scenario srow = { 0 };
	struct store_schedule row = { 0 };
	struct app app;
	char *cause = NULL, source[96];
	int *choices = NULL;
	size_t n = 0;
	enum xip_version version;

	optind = 1;
	while ((c = getopt_long(argc, argv, "v:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v': version_arg = optarg; break;
		case 'D': db = optarg; break;
		case 'B': batch = 1; break;
		case 'Q': quiz = 1; break;
		case 'w':
			if (kernel_without_parse(optarg, &without, &cause) != 0)
				cli_usage_error("play: %s", cause);
			break;
		case 'M':
			if (memmodel_parse(optarg, &model, &cause) != 0)
				cli_usage_error("play: %s", cause);
			model_set = 1;
			break;
		case 'h': fputs(play_help, stdout); return 0;
		default: cli_usage_error("play: bad option (see 'xipsandbox play --help')");
		}
	}
	if (argc - optind > 2)
		cli_usage_error("play takes a scenario and a schedule name or id");
	if (version_arg && xip_version_parse(version_arg) < 0)
		cli_usage_error("play: unknown version '%s' (expected buggy, fixed, later or final)", version_arg);
	if (batch || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cli_error("play draws on a terminal, and %s; for the same run as text use:\n"
			  "  xipsandbox replay %s %s", batch ? "--batch was given" : "this is not one",
			  optind < argc ? argv[optind] : "classic", optind + 1 < argc ? argv[optind + 1] : "race");
		return CLI_EXIT_INPUT;
	}
	scn = cli_load_scenario(optind < argc ? argv[optind] : "classic");
	if (!scn)
		return CLI_EXIT_INPUT;
	if (optind + 1 < argc)
		which = argv[optind + 1];
	st = cli_open_store(db, STORE_WRITE);
	if (!st) {
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	if (record_sync(st, scn, &srow, NULL, &cause) != 0)
		goto fail;
	if (strspn(which, "0123456789") == strlen(which)) {
		if (store_schedule_get(st, atol(which), &row, &found, &cause) != 0)
			goto fail;
		if (found && strcmp(row.scenario, scn->name) != 0) {
			cause = xasprintf("schedule %s belongs to scenario %s, not %s", which, row.scenario, scn->name);
			goto fail;
		}
	} else if (store_schedule_find(st, scn->name, which, version_arg, &row, &found, &cause) != 0) {
		goto fail;
	}
	if (!found && (optind + 1 < argc)) {
		cause = xasprintf("scenario %s has no schedule '%s'; 'xipsandbox list %s' shows them",
				  scn->name, which, scn->name);
		goto fail;
	}
	version = scn->default_version;
	if (found && record_row_version(&row, &version, &cause) != 0)
		goto fail;
	if (version_arg)
		version = (enum xip_version)xip_version_parse(version_arg);
	if (found) {
		/*
		 * A tso or weak row's flushes and drains mean something under its
		 * model only: it plays under it, and another model asked for is a
		 * usage error rather than a silent choice of one of the two.  An sc
		 * row is CPUs only: --memory-model plays them under any model.
		 */
		if (record_row_model(&row, &rm, &cause) != 0)
			goto fail;
		if (rm != MEMMODEL_SC && model_set && model != rm) {
			char *shown = row.name ? xasprintf("'%s'", util_shown(row.name)) : xasprintf("%ld", row.id);
			store_schedule_clear(&row);
			store_scenario_clear(&srow);
			store_close(st);
			scenario_free(scn);
			cli_usage_error("play: schedule %s was recorded under --memory-model %s and plays under it only; "
					"drop --memory-model %s", shown, memmodel_name(rm), memmodel_name(model));
		}
		if (rm != MEMMODEL_SC)
			model = rm;
		if (record_row_choices(&row, scn, rm, &choices, &n, &cause) != 0)
			goto fail;
	}
	if (found)
		snprintf(source, sizeof source, "%s%s%s", row.name ? "'" : "schedule ", row.name ? row.name : "",
			 row.name ? "'" : "");
	else
		snprintf(source, sizeof source, "your choices");
	if (found && !row.name)
		snprintf(source, sizeof source, "schedule %ld", row.id);
	if (found && strcmp(row.version, xip_version_name(version)) != 0 && row.milestones) {
		/* the named schedule on another version: expand its milestones there */
		struct store_schedule alt = { 0 };
		int f2 = 0;
		/* the other version's row of that name, when it ran under the same model */
		if (store_schedule_find(st, scn->name, row.name, xip_version_name(version), &alt, &f2, &cause) == 0 && f2 &&
		    strcmp(alt.version, xip_version_name(version)) == 0 &&
		    strcmp(alt.memory_model ? alt.memory_model : "sc", row.memory_model ? row.memory_model : "sc") == 0) {
			free(choices);
			choices = NULL;
			if (record_row_choices(&alt, scn, rm, &choices, &n, &cause) != 0) {
				store_schedule_clear(&alt);
				goto fail;
			}
		}
		store_schedule_clear(&alt);
	}
	if (app_open(&app, scn, st, srow.id, version, choices, n, found ? row.milestones : NULL, source, &cause) != 0)
		goto fail;
	if (without)
		play_set_without(&app.play, without);
	if (model != MEMMODEL_SC)
		play_set_memory_model(&app.play, model);
	if (rm != MEMMODEL_SC)
		snprintf(app.play.message, sizeof app.play.message, "%s was recorded under %s and plays under it; "
			 "press space to run the next step, ? for every key", source, memmodel_name(rm));
	if (quiz) {
		struct demo *d = cli_load_demo(scn, 1);
		if (!d) {
			app_close(&app);
			goto out;
		}
		app_set_demo(&app, d, 0, 1, 1000, 0);
	}
	if (tui_run(&app, &cause) != 0) {
		app_close(&app);
		goto fail;
	}
	status = tui_signal() ? 128 + tui_signal()   /* as a shell reports a signal */
		 : app.ran_to_end ? verdict_exit_status(app.verdict.kind) : 0;
	app_close(&app);
	goto out;
fail:
	cli_error("%s", cause ? cause : "play failed");
	free(cause);
out:
	free(choices);
	store_schedule_clear(&row);
	store_scenario_clear(&srow);
	store_close(st);
	scenario_free(scn);
	return status;
}
