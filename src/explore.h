/*
 * explore.h - searching a scenario's schedules: every interleaving, a
 * reduced set that still reaches every final state and verdict, a
 * preemption-bounded set, or random samples.  docs/explore.md explains
 * the algorithms and why the reduced search is sound.
 *
 * One exploration drives one kernel_run (one scheduler) for every
 * execution: an execution resumes from the deepest checkpoint of the world
 * and the CPUs' stacks above where it departs from the last one (or, with
 * no_checkpoints, from a fresh world) and replays the rest of the path the
 * search keeps.  Every execution that
 * runs to its end is judged (kernel_run_verdict) and hashed
 * (kernel_state_hash); the result counts them, their verdicts and their
 * distinct final states, and keeps two counterexamples: the shortest and
 * the one with the fewest preemptions.
 *
 * The search is deterministic: the same scenario, version and options give
 * the same counts, in the same order, every time.
 */
#ifndef XS_EXPLORE_H
#define XS_EXPLORE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

/* Preemption bounds above this are refused (and pointless: see docs/explore.md). */
#define EXPLORE_MAX_BOUND 32
/* A reduced search proves its fewest-preemptions counterexample minimal up to this many. */
#define EXPLORE_PROVE_FEWEST 3
/* The reduced and full searches are split into at least this many units unless told otherwise. */
#define EXPLORE_DEFAULT_UNITS 64
#define EXPLORE_MAX_UNITS 100000
/* The split's depth stops growing here even when it gives fewer units. */
#define EXPLORE_MAX_SPLIT_DEPTH 1024
#define EXPLORE_MAX_JOBS 256

enum explore_mode {
	EXPLORE_REDUCED, /* source-DPOR with sleep sets: every final state, fewer executions */
	EXPLORE_FULL,    /* every interleaving, no reduction: the reference */
	EXPLORE_BOUNDED, /* every interleaving with at most N preemptions, by increasing N */
	EXPLORE_RANDOM,  /* N runs, each step a uniformly random enabled CPU */
	EXPLORE_PCT,     /* N runs of probabilistic concurrency testing (PCT) */
	EXPLORE_STATEFUL,/* every reachable state once: sleep sets and a table of visited states */
};

/* The stateful search's table stops growing here unless told otherwise (bytes). */
#define EXPLORE_DEFAULT_MAX_MEMORY (256ull << 20)

/* Why a search stopped. */
enum explore_end {
	EXPLORE_COMPLETE,    /* the whole space (or every sample) was run */
	EXPLORE_FIRST,       /* stop_at_first: a bad verdict was found */
	EXPLORE_LIMIT,       /* max_executions was reached first */
	EXPLORE_INTERRUPTED, /* *interrupt became non-zero */
};

struct explore_result;
struct explore_unit;
struct explore_plan;

struct explore_options {
	enum explore_mode mode;
	int preemptions;              /* EXPLORE_BOUNDED: the bound, 0..EXPLORE_MAX_BOUND */
	unsigned long long samples;   /* EXPLORE_RANDOM, EXPLORE_PCT: runs */
	uint64_t seed;                /* EXPLORE_RANDOM, EXPLORE_PCT */
	int pct_depth;                /* EXPLORE_PCT: bug depth d >= 1 (d - 1 priority change points) */
	unsigned without;             /* XIP_FIXED: ingredients of the fix switched off (kernel.h) */
	int stop_at_first;            /* stop at the first bad verdict */
	unsigned step_limit;          /* per execution; 0: SCHED_DEFAULT_STEP_LIMIT */
	unsigned long long max_executions; /* 0: no limit */
	unsigned long long max_memory; /* EXPLORE_STATEFUL: bytes of visited states (0: the default) */
	int no_checkpoints;           /* systematic searches: replay every execution from the start */
	int stateful_plain;           /* EXPLORE_STATEFUL: every enabled CPU (no race analysis), as before */

	/* Optional.  visit: every execution that ran to its end, before the next starts. */
	void (*visit)(void *ctx, struct kernel_run *run, const struct kernel_verdict *v, uint64_t state);
	/* progress: about every progress_interval seconds (default 0.25) while searching. */
	void (*progress)(void *ctx, const struct explore_result *so_far, double elapsed);
	void *ctx;
	double progress_interval;
	volatile sig_atomic_t *interrupt; /* the search stops cleanly when *interrupt != 0 */

	/*
	 * Splitting (EXPLORE_REDUCED and EXPLORE_FULL only).  The search is
	 * cut into units by a plan (explore_plan_make: deterministic for the
	 * scenario, version, mode, units and step limit); the result is the
	 * same whichever process runs which unit, in whatever order.
	 */
	unsigned units;               /* at least this many units (0: EXPLORE_DEFAULT_UNITS; 1: no split) */
	const struct explore_plan *plan; /* NULL: explore_run makes it */
	int jobs;                     /* worker processes (0 or 1: this one) */
	int shard_k, shard_n;         /* only units u with u % shard_n == shard_k - 1 (shard_n 0: all) */
	/* Units already searched (resume, merge): done[u] or NULL; read, never freed. */
	struct explore_unit *const *done;
	size_t ndone;
	/* Called in this process for every unit that completes, as it completes. */
	int (*unit_done)(void *ctx, size_t unit, const struct explore_unit *u, char **cause);
};

/* Fill *opt with the defaults: reduced search, no limits, PCT depth 3, seed 1. */
void explore_options_init(struct explore_options *opt);

/* A counterexample: an execution with a bad verdict. */
struct explore_cex {
	int *choices;          /* the CPU of every step (newly allocated; NULL when none) */
	size_t n;              /* steps */
	unsigned preemptions;
	enum verdict_kind verdict;
	uint64_t state;        /* its kernel_state_hash */
	unsigned long long found_at; /* 1-based number of the execution that found it */
};

struct explore_result {
	enum explore_mode mode;
	enum explore_end end;
	unsigned long long executions;  /* executions that ran to their end (each judged once) */
	unsigned long long blocked;     /* executions cut short as redundant (sleep-set blocked) */
	unsigned long long skipped;     /* bounded: re-runs of schedules a lower bound had counted */
	unsigned long long steps;       /* scheduler steps taken, replayed prefixes included */
	unsigned long long resumed;     /* stateful, bounded: executions resumed from a checkpoint (units do not count them) */
	unsigned long long states;      /* distinct final states (kernel_state_hash) */
	unsigned long long verdicts[VERDICT_NKINDS];
	/* EXPLORE_BOUNDED: executions with exactly k preemptions, k = 0..bound_done */
	unsigned long long per_bound[EXPLORE_MAX_BOUND + 1];
	int bound_done;                 /* highest bound completely searched, -1 none */
	unsigned long long fallbacks;   /* reduced: races whose reversal was not found exactly (0 expected) */
	size_t max_length;              /* longest execution, in steps */
	struct explore_cex shortest;    /* fewest steps, then fewest preemptions */
	struct explore_cex fewest;      /* fewest preemptions, then fewest steps */
	int shortest_proven;            /* no bad schedule is shorter than shortest */
	int fewest_proven;              /* no bad schedule has fewer preemptions than fewest */
	unsigned long long proof_runs;  /* reduced: executions of the bounded passes that proved it */
	double seconds;
	/* split searches: the plan's units, those of this shard, those done (loaded or run) */
	size_t units, units_mine, units_done, units_loaded;
	size_t split_depth;
	unsigned long long plan_steps;  /* of steps: those the plan's top searches took */
	/* EXPLORE_STATEFUL */
	unsigned long long stored;      /* distinct states met and kept in the table */
	unsigned long long matched;     /* executions cut at a state met before with nothing new to do */
	unsigned long long rematched;   /* states met again with a smaller sleep set: explored in part */
	unsigned long long unstored;    /* states met when the table was full (explored statelessly) or
					   whose summary was not kept (searched again when met) */
	unsigned long long table_bytes; /* the table's size at the end */
	unsigned long long summaries;   /* reduced: distinct summaries kept (what a state's subtree does) */
	unsigned long long sum_races;   /* reduced: races of the path with a met state's summary */
	unsigned long long sum_widened; /* ... whose reversal took every CPU that had not moved */
	unsigned long long stop_kept;   /* reduced: states met again and searched again (a run below stopped) */
	int stateless;                  /* this build cannot hash states: sleep sets alone were used */
};

/*
 * One unit's findings: everything a result needs, so that results of
 * units run anywhere fold into the same counts (explore_unit_encode gives
 * the bytes the database keeps).
 */
struct explore_unit {
	int complete;                   /* searched to its end (else stopped early) */
	unsigned long long executions, blocked, steps, fallbacks;
	unsigned long long verdicts[VERDICT_NKINDS];
	size_t max_length;
	uint64_t *states;               /* its distinct final states, ascending (newly allocated) */
	size_t nstates;
	struct explore_cex shortest, fewest; /* found_at counts from the unit's first execution */
};

/*
 * The split: unit 0 holds the executions that end above `depth` steps;
 * unit u >= 1 every schedule that starts with prefix[(u-1)*depth ...].
 * text names the plan ("units=64 depth=7 count=73 step-limit=20000
 * engine=0.4"): explorations with the same scenario, version, mode and
 * text can be resumed and merged together.
 */
struct explore_plan {
	unsigned target;
	size_t depth;
	size_t nunits;
	uint8_t *prefix;                /* (nunits - 1) * depth CPUs */
	uint8_t *sleep;                 /* nunits - 1 sleep sets */
	char text[128];
	/* what making it cost: a search's result counts these steps and this time too */
	unsigned long long steps;
	double seconds;
};

/*
 * Make the plan of a reduced or full search (opt: mode, units, step_limit,
 * without, interrupt).  Returns 0, -1 with *cause, or EXPLORE_PLAN_STOPPED
 * when *opt->interrupt became non-zero first (looked at between the top
 * searches' executions): then the plan holds nothing but the steps and
 * seconds spent.
 */
#define EXPLORE_PLAN_STOPPED 1
int explore_plan_make(const struct scenario *scn, enum xip_version version,
		      const struct explore_options *opt, struct explore_plan *plan, char **cause);
void explore_plan_clear(struct explore_plan *plan);

/* Is unit u part of the shard opt asks for? */
int explore_unit_mine(const struct explore_options *opt, size_t u);

void explore_unit_clear(struct explore_unit *u);
/*
 * The unit as bytes (newly allocated), and back.  decode checks everything
 * (the bytes may be damaged or hostile): sizes, sums, counterexamples
 * exactly when a verdict is bad, their CPUs below ncpus (the scenario's).
 */
unsigned char *explore_unit_encode(const struct explore_unit *u, size_t *len);
int explore_unit_decode(const unsigned char *buf, size_t len, int ncpus, struct explore_unit *out, char **cause);

/*
 * Explore `scn` on `version`.  Returns 0 with *out filled (free its
 * counterexamples with explore_result_clear), or -1 with *cause when the
 * world cannot be built or a replay diverges (the engine is not
 * deterministic: a bug, reported with the step).  *out is cleared first.
 */
int explore_run(const struct scenario *scn, enum xip_version version,
		const struct explore_options *opt, struct explore_result *out, char **cause);

void explore_result_clear(struct explore_result *r);

/* "reduced", "full", "bounded", "random", "pct". */
const char *explore_mode_name(enum explore_mode mode);

/* Does any execution of r have a bad verdict? */
int explore_found_bad(const struct explore_result *r);

#endif
