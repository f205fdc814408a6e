/*
 * main.c - the command line: `xipsandbox COMMAND [ARGS]`.
 *
 * Only argument parsing and dispatch live here; every command is a module
 * of the internal library.  Exit codes: 0 ok, 2 usage error, 70 internal
 * error (see util.h); later commands add their verdict codes.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "explore.h"
#include "kernel.h"
#include "coro.h"
#include "tui.h"
#include "util.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"Usage: xipsandbox COMMAND [OPTION]...\n"
	"Watch a real Linux kernel race (\"mm: xip fix fault vs sparse page\n"
	"invalidate race\", 2008) happen step by step, and prove its fix.\n"
	"\n"
	"Commands:\n"
	"  play [SCENARIO [NAME|ID]]  step through a schedule on the terminal\n"
	"  demo [SCENARIO]     the narrated demo for a class: the race, then the fix\n"
	"  challenge [LEVEL]   you are the scheduler: make the kernel fail, or see the proof\n"
	"  run SCENARIO        run one schedule; print the trace and the verdict\n"
	"  explore SCENARIO    search every schedule for bad verdicts; save counterexamples\n"
	"  merge SHARD.db...   combine the shards of one exploration (explore --shard K/N)\n"
	"  ablate [SCENARIO]...  take the fix apart: explore it without each ingredient\n"
	"  replay SCENARIO [NAME|ID]  replay a stored schedule and check its trace hash\n"
	"  list [SCENARIO]     list stored schedules\n"
	"  save ID NAME        name a stored schedule\n"
	"  export ID           print a schedule as one line to hand to someone\n"
	"  import [LINE]...    store schedules printed by export\n"
	"  bench [SECONDS]     measure the engine: context switch, steps per second bare and exploring\n"
	"  sites               every scheduling point of the simulated kernel, by its stable id\n"
	"  help                show this help\n"
	"\n"
	"Options:\n"
	"  -h, --help          show this help and exit\n"
	"  -V, --version       show the version and exit\n"
	"\n"
	"Every command takes --help, and those that use the schedule database --db=PATH\n"
	"(default: $XDG_DATA_HOME/xipsandbox/xipsandbox.db or\n"
	"~/.local/share/xipsandbox/xipsandbox.db).\n"
	"\n"
	"Exit status: 0 on success (or an ok verdict), 2 usage error, 3 bad scenario,\n"
	"schedule or database, 4 replay diverged, 11 corruption, 12 kernel BUG,\n"
	"13 deadlock, 14 bookkeeping error, 15 step limit, 70 internal error.\n";

XS_NORETURN static void usage_error(const char *fmt, ...) XS_PRINTF(1, 2);
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("xipsandbox: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'xipsandbox --help' for the list of commands.\n", stderr);
	exit(EXIT_USAGE);
}

/*
 * explore's default (reduced) search on every shipped scenario and version,
 * each search repeated for `seconds` (at least once): the engine's steps
 * per second while exploring, the whole search timed (explore_run's own
 * clock: building every execution's world, its steps, judging it, and the
 * search's bookkeeping), next to the bare figures above.
 */
static void bench_explore(double seconds)
{
	static const char *const names[] = {
		"classic", "three-cpus", "private-reader", "shared-writable", "first-sparse",
		"threads-present", "alloc-race", "device-full", "sparse-oom", "late-mmap",
	};
	unsigned long long all_steps = 0;
	double all_seconds = 0;

	printf("\nexplore (reduced search, every schedule), per scenario and version, each search\n"
	       "repeated for %.2f s; steps per second = steps / seconds of whole searches\n"
	       "(building the worlds and judging the executions included):\n", seconds);
	printf("%-16s %-6s %10s %7s %8s %9s %10s %14s  %s\n", "scenario", "version", "executions", "states",
	       "steps", "searches", "ms/search", "steps/second", "verdicts");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct scenario *scn = cli_load_scenario(names[i]);
		if (!scn)
			continue;
		for (int v = 0; v < XIP_NVERSIONS; v++) {
			struct explore_options opt;
			struct explore_result first, res;
			char *cause = NULL, verdicts[128] = "";
			unsigned long long steps = 0, searches = 0;
			double spent = 0;
			size_t o = 0;

			explore_options_init(&opt);
			if (explore_run(scn, (enum xip_version)v, &opt, &first, &cause) != 0) {
				printf("%-16s %-6s error: %s\n", names[i], xip_version_name(v), cause);
				free(cause);
				continue;
			}
			steps = first.steps;
			spent = first.seconds;
			for (searches = 1; spent < seconds; searches++) {
				if (explore_run(scn, (enum xip_version)v, &opt, &res, &cause) != 0)
					fatal("bench: %s", cause);
				steps += res.steps;
				spent += res.seconds;
				explore_result_clear(&res);
			}
			all_steps += steps;
			all_seconds += spent;
			for (int k = 0; k < VERDICT_NKINDS; k++)
				if (first.verdicts[k])
					o += (size_t)snprintf(verdicts + o, sizeof verdicts - o, "%s%s %llu", o ? ", " : "",
							      verdict_kind_name(k), first.verdicts[k]);
			printf("%-16s %-6s %10llu %7llu %8llu %9llu %10.3f %14.0f  %s\n", names[i], xip_version_name(v),
			       first.executions, first.states, first.steps, searches, spent * 1000 / (double)searches,
			       spent > 0 ? (double)steps / spent : 0, verdicts);
			explore_result_clear(&first);
		}
		scenario_free(scn);
	}
	printf("all of them: %.0f steps per second while exploring\n", all_seconds > 0 ? (double)all_steps / all_seconds : 0);
}

static int cmd_bench(int argc, char **argv)
{
	struct bench_result r;
	double seconds = 0.5;

	if (argc > 2)
		usage_error("bench takes at most one argument (seconds per measurement), got '%s'", argv[2]);
	if (argc == 2) {
		char *end;
		seconds = strtod(argv[1], &end);
		if (*end || !(seconds > 0 && seconds <= 60))   /* NaN fails both */
			usage_error("bench: '%s' is not a number of seconds between 0 and 60", argv[1]);
	}
	bench_measure(seconds, &r);
	bench_print(stdout, &r);
	bench_explore(seconds / 5);
	kernel_run_drop_spare();
	coro_pool_drain();
	return 0;
}

static int run_command(int argc, char **argv);

/*
 * Output that could not be written (a full disk, /dev/full) is an error,
 * said once: stdout is flushed and closed, and -1 returned after the
 * message.  A reader that went away (list | head -1, SIGPIPE ignored:
 * EPIPE) wanted no more: no message.  Runs once; later calls return 0.
 */
static int close_stdout(void)
{
	static int closed;
	int bad, e;

	if (closed)
		return 0;
	closed = 1;
	errno = 0;
	bad = fflush(stdout) != 0 || ferror(stdout);
	e = errno;
	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (!bad)
		return 0;
	if (e != EPIPE)
		fprintf(stderr, "xipsandbox: cannot write the output: %s\n", e ? strerror(e) : "a write failed");
	return -1;
}

/*
 * The same for the paths that end in exit() (--help of a command, usage
 * errors, fatal()), which skip main's check: a successful exit whose
 * output was lost becomes exit 3.  on_exit tells the status; where there
 * is only atexit, every exit() is taken for a successful one.
 */
#ifdef HAVE_ON_EXIT
static void close_stdout_at_exit(int status, void *unused)
{
	(void)unused;
	if (close_stdout() != 0 && status == 0)
		_exit(CLI_EXIT_INPUT);
}
#else
static void close_stdout_at_exit(void)
{
	if (close_stdout() != 0)
		_exit(CLI_EXIT_INPUT);
}
#endif

/*
 * play and demo stopped by SIGINT, SIGTERM or SIGHUP have restored the
 * terminal and closed the database: now die by that signal, so that the
 * shell (a script running play, Ctrl-C at its prompt) sees it, not a
 * plain exit status of 128 + n.
 */
static void die_by_tui_signal(void)
{
	int sig = tui_signal();

	if (!sig)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	int status;

#ifdef HAVE_ON_EXIT
	on_exit(close_stdout_at_exit, NULL);
#else
	atexit(close_stdout_at_exit);
#endif
	status = run_command(argc, argv);
	if (close_stdout() != 0 && !tui_signal())
		return status ? status : CLI_EXIT_INPUT;
	die_by_tui_signal();
	return status;
}

static int run_command(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		usage_error("%s", "no command given");
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("xipsandbox %s (coroutine backend: %s)\n", PACKAGE_VERSION, coro_backend_name());
		return 0;
	}
	if (!strcmp(cmd, "bench"))
		return cmd_bench(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cli_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "explore"))
		return cli_explore(argc - 1, argv + 1);
	if (!strcmp(cmd, "merge"))
		return cli_merge(argc - 1, argv + 1);
	if (!strcmp(cmd, "ablate"))
		return cli_ablate(argc - 1, argv + 1);
	if (!strcmp(cmd, "challenge"))
		return cli_challenge(argc - 1, argv + 1);
	if (!strcmp(cmd, "demo"))
		return cli_demo(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return cli_replay(argc - 1, argv + 1);
	if (!strcmp(cmd, "list"))
		return cli_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "save"))
		return cli_save(argc - 1, argv + 1);
	if (!strcmp(cmd, "export"))
		return cli_export(argc - 1, argv + 1);
	if (!strcmp(cmd, "import"))
		return cli_import(argc - 1, argv + 1);
	if (!strcmp(cmd, "play"))
		return cli_play(argc - 1, argv + 1);
	if (!strcmp(cmd, "sites"))
		return cli_sites(argc - 1, argv + 1);
	usage_error("unknown command '%s'", cmd);
}
