/*
 * scenario_test.c - the scenario parser (scn-*): a full example field by
 * field, the defaults, every operation, string escapes, printing ops back
 * in the file's syntax, the text hash, loading from disk, and the corpus of
 * malformed scenarios in tests/bad-scenarios (found through $XS_TESTDIR).
 *
 * Corpus convention: each tests/bad-scenarios/NAME.scn starts with
 *     # expect: LINE:COL: message
 * and scenario_load must fail with exactly "PATH:" followed by that text.
 * The cases that cannot be committed as text (a NUL byte, a file over
 * 1 MiB, a missing file, a directory) are made here in a temporary directory.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"
#include "tap.h"

/* The example of docs/scenarios.md (the hash below is of exactly these bytes). */
static const char example[] =
	"# The classic race\n"
	"title: A read fault races a write: the dangling sparse page\n"
	"explain:\n"
	"  Process A opened the file read-only and mapped it MAP_SHARED.\n"
	"  It touches page 1, a hole, while process B writes that page.\n"
	"version: buggy\n"
	"flash: 8 blocks\n"
	"file: 2 pages\n"
	"page 0: \"ABCDEFGH\"\n"
	"page 1: hole\n"
	"fault: sparse-alloc-fails\n"
	"fault: flash-full\n"
	"process A: open O_RDONLY, mmap MAP_SHARED PROT_READ\n"
	"process B: open O_RDWR\n"
	"process C: open O_RDWR, mmap MAP_SHARED PROT_READ|PROT_WRITE, mmap MAP_PRIVATE PROT_READ|PROT_WRITE\n"
	"cpu 0: A touch 1\n"
	"cpu 1: B write 1 \"NEWDATA!\"\n"
	"cpu 1: B read 1\n"
	"cpu 2: C store 1 \"xy\"\n"
	"cpu 2: C.1 touch 0\n"
	"cpu 2: B mmap MAP_SHARED PROT_READ\n"
	"expect buggy: corruption with \"cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end\"\n"
	"expect fixed: ok with \"cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end\"\n"
	"expect later: ok\n";

/* FNV-1a 64 of example[], computed independently (Python). */
#define EXAMPLE_HASH 0xbd4cd0927f501e57ULL

static struct scenario *parse(const char *path, const char *text, char **cause)
{
	struct scenario *scn = NULL;

	*cause = NULL;
	if (scenario_parse(path, text, strlen(text), &scn, cause) < 0)
		return NULL;
	return scn;
}

/* Parse text that must be good; on failure, say why and return NULL. */
static struct scenario *parse_ok(const char *id, const char *text)
{
	char *cause;
	struct scenario *scn = parse("t.scn", text, &cause);

	if (!scn) {
		tap_ok(0, id, "parses");
		tap_diag("%s", cause);
		free(cause);
	}
	return scn;
}

/* Parse text that must fail with exactly want; path is "t.scn". */
static void parse_bad(const char *id, const char *text, const char *want)
{
	char *cause;
	struct scenario *scn = parse("t.scn", text, &cause);

	tap_is_str(scn ? "(parsed)" : cause, want, id, "rejected: %s", want);
	scenario_free(scn);
	free(cause);
}

static const char *op_text(const struct scenario *scn, int cpu, int i)
{
	static char buf[128];

	return scenario_op_text(scn, &scn->cpus[cpu].ops[i], buf, sizeof buf);
}

/* ---- scn-1: the full example, field by field ---------------------------------- */

static void test_example(void)
{
	struct scenario *scn = parse_ok("scn-1.0", example);
	const struct scn_op *op;

	if (!scn)
		return;
	tap_is_str(scn->path, "t.scn", "scn-1.1", "path is kept");
	tap_is_str(scn->name, "t", "scn-1.2", "name drops .scn");
	tap_is_str(scn->title, "A read fault races a write: the dangling sparse page", "scn-1.3", "title");
	tap_is_str(scn->explain, "Process A opened the file read-only and mapped it MAP_SHARED. It touches "
		   "page 1, a hole, while process B writes that page.", "scn-1.4",
		   "explain: continuation lines joined by single spaces");
	tap_is_int(scn->default_version, XIP_BUGGY, "scn-1.5", "version");
	tap_is_int(scn->flash_blocks, 8, "scn-1.6", "flash blocks");
	tap_is_int(scn->file_pages, 2, "scn-1.7", "file pages");
	tap_ok(!scn->pages[0].hole && memcmp(scn->pages[0].data, "ABCDEFGH", 8) == 0, "scn-1.8", "page 0 data");
	tap_ok(scn->pages[1].hole, "scn-1.9", "page 1 is a hole");
	tap_ok(scn->fault_sparse_alloc && scn->fault_flash_full, "scn-1.10", "both faults");
	tap_is_int(scn->nprocs, 3, "scn-1.11", "three processes");
	tap_ok(strcmp(scn->procs[0].name, "A") == 0 && scn->procs[0].mode == SCN_O_RDONLY && scn->procs[0].nmaps == 1 &&
	       scn->procs[0].line == 13, "scn-1.12", "A: O_RDONLY, one mapping, line 13");
	tap_ok(scn->procs[0].maps[0].shared && scn->procs[0].maps[0].prot_read &&
	       !scn->procs[0].maps[0].prot_write && scn->procs[0].maps[0].line == 13, "scn-1.13",
	       "A's mapping: MAP_SHARED PROT_READ");
	tap_ok(strcmp(scn->procs[1].name, "B") == 0 && scn->procs[1].mode == SCN_O_RDWR && scn->procs[1].nmaps == 0,
	       "scn-1.14", "B: O_RDWR, no mapping");
	tap_ok(strcmp(scn->procs[2].name, "C") == 0 && scn->procs[2].nmaps == 2 && scn->procs[2].maps[0].shared &&
	       !scn->procs[2].maps[1].shared && scn->procs[2].maps[1].prot_read &&
	       scn->procs[2].maps[1].prot_write, "scn-1.15", "C: a shared and a private writable mapping");
	tap_is_int(scn->ncpus, 3, "scn-1.16", "three CPUs");
	tap_ok(scn->cpus[0].nops == 1 && scn->cpus[1].nops == 2 && scn->cpus[2].nops == 3, "scn-1.17",
	       "ops per CPU: 1, 2, 3");
	op = &scn->cpus[2].ops[1];
	tap_ok(op->kind == SCN_OP_TOUCH && op->proc == 2 && op->map == 1 && op->page == 0 && op->line == 20,
	       "scn-1.18", "C.1 touch 0: process 2, mapping 1, line 20");
	tap_ok(scn->expect[XIP_BUGGY].set && scn->expect[XIP_BUGGY].verdict == VERDICT_CORRUPTION &&
	       scn->expect[XIP_BUGGY].line == 22, "scn-1.19", "expect buggy: corruption");
	tap_is_str(scn->expect[XIP_BUGGY].schedule, "cpu0 until get_xip_mem=-ENODATA; cpu1 to end; cpu0 to end",
		   "scn-1.20", "... with its schedule");
	tap_ok(scn->expect[XIP_FIXED].set && scn->expect[XIP_FIXED].verdict == VERDICT_OK &&
	       scn->expect[XIP_FIXED].schedule, "scn-1.21", "expect fixed: ok with a schedule");
	tap_ok(scn->expect[XIP_LATER].set && scn->expect[XIP_LATER].verdict == VERDICT_OK &&
	       !scn->expect[XIP_LATER].schedule, "scn-1.22", "expect later: ok, no schedule (NULL)");
	tap_ok(scn->text_len == strlen(example) && memcmp(scn->text, example, scn->text_len) == 0 &&
	       scn->text[scn->text_len] == 0, "scn-1.23", "text is a NUL-terminated copy");
	scenario_free(scn);
}

/* ---- scn-2: defaults ---------------------------------------------------------------- */

static void test_defaults(void)
{
	struct scenario *scn = parse_ok("scn-2.0", "title: t\nflash: 1 block\nfile: 1 page\n"
					"process A: open O_RDONLY\ncpu 0: A read 0");
	int holes = 1;

	if (!scn)
		return;
	tap_is_str(scn->explain, "", "scn-2.1", "explain defaults to \"\", not NULL");
	tap_is_int(scn->default_version, XIP_BUGGY, "scn-2.2", "version defaults to buggy");
	for (int i = 0; i < SCN_MAX_PAGES; i++)
		holes &= scn->pages[i].hole;
	tap_ok(holes, "scn-2.3", "every page is a hole unless given");
	tap_ok(!scn->fault_sparse_alloc && !scn->fault_flash_full, "scn-2.4", "no faults");
	tap_ok(!scn->expect[0].set && !scn->expect[1].set && !scn->expect[2].set, "scn-2.5", "no expects");
	tap_ok(scn->flash_blocks == 1 && scn->file_pages == 1, "scn-2.6",
	       "'1 block' and '1 page' (singular), no final newline");
	tap_is_int(scn->ncpus, 1, "scn-2.7", "one CPU");
	scenario_free(scn);

	scn = parse_ok("scn-2.8", "title:  Spaces  around  \r\nexplain: One line. # a comment\r\n"
		       "\t  and a tab-indented one  \r\n# a comment line does not end it\r\n  last.\r\n\r\n"
		       "version: later\r\nflash: 2 blocks\r\nfile: 1 pages\r\nprocess H: open O_WRONLY\r\n"
		       "cpu 0: H write 0 \"#not a \\\"\" # but this is\r\n");
	if (!scn)
		return;
	tap_is_str(scn->title, "Spaces  around", "scn-2.9", "CRLF lines; title trimmed, inner spaces kept");
	tap_is_str(scn->explain, "One line. and a tab-indented one last.", "scn-2.10",
		   "explain on its line, tab continuations, comment lines skipped");
	tap_is_int(scn->default_version, XIP_LATER, "scn-2.11", "version: later");
	tap_is_str(scn->procs[0].name, "H", "scn-2.12", "the first process may be H: index is order");
	tap_ok(scn->cpus[0].ops[0].len == 8 && memcmp(scn->cpus[0].ops[0].data, "#not a \"", 8) == 0,
	       "scn-2.13", "'#' inside a string is not a comment");
	scenario_free(scn);
}

/* ---- scn-3: every operation ------------------------------------------------------------ */

static void test_ops(void)
{
	struct scenario *scn = parse_ok("scn-3.0",
		"title: ops\nflash: 4 blocks\nfile: 1 page\n"
		"process A: open O_RDWR, mmap MAP_SHARED PROT_READ|PROT_WRITE\n"
		"process B: open O_RDONLY, mmap MAP_PRIVATE PROT_WRITE|PROT_READ\n"
		"cpu 0: A touch 15\n"
		"cpu 0: A store 3 \"ab\"\n"
		"cpu 0: A write 2 \"12345678\"\n"
		"cpu 0: B read 1\n"
		"cpu 0: B mmap MAP_PRIVATE PROT_WRITE\n"
		"cpu 0: B.1 store 0 \"z\"\n"
		"cpu 0: A mmap MAP_SHARED PROT_READ\n");
	const struct scn_op *ops;

	if (!scn)
		return;
	ops = scn->cpus[0].ops;
	tap_ok(ops[0].kind == SCN_OP_TOUCH && ops[0].proc == 0 && ops[0].map == 0 && ops[0].page == 15 &&
	       ops[0].line == 6, "scn-3.1", "touch: page beyond i_size is legal (SIGBUS at run time)");
	tap_ok(ops[1].kind == SCN_OP_STORE && ops[1].page == 3 && ops[1].len == 2 &&
	       memcmp(ops[1].data, "ab\0\0\0\0\0\0", 8) == 0, "scn-3.2", "store: bytes, zero-padded");
	tap_ok(ops[2].kind == SCN_OP_WRITE && ops[2].page == 2 && ops[2].len == 8 &&
	       memcmp(ops[2].data, "12345678", 8) == 0, "scn-3.3", "write: a whole page");
	tap_ok(ops[3].kind == SCN_OP_READ && ops[3].proc == 1 && ops[3].page == 1, "scn-3.4", "read");
	tap_ok(ops[4].kind == SCN_OP_MMAP && !ops[4].mmap.shared && !ops[4].mmap.prot_read &&
	       ops[4].mmap.prot_write && ops[4].mmap.line == 10, "scn-3.5",
	       "mmap: MAP_PRIVATE PROT_WRITE of an O_RDONLY fd is allowed (copy on write)");
	tap_ok(ops[5].kind == SCN_OP_STORE && ops[5].proc == 1 && ops[5].map == 1, "scn-3.6",
	       "B.1 is valid: one mapping on the process line, one from 'B mmap'");
	tap_ok(scn->procs[1].maps[0].prot_read && scn->procs[1].maps[0].prot_write, "scn-3.7",
	       "PROT_WRITE|PROT_READ in either order");
	tap_ok(ops[6].kind == SCN_OP_MMAP && ops[6].mmap.shared && ops[6].mmap.prot_read &&
	       !ops[6].mmap.prot_write, "scn-3.8", "mmap MAP_SHARED PROT_READ");
	scenario_free(scn);

	scn = parse_ok("scn-3.9", "title: t\nflash: 1 block\nfile: 1 page\n"
		       "process A: open O_RDWR, mmap MAP_PRIVATE PROT_READ\n"
		       "cpu 1: A.1 store 0 \"x\"\ncpu 0: A mmap MAP_SHARED PROT_READ\n");
	if (!scn)
		return;
	tap_ok(scn->ncpus == 2 && scn->cpus[1].ops[0].map == 1, "scn-3.10",
	       "a mapping made by an mmap op on a later line may be named earlier");
	scenario_free(scn);
}

/* ---- scn-3.11: process names longer than one letter (issue 15) ------------------------- */

static void test_names(void)
{
	struct scenario *scn = parse_ok("scn-3.11", "title: t\nflash: 2 blocks\nfile: 2 pages\n"
		"process reader1: open O_RDONLY, mmap MAP_SHARED PROT_READ, mmap MAP_PRIVATE PROT_READ\n"
		"process w_2: open O_RDWR\n"
		"process Reader1: open O_RDONLY, mmap MAP_SHARED PROT_READ\n"
		"cpu 0: reader1.1 touch 1\ncpu 1: w_2 write 1 \"x\"\ncpu 2: Reader1 touch 0\n");
	char m[32];

	if (!scn)
		return;
	tap_ok(scn->nprocs == 3 && strcmp(scn->procs[0].name, "reader1") == 0 && strcmp(scn->procs[1].name, "w_2") == 0 &&
	       strcmp(scn->procs[2].name, "Reader1") == 0, "scn-3.12", "names of up to 8 letters, digits and '_'; case counts");
	tap_ok(scn->cpus[0].ops[0].proc == 0 && scn->cpus[0].ops[0].map == 1 && scn->cpus[2].ops[0].proc == 2,
	       "scn-3.13", "reader1.1 is reader1's second mapping; Reader1 is another process");
	tap_is_str(op_text(scn, 0, 0), "reader1.1 touch 1", "scn-3.14", "the op is said with the name");
	tap_is_str(scenario_map_name(scn, 0, 1, m, sizeof m), "reader1.1", "scn-3.15", "and so is the mapping");
	scenario_free(scn);
	parse_bad("scn-3.16", "title: t\nprocess rd: open O_RDWR\nprocess rd: open O_RDONLY\n",
		  "t.scn:3:9: process rd is declared twice (first on line 2)");
	parse_bad("scn-3.17", "title: t\nprocess rd: open O_RDWR\ncpu 0: rd.1x touch 0\n",
		  "t.scn:3:8: expected a process (A, reader2, ...) or one of its mappings (A.1, reader2.1, ...) "
		  "after 'cpu 0:', found 'rd.1x'");
	parse_bad("scn-3.18", "title: t\nprocess rd: open O_RDWR, mmap MAP_SHARED PROT_READ\ncpu 0: rd.1 write 0 \"x\"\n",
		  "t.scn:3:8: write(2) uses the file descriptor, not a mapping: say 'rd write', not 'rd.1 write'");
}

/* ---- scn-4: escapes ------------------------------------------------------------------------ */

static void test_escapes(void)
{
	struct scenario *scn = parse_ok("scn-4.0",
		"title: t\nflash: 2 blocks\nfile: 2 pages\n"
		"page 0: \"\\\\\\\"\\n\\t\\0\\x41\\xfF\\x7e\"\n"
		"page 1: \"\\0\"\n"
		"process A: open O_RDWR\ncpu 0: A read 0\n"
		"expect buggy: bug with \"a \\\"quoted\\\" \\x41\"\n");

	if (!scn)
		return;
	tap_ok(memcmp(scn->pages[0].data, "\\\"\n\t\0A\xff~", 8) == 0, "scn-4.1",
	       "\\\\ \\\" \\n \\t \\0 \\xHH (either case) decode to one byte each");
	tap_ok(!scn->pages[1].hole && memcmp(scn->pages[1].data, "\0\0\0\0\0\0\0\0", 8) == 0, "scn-4.2",
	       "a page of one \\0 byte is data, not a hole");
	tap_is_str(scn->expect[XIP_BUGGY].schedule, "a \"quoted\" A", "scn-4.3", "escapes in a schedule");
	scenario_free(scn);
	parse_bad("scn-4.4", "title: t\nfile: 1 page\npage 0: \"a\\\"",
		  "t.scn:3:9: unterminated string (no closing '\"' on this line)");
	parse_bad("scn-4.5", "title: t\nfile: 1 page\npage 0: \"a\\x4\"",
		  "t.scn:3:11: \\x needs two hex digits (as in \\x41), found '\\x4\"'");
	parse_bad("scn-4.6", "title: t\nfile: 1 page\npage 0: \"a\\\x01\"",
		  "t.scn:3:11: unknown escape (a backslash before byte 0x01) in a string "
		  "(known escapes: \\\\ \\\" \\n \\t \\0 \\xHH)");
}

/* ---- scn-5: printing ops back -------------------------------------------------------------- */

static void test_round_trip(void)
{
	static const char *const lines[] = {
		"A touch 1", "C.1 touch 0", "A store 15 \"xy\"", "B write 1 \"NEWDATA!\"", "B read 1",
		"B mmap MAP_SHARED PROT_READ", "C mmap MAP_PRIVATE PROT_READ|PROT_WRITE",
		"C mmap MAP_PRIVATE PROT_WRITE", "C.3 store 0 \"\\\"\\\\\\x00\\x0A\\xFF~ \"",
	};
	char text[2048], buf[128], small[6], id[16];
	struct scenario *scn, *again;
	size_t n = sizeof lines / sizeof lines[0];
	int len;

	len = snprintf(text, sizeof text, "title: t\nflash: 2 blocks\nfile: 2 pages\n"
		       "process A: open O_RDWR, mmap MAP_SHARED PROT_READ\nprocess B: open O_RDWR\n"
		       "process C: open O_RDWR, mmap MAP_SHARED PROT_READ, mmap MAP_SHARED PROT_READ\n");
	for (size_t i = 0; i < n; i++)
		len += snprintf(text + len, sizeof text - (size_t)len, "cpu 0: %s\n", lines[i]);
	if (!(scn = parse_ok("scn-5.0", text)))
		return;
	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof id, "scn-5.1.%zu", i + 1);
		tap_is_str(op_text(scn, 0, (int)i), lines[i], id, "prints as written: %s", lines[i]);
	}

	/* Print every op, parse the printout, compare the ops field by field. */
	len = snprintf(text, sizeof text, "title: t\nflash: 2 blocks\nfile: 2 pages\n"
		       "process A: open O_RDWR, mmap MAP_SHARED PROT_READ\nprocess B: open O_RDWR\n"
		       "process C: open O_RDWR, mmap MAP_SHARED PROT_READ, mmap MAP_SHARED PROT_READ\n");
	for (int i = 0; i < scn->cpus[0].nops; i++)
		len += snprintf(text + len, sizeof text - (size_t)len, "cpu 0: %s\n", op_text(scn, 0, i));
	if ((again = parse_ok("scn-5.2", text))) {
		int same = again->cpus[0].nops == scn->cpus[0].nops;

		for (int i = 0; same && i < scn->cpus[0].nops; i++) {
			const struct scn_op *a = &scn->cpus[0].ops[i], *b = &again->cpus[0].ops[i];

			same = a->kind == b->kind && a->proc == b->proc && a->map == b->map && a->page == b->page &&
			       a->len == b->len && memcmp(a->data, b->data, sizeof a->data) == 0 &&
			       a->mmap.shared == b->mmap.shared && a->mmap.prot_read == b->mmap.prot_read &&
			       a->mmap.prot_write == b->mmap.prot_write;
		}
		tap_ok(same, "scn-5.2", "parse(print(op)) gives the same ops");
		scenario_free(again);
	}
	tap_is_str(scenario_map_name(scn, 2, 0, buf, sizeof buf), "C", "scn-5.3", "map 0 is named by the letter");
	tap_is_str(scenario_map_name(scn, 2, 1, buf, sizeof buf), "C.1", "scn-5.4", "map 1 is C.1");
	tap_is_str(scenario_op_text(scn, &scn->cpus[0].ops[3], small, sizeof small), "B wri", "scn-5.5",
		   "a short buffer truncates, NUL-terminated");
	scenario_free(scn);
}

/* ---- scn-6: the hash ---------------------------------------------------------------------------- */

static void test_hash(void)
{
	char *cause, *copy = xstrdup(example);
	struct scenario *a = parse("one/x.scn", example, &cause), *b;

	strstr(copy, "title: A")[7] = 'B'; /* "title: B read fault ..." */
	b = parse("other.scn", example, &cause);
	if (a && b) {
		tap_ok(a->hash == EXAMPLE_HASH, "scn-6.1", "FNV-1a 64 of the text: %016llx",
		       (unsigned long long)a->hash);
		tap_ok(a->hash == b->hash, "scn-6.2", "the hash depends on the text only, not the path");
		tap_is_str(a->name, "x", "scn-6.3", "name drops the directory");
	}
	scenario_free(b);
	b = parse("x", copy, &cause);
	tap_ok(a && b && a->hash != b->hash, "scn-6.4", "one changed byte gives another hash");
	scenario_free(b);
	scenario_free(a);
	free(copy);
	parse_bad("scn-6.5", "", "t.scn:1:1: empty scenario (expected at least title:, flash:, file: and a cpu line)");
	/* the published FNV-1a 64 test vectors (Fowler, Noll, Vo), and chaining */
	tap_ok(util_fnv1a(UTIL_FNV1A_INIT, "", 0) == 0xcbf29ce484222325ull &&
		       util_fnv1a(UTIL_FNV1A_INIT, "a", 1) == 0xaf63dc4c8601ec8cull &&
		       util_fnv1a(UTIL_FNV1A_INIT, "foobar", 6) == 0x85944171f73967e8ull &&
		       util_fnv1a(util_fnv1a(UTIL_FNV1A_INIT, "foo", 3), "bar", 3) == 0x85944171f73967e8ull,
	       "scn-6.6", "util_fnv1a gives the published vectors, and hashing in pieces equals hashing at once");
}

/* ---- scn-7: loading files -------------------------------------------------------------------------- */

static char *write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		fatal("cannot write %s", path);
	return path;
}

static void load_bad(const char *id, const char *path, const char *suffix, const char *what)
{
	struct scenario *scn = NULL;
	char *cause = NULL, *want = xasprintf("%s%s", path, suffix);

	if (scenario_load(path, &scn, &cause) == 0)
		tap_ok(0, id, "%s: loads, but should not", what);
	else
		tap_is_str(cause, want, id, "%s", what);
	tap_ok(!scn, id, "... and *out is NULL");
	scenario_free(scn);
	free(cause);
	free(want);
}

static void test_load(void)
{
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *dir = xasprintf("%s/scenario_test.XXXXXX", tmp), *paths[5], *big, *cause = NULL;
	static const char nul[] = "title: t\nflash: 1 bl\0ck\n";
	struct scenario *scn = NULL;
	size_t bign = 1024 * 1024 + 1;

	if (!mkdtemp(dir)) {
		tap_skip("scn-7", "no temporary directory");
		free(dir);
		return;
	}
	paths[0] = write_file(dir, "good.scn", example, strlen(example));
	if (scenario_load(paths[0], &scn, &cause) == 0) {
		tap_ok(strcmp(scn->name, "good") == 0 && strcmp(scn->path, paths[0]) == 0 &&
		       scn->hash == EXAMPLE_HASH, "scn-7.1", "load: path, name and hash as parsed");
	} else {
		tap_ok(0, "scn-7.1", "load: %s", cause);
	}
	scenario_free(scn);
	paths[1] = write_file(dir, "nul.scn", nul, sizeof nul - 1);
	load_bad("scn-7.2", paths[1], ":2:12: binary data (NUL byte) in a scenario", "a NUL byte");
	big = xmalloc(bign);
	memset(big, '#', bign);
	paths[2] = write_file(dir, "big.scn", big, bign);
	load_bad("scn-7.3", paths[2], ": too large (1048577 bytes; a scenario is at most 1 MiB)", "over 1 MiB");
	paths[3] = write_file(dir, "empty.scn", "", 0);
	load_bad("scn-7.4", paths[3], ":1:1: empty scenario (expected at least title:, flash:, file: and a "
		 "cpu line)", "an empty file");
	paths[4] = xasprintf("%s/missing.scn", dir);
	load_bad("scn-7.5", paths[4], ": No such file or directory", "a file that does not exist");
	load_bad("scn-7.6", dir, ": Is a directory", "a directory");
	for (int i = 0; i < 5; i++) {
		unlink(paths[i]);
		free(paths[i]);
	}
	rmdir(dir);
	free(dir);
	free(big);
	/* in a child: a crash there is a failure here, not the end of the test program */
	{
		pid_t pid = fork();
		int status = -1;
		if (pid == 0) {
			scenario_free(NULL);
			_exit(0);
		}
		tap_ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "scn-7.7", "scenario_free(NULL) is a no-op");
	}
}

/* ---- scn-8: the corpus of malformed scenarios ------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_bad_file(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file), *id, line[512], *cause = NULL, *want;
	struct scenario *scn = NULL;
	FILE *f = fopen(path, "r");
	size_t n;

	id = xasprintf("scn-8.%.*s", (int)(strlen(file) - 4), file);
	if (!f || !fgets(line, sizeof line, f) || strncmp(line, "# expect: ", 10) != 0) {
		tap_ok(0, id, "%s starts with '# expect: LINE:COL: message'", path);
	} else {
		n = strlen(line);
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		want = xasprintf("%s:%s", path, line + 10);
		if (scenario_load(path, &scn, &cause) == 0)
			tap_ok(0, id, "%s: parses, but should fail with %s", file, line + 10);
		else
			tap_is_str(cause, want, id, "%s", line + 10);
		scenario_free(scn);
		free(cause);
		free(want);
	}
	if (f)
		fclose(f);
	free(id);
	free(path);
}

static void test_corpus(void)
{
	const char *testdir = getenv("XS_TESTDIR") ? getenv("XS_TESTDIR") : "tests";
	char *dir = xasprintf("%s/bad-scenarios", testdir), **names = NULL;
	size_t n = 0, len;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!tap_ok(d != NULL, "scn-8.0", "the corpus directory %s can be read", dir)) {
		free(dir);
		return;
	}
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".scn") == 0) {
			names = xrealloc(names, (n + 1) * sizeof *names);
			names[n++] = xstrdup(e->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	tap_ok(n >= 25, "scn-8.0", "at least 25 malformed scenarios (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		check_bad_file(dir, names[i]);
		free(names[i]);
	}
	free(names);
	free(dir);
}

/* ---- scn-9: limits, at their edges ---------------------------------------------------------------------- */

static void test_limits(void)
{
	char text[4096 + 128];
	struct scenario *scn;
	int len;

	len = snprintf(text, sizeof text, "title: t\nflash: 64 blocks\nfile: 16 pages\nprocess A: open O_RDONLY\n");
	for (int i = 0; i < SCN_MAX_OPS; i++)
		len += snprintf(text + len, sizeof text - (size_t)len, "cpu 7: A read %d\n", i);
	for (int c = 0; c < 7; c++)
		len += snprintf(text + len, sizeof text - (size_t)len, "cpu %d: A read 0\n", c);
	if ((scn = parse_ok("scn-9.1", text))) {
		tap_ok(scn->flash_blocks == 64 && scn->file_pages == 16 && scn->ncpus == 8 &&
		       scn->cpus[7].nops == SCN_MAX_OPS, "scn-9.1", "64 blocks, 16 pages, 8 CPUs, 16 ops: all allowed");
		scenario_free(scn);
	}
	memset(text, 0, sizeof text);
	memcpy(text, "title: ", 7);
	memset(text + 7, 'x', 4096 - 7);
	strcpy(text + 4096, "\nflash: 1 block\nfile: 1 page\nprocess A: open O_RDONLY\ncpu 0: A read 0\n");
	if ((scn = parse_ok("scn-9.2", text))) {
		tap_is_int((long long)strlen(scn->title), 4096 - 7, "scn-9.2", "a line of exactly 4096 bytes is fine");
		scenario_free(scn);
	}
	text[4096] = 'x';
	parse_bad("scn-9.3", text, "t.scn:1:4097: line too long (more than 4096 bytes)");
}

/* ---- scn-10: the example in docs/scenarios.md ------------------------------------------------------------ */

/* The first ``` block of the file at path, NUL-terminated (NULL if there is none). */
static char *first_code_block(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024], *out = NULL;
	size_t len = 0, n;
	int in = 0;

	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, "```", 3) == 0) {
			if (in)
				break;
			in = 1;
			out = xstrdup("");
			continue;
		}
		if (!in)
			continue;
		n = strlen(line);
		out = xrealloc(out, len + n + 1);
		memcpy(out + len, line, n + 1);
		len += n;
	}
	if (f)
		fclose(f);
	return out;
}

static void test_docs_example(void)
{
	const char *srcdir = getenv("XS_SRCDIR") ? getenv("XS_SRCDIR") : ".";
	char *path = xasprintf("%s/docs/scenarios.md", srcdir), *text = first_code_block(path), *cause;
	struct scenario *doc = NULL, *ex = NULL;
	int same;

	if (!text) {
		tap_ok(0, "scn-10.1", "%s has a code block", path);
		free(path);
		return;
	}
	doc = parse(path, text, &cause);
	if (!tap_ok(doc != NULL, "scn-10.1", "the annotated example in docs/scenarios.md parses"))
		tap_diag("%s", cause), free(cause);
	ex = parse("t.scn", example, &cause);
	if (doc && ex) {
		same = strcmp(doc->title, ex->title) == 0 && strcmp(doc->explain, ex->explain) == 0 &&
		       doc->ncpus == ex->ncpus && doc->nprocs == ex->nprocs &&
		       memcmp(doc->pages, ex->pages, sizeof doc->pages) == 0;
		for (int c = 0; same && c < ex->ncpus; c++)
			for (int i = 0; same && i < ex->cpus[c].nops; i++) {
				char want[128];

				strcpy(want, op_text(ex, c, i));
				same = doc->cpus[c].nops == ex->cpus[c].nops && strcmp(op_text(doc, c, i), want) == 0;
			}
		tap_ok(same, "scn-10.2", "... and means the same as the test's example (comments aside)");
	}
	scenario_free(doc);
	scenario_free(ex);
	free(text);
	free(path);
}

int main(void)
{
	test_example();
	test_defaults();
	test_ops();
	test_names();
	test_escapes();
	test_round_trip();
	test_hash();
	test_load();
	test_corpus();
	test_limits();
	test_docs_example();
	return tap_done();
}
