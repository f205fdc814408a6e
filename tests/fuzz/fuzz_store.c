/*
 * fuzz_store.c - libFuzzer harness for the database loader: arbitrary bytes
 * as the database file.
 *
 * Each input is written to a file in a private directory (with no -wal,
 * -shm or -journal next to it), then:
 *   1. store_open(STORE_READ), list every schedule, close;
 *   2. store_open(STORE_WRITE), list, record a scenario and a schedule,
 *      name it, find it and read it back, close;
 *   3. when 2 opened the file, open it once more for reading and list:
 *      what xipsandbox wrote itself it must be able to read again;
 *   4. on a fresh copy, the commands that act on stored rows, as a user
 *      would type them: `replay classic 1` and `export 2 --format txt`
 *      (cli_replay, cli_export; their output goes to /dev/null).  A row another program changed (a version, choices or
 *      milestones no xipsandbox would write) must give a message, never a
 *      crash.
 * Checks, besides the sanitizers: every refusal is one message that starts
 * with the file's path, and a refused file's bytes are unchanged (store.h:
 * "the file's bytes are never changed in those cases").
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "fuzz_store: contract broken at %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);                          \
			abort();                                                     \
		}                                                                    \
	} while (0)

static char dir[64], path[128], side[4][160];

static void cleanup(void)
{
	unlink(path);
	for (int i = 0; i < 4; i++)
		unlink(side[i]);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const ext[4] = { "-wal", "-shm", "-journal", "-t" };
	const char *tmp = getenv("TMPDIR");
	int fd;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/xs-fuzz-store.XXXXXX", tmp && strlen(tmp) < 30 ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("fuzz_store: mkdtemp");
		exit(1);
	}
	snprintf(path, sizeof path, "%s/fuzz.db", dir);
	for (int i = 0; i < 4; i++)
		snprintf(side[i], sizeof side[i], "%s%s", path, ext[i]);
	atexit(cleanup);
	setenv("XS_DB_BUSY_MS", "0", 1); /* nobody else uses this file: never wait */
	setenv("XS_DB_WORK_MS", "200", 1); /* a trigger that loops stops soon (B2); ours take < 1 ms */
	/* the commands print: into /dev/null (libFuzzer and the sanitizers use stderr) */
	fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		perror("fuzz_store: /dev/null");
		exit(1);
	}
	close(fd);
	return 0;
}

static void write_file(const uint8_t *data, size_t size)
{
	int fd;

	for (int i = 0; i < 4; i++)
		unlink(side[i]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	for (size_t off = 0; off < size;) {
		ssize_t w = write(fd, data + off, size - off);
		CHECK(w > 0);
		off += (size_t)w;
	}
	close(fd);
}

/* The file is still exactly data (and no side file holds changes). */
static int unchanged(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(size + 1);
	size_t got;
	struct stat sb;
	int same;

	CHECK(f != NULL);
	got = fread(buf, 1, size + 1, f);
	fclose(f);
	same = got == size && memcmp(buf, data, size) == 0;
	free(buf);
	if (stat(side[0], &sb) == 0 && sb.st_size > 0)
		same = 0;
	return same;
}

static void check_refusal(char *cause, const uint8_t *data, size_t size, const char *mode)
{
	CHECK(cause != NULL);
	CHECK(strncmp(cause, path, strlen(path)) == 0);
	if (!unchanged(data, size)) {
		fprintf(stderr, "fuzz_store: store_open(%s) refused the file (%s) but changed it\n", mode, cause);
		abort();
	}
	free(cause);
}

static int count_row(void *ctx, const struct store_schedule *s)
{
	CHECK(s->scenario && s->version && s->choices && s->verdict && s->origin && s->created);
	return ++*(int *)ctx >= 10000;
}

static void list_all(struct store *st)
{
	char *cause = NULL;
	int n = 0;

	if (store_schedule_list(st, NULL, count_row, &n, &cause) != 0) {
		CHECK(cause != NULL);
		free(cause);
	}
}

static void write_some(struct store *st)
{
	struct store_scenario sc = { 0 };
	struct store_schedule row = { 0 }, got = { 0 };
	char *cause = NULL;
	int found = 0;

	if (store_scenario_sync(st, "classic", "t", "0123456789abcdef", "title: t\n", NULL, &sc, NULL, &cause) != 0)
		goto fail;
	row.scenario_hash = strdup("0123456789abcdef");
	row.version = strdup("buggy");
	row.choices = strdup("0 0 1");
	row.length = 3;
	row.verdict = strdup("ok");
	row.trace_hash = strdup("fedcba9876543210");
	row.origin = strdup("user");
	row.scenario_id = sc.id;
	if (store_schedule_add(st, &row, &cause) != 0)
		goto fail;
	if (store_schedule_set_name(st, row.id, "fuzzed", &cause) != 0)
		goto fail;
	if (store_schedule_find(st, "classic", "fuzzed", "buggy", &got, &found, &cause) != 0)
		goto fail;
	store_schedule_clear(&got);
	if (store_schedule_get(st, row.id, &got, &found, &cause) != 0)
		goto fail;
	goto out;
fail:
	CHECK(cause != NULL);
	free(cause);
out:
	store_schedule_clear(&got);
	store_schedule_clear(&row);
	store_scenario_clear(&sc);
}

/* argv for a command on our file: the words, then --db PATH. */
static void command(int (*cmd)(int, char **), const char *w0, const char *w1, const char *w2,
		    const char *w3, const char *w4)
{
	char *argv[8];
	int argc = 0;

	argv[argc++] = (char *)w0;
	argv[argc++] = (char *)w1;
	if (w2)
		argv[argc++] = (char *)w2;
	if (w3)
		argv[argc++] = (char *)w3;
	if (w4)
		argv[argc++] = (char *)w4;
	argv[argc++] = (char *)"--db";
	argv[argc++] = path;
	argv[argc] = NULL;
	(void)cmd(argc, argv);
	fflush(stdout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store *st = NULL;
	char *cause = NULL;
	int opened;

	write_file(data, size);
	if (store_open(path, STORE_READ, &st, &cause) == 0) {
		list_all(st);
		store_close(st);
	} else {
		check_refusal(cause, data, size, "read");
	}

	write_file(data, size);
	cause = NULL;
	opened = store_open(path, STORE_WRITE, &st, &cause) == 0;
	if (opened) {
		list_all(st);
		write_some(st);
		list_all(st);
		store_close(st);
	} else {
		check_refusal(cause, data, size, "write");
	}

	if (opened) {
		cause = NULL;
		if (store_open(path, STORE_READ, &st, &cause) != 0) {
			fprintf(stderr, "fuzz_store: a file xipsandbox opened for writing is refused next time: %s\n",
				cause);
			abort();
		}
		list_all(st);
		store_close(st);
	}

	write_file(data, size);
	command(cli_replay, "replay", "classic", "1", "-q", NULL);
	command(cli_export, "export", "2", "--format", "txt", NULL);
	return 0;
}
