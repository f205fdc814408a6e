/*
 * verdict.h - the names shared by the kernel, scenarios, the store and the
 * explorer: which version of the XIP code runs, and how a run ended.
 */
#ifndef XS_VERDICT_H
#define XS_VERDICT_H

/* The four versions of mm/filemap_xip.c compiled into the sandbox. */
enum xip_version {
	XIP_BUGGY,  /* before 538f8ea6c852 ("mm: xip fix fault vs sparse page invalidate race") */
	XIP_FIXED,  /* exactly the seed's version, debug printk included */
	XIP_LATER,  /* 2.6.27's file (block allocation under the mutex) + 2010's -EBUSY acceptance */
	XIP_FINAL,  /* later + 2015's 283307c7607d ("mm: fix XIP fault vs truncate race") */
	XIP_NVERSIONS
};

/* How a run ended (most serious first when several apply). */
enum verdict_kind {
	VERDICT_OK,          /* every CPU finished, every check holds */
	VERDICT_CORRUPTION,  /* a process sees other bytes than read() of the file */
	VERDICT_BUG,         /* a simulated BUG_ON (or, with lock debugging on, lock misuse) fired */
	VERDICT_DEADLOCK,    /* no CPU can run, some have not finished */
	VERDICT_LEAK,        /* bookkeeping: refcounts, rss, blocks, locks left held */
	VERDICT_STEP_LIMIT,  /* the run did not end within the step limit */
	VERDICT_NKINDS
};

/* "buggy", "fixed", "later", "final" / "ok", "corruption", "bug", "deadlock", "leak", "step-limit". */
const char *xip_version_name(enum xip_version v);
const char *verdict_kind_name(enum verdict_kind v);

/* Parse those names; -1 when the name is unknown. */
int xip_version_parse(const char *name);
int verdict_kind_parse(const char *name);

/* Process exit status for a verdict: 0 ok, 10 + kind otherwise (11..15). */
int verdict_exit_status(enum verdict_kind v);

#endif
