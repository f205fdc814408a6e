/*
 * scenario.c - the scenario file parser (the format: docs/scenarios.md).
 *
 * Central structure: struct parser (scenario-int.h), which walks the text
 * one line at a time.  For each line it knows where the content ends (the
 * newline, or a '#' outside a quoted string) and keeps a cursor; a small
 * tokenizer (scenario_lex.c) hands out words, ':' and ',' and strings
 * (decoded as they are read).  One function per directive, here, fills
 * struct scenario.  What needs the whole file
 * is checked once at the end: the required directives, CPUs without
 * operations, mapping numbers (an "A mmap" op anywhere makes "A.1" valid),
 * and data pages that must fit in flash.
 *
 * Invariants:
 *  - Every user error goes through scn_perr(): exactly one message
 *    "PATH:LINE:COL: ..." in *cause and -1.  The first error ends the parse
 *    and the half-built scenario is freed; nothing here aborts on input.
 *  - Columns count bytes from 1 (a tab is one column).
 *  - P->str holds the last string token, decoded; it is never NUL-terminated
 *    (strings may contain \0).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario-int.h"

static const char *const fault_names[] = { "sparse-alloc-fails", "flash-full" };
static const char *const mode_names[] = { "O_RDONLY", "O_WRONLY", "O_RDWR" };
static const char *const op_names[] = { "touch", "store", "write", "read", "mmap", "truncate" };

/* ---- directives ------------------------------------------------------------- */

/* A once-only directive: remember its line, or complain about the second one. */
static int once(struct parser *P, int *seen, const struct tok *kw)
{
	if (*seen)
		return scn_perr(P, kw->col, "'%.*s:' is given twice (first on line %d)", kw->n, kw->s, *seen);
	*seen = P->lineno;
	return 0;
}

/* The rest of the line, trimmed, as [*s, *s + *n). */
static void rest_of_line(struct parser *P, const char **s, size_t *n)
{
	const char *e = P->end;

	while (P->p < e && scn_is_space(*P->p))
		P->p++;
	while (e > P->p && scn_is_space(e[-1]))
		e--;
	*s = P->p;
	*n = (size_t)(e - P->p);
	P->p = P->end;
}

static void explain_add(struct parser *P, const char *s, size_t n)
{
	if (n == 0)
		return;
	P->explain = xrealloc(P->explain, P->explain_len + n + 2);
	if (P->explain_len)
		P->explain[P->explain_len++] = ' ';
	memcpy(P->explain + P->explain_len, s, n);
	P->explain_len += n;
	P->explain[P->explain_len] = 0;
}

static int explain_end(struct parser *P)
{
	P->in_explain = 0;
	if (P->explain_len == 0)
		return scn_perr_at(P, P->explain_line, P->explain_col,
			       "explain: has no text (write it after the colon or on indented lines below)");
	return 0;
}

static int d_title(struct parser *P, const struct tok *kw)
{
	const char *s;
	size_t n;

	if (once(P, &P->title_line, kw) < 0 || scn_want_punct(P, ':') < 0)
		return -1;
	rest_of_line(P, &s, &n);
	if (n == 0)
		return scn_perr(P, scn_col_of(P, s), "expected the title after 'title:', found end of line");
	P->scn->title = scn_dup_n(s, n);
	return 0;
}

static int d_explain(struct parser *P, const struct tok *kw)
{
	const char *s;
	size_t n;

	if (once(P, &P->explain_line, kw) < 0 || scn_want_punct(P, ':') < 0)
		return -1;
	rest_of_line(P, &s, &n);
	P->explain_col = scn_col_of(P, s);
	explain_add(P, s, n);
	P->in_explain = 1;
	return 0;
}

static int d_version(struct parser *P, const struct tok *kw)
{
	struct tok t;
	int v;

	if (once(P, &P->version_line, kw) < 0 || scn_want_punct(P, ':') < 0 || scn_next_tok(P, &t) < 0)
		return -1;
	if ((v = scn_tok_parse(&t, xip_version_parse)) < 0)
		return scn_bad_choice(P, &t, "version", "buggy, fixed, later or final");
	P->scn->default_version = (enum xip_version)v;
	return scn_want_eol(P);
}

/* "flash: N blocks" and "file: N pages": N == 1 may drop the plural 's' of unit. */
static int count_line(struct parser *P, const struct tok *kw, int *seen, const char *what,
		      int max, const char *unit, int *out, int *col)
{
	struct tok t, u;
	int ulen = (int)strlen(unit);
	char want[40];

	if (once(P, seen, kw) < 0 || scn_want_punct(P, ':') < 0 || scn_read_int(P, what, 1, max, out, &t) < 0 ||
	    scn_next_tok(P, &u) < 0)
		return -1;
	*col = t.col;
	if (scn_tok_is(&u, unit) || (*out == 1 && u.kind == TOK_WORD && u.n == ulen - 1 &&
				  memcmp(u.s, unit, (size_t)u.n) == 0))
		return scn_want_eol(P);
	if (*out == 1)
		snprintf(want, sizeof want, "'%.*s' or '%s'", ulen - 1, unit, unit);
	else
		snprintf(want, sizeof want, "'%s'", unit);
	return scn_expected(P, &u, want);
}

static int d_flash(struct parser *P, const struct tok *kw)
{
	return count_line(P, kw, &P->flash_line, "the number of flash blocks", SCN_MAX_BLOCKS,
			  "blocks", &P->scn->flash_blocks, &P->flash_col);
}

static int d_file(struct parser *P, const struct tok *kw)
{
	int col;

	return count_line(P, kw, &P->file_line, "the number of file pages", SCN_MAX_PAGES,
			  "pages", &P->scn->file_pages, &col);
}

static int d_page(struct parser *P, const struct tok *kw)
{
	struct scn_page *pg;
	struct tok t;
	int n = P->scn->file_pages, len;
	long i;

	if (!P->file_line)
		return scn_perr(P, kw->col, "'page' before 'file:' (say how many pages the file has first, "
			    "as in 'file: 2 pages')");
	if (scn_read_number(P, "the page number", &i, &t) < 0)
		return -1;
	if (i >= n && n == 1)
		return scn_perr(P, t.col, "page %.*s is beyond the file: 'file: 1 page' on line %d gives only "
			    "page 0", t.n, t.s, P->file_line);
	if (i >= n)
		return scn_perr(P, t.col, "page %.*s is beyond the file: 'file: %d pages' on line %d gives "
			    "pages 0 to %d", t.n, t.s, n, P->file_line, n - 1);
	if (P->page_line[i])
		return scn_perr(P, t.col, "page %ld is given twice (first on line %d)", i, P->page_line[i]);
	P->page_line[i] = P->lineno;
	pg = &P->scn->pages[i];
	if (scn_want_punct(P, ':') < 0 || scn_next_tok(P, &t) < 0)
		return -1;
	if (t.kind == TOK_STRING) {
		if (scn_take_bytes(P, &t, pg->data, &len) < 0)
			return -1;
		pg->hole = 0;
	} else if (!scn_tok_is(&t, "hole")) {
		return scn_expected(P, &t, "the bytes in double quotes or 'hole'");
	}
	return scn_want_eol(P);
}

static int d_fault(struct parser *P, const struct tok *kw)
{
	struct tok t;
	int f;

	if (scn_want_punct(P, ':') < 0 || scn_next_tok(P, &t) < 0)
		return -1;
	if ((f = scn_tok_lookup(&t, fault_names, 2)) < 0)
		return scn_bad_choice(P, &t, "fault", "sparse-alloc-fails or flash-full");
	if (P->fault_line[f])
		return scn_perr(P, t.col, "fault %s is given twice (first on line %d)", fault_names[f],
			    P->fault_line[f]);
	P->fault_line[f] = P->lineno;
	if (f == 0)
		P->scn->fault_sparse_alloc = 1;
	else
		P->scn->fault_flash_full = 1;
	return scn_want_eol(P);
}

/* "FLAGS PROT" after the word mmap (at column mcol) for process proc. */
static int read_map(struct parser *P, const struct scn_process *proc, int mcol, struct scn_map *m)
{
	struct tok t;
	const char *part, *e;

	if (scn_next_tok(P, &t) < 0)
		return -1;
	if (!scn_tok_is(&t, "MAP_SHARED") && !scn_tok_is(&t, "MAP_PRIVATE"))
		return scn_bad_choice(P, &t, "mmap flag", "MAP_SHARED or MAP_PRIVATE");
	memset(m, 0, sizeof *m);
	m->shared = scn_tok_is(&t, "MAP_SHARED");
	m->line = P->lineno;
	if (scn_next_tok(P, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD)
		return scn_expected(P, &t, "PROT_READ, PROT_WRITE or PROT_READ|PROT_WRITE");
	for (part = t.s;; part = e + 1) { /* PROT_READ|PROT_WRITE: each part must be known */
		struct tok p = { TOK_WORD, part, 0, scn_col_of(P, part) };

		e = memchr(part, '|', (size_t)(t.s + t.n - part));
		e = e ? e : t.s + t.n;
		p.n = (int)(e - part);
		if (scn_tok_is(&p, "PROT_READ"))
			m->prot_read = 1;
		else if (scn_tok_is(&p, "PROT_WRITE"))
			m->prot_write = 1;
		else if (p.n == 0)
			return scn_perr(P, t.col, "expected PROT_READ or PROT_WRITE on both sides of '|', found %s",
				    scn_quote(P, &t, 0));
		else if (!scn_tok_is(&p, "PROT_NONE"))
			return scn_perr(P, p.col, "unknown protection %s (expected PROT_READ, PROT_WRITE or "
				    "PROT_READ|PROT_WRITE)", scn_quote(P, &p, 0));
		if (e == t.s + t.n)
			break;
	}
	if (!m->prot_read && !m->prot_write)
		return scn_perr(P, t.col, "PROT_NONE mappings are not simulated (use PROT_READ, PROT_WRITE "
			    "or PROT_READ|PROT_WRITE)");
	if (proc->mode == SCN_O_WRONLY)
		return scn_perr(P, mcol, "mmap would fail with EACCES: mmap needs a readable descriptor, "
			    "but process %s opened the file O_WRONLY", proc->name);
	if (proc->mode == SCN_O_RDONLY && m->shared && m->prot_write)
		return scn_perr(P, mcol, "mmap would fail with EACCES: MAP_SHARED with PROT_WRITE needs a "
			    "descriptor opened for writing, but process %s opened the file O_RDONLY", proc->name);
	return 0;
}

static int d_process(struct parser *P, const struct tok *kw)
{
	struct scenario *scn = P->scn;
	struct scn_process *proc;
	struct tok t;
	int mode;

	if (scn_next_tok(P, &t) < 0)
		return -1;
	_Static_assert(SCN_MAX_NAME == 8, "the message below says 8");
	if (t.kind != TOK_WORD || !scn_is_name(t.s, t.n))
		return scn_expected(P, &t, "a process name (a letter, then letters, digits or '_': at most "
				    "8 in all, as A or reader2)");
	for (int i = 0; i < scn->nprocs; i++)
		if (strlen(scn->procs[i].name) == (size_t)t.n && memcmp(scn->procs[i].name, t.s, (size_t)t.n) == 0)
			return scn_perr(P, t.col, "process %s is declared twice (first on line %d)", scn->procs[i].name,
				    scn->procs[i].line);
	if (scn->nprocs == SCN_MAX_PROCS)
		return scn_perr(P, t.col, "too many processes (at most %d)", SCN_MAX_PROCS);
	proc = &scn->procs[scn->nprocs];
	memcpy(proc->name, t.s, (size_t)t.n);
	proc->name[t.n] = 0;
	proc->line = P->lineno;
	if (scn_want_punct(P, ':') < 0 || scn_next_tok(P, &t) < 0)
		return -1;
	if (!scn_tok_is(&t, "open"))
		return scn_expected(P, &t, "'open O_RDONLY', 'open O_WRONLY' or 'open O_RDWR'");
	if (scn_next_tok(P, &t) < 0)
		return -1;
	if ((mode = scn_tok_lookup(&t, mode_names, 3)) < 0)
		return scn_bad_choice(P, &t, "open mode", "O_RDONLY, O_WRONLY or O_RDWR");
	proc->mode = (enum scn_open_mode)mode;
	scn->nprocs++;
	for (;;) {
		if (scn_next_tok(P, &t) < 0)
			return -1;
		if (t.kind == TOK_EOL)
			return 0;
		if (t.kind != TOK_PUNCT || *t.s != ',')
			return scn_expected(P, &t, "',' or end of line");
		if (scn_next_tok(P, &t) < 0)
			return -1;
		if (!scn_tok_is(&t, "mmap"))
			return scn_expected(P, &t, "'mmap FLAGS PROT'");
		if (proc->nmaps == SCN_MAX_MAPS)
			return scn_perr(P, t.col, "too many mappings for process %s (at most %d)", proc->name,
				    SCN_MAX_MAPS);
		if (read_map(P, proc, t.col, &proc->maps[proc->nmaps]) < 0)
			return -1;
		proc->nmaps++;
	}
}

/* A process name: a letter, then letters, digits or '_', at most SCN_MAX_NAME. */
int scn_is_name(const char *s, int n)
{
	if (n < 1 || n > SCN_MAX_NAME)
		return 0;
	for (int i = 0; i < n; i++) {
		int letter = (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z');
		if (!letter && (i == 0 || !((s[i] >= '0' && s[i] <= '9') || s[i] == '_')))
			return 0;
	}
	return 1;
}

/* "X" or "X.K": the process (declared) and the mapping number. */
int scn_read_who(struct parser *P, struct tok *t, int *proc, int *map)
{
	struct scenario *scn = P->scn;
	const char *dot;
	int n;

	if (scn_next_tok(P, t) < 0)
		return -1;
	*map = 0;
	dot = memchr(t->s, '.', (size_t)t->n);
	n = dot ? (int)(dot - t->s) : t->n;
	if (t->kind != TOK_WORD || !scn_is_name(t->s, n) || (dot && !scn_all_digits(dot + 1, t->n - n - 1)))
		return scn_expected(P, t, "a process (A, reader2, ...) or one of its mappings (A.1, reader2.1, ...)");
	for (int i = n + 1; i < t->n; i++)
		if (*map < SCN_MAX_MAPS)
			*map = *map * 10 + (t->s[i] - '0');
	for (*proc = 0; *proc < scn->nprocs; ++*proc)
		if (strlen(scn->procs[*proc].name) == (size_t)n && memcmp(scn->procs[*proc].name, t->s, (size_t)n) == 0)
			return 0;
	return scn_perr(P, t->col, "process %.*s is not declared (add a 'process %.*s: open ...' line before "
		    "its first use)", n, t->s, n, t->s);
}

static int read_op(struct parser *P, struct scn_op *op)
{
	struct scn_process *proc;
	struct tok who, t;
	int kind, m;

	memset(op, 0, sizeof *op);
	op->line = P->lineno;
	if (scn_read_who(P, &who, &op->proc, &op->map) < 0 || scn_next_tok(P, &t) < 0)
		return -1;
	proc = &P->scn->procs[op->proc];
	if ((kind = scn_tok_lookup(&t, op_names, 6)) < 0)
		return scn_bad_choice(P, &t, "operation", "touch, store, write, read, mmap or truncate");
	op->kind = (enum scn_op_kind)kind;
	if (memchr(who.s, '.', (size_t)who.n) && kind != SCN_OP_TOUCH && kind != SCN_OP_STORE)
		return scn_perr(P, who.col, "%s(2) uses the file descriptor, not a mapping: say '%s %s', not "
			    "'%.*s %s'", kind == SCN_OP_TRUNCATE ? "ftruncate" : op_names[kind], proc->name, op_names[kind],
			    who.n, who.s, op_names[kind]);
	if (kind == SCN_OP_WRITE && proc->mode == SCN_O_RDONLY)
		return scn_perr(P, t.col, "write(2) would fail with EBADF: process %s opened the file O_RDONLY",
			    proc->name);
	if (kind == SCN_OP_READ && proc->mode == SCN_O_WRONLY)
		return scn_perr(P, t.col, "read(2) would fail with EBADF: process %s opened the file O_WRONLY",
			    proc->name);
	if (kind == SCN_OP_TRUNCATE && proc->mode == SCN_O_RDONLY)
		/* do_sys_ftruncate: a descriptor not open for writing gives EINVAL */
		return scn_perr(P, t.col, "ftruncate(2) would fail with EINVAL: process %s opened the file O_RDONLY",
			    proc->name);
	if (kind == SCN_OP_TRUNCATE) {
		if (scn_read_int(P, "the new size in bytes", 0, SCN_MAX_PAGES * SCN_PAGE_BYTES, &op->size, &t) < 0)
			return -1;
	} else if (kind == SCN_OP_MMAP) {
		m = P->mmap_ops[op->proc];
		if (proc->nmaps + m >= SCN_MAX_MAPS)
			return scn_perr(P, t.col, "too many mappings for process %s (at most %d: %d on its process "
				    "line, %d from mmap ops before this one)", proc->name, SCN_MAX_MAPS,
				    proc->nmaps, m);
		if (read_map(P, proc, t.col, &op->mmap) < 0)
			return -1;
		P->mmap_ops[op->proc]++;
	} else if (scn_read_int(P, "the page number", 0, SCN_MAX_PAGES - 1, &op->page, &t) < 0) {
		return -1;
	}
	if ((kind == SCN_OP_STORE || kind == SCN_OP_WRITE) &&
	    (scn_next_tok(P, &t) < 0 || scn_take_bytes(P, &t, op->data, &op->len) < 0))
		return -1;
	return scn_want_eol(P);
}

static int d_cpu(struct parser *P, const struct tok *kw)
{
	struct scenario *scn = P->scn;
	struct scn_cpu *c;
	struct tok t;
	int n = 0, col;

	if (scn_read_int(P, "the CPU number", 0, SCN_MAX_CPUS - 1, &n, &t) < 0 || scn_want_punct(P, ':') < 0)
		return -1;
	c = &scn->cpus[n];
	while (P->p < P->end && scn_is_space(*P->p))
		P->p++;
	col = scn_col_of(P, P->p);
	if (c->nops == SCN_MAX_OPS)
		return scn_perr(P, col, "too many operations for cpu %d (at most %d)", n, SCN_MAX_OPS);
	if (read_op(P, &c->ops[c->nops]) < 0)
		return -1;
	P->op_col[n][c->nops++] = col;
	if (n >= scn->ncpus)
		scn->ncpus = n + 1;
	return 0;
}

/*
 * "setup: OPERATION": the history the world starts from.  The operations
 * run one after another through the simulated kernel, on a run of their
 * own, before any CPU starts; no schedule can interleave with them.  They
 * use what the process lines declare: no mmap (a mapping made in the
 * setup is a mapping of the process line).
 */
static int d_setup(struct parser *P, const struct tok *kw)
{
	struct scn_cpu *c = &P->scn->setup;
	struct scn_op *op;
	int col;

	(void)kw;
	if (scn_want_punct(P, ':') < 0)
		return -1;
	while (P->p < P->end && scn_is_space(*P->p))
		P->p++;
	col = scn_col_of(P, P->p);
	if (c->nops == SCN_MAX_OPS)
		return scn_perr(P, col, "too many setup operations (at most %d)", SCN_MAX_OPS);
	op = &c->ops[c->nops];
	if (read_op(P, op) < 0)
		return -1;
	if (op->kind == SCN_OP_MMAP)
		return scn_perr(P, col, "a setup operation cannot be mmap (declare the mapping on process %s's line: "
			    "', mmap FLAGS PROT')", P->scn->procs[op->proc].name);
	if ((op->kind == SCN_OP_TOUCH || op->kind == SCN_OP_STORE) && op->map >= P->scn->procs[op->proc].nmaps) {
		char m[16];
		return scn_perr(P, col, "setup uses mapping %s, which process %s's line does not make (it makes %d; "
			    "the setup runs before any mmap op)", scenario_map_name(P->scn, op->proc, op->map, m, sizeof m),
			    P->scn->procs[op->proc].name, P->scn->procs[op->proc].nmaps);
	}
	c->nops++;
	return 0;
}

static const struct directive {
	const char *name;
	int (*parse)(struct parser *P, const struct tok *kw);
} directives[] = {
	{ "title", d_title }, { "explain", d_explain }, { "version", d_version },
	{ "flash", d_flash }, { "file", d_file }, { "page", d_page }, { "fault", d_fault },
	{ "process", d_process }, { "cpu", d_cpu }, { "setup", d_setup }, { "expect", scn_d_expect },
};

/* ---- lines and the whole file -------------------------------------------------- */

/* Set up [line, end) for the physical line [s, e): a comment ends it early. */
static void line_begin(struct parser *P, const char *s, const char *e)
{
	int in_str = 0;

	P->lineno++;
	P->line = P->p = s;
	P->end = e;
	P->comment = 0;
	P->prev.kind = P->cur.kind = TOK_EOL;
	for (const char *c = s; c < e; c++) {
		if (in_str && *c == '\\')
			c++;
		else if (*c == '"')
			in_str = !in_str;
		else if (*c == '#' && !in_str) {
			P->end = c;
			P->comment = 1;
			return;
		}
	}
}

static int parse_line(struct parser *P)
{
	const char *first = P->line;
	struct tok kw;

	while (first < P->end && scn_is_space(*first))
		first++;
	if (first == P->end) /* a blank line ends explain:, a comment line does not */
		return !P->comment && P->in_explain ? explain_end(P) : 0;
	if (first != P->line) {
		size_t n = (size_t)(P->end - first);

		while (n > 0 && scn_is_space(first[n - 1]))
			n--;
		if (!P->in_explain)
			return scn_perr(P, scn_col_of(P, first), "unexpected indented line (only explain: continues on "
				    "indented lines, and a blank line ends it)");
		explain_add(P, first, n);
		return 0;
	}
	if (P->in_explain && explain_end(P) < 0)
		return -1;
	P->ndirectives++;
	if (scn_next_tok(P, &kw) < 0)
		return -1;
	for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++)
		if (scn_tok_is(&kw, directives[i].name))
			return directives[i].parse(P, &kw);
	return scn_perr(P, kw.col, "unknown directive %s (expected one of: title, explain, version, flash, "
		    "file, page, fault, process, cpu, setup, expect)", scn_quote(P, &kw, 0));
}

static int check_maps(struct parser *P)
{
	const struct scenario *scn = P->scn;
	const struct scn_op *bad = NULL;
	int bad_col = 0;

	for (int c = 0; c < scn->ncpus; c++) {
		for (int i = 0; i < scn->cpus[c].nops; i++) {
			const struct scn_op *op = &scn->cpus[c].ops[i];
			int have = scn->procs[op->proc].nmaps + P->mmap_ops[op->proc];

			if ((op->kind == SCN_OP_TOUCH || op->kind == SCN_OP_STORE) && op->map >= have &&
			    (!bad || op->line < bad->line)) {
				bad = op;
				bad_col = P->op_col[c][i];
			}
		}
	}
	if (bad) {
		const struct scn_process *p = &scn->procs[bad->proc];
		int have = p->nmaps + P->mmap_ops[bad->proc];

		if (have == 0)
			return scn_perr_at(P, bad->line, bad_col, "process %s has no mapping of the file (add ', mmap "
				       "MAP_SHARED PROT_READ' to its process line, or use '%s mmap ...' on a "
				       "cpu line)", p->name, p->name);
		if (bad->map >= SCN_MAX_MAPS)
			return scn_perr_at(P, bad->line, bad_col, "a process has at most %d mappings (%s to %s.%d)",
				       SCN_MAX_MAPS, p->name, p->name, SCN_MAX_MAPS - 1);
		return scn_perr_at(P, bad->line, bad_col, "process %s has no mapping %s.%d: it has %d (%d on its "
			       "process line, %d from mmap ops)", p->name, p->name, bad->map, have, p->nmaps,
			       P->mmap_ops[bad->proc]);
	}
	return 0;
}

/* The checks that need the whole file; last is the number of the last line. */
static int parse_end(struct parser *P, int last)
{
	const struct scenario *scn = P->scn;
	int data = 0;

	if (P->in_explain && explain_end(P) < 0)
		return -1;
	if (P->ndirectives == 0)
		return scn_perr_at(P, last, 1, "empty scenario (expected at least title:, flash:, file: and a "
			       "cpu line)");
	if (!P->title_line)
		return scn_perr_at(P, last, 1, "missing title: (every scenario needs 'title: TEXT')");
	if (!P->flash_line)
		return scn_perr_at(P, last, 1, "missing flash: (say how many flash blocks there are, as in "
			       "'flash: 8 blocks')");
	if (!P->file_line)
		return scn_perr_at(P, last, 1, "missing file: (say how many pages the file has, as in "
			       "'file: 2 pages')");
	if (scn->ncpus == 0)
		return scn_perr_at(P, last, 1, "no cpu lines (give at least one, as in 'cpu 0: A touch 0')");
	for (int c = 0; c < scn->ncpus; c++)
		if (scn->cpus[c].nops == 0)
			return scn_perr_at(P, last, 1, "cpu %d has no operations, but cpu %d has (CPUs are "
				       "numbered from 0 without gaps)", c, scn->ncpus - 1);
	if (check_maps(P) < 0 || scn_expect_check(P) < 0)
		return -1;
	for (int i = 0; i < scn->file_pages; i++)
		data += !scn->pages[i].hole;
	if (data > scn->flash_blocks)
		return scn_perr_at(P, P->flash_line, P->flash_col, "%d flash block%s cannot hold the file's %d "
			       "pages of data (every page that is not a hole needs a block)",
			       scn->flash_blocks, scn->flash_blocks == 1 ? "" : "s", data);
	return 0;
}

static int parse_text(struct parser *P, const char *text, size_t len)
{
	const char *s = text, *e, *nul = memchr(text, 0, len);

	if (nul) {
		int line = 1;
		const char *bol = text;

		for (const char *c = text; c < nul; c++)
			if (*c == '\n')
				line++, bol = c + 1;
		return scn_perr_at(P, line, (int)(nul - bol) + 1, "binary data (NUL byte) in a scenario");
	}
	for (; s < text + len; s = e + 1) {
		const char *ce = s;

		/* a line ends at LF, CRLF or a lone CR (old Mac editors: B29, was "empty scenario") */
		while (ce < text + len && *ce != '\n' && *ce != '\r')
			ce++;
		e = ce < text + len - 1 && ce[0] == '\r' && ce[1] == '\n' ? ce + 1 : ce;
		line_begin(P, s, ce);
		if (ce - s > SCN_MAX_LINE)
			return scn_perr(P, SCN_MAX_LINE + 1, "line too long (more than %d bytes)", SCN_MAX_LINE);
		if (parse_line(P) < 0)
			return -1;
	}
	return parse_end(P, P->lineno ? P->lineno : 1);
}

int scenario_parse(const char *path, const char *text, size_t len,
		   struct scenario **out, char **cause)
{
	struct parser *P = xcalloc(1, sizeof *P);
	struct scenario *scn = xcalloc(1, sizeof *scn);
	const char *base;
	size_t n;
	int r;

	*out = NULL;
	P->path = path;
	P->scn = scn;
	P->cause = cause;
	scn->path = xstrdup(path);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	n = strlen(base);
	scn->name = scn_dup_n(base, n > 4 && strcmp(base + n - 4, ".scn") == 0 ? n - 4 : n);
	scn->text = scn_dup_n(text, len);
	scn->text_len = len;
	scn->hash = util_fnv1a(UTIL_FNV1A_INIT, text, len);
	scn->default_version = XIP_BUGGY;
	for (int i = 0; i < SCN_MAX_PAGES; i++)
		scn->pages[i].hole = 1;
	/* a UTF-8 byte order mark (some editors write one) is not text */
	if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
		r = parse_text(P, text + 3, len - 3);
	else
		r = parse_text(P, text, len);
	scn->explain = P->explain ? P->explain : xstrdup("");
	free(P);
	if (r < 0) {
		scenario_free(scn);
		return -1;
	}
	*out = scn;
	return 0;
}

/* The whole of f, up to SCN_MAX_FILE + 1 bytes; an errno value on error. */
static int read_all(FILE *f, size_t hint, char **buf, size_t *len)
{
	size_t cap = hint < 4096 ? 4096 : hint > SCN_MAX_FILE ? SCN_MAX_FILE + 1 : hint + 1, n;

	*buf = xmalloc(cap);
	*len = 0;
	for (;;) {
		n = fread(*buf + *len, 1, cap - *len, f);
		*len += n;
		if (ferror(f))
			return errno ? errno : EIO;
		if (*len < cap || *len > SCN_MAX_FILE)
			return 0;
		cap = cap * 2 > SCN_MAX_FILE + 1 ? SCN_MAX_FILE + 1 : cap * 2;
		*buf = xrealloc(*buf, cap);
	}
}

int scenario_load(const char *path, struct scenario **out, char **cause)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;
	size_t len, hint = 0;
	int err, r;

	*out = NULL;
	if (!f)
		return util_errf(cause, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		if (st.st_size > SCN_MAX_FILE) {
			fclose(f);
			return util_errf(cause, "%s: too large (%lld bytes; a scenario is at most 1 MiB)",
					 path, (long long)st.st_size);
		}
		hint = (size_t)st.st_size;
	}
	err = read_all(f, hint, &buf, &len);
	fclose(f);
	if (err)
		r = util_errf(cause, "%s: %s", path, strerror(err));
	else if (len > SCN_MAX_FILE) /* a pipe, or a file that grew */
		r = util_errf(cause, "%s: too large (more than %d bytes; a scenario is at most 1 MiB)",
			      path, SCN_MAX_FILE);
	else
		r = scenario_parse(path, buf, len, out, cause);
	free(buf);
	if (r == 0)
		(*out)->source = realpath(path, NULL);   /* its identity in the database, with its name and text */
	return r;
}

void scenario_free(struct scenario *scn)
{
	if (!scn)
		return;
	for (int v = 0; v < XIP_NVERSIONS; v++)
		free(scn->expect[v].schedule);
	for (int k = 0; k < scn->nwexpect; k++)
		free(scn->wexpect[k].schedule);
	free(scn->path);
	free(scn->name);
	free(scn->title);
	free(scn->explain);
	free(scn->text);
	free(scn->source);
	free(scn);
}

/* ---- printing ---------------------------------------------------------------------- */

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...) XS_PRINTF(2, 3);
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->pos >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	o->pos = n < 0 ? o->len : o->pos + (size_t)n;
}

char *scenario_map_name(const struct scenario *scn, int proc, int map, char *buf, size_t len)
{
	const char *name = scn && proc >= 0 && proc < scn->nprocs ? scn->procs[proc].name : "?";

	if (map == 0)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s.%d", name, map);
	return buf;
}

char *scenario_op_text(const struct scenario *scn, const struct scn_op *op, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char who[16];
	int bytes = op->kind == SCN_OP_STORE || op->kind == SCN_OP_WRITE;

	if (len)
		buf[0] = 0;
	if ((unsigned)op->kind > SCN_OP_TRUNCATE)
		return buf;
	scenario_map_name(scn, op->proc, bytes || op->kind == SCN_OP_TOUCH ? op->map : 0, who, sizeof who);
	put(&o, "%s %s", who, op_names[op->kind]);
	if (op->kind == SCN_OP_MMAP) {
		put(&o, " %s %s%s%s", op->mmap.shared ? "MAP_SHARED" : "MAP_PRIVATE",
		    op->mmap.prot_read ? "PROT_READ" : "", op->mmap.prot_read && op->mmap.prot_write ? "|" : "",
		    op->mmap.prot_write ? "PROT_WRITE" : op->mmap.prot_read ? "" : "PROT_NONE");
		return buf;
	}
	put(&o, " %d", op->kind == SCN_OP_TRUNCATE ? op->size : op->page);
	if (!bytes)
		return buf;
	put(&o, " \"");
	for (int i = 0; i < op->len && i < SCN_PAGE_BYTES; i++) {
		unsigned char c = op->data[i];

		if (c == '"' || c == '\\')
			put(&o, "\\%c", c);
		else if (c >= 0x20 && c <= 0x7e)
			put(&o, "%c", c);
		else
			put(&o, "\\x%02X", c);
	}
	put(&o, "\"");
	return buf;
}
