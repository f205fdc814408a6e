/*
 * scenario.h - scenario files: the world a run starts from and what each
 * simulated CPU does.  The format is documented in docs/scenarios.md.
 *
 * A scenario is plain data: the kernel builds its simulated world from it
 * (kernel_build), the CLI and the view show its title and explanation, and
 * make check asserts its expected verdicts.
 */
#ifndef XS_SCENARIO_H
#define XS_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "verdict.h"

#define SCN_PAGE_BYTES 8   /* bytes in a simulated page: small enough to show whole */
#define SCN_MAX_PAGES 16   /* pages a file can have (its block map) */
#define SCN_MAX_BLOCKS 64  /* flash blocks */
#define SCN_MAX_PROCS 8    /* processes */
#define SCN_MAX_NAME 8     /* a process name: a letter, then letters, digits or _ */
#define SCN_MAX_MAPS 4     /* mappings of the file per process */
#define SCN_MAX_CPUS 8     /* simulated CPUs (= SCHED_MAX_CPUS) */
#define SCN_MAX_OPS 16     /* operations per CPU */

/* open(2) mode of a process's file descriptor. */
enum scn_open_mode { SCN_O_RDONLY, SCN_O_WRONLY, SCN_O_RDWR };

/* A mapping of the whole file: mmap(NULL, size, prot, flags, fd, 0). */
struct scn_map {
	int shared;      /* MAP_SHARED (1) or MAP_PRIVATE (0) */
	int prot_read;   /* PROT_READ */
	int prot_write;  /* PROT_WRITE */
	int line;        /* where it was declared */
};

struct scn_process {
	char name[SCN_MAX_NAME + 1]; /* "A", "reader2" */
	enum scn_open_mode mode;
	int nmaps;                /* mappings made before the CPUs start */
	struct scn_map maps[SCN_MAX_MAPS];
	int line;
};

enum scn_op_kind {
	SCN_OP_TOUCH,   /* load through a mapping at a page (faults if needed), see the bytes */
	SCN_OP_STORE,   /* store bytes through a mapping at a page */
	SCN_OP_WRITE,   /* write(2) bytes at the start of a page */
	SCN_OP_READ,    /* read(2) a page */
	SCN_OP_MMAP,    /* mmap(2) the file: adds a mapping to the process */
	SCN_OP_TRUNCATE, /* ftruncate(2) the file to a size in bytes (shrink or extend) */
};

struct scn_op {
	enum scn_op_kind kind;
	int proc;          /* index into scenario.procs */
	int map;           /* TOUCH/STORE: index of the process's mapping (0 for "A", 1 for "A.1") */
	int page;          /* TOUCH/STORE/WRITE/READ: page offset in the file */
	unsigned char data[SCN_PAGE_BYTES]; /* STORE/WRITE: the bytes */
	int len;           /* STORE/WRITE: how many (1..SCN_PAGE_BYTES) */
	struct scn_map mmap; /* MMAP: the new mapping */
	int size;          /* TRUNCATE: the new length in bytes (0..SCN_MAX_PAGES * SCN_PAGE_BYTES) */
	int line;
};

struct scn_cpu {
	int nops;
	struct scn_op ops[SCN_MAX_OPS];
};

/* An initial page of the file: a hole, or a flash block with bytes. */
struct scn_page {
	int hole;
	unsigned char data[SCN_PAGE_BYTES]; /* zero-padded */
};

/*
 * "expect VERSION [without WHAT,...]: VERDICT [of MAP page P] [with "SCHEDULE"]
 * [at N preemptions]" (docs/scenarios.md).
 */
struct scn_expect {
	int set;                   /* this version has an expectation */
	enum verdict_kind verdict;
	char *schedule;            /* schedule text that shows it (NULL: the default schedule) */
	int line;
	/* issue 15's richer claims; version and without only in scenario.wexpect */
	enum xip_version version;
	unsigned without;          /* KERNEL_WITHOUT_* mask (kernel.h): a what-if of fixed; 0 none */
	int preemptions;           /* "at N preemptions": the fewest any bad schedule needs is N, with
				      this verdict; -1 when not claimed */
	int corrupt_proc, corrupt_map, corrupt_page; /* "of A.1 page 1": what the corruption names; proc -1 none */
	/* "result cpu1 op 2 \"NEWDATA!\"": that op (a read or touch) returned these bytes; cpu -1 none */
	int result_cpu, result_op;  /* result_op counts from 0 here, from 1 in the file */
	int result_col;             /* where the clause's bytes are, for messages */
	unsigned char result[SCN_PAGE_BYTES];
};

#define SCN_MAX_WEXPECT 8          /* "expect fixed without ...:" lines */

struct scenario {
	char *path;                /* as given to scenario_load */
	char *name;                /* file name without directory and ".scn" */
	char *title;
	char *explain;             /* one paragraph, continuation lines joined by single spaces */
	enum xip_version default_version;
	int flash_blocks;          /* 1..SCN_MAX_BLOCKS */
	int file_pages;            /* initial i_size, in pages (1..SCN_MAX_PAGES) */
	struct scn_page pages[SCN_MAX_PAGES];
	int fault_sparse_alloc;    /* "fault: sparse-alloc-fails": alloc_page for the sparse page returns NULL */
	int fault_flash_full;      /* "fault: flash-full": no free block beyond the file's own */
	int nprocs;
	struct scn_process procs[SCN_MAX_PROCS];
	int ncpus;                 /* 1..SCN_MAX_CPUS */
	struct scn_cpu cpus[SCN_MAX_CPUS];
	struct scn_cpu setup;      /* "setup: OP": run one after another to the end before the CPUs start */
	struct scn_expect expect[XIP_NVERSIONS];
	int nwexpect;              /* claims about what-ifs: "expect fixed without mutex: ..." */
	struct scn_expect wexpect[SCN_MAX_WEXPECT];
	char *text;                /* the whole file as read */
	size_t text_len;
	uint64_t hash;             /* 64-bit FNV-1a of text */
	char *source;              /* scenario_load: the file's absolute path (realpath); NULL from text */
};

/*
 * Read and parse a scenario file.  Returns 0 and *out (free with
 * scenario_free), or -1 with *cause: "FILE:LINE:COL: what was expected,
 * what was found" (or "FILE: <system error>").
 */
int scenario_load(const char *path, struct scenario **out, char **cause);

/* The same from text in memory; path is used for name and messages. */
int scenario_parse(const char *path, const char *text, size_t len,
		   struct scenario **out, char **cause);

void scenario_free(struct scenario *scn);

/* "A", "B.1": how the format names a process's mapping; returns buf. */
char *scenario_map_name(const struct scenario *scn, int proc, int map, char *buf, size_t len);

/* "A touch 1", "B write 1 \"NEWDATA\"": the op as the format writes it; returns buf. */
char *scenario_op_text(const struct scenario *scn, const struct scn_op *op, char *buf, size_t len);

#endif
