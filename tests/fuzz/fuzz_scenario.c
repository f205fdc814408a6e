/*
 * fuzz_scenario.c - libFuzzer harness for the scenario parser
 * (scenario_parse, src/scenario.c).
 *
 * Input: the bytes of a .scn file.  Beyond "no crash, no leak, no
 * sanitizer report", it checks the parser's contract (scenario.h and
 * docs/scenarios.md): on success every field is within its documented
 * range and every op prints; on failure there is exactly one message,
 * "PATH:LINE:COL: ...", on one line, and no scenario.  A violated contract
 * aborts, so libFuzzer keeps the input as a crash.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "fuzz_scenario: contract broken at %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);                             \
			abort();                                                        \
		}                                                                       \
	} while (0)

#define PATH "fuzz.scn"

static void check_message(const char *cause, size_t size)
{
	const char *p = cause;
	long line, col;
	char *end;

	CHECK(cause != NULL);
	CHECK(strncmp(p, PATH ":", sizeof PATH) == 0);
	p += sizeof PATH;
	line = strtol(p, &end, 10);
	CHECK(end != p && *end == ':' && line >= 1);
	p = end + 1;
	col = strtol(p, &end, 10);
	CHECK(end != p && *end == ':' && col >= 1 && (size_t)col <= size + 1);
	CHECK(strchr(cause, '\n') == NULL);
}

static void check_scenario(const struct scenario *scn)
{
	char buf[128];

	CHECK(scn->title && *scn->title);
	CHECK(scn->explain != NULL);
	CHECK((unsigned)scn->default_version < XIP_NVERSIONS);
	CHECK(scn->flash_blocks >= 1 && scn->flash_blocks <= SCN_MAX_BLOCKS);
	CHECK(scn->file_pages >= 1 && scn->file_pages <= SCN_MAX_PAGES);
	CHECK(scn->nprocs >= 0 && scn->nprocs <= SCN_MAX_PROCS);
	CHECK(scn->ncpus >= 1 && scn->ncpus <= SCN_MAX_CPUS);
	for (int i = 0; i < scn->nprocs; i++) {
		CHECK(scn->procs[i].name[0] && strlen(scn->procs[i].name) <= SCN_MAX_NAME);
		CHECK(scn->procs[i].nmaps >= 0 && scn->procs[i].nmaps <= SCN_MAX_MAPS);
	}
	CHECK(scn->setup.nops >= 0 && scn->setup.nops <= SCN_MAX_OPS);
	for (int c = 0; c <= scn->ncpus; c++) {
		/* c == ncpus: the setup's operations */
		const struct scn_cpu *sc = c < scn->ncpus ? &scn->cpus[c] : &scn->setup;
		CHECK(c == scn->ncpus || (sc->nops >= 1 && sc->nops <= SCN_MAX_OPS));
		for (int i = 0; i < sc->nops; i++) {
			const struct scn_op *op = &sc->ops[i];

			CHECK((unsigned)op->kind <= SCN_OP_TRUNCATE);
			CHECK(c < scn->ncpus || op->kind != SCN_OP_MMAP);
			CHECK(op->kind != SCN_OP_TRUNCATE || (op->size >= 0 && op->size <= SCN_MAX_PAGES * SCN_PAGE_BYTES));
			CHECK(op->proc >= 0 && op->proc < scn->nprocs);
			CHECK(op->map >= 0 && op->map < SCN_MAX_MAPS);
			CHECK(op->page >= 0 && op->page < SCN_MAX_PAGES);
			if (op->kind == SCN_OP_STORE || op->kind == SCN_OP_WRITE)
				CHECK(op->len >= 1 && op->len <= SCN_PAGE_BYTES);
			scenario_op_text(scn, op, buf, sizeof buf);
			CHECK(strlen(buf) < sizeof buf);
			scenario_map_name(scn, op->proc, op->map, buf, sizeof buf);
		}
	}
	for (int v = 0; v < XIP_NVERSIONS; v++)
		if (scn->expect[v].schedule)
			CHECK(scn->expect[v].set && *scn->expect[v].schedule);
	CHECK(scn->nwexpect >= 0 && scn->nwexpect <= SCN_MAX_WEXPECT);
	for (int k = 0; k < scn->nwexpect; k++)
		CHECK(scn->wexpect[k].set && scn->wexpect[k].version == XIP_FIXED && scn->wexpect[k].without != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *scn = (struct scenario *)&scn; /* must be reset by the parser */
	char *cause = NULL;
	int r;

	r = scenario_parse(PATH, (const char *)data, size, &scn, &cause);
	if (r == 0) {
		CHECK(scn != NULL && cause == NULL);
		CHECK(scn->text_len == size && memcmp(scn->text, data, size) == 0);
		check_scenario(scn);
		scenario_free(scn);
	} else {
		CHECK(r == -1 && scn == NULL);
		check_message(cause, size);
		free(cause);
	}
	return 0;
}
