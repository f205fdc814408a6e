/*
 * cli.h - the commands of the command line, one function each, and the
 * helpers they share (finding a scenario, reading --version).
 *
 * Exit statuses: 0 ok (or the verdict ok), 2 usage error, 3 bad input
 * (scenario, schedule, database), 11..15 a bad verdict (verdict.h), 70 an
 * internal error.
 */
#ifndef XS_CLI_H
#define XS_CLI_H

#include "scenario.h"
#include "util.h"

#define CLI_EXIT_USAGE 2
#define CLI_EXIT_INPUT 3

/* Print "xipsandbox: <msg>" and the --help hint; exit CLI_EXIT_USAGE. */
XS_NORETURN void cli_usage_error(const char *fmt, ...) XS_PRINTF(1, 2);

/* Print "xipsandbox: <msg>" to stderr (no exit). */
void cli_error(const char *fmt, ...) XS_PRINTF(1, 2);

/*
 * Find and load a scenario: ARG as a path if it names a file, else
 * ARG.scn in $XS_SCENARIO_DIR, ./scenarios, the source tree's scenarios/
 * and the installed ones.  Returns NULL after printing the error.
 */
struct scenario *cli_load_scenario(const char *arg);

/* The scenario directories searched, for messages and `list`. */
const char *cli_scenario_dirs(void);

/* Commands. */
int cli_run(int argc, char **argv);

#endif
