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
 * This file cuts files into units, applies the rules and prints;
 * kernel-listing-text.c works on the text of one statement and holds the
 * vocabulary (kernel-listing-int.h).
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

#include "kernel-listing-int.h"

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
	char *buf = NULL, *cause = NULL;
	size_t len;

	if (util_read_text(path, (size_t)64 << 20, &buf, &cause) != 1) {
		if (cause)
			kl_die("%s", cause);
		kl_die("%s: no such file", path);
	}
	len = strlen(buf);
	if (len && buf[len - 1] != '\n') {
		buf = xrealloc(buf, len + 2);
		buf[len++] = '\n';
		buf[len] = '\0';
	}
	f->text = buf;
	f->nlines = 0;
	for (size_t i = 0; i < len; i++)
		f->nlines += buf[i] == '\n';
	f->line = xmalloc(sizeof *f->line * (size_t)(f->nlines + 1));
	f->line[0] = NULL;
	for (int l = 1, i = 0; l <= f->nlines; l++) {
		const char *e = strchr(buf + i, '\n');
		f->line[l] = kl_xstrndup(buf + i, (size_t)(e - (buf + i)));
		i = (int)(e - buf) + 1;
	}
}

/* Parenthesis and brace balance of one line, outside literals and comments. */
static void balance(const char *s, int *parens, int *braces)
{
	for (size_t i = 0; s[i];) {
		size_t j = kl_skip_lit(s, i);
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
		const char *t = kl_skip_space(f->line[l]);
		struct unit u = { .first = l, .last = l, .alias = -1, .disp = -1 };
		int parens = 0;

		u.indent = kl_xstrndup(f->line[l], (size_t)(t - f->line[l]));
		if (!*t) {
			u.kind = U_BLANK;
		} else if (kl_starts_with(t, "/*")) {
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
			char *n = kl_cat3(u.text, " ", kl_skip_space(f->line[k]));
			free(u.text);
			u.text = n;
		}
		kl_trim_right(u.text);
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
static const struct kl_macro *stmt_macro(const struct unit *u, enum kl_how how)
{
	for (size_t m = 0; m < kl_nmacros; m++) {
		size_t n = strlen(kl_macros[m].name);
		if (kl_macros[m].how == how && kl_starts_with(u->text, kl_macros[m].name) &&
		    *kl_skip_space(u->text + n) == '(')
			return &kl_macros[m];
	}
	return NULL;
}

/* Does the text mention the instrumentation (a macro of the table, the world, the scheduler)? */
static int is_plumbing(const char *s)
{
	static const char *const words[] = { "__LINE__", "SCHED_SITE", "SCHED_OP_", "sched_point", "sched_note" };

	if (strstr(s, kl_world_prefix))
		return 1;
	for (size_t m = 0; m < kl_nmacros; m++)
		if (kl_mentions(s, kl_macros[m].name))
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

	if (!kl_starts_with(h->text, "if (") && !kl_starts_with(h->text, "} else if ("))
		return 0;
	if (!kl_mentions(h->text, "WITHOUT"))
		return 0;
	{
		size_t op = (size_t)(strchr(h->text, '(') - h->text), cl = kl_match_paren(h->text, op);
		char *c = kl_xstrndup(h->text + op, cl + 1 - op);
		cond = kl_fold_constants(kl_rewrite_inline(c));
	}
	truth = strcmp(cond, KL_WHATIF_ON) == 0 ? 1 : strcmp(cond, KL_WHATIF_OFF) == 0 ? 0 : -1;
	free(cond);
	if (truth < 0 || kl_starts_with(h->text, "}") || !body_of(f, u, &b0, &b1))
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
		if (f->u[v].kind == U_CODE && stmt_macro(&f->u[v], KL_POINT))
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
	char *args[KL_MAX_ARGS], *w;
	size_t st, op, cl;
	int n, depth = 0;

	kl_find_call(p->text, 0, "sched_point", &st, &op);
	cl = kl_match_paren(p->text, op);
	n = kl_split_args(p->text, op, cl, args);
	w = kl_point_what(n >= 3 ? args[2] : "");
	kl_free_args(args, n);
	p->shown = kl_what_stmt(w, ";");
	free(w);
	for (int v = u + 1; v < f->nu; v++) {
		if (f->u[v].kind != U_CODE)
			continue;
		depth += f->u[v].braces;
		if (depth < 0)
			return;
		if (depth == 0 && kl_starts_with(f->u[v].text, "sched_note")) {
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

	while (kl_is_ident((unsigned char)*p))
		p++;
	if (p == s || !kl_starts_with(kl_skip_space(p), "= "))
		return NULL;
	return kl_xstrndup(s, (size_t)(p - s));
}

/*
 * A KREAD statement.  "x = KREAD(..., "if (cond)");" followed by an if
 * (or loop) that tests x: the two are the kernel's one `if (cond)` (or
 * loop header).  "x = KREAD(..., "x = expr")": the what is the statement.
 * KREAD inside an if's condition whose what is "if (cond)": that header.
 * Anything else: the read inline (kl_rewrite_inline).
 */
static void rule_read(struct file *f, int u)
{
	struct unit *r = &f->u[u];
	size_t st, op, cl;
	char *args[KL_MAX_ARGS], *what, *code, *prefix, *lhs;
	int n;

	if (!kl_find_call(r->text, 0, "KREAD", &st, &op))
		return;
	cl = kl_match_paren(r->text, op);
	n = kl_split_args(r->text, op, cl, args);
	what = kl_unquote(n >= 4 ? args[3] : "");
	kl_free_args(args, n);
	code = kl_what_code(what, &prefix);
	lhs = assigned_ident(r->text);
	if (lhs && (kl_is_condition(code) || kl_is_loop(code))) {
		int v = next_code(f, u);
		const char *t = v >= 0 ? f->u[v].text : "";
		if (v >= 0 && (kl_starts_with(t, "if (") || kl_starts_with(t, "for (") || kl_starts_with(t, "while (")) &&
		    kl_mentions(t, lhs)) {
			size_t hop = (size_t)(strchr(t, '(') - t), hcl = kl_match_paren(t, hop);
			char *tail = kl_rewrite_inline(xstrdup(t + hcl + 1));
			r->shown = kl_cat3(code, tail, NULL);
			free(tail);
			f->u[v].skip = 1;
			f->u[v].alias = u;
			r->braces += f->u[v].braces;
		}
	} else if (lhs && st >= strlen(lhs)) {
		r->shown = kl_has_assignment(code) ? kl_what_stmt(what, ";") : NULL;
		if (!r->shown) {
			char *w = kl_cat3(lhs, " = ", code), *c = prefix ? kl_cat3("  /* ", prefix, " */") : NULL;
			r->shown = kl_cat3(w, ";", c);
			free(w);
			free(c);
		}
	} else if (kl_starts_with(r->text, "if (") && kl_is_condition(code)) {
		size_t hcl = kl_match_paren(r->text, 3);
		if (st < hcl) {
			char *tail = kl_rewrite_inline(xstrdup(r->text + hcl + 1));
			r->shown = kl_cat3(code, tail, NULL);
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

	if (!eq || !kl_starts_with(eq + 4, kl_world_prefix))
		return 0;
	name = kl_xstrndup(eq + 4 + strlen(kl_world_prefix), strcspn(eq + 4 + strlen(kl_world_prefix), ";"));
	r = strlen(name) > 0 && eq[4 + strlen(kl_world_prefix) + strlen(name)] == ';' &&
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
		if (stmt_macro(x, KL_DROP) || is_self_binding(x->text) ||
		    (kl_starts_with(x->text, "(void)") && x->text[strlen(x->text) - 1] == ';' && !strchr(x->text + 6, '('))) {
			x->skip = 1;
			continue;
		}
		if (rule_whatif_if(f, u))
			continue;
		if (strcmp(x->text, "{") == 0 && x->indent[0]) {
			rule_bare_block(f, u);
			continue;
		}
		if (stmt_macro(x, KL_POINT)) {
			rule_point(f, u);
			continue;
		}
		if (stmt_macro(x, KL_WHAT_STMT)) {
			size_t st, op, cl;
			char *args[KL_MAX_ARGS], *w;
			const struct kl_macro *m = stmt_macro(x, KL_WHAT_STMT);
			int n, k = m->arg[0] - '1';

			kl_find_call(x->text, 0, m->name, &st, &op);
			cl = kl_match_paren(x->text, op);
			n = kl_split_args(x->text, op, cl, args);
			w = kl_unquote(k < n ? args[k] : "");
			x->shown = kl_what_stmt(w, x->text + cl + 1);
			free(w);
			kl_free_args(args, n);
			continue;
		}
		rule_read(f, u);
		{
			char *t = kl_show_constants(kl_fold_constants(kl_rewrite_inline(xstrdup(x->shown ? x->shown : x->text))));
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
	return kl_cat3(indent, rest, NULL);
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
			const char *t = kl_skip_space(line);
			char *ind = kl_xstrndup(line, (size_t)(t - line));
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

	if (!kl_is_ident((unsigned char)s[0]) || !paren || strchr(s, '=') || s[strlen(s) - 1] == ';')
		return 0;
	p = paren;
	while (p > s && (p[-1] == ' '))
		p--;
	{
		const char *b = p;
		while (b > s && kl_is_ident((unsigned char)b[-1]))
			b--;
		if (b == p)
			return 0;
		*name = kl_xstrndup(b, (size_t)(p - b));
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
		while (b > 0 && (kl_starts_with(L->d[b - 1].text, "/*") || kl_starts_with(L->d[b - 1].text, " *")))
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
		kl_die("usage: kernel-listing [--raw] FILE...");
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
		kl_die("write: %s", strerror(errno));
	return 0;
}
