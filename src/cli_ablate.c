/*
 * cli_ablate.c - `xipsandbox ablate [SCENARIO]...`: take the seed's fix
 * apart.  Every combination of its ingredients switched off (kernel.h:
 * KERNEL_WITHOUT_*) is explored exhaustively on each scenario; the table
 * says which combinations stay correct, with the shortest counterexample of
 * each broken one.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "explore.h"
#include "schedule.h"

static const char ablate_help[] =
	"Usage: xipsandbox ablate [SCENARIO]... [OPTION]...\n"
	"Explore the fixed version with every combination of the fix's ingredients\n"
	"switched off (mutex, seqcount, recheck, retry; livelock-fix runs it on the\n"
	"seqcount before Linux 2.6.25) on each scenario\n"
	"(default: classic, three-cpus, shared-writable, late-mmap) and print which\n"
	"combinations stay correct, with a shortest counterexample for each broken one.\n"
	"\n"
	"  -s, --single   only the fix and each ingredient alone (6 rows, not 32)\n"
	"  -a, --all      every shipped scenario\n"
	"  -b, --barriers the seqcount's barriers instead: each dropped, made smp_mb, or an\n"
	"                 smp_mb added before read_seqcount_begin, on one scenario (default\n"
	"                 classic), a column per memory model (sc, tso, weak)\n"
	"  -h, --help     show this help\n"
	"\n"
	"Exit status: 0 (the table is the result), 2 usage error, 3 bad scenario.\n";

#define ABLATE_MAX_SCN 16

int cli_ablate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "single", no_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "barriers", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const defaults[] = { "classic", "three-cpus", "shared-writable", "late-mmap" };
	struct scenario *scn[ABLATE_MAX_SCN];
	int nscn = 0, single = 0, all = 0, barriers = 0, c, status = 0, nshipped = 0;
	char **shipped = NULL;
	unsigned masks[KERNEL_WITHOUT_ALL + 1];
	int nmasks = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "sah", opts, NULL)) != -1) {
		switch (c) {
		case 's': single = 1; break;
		case 'a': all = 1; break;
		case 'b': barriers = 1; break;
		case 'h': fputs(ablate_help, stdout); return 0;
		default: cli_usage_error("ablate: bad option (see 'xipsandbox ablate --help')");
		}
	}
	if (barriers) {
		/* the seqcount's barriers per memory model, on one scenario (default classic) */
		if (all || single || argc - optind > 1)
			cli_usage_error("ablate --barriers takes one scenario (default classic) and no --all or --single");
		scn[0] = cli_load_scenario(optind < argc ? argv[optind] : "classic");
		if (!scn[0])
			return CLI_EXIT_INPUT;
		status = cli_ablate_barriers(scn[0]);
		scenario_free(scn[0]);
		return status;
	}
	if (all && optind < argc)
		cli_usage_error("ablate: --all takes every shipped scenario; name none with it");
	if (argc - optind > ABLATE_MAX_SCN)
		cli_usage_error("ablate takes at most %d scenarios", ABLATE_MAX_SCN);
	if (all) {
		nshipped = cli_shipped_scenarios(&shipped);
		if (nshipped == 0 || nshipped > ABLATE_MAX_SCN) {
			cli_error("ablate --all: %d shipped scenarios found in %s (it takes 1 to %d); name them instead",
				  nshipped, cli_scenario_dirs(), ABLATE_MAX_SCN);
			return CLI_EXIT_INPUT;
		}
	}
	for (int i = optind; all ? nscn < nshipped : (i < argc || (optind == argc && nscn < 4)); i++) {
		const char *name = all ? shipped[nscn] : optind == argc ? defaults[nscn] : argv[i];
		scn[nscn] = cli_load_scenario(name);
		if (!scn[nscn]) {
			for (int k = 0; k < nscn; k++)
				scenario_free(scn[k]);
			for (int k = 0; k < nshipped; k++)
				free(shipped[k]);
			free(shipped);
			return CLI_EXIT_INPUT;
		}
		nscn++;
	}
	masks[nmasks++] = 0;
	for (unsigned m = 1; m <= KERNEL_WITHOUT_ALL; m++)
		if (!single || (m & (m - 1)) == 0)
			masks[nmasks++] = m;

	printf("%-34s", "fixed, without");
	for (int s = 0; s < nscn; s++)
		printf(" %-24s", util_shown(scn[s]->name));
	printf("\n");
	for (int i = 0; i < nmasks; i++) {
		char label[64], cell[64];
		char *cex[ABLATE_MAX_SCN] = { 0 };

		kernel_without_text(masks[i], label, sizeof label);
		printf("%-34s", masks[i] ? label : "(nothing: the seed's fix)");
		for (int s = 0; s < nscn; s++) {
			struct explore_options opt;
			struct explore_result r;
			char *cause = NULL;

			explore_options_init(&opt);
			opt.without = masks[i];
			if (explore_run(scn[s], XIP_FIXED, &opt, &r, &cause) != 0) {
				snprintf(cell, sizeof cell, "error");
				cli_error("%s on %s: %s", label, scn[s]->name, cause);
				free(cause);
				status = CLI_EXIT_INPUT;
			} else if (!explore_found_bad(&r)) {
				snprintf(cell, sizeof cell, "ok (%llu runs)", r.executions);
			} else {
				snprintf(cell, sizeof cell, "%s in %zu steps", verdict_kind_name(r.shortest.verdict), r.shortest.n);
				cex[s] = schedule_format_choices(r.shortest.choices, r.shortest.n);
			}
			printf(" %-24s", cell);
			explore_result_clear(&r);
		}
		printf("\n");
		for (int s = 0; s < nscn; s++) {
			if (cex[s])
				printf("    %s: xipsandbox run %s --version fixed --without %s --schedule \"%s\"\n",
				       scn[s]->name, scn[s]->name, label, cex[s]);
			free(cex[s]);
		}
		fflush(stdout);
	}
	for (int s = 0; s < nscn; s++)
		scenario_free(scn[s]);
	for (int i = 0; i < nshipped; i++)
		free(shipped[i]);
	free(shipped);
	return status;
}
