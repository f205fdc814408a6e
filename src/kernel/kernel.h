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
 * results, text, and (later) a read-only snapshot.
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
};

struct kernel_verdict {
	enum verdict_kind kind;
	char headline[320];   /* one line: what went wrong, or "every CPU finished; all checks hold" */
	char details[1024];   /* more lines, each ending in '\n' (may be empty) */
	char notes[512];      /* legal oddities worth showing (stale MAP_PRIVATE zeros) */
	long damage_step;     /* 1-based step from which the damage was permanent; 0 unknown */
};

struct kernel_run;

/* A run with no world yet.  Free with kernel_run_free. */
struct kernel_run *kernel_run_new(void);
void kernel_run_free(struct kernel_run *run);

/*
 * Build scn's world for `version` on the run's scheduler (resetting any
 * earlier run) and start the CPUs.  Returns -1 with *cause when the
 * scenario cannot be built (too many mappings for a process).  The scenario
 * must outlive the run.
 */
int kernel_run_start(struct kernel_run *run, const struct scenario *scn,
		     enum xip_version version, char **cause);

struct sched *kernel_run_sched(struct kernel_run *run);
const struct scenario *kernel_run_scenario(const struct kernel_run *run);
enum xip_version kernel_run_version(const struct kernel_run *run);

/* Judge the run (which must have ended). */
void kernel_run_verdict(struct kernel_run *run, struct kernel_verdict *out);

/* The console (printk) output so far. */
const char *kernel_console(const struct kernel_run *run);

/* The result of op `op` of `cpu`. */
const struct kernel_op_result *kernel_op_result(const struct kernel_run *run, int cpu, int op);

/* "saw \"NEWDATA!\"", "SIGBUS", "wrote 8 bytes", "-ENOSPC", "not run" ... */
char *kernel_result_text(const struct kernel_op_result *r, enum scn_op_kind kind, char *buf, size_t len);

/*
 * One trace line's description: the code as written at that point and the
 * value it read or wrote ("ext2_get_block: ... -> hole").  Returns buf.
 */
char *kernel_step_text(const struct kernel_run *run, const struct sched_step *st, char *buf, size_t len);

/* An object's name by id ("pte[A:1]", "xip_sparse_mutex"); returns buf. */
char *kernel_obj_name(const struct kernel_run *run, unsigned id, char *buf, size_t len);

/* Print a value noted on an object the way the trace does ("hole", "page#1"). */
char *kernel_value_text(const struct kernel_run *run, unsigned obj, int64_t value, char *buf, size_t len);

/* "-ENODATA", "VM_FAULT_NOPAGE": a symbolic name's value, for milestones; 0 if unknown. */
int kernel_symbol_value(const char *name, long *value);

#endif
