/*
 * kernel.h - the simulated XIP kernel, as the rest of xipsandbox sees it.
 *
 * A kernel_run is one world built from a scenario for one version of
 * mm/filemap_xip.c, on its own scheduler: each scenario CPU becomes a
 * simulated CPU that performs its operations (user loads and stores that
 * fault, read(2), write(2), mmap(2)) through the simulated kernel.  Drive it
 * with sched_step/sched_run on kernel_run_sched(); when the run has ended,
 * kernel_run_verdict() says what it did.
 *
 * Nothing here exposes the kernel's structures: the view and the store see
 * results, text, and a read-only snapshot.
 *
 * Several runs may exist, but one is driven at a time: stepping a run is
 * only valid after it was the last one started (the simulated kernel, like
 * the real one, has its globals).
 */
#ifndef XS_KERNEL_H
#define XS_KERNEL_H

#include <stddef.h>

#include "scenario.h"
#include "sched.h"
#include "verdict.h"

enum kernel_op_state { KOP_NOT_STARTED, KOP_RUNNING, KOP_DONE };

/* What a scenario operation came to, as the process would see it. */
enum kernel_outcome {
	KOUT_NONE,     /* not finished */
	KOUT_OK,       /* done: ret and bytes say more */
	KOUT_SIGBUS,   /* the fault returned VM_FAULT_SIGBUS (beyond i_size, no space) */
	KOUT_SIGSEGV,  /* no such mapping, or no permission */
	KOUT_OOM,      /* the fault returned VM_FAULT_OOM */
	KOUT_ERROR,    /* a system call returned -errno (in ret) */
};

struct kernel_op_result {
	enum kernel_op_state state;
	enum kernel_outcome outcome;
	long ret;                               /* read/write: bytes or -errno; mmap: 0 or -errno */
	unsigned char bytes[SCN_PAGE_BYTES];    /* touch/read: what the process saw */
	int has_bytes;
	/*
	 * read, for the judge (check.c): the bytes came from a block the file
	 * no longer had at the copy, and differ from the page as the read began
	 * (a block freed and given to another page under the read)
	 */
	int stale;
};

struct kernel_verdict {
	enum verdict_kind kind;
	char headline[320];   /* one line: what went wrong, or "every CPU finished; all checks hold" */
	char details[1024];   /* more lines, each ending in '\n' (may be empty) */
	char notes[512];      /* legal oddities worth showing (stale MAP_PRIVATE zeros) */
	long damage_step;     /* 1-based step from which the damage was permanent; 0 unknown */
	/* corruption: the process (scenario index), its mapping number and the page the headline names; -1 */
	int corrupt_proc, corrupt_map, corrupt_page;
};

struct kernel_run;

/*
 * What-ifs for the lesson: each flag switches one ingredient of the seed's
 * fix off in the fixed version.  A fixed run with any set runs the what-if
 * copy of the fixed code (src/kernel/filemap_xip_whatif.c); with none set
 * it runs filemap_xip_fixed.c, the seed's code.  The flags are the bits
 * 0 .. KERNEL_WITHOUT_COUNT - 1, one per ingredient.
 */
#define KERNEL_WITHOUT_COUNT 5
enum kernel_without {
	KERNEL_WITHOUT_MUTEX = 1 << 0,    /* no xip_sparse_mutex around the sparse fault (and no locked rescan) */
	KERNEL_WITHOUT_SEQCOUNT = 1 << 1, /* the sparse fault does not bump xip_sparse_seq */
	KERNEL_WITHOUT_RECHECK = 1 << 2,  /* no get_xip_mem re-check (and restart) under the mutex */
	KERNEL_WITHOUT_RETRY = 1 << 3,    /* __xip_unmap never rescans when the count moved */
	/*
	 * Not the fix's own but the kernel's: the seqcount before 2.6.25's
	 * "seqlock: livelock fix" (88a411c07b6f), whose read_seqcount_begin
	 * does not wait while the count is odd and whose read_seqcount_retry
	 * is (start & 1) | (count ^ start), so an odd start always retries.
	 */
	KERNEL_WITHOUT_LIVELOCK_FIX = 1 << 4,
	KERNEL_WITHOUT_ALL = (1 << KERNEL_WITHOUT_COUNT) - 1,
};

/* "mutex", "seqcount", "recheck", "retry", "livelock-fix". */
const char *kernel_without_name(enum kernel_without w);
/*
 * Parse "mutex,retry" into a mask; -1 with *cause naming the bad word.
 * "seqwait", the name releases before the two halves of the old seqcount
 * were modelled gave livelock-fix (then only its begin), is accepted for it.
 */
int kernel_without_parse(const char *text, unsigned *mask, char **cause);
/* "mutex+retry", or "" for none, into buf. */
char *kernel_without_text(unsigned mask, char *buf, size_t len);

/*
 * A run with no world yet.  Free with kernel_run_free, which keeps the last
 * run freed for the next kernel_run_new (an explorer makes one per search);
 * kernel_run_drop_spare frees it (at exit, or to measure a cold start).
 */
struct kernel_run *kernel_run_new(void);
void kernel_run_free(struct kernel_run *run);
void kernel_run_drop_spare(void);

/*
 * Build scn's world for `version` on the run's scheduler (resetting any
 * earlier run) and start the CPUs.  Returns -1 with *cause when the
 * scenario cannot be built (too many mappings for a process).  The scenario
 * must outlive the run.
 */
int kernel_run_start(struct kernel_run *run, const struct scenario *scn,
		     enum xip_version version, char **cause);

/* Switch ingredients of the fix off for the next kernel_run_start (fixed only). */
void kernel_run_set_without(struct kernel_run *run, unsigned mask);
/* The ingredients switched off in the run started last (0 unless fixed). */
unsigned kernel_run_without(const struct kernel_run *run);

struct sched *kernel_run_sched(struct kernel_run *run);
const struct scenario *kernel_run_scenario(const struct kernel_run *run);
enum xip_version kernel_run_version(const struct kernel_run *run);

/* Judge the run (which must have ended). */
void kernel_run_verdict(struct kernel_run *run, struct kernel_verdict *out);

/*
 * The kind kernel_run_verdict would give, without formatting any text: for
 * counting verdicts (the explorer judges every execution; only the ones it
 * shows need their headline).
 */
enum verdict_kind kernel_run_verdict_kind(struct kernel_run *run);

/* The console (printk) output so far. */
const char *kernel_console(const struct kernel_run *run);

/*
 * The file a reader of the real kernel knows for one of ours, by its last
 * component: "mm/filemap_xip.c (buggy)" for filemap_xip_buggy.c; the name
 * itself when it is not a kernel file.  A static string.
 */
const char *kernel_source_name(const char *file);

/* The result of op `op` of `cpu`. */
const struct kernel_op_result *kernel_op_result(const struct kernel_run *run, int cpu, int op);

/* "saw \"NEWDATA!\"", "SIGBUS", "wrote 8 bytes", "-ENOSPC", "not run" ... */
char *kernel_result_text(const struct kernel_op_result *r, enum scn_op_kind kind, char *buf, size_t len);

/*
 * Where a site is, as a reader of the kernel names it: the function, and
 * the upstream file and line when they are established ("__xip_unmap",
 * "mm/filemap_xip.c:183 __xip_unmap"); never the sandbox's own line, so
 * that text built from it (golden traces) does not change when the
 * sandbox's source moves.  Returns buf.
 */
char *kernel_site_where(const struct sched_site *site, char *buf, size_t len);

/*
 * The line of mm/filemap_xip.c that the site (or the function's opening)
 * stands for in the upstream tree version v mirrors, and in *tree that
 * tree ("479db0bf, before the fix"); 0 and NULL where it was not
 * established (src/kernel/upstream.c says which trees and what is known).
 */
int kernel_upstream_line(const struct sched_site *site, enum xip_version v, const char **tree);
int kernel_upstream_func_line(const char *func, enum xip_version v, const char **tree);
/* How many upstream lines are known (sites and function openings), for the tests. */
size_t kernel_upstream_count(void);

/* Is the site one of the simulated kernel's (not a test's or the bench's)? */
int kernel_site_in_kernel(const struct sched_site *site);

/*
 * One trace line's description: the code as written at that point and the
 * value it read or wrote ("ext2_get_block: ... -> hole").  Returns buf.
 */
char *kernel_step_text(const struct kernel_run *run, const struct sched_step *st, char *buf, size_t len);

/* A page's bytes as a student reads them: "NEWDATA!" (escapes for the rest), or zeros.  Returns buf. */
char *kernel_bytes_text(const unsigned char *b, char *buf, size_t len);

/* Print a value noted on an object the way the trace does ("hole", "page#1"). */
char *kernel_value_text(const struct kernel_run *run, unsigned obj, int64_t value, char *buf, size_t len);

/*
 * A canonical hash of the run's state (memory, files, page tables, results,
 * how it ended): equal for runs that end in the same state whatever the
 * order of independent steps.  Explorations keep these values in the
 * database (a unit's final states): KERNEL_STATE_HASH_FORMAT goes up with
 * any change to what is hashed or how, so that units hashed differently
 * are never resumed or merged together.
 */
#define KERNEL_STATE_HASH_FORMAT 2
uint64_t kernel_state_hash(const struct kernel_run *run);

/*
 * For the stateful search: add the bytes of the world a step may change
 * (and the scheduler's end and step count) to h, between steps.  With
 * each CPU's sched_cpu_state_hash they identify the state: runs whose
 * hashes agree do the same from here on.  Returns -1 before any start.
 */
struct state_hash;
int kernel_run_world_hash(const struct kernel_run *run, struct state_hash *h);

/*
 * Checkpoints of a run between steps, for the explorer: save copies the
 * world's writable parts and the scheduler's state (CPU stacks included);
 * restore puts the same run back as it was, so that a search resumes
 * there instead of replaying from the start.  Only onto the run saved,
 * started from the same scenario and version and not started again since,
 * and whose trace still begins with the snapshot's path.  save returns -1
 * when this build cannot (see coro_snap_save), restore -1 (changing
 * nothing) when the run's CPUs have other coroutines now: the caller
 * then replays.
 */
struct kernel_snap;
struct kernel_snap *kernel_snap_new(void);
void kernel_snap_free(struct kernel_snap *sn);
int kernel_snap_save(const struct kernel_run *run, struct kernel_snap *sn);
int kernel_snap_restore(struct kernel_run *run, const struct kernel_snap *sn);

/*
 * A value in a store buffer or invalidate queue as the trace says it: a
 * pointer to a page (a store of __xip_sparse_page keeps the C pointer's
 * bytes) as that page (page_to_tag), the same in every run whatever the
 * world's address; any other value as it is.
 */
int64_t kernel_buffered_value(const struct kernel_run *run, const struct sched_obj *obj, int64_t value);

/* ---- the read-only snapshot the view draws ------------------------------------ */

enum ksnap_cpu_state { KSNAP_READY, KSNAP_BLOCKED, KSNAP_FINISHED, KSNAP_HALTED };
enum ksnap_pte_kind { KSNAP_PTE_NONE, KSNAP_PTE_SPARSE, KSNAP_PTE_BLOCK, KSNAP_PTE_ANON, KSNAP_PTE_FREED };

struct ksnap_cpu {
	char comm[SCN_MAX_NAME + 1];    /* process of its current op */
	int op, nops;                   /* current op index, number of ops */
	char op_text[64];               /* "A touch 1" */
	enum ksnap_cpu_state state;
	int enabled;
	char wait[128];                 /* why it cannot run, when blocked */
	const struct sched_site *site;  /* the code it runs next */
	const char *frames[SCHED_MAX_FRAMES];
	int nframes;
	char result[SCN_MAX_OPS][96];   /* each op's result so far */
};

struct ksnap_lock {
	char name[40];
	enum sched_obj_kind kind;
	int owner;                      /* CPU, -1 free (seqcount: the writer) */
	unsigned sequence;              /* seqcount value */
	unsigned waiters;               /* mask of CPUs blocked on it */
	int touched;                    /* the last step used it */
};

struct ksnap_pte {
	enum ksnap_pte_kind kind;
	int block;                      /* KSNAP_PTE_BLOCK */
	int write;
	unsigned char data[SCN_PAGE_BYTES]; /* what a load would see */
	int stale;                      /* maps something other than the file's page */
	int changed;                    /* the last step wrote it */
};

struct ksnap_map {
	char name[SCN_MAX_NAME + 16];   /* "A", "A.1", "reader2.3" (room for any int after the dot) */
	int created, shared, prot_write;
	struct ksnap_pte pte[SCN_MAX_PAGES];
};

struct ksnap_proc {
	char comm[SCN_MAX_NAME + 1];
	int nmaps;
	struct ksnap_map maps[SCN_MAX_MAPS];
};

#define KSNAP_MAX_LOCKS 24

struct kernel_snapshot {
	enum xip_version version;
	size_t step;                    /* steps run */
	int ncpus;
	struct ksnap_cpu cpu[SCN_MAX_CPUS];
	int nlocks;
	struct ksnap_lock locks[KSNAP_MAX_LOCKS];
	int sparse_page;                /* page number (1-based), 0 when not allocated */
	int sparse_count, sparse_mapcount;
	int sparse_touched;
	long i_size;
	int file_pages;                 /* pages shown: i_size rounded up, at least the scenario's */
	int blockmap[SCN_MAX_PAGES];    /* block of each page, -1 hole */
	int blockmap_changed[SCN_MAX_PAGES];
	int nblocks;
	struct { int used, changed; unsigned char data[SCN_PAGE_BYTES]; } blocks[SCN_MAX_BLOCKS];
	int nprocs;
	struct ksnap_proc procs[SCN_MAX_PROCS];
	const char *console;            /* valid while the run lives */
	int last_cpu;                   /* -1 before the first step */
	char last_text[320];            /* "get_xip_mem: ... -> hole" */
	const struct sched_site *last_site;
	enum sched_end end;
	/* tso/weak (memmodel.h): what each CPU's store buffer and invalidate queue hold */
	int memory_model;               /* enum memmodel; MEMMODEL_SC has neither */
	char store_buffer[SCN_MAX_CPUS][160];  /* "i_data[1]=block 1, xip_sparse_seq=1" ('|' marks an smp_wmb) */
	char inval_queue[SCN_MAX_CPUS][160];   /* "xip_sparse_seq (stale 0)" */
};

/* Fill *out from the run as it is now.  Never changes the run. */
void kernel_snapshot(const struct kernel_run *run, struct kernel_snapshot *out);

/* "-ENODATA", "VM_FAULT_NOPAGE": a symbolic name's value, for milestones; 0 if unknown. */
int kernel_symbol_value(const char *name, long *value);

#endif
