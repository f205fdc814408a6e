/*
 * scenario-int.h - the scenario parser's insides, shared by scenario.c
 * (directives, the whole file, printing) and scenario_lex.c (messages and
 * the tokenizer).  Nothing else includes it.
 */
#ifndef XS_SCENARIO_INT_H
#define XS_SCENARIO_INT_H

#include <stddef.h>

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

/* ---- scenario_lex.c: messages (each returns -1 with *P->cause set) -------------- */

/* "PATH:LINE:COL: ..." at column col of the current line. */
int scn_perr(struct parser *P, int col, const char *fmt, ...) XS_PRINTF(3, 4);
/* ... at a line and column given. */
int scn_perr_at(struct parser *P, int line, int col, const char *fmt, ...) XS_PRINTF(4, 5);
/* "expected WHAT, found TOKEN". */
int scn_expected(struct parser *P, const struct tok *t, const char *what);
/* "bad WHAT TOKEN (expected one of CHOICES)". */
int scn_bad_choice(struct parser *P, const struct tok *t, const char *what, const char *choices);
/* A token as a message shows it, in one of two slots of P. */
const char *scn_quote(struct parser *P, const struct tok *t, int slot);

/* ---- scenario_lex.c: tokens ------------------------------------------------------ */

/*
 * scn_next_tok reads the next token of the current line into *t (TOK_EOL
 * at its end; a string is decoded into P->str); -1 after a message.  The
 * scn_want_* and scn_read_* functions read what they name or say what was
 * expected; scn_tok_is/lookup/parse compare a word token with names;
 * scn_take_bytes copies a string token's bytes; scn_col_of gives the
 * column of a pointer into the current line.
 */
int scn_read_number(struct parser *P, const char *what, long *v, struct tok *t);
int scn_take_bytes(struct parser *P, const struct tok *t, unsigned char *data, int *len);
int scn_all_digits(const char *s, int n);
int scn_tok_lookup(const struct tok *t, const char *const *names, int n);
int scn_want_punct(struct parser *P, char c);
int scn_tok_parse(const struct tok *t, int (*parse)(const char *name));
int scn_read_int(struct parser *P, const char *what, int lo, int hi, int *out, struct tok *t);
int scn_is_space(int c);
int scn_next_tok(struct parser *P, struct tok *t);
int scn_want_eol(struct parser *P);
int scn_tok_is(const struct tok *t, const char *word);
int scn_col_of(const struct parser *P, const char *at);
char *scn_dup_n(const void *s, size_t n);

/* "X" or "X.K": a declared process and its mapping number (scenario.c). */
int scn_is_name(const char *s, int n);
int scn_read_who(struct parser *P, struct tok *t, int *proc, int *map);
/* The expect directive (scenario_expect.c). */
int scn_d_expect(struct parser *P, const struct tok *kw);
/* At the end of the file: each expect's result names a read or touch op. */
int scn_expect_check(struct parser *P);

#endif
