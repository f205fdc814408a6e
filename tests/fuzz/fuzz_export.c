/*
 * fuzz_export.c - libFuzzer harness for the import line
 * (record_parse_export, what `xipsandbox import` reads from a stranger).
 *
 * Input: one line.  Checks: a refused line gives one message and no
 * allocation; an accepted one has a known version, a scenario name, a
 * 16-character hash and choices 0..7, and printing it again with
 * record_export_line gives a line that parses to the same import.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "fuzz_export: contract broken at %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);                           \
			abort();                                                      \
		}                                                                     \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1), *cause = NULL, *again;
	struct record_import im, im2;
	struct store_schedule row = { 0 };
	char choices[2 * 65536 + 1];

	memcpy(line, data, size);
	line[size] = '\0';
	if (record_parse_export(line, &im, &cause) != 0) {
		CHECK(cause != NULL && im.choices == NULL);
		free(cause);
		free(line);
		return 0;
	}
	CHECK(cause == NULL);
	CHECK(im.scenario[0] != '\0');
	CHECK(xip_version_parse(im.version) >= 0);
	CHECK(strlen(im.scenario_hash) == 16);
	CHECK(im.n >= 1 && im.choices != NULL);
	for (size_t i = 0; i < im.n; i++)
		CHECK(im.choices[i] >= 0 && im.choices[i] <= 7);

	/* print it as export does, and read it back */
	if (im.n < 65536) {
		size_t k = 0;
		for (size_t i = 0; i < im.n; i++) {
			if (i)
				choices[k++] = ' ';
			choices[k++] = (char)('0' + im.choices[i]);
		}
		choices[k] = '\0';
		row.scenario = im.scenario;
		row.version = im.version;
		row.name = im.name[0] ? im.name : NULL;
		row.scenario_hash = im.scenario_hash;
		row.choices = choices;
		again = record_export_line(&row);
		CHECK(record_parse_export(again, &im2, &cause) == 0);
		CHECK(strcmp(im.scenario, im2.scenario) == 0 && strcmp(im.version, im2.version) == 0 &&
		      strcmp(im.name, im2.name) == 0 && strcmp(im.scenario_hash, im2.scenario_hash) == 0);
		CHECK(im.n == im2.n && memcmp(im.choices, im2.choices, im.n * sizeof *im.choices) == 0);
		free(im2.choices);
		free(again);
	}
	free(im.choices);
	free(line);
	return 0;
}
