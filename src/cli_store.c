/*
 * cli_store.c - the commands that read and write the schedule database:
 * replay, list, export, import, save.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "record.h"
#include "report.h"
#include "shipped.h"
#include "svg.h"

/*
 * A read-only database's row of the scenario, found without writing (B21):
 * what record_sync would record (a new text, the shipped schedules) cannot
 * be, and a note says so.
 */
static int read_only_row(struct store *st, const struct scenario *scn, struct store_scenario *row, char **cause)
{
	char hex[17];
	int found = 0;

	if (store_scenario_get(st, scn->name, row, &found, cause) != 0)
		return -1;
	if (!found)
		cli_error("note: %s is read-only and has no scenario %s yet, so its shipped schedules "
			"are not there; make the file writable to import them", store_path(st), scn->name);
	else if (strcmp(row->text_hash, record_hex(scn->hash, hex)) != 0)
		cli_error("note: scenario %s changed since %s last saw it, which is read-only: the "
			"new text and its shipped schedules are not recorded there", scn->name, store_path(st));
	return 0;
}

/*
 * Load scenario + open store (read-only when the file is) + sync; NULLs
 * after printing the error.
 */
static int open_both(const char *scn_arg, const char *db, struct scenario **scn, struct store **st,
		     struct store_scenario *row)
{
	char *cause = NULL, *changed = NULL;

	*scn = cli_load_scenario(scn_arg);
	if (!*scn)
		return -1;
	*st = cli_open_store(db, STORE_READ);
	if (!*st) {
		scenario_free(*scn);
		return -1;
	}
	if (store_read_only(*st) ? read_only_row(*st, *scn, row, &cause) != 0
				 : record_sync(*st, *scn, row, &changed, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		store_close(*st);
		scenario_free(*scn);
		return -1;
	}
	if (changed)
		cli_error("note: scenario %s changed since it was last used (text hash %s, now %s)",
			(*scn)->name, changed, row->text_hash);
	free(changed);
	return 0;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* The id all_digits text names; 0 (no schedule has it) beyond LONG_MAX, never a clamped real id. */
static long id_of(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno == ERANGE || *end ? 0 : v;
}

/* ---- replay ---------------------------------------------------------------- */

static const char replay_help[] =
	"Usage: xipsandbox replay SCENARIO [NAME|ID] [OPTION]...\n"
	"Replay a stored schedule, print its trace and verdict (as `run` does) and\n"
	"check the trace hash against the recorded one.  Without NAME or ID, the\n"
	"scenario's first named schedule.\n"
	"\n"
	"  -v, --version=V   replay on buggy, fixed, later or final.  A schedule written with\n"
	"                    milestones is expanded for V; an exact one is followed\n"
	"                    as far as it applies, and the step where the versions\n"
	"                    part is named\n"
	"  -q, --quiet       no trace\n"
	"      --db=PATH     the database (default ~/.local/share/xipsandbox/xipsandbox.db)\n"
	"  -h, --help        show this help\n"
	"\n"
	"Exit status: the verdict's (0 ok, 11..15), 4 when the trace differs from the\n"
	"recorded one, 2 usage error, 3 bad scenario, schedule or database.\n";

/* First step where two runs do different code (by function and text). */
static long parting_step(struct kernel_run *a, struct kernel_run *b)
{
	size_t na, nb;
	const struct sched_step *ta = sched_trace(kernel_run_sched(a), &na);
	const struct sched_step *tb = sched_trace(kernel_run_sched(b), &nb);

	for (size_t i = 0; i < na && i < nb; i++)
		if (ta[i].cpu != tb[i].cpu || strcmp(ta[i].site->func, tb[i].site->func) != 0 ||
		    strcmp(ta[i].site->label, tb[i].site->label) != 0)
			return (long)i;
	return na == nb ? -1 : (long)(na < nb ? na : nb);
}

static void explain_parting(struct kernel_run *orig, struct kernel_run *now, long k)
{
	size_t na, nb;
	const struct sched_step *ta = sched_trace(kernel_run_sched(orig), &na);
	const struct sched_step *tb = sched_trace(kernel_run_sched(now), &nb);
	char a[512], b[512], wa[96], wb[96];

	if (k < 0)
		return;
	printf("versions part at step %ld:\n", k + 1);
	if ((size_t)k < na)
		printf("  %-6s CPU%u %s %s\n", xip_version_name(kernel_run_version(orig)), ta[k].cpu,
		       kernel_site_where(ta[k].site, wa, sizeof wa), kernel_step_text(orig, &ta[k], a, sizeof a));
	if ((size_t)k < nb)
		printf("  %-6s CPU%u %s %s\n", xip_version_name(kernel_run_version(now)), tb[k].cpu,
		       kernel_site_where(tb[k].site, wb, sizeof wb), kernel_step_text(now, &tb[k], b, sizeof b));
}

static int find_schedule(struct store *st, const struct scenario *scn, const char *which,
			 const char *version, struct store_schedule *row)
{
	char *cause = NULL;
	int found = 0;

	if (!which) {
		/* the teaching schedule every shipped scenario calls "race" */
		if (store_schedule_find(st, scn->name, "race", version, row, &found, &cause) != 0)
			goto fail;
		if (found)
			return 0;
		cli_error("scenario %s has no schedule named 'race'; name one: 'xipsandbox list %s' shows them",
			  scn->name, scn->name);
		return -1;
	}
	if (all_digits(which)) {
		if (store_schedule_get(st, id_of(which), row, &found, &cause) != 0)
			goto fail;
		if (!found) {
			cli_error("no schedule %s in %s; 'xipsandbox list %s' shows them", which, store_path(st), scn->name);
			return -1;
		}
		if (strcmp(row->scenario, scn->name) != 0) {
			cli_error("schedule %s belongs to scenario %s, not %s", which, row->scenario, scn->name);
			store_schedule_clear(row);
			return -1;
		}
		return 0;
	}
	if (store_schedule_find(st, scn->name, which, version, row, &found, &cause) != 0)
		goto fail;
	if (!found) {
		cli_error("scenario %s has no schedule named '%s'; 'xipsandbox list %s' shows them",
			  scn->name, which, scn->name);
		return -1;
	}
	return 0;
fail:
	cli_error("%s", cause);
	free(cause);
	return -1;
}

int cli_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "version", required_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *version_arg = NULL, *db = NULL;
	int quiet = 0, c, status = CLI_EXIT_INPUT;
	struct scenario *scn;
	struct store *st;
	struct store_scenario srow = { 0 };
	struct store_schedule row = { 0 };
	struct kernel_run *run = NULL, *orig = NULL;
	struct kernel_verdict v;
	enum xip_version version;
	enum memmodel model;
	char *cause = NULL, *parted = NULL, hex[64];
	int *choices = NULL;
	size_t n = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "v:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'v': version_arg = optarg; break;
		case 'q': quiet = 1; break;
		case 'D': db = optarg; break;
		case 'h': fputs(replay_help, stdout); return 0;
		default: cli_usage_error("replay: bad option (see 'xipsandbox replay --help')");
		}
	}
	if (optind >= argc || argc - optind > 2)
		cli_usage_error("replay needs a scenario and optionally a schedule name or id");
	if (version_arg && xip_version_parse(version_arg) < 0)
		cli_usage_error("replay: unknown version '%s' (expected buggy, fixed, later or final)", version_arg);
	if (open_both(argv[optind], db, &scn, &st, &srow) != 0)
		return CLI_EXIT_INPUT;
	if (find_schedule(st, scn, optind + 1 < argc ? argv[optind + 1] : NULL, version_arg, &row) != 0)
		goto out;
	if (record_row_version(&row, &version, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	if (version_arg)
		version = (enum xip_version)xip_version_parse(version_arg);
	if (strcmp(row.scenario_hash, record_hex(scn->hash, hex)) != 0)
		cli_error("note: scenario %s changed since schedule %ld was recorded; replaying where it applies",
			scn->name, row.id);
	run = kernel_run_new();
	/* the limit it was recorded under, when that ended it (run --step-limit) */
	sched_set_step_limit(kernel_run_sched(run), record_row_step_limit(&row));
	if (record_row_model(&row, &model, &cause) != 0) {
		cli_error("%s: %s", store_path(st), cause);
		free(cause);
		goto out;
	}
	if (model != MEMMODEL_SC) {
		/* its choices name flushes and drains of this model's run: replayed as written, on its version */
		struct schedule *sch = NULL;
		if (strcmp(row.version, xip_version_name(version)) != 0) {
			cli_error("replay: schedule %ld ran under --memory-model %s on %s; it replays on that version only",
				  row.id, row.memory_model, row.version);
			goto out;
		}
		sched_set_memory_model(kernel_run_sched(run), (int)model);
		if (schedule_parse(row.choices, kernel_symbol_value, &sch, &cause) != 0 ||
		    record_execute(run, scn, version, sch, &cause) != 0) {
			schedule_free(sch);
			goto bad_choices;
		}
		schedule_free(sch);
	} else if (strcmp(row.version, xip_version_name(version)) != 0 && row.milestones) {
		/* expand the milestones for this version, and keep the expansion */
		struct schedule *sch;
		struct store_schedule fresh;
		printf("replay: schedule %ld ('%s') expanded for %s from: %s\n", row.id,
		       row.name ? row.name : "-", xip_version_name(version), row.milestones);
		if (schedule_parse(row.milestones, kernel_symbol_value, &sch, &cause) != 0 ||
		    record_execute(run, scn, version, sch, &cause) != 0) {
			cli_error("%s", cause);
			free(cause);
			goto out;
		}
		schedule_free(sch);
		record_fill(&fresh, run, srow.id, "user", NULL, row.milestones, row.description);
		if (store_read_only(st)) {
			printf("replay: not stored: %s is read-only\n", store_path(st));
		} else if (store_schedule_add(st, &fresh, &cause) != 0) {
			cli_error("%s", cause);
			free(cause);
			store_schedule_clear(&fresh);
			goto out;
		} else {
			printf("replay: stored as schedule %ld\n", fresh.id);
		}
		store_schedule_clear(&fresh);
	} else {
		int same = strcmp(row.version, xip_version_name(version)) == 0;

		if (record_parse_choices(row.choices, &choices, &n, &cause) != 0)
			goto bad_choices;
		if (!same) {
			/* the recorded version's run, to find where the two part */
			orig = kernel_run_new();
			sched_set_step_limit(kernel_run_sched(orig), record_row_step_limit(&row));
			enum xip_version recorded;
			record_row_version(&row, &recorded, NULL); /* checked above */
			if (record_execute_choices(orig, scn, recorded,
						   choices, n, NULL, &cause) != 0)
				goto bad_choices;
		}
		if (record_execute_choices(run, scn, version, choices, n, &parted, &cause) != 0)
			goto bad_choices;
		if (!same) {
			printf("replay: schedule %ld was recorded on %s; following its choices on %s\n",
			       row.id, row.version, xip_version_name(version));
			explain_parting(orig, run, parting_step(orig, run));
			if (parted)
				printf("  the recorded choices stop applying: %s\n  (from there on, one CPU at a time)\n", parted);
		}
	}
	kernel_run_verdict(run, &v);
	report_run(stdout, run, &v, quiet);
	status = verdict_exit_status(v.kind);
	if (strcmp(row.version, xip_version_name(version)) == 0) {
		const char *older = row.trace_format == STORE_TRACE_FORMAT_LINES ?
			" (as the xipsandbox that recorded it computed hashes)" : "";
		if (record_trace_matches(&row, run, hex)) {
			printf("replay: trace hash %s%s equals the one recorded for schedule %ld: the same run, step for step\n",
			       hex, older, row.id);
		} else {
			printf("replay: DIVERGENCE: trace hash %s%s, but schedule %ld was recorded with %s\n",
			       hex, older, row.id, row.trace_hash);
			status = CLI_EXIT_DIVERGED;
		}
	}
	goto out;
bad_choices:
	cli_error("schedule %ld: %s", row.id, cause);
	free(cause);
out:
	free(parted);
	free(choices);
	kernel_run_free(orig);
	kernel_run_free(run);
	store_schedule_clear(&row);
	store_scenario_clear(&srow);
	store_close(st);
	scenario_free(scn);
	return status;
}

/* ---- list ------------------------------------------------------------------- */

static int list_row(void *ctx, const struct store_schedule *s)
{
	int *count = ctx;

	if ((*count)++ == 0)
		printf("%5s  %-16s %-14s %-6s %6s %8s  %-10s %s\n", "id", "scenario", "name", "version",
		       "steps", "preempt", "verdict", "origin");
	printf("%5ld  %-16s %-14s %-6s %6ld %8ld  %-10s %s", s->id, util_shown(s->scenario), s->name ? util_shown(s->name) : "-",
	       s->version, s->length, s->preemptions, s->verdict, s->origin);
	/* an sc row says nothing more; any other model (or a value another program wrote) is named */
	if (s->memory_model && strcmp(s->memory_model, "sc") != 0)
		printf("  under %s", util_shown(s->memory_model));
	printf("\n");
	return 0;
}

int cli_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL;
	struct scenario *scn = NULL;
	struct store *st;
	struct store_scenario srow = { 0 };
	char *cause = NULL;
	int c, count = 0, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'D': db = optarg; break;
		case 'h':
			fputs("Usage: xipsandbox list [SCENARIO] [--db=PATH]\n"
			      "List stored schedules (of SCENARIO, whose shipped schedules are imported\n"
			      "first), with id, name, version, length, preemptions, verdict and origin,\n"
			      "and 'under tso' or 'under weak' for a schedule run under that memory model.\n", stdout);
			return 0;
		default: cli_usage_error("list: bad option (see 'xipsandbox list --help')");
		}
	}
	if (argc - optind > 1)
		cli_usage_error("list takes at most one scenario");
	if (optind < argc) {
		if (open_both(argv[optind], db, &scn, &st, &srow) != 0)
			return CLI_EXIT_INPUT;
	} else if (!(st = cli_open_store(db, STORE_READ))) {
		return CLI_EXIT_INPUT;
	}
	r = store_schedule_list(st, scn ? scn->name : NULL, list_row, &count, &cause);
	if (r != 0) {
		cli_error("%s", cause);
		free(cause);
	} else if (count == 0) {
		printf("no schedules stored in %s%s%s\n", util_shown(store_path(st)), scn ? " for " : "", scn ? util_shown(scn->name) : "");
	}
	store_scenario_clear(&srow);
	store_close(st);
	scenario_free(scn);
	return r ? CLI_EXIT_INPUT : 0;
}

/* ---- export, import, save ------------------------------------------------------ */

static const char *export_format;

static int simple_opts(int argc, char **argv, const char *help, const char **db, const char **name)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "name", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'D': *db = optarg; break;
		case 'f':
			if (strcmp(argv[0], "export") != 0)
				cli_usage_error("%s: no --format here", argv[0]);
			if (strcmp(optarg, "line") && strcmp(optarg, "svg") && strcmp(optarg, "txt"))
				cli_usage_error("export: unknown format '%s' (line, svg or txt)", optarg);
			export_format = optarg;
			break;
		case 'n':
			if (!name)
				cli_usage_error("%s: no --name here", argv[0]);
			*name = optarg;
			break;
		case 'h': fputs(help, stdout); exit(0);
		default: cli_usage_error("%s: bad option (see 'xipsandbox %s --help')", argv[0], argv[0]);
		}
	}
	return optind;
}

/*
 * Run the stored schedule again and draw it (svg) or transcribe it (txt),
 * on the scenario text the database keeps (B20: never a path from a row).
 */
static int export_picture(struct store *st, const struct store_schedule *row, const char *format)
{
	struct scenario *scn = NULL;
	struct kernel_run *run;
	struct kernel_verdict v;
	char *cause = NULL, *parted = NULL, hex[17];
	int *choices = NULL, found;
	size_t n = 0;
	enum xip_version rv;
	enum memmodel model;

	if ((found = cli_stored_scenario(st, row->scenario_id, &scn, &cause)) <= 0) {
		if (found == 0)
			cli_error("%s: schedule %ld has no scenario (another program deleted it); use --db to "
				  "choose another file", store_path(st), row->id);
		else
			cli_error("%s", cause);
		free(cause);
		return CLI_EXIT_INPUT;
	}
	if (strcmp(row->scenario_hash, record_hex(scn->hash, hex)) != 0)
		cli_error("note: schedule %ld was recorded on another text of scenario %s",
			row->id, scn->name);
	run = kernel_run_new();
	sched_set_step_limit(kernel_run_sched(run), record_row_step_limit(row));
	/* under its own model (B53: a weak row was drawn as sc, or not at all) */
	if (record_row_version(row, &rv, &cause) != 0 || record_row_model(row, &model, &cause) != 0 ||
	    record_row_choices(row, scn, model, &choices, &n, &cause) != 0 ||
	    (sched_set_memory_model(kernel_run_sched(run), (int)model),
	     record_execute_choices(run, scn, rv, choices, n, &parted, &cause)) != 0 || parted) {
		cli_error("schedule %ld: %s", row->id, parted ? parted : cause);
		free(cause);
		free(parted);
		free(choices);
		kernel_run_free(run);
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	kernel_run_verdict(run, &v);
	if (strcmp(format, "svg") == 0)
		svg_write(stdout, run, &v);
	else
		report_run(stdout, run, &v, 0);
	free(choices);
	kernel_run_free(run);
	scenario_free(scn);
	return 0;
}

int cli_export(int argc, char **argv)
{
	const char *db = NULL;
	struct store *st;
	struct store_schedule row = { 0 };
	char *cause = NULL, *line;
	int found = 0, i;

	export_format = "line";
	i = simple_opts(argc, argv,
			"Usage: xipsandbox export ID [--format=line|svg|txt] [--db=PATH]\n"
			"Print schedule ID:\n"
			"  line (default)  one line that 'xipsandbox import' reads back on another\n"
			"                  machine: xs2:SCENARIO:VERSION:NAME:SCENARIO-HASH:LENGTH:CHOICES:CHECK,\n"
			"                  or xs3:...:VERSION:MODEL:... for a tso or weak schedule\n"
			"  svg             a sequence diagram for a slide (one lane per CPU)\n"
			"  txt             the same as a plain-text transcript\n", &db, NULL);
	if (argc - i != 1 || !all_digits(argv[i]))
		cli_usage_error("export needs one schedule id (a number: 'xipsandbox list' shows them)");
	if (!(st = cli_open_store(db, STORE_READ)))
		return CLI_EXIT_INPUT;
	if (store_schedule_get(st, id_of(argv[i]), &row, &found, &cause) != 0 || !found) {
		if (cause)
			cli_error("%s", cause);
		else
			cli_error("no schedule %s in %s; 'xipsandbox list' shows them", argv[i], store_path(st));
		free(cause);
		store_close(st);
		return CLI_EXIT_INPUT;
	}
	if (strcmp(export_format, "line") != 0) {
		int r = export_picture(st, &row, export_format);
		store_schedule_clear(&row);
		store_close(st);
		return r;
	}
	/* a name another program wrote went into the line raw (an escape
	 * sequence to the terminal), and import refuses it (B49) */
	if ((row.name && !shipped_name_ok(row.name)) || !row.scenario || !record_scenario_name_ok(row.scenario)) {
		if (row.name && !shipped_name_ok(row.name))
			cli_error("%s: schedule %ld is named '%s', which is not a schedule name (another program changed "
				  "it?); nothing was printed: name it again with 'xipsandbox save %ld NAME'",
				  store_path(st), row.id, row.name, row.id);
		else
			cli_error("%s: schedule %ld belongs to scenario %ld, named '%s', which is not a scenario name "
				  "(another program changed it?); nothing was printed: give it its name again with sqlite3 "
				  "(UPDATE scenarios SET name = 'NAME' WHERE id = %ld)", store_path(st), row.id,
				  row.scenario_id, row.scenario ? row.scenario : "", row.scenario_id);
		store_schedule_clear(&row);
		store_close(st);
		return CLI_EXIT_INPUT;
	}
	{
		enum memmodel m;
		if (record_row_model(&row, &m, &cause) != 0) {
			cli_error("%s: %s; nothing was printed", store_path(st), cause);
			free(cause);
			store_schedule_clear(&row);
			store_close(st);
			return CLI_EXIT_INPUT;
		}
	}
	line = record_export_line(&row);
	printf("%s\n", line);
	free(line);
	store_schedule_clear(&row);
	store_close(st);
	return 0;
}

/* Lines of standard input: no schedule line is near this (a step limit's choices and more). */
#define IMPORT_MAX_LINE (16 << 20)

/*
 * The next line of f into *buf (grown as needed; B38: lines were split at
 * 64 KiB, and the rest read as another line).  1, 0 for a line longer than
 * IMPORT_MAX_LINE, -2 for a NUL byte (binary data), -1 at the end.  Import
 * stops at the first bad line, so neither reads on: /dev/zero or a stream
 * without a newline was read for ever, to skip the rest of its line (B50).
 */
static int read_line(FILE *f, char **buf, size_t *cap)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF) {
		if (c == '\0')
			return -2;
		if (n >= IMPORT_MAX_LINE)
			return 0;
		if (n + 2 > *cap) {
			*cap *= 2;
			*buf = xrealloc(*buf, *cap);
		}
		(*buf)[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (c == EOF && n == 0)
		return -1;
	(*buf)[n] = '\0';
	return 1;
}

static int import_line(struct store *st, const char *text, const char *rename, int lineno)
{
	struct record_import im;
	struct scenario *scn;
	struct store_scenario srow = { 0 };
	struct store_schedule row;
	struct kernel_run *run;
	char *cause = NULL, *parted = NULL, hex[17];
	int status = CLI_EXIT_INPUT;

	if (record_parse_export(text, &im, &cause) != 0) {
		cli_error("import, line %d: %s", lineno, cause);
		free(cause);
		return CLI_EXIT_INPUT;
	}
	scn = cli_load_scenario_or_stored(im.scenario, st);
	if (!scn) {
		record_import_clear(&im);
		return CLI_EXIT_INPUT;
	}
	if (record_sync(st, scn, &srow, NULL, &cause) != 0)
		goto fail;
	if (strcmp(im.scenario_hash, record_hex(scn->hash, hex)) != 0)
		cli_error("note: import, line %d: the schedule was recorded on another text of scenario %s",
			lineno, scn->name);
	run = kernel_run_new();
	/*
	 * An xs2 or xs3 line's length is checked (record_parse_export), and
	 * the run it records had exactly that many steps: ended there, or
	 * stopped there by the limit it ran under (run --step-limit), which
	 * the line does not carry.  Without the limit, a run the limit had
	 * stopped ran on to an end of its own: another schedule (B54).
	 */
	if (!im.xs1)
		sched_set_step_limit(kernel_run_sched(run), (unsigned)im.n);
	if (im.text) {
		/* xs3: run under its model, as written (its flushes and drains name this run's objects) */
		struct schedule *sch = NULL;
		enum memmodel m = MEMMODEL_SC;
		memmodel_parse(im.model, &m, NULL);   /* checked by record_parse_export */
		sched_set_memory_model(kernel_run_sched(run), (int)m);
		if (schedule_parse(im.text, kernel_symbol_value, &sch, &parted) != 0 ||
		    record_execute(run, scn, (enum xip_version)xip_version_parse(im.version), sch, &parted) != 0) {
			schedule_free(sch);
			kernel_run_free(run);
			cause = xasprintf("the choices do not apply to scenario %s on %s under %s: %s", scn->name,
					  im.version, im.model, parted);
			free(parted);
			goto fail;
		}
		schedule_free(sch);
	} else if (record_execute_choices(run, scn, (enum xip_version)xip_version_parse(im.version),
					  im.choices, im.n, &parted, &cause) != 0 || parted) {
		kernel_run_free(run);
		if (parted) {
			cause = xasprintf("the choices do not apply to scenario %s on %s: %s", scn->name, im.version, parted);
			free(parted);
		}
		goto fail;
	}
	if (im.xs1 && sched_nsteps(kernel_run_sched(run)) != im.n) {
		/* B19: a prefix of a schedule never ends the run where the schedule does */
		cause = xasprintf("this xs1 line has no length or check, and its %zu choice%s stop%s the run at step "
				  "%zu of %zu: it was cut short (or scenario %s changed since it was exported); "
				  "copy the whole line again, or export the schedule again with this xipsandbox "
				  "(its xs2 lines carry both)", im.n, im.n == 1 ? "" : "s", im.n == 1 ? "s" : "",
				  im.n, sched_nsteps(kernel_run_sched(run)), scn->name);
		kernel_run_free(run);
		goto fail;
	}
	/* the verdict and hash come from running it here, never from the line */
	record_fill(&row, run, srow.id, "user", rename ? rename : (im.name[0] ? im.name : NULL), NULL, NULL);
	kernel_run_free(run);
	if (row.name) {
		/* the same schedule under the same name is already there (a shipped one, or imported before): nothing to do */
		struct store_schedule old;
		int found = 0;
		if (store_schedule_find(st, scn->name, row.name, row.version, &old, &found, &cause) != 0) {
			store_schedule_clear(&row);
			goto fail;
		}
		if (found && strcmp(old.version, row.version) == 0 && strcmp(old.choices, row.choices) == 0 &&
		    strcmp(old.memory_model ? old.memory_model : "sc", row.memory_model) == 0) {
			printf("already there: schedule %ld, %s %s %s, the same %ld steps; nothing imported\n", old.id,
			       util_shown(scn->name), row.version, row.name, row.length);
			store_schedule_clear(&old);
			store_schedule_clear(&row);
			status = 0;
			goto out;
		}
		if (found)
			store_schedule_clear(&old);
	}
	if (store_schedule_add(st, &row, &cause) != 0) {
		store_schedule_clear(&row);
		goto fail;
	}
	printf("imported schedule %ld: %s %s%s%s, %ld steps, verdict %s%s%s\n", row.id, util_shown(scn->name), row.version,
	       row.name ? " " : "", row.name ? row.name : "", row.length, row.verdict,
	       strcmp(row.memory_model, "sc") ? ", under " : "", strcmp(row.memory_model, "sc") ? row.memory_model : "");
	store_schedule_clear(&row);
	status = 0;
	goto out;
fail:
	cli_error("import, line %d: %s", lineno, cause);
	free(cause);
out:
	record_import_clear(&im);
	store_scenario_clear(&srow);
	scenario_free(scn);
	return status;
}

int cli_import(int argc, char **argv)
{
	const char *db = NULL, *rename = NULL;
	struct store *st;
	int i, status = 0, lineno = 0;

	i = simple_opts(argc, argv,
			"Usage: xipsandbox import [LINE]... [--name=NAME] [--db=PATH]\n"
			"Store schedules printed by 'xipsandbox export' (from the arguments, or one\n"
			"per line on standard input).  Each is run here first: the verdict and trace\n"
			"hash stored are this machine's.\n", &db, &rename);
	if (!(st = cli_open_store(db, STORE_WRITE)))
		return CLI_EXIT_INPUT;
	if (i < argc) {
		for (; i < argc && status == 0; i++)
			status = import_line(st, argv[i], rename, ++lineno);
	} else {
		size_t cap = 4096;
		char *buf = xmalloc(cap);
		int r;
		while (status == 0 && (r = read_line(stdin, &buf, &cap)) != -1) {
			char *text = buf;
			lineno++;
			/* a byte order mark (a Windows editor's) before the first line (B51) */
			if (lineno == 1 && r == 1 && !strncmp(text, "\xEF\xBB\xBF", 3))
				text += 3;
			if (r == -2) {
				cli_error("import, line %d: binary data (a NUL byte): standard input is not schedule lines "
					  "(one per line, as 'xipsandbox export' prints them)", lineno);
				status = CLI_EXIT_INPUT;
			} else if (r == 0) {
				cli_error("import, line %d: longer than %d MiB: not a schedule line", lineno,
					  IMPORT_MAX_LINE >> 20);
				status = CLI_EXIT_INPUT;
			} else if (text[0] != '\n' && text[0] != '#') {
				status = import_line(st, text, rename, lineno);
			}
		}
		free(buf);
	}
	store_close(st);
	return status;
}

int cli_save(int argc, char **argv)
{
	const char *db = NULL;
	struct store *st;
	char *cause = NULL;
	int i;

	i = simple_opts(argc, argv,
			"Usage: xipsandbox save ID NAME [--db=PATH]\n"
			"Give schedule ID a name, unique among the scenario's schedules of its version.\n",
			&db, NULL);
	if (argc - i != 2 || !all_digits(argv[i]))
		cli_usage_error("save needs a schedule id and a name");
	if (!(st = cli_open_store(db, STORE_WRITE)))
		return CLI_EXIT_INPUT;
	if (id_of(argv[i]) == 0)
		cause = xasprintf("%s: there is no schedule %s", store_path(st), argv[i]);
	else if (store_schedule_set_name(st, id_of(argv[i]), argv[i + 1], &cause) == 0)
		cause = NULL;
	if (cause) {
		cli_error("%s", cause);
		free(cause);
		store_close(st);
		return CLI_EXIT_INPUT;
	}
	printf("schedule %s is now named '%s'\n", argv[i], argv[i + 1]);
	store_close(st);
	return 0;
}
