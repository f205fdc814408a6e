/*
 * fuzz_schedule.c - libFuzzer harness for the schedule text form:
 * schedule_parse (with kernel_symbol_value, as `run --schedule` and the
 * scenario and .sched files use it) and record_parse_choices (the exact
 * form stored in the database).
 *
 * Input: the schedule text (a NUL byte ends it, as in a C string).  Checks
 * the contract of schedule.h: one message "schedule, column N: ..." with N
 * inside the text, or a schedule; and that the exact form round-trips
 * (parse -> schedule_format_choices -> parse gives the same choices).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "record.h"
#include "schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "fuzz_schedule: contract broken at %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);                             \
			abort();                                                        \
		}                                                                       \
	} while (0)

static void check_schedule(const char *text, size_t len)
{
	struct schedule *sch = (struct schedule *)&sch;
	char *cause = NULL;
	int r = schedule_parse(text, kernel_symbol_value, &sch, &cause);

	if (r == 0) {
		CHECK(cause == NULL && sch != NULL);
		(void)schedule_has_milestones(sch);
		schedule_free(sch);
		return;
	}
	CHECK(r == -1 && cause != NULL);
	/* (the message may quote the text, newlines included: see docs/reliability.md) */
	if (strncmp(cause, "schedule, column ", 17) == 0) {
		long col = strtol(cause + 17, NULL, 10);
		CHECK(col >= 1 && (size_t)col <= len + 1);
	} else {
		CHECK(strncmp(cause, "schedule is empty", 17) == 0);
	}
	free(cause);
}

static void check_choices(const char *text)
{
	int *c = NULL, *c2 = NULL;
	size_t n = 0, n2 = 0;
	char *cause = NULL, *exact;

	if (record_parse_choices(text, &c, &n, &cause) != 0) {
		CHECK(cause != NULL && c == NULL);
		free(cause);
		return;
	}
	CHECK(n >= 1);
	for (size_t i = 0; i < n; i++)
		CHECK(c[i] >= 0 && c[i] < SCHED_MAX_CPUS);
	exact = schedule_format_choices(c, n);
	CHECK(record_parse_choices(exact, &c2, &n2, &cause) == 0);
	CHECK(n2 == n && memcmp(c, c2, n * sizeof *c) == 0);
	/* the exact form is a schedule too */
	check_schedule(exact, strlen(exact));
	free(exact);
	free(c);
	free(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';
	check_schedule(text, strlen(text));
	check_choices(text);
	free(text);
	return 0;
}
