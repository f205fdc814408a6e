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
#define CLI_EXIT_DIVERGED 4   /* replay: the trace hash differs from the recorded one */

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

/*
 * The same, and when no file has that name, the scenario of that name
 * in st as the database keeps it (its stored text: import of a line whose
 * scenario is the user's own, B28).  NULL after printing the error.
 */
struct store;
struct scenario *cli_load_scenario_or_stored(const char *arg, struct store *st);

/*
 * The scenario as database st keeps it (scenarios.text, the text last seen),
 * for a stored row: no file is read, and the stored name is never a path
 * (B20).  Returns 1 and *out (scenario_free), 0 when there is no scenario
 * scenario_id, -1 with *cause (a name that is not a scenario name, text
 * that does not parse).
 */
struct store;
int cli_stored_scenario(struct store *st, long scenario_id, struct scenario **out, char **cause);

/*
 * Are a stored unit's counterexamples what they say?  Each is replayed on
 * scn and version: it must use all its choices, end with the verdict, the
 * state hash and the number of preemptions it records, and its state must
 * be one of the unit's final states.  A unit read back from a database
 * (resume, merge) is trusted only then: another program may have changed
 * the bytes in a form explore_unit_decode still accepts.  Returns 0, or -1
 * with *why (newly allocated) saying which one differs and how.
 */
struct explore_unit;
int cli_unit_check(const struct scenario *scn, enum xip_version version, const struct explore_unit *u,
		   char **why);

/* The scenario directories searched, for messages and `list`. */
const char *cli_scenario_dirs(void);
/* The shipped scenarios' paths, sorted (the first scenario directory that has any); returns how many. */
int cli_shipped_scenarios(char ***names);

struct store;
#include "store.h"

/*
 * Open the database (--db PATH, else the default path); prints the error
 * and returns NULL when it cannot be used.
 */
struct store *cli_open_store(const char *db_arg, enum store_mode mode);

/*
 * explore's --memory-model (cli_explore_mem.c): the model the arguments
 * ask for; an sc one is taken out of argv (the reduced search runs as
 * without it), a bad name is a usage error.
 */
#include "memmodel.h"
enum memmodel cli_explore_memory_model(int *argc, char **argv);
int cli_explore_mem(int argc, char **argv, enum memmodel model);
/* ablate --barriers: the barrier what-ifs of the fixed version on scn, a column per memory model. */
int cli_ablate_barriers(const struct scenario *scn);
/* A seqcount barrier's what-if name (wmb-begin, ...) as its SYNC_SEQ_* bit; -1 when unknown. */
int cli_barrier_parse(const char *text, unsigned *bit);
/* "no smp_wmb-begin, smp_mb for rmb-retry" for a what-if mask; returns buf. */
char *cli_barrier_text(unsigned mask, char *buf, size_t len);

/* Commands. */
int cli_run(int argc, char **argv);
int cli_replay(int argc, char **argv);
int cli_list(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_save(int argc, char **argv);
int cli_play(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_ablate(int argc, char **argv);
int cli_merge(int argc, char **argv);
/* `xipsandbox explore SCENARIO [OPTION]...`; argv[0] is "explore". */
int cli_explore(int argc, char **argv);
/* `xipsandbox challenge [LEVEL]`: the student is the scheduler (challenge.h). */
int cli_challenge(int argc, char **argv);
/* `xipsandbox sites`: every site of the simulated kernel, its id, file:line and code. */
int cli_sites(int argc, char **argv);

struct demo;
struct scenario;
/* SCENARIO.demo next to the scenario; NULL when none (an error is printed if required). */
struct demo *cli_load_demo(const struct scenario *scn, int required);

#endif
