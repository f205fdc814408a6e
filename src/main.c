/*
 * main.c - the command line: `xipsandbox COMMAND [ARGS]`.
 *
 * Only argument parsing and dispatch live here; every command is a module
 * of the internal library.  Exit codes: 0 ok, 2 usage error, 70 internal
 * error (see util.h); later commands add their verdict codes.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "coro.h"
#include "util.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"Usage: xipsandbox COMMAND [OPTION]...\n"
	"Watch a real Linux kernel race (\"mm: xip fix fault vs sparse page\n"
	"invalidate race\", 2008) happen step by step, and prove its fix.\n"
	"\n"
	"Commands:\n"
	"  play [SCENARIO]     step through a scenario interactively\n"
	"  run SCENARIO        run one schedule; print the trace and the verdict\n"
	"  bench [SECONDS]     measure the engine: context switch and steps per second\n"
	"  help                show this help\n"
	"\n"
	"Options:\n"
	"  -h, --help          show this help and exit\n"
	"  -V, --version       show the version and exit\n"
	"\n"
	"Exit status: 0 on success, 2 on a usage error, 70 on an internal error.\n";

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

static int cmd_bench(int argc, char **argv)
{
	struct bench_result r;
	double seconds = 0.5;

	if (argc > 2)
		usage_error("bench takes at most one argument (seconds per measurement), got '%s'", argv[2]);
	if (argc == 2) {
		char *end;
		seconds = strtod(argv[1], &end);
		if (*end || seconds <= 0 || seconds > 60)
			usage_error("bench: '%s' is not a number of seconds between 0 and 60", argv[1]);
	}
	bench_measure(seconds, &r);
	bench_print(stdout, &r);
	coro_pool_drain();
	return 0;
}

static int cmd_play(int argc, char **argv)
{
	fprintf(stdout,
		"xipsandbox play %s: not yet.\n"
		"The simulated kernel and the interactive view are still being built;\n"
		"the engine underneath them works: try 'xipsandbox bench'.\n",
		argc > 1 ? argv[1] : "(default scenario: the classic race)");
	return 0;
}

int main(int argc, char **argv)
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
	if (!strcmp(cmd, "play"))
		return cmd_play(argc - 1, argv + 1);
	usage_error("unknown command '%s'", cmd);
}
