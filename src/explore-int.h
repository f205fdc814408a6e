/*
 * explore-int.h - the explorer's insides, shared by explore.c (the driver:
 * counting, verdicts, counterexamples, random and PCT runs), dpor.c (the
 * systematic search: the path, sleep sets, backtracking), dpor_races.c
 * (vector clocks, races, summaries) and explore_states.c (state keys,
 * the table of visited states, checkpoints).
 */
#ifndef XS_EXPLORE_INT_H
#define XS_EXPLORE_INT_H

#include <stdint.h>

#include "explore.h"
#include "sched.h"

/*
 * The state before step d of the current path.  Sets of CPUs are bit
 * masks (SCHED_MAX_CPUS is 8).  Nodes [0, depth) persist between
 * executions: the next execution replays the choices above the node it
 * departs from.
 */
struct ex_node {
	uint8_t enabled;     /* CPUs that can run here */
	uint8_t backtrack;   /* CPUs the search must take from here */
	uint8_t sleep;       /* CPUs it must not take: inherited sleep set + those done */
	uint8_t chosen;      /* CPU taken on the current path */
	uint8_t stops;       /* CPUs whose step from here ended the run (a BUG): never asleep */
	uint16_t preemptions;/* preemptions in steps [0, d) */
	uint8_t op[SCHED_MAX_CPUS];   /* each CPU's pending operation here (enum sched_op) */
	uint16_t obj[SCHED_MAX_CPUS]; /* ... and its object (SCHED_NO_OBJ: none) */
};

/* Step j of the current execution, for the happens-before analysis. */
struct ex_event {
	uint32_t clock[SCHED_MAX_CPUS]; /* vector clock: clock[c] = c's steps that happen before or are it */
	int32_t prev_w;      /* writing steps: the previous writing step on obj, -1 none */
	int32_t before;      /* writing steps on a lock: its owner before (-1 free); on a seqcount: the count */
	uint16_t obj;
	uint8_t cpu;
	uint8_t op;
};

/*
 * The accesses to one object so far in this execution; valid only when
 * gen equals the search's gen (bumped per execution, so nothing is cleared).
 */
struct ex_objstate {
	uint32_t gen;
	int32_t last_w;      /* last writing step (write, lock op, seqcount write), -1 none;
				ev[last_w].prev_w chains the earlier ones */
	int32_t rd[SCHED_MAX_CPUS]; /* each CPU's last reading step since last_w (valid in rmask) */
	uint8_t rmask;
};

/*
 * The stateful searches' visited states (explore_states.c).  Each slot
 * holds a state's hash, the sleep set it was explored with and, for the
 * stateful reduced search, the id of its summary (0: none yet): the set
 * of operations its explored subtree performs, kept once per distinct
 * set in sums (record id - 1 is sum[(id - 1) * sumw, id * sumw)).
 */
struct ex_states {
	uint64_t *slot;      /* cap pairs of words; (0, 0) empty */
	int wide;            /* ex_states_init_wide: 103 bits of hash and a 24-bit sleep set per slot */
	size_t cap, n;
	size_t bytes;        /* the slots' and the summaries' size */
	size_t max_bytes;    /* no growth past this (0: none) */
	int full;            /* a state was refused for want of memory */
	unsigned long long refused; /* states met and not stored (the search went on statelessly) */
	/* summaries (stateful reduced search only) */
	uint64_t *sum;       /* nsum records of sumw words */
	size_t nsum, sumcap, sumw;
	uint32_t *sumidx;    /* open addressing over ids, sumicap entries; 0 empty */
	size_t sumicap;
	unsigned long long sum_refused; /* summaries not kept for want of memory (their states are searched again) */
};

#define EX_STATES_NEW 0      /* stored now, with the sleep set given */
#define EX_STATES_SEEN 1     /* met before: *stored is its sleep set then; it keeps the intersection */
#define EX_STATES_UNSTORED 2 /* new, and not stored: the memory bound was reached */
#define EX_SUM_MAX_ID 0xffffffu /* summary ids fit in 24 bits of a slot */

struct state_hash;
void ex_states_init(struct ex_states *t, size_t max_bytes);
void ex_states_free(struct ex_states *t);
/* Look key up; *stored and *sum receive a state met before's sleep set and summary id. */
int ex_states_visit(struct ex_states *t, const struct state_hash *key, uint8_t sleep, uint8_t *stored,
		    uint32_t *sum);
/*
 * The table for a search whose sleep sets are 64-bit masks (explore_mem.c:
 * over the indices of sched_choices' list, the same in every visit of a
 * state).  A slot keeps 103 bits of the hash and choices 0..23 of the
 * sleep set; *stored has every later choice asleep (a superset of the
 * truth, so sound for Godefroid's Figure 5.3).  Only
 * ex_states_visit_wide then, returning as ex_states_visit.
 */
void ex_states_init_wide(struct ex_states *t, size_t max_bytes);
int ex_states_visit_wide(struct ex_states *t, const struct state_hash *key, uint64_t sleep, uint64_t *stored);
/* Give the stored state key the summary id (no-op when key is not stored). */
void ex_states_set_sum(struct ex_states *t, const struct state_hash *key, uint32_t id);
/* The id of the summary sum[0, t->sumw) (kept now if new); 0 when memory forbids. */
uint32_t ex_sums_intern(struct ex_states *t, const uint64_t *sum);
/* Summary id's words (id >= 1). */
const uint64_t *ex_sums_get(const struct ex_states *t, uint32_t id);

/* A systematic search over one scenario and version (dpor.c). */
struct ex_search {
	/* Set by ex_search_init, read-only afterwards. */
	struct kernel_run *run;
	const struct scenario *scn;
	enum xip_version version;
	int reduce;          /* source-DPOR races and sleep sets; else every enabled CPU */
	int bound;           /* preemption bound, -1 none */
	int ncpus;
	/* Stateful (ex_search_set_states): sleep sets, every enabled CPU, states matched. */
	struct ex_states *states;
	int sleepsets;       /* sleep sets kept: reduce or states */
	int unhashable;      /* this build cannot hash a state: searched statelessly */
	struct state_hash *cpuh; /* per node, each CPU's sched_cpu_state_hash */
	unsigned long long matched; /* new nodes that were states met before, nothing left to do there */
	unsigned long long rematched; /* ... with something left (a smaller sleep set): explored in part */
	/*
	 * Stateful and reduced (source-DPOR with state caching, dpor.c): per
	 * node, the state's key (valid when keyed), and acc, the operations
	 * of the subtree explored below it so far (sumw words per node: bit
	 * (cpu * 4 + class) * nobjs + obj, last word bit 0: some run below
	 * stopped everyone).
	 */
	struct state_hash *nkey;
	uint8_t *keyed;      /* node d's state is in the table (its summary is set when d is done) */
	uint64_t *acc;
	size_t sumw;
	size_t key_every;    /* the reduced search keys only nodes at depths that are multiples of this */
	unsigned sumobjs;    /* nobjs when acc was laid out */
	unsigned long long sum_races;   /* races checked against the summaries of states met again */
	unsigned long long sum_widened; /* ... that took each CPU that could begin the reversal (no step of it known) */
	unsigned long long sum_reopened; /* states met again that a summary race left open: searched again */
	int sum_open;        /* summary_races met a race it could not resolve */
	unsigned long long stop_kept;   /* states met again whose subtree stopped a run: searched again */
	/* Checkpoints: snap[j] is the state at node j * EX_SNAP_EVERY of the path, valid for 1 <= j < snap_ok. */
	int snapshots;       /* take and use them (else every execution replays from the start) */
	struct kernel_snap **snap;
	size_t nsnap, snap_ok;
	unsigned long long restores; /* executions that resumed from a checkpoint */

	/* The path (grown, never shrunk: no allocation in steady state). */
	struct ex_node *node;
	struct ex_event *ev;
	int32_t *tpos[SCHED_MAX_CPUS]; /* positions of each CPU's steps, ascending */
	uint32_t nt[SCHED_MAX_CPUS];
	size_t cap;
	struct ex_objstate *objs;
	unsigned nobjs;
	uint32_t gen;

	/*
	 * The split into units (explore.c): top > 0 makes this a search of
	 * the top only: steps [0, top) take every allowed CPU (sleep sets
	 * still apply) and a run still going at depth top ends there with
	 * EX_SEARCH_UNIT.  floor > 0 makes it a search of one unit: steps
	 * [0, floor) are prefix[], node floor starts with floor_sleep, and
	 * nothing above floor is ever revisited or given races (the top
	 * search took every CPU there).
	 */
	size_t top;
	size_t floor;
	const uint8_t *prefix;
	uint8_t floor_sleep;
	uint8_t unit_sleep;  /* top search, after EX_SEARCH_UNIT: node top's sleep set ... */
	uint8_t *unit_prefix;/* ... and its prefix, top CPUs */
	/* A probing top search (ex_search_set_probe): level[d] counts the units a
	   top of depth d would have; once a level reaches probe_target, top
	   comes up to it (nothing deeper is needed to choose the depth). */
	size_t *level;
	size_t probe_target;

	/* Where the next execution departs: replay steps [0, replay) as they were,
	 * then (redo) take node[replay].chosen as a new step. */
	size_t replay;
	int redo;
	int finished;
	size_t depth;        /* steps of the last execution */

	unsigned long long steps;
	unsigned long long fallbacks;
};

/*
 * The stateful reduced search keys (hashes, stores and matches) only the
 * states at depths that are multiples of this: a state is as deep
 * whichever path reaches it (the depth is the sum of the CPUs' step
 * counts, which the key holds), so two paths to one state still meet at
 * the next keyed depth, and hashing costs an eighth.
 */
#define EX_KEY_EVERY 8

/* A checkpoint every this many steps of the path: a resumed execution replays fewer. */
#define EX_SNAP_EVERY 8

#define EX_SEARCH_ERROR (-2)  /* *cause says why: the world cannot be built, or a replay diverged */
#define EX_SEARCH_DONE (-1)
#define EX_SEARCH_CUT 0
#define EX_SEARCH_ENDED 1
#define EX_SEARCH_UNIT 2
#define EX_SEARCH_MATCHED 3

/*
 * Prepare a search.  reduce: source-DPOR with sleep sets; bound >= 0: only
 * schedules with at most `bound` preemptions (then reduce must be 0).
 */
void ex_search_init(struct ex_search *x, struct kernel_run *run, const struct scenario *scn,
		    enum xip_version version, int reduce, int bound);
void ex_search_free(struct ex_search *x);

/*
 * Make x (unbounded, unsplit) a stateful search with table t: sleep
 * sets, and a state met again is explored only as far as its stored
 * sleep set says it was not (dpor.c).  Reduced, its races with the
 * summary of what the state's subtree did are analysed first.  ex_search_next then also
 * returns EX_SEARCH_MATCHED: the execution reached a state met before
 * with nothing new to do (not judged: its end was, the first time).
 */
void ex_search_set_states(struct ex_search *x, struct ex_states *t);

/* Make x a search of the top `depth` steps (see top in struct ex_search). */
void ex_search_set_top(struct ex_search *x, size_t depth);

/*
 * Make x a probing top search (top `depth` at most): afterwards x->level[d]
 * for d <= x->top is the number of units a top of depth d has, counted
 * until a level reaches `target`.
 */
void ex_search_set_probe(struct ex_search *x, size_t depth, size_t target);

/* Make x a search of the unit below prefix[0, depth) with that sleep set at its root. */
void ex_search_set_unit(struct ex_search *x, const uint8_t *prefix, size_t depth, uint8_t sleep);

/*
 * Run the next execution of the search.  Returns EX_SEARCH_ENDED when it
 * ran to its end (the run holds it: judge it now), EX_SEARCH_CUT when it
 * was cut short as redundant, EX_SEARCH_UNIT (top searches) when it
 * reached the top's depth still running (its choices are
 * node[0, top).chosen, its sleep set unit_sleep), EX_SEARCH_DONE when the
 * search is complete, or EX_SEARCH_ERROR with *cause when the world cannot be built or
 * a replay diverged.
 */
int ex_search_next(struct ex_search *x, char **cause);

/* ---- explore_states.c, for dpor.c ---------------------------------------------------- */

/*
 * Stateful: look the state at new node d up with the sleep set it is
 * entered with.  Returns 0 to explore it as usual (new, or not stored),
 * else 1 with *todo the CPUs its earlier visits left for this one (none:
 * prune), *sleep narrowed to the intersection and *sum the state's
 * summary id (reduced search: never 0 when 1 is returned).
 */
int ex_match_state(struct ex_search *x, struct sched *s, size_t d, uint8_t *sleep, unsigned *todo, uint32_t *sum);
/* Restore the deepest valid checkpoint at or above the departure: its depth, 0 for none. */
size_t ex_resume_checkpoint(struct ex_search *x);
/* At new node d, still running: keep a checkpoint when d is a multiple of EX_SNAP_EVERY. */
void ex_keep_checkpoint(struct ex_search *x, size_t d);

/* ---- dpor_races.c, for dpor.c ------------------------------------------------------- */

/* Reads: loads, read_seqcount_begin and _retry; every other operation writes. */
static inline int ex_op_reads(unsigned op)
{
	return op == SCHED_OP_READ || op == SCHED_OP_SEQ_READ_BEGIN || op == SCHED_OP_SEQ_READ_RETRY;
}

/* The dependency relation: same object, not both reads. */
static inline int ex_ops_conflict(unsigned op1, unsigned obj1, unsigned op2, unsigned obj2)
{
	return obj1 == obj2 && obj1 != SCHED_NO_OBJ && !(ex_op_reads(op1) && ex_op_reads(op2));
}

/* The record of obj (an id below x->nobjs), reset if it is from an earlier execution. */
struct ex_objstate *ex_objstate_of(struct ex_search *x, unsigned obj);
/* Append step j (CPU q: op on obj, whose lock owner or seqcount was `before`) with its vector clock. */
void ex_ev_add(struct ex_search *x, size_t j, int q, unsigned op, unsigned obj, int32_t before);
/* The races of q's pending step (op on obj), about to be step j: backtrack points added above. */
void ex_races(struct ex_search *x, size_t j, int q, unsigned op, unsigned obj);
/* The run ended after D steps: races of what the unfinished CPUs would do next, and of a stopping step. */
void ex_analyse_end(struct ex_search *x, struct sched *s, size_t D);
/* Stateful reduced search: node d's summary accumulator (x->sumw words). */
uint64_t *ex_acc_of(const struct ex_search *x, size_t d);
/* Node d's child is done: node d's summary gains the child's (less what step d hides) and step d. */
void ex_summary_merge(struct ex_search *x, size_t d);
/* Node d's state was met before with summary sum: its operations' races with the path (may set sum_open). */
void ex_summary_races(struct ex_search *x, size_t d, const uint64_t *sum);
/* Node d is done: its state's summary, if it is stored, is its accumulator. */
void ex_summary_done(struct ex_search *x, size_t d);
/* The run ended at node D: its accumulator holds the pending operations and whether it stopped everyone. */
void ex_summary_end(struct ex_search *x, struct sched *s, size_t D);

/* Preemptions of the last execution (from the path, as sched_preemptions counts). */
unsigned ex_search_preemptions(const struct ex_search *x);

/* ---- explore.c, for explore_jobs.c ---------------------------------------------------- */

/* A set of 64-bit final-state hashes (open addressing; 0 kept in a flag). */
struct ex_set {
	uint64_t *slot;
	size_t cap, n;
	int has_zero;
};
/* (explore_states.c) */
int ex_set_add(struct ex_set *set, uint64_t h); /* 1 when new */
void ex_set_free(struct ex_set *set);
/* The hashes in ascending order, *n of them, in a new array (the caller frees it). */
uint64_t *ex_set_sorted(const struct ex_set *set, size_t *n);

/* ---- explore.c, for explore_random.c ------------------------------------------------- */

/* One per explore_run: what every search's executions are judged into. */
struct explorer {
	const struct explore_options *opt;
	struct explore_result *res;
	struct kernel_run *run;
	struct ex_set set;    /* final states */
	double t0, next_progress;
	unsigned long long runs; /* executions started, for the progress cadence */
	unsigned long long limit; /* stop after this many executions (0: none) */
	const struct explore_result *base; /* for progress: what finished units found (NULL: none) */
	int stop;             /* an enum explore_end other than COMPLETE, or 0 */
	uint64_t rng;
	double plan_seconds;  /* split searches: what making the plan took (made here or not) */
};
/* Judge the execution the run holds: its verdict, final state, counterexamples. */
void ex_judge(struct explorer *ex);
/* Between executions: counts it, looks at the limit, Ctrl-C and progress; non-zero to stop (ex->stop says why). */
int ex_should_stop(struct explorer *ex);
/* explore_random.c: the random or PCT search of opt->mode; -1 with *cause. */
int ex_run_sampled(struct explorer *ex, const struct scenario *scn, enum xip_version v, char **cause);

/* sum += the counts of add (executions, blocked, skipped, steps, verdicts, fallbacks). */
void ex_result_add_counts(struct explore_result *sum, const struct explore_result *add);
void ex_result_add_unit(struct explore_result *sum, const struct explore_unit *u);

/* What searching a unit of a split search needs. */
struct ex_units {
	const struct scenario *scn;
	enum xip_version version;
	const struct explore_plan *plan;
	struct kernel_run *run;
	int reduce;
	double t0;
};

/*
 * Search unit u under opt (its interrupt, progress, stop_at_first) with at
 * most `limit` executions (0: no limit).  base, when not NULL, is added to
 * what progress reports.  *stop receives why it stopped early (an enum
 * explore_end, or 0 when out->complete).
 */
int ex_unit_run(const struct ex_units *eu, const struct explore_options *opt, size_t u,
		const struct explore_result *base, unsigned long long limit, struct explore_unit *out,
		int *stop, char **cause);

/*
 * Search the units todo[0, n) in opt->jobs worker processes (explore_jobs.c);
 * results[u] receives each unit's findings (newly allocated), complete or
 * not.  base holds what is already done (the progress line adds it) and
 * receives every completed unit.  opt->unit_done is called here, in this
 * process, as units complete.  *stop: why the search stopped early, or 0.
 * With opt->max_executions the cut is the one a single process makes
 * (the units in todo order until the limit, the last one cut at it):
 * results[] then holds nothing past the cut, and a completed unit is
 * passed to unit_done only once it is known to come before the cut.
 */
int ex_jobs_run(const struct ex_units *eu, const struct explore_options *opt, const size_t *todo, size_t n,
		struct explore_unit **results, struct explore_result *base, int *stop, char **cause);

double ex_now(void);

#endif
