/*
 * cli_run.c - `xipsandbox run SCENARIO [--version V] [--schedule S]`: run
 * one schedule and print its trace, console, results and verdict.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kernel.h"
#include "record.h"
#include "report.h"
#include "schedule.h"
#include "shipped.h"
#include "sync.h"

static const char run_help[] =
	"Usage: xipsandbox run SCENARIO [OPTION]...\n"
	"Run one schedule of a scenario and print every step, the console, each\n"
	"operation's result and the verdict.\n"
	"\n"
	"  -v, --version=V      buggy, fixed, later or final (default: the scenario's)\n"
	"  -s, --schedule=TEXT  the schedule: \"0 0 1 ...\" or milestones such as\n"
	"                       \"cpu0 until get_xip_mem=-ENODATA; cpu1 to end\"\n"
	"                       (default: round robin, one step per CPU in turn)\n"
	"  -e, --expected       use the schedule the scenario gives for its expected\n"
	"                       verdict on this version\n"
	"      --step-limit=N   stop a run after N steps (default 20000)\n"
	"  -q, --quiet          no trace: results and verdict only\n"
	"  -w, --without=LIST   fixed version with ingredients of the fix switched off:\n"
	"                       mutex, seqcount, recheck, retry (comma-separated), or\n"
	"                       livelock-fix: on the seqcount before Linux 2.6.25\n"
	"                       (seqwait is its old name); what-if runs are not recorded\n"
	"      --lock-debug     check lock and seqcount use, as a debugging kernel\n"
	"      --memory-model=M sc (default), tso or weak: CPUs with store buffers\n"
	"                       (and, weak, invalidate queues); flushN:OBJ and\n"
	"                       drainN:OBJ in a schedule move them (recorded with\n"
	"                       the model; replay runs it under the same model)\n"
	"      --drop-barrier=B, --mb-barrier=B\n"
	"                       what-if on a seqcount barrier (wmb-begin, wmb-end,\n"
	"                       rmb-begin, rmb-retry): drop it, or make it smp_mb\n"
	"                       would, and end the run with a BUG on misuse (2.6.27\n"
	"                       without lock debugging checks nothing: the default);\n"
	"                       such runs are not recorded\n"
	"  -n, --name=NAME      record the run under this name\n"
	"      --no-record      do not record the run in the database\n"
	"      --db=PATH        the database (default ~/.local/share/xipsandbox/xipsandbox.db)\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 when the verdict is ok; 11 corruption, 12 kernel BUG,\n"
	"13 deadlock, 14 bookkeeping error, 15 step limit; 2 usage error, 3 bad\n"
	"scenario or schedule.\n";

/* "race": a shipped schedule's name (shipped.h), not schedule text ("0 1", "cpu0 to end"). */
static int looks_like_name(const char *s)
{
	return shipped_name_ok(s) && !(strncmp(s, "cpu", 3) == 0 && s[3] >= '0' && s[3] <= '9');
}

int cli_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "version", required_argument, NULL, 'v' },
		{ "schedule", required_argument, NULL, 's' },
		{ "expected", no_argument, NULL, 'e' },
		{ "step-limit", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "without", required_argument, NULL, 'w' },
		{ "lock-debug", no_argument, NULL, 'K' },
		{ "memory-model", required_argument, NULL, 'M' },
		{ "drop-barrier", required_argument, NULL, 'B' },
		{ "mb-barrier", required_argument, NULL, 'Z' },
		{ "name", required_argument, NULL, 'n' },
		{ "no-record", no_argument, NULL, 'N' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *version_arg = NULL, *schedule_arg = NULL, *name = NULL, *db = NULL, *without_arg = NULL;
	unsigned without = 0, barrier_whatif = 0, bit;
	enum memmodel model = MEMMODEL_SC;
	int quiet = 0, expected = 0, record = 1, lock_debug = 0, c, status;
	struct store *st = NULL;
	struct store_scenario srow = { 0 };
	long step_limit = SCHED_DEFAULT_STEP_LIMIT;
	struct scenario *scn;
	struct schedule *sch = NULL;
	struct kernel_run *run;
	struct kernel_verdict v;
	enum xip_version version;
	char *cause = NULL, *named_text = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "v:s:eqw:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v': version_arg = optarg; break;
		case 's': schedule_arg = optarg; break;
		case 'e': expected = 1; break;
		case 'q': quiet = 1; break;
		case 'w': without_arg = optarg; break;
		case 'K': lock_debug = 1; break;
		case 'M':
			if (memmodel_parse(optarg, &model, &cause) != 0)
				cli_usage_error("run: %s", cause);
			break;
		case 'B':
		case 'Z':
			if (cli_barrier_parse(optarg, &bit) != 0 || (c == 'B' && bit == (SYNC_SEQ_MB_BEFORE_BEGIN >> SYNC_SEQ_MB_SHIFT)))
				cli_usage_error("run: unknown barrier '%s' (wmb-begin, wmb-end, rmb-begin, rmb-retry; before-begin with --mb-barrier)", optarg);
			barrier_whatif |= c == 'B' ? bit : bit << SYNC_SEQ_MB_SHIFT;
			break;
		case 'n': name = optarg; break;
		case 'N': record = 0; break;
		case 'D': db = optarg; break;
		case 'L': {
			char *end;
			step_limit = strtol(optarg, &end, 10);
			if (*end || step_limit < 1 || step_limit > 10000000)
				cli_usage_error("run: --step-limit wants a number of steps from 1 to 10000000, not '%s'", optarg);
			break;
		}
		case 'h': fputs(run_help, stdout); return 0;
		default: cli_usage_error("run: bad option (see 'xipsandbox run --help')");
		}
	}
	if (optind != argc - 1)
		cli_usage_error("run needs exactly one scenario (a name such as 'classic', or a path)");
	if (expected && schedule_arg)
		cli_usage_error("run: --expected and --schedule both choose the schedule; give one");
	if (name && !record)
		cli_usage_error("run: --name records the run; it cannot go with --no-record");
	scn = cli_load_scenario(argv[optind]);
	if (!scn)
		return CLI_EXIT_INPUT;
	version = scn->default_version;
	if (version_arg) {
		int vv = xip_version_parse(version_arg);
		if (vv < 0) {
			scenario_free(scn);
			cli_usage_error("run: unknown version '%s' (expected buggy, fixed, later or final)", version_arg);
		}
		version = (enum xip_version)vv;
	}
	if (without_arg) {
		if (kernel_without_parse(without_arg, &without, &cause) != 0) {
			scenario_free(scn);
			cli_usage_error("run: %s", cause);
		}
		if (version != XIP_FIXED) {
			scenario_free(scn);
			cli_usage_error("run: --without takes apart the seed's fix: use it with --version fixed");
		}
		if (name) {
			scenario_free(scn);
			cli_usage_error("run: a --without run is a what-if and is not recorded; drop --name");
		}
		record = 0;
	}
	if (barrier_whatif && model == MEMMODEL_SC) {
		scenario_free(scn);
		cli_usage_error("run: a barrier does nothing under sc: give --memory-model tso or weak");
	}
	if (barrier_whatif) {
		/* a what-if, like --without: not the kernel's code, so kept out of the store */
		if (name) {
			scenario_free(scn);
			cli_usage_error("run: a --drop-barrier/--mb-barrier run is a what-if and is not recorded; drop --name");
		}
		record = 0;
	}
	if (lock_debug) {
		/* a check the shipped kernels do not make: its verdicts are not the kernel's, so kept out of the store */
		if (name) {
			scenario_free(scn);
			cli_usage_error("run: a --lock-debug run is not recorded; drop --name");
		}
		record = 0;
	}
	if (expected) {
		if (!scn->expect[version].set) {
			cli_error("%s: the scenario expects nothing for version %s; run it with --schedule",
				  scn->path, xip_version_name(version));
			scenario_free(scn);
			return CLI_EXIT_INPUT;
		}
		schedule_arg = scn->expect[version].schedule;
	}
	if (schedule_arg && looks_like_name(schedule_arg)) {
		/* a shipped schedule's name, as play and replay take it */
		char *names = NULL;
		int r = record_shipped_text(scn, schedule_arg, &named_text, &names, &cause);
		if (r <= 0) {
			if (r < 0)
				cli_error("%s", cause);
			else
				cli_error("run: %s has no named schedule '%s'%s%s%s; give one of them, or a schedule text such as \"0 0 1 1\" or \"cpu0 to end; cpu1 to end\"",
					  scn->name, schedule_arg, names && *names ? " (it has: " : "", names ? names : "",
					  names && *names ? ")" : "");
			free(cause);
			free(names);
			free(named_text);
			scenario_free(scn);
			return CLI_EXIT_INPUT;
		}
		free(names);
		schedule_arg = named_text;
	}
	if (schedule_arg && schedule_parse(schedule_arg, kernel_symbol_value, &sch, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		free(named_text);
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	if (record) {
		/* open the database first: a run that cannot be recorded says so before it runs */
		st = cli_open_store(db, STORE_WRITE);
		if (!st || record_sync(st, scn, &srow, NULL, &cause) != 0) {
			if (st) {
				cli_error("%s", cause);
				free(cause);
				store_close(st);
			}
			fprintf(stderr, "(use --no-record to run without the database)\n");
			schedule_free(sch);
			free(named_text);
			scenario_free(scn);
			return CLI_EXIT_INPUT;
		}
	}
	run = kernel_run_new();
	kernel_run_set_without(run, without);
	sched_set_step_limit(kernel_run_sched(run), (unsigned)step_limit);
	sched_set_lock_debug(kernel_run_sched(run), lock_debug);
	sched_set_memory_model(kernel_run_sched(run), (int)model);
	sched_set_barrier_whatif(kernel_run_sched(run), barrier_whatif);
	if (kernel_run_start(run, scn, version, &cause) != 0 ||
	    (sch ? schedule_run(kernel_run_sched(run), sch, &cause)
		 : sched_run(kernel_run_sched(run), NULL, 0, SCHED_POLICY_ROUND_ROBIN, &cause)) != 0) {
		cli_error("%s", cause);
		free(cause);
		schedule_free(sch);
		kernel_run_free(run);
		store_scenario_clear(&srow);
		store_close(st);
		free(named_text);
		scenario_free(scn);
		return CLI_EXIT_INPUT;
	}
	kernel_run_verdict(run, &v);
	report_run(stdout, run, &v, quiet);
	status = verdict_exit_status(v.kind);
	if (expected && v.kind != scn->expect[version].verdict) {
		/* the scenario's own claim does not hold (B37: it was never checked) */
		cli_error("%s:%d: the scenario expects %s on %s with this schedule, but the run ended %s",
			  scn->path, scn->expect[version].line, verdict_kind_name(scn->expect[version].verdict),
			  xip_version_name(version), verdict_kind_name(v.kind));
		status = CLI_EXIT_INPUT;
	} else if (expected && scn->expect[version].corrupt_proc >= 0 &&
		   (v.corrupt_proc != scn->expect[version].corrupt_proc || v.corrupt_map != scn->expect[version].corrupt_map ||
		    v.corrupt_page != scn->expect[version].corrupt_page)) {
		char want[16];
		cli_error("%s:%d: the scenario expects the corruption of %s page %d, but the run's is another: %s", scn->path,
			  scn->expect[version].line, scenario_map_name(scn, scn->expect[version].corrupt_proc,
			  scn->expect[version].corrupt_map, want, sizeof want), scn->expect[version].corrupt_page, v.headline);
		status = CLI_EXIT_INPUT;
	}
	if (expected && status != CLI_EXIT_INPUT && scn->expect[version].result_cpu >= 0) {
		const struct scn_expect *e = &scn->expect[version];
		const struct kernel_op_result *r = kernel_op_result(run, e->result_cpu, e->result_op);
		if (!r->has_bytes || memcmp(r->bytes, e->result, SCN_PAGE_BYTES) != 0) {
			char got[96];
			cli_error("%s:%d: the scenario expects cpu%d's operation %d to return other bytes; it %s", scn->path,
				  e->line, e->result_cpu, e->result_op + 1,
				  kernel_result_text(r, scn->cpus[e->result_cpu].ops[e->result_op].kind, got, sizeof got));
			status = CLI_EXIT_INPUT;
		}
	}
	if (st) {
		struct store_schedule row;
		record_fill(&row, run, srow.id, "user", name,
			    sch && schedule_has_milestones(sch) ? schedule_arg : NULL, NULL);
		if (store_schedule_add(st, &row, &cause) != 0) {
			cli_error("%s", cause);
			free(cause);
			status = CLI_EXIT_INPUT;
		} else {
			printf("recorded as schedule %ld%s%s%s in %s\n", row.id, name ? " ('" : "",
			       name ? name : "", name ? "')" : "", store_path(st));
		}
		store_schedule_clear(&row);
		store_scenario_clear(&srow);
		store_close(st);
	}
	schedule_free(sch);
	kernel_run_free(run);
	free(named_text);
	scenario_free(scn);
	return status;
}

/* qsort: by file, then line (display order; identity does not depend on it). */
static int site_order(const void *a, const void *b)
{
	const struct sched_site *x = *(const struct sched_site *const *)a, *y = *(const struct sched_site *const *)b;
	int c = strcmp(x->file, y->file);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

int cli_sites(int argc, char **argv)
{
	size_t n, k = 0;
	const struct sched_site *const *all = sched_sites(&n);
	const struct sched_site **mine;
	char id[192], where[160];

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs("Usage: xipsandbox sites\n"
		      "Every scheduling point of the simulated kernel, one a line: its stable\n"
		      "id (FUNCTION:LABEL, what the trace hash, narration and the quiz name it\n"
		      "by), where it is in this build's source (FILE:LINE, which moves with any\n"
		      "edit) and the kernel code it stands for, separated by tabs.\n", stdout);
		return 0;
	}
	if (argc > 1)
		cli_usage_error("sites takes no arguments (found '%s')", argv[1]);
	mine = xcalloc(n ? n : 1, sizeof *mine); /* after the usage error, which exits (B46) */
	for (size_t i = 0; i < n; i++)
		if (kernel_site_in_kernel(all[i]))
			mine[k++] = all[i];
	qsort(mine, k, sizeof *mine, site_order);
	for (size_t i = 0; i < k; i++) {
		const char *base = strrchr(mine[i]->file, '/');
		snprintf(where, sizeof where, "%s:%d", base ? base + 1 : mine[i]->file, mine[i]->line);
		printf("%s\t%s\t%s\n", sched_site_id(mine[i], id, sizeof id), where, mine[i]->what);
	}
	free(mine);
	return 0;
}
