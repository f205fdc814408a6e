/*
 * kernel-listing.c - build tool: reads the simulated kernel's files and
 * prints src/kernel-sources.c, each file's text and its *listing*, the code
 * as a kernel developer reads it (sources.h).
 *
 *     kernel-listing [--raw] FILE... > src/kernel-sources.c
 *
 * The sandbox's kernel is the 2008 code with scheduling points woven in:
 * KREAD/KWRITE around shared accesses, sched_point ... sched_note brackets
 * around an operation the sandbox performs itself, KENTER/KRETURN for the
 * call stack, WITHOUT() for the lesson's what-ifs, W-> for the run's world.
 * The listing shows each of these as what it stands for, from the source
 * that is compiled, so it cannot drift from the code that runs.
 *
 * How: the file is cut into units (a blank line, a whole-line comment, a
 * preprocessor line, or a statement: source lines joined while a
 * parenthesis is open).  Rules, in the order below, drop a unit, fold it
 * into another one's display line, dedent it or rewrite its text; the
 * rules know the instrumentation's vocabulary (the table `macros`), never
 * a particular file or line.  A unit no rule touches is shown line for
 * line.  Every source line maps to the display line it became, or to none
 * (-1) when it vanished; a scheduling point's line always maps to one (the
 * unit test checks it).
 *
 * Invariants of the output: display lines are in source order; a display
 * line's [first, last] covers the source lines that map to it; function
 * ranges are display-line ranges from the comment above the signature
 * (when there is one) to the closing brace.
 *
 * --raw prints the source unchanged as the listing (to see the tests
 * notice a listing that is not transformed).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ------------------------------------------------------------ */

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("kernel-listing: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* a + b + c into a new string (any may be NULL). */
static char *cat3(const char *a, const char *b, const char *c)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0;
	char *d = xmalloc(la + lb + lc + 1);

	memcpy(d, a ? a : "", la);
	memcpy(d + la, b ? b : "", lb);
	memcpy(d + la + lb, c ? c : "", lc);
	d[la + lb + lc] = '\0';
	return d;
}

/* s with [from, to) replaced by rep; frees s. */
static char *splice(char *s, size_t from, size_t to, const char *rep)
{
	char *head = xstrndup(s, from), *d = cat3(head, rep, s + to);

	free(head);
	free(s);
	return d;
}

static int is_ident(int c)
{
	return isalnum(c) || c == '_';
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void trim_right(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		s[--n] = '\0';
}

/* ---- scanning C text ------------------------------------------------------------ */

/* Past the literal or comment that starts at s[i], or i when none does. */
static size_t skip_lit(const char *s, size_t i)
{
	if (s[i] == '"' || s[i] == '\'') {
		char q = s[i++];
		while (s[i] && s[i] != q)
			i += s[i] == '\\' && s[i + 1] ? 2 : 1;
		return s[i] ? i + 1 : i;
	}
	if (s[i] == '/' && s[i + 1] == '*') {
		const char *e = strstr(s + i + 2, "*/");
		return e ? (size_t)(e - s) + 2 : strlen(s);
	}
	return i;
}

/* Index of the ')' matching the '(' at s[open], or the end of s. */
static size_t match_paren(const char *s, size_t open)
{
	int depth = 0;

	for (size_t i = open; s[i];) {
		size_t j = skip_lit(s, i);
		if (j != i) {
			i = j;
			continue;
		}
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i;
		i++;
	}
	return strlen(s);
}

/*
 * The first call of `name` in s at or after `from`, outside literals and
 * comments: *start is where the name begins, *open its '('.  0 when none.
 */
static int find_call(const char *s, size_t from, const char *name, size_t *start, size_t *open)
{
	size_t n = strlen(name);

	for (size_t i = from; s[i];) {
		size_t j = skip_lit(s, i);
		if (j != i) {
			i = j;
			continue;
		}
		if ((i == 0 || !is_ident((unsigned char)s[i - 1])) && strncmp(s + i, name, n) == 0 &&
		    !is_ident((unsigned char)s[i + n])) {
			const char *p = skip_space(s + i + n);
			if (*p == '(') {
				*start = i;
				*open = (size_t)(p - s);
				return 1;
			}
		}
		i++;
	}
	return 0;
}

/* Does s mention the identifier or text `word` outside literals (as a whole word when it is one)? */
static int mentions(const char *s, const char *word)
{
	size_t n = strlen(word);
	int ident = is_ident((unsigned char)word[0]) && is_ident((unsigned char)word[n - 1]);

	for (const char *p = strstr(s, word); p; p = strstr(p + 1, word))
		if (!ident || ((p == s || !is_ident((unsigned char)p[-1])) && !is_ident((unsigned char)p[n])))
			return 1;
	return 0;
}

#define MAX_ARGS 8

/* The arguments of the call whose '(' is s[open] and ')' s[close], trimmed, as new strings. */
static int split_args(const char *s, size_t open, size_t close, char **args)
{
	int n = 0, depth = 0;
	size_t a = open + 1;

	for (size_t i = open + 1; i <= close;) {
		size_t j = skip_lit(s, i);
		if (j != i && i < close) {
			i = j;
			continue;
		}
		if (s[i] == '(' || s[i] == '{' || s[i] == '[')
			depth++;
		else if ((s[i] == ')' || s[i] == '}' || s[i] == ']') && i < close)
			depth--;
		if ((i == close || (s[i] == ',' && depth == 0)) && n < MAX_ARGS) {
			const char *b = skip_space(s + a);
			char *arg = xstrndup(b, (size_t)(s + i - b));
			trim_right(arg);
			if (*arg || n || i != close)
				args[n++] = arg;
			else
				free(arg);
			a = i + 1;
		}
		i++;
	}
	return n;
}

static void free_args(char **args, int n)
{
	for (int i = 0; i < n; i++)
		free(args[i]);
}

/* The text of a C string literal argument ("a" "b" concatenated), or a copy of arg when it is not one. */
static char *unquote(const char *arg)
{
	char *d = xmalloc(strlen(arg) + 1);
	size_t o = 0;
	const char *p = skip_space(arg);

	if (*p != '"') {
		free(d);
		return xstrdup(arg);
	}
	while (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '?' || p[1] == '\''))
				p++;
			d[o++] = *p;
		}
		if (*p)
			p++;
		p = skip_space(p);
	}
	d[o] = '\0';
	return d;
}

/* Does a top-level '=' (an assignment, not ==, <=, >=, !=) occur in s? */
static int has_assignment(const char *s)
{
	int depth = 0;

	for (size_t i = 0; s[i];) {
		size_t j = skip_lit(s, i);
		if (j != i) {
			i = j;
			continue;
		}
		if (s[i] == '(' || s[i] == '[')
			depth++;
		else if (s[i] == ')' || s[i] == ']')
			depth--;
		else if (s[i] == '=' && depth == 0 && s[i + 1] != '=' && (i == 0 || !strchr("=<>!", s[i - 1])))
			return 1;
		i++;
	}
	return 0;
}

/*
 * A site's `what` is kernel code, sometimes after a "where: " prefix
 * ("ext2_get_block: bh.b_blocknr = i_data[pgoff]", "get_page(page):
 * atomic_inc(...)"): *prefix gets the prefix (NULL for none), the result
 * the code.
 */
static char *what_code(const char *what, char **prefix)
{
	const char *p = what;

	*prefix = NULL;
	while (is_ident((unsigned char)*p))
		p++;
	if (p > what && *p == '(') {
		size_t cl = match_paren(what, (size_t)(p - what));
		p = what[cl] ? what + cl + 1 : what;
	}
	if (p > what && p[0] == ':' && p[1] == ' ') {
		*prefix = xstrndup(what, (size_t)(p - what));
		return xstrdup(p + 2);
	}
	return xstrdup(what);
}

/* "code;  / * prefix * /" for a what shown as a statement. */
static char *what_stmt(const char *what, const char *tail)
{
	char *prefix, *code = what_code(what, &prefix), *r, *c;

	c = prefix ? cat3("  /* ", prefix, " */") : NULL;
	r = cat3(code, tail, c);
	free(code);
	free(prefix);
	free(c);
	return r;
}

static int starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* A condition (shown in place of the `if` that tests the value read). */
static int is_condition(const char *code)
{
	return starts_with(code, "if (") || starts_with(code, "while (");
}

/* A loop header: "for (...)" or a foreach macro ("vma_prio_tree_foreach(...)"). */
static int is_loop(const char *code)
{
	const char *p = code;

	if (starts_with(code, "for ("))
		return 1;
	while (is_ident((unsigned char)*p))
		p++;
	return *p == '(' && p > code && (strstr(code, "foreach") || strstr(code, "for_each")) &&
	       (size_t)(strstr(code, "for") - code) < (size_t)(p - code);
}

/* ---- the instrumentation's vocabulary ------------------------------------------- */

enum how {
	DROP,        /* a statement of its own that vanishes (KENTER();) */
	TEMPLATE,    /* replaced by a template: $1..$9 are the arguments */
	READ,        /* KREAD: the `what` argument, placed by context (rewrite_read) */
	WHAT_STMT,   /* a statement shown as its `what` argument (KWRITE) */
	POINT,       /* sched_point(op, obj, SCHED_SITE(label, what)): its what; opens a bracket */
	CONST_FALSE, /* a what-if switch: off in the kernel's code, the constant 0 */
};

struct macro {
	const char *name;
	enum how how;
	const char *arg;   /* TEMPLATE: the template; READ, WHAT_STMT: which argument is `what` ("4") */
};

/*
 * Each macro of kernel-int.h (and the scheduler calls the kernel makes
 * directly) and what it stands for in the kernel's own code.
 */
static const struct macro macros[] = {
	{ "KENTER", DROP, NULL },
	{ "sched_frame_enter", DROP, NULL },
	{ "sched_frame_leave", DROP, NULL },
	{ "sched_note", DROP, NULL },           /* closes a sched_point bracket */
	{ "XS_ASSERT", DROP, NULL },            /* the sandbox's own assert */
	{ "KRETURN", TEMPLATE, "return $1" },
	{ "KRETURN_PTR", TEMPLATE, "return $1" },
	{ "KRETURN_VOID", TEMPLATE, "return" },
	{ "READ_SPARSE_PAGE", TEMPLATE, "__xip_sparse_page" },
	{ "WRITE_SPARSE_PAGE", TEMPLATE, "__xip_sparse_page = $2" },
	{ "KREAD", READ, "4" },
	{ "KWRITE", WHAT_STMT, "5" },
	{ "sched_point", POINT, NULL },
	{ "WITHOUT", CONST_FALSE, NULL },
};
#define NMACROS (sizeof macros / sizeof macros[0])

/*
 * What a what-if switch becomes, until fold_constants folds it away: two
 * marks that no C text holds, so that only the switch's own constants are
 * folded, never a 0 of the kernel's code.
 */
#define WHATIF_OFF "\001"
#define WHATIF_ON "\002"

/* Text that never reaches the listing: the world pointer. */
static const char world_prefix[] = "W->";

/* Instantiate a template with the call's arguments. */
static char *template_fill(const char *t, char **args, int nargs)
{
	char *r = xstrdup("");

	for (const char *p = t; *p; p++) {
		char one[2] = { *p, '\0' }, *n;
		if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
			int k = p[1] - '1';
			n = cat3(r, k < nargs ? args[k] : "", NULL);
			p++;
		} else {
			n = cat3(r, one, NULL);
		}
		free(r);
		r = n;
	}
	return r;
}

/* The what of sched_point's third argument, SCHED_SITE(label, what). */
static char *point_what(const char *site)
{
	size_t st, op, cl;
	char *args[MAX_ARGS], *w;
	int n;

	if (!find_call(site, 0, "SCHED_SITE", &st, &op))
		return xstrdup(site);
	cl = match_paren(site, op);
	n = split_args(site, op, cl, args);
	w = unquote(n >= 2 ? args[1] : site);
	free_args(args, n);
	return w;
}

/* A value read (KREAD's what) inside a larger expression. */
static char *read_inline(const char *what)
{
	char *prefix, *code = what_code(what, &prefix), *r;

	if (is_condition(code))
		r = xstrdup(strchr(code, '('));           /* "if (!x)" inside an if: "(!x)" */
	else if (has_assignment(code))
		r = cat3("(", code, ")");
	else
		r = xstrdup(code);
	free(code);
	free(prefix);
	return r;
}

/*
 * Replace every macro of the table in s, innermost work left to the next
 * round, until none is left; statements of their own (DROP, WHAT_STMT,
 * POINT) are the caller's.  Returns s rewritten (s is freed).
 */
static char *rewrite_inline(char *s)
{
	for (int round = 0; round < 32; round++) {
		int changed = 0;
		for (size_t m = 0; m < NMACROS; m++) {
			size_t st, op, cl;
			char *args[MAX_ARGS], *rep = NULL;
			int n;

			if (!find_call(s, 0, macros[m].name, &st, &op))
				continue;
			cl = match_paren(s, op);
			if (!s[cl])
				continue;
			n = split_args(s, op, cl, args);
			switch (macros[m].how) {
			case TEMPLATE: rep = template_fill(macros[m].arg, args, n); break;
			case READ: {
				int k = macros[m].arg[0] - '1';
				char *w = unquote(k < n ? args[k] : "");
				rep = read_inline(w);
				free(w);
				break;
			}
			case WHAT_STMT: {
				int k = macros[m].arg[0] - '1';
				char *w = unquote(k < n ? args[k] : ""), *prefix;
				rep = what_code(w, &prefix);
				free(prefix);
				free(w);
				break;
			}
			case POINT: {
				char *w = point_what(n >= 3 ? args[2] : ""), *prefix;
				rep = what_code(w, &prefix);
				free(prefix);
				free(w);
				break;
			}
			case CONST_FALSE: rep = xstrdup(WHATIF_OFF); break;
			case DROP: rep = xstrdup(""); break;
			}
			free_args(args, n);
			s = splice(s, st, cl + 1, rep);
			free(rep);
			changed = 1;
		}
		if (!changed)
			break;
	}
	/* &W->mapping: the kernel's pointer `mapping`; W->x: the kernel's global x */
	for (char *p = strstr(s, world_prefix); p; p = strstr(s, world_prefix)) {
		size_t at = (size_t)(p - s), end = at + strlen(world_prefix), e = end;
		while (is_ident((unsigned char)s[e]))
			e++;
		if (at > 0 && s[at - 1] == '&' && s[e] != '[' && s[e] != '.' && strncmp(s + e, "->", 2) != 0)
			at--;
		s = splice(s, at, end, "");
	}
	return s;
}

/*
 * Fold the what-if constants out of an expression: !off is on; "on && e",
 * "off || e" are e; "off ? a : b" is b.  A mark left over is shown as 0 or 1.
 */
static char *fold_constants(char *s)
{
	static const char *const pairs[][2] = {
		{ "!" WHATIF_OFF, WHATIF_ON }, { WHATIF_ON " && ", "" }, { " && " WHATIF_ON, "" },
		{ WHATIF_OFF " || ", "" }, { " || " WHATIF_OFF, "" },
		{ "(" WHATIF_ON ")", WHATIF_ON }, { "(" WHATIF_OFF ")", WHATIF_OFF },
		{ "!" WHATIF_ON, WHATIF_OFF },
	};
	int changed = 1;

	while (changed) {
		changed = 0;
		for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
			size_t n = strlen(pairs[i][0]);
			for (char *p = strstr(s, pairs[i][0]); p; p = strstr(s, pairs[i][0])) {
				s = splice(s, (size_t)(p - s), (size_t)(p - s) + n, pairs[i][1]);
				changed = 1;
			}
		}
		/* "off ? a : b" -> "b" (a holds no '?' of its own in the kernel's code) */
		for (char *p = strstr(s, WHATIF_OFF " ? "); p; p = strstr(s, WHATIF_OFF " ? ")) {
			char *colon = strstr(p, " : ");
			if (!colon)
				break;
			s = splice(s, (size_t)(p - s), (size_t)(colon - s) + 3, "");
			changed = 1;
		}
	}
	return s;
}

/* The marks that are left, as the constants they are. */
static char *show_constants(char *s)
{
	for (char *p = strpbrk(s, WHATIF_OFF WHATIF_ON); p; p = strpbrk(s, WHATIF_OFF WHATIF_ON))
		s = splice(s, (size_t)(p - s), (size_t)(p - s) + 1, *p == WHATIF_OFF[0] ? "0" : "1");
	return s;
}

/* ---- units ------------------------------------------------------------------------- */

enum unit_kind { U_BLANK, U_COMMENT, U_PREPROC, U_CODE };

struct unit {
	enum unit_kind kind;
	int first, last;    /* source lines */
	char *text;         /* code: the lines joined by one space, continuation indents dropped */
	char *indent;       /* leading whitespace of the first line */
	int braces;         /* '{' minus '}' */
	/* set by the rules */
	int skip;           /* not shown; its lines map to alias's display line (or none) */
	int alias;          /* unit index, -1 for none */
	int dedent;         /* tabs to take off its lines */
	char *shown;        /* rewritten text (one display line), NULL: the source lines as they are */
	int disp;           /* first display line, -1 before emission */
};

struct file {
	char **line;        /* line[1..nlines] */
	int nlines;
	char *text;         /* the whole file, every line ending in '\n' */
	struct unit *u;
	int nu;
};

static void read_file(const char *path, struct file *f)
{
	FILE *in = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int c;

	if (!in)
		die("%s: %s", path, strerror(errno));
	while ((c = getc(in)) != EOF) {
		if (len + 2 >= cap)
			buf = xrealloc(buf, cap = cap * 2 + 4096);
		buf[len++] = (char)c;
	}
	fclose(in);
	if (len && buf[len - 1] != '\n') {
		if (len + 2 >= cap)
			buf = xrealloc(buf, cap + 2);
		buf[len++] = '\n';
	}
	if (!buf)
		buf = xstrdup("");
	buf[len] = '\0';
	f->text = buf;
	f->nlines = 0;
	for (size_t i = 0; i < len; i++)
		f->nlines += buf[i] == '\n';
	f->line = xmalloc(sizeof *f->line * (size_t)(f->nlines + 1));
	f->line[0] = NULL;
	for (int l = 1, i = 0; l <= f->nlines; l++) {
		const char *e = strchr(buf + i, '\n');
		f->line[l] = xstrndup(buf + i, (size_t)(e - (buf + i)));
		i = (int)(e - buf) + 1;
	}
}

/* Parenthesis and brace balance of one line, outside literals and comments. */
static void balance(const char *s, int *parens, int *braces)
{
	for (size_t i = 0; s[i];) {
		size_t j = skip_lit(s, i);
		if (j != i) {
			i = j;
			continue;
		}
		if (s[i] == '/' && s[i + 1] == '/')
			break;
		*parens += (s[i] == '(') - (s[i] == ')');
		*braces += (s[i] == '{') - (s[i] == '}');
		i++;
	}
}

static void cut_units(struct file *f)
{
	int cap = 0;

	f->u = NULL;
	f->nu = 0;
	for (int l = 1; l <= f->nlines;) {
		const char *t = skip_space(f->line[l]);
		struct unit u = { .first = l, .last = l, .alias = -1, .disp = -1 };
		int parens = 0;

		u.indent = xstrndup(f->line[l], (size_t)(t - f->line[l]));
		if (!*t) {
			u.kind = U_BLANK;
		} else if (starts_with(t, "/*")) {
			u.kind = U_COMMENT;
			while (!strstr(l == u.first ? t + 2 : f->line[u.last], "*/") && u.last < f->nlines)
				l = ++u.last;
		} else if (*t == '#') {
			u.kind = U_PREPROC;
			while (f->line[u.last][0] && f->line[u.last][strlen(f->line[u.last]) - 1] == '\\' &&
			       u.last < f->nlines)
				u.last++;
		} else {
			u.kind = U_CODE;
			balance(f->line[l], &parens, &u.braces);
			while (parens > 0 && u.last < f->nlines) {
				u.last++;
				balance(f->line[u.last], &parens, &u.braces);
			}
		}
		u.text = xstrdup(t);
		for (int k = u.first + 1; k <= u.last; k++) {
			char *n = cat3(u.text, " ", skip_space(f->line[k]));
			free(u.text);
			u.text = n;
		}
		trim_right(u.text);
		l = u.last + 1;
		if (f->nu == cap)
			f->u = xrealloc(f->u, sizeof *f->u * (size_t)(cap = cap * 2 + 64));
		f->u[f->nu++] = u;
	}
}

/* The next code unit after u that is not skipped, or -1. */
static int next_code(const struct file *f, int u)
{
	for (int v = u + 1; v < f->nu; v++)
		if (f->u[v].kind == U_CODE && !f->u[v].skip)
			return v;
	return -1;
}

/* The unit that closes the block u opens (u's braces > 0), or -1. */
static int block_end(const struct file *f, int u)
{
	int depth = 0;

	for (int v = u; v < f->nu; v++) {
		if (f->u[v].kind != U_CODE)
			continue;
		depth += f->u[v].braces;
		if (depth <= 0)
			return v;
	}
	return -1;
}

/* Is u's text a call statement of a macro whose `how` is `how`?  Returns the macro or NULL. */
static const struct macro *stmt_macro(const struct unit *u, enum how how)
{
	for (size_t m = 0; m < NMACROS; m++) {
		size_t n = strlen(macros[m].name);
		if (macros[m].how == how && starts_with(u->text, macros[m].name) &&
		    *skip_space(u->text + n) == '(')
			return &macros[m];
	}
	return NULL;
}

/* Does the text mention the instrumentation (a macro of the table, the world, the scheduler)? */
static int is_plumbing(const char *s)
{
	static const char *const words[] = { "__LINE__", "SCHED_SITE", "SCHED_OP_", "sched_point", "sched_note" };

	if (strstr(s, world_prefix))
		return 1;
	for (size_t m = 0; m < NMACROS; m++)
		if (mentions(s, macros[m].name))
			return 1;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(s, words[i]))
			return 1;
	return 0;
}

/* The body of an if/else/for header unit h: [*b0, *b1] (units), and whether it is braced. */
static int body_of(const struct file *f, int h, int *b0, int *b1)
{
	if (f->u[h].braces > 0) {
		*b0 = h + 1;
		*b1 = block_end(f, h);
		return *b1 >= 0;
	}
	*b0 = *b1 = next_code(f, h);
	return *b0 >= 0;
}

static void dedent_range(struct file *f, int b0, int b1)
{
	for (int v = b0; v <= b1; v++)
		f->u[v].dedent++;
}

static void skip_range(struct file *f, int b0, int b1, int alias)
{
	for (int v = b0; v <= b1; v++) {
		f->u[v].skip = 1;
		f->u[v].alias = alias;
	}
}

/*
 * An `if` whose condition is a what-if switch: the kernel's code is the
 * branch the switch leaves on.  A true condition: the header goes, the body
 * stays (dedented).  A false one: the body goes, and an `else` that
 * follows stays in its place; the lines that went map to what stayed, so a
 * what-if step is shown on the line of the seed's code it replaces.
 * Returns 1 when it handled u.
 */
static int rule_whatif_if(struct file *f, int u)
{
	struct unit *h = &f->u[u];
	char *cond;
	int b0, b1, truth, e = -1, e0 = -1, e1 = -1, braced_else = 0;

	if (!starts_with(h->text, "if (") && !starts_with(h->text, "} else if ("))
		return 0;
	if (!mentions(h->text, "WITHOUT"))
		return 0;
	{
		size_t op = (size_t)(strchr(h->text, '(') - h->text), cl = match_paren(h->text, op);
		char *c = xstrndup(h->text + op, cl + 1 - op);
		cond = fold_constants(rewrite_inline(c));
	}
	truth = strcmp(cond, WHATIF_ON) == 0 ? 1 : strcmp(cond, WHATIF_OFF) == 0 ? 0 : -1;
	free(cond);
	if (truth < 0 || starts_with(h->text, "}") || !body_of(f, u, &b0, &b1))
		return 0;
	if (truth) {
		skip_range(f, u, u, b0);
		if (h->braces > 0) {
			dedent_range(f, b0, b1 - 1);
			skip_range(f, b1, b1, b1 - 1);
		} else {
			dedent_range(f, b0, b1);
		}
		return 1;
	}
	/* false: is there an else? */
	if (h->braces > 0 && strcmp(f->u[b1].text, "} else {") == 0) {
		e = b1;
		braced_else = 1;
	} else if (h->braces <= 0) {
		int v = next_code(f, b1);
		if (v >= 0 && (strcmp(f->u[v].text, "else") == 0 || strcmp(f->u[v].text, "else {") == 0))
			e = v;
	}
	if (e >= 0 && body_of(f, e, &e0, &e1)) {
		int keep = braced_else || f->u[e].braces > 0 ? e1 - 1 : e1;
		skip_range(f, u, e, e0);
		dedent_range(f, e0, keep);
		if (keep != e1)
			skip_range(f, e1, e1, keep);
	} else {
		int v = next_code(f, b1);
		skip_range(f, u, b1, v);
	}
	return 1;
}

/*
 * A bare block `{ ... }` around a sched_point bracket holds the sandbox's
 * temporaries for one operation: the block is shown as that operation.
 */
static void rule_bare_block(struct file *f, int u)
{
	int end = block_end(f, u), point = -1;

	if (end < 0)
		return;
	for (int v = u + 1; v < end && point < 0; v++)
		if (f->u[v].kind == U_CODE && stmt_macro(&f->u[v], POINT))
			point = v;
	if (point < 0)
		return;
	skip_range(f, u, u, point);
	for (int v = u + 1; v < point; v++)
		if (f->u[v].kind == U_CODE)
			skip_range(f, v, v, point);
	skip_range(f, end, end, point);
	dedent_range(f, point, end - 1);
}

/*
 * sched_point(...); <the sandbox doing the operation> sched_note(...);
 * is one operation of the kernel: shown as the site's what, every
 * statement up to the note folded into that line.
 */
static void rule_point(struct file *f, int u)
{
	struct unit *p = &f->u[u];
	char *args[MAX_ARGS], *w;
	size_t st, op, cl;
	int n, depth = 0;

	find_call(p->text, 0, "sched_point", &st, &op);
	cl = match_paren(p->text, op);
	n = split_args(p->text, op, cl, args);
	w = point_what(n >= 3 ? args[2] : "");
	free_args(args, n);
	p->shown = what_stmt(w, ";");
	free(w);
	for (int v = u + 1; v < f->nu; v++) {
		if (f->u[v].kind != U_CODE)
			continue;
		depth += f->u[v].braces;
		if (depth < 0)
			return;
		if (depth == 0 && starts_with(f->u[v].text, "sched_note")) {
			for (int k = u + 1; k <= v; k++)
				if (f->u[k].kind == U_CODE) {
					f->u[k].skip = 1;
					f->u[k].alias = u;
				}
			return;
		}
	}
}

/* The identifier assigned by "x = ..." at the start of s, or NULL. */
static char *assigned_ident(const char *s)
{
	const char *p = s;

	while (is_ident((unsigned char)*p))
		p++;
	if (p == s || !starts_with(skip_space(p), "= "))
		return NULL;
	return xstrndup(s, (size_t)(p - s));
}

/*
 * A KREAD statement.  "x = KREAD(..., "if (cond)");" followed by an if
 * (or loop) that tests x: the two are the kernel's one `if (cond)` (or
 * loop header).  "x = KREAD(..., "x = expr")": the what is the statement.
 * KREAD inside an if's condition whose what is "if (cond)": that header.
 * Anything else: the read inline (rewrite_inline).
 */
static void rule_read(struct file *f, int u)
{
	struct unit *r = &f->u[u];
	size_t st, op, cl;
	char *args[MAX_ARGS], *what, *code, *prefix, *lhs;
	int n;

	if (!find_call(r->text, 0, "KREAD", &st, &op))
		return;
	cl = match_paren(r->text, op);
	n = split_args(r->text, op, cl, args);
	what = unquote(n >= 4 ? args[3] : "");
	free_args(args, n);
	code = what_code(what, &prefix);
	lhs = assigned_ident(r->text);
	if (lhs && (is_condition(code) || is_loop(code))) {
		int v = next_code(f, u);
		const char *t = v >= 0 ? f->u[v].text : "";
		if (v >= 0 && (starts_with(t, "if (") || starts_with(t, "for (") || starts_with(t, "while (")) &&
		    mentions(t, lhs)) {
			size_t hop = (size_t)(strchr(t, '(') - t), hcl = match_paren(t, hop);
			char *tail = rewrite_inline(xstrdup(t + hcl + 1));
			r->shown = cat3(code, tail, NULL);
			free(tail);
			f->u[v].skip = 1;
			f->u[v].alias = u;
			r->braces += f->u[v].braces;
		}
	} else if (lhs && st >= strlen(lhs)) {
		r->shown = has_assignment(code) ? what_stmt(what, ";") : NULL;
		if (!r->shown) {
			char *w = cat3(lhs, " = ", code), *c = prefix ? cat3("  /* ", prefix, " */") : NULL;
			r->shown = cat3(w, ";", c);
			free(w);
			free(c);
		}
	} else if (starts_with(r->text, "if (") && is_condition(code)) {
		size_t hcl = match_paren(r->text, 3);
		if (st < hcl) {
			char *tail = rewrite_inline(xstrdup(r->text + hcl + 1));
			r->shown = cat3(code, tail, NULL);
			free(tail);
		}
	}
	free(lhs);
	free(code);
	free(prefix);
	free(what);
}

/* "T *x = &W->x;": binds the kernel's own name (a global or a parameter there) to the run's world. */
static int is_self_binding(const char *s)
{
	const char *eq = strstr(s, " = &");
	char *name;
	int r;

	if (!eq || !starts_with(eq + 4, world_prefix))
		return 0;
	name = xstrndup(eq + 4 + strlen(world_prefix), strcspn(eq + 4 + strlen(world_prefix), ";"));
	r = strlen(name) > 0 && eq[4 + strlen(world_prefix) + strlen(name)] == ';' &&
	    (size_t)(eq - s) >= strlen(name) && strncmp(eq - strlen(name), name, strlen(name)) == 0;
	free(name);
	return r;
}

static void apply_rules(struct file *f)
{
	for (int u = 0; u < f->nu; u++) {
		struct unit *x = &f->u[u];

		if (x->skip)
			continue;
		if (x->kind == U_COMMENT || x->kind == U_PREPROC) {
			if (is_plumbing(x->text))
				x->skip = 1;
			continue;
		}
		if (x->kind != U_CODE)
			continue;
		if (stmt_macro(x, DROP) || is_self_binding(x->text) ||
		    (starts_with(x->text, "(void)") && x->text[strlen(x->text) - 1] == ';' && !strchr(x->text + 6, '('))) {
			x->skip = 1;
			continue;
		}
		if (rule_whatif_if(f, u))
			continue;
		if (strcmp(x->text, "{") == 0 && x->indent[0]) {
			rule_bare_block(f, u);
			continue;
		}
		if (stmt_macro(x, POINT)) {
			rule_point(f, u);
			continue;
		}
		if (stmt_macro(x, WHAT_STMT)) {
			size_t st, op, cl;
			char *args[MAX_ARGS], *w;
			const struct macro *m = stmt_macro(x, WHAT_STMT);
			int n, k = m->arg[0] - '1';

			find_call(x->text, 0, m->name, &st, &op);
			cl = match_paren(x->text, op);
			n = split_args(x->text, op, cl, args);
			w = unquote(k < n ? args[k] : "");
			x->shown = what_stmt(w, x->text + cl + 1);
			free(w);
			free_args(args, n);
			continue;
		}
		rule_read(f, u);
		{
			char *t = show_constants(fold_constants(rewrite_inline(xstrdup(x->shown ? x->shown : x->text))));
			if (x->shown || strcmp(t, x->text) != 0) {
				free(x->shown);
				x->shown = t;
			} else {
				free(t);
			}
		}
	}
}

/* ---- output ------------------------------------------------------------------------- */

struct dline {
	char *text;
	int first, last;
};

struct listing {
	struct dline *d;
	int nd, cap;
	int *map;            /* source line -> display line */
};

static int add_line(struct listing *L, char *text, int first, int last)
{
	if (L->nd == L->cap)
		L->d = xrealloc(L->d, sizeof *L->d * (size_t)(L->cap = L->cap * 2 + 64));
	L->d[L->nd] = (struct dline){ text, first, last };
	for (int l = first; l <= last; l++)
		L->map[l] = L->nd;
	return L->nd++;
}

/* Take `tabs` leading tabs off a line (the text is copied). */
static char *dedented(const char *indent, const char *rest, int tabs)
{
	while (tabs > 0 && *indent == '\t') {
		indent++;
		tabs--;
	}
	return cat3(indent, rest, NULL);
}

static void build_listing(struct file *f, struct listing *L, int raw)
{
	L->map = xmalloc(sizeof *L->map * (size_t)(f->nlines + 1));
	for (int l = 0; l <= f->nlines; l++)
		L->map[l] = -1;
	if (raw) {
		for (int l = 1; l <= f->nlines; l++)
			add_line(L, xstrdup(f->line[l]), l, l);
		return;
	}
	for (int u = 0; u < f->nu; u++) {
		struct unit *x = &f->u[u];

		if (x->skip)
			continue;
		/* a blank line after a blank one (what was between them vanished) */
		if (x->kind == U_BLANK && L->nd && !*L->d[L->nd - 1].text)
			continue;
		/* KRETURN_VOID() as a void function's last statement: the kernel just ends */
		if (x->shown && strcmp(x->shown, "return;") == 0 && u + 1 < f->nu && strcmp(f->line[f->u[u + 1].first], "}") == 0) {
			x->disp = -1;
			continue;
		}
		if (x->shown) {
			x->disp = add_line(L, dedented(x->indent, x->shown, x->dedent), x->first, x->last);
			continue;
		}
		for (int l = x->first; l <= x->last; l++) {
			const char *line = f->line[l];
			const char *t = skip_space(line);
			char *ind = xstrndup(line, (size_t)(t - line));
			int d = add_line(L, dedented(ind, t, x->dedent), l, l);
			free(ind);
			if (l == x->first)
				x->disp = d;
		}
	}
	/* folded units: their lines show as the line they were folded into */
	for (int u = 0; u < f->nu; u++) {
		struct unit *x = &f->u[u];
		int a = x->alias, guard = 0;

		if (!x->skip || a < 0)
			continue;
		while (a >= 0 && f->u[a].skip && f->u[a].alias >= 0 && guard++ < f->nu)
			a = f->u[a].alias;
		if (a < 0 || f->u[a].disp < 0)
			continue;
		for (int l = x->first; l <= x->last; l++)
			L->map[l] = f->u[a].disp;
		if (L->d[f->u[a].disp].first > x->first)
			L->d[f->u[a].disp].first = x->first;
		if (L->d[f->u[a].disp].last < x->last)
			L->d[f->u[a].disp].last = x->last;
	}
}

static void put_c_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == '?')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n\"\n\t  \"", out);
		else if (*s == '\t')
			fputs("\\t", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

/* A function's signature line: at column 0, an identifier, a '(' and no ';' at the end. */
static int func_start(const char *s, char **name)
{
	const char *paren = strchr(s, '('), *p;

	if (!is_ident((unsigned char)s[0]) || !paren || strchr(s, '=') || s[strlen(s) - 1] == ';')
		return 0;
	p = paren;
	while (p > s && (p[-1] == ' '))
		p--;
	{
		const char *b = p;
		while (b > s && is_ident((unsigned char)b[-1]))
			b--;
		if (b == p)
			return 0;
		*name = xstrndup(b, (size_t)(p - b));
	}
	return 1;
}

static void print_file(FILE *out, int k, struct file *f, struct listing *L, int *nfuncs)
{
	int nf = 0;

	fprintf(out, "\nstatic const struct source_line kl%d_lines[] = {\n", k);
	for (int d = 0; d < L->nd; d++) {
		fputs("\t{ ", out);
		put_c_string(out, L->d[d].text);
		fprintf(out, ", %d, %d },\n", L->d[d].first, L->d[d].last);
	}
	fprintf(out, "\t{ 0, 0, 0 }\n};\n\nstatic const int kl%d_map[] = {", k);
	for (int l = 0; l <= f->nlines; l++)
		fprintf(out, "%s%d,", l % 16 ? " " : "\n\t", l ? L->map[l] : -1);
	fprintf(out, "\n};\n\nstatic const struct source_func kl%d_funcs[] = {\n", k);
	for (int d = 0; d < L->nd; d++) {
		char *name;
		int e = d;
		if (!func_start(L->d[d].text, &name))
			continue;
		int b = d;
		while (e < L->nd && L->d[e].text[0] != '}')
			e++;
		/* the comment just above the signature belongs to the function */
		while (b > 0 && (starts_with(L->d[b - 1].text, "/*") || starts_with(L->d[b - 1].text, " *")))
			b--;
		if (e < L->nd)
			fprintf(out, "\t{ \"%s\", %d, %d },\n", name, b, e), nf++;
		free(name);
		d = e;
	}
	fprintf(out, "\t{ 0, 0, 0 }\n};\n\nstatic const char kl%d_text[] =\n\t  ", k);
	put_c_string(out, f->text);
	fprintf(out, ";\n");
	*nfuncs = nf;
}

int main(int argc, char **argv)
{
	int raw = 0, first = 1, nfiles, nfuncs;
	char **entries;

	if (argc > 1 && strcmp(argv[1], "--raw") == 0) {
		raw = 1;
		first = 2;
	}
	if (first >= argc)
		die("usage: kernel-listing [--raw] FILE...");
	nfiles = argc - first;
	puts("/* Generated by kernel-listing from the simulated kernel: do not edit. */");
	puts("#include \"config.h\"");
	puts("#include \"sources.h\"");
	entries = xmalloc(sizeof *entries * (size_t)nfiles);
	for (int i = 0; i < nfiles; i++) {
		struct file f;
		struct listing L = { 0 };
		const char *base = strrchr(argv[first + i], '/');

		read_file(argv[first + i], &f);
		cut_units(&f);
		if (!raw)
			apply_rules(&f);
		build_listing(&f, &L, raw);
		print_file(stdout, i, &f, &L, &nfuncs);
		entries[i] = xmalloc(256);
		snprintf(entries[i], 256, "\t{ \"%s\", kl%d_text, kl%d_lines, %d, kl%d_map, %d, kl%d_funcs, %d },",
			 base ? base + 1 : argv[first + i], i, i, L.nd, i, f.nlines, i, nfuncs);
	}
	puts("\nconst struct embedded_source embedded_sources[] = {");
	for (int i = 0; i < nfiles; i++)
		puts(entries[i]);
	puts("\t{ 0, 0, 0, 0, 0, 0, 0, 0 }\n};");
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write: %s", strerror(errno));
	return 0;
}
