/*
 * scenario_lex.c - the scenario parser's messages and tokenizer
 * (scenario-int.h): words, ':' and ',', strings with their escapes,
 * numbers, and one message per error, "PATH:LINE:COL: ...".
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario-int.h"

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
int scn_perr(struct parser *P, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(P, P->lineno, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error at another line (the end-of-file checks). */
int scn_perr_at(struct parser *P, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vperr(P, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* How a message shows a token: 'word', "string" or end of line (slot 0 or 1). */
const char *scn_quote(struct parser *P, const struct tok *t, int slot)
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
int scn_expected(struct parser *P, const struct tok *t, const char *what)
{
	struct tok before = P->prev;

	if (before.kind == TOK_PUNCT && *before.s == ':') {
		before.n = (int)(before.s - P->line) + 1;
		before.s = P->line;
	}
	return scn_perr(P, t->col, "expected %s after %s, found %s", what, scn_quote(P, &before, 0), scn_quote(P, t, 1));
}

/* ---- tokens ----------------------------------------------------------------- */

int scn_is_space(int c)
{
	return c == ' ' || c == '\t';
}

int scn_col_of(const struct parser *P, const char *at)
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
		return scn_perr(P, scn_col_of(P, open), "unterminated string (no closing '\"' on this line)");
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
			return scn_perr(P, scn_col_of(P, bs), "\\x needs two hex digits (as in \\x41), found '%.*s'", n, bs);
		*out = (unsigned char)(hi * 16 + lo);
		P->p = bs + 4;
		return 0;
	}
	if ((unsigned char)bs[1] < 0x20 || (unsigned char)bs[1] > 0x7e)
		return scn_perr(P, scn_col_of(P, bs), "unknown escape (a backslash before byte 0x%02X) in a string "
			    "(known escapes: %s)", (unsigned char)bs[1], KNOWN_ESCAPES);
	return scn_perr(P, scn_col_of(P, bs), "unknown escape '\\%c' in a string (known escapes: %s)", bs[1],
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
			return scn_perr(P, scn_col_of(P, open), "unterminated string (no closing '\"' on this line)");
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
int scn_next_tok(struct parser *P, struct tok *t)
{
	const char *at;

	while (P->p < P->end && scn_is_space(*P->p))
		P->p++;
	at = P->p;
	t->s = at;
	t->col = scn_col_of(P, at);
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
		while (P->p < P->end && !scn_is_space(*P->p) && *P->p != ':' && *P->p != ',' && *P->p != '"')
			P->p++;
	}
	t->n = (int)(P->p - at);
	P->prev = P->cur;
	P->cur = *t;
	return 0;
}

int scn_tok_is(const struct tok *t, const char *word)
{
	return t->kind == TOK_WORD && (size_t)t->n == strlen(word) && memcmp(t->s, word, (size_t)t->n) == 0;
}

/* Index of the word t among names[0..n), or -1. */
int scn_tok_lookup(const struct tok *t, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (scn_tok_is(t, names[i]))
			return i;
	return -1;
}

/* A name parsed by xip_version_parse or verdict_kind_parse: -1 when unknown. */
int scn_tok_parse(const struct tok *t, int (*parse)(const char *name))
{
	char name[16] = "";

	if (t->kind == TOK_WORD && t->n < (int)sizeof name)
		memcpy(name, t->s, (size_t)t->n);
	return parse(name);
}

/* "unknown WHAT 'x' (expected CHOICES)", or "expected CHOICES after ..." for a non-word. */
int scn_bad_choice(struct parser *P, const struct tok *t, const char *what, const char *choices)
{
	if (t->kind == TOK_WORD)
		return scn_perr(P, t->col, "unknown %s %s (expected %s)", what, scn_quote(P, t, 0), choices);
	return scn_expected(P, t, choices);
}

int scn_want_punct(struct parser *P, char c)
{
	struct tok t;
	char what[4] = { '\'', c, '\'', 0 };

	if (scn_next_tok(P, &t) < 0)
		return -1;
	return t.kind == TOK_PUNCT && *t.s == c ? 0 : scn_expected(P, &t, what);
}

int scn_want_eol(struct parser *P)
{
	struct tok t;

	if (scn_next_tok(P, &t) < 0)
		return -1;
	return t.kind == TOK_EOL ? 0 : scn_expected(P, &t, "end of line");
}

int scn_all_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* A decimal number, saturated above every limit (so no overflow); what names it. */
int scn_read_number(struct parser *P, const char *what, long *v, struct tok *t)
{
	if (scn_next_tok(P, t) < 0)
		return -1;
	if (t->kind != TOK_WORD || !scn_all_digits(t->s, t->n))
		return scn_perr(P, t->col, "expected %s, found %s", what, scn_quote(P, t, 0));
	*v = 0;
	for (int i = 0; i < t->n; i++)
		if (*v < 100000000)
			*v = *v * 10 + (t->s[i] - '0');
	return 0;
}

/* A decimal number in lo..hi. */
int scn_read_int(struct parser *P, const char *what, int lo, int hi, int *out, struct tok *t)
{
	long v;

	if (scn_read_number(P, what, &v, t) < 0)
		return -1;
	if (v < lo || v > hi)
		return scn_perr(P, t->col, "%s must be between %d and %d, found %.*s", what, lo, hi, t->n, t->s);
	*out = (int)v;
	return 0;
}

/* The string token t as 1..SCN_PAGE_BYTES bytes, zero-padded into data. */
int scn_take_bytes(struct parser *P, const struct tok *t, unsigned char *data, int *len)
{
	if (t->kind != TOK_STRING)
		return scn_expected(P, t, "the bytes in double quotes (as in \"ABC\")");
	if (P->str_len < 1 || P->str_len > SCN_PAGE_BYTES)
		return scn_perr(P, t->col, "expected 1 to %d bytes (a page), but the string has %d",
			    SCN_PAGE_BYTES, P->str_len);
	memset(data, 0, SCN_PAGE_BYTES);
	memcpy(data, P->str, (size_t)P->str_len);
	*len = P->str_len;
	return 0;
}

char *scn_dup_n(const void *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}
