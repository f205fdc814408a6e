/*
 * scenario.c - the scenario file parser (the format: docs/scenarios.md).
 *
 * Central structure: struct parser, which walks the text one line at a
 * time.  For each line it knows where the content ends (the newline, or a
 * '#' outside a quoted string) and keeps a cursor; a small tokenizer hands
 * out words, ':' and ',' and strings (decoded as they are read).  One
 * function per directive fills struct scenario.  What needs the whole file
 * is checked once at the end: the required directives, CPUs without
 * operations, mapping numbers (an "A mmap" op anywhere makes "A.1" valid),
 * and data pages that must fit in flash.
 *
 * Invariants:
 *  - Every user error goes through perr(): exactly one message
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

#include "scenario.h"
#include "util.h"

#define SCN_MAX_LINE 4096          /* bytes in a line, without its newline */
#define SCN_MAX_FILE (1024 * 1024) /* bytes in a scenario file */
#define KNOWN_ESCAPES "\\\\ \\\" \\n \\t \\0 \\xHH"

enum tok_kind { TOK_EOL, TOK_WORD, TOK_PUNCT, TOK_STRING };

struct tok {
	enum tok_kind kind;
	const char *s; /* raw text in the line (a string with its quotes) */
	int n;
	int col;
};

struct parser {
	/* Fixed for the whole parse. */
	const char *path;
	struct scenario *scn;
	char **cause;
	/* The current line: content is [line, end), the cursor is p. */
	int lineno;
	const char *line, *end, *p;
	int comment;                     /* the line has a '#' comment */
	struct tok prev, cur;            /* the last two tokens read */
	unsigned char str[SCN_MAX_LINE]; /* the last string token, decoded */
	int str_len;
	char quoted[2][64];              /* token descriptions for a message */
	/* Where each once-only thing was given (line number, 0: not yet). */
	int ndirectives;
	int title_line, explain_line, version_line, flash_line, flash_col, file_line;
	int page_line[SCN_MAX_PAGES];
	int fault_line[2];
	/* The explain paragraph being gathered. */
	int in_explain, explain_col;
	char *explain;
	size_t explain_len;
	/* For the end-of-file checks. */
	int mmap_ops[SCN_MAX_PROCS];
	int op_col[SCN_MAX_CPUS][SCN_MAX_OPS];
};

static const char *const fault_names[] = { "sparse-alloc-fails", "flash-full" };
static const char *const mode_names[] = { "O_RDONLY", "O_WRONLY", "O_RDWR" };
static const char *const op_names[] = { "touch", "store", "write", "read", "mmap" };

/* ---- messages --------------------------------------------------------------- */

static int vperr(struct parser *P, int line, int col, const char *fmt, va_list ap) XS_PRINTF(4, 0);
static int vperr(struct parser *P, int line, int col, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);

	util_errf(P->cause, "%s:%d:%d: %s", P->path, line, col, msg);
	free(msg);
	return -1;
}

/* An error at column col of the current line. */
static int perr(struct parser *P, int col, const char *fmt, ...) XS_PRINTF(3, 4);
static int perr(struct parser *P, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(P, P->lineno, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error at another line (the end-of-file checks). */
static int perr_at(struct parser *P, int line, int col, const char *fmt, ...) XS_PRINTF(4, 5);
static int perr_at(struct parser *P, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(P, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* How a message shows a token: 'word', "string" or end of line (slot 0 or 1). */
static const char *q(struct parser *P, const struct tok *t, int slot)
{
	const char *mark = t->kind == TOK_STRING ? "" : "'";
	int n = t->n > 40 ? 40 : t->n;

	if (t->kind == TOK_EOL)
		return "end of line";
	snprintf(P->quoted[slot], sizeof P->quoted[slot], "%s%.*s%s%s", mark, n, t->s,
		 t->n > n ? "..." : "", mark);
	return P->quoted[slot];
}

/* "expected WHAT after <previous token>, found <t>"; after a ':', the line up to it. */
static int expected(struct parser *P, const struct tok *t, const char *what)
{
	struct tok before = P->prev;

	if (before.kind == TOK_PUNCT && *before.s == ':') {
		before.n = (int)(before.s - P->line) + 1;
		before.s = P->line;
	}
	return perr(P, t->col, "expected %s after %s, found %s", what, q(P, &before, 0), q(P, t, 1));
}

/* ---- tokens ----------------------------------------------------------------- */

static int is_space(int c)
{
	return c == ' ' || c == '\t';
}

static int col_of(const struct parser *P, const char *at)
{
	return (int)(at - P->line) + 1;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape at P->p (a backslash) of the string opened at `open`. */
static int read_escape(struct parser *P, const char *open, unsigned char *out)
{
	const char *bs = P->p;
	int hi, lo, n;

	if (bs + 1 >= P->end)
		return perr(P, col_of(P, open), "unterminated string (no closing '\"' on this line)");
	P->p = bs + 2;
	switch (bs[1]) {
	case '\\': *out = '\\'; return 0;
	case '"': *out = '"'; return 0;
	case 'n': *out = '\n'; return 0;
	case 't': *out = '\t'; return 0;
	case '0': *out = 0; return 0;
	case 'x':
		hi = bs + 2 < P->end ? hex_value(bs[2]) : -1;
		lo = bs + 3 < P->end ? hex_value(bs[3]) : -1;
		n = P->end - bs < 4 ? (int)(P->end - bs) : 4;
		if (hi < 0 || lo < 0)
			return perr(P, col_of(P, bs), "\\x needs two hex digits (as in \\x41), found '%.*s'", n, bs);
		*out = (unsigned char)(hi * 16 + lo);
		P->p = bs + 4;
		return 0;
	}
	if ((unsigned char)bs[1] < 0x20 || (unsigned char)bs[1] > 0x7e)
		return perr(P, col_of(P, bs), "unknown escape (a backslash before byte 0x%02X) in a string "
			    "(known escapes: %s)", (unsigned char)bs[1], KNOWN_ESCAPES);
	return perr(P, col_of(P, bs), "unknown escape '\\%c' in a string (known escapes: %s)", bs[1],
		    KNOWN_ESCAPES);
}

/* A quoted string at P->p, decoded into P->str. */
static int read_string(struct parser *P)
{
	const char *open = P->p++;
	unsigned char c = 0;

	P->str_len = 0;
	for (;;) {
		if (P->p >= P->end)
			return perr(P, col_of(P, open), "unterminated string (no closing '\"' on this line)");
		if (*P->p == '"') {
			P->p++;
			return 0;
		}
		if (*P->p == '\\') {
			if (read_escape(P, open, &c) < 0)
				return -1;
		} else {
			c = (unsigned char)*P->p++;
		}
		P->str[P->str_len++] = c;
	}
}

/* The next token of the line; -1 with a message when a string is malformed. */
static int next_tok(struct parser *P, struct tok *t)
{
	const char *at;

	while (P->p < P->end && is_space(*P->p))
		P->p++;
	at = P->p;
	t->s = at;
	t->col = col_of(P, at);
	if (at == P->end) {
		t->kind = TOK_EOL;
	} else if (*at == ':' || *at == ',') {
		t->kind = TOK_PUNCT;
		P->p++;
	} else if (*at == '"') {
		t->kind = TOK_STRING;
		if (read_string(P) < 0)
			return -1;
	} else {
		t->kind = TOK_WORD;
		while (P->p < P->end && !is_space(*P->p) && *P->p != ':' && *P->p != ',' && *P->p != '"')
			P->p++;
	}
	t->n = (int)(P->p - at);
	P->prev = P->cur;
	P->cur = *t;
	return 0;
}

static int tok_is(const struct tok *t, const char *word)
{
	return t->kind == TOK_WORD && (size_t)t->n == strlen(word) && memcmp(t->s, word, (size_t)t->n) == 0;
}

/* Index of the word t among names[0..n), or -1. */
static int tok_lookup(const struct tok *t, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (tok_is(t, names[i]))
			return i;
	return -1;
}

/* A name parsed by xip_version_parse or verdict_kind_parse: -1 when unknown. */
static int tok_parse(const struct tok *t, int (*parse)(const char *name))
{
	char name[16] = "";

	if (t->kind == TOK_WORD && t->n < (int)sizeof name)
		memcpy(name, t->s, (size_t)t->n);
	return parse(name);
}

/* "unknown WHAT 'x' (expected CHOICES)", or "expected CHOICES after ..." for a non-word. */
static int bad_choice(struct parser *P, const struct tok *t, const char *what, const char *choices)
{
	if (t->kind == TOK_WORD)
		return perr(P, t->col, "unknown %s %s (expected %s)", what, q(P, t, 0), choices);
	return expected(P, t, choices);
}

static int want_punct(struct parser *P, char c)
{
	struct tok t;
	char what[4] = { '\'', c, '\'', 0 };

	if (next_tok(P, &t) < 0)
		return -1;
	return t.kind == TOK_PUNCT && *t.s == c ? 0 : expected(P, &t, what);
}

static int want_eol(struct parser *P)
{
	struct tok t;

	if (next_tok(P, &t) < 0)
		return -1;
	return t.kind == TOK_EOL ? 0 : expected(P, &t, "end of line");
}

static int all_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* A decimal number, saturated above every limit (so no overflow); what names it. */
static int read_number(struct parser *P, const char *what, long *v, struct tok *t)
{
	if (next_tok(P, t) < 0)
		return -1;
	if (t->kind != TOK_WORD || !all_digits(t->s, t->n))
		return perr(P, t->col, "expected %s, found %s", what, q(P, t, 0));
	*v = 0;
	for (int i = 0; i < t->n; i++)
		if (*v < 100000000)
			*v = *v * 10 + (t->s[i] - '0');
	return 0;
}

/* A decimal number in lo..hi. */
static int read_int(struct parser *P, const char *what, int lo, int hi, int *out, struct tok *t)
{
	long v;

	if (read_number(P, what, &v, t) < 0)
		return -1;
	if (v < lo || v > hi)
		return perr(P, t->col, "%s must be between %d and %d, found %.*s", what, lo, hi, t->n, t->s);
	*out = (int)v;
	return 0;
}

/* The string token t as 1..SCN_PAGE_BYTES bytes, zero-padded into data. */
static int take_bytes(struct parser *P, const struct tok *t, unsigned char *data, int *len)
{
	if (t->kind != TOK_STRING)
		return expected(P, t, "the bytes in double quotes (as in \"ABC\")");
	if (P->str_len < 1 || P->str_len > SCN_PAGE_BYTES)
		return perr(P, t->col, "expected 1 to %d bytes (a page), but the string has %d",
			    SCN_PAGE_BYTES, P->str_len);
	memset(data, 0, SCN_PAGE_BYTES);
	memcpy(data, P->str, (size_t)P->str_len);
	*len = P->str_len;
	return 0;
}

static char *dup_n(const void *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

/* ---- directives ------------------------------------------------------------- */

/* A once-only directive: remember its line, or complain about the second one. */
static int once(struct parser *P, int *seen, const struct tok *kw)
{
	if (*seen)
		return perr(P, kw->col, "'%.*s:' is given twice (first on line %d)", kw->n, kw->s, *seen);
	*seen = P->lineno;
	return 0;
}

/* The rest of the line, trimmed, as [*s, *s + *n). */
static void rest_of_line(struct parser *P, const char **s, size_t *n)
{
	const char *e = P->end;

	while (P->p < e && is_space(*P->p))
		P->p++;
	while (e > P->p && is_space(e[-1]))
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
		return perr_at(P, P->explain_line, P->explain_col,
			       "explain: has no text (write it after the colon or on indented lines below)");
	return 0;
}

static int d_title(struct parser *P, const struct tok *kw)
{
	const char *s;
	size_t n;

	if (once(P, &P->title_line, kw) < 0 || want_punct(P, ':') < 0)
		return -1;
	rest_of_line(P, &s, &n);
	if (n == 0)
		return perr(P, col_of(P, s), "expected the title after 'title:', found end of line");
	P->scn->title = dup_n(s, n);
	return 0;
}

static int d_explain(struct parser *P, const struct tok *kw)
{
	const char *s;
	size_t n;

	if (once(P, &P->explain_line, kw) < 0 || want_punct(P, ':') < 0)
		return -1;
	rest_of_line(P, &s, &n);
	P->explain_col = col_of(P, s);
	explain_add(P, s, n);
	P->in_explain = 1;
	return 0;
}

static int d_version(struct parser *P, const struct tok *kw)
{
	struct tok t;
	int v;

	if (once(P, &P->version_line, kw) < 0 || want_punct(P, ':') < 0 || next_tok(P, &t) < 0)
		return -1;
	if ((v = tok_parse(&t, xip_version_parse)) < 0)
		return bad_choice(P, &t, "version", "buggy, fixed or later");
	P->scn->default_version = (enum xip_version)v;
	return want_eol(P);
}

/* "flash: N blocks" and "file: N pages": N == 1 may drop the plural 's' of unit. */
static int count_line(struct parser *P, const struct tok *kw, int *seen, const char *what,
		      int max, const char *unit, int *out, int *col)
{
	struct tok t, u;
	int ulen = (int)strlen(unit);
	char want[40];

	if (once(P, seen, kw) < 0 || want_punct(P, ':') < 0 || read_int(P, what, 1, max, out, &t) < 0 ||
	    next_tok(P, &u) < 0)
		return -1;
	*col = t.col;
	if (tok_is(&u, unit) || (*out == 1 && u.kind == TOK_WORD && u.n == ulen - 1 &&
				  memcmp(u.s, unit, (size_t)u.n) == 0))
		return want_eol(P);
	if (*out == 1)
		snprintf(want, sizeof want, "'%.*s' or '%s'", ulen - 1, unit, unit);
	else
		snprintf(want, sizeof want, "'%s'", unit);
	return expected(P, &u, want);
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
		return perr(P, kw->col, "'page' before 'file:' (say how many pages the file has first, "
			    "as in 'file: 2 pages')");
	if (read_number(P, "the page number", &i, &t) < 0)
		return -1;
	if (i >= n && n == 1)
		return perr(P, t.col, "page %.*s is beyond the file: 'file: 1 page' on line %d gives only "
			    "page 0", t.n, t.s, P->file_line);
	if (i >= n)
		return perr(P, t.col, "page %.*s is beyond the file: 'file: %d pages' on line %d gives "
			    "pages 0 to %d", t.n, t.s, n, P->file_line, n - 1);
	if (P->page_line[i])
		return perr(P, t.col, "page %ld is given twice (first on line %d)", i, P->page_line[i]);
	P->page_line[i] = P->lineno;
	pg = &P->scn->pages[i];
	if (want_punct(P, ':') < 0 || next_tok(P, &t) < 0)
		return -1;
	if (t.kind == TOK_STRING) {
		if (take_bytes(P, &t, pg->data, &len) < 0)
			return -1;
		pg->hole = 0;
	} else if (!tok_is(&t, "hole")) {
		return expected(P, &t, "the bytes in double quotes or 'hole'");
	}
	return want_eol(P);
}

static int d_fault(struct parser *P, const struct tok *kw)
{
	struct tok t;
	int f;

	if (want_punct(P, ':') < 0 || next_tok(P, &t) < 0)
		return -1;
	if ((f = tok_lookup(&t, fault_names, 2)) < 0)
		return bad_choice(P, &t, "fault", "sparse-alloc-fails or flash-full");
	if (P->fault_line[f])
		return perr(P, t.col, "fault %s is given twice (first on line %d)", fault_names[f],
			    P->fault_line[f]);
	P->fault_line[f] = P->lineno;
	if (f == 0)
		P->scn->fault_sparse_alloc = 1;
	else
		P->scn->fault_flash_full = 1;
	return want_eol(P);
}

/* "FLAGS PROT" after the word mmap (at column mcol) for process proc. */
static int read_map(struct parser *P, const struct scn_process *proc, int mcol, struct scn_map *m)
{
	struct tok t;
	const char *part, *e;

	if (next_tok(P, &t) < 0)
		return -1;
	if (!tok_is(&t, "MAP_SHARED") && !tok_is(&t, "MAP_PRIVATE"))
		return bad_choice(P, &t, "mmap flag", "MAP_SHARED or MAP_PRIVATE");
	memset(m, 0, sizeof *m);
	m->shared = tok_is(&t, "MAP_SHARED");
	m->line = P->lineno;
	if (next_tok(P, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD)
		return expected(P, &t, "PROT_READ, PROT_WRITE or PROT_READ|PROT_WRITE");
	for (part = t.s;; part = e + 1) { /* PROT_READ|PROT_WRITE: each part must be known */
		struct tok p = { TOK_WORD, part, 0, col_of(P, part) };

		e = memchr(part, '|', (size_t)(t.s + t.n - part));
		e = e ? e : t.s + t.n;
		p.n = (int)(e - part);
		if (tok_is(&p, "PROT_READ"))
			m->prot_read = 1;
		else if (tok_is(&p, "PROT_WRITE"))
			m->prot_write = 1;
		else if (p.n == 0)
			return perr(P, t.col, "expected PROT_READ or PROT_WRITE on both sides of '|', found %s",
				    q(P, &t, 0));
		else if (!tok_is(&p, "PROT_NONE"))
			return perr(P, p.col, "unknown protection %s (expected PROT_READ, PROT_WRITE or "
				    "PROT_READ|PROT_WRITE)", q(P, &p, 0));
		if (e == t.s + t.n)
			break;
	}
	if (!m->prot_read && !m->prot_write)
		return perr(P, t.col, "PROT_NONE mappings are not simulated (use PROT_READ, PROT_WRITE "
			    "or PROT_READ|PROT_WRITE)");
	if (proc->mode == SCN_O_WRONLY)
		return perr(P, mcol, "mmap would fail with EACCES: mmap needs a readable descriptor, "
			    "but process %c opened the file O_WRONLY", proc->name);
	if (proc->mode == SCN_O_RDONLY && m->shared && m->prot_write)
		return perr(P, mcol, "mmap would fail with EACCES: MAP_SHARED with PROT_WRITE needs a "
			    "descriptor opened for writing, but process %c opened the file O_RDONLY", proc->name);
	return 0;
}

static int d_process(struct parser *P, const struct tok *kw)
{
	struct scenario *scn = P->scn;
	struct scn_process *proc;
	struct tok t;
	int mode;

	if (next_tok(P, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD || t.n != 1 || *t.s < 'A' || *t.s >= 'A' + SCN_MAX_PROCS)
		return expected(P, &t, "a process name (one letter from A to H)");
	for (int i = 0; i < scn->nprocs; i++)
		if (scn->procs[i].name == *t.s)
			return perr(P, t.col, "process %c is declared twice (first on line %d)", *t.s,
				    scn->procs[i].line);
	proc = &scn->procs[scn->nprocs]; /* names are distinct letters A..H: there is room */
	proc->name = *t.s;
	proc->line = P->lineno;
	if (want_punct(P, ':') < 0 || next_tok(P, &t) < 0)
		return -1;
	if (!tok_is(&t, "open"))
		return expected(P, &t, "'open O_RDONLY', 'open O_WRONLY' or 'open O_RDWR'");
	if (next_tok(P, &t) < 0)
		return -1;
	if ((mode = tok_lookup(&t, mode_names, 3)) < 0)
		return bad_choice(P, &t, "open mode", "O_RDONLY, O_WRONLY or O_RDWR");
	proc->mode = (enum scn_open_mode)mode;
	scn->nprocs++;
	for (;;) {
		if (next_tok(P, &t) < 0)
			return -1;
		if (t.kind == TOK_EOL)
			return 0;
		if (t.kind != TOK_PUNCT || *t.s != ',')
			return expected(P, &t, "',' or end of line");
		if (next_tok(P, &t) < 0)
			return -1;
		if (!tok_is(&t, "mmap"))
			return expected(P, &t, "'mmap FLAGS PROT'");
		if (proc->nmaps == SCN_MAX_MAPS)
			return perr(P, t.col, "too many mappings for process %c (at most %d)", proc->name,
				    SCN_MAX_MAPS);
		if (read_map(P, proc, t.col, &proc->maps[proc->nmaps]) < 0)
			return -1;
		proc->nmaps++;
	}
}

/* "X" or "X.K": the process (declared) and the mapping number. */
static int read_who(struct parser *P, struct tok *t, int *proc, int *map)
{
	struct scenario *scn = P->scn;

	if (next_tok(P, t) < 0)
		return -1;
	*map = 0;
	if (t->kind != TOK_WORD || *t->s < 'A' || *t->s > 'Z' ||
	    (t->n > 1 && (t->s[1] != '.' || !all_digits(t->s + 2, t->n - 2))))
		return expected(P, t, "a process (A to H) or one of its mappings (A.1, A.2, ...)");
	for (int i = 2; i < t->n; i++)
		if (*map < SCN_MAX_MAPS)
			*map = *map * 10 + (t->s[i] - '0');
	for (*proc = 0; *proc < scn->nprocs; ++*proc)
		if (scn->procs[*proc].name == *t->s)
			return 0;
	return perr(P, t->col, "process %c is not declared (add a 'process %c: open ...' line before "
		    "its first use)", *t->s, *t->s);
}

static int read_op(struct parser *P, struct scn_op *op)
{
	struct scn_process *proc;
	struct tok who, t;
	int kind, m;

	memset(op, 0, sizeof *op);
	op->line = P->lineno;
	if (read_who(P, &who, &op->proc, &op->map) < 0 || next_tok(P, &t) < 0)
		return -1;
	proc = &P->scn->procs[op->proc];
	if ((kind = tok_lookup(&t, op_names, 5)) < 0)
		return bad_choice(P, &t, "operation", "touch, store, write, read or mmap");
	op->kind = (enum scn_op_kind)kind;
	if (who.n > 1 && kind != SCN_OP_TOUCH && kind != SCN_OP_STORE)
		return perr(P, who.col, "%s(2) uses the file descriptor, not a mapping: say '%c %s', not "
			    "'%.*s %s'", op_names[kind], proc->name, op_names[kind], who.n, who.s, op_names[kind]);
	if (kind == SCN_OP_WRITE && proc->mode == SCN_O_RDONLY)
		return perr(P, t.col, "write(2) would fail with EBADF: process %c opened the file O_RDONLY",
			    proc->name);
	if (kind == SCN_OP_READ && proc->mode == SCN_O_WRONLY)
		return perr(P, t.col, "read(2) would fail with EBADF: process %c opened the file O_WRONLY",
			    proc->name);
	if (kind == SCN_OP_MMAP) {
		m = P->mmap_ops[op->proc];
		if (proc->nmaps + m >= SCN_MAX_MAPS)
			return perr(P, t.col, "too many mappings for process %c (at most %d: %d on its process "
				    "line, %d from mmap ops before this one)", proc->name, SCN_MAX_MAPS,
				    proc->nmaps, m);
		if (read_map(P, proc, t.col, &op->mmap) < 0)
			return -1;
		P->mmap_ops[op->proc]++;
	} else if (read_int(P, "the page number", 0, SCN_MAX_PAGES - 1, &op->page, &t) < 0) {
		return -1;
	}
	if ((kind == SCN_OP_STORE || kind == SCN_OP_WRITE) &&
	    (next_tok(P, &t) < 0 || take_bytes(P, &t, op->data, &op->len) < 0))
		return -1;
	return want_eol(P);
}

static int d_cpu(struct parser *P, const struct tok *kw)
{
	struct scenario *scn = P->scn;
	struct scn_cpu *c;
	struct tok t;
	int n = 0, col;

	if (read_int(P, "the CPU number", 0, SCN_MAX_CPUS - 1, &n, &t) < 0 || want_punct(P, ':') < 0)
		return -1;
	c = &scn->cpus[n];
	while (P->p < P->end && is_space(*P->p))
		P->p++;
	col = col_of(P, P->p);
	if (c->nops == SCN_MAX_OPS)
		return perr(P, col, "too many operations for cpu %d (at most %d)", n, SCN_MAX_OPS);
	if (read_op(P, &c->ops[c->nops]) < 0)
		return -1;
	P->op_col[n][c->nops++] = col;
	if (n >= scn->ncpus)
		scn->ncpus = n + 1;
	return 0;
}

static int d_expect(struct parser *P, const struct tok *kw)
{
	struct scn_expect *e;
	struct tok t;
	int v;

	if (next_tok(P, &t) < 0)
		return -1;
	if ((v = tok_parse(&t, xip_version_parse)) < 0)
		return bad_choice(P, &t, "version", "buggy, fixed or later");
	e = &P->scn->expect[v];
	if (e->set)
		return perr(P, t.col, "a second expect for %s (the first is on line %d)",
			    xip_version_name((enum xip_version)v), e->line);
	if (want_punct(P, ':') < 0 || next_tok(P, &t) < 0)
		return -1;
	if ((v = tok_parse(&t, verdict_kind_parse)) < 0)
		return bad_choice(P, &t, "verdict", "ok, corruption, bug, deadlock, leak or step-limit");
	e->set = 1;
	e->verdict = (enum verdict_kind)v;
	e->line = P->lineno;
	if (next_tok(P, &t) < 0)
		return -1;
	if (t.kind == TOK_EOL)
		return 0;
	if (!tok_is(&t, "with"))
		return expected(P, &t, "'with \"SCHEDULE\"' or end of line");
	if (next_tok(P, &t) < 0)
		return -1;
	if (t.kind != TOK_STRING)
		return expected(P, &t, "the schedule in double quotes");
	if (P->str_len == 0)
		return perr(P, t.col, "empty schedule (leave out 'with \"\"' to mean the default schedule)");
	if (memchr(P->str, 0, (size_t)P->str_len))
		return perr(P, t.col, "a schedule cannot contain \\0");
	e->schedule = dup_n(P->str, (size_t)P->str_len);
	return want_eol(P);
}

static const struct directive {
	const char *name;
	int (*parse)(struct parser *P, const struct tok *kw);
} directives[] = {
	{ "title", d_title }, { "explain", d_explain }, { "version", d_version },
	{ "flash", d_flash }, { "file", d_file }, { "page", d_page }, { "fault", d_fault },
	{ "process", d_process }, { "cpu", d_cpu }, { "expect", d_expect },
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

	while (first < P->end && is_space(*first))
		first++;
	if (first == P->end) /* a blank line ends explain:, a comment line does not */
		return !P->comment && P->in_explain ? explain_end(P) : 0;
	if (first != P->line) {
		size_t n = (size_t)(P->end - first);

		while (n > 0 && is_space(first[n - 1]))
			n--;
		if (!P->in_explain)
			return perr(P, col_of(P, first), "unexpected indented line (only explain: continues on "
				    "indented lines, and a blank line ends it)");
		explain_add(P, first, n);
		return 0;
	}
	if (P->in_explain && explain_end(P) < 0)
		return -1;
	P->ndirectives++;
	if (next_tok(P, &kw) < 0)
		return -1;
	for (size_t i = 0; i < sizeof directives / sizeof directives[0]; i++)
		if (tok_is(&kw, directives[i].name))
			return directives[i].parse(P, &kw);
	return perr(P, kw.col, "unknown directive %s (expected one of: title, explain, version, flash, "
		    "file, page, fault, process, cpu, expect)", q(P, &kw, 0));
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
			return perr_at(P, bad->line, bad_col, "process %c has no mapping of the file (add ', mmap "
				       "MAP_SHARED PROT_READ' to its process line, or use '%c mmap ...' on a "
				       "cpu line)", p->name, p->name);
		if (bad->map >= SCN_MAX_MAPS)
			return perr_at(P, bad->line, bad_col, "a process has at most %d mappings (%c to %c.%d)",
				       SCN_MAX_MAPS, p->name, p->name, SCN_MAX_MAPS - 1);
		return perr_at(P, bad->line, bad_col, "process %c has no mapping %c.%d: it has %d (%d on its "
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
		return perr_at(P, last, 1, "empty scenario (expected at least title:, flash:, file: and a "
			       "cpu line)");
	if (!P->title_line)
		return perr_at(P, last, 1, "missing title: (every scenario needs 'title: TEXT')");
	if (!P->flash_line)
		return perr_at(P, last, 1, "missing flash: (say how many flash blocks there are, as in "
			       "'flash: 8 blocks')");
	if (!P->file_line)
		return perr_at(P, last, 1, "missing file: (say how many pages the file has, as in "
			       "'file: 2 pages')");
	if (scn->ncpus == 0)
		return perr_at(P, last, 1, "no cpu lines (give at least one, as in 'cpu 0: A touch 0')");
	for (int c = 0; c < scn->ncpus; c++)
		if (scn->cpus[c].nops == 0)
			return perr_at(P, last, 1, "cpu %d has no operations, but cpu %d has (CPUs are "
				       "numbered from 0 without gaps)", c, scn->ncpus - 1);
	if (check_maps(P) < 0)
		return -1;
	for (int i = 0; i < scn->file_pages; i++)
		data += !scn->pages[i].hole;
	if (data > scn->flash_blocks)
		return perr_at(P, P->flash_line, P->flash_col, "%d flash block%s cannot hold the file's %d "
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
		return perr_at(P, line, (int)(nul - bol) + 1, "binary data (NUL byte) in a scenario");
	}
	for (; s < text + len; s = e + 1) {
		const char *nl = memchr(s, '\n', (size_t)(text + len - s)), *ce;

		e = nl ? nl : text + len;
		ce = e > s && e[-1] == '\r' ? e - 1 : e; /* CRLF is fine */
		line_begin(P, s, ce);
		if (ce - s > SCN_MAX_LINE)
			return perr(P, SCN_MAX_LINE + 1, "line too long (more than %d bytes)", SCN_MAX_LINE);
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
	scn->name = dup_n(base, n > 4 && strcmp(base + n - 4, ".scn") == 0 ? n - 4 : n);
	scn->text = dup_n(text, len);
	scn->text_len = len;
	scn->hash = 14695981039346656037ULL;
	for (size_t i = 0; i < len; i++)
		scn->hash = (scn->hash ^ (unsigned char)text[i]) * 1099511628211ULL;
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
	return r;
}

void scenario_free(struct scenario *scn)
{
	if (!scn)
		return;
	for (int v = 0; v < XIP_NVERSIONS; v++)
		free(scn->expect[v].schedule);
	free(scn->path);
	free(scn->name);
	free(scn->title);
	free(scn->explain);
	free(scn->text);
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
	char name = scn && proc >= 0 && proc < scn->nprocs ? scn->procs[proc].name : '?';

	if (map == 0)
		snprintf(buf, len, "%c", name);
	else
		snprintf(buf, len, "%c.%d", name, map);
	return buf;
}

char *scenario_op_text(const struct scenario *scn, const struct scn_op *op, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	char who[16];
	int bytes = op->kind == SCN_OP_STORE || op->kind == SCN_OP_WRITE;

	if (len)
		buf[0] = 0;
	if ((unsigned)op->kind > SCN_OP_MMAP)
		return buf;
	scenario_map_name(scn, op->proc, bytes || op->kind == SCN_OP_TOUCH ? op->map : 0, who, sizeof who);
	put(&o, "%s %s", who, op_names[op->kind]);
	if (op->kind == SCN_OP_MMAP) {
		put(&o, " %s %s%s%s", op->mmap.shared ? "MAP_SHARED" : "MAP_PRIVATE",
		    op->mmap.prot_read ? "PROT_READ" : "", op->mmap.prot_read && op->mmap.prot_write ? "|" : "",
		    op->mmap.prot_write ? "PROT_WRITE" : op->mmap.prot_read ? "" : "PROT_NONE");
		return buf;
	}
	put(&o, " %d", op->page);
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
