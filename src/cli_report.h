/*
 * cli_report.h - what `explore` and `merge` print and record: the report
 * of a search (explore.h) and its rows in the database (store.h).  Both
 * commands print the same report for the same search, so that a merged
 * run can be compared with a single one line by line.
 */
#ifndef XS_CLI_REPORT_H
#define XS_CLI_REPORT_H

#include "explore.h"
#include "store.h"

#define EXPLORE_EXIT_BAD 1
#define EXPLORE_EXIT_INTERRUPTED 130

/*
 * The report: scenario, version, search, counts, verdicts, counterexamples,
 * time and the one-line result.  without_text is NULL unless a --without
 * search.
 */
void cli_report_print(const struct scenario *scn, enum xip_version v, const char *without_text,
		       const struct explore_options *opt, const struct explore_result *r);

/* 0 no bad verdict, EXPLORE_EXIT_BAD, or EXPLORE_EXIT_INTERRUPTED. */
int cli_report_status(const struct explore_result *r);

/*
 * Fill e (all but id, plan, shard and units) from the result; verdicts and
 * bounds are written into the two buffers (160 bytes each at least).
 */
void cli_report_row(struct store_exploration *e, long scenario_id, const struct scenario *scn, enum xip_version v,
		     const struct explore_options *opt, const struct explore_result *r, char *hash17,
		     char *verdicts, size_t vlen, char *bounds, size_t blen);

/*
 * A free name for explore's new row of scn on `version`: base, or base-2,
 * base-3 ... past rows others named (into out, len bytes).  An older
 * explore row that holds it gives it up: *from is its id (else 0), for
 * store_schedule_add_many to move the name in the transaction that adds
 * the new row, so that a failed recording leaves it where it was (B17).
 */
int cli_report_claim_name(struct store *st, const struct scenario *scn, const char *version,
			  const char *base, char *out, size_t len, long *from, char **cause);

/*
 * Save the shortest and the fewest-preemptions counterexamples as
 * schedules "shortest" and "fewest-preemptions" (re-run first: each must
 * end as the search saw).  Prints the rows; on error prints it.
 */
int cli_report_save_cexes(struct store *st, const struct store_scenario *srow, const struct scenario *scn,
			   enum xip_version v, const struct explore_result *r);

#endif
