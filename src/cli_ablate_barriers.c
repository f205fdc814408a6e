/*
 * cli_ablate_barriers.c - `xipsandbox ablate --barriers [SCENARIO]`: the
 * seqcount's barriers taken apart, a column per memory model.  Each row
 * is a barrier what-if on the fixed version (sync.h: a barrier dropped,
 * made an smp_mb, or an smp_mb added before read_seqcount_begin's load);
 * each cell is the exhaustive search's verdict under that model: `sc`
 * with explore.h's reduced search (no barrier does anything there, so
 * every row is the fixed version's), `tso` and `weak` with explore_mem.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "explore.h"
#include "explore_mem.h"
#include "sync.h"

static const struct { const char *label; unsigned mask; } rows[] = {
	{ "(2.6.27's four barriers)", 0 },
	{ "drop wmb-begin", SYNC_SEQ_WMB_BEGIN },
	{ "drop wmb-end", SYNC_SEQ_WMB_END },
	{ "drop rmb-begin", SYNC_SEQ_RMB_BEGIN },
	{ "drop rmb-retry", SYNC_SEQ_RMB_RETRY },
	{ "mb for wmb-begin", SYNC_SEQ_WMB_BEGIN << SYNC_SEQ_MB_SHIFT },
	{ "mb for rmb-begin", SYNC_SEQ_RMB_BEGIN << SYNC_SEQ_MB_SHIFT },
	{ "mb for rmb-retry", SYNC_SEQ_RMB_RETRY << SYNC_SEQ_MB_SHIFT },
	{ "mb before-begin", SYNC_SEQ_MB_BEFORE_BEGIN },
	{ "mb for wmb-begin, mb before-begin", SYNC_SEQ_WMB_BEGIN << SYNC_SEQ_MB_SHIFT | SYNC_SEQ_MB_BEFORE_BEGIN },
};

/* The sc column: the fixed version as it is (a barrier what-if changes nothing under sc). */
static int sc_cell(const struct scenario *scn, char *cell, size_t len)
{
	struct explore_options opt;
	struct explore_result r;
	char *cause = NULL;

	explore_options_init(&opt);
	if (explore_run(scn, XIP_FIXED, &opt, &r, &cause) != 0) {
		cli_error("sc on %s: %s", scn->name, cause);
		free(cause);
		return -1;
	}
	if (explore_found_bad(&r))
		snprintf(cell, len, "%s in %zu steps", verdict_kind_name(r.shortest.verdict), r.shortest.n);
	else
		snprintf(cell, len, "ok (%llu runs)", r.executions);
	explore_result_clear(&r);
	return 0;
}

static int mem_cell(const struct scenario *scn, enum memmodel m, unsigned mask, char *cell, size_t len)
{
	struct explore_mem_opts o = { XIP_FIXED, m, 0, mask, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct explore_mem_result r;
	char *cause = NULL;

	if (explore_mem_search(scn, &o, &r, &cause) != 0) {
		cli_error("%s on %s: %s", memmodel_name(m), scn->name, cause);
		free(cause);
		return -1;
	}
	if (r.nshortest)
		snprintf(cell, len, "%s in %zu steps", verdict_kind_name(r.shortest_verdict), r.nshortest);
	else
		snprintf(cell, len, "ok (%llu runs)", r.executions);
	explore_mem_result_free(&r);
	return 0;
}

int cli_ablate_barriers(const struct scenario *scn)
{
	char sc[64], cell[64];
	int status = 0;

	if (sc_cell(scn, sc, sizeof sc) != 0)
		return CLI_EXIT_INPUT;
	printf("%s, fixed: the seqcount's barriers, a column per memory model\n", scn->name);
	printf("%-36s %-24s %-24s %-24s\n", "what-if", "sc", "tso", "weak");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		printf("%-36s %-24s", rows[i].label, sc);
		for (int m = MEMMODEL_TSO; m < MEMMODEL_COUNT; m++) {
			if (mem_cell(scn, (enum memmodel)m, rows[i].mask, cell, sizeof cell) != 0) {
				snprintf(cell, sizeof cell, "error");
				status = CLI_EXIT_INPUT;
			}
			printf(" %-24s", cell);
		}
		printf("\n");
		fflush(stdout);
	}
	return status;
}
