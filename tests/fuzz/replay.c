/*
 * replay.c - the main() that libFuzzer would be, for one harness, without
 * libFuzzer: LLVMFuzzerInitialize (when the harness has one), then
 * LLVMFuzzerTestOneInput once on the bytes of each file named.
 *
 *     tests/fuzz/replay_NAME FILE...
 *
 * Linked with each tests/fuzz/fuzz_NAME.c as tests/fuzz/replay_NAME, a
 * check program of every build, so plain `make check` (tests/fuzz.sh)
 * feeds the kept crashes (tests/fuzz/regressions/NAME/) and the seeds
 * through exactly the code the fuzzer ran, with any compiler, under the
 * sanitizer and valgrind builds too.  A broken contract aborts, as it does
 * under libFuzzer.  Exit status: 0, or 2 when a file cannot be read.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* weak: only some harnesses set things up first (libFuzzer calls it the same way) */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* The whole file, or NULL after a message.  The harnesses take any size. */
static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			uint8_t *more;

			cap = cap ? cap * 2 : 65536;
			more = realloc(buf, cap);
			if (!more) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = more;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: cannot read it\n", path);
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...: run the fuzz harness once on each file\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		size_t size = 0;
		uint8_t *data = slurp(argv[i], &size);

		if (!data) {
			status = 2;
			continue;
		}
		/* as libFuzzer does: exactly `size` bytes, so ASan sees a read past them */
		uint8_t *exact = malloc(size ? size : 1);

		if (!exact) {
			fprintf(stderr, "replay: %s: out of memory\n", argv[i]);
			free(data);
			return 2;
		}
		memcpy(exact, data, size);
		free(data);
		LLVMFuzzerTestOneInput(exact, size);
		free(exact);
	}
	return status;
}
