/*
 * kernel-listing-text.c - the kernel-listing build tool's work on C text
 * (kernel-listing-int.h): scanning past literals and comments, finding a
 * macro's call and its arguments, and rewriting a statement's macros into
 * the kernel code they stand for, by the table kl_macros.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-listing-int.h"

/* ---- small helpers ------------------------------------------------------------ */

void kl_die(const char *fmt, ...)
{
	va_list ap;

	fputs("kernel-listing: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

char *kl_xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* a + b + c into a new string (any may be NULL). */
char *kl_cat3(const char *a, const char *b, const char *c)
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
char *kl_splice(char *s, size_t from, size_t to, const char *rep)
{
	char *head = kl_xstrndup(s, from), *d = kl_cat3(head, rep, s + to);

	free(head);
	free(s);
	return d;
}

int kl_is_ident(int c)
{
	return isalnum(c) || c == '_';
}

const char *kl_skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

void kl_trim_right(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		s[--n] = '\0';
}

/* ---- scanning C text ------------------------------------------------------------ */

/* Past the literal or comment that starts at s[i], or i when none does. */
size_t kl_skip_lit(const char *s, size_t i)
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
size_t kl_match_paren(const char *s, size_t open)
{
	int depth = 0;

	for (size_t i = open; s[i];) {
		size_t j = kl_skip_lit(s, i);
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
int kl_find_call(const char *s, size_t from, const char *name, size_t *start, size_t *open)
{
	size_t n = strlen(name);

	for (size_t i = from; s[i];) {
		size_t j = kl_skip_lit(s, i);
		if (j != i) {
			i = j;
			continue;
		}
		if ((i == 0 || !kl_is_ident((unsigned char)s[i - 1])) && strncmp(s + i, name, n) == 0 &&
		    !kl_is_ident((unsigned char)s[i + n])) {
			const char *p = kl_skip_space(s + i + n);
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
int kl_mentions(const char *s, const char *word)
{
	size_t n = strlen(word);
	int ident = kl_is_ident((unsigned char)word[0]) && kl_is_ident((unsigned char)word[n - 1]);

	for (const char *p = strstr(s, word); p; p = strstr(p + 1, word))
		if (!ident || ((p == s || !kl_is_ident((unsigned char)p[-1])) && !kl_is_ident((unsigned char)p[n])))
			return 1;
	return 0;
}

/* The arguments of the call whose '(' is s[open] and ')' s[close], trimmed, as new strings. */
int kl_split_args(const char *s, size_t open, size_t close, char **args)
{
	int n = 0, depth = 0;
	size_t a = open + 1;

	for (size_t i = open + 1; i <= close;) {
		size_t j = kl_skip_lit(s, i);
		if (j != i && i < close) {
			i = j;
			continue;
		}
		if (s[i] == '(' || s[i] == '{' || s[i] == '[')
			depth++;
		else if ((s[i] == ')' || s[i] == '}' || s[i] == ']') && i < close)
			depth--;
		if ((i == close || (s[i] == ',' && depth == 0)) && n < KL_MAX_ARGS) {
			const char *b = kl_skip_space(s + a);
			char *arg = kl_xstrndup(b, (size_t)(s + i - b));
			kl_trim_right(arg);
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

void kl_free_args(char **args, int n)
{
	for (int i = 0; i < n; i++)
		free(args[i]);
}

/* The text of a C string literal argument ("a" "b" concatenated), or a copy of arg when it is not one. */
char *kl_unquote(const char *arg)
{
	char *d = xmalloc(strlen(arg) + 1);
	size_t o = 0;
	const char *p = kl_skip_space(arg);

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
		p = kl_skip_space(p);
	}
	d[o] = '\0';
	return d;
}

/* Does a top-level '=' (an assignment, not ==, <=, >=, !=) occur in s? */
int kl_has_assignment(const char *s)
{
	int depth = 0;

	for (size_t i = 0; s[i];) {
		size_t j = kl_skip_lit(s, i);
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
char *kl_what_code(const char *what, char **prefix)
{
	const char *p = what;

	*prefix = NULL;
	while (kl_is_ident((unsigned char)*p))
		p++;
	if (p > what && *p == '(') {
		size_t cl = kl_match_paren(what, (size_t)(p - what));
		p = what[cl] ? what + cl + 1 : what;
	}
	if (p > what && p[0] == ':' && p[1] == ' ') {
		*prefix = kl_xstrndup(what, (size_t)(p - what));
		return xstrdup(p + 2);
	}
	return xstrdup(what);
}

/* "code;  / * prefix * /" for a what shown as a statement. */
char *kl_what_stmt(const char *what, const char *tail)
{
	char *prefix, *code = kl_what_code(what, &prefix), *r, *c;

	c = prefix ? kl_cat3("  /* ", prefix, " */") : NULL;
	r = kl_cat3(code, tail, c);
	free(code);
	free(prefix);
	free(c);
	return r;
}

int kl_starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* A condition (shown in place of the `if` that tests the value read). */
int kl_is_condition(const char *code)
{
	return kl_starts_with(code, "if (") || kl_starts_with(code, "while (");
}

/* A loop header: "for (...)" or a foreach macro ("vma_prio_tree_foreach(...)"). */
int kl_is_loop(const char *code)
{
	const char *p = code;

	if (kl_starts_with(code, "for ("))
		return 1;
	while (kl_is_ident((unsigned char)*p))
		p++;
	return *p == '(' && p > code && (strstr(code, "foreach") || strstr(code, "for_each")) &&
	       (size_t)(strstr(code, "for") - code) < (size_t)(p - code);
}

/* ---- the instrumentation's vocabulary ------------------------------------------- */

/*
 * Each macro of kernel-int.h (and the scheduler calls the kernel makes
 * directly) and what it stands for in the kernel's own code.
 */
const struct kl_macro kl_macros[] = {
	{ "KENTER", KL_DROP, NULL },
	{ "sched_frame_enter", KL_DROP, NULL },
	{ "sched_frame_leave", KL_DROP, NULL },
	{ "sched_note", KL_DROP, NULL },           /* closes a sched_point bracket */
	{ "XS_ASSERT", KL_DROP, NULL },            /* the sandbox's own assert */
	{ "KRETURN", KL_TEMPLATE, "return $1" },
	{ "KRETURN_PTR", KL_TEMPLATE, "return $1" },
	{ "KRETURN_VOID", KL_TEMPLATE, "return" },
	{ "READ_SPARSE_PAGE", KL_TEMPLATE, "__xip_sparse_page" },
	{ "WRITE_SPARSE_PAGE", KL_TEMPLATE, "__xip_sparse_page = $2" },
	{ "KREAD", KL_READ, "4" },
	{ "KWRITE", KL_WHAT_STMT, "5" },
	{ "sched_point", KL_POINT, NULL },
	{ "WITHOUT", KL_CONST_FALSE, NULL },
};
const size_t kl_nmacros = sizeof kl_macros / sizeof kl_macros[0];

const char kl_world_prefix[] = "W->";

/* Instantiate a template with the call's arguments. */
static char *template_fill(const char *t, char **args, int nargs)
{
	char *r = xstrdup("");

	for (const char *p = t; *p; p++) {
		char one[2] = { *p, '\0' }, *n;
		if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
			int k = p[1] - '1';
			n = kl_cat3(r, k < nargs ? args[k] : "", NULL);
			p++;
		} else {
			n = kl_cat3(r, one, NULL);
		}
		free(r);
		r = n;
	}
	return r;
}

/* The what of sched_point's third argument, SCHED_SITE(label, what). */
char *kl_point_what(const char *site)
{
	size_t st, op, cl;
	char *args[KL_MAX_ARGS], *w;
	int n;

	if (!kl_find_call(site, 0, "SCHED_SITE", &st, &op))
		return xstrdup(site);
	cl = kl_match_paren(site, op);
	n = kl_split_args(site, op, cl, args);
	w = kl_unquote(n >= 2 ? args[1] : site);
	kl_free_args(args, n);
	return w;
}

/* A value read (KREAD's what) inside a larger expression. */
static char *read_inline(const char *what)
{
	char *prefix, *code = kl_what_code(what, &prefix), *r;

	if (kl_is_condition(code))
		r = xstrdup(strchr(code, '('));           /* "if (!x)" inside an if: "(!x)" */
	else if (kl_has_assignment(code))
		r = kl_cat3("(", code, ")");
	else
		r = xstrdup(code);
	free(code);
	free(prefix);
	return r;
}

/*
 * Replace every macro of the table in s, innermost work left to the next
 * round, until none is left; statements of their own (KL_DROP, KL_WHAT_STMT,
 * KL_POINT) are the caller's.  Returns s rewritten (s is freed).
 */
char *kl_rewrite_inline(char *s)
{
	for (int round = 0; round < 32; round++) {
		int changed = 0;
		for (size_t m = 0; m < kl_nmacros; m++) {
			size_t st, op, cl;
			char *args[KL_MAX_ARGS], *rep = NULL;
			int n;

			if (!kl_find_call(s, 0, kl_macros[m].name, &st, &op))
				continue;
			cl = kl_match_paren(s, op);
			if (!s[cl])
				continue;
			n = kl_split_args(s, op, cl, args);
			switch (kl_macros[m].how) {
			case KL_TEMPLATE: rep = template_fill(kl_macros[m].arg, args, n); break;
			case KL_READ: {
				int k = kl_macros[m].arg[0] - '1';
				char *w = kl_unquote(k < n ? args[k] : "");
				rep = read_inline(w);
				free(w);
				break;
			}
			case KL_WHAT_STMT: {
				int k = kl_macros[m].arg[0] - '1';
				char *w = kl_unquote(k < n ? args[k] : ""), *prefix;
				rep = kl_what_code(w, &prefix);
				free(prefix);
				free(w);
				break;
			}
			case KL_POINT: {
				char *w = kl_point_what(n >= 3 ? args[2] : ""), *prefix;
				rep = kl_what_code(w, &prefix);
				free(prefix);
				free(w);
				break;
			}
			case KL_CONST_FALSE: rep = xstrdup(KL_WHATIF_OFF); break;
			case KL_DROP: rep = xstrdup(""); break;
			}
			kl_free_args(args, n);
			s = kl_splice(s, st, cl + 1, rep);
			free(rep);
			changed = 1;
		}
		if (!changed)
			break;
	}
	/* &W->mapping: the kernel's pointer `mapping`; W->x: the kernel's global x;
	 * W->xip->f(: the version's own f, which the kernel calls by name (or,
	 * for the fault handler, through vma->vm_ops, as the line's comment says) */
	for (char *p = strstr(s, kl_world_prefix); p; p = strstr(s, kl_world_prefix)) {
		size_t at = (size_t)(p - s), end = at + strlen(kl_world_prefix), e = end;
		if (strncmp(s + end, "xip->", 5) == 0) {
			s = kl_splice(s, at, end + 5, "");
			continue;
		}
		while (kl_is_ident((unsigned char)s[e]))
			e++;
		if (at > 0 && s[at - 1] == '&' && s[e] != '[' && s[e] != '.' && strncmp(s + e, "->", 2) != 0)
			at--;
		s = kl_splice(s, at, end, "");
	}
	return s;
}

/*
 * Fold the what-if constants out of an expression: !off is on; "on && e",
 * "off || e" are e; "off ? a : b" is b.  A mark left over is shown as 0 or 1.
 */
char *kl_fold_constants(char *s)
{
	static const char *const pairs[][2] = {
		{ "!" KL_WHATIF_OFF, KL_WHATIF_ON }, { KL_WHATIF_ON " && ", "" }, { " && " KL_WHATIF_ON, "" },
		{ KL_WHATIF_OFF " || ", "" }, { " || " KL_WHATIF_OFF, "" },
		{ "(" KL_WHATIF_ON ")", KL_WHATIF_ON }, { "(" KL_WHATIF_OFF ")", KL_WHATIF_OFF },
		{ "!" KL_WHATIF_ON, KL_WHATIF_OFF },
	};
	int changed = 1;

	while (changed) {
		changed = 0;
		for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
			size_t n = strlen(pairs[i][0]);
			for (char *p = strstr(s, pairs[i][0]); p; p = strstr(s, pairs[i][0])) {
				s = kl_splice(s, (size_t)(p - s), (size_t)(p - s) + n, pairs[i][1]);
				changed = 1;
			}
		}
		/* "off ? a : b" -> "b" (a holds no '?' of its own in the kernel's code) */
		for (char *p = strstr(s, KL_WHATIF_OFF " ? "); p; p = strstr(s, KL_WHATIF_OFF " ? ")) {
			char *colon = strstr(p, " : ");
			if (!colon)
				break;
			s = kl_splice(s, (size_t)(p - s), (size_t)(colon - s) + 3, "");
			changed = 1;
		}
	}
	return s;
}

/* The marks that are left, as the constants they are. */
char *kl_show_constants(char *s)
{
	for (char *p = strpbrk(s, KL_WHATIF_OFF KL_WHATIF_ON); p; p = strpbrk(s, KL_WHATIF_OFF KL_WHATIF_ON))
		s = kl_splice(s, (size_t)(p - s), (size_t)(p - s) + 1, *p == KL_WHATIF_OFF[0] ? "0" : "1");
	return s;
}

