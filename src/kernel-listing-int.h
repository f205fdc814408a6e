/*
 * kernel-listing-int.h - the two files of the kernel-listing build tool
 * share this: kernel-listing-text.c (scanning C text, the instrumentation's
 * vocabulary, rewriting one statement) and kernel-listing.c (cutting a
 * file into units, the rules between units, the output).  Strings the
 * functions return are new (the tool exits at once, so frees little).
 */
#ifndef XS_KERNEL_LISTING_INT_H
#define XS_KERNEL_LISTING_INT_H

#include <stddef.h>

#include "util.h"

#define KL_MAX_ARGS 8

enum kl_how {
	KL_DROP,        /* a statement of its own that vanishes (KENTER();) */
	KL_TEMPLATE,    /* replaced by a template: $1..$9 are the arguments */
	KL_READ,        /* KREAD: the `what` argument, placed by context (rule_read) */
	KL_WHAT_STMT,   /* a statement shown as its `what` argument (KWRITE) */
	KL_POINT,       /* sched_point(op, obj, SCHED_SITE(label, what)): its what; opens a bracket */
	KL_CONST_FALSE, /* a what-if switch: off in the kernel's code, the constant 0 */
};

struct kl_macro {
	const char *name;
	enum kl_how how;
	const char *arg;   /* KL_TEMPLATE: the template; KL_READ, KL_WHAT_STMT: which argument is `what` ("4") */
};

/* Each macro of kernel-int.h (and the scheduler calls the kernel makes) and what it stands for. */
extern const struct kl_macro kl_macros[];
extern const size_t kl_nmacros;

/*
 * What a what-if switch becomes, until kl_fold_constants folds it away: two
 * marks that no C text holds, so that only the switch's own constants are
 * folded, never a 0 of the kernel's code.
 */
#define KL_WHATIF_OFF "\001"
#define KL_WHATIF_ON "\002"

/* Text that never reaches the listing: the world pointer. */
extern const char kl_world_prefix[];

/* "kernel-listing: MESSAGE" on stderr, and exit 1 (the build stops). */
XS_NORETURN void kl_die(const char *fmt, ...) XS_PRINTF(1, 2);

/* The first n bytes of s as a new string. */
char *kl_xstrndup(const char *s, size_t n);

/* a + b + c into a new string (any may be NULL). */
char *kl_cat3(const char *a, const char *b, const char *c);

/* s with [from, to) replaced by rep; frees s. */
char *kl_splice(char *s, size_t from, size_t to, const char *rep);

/* A character of an identifier; s past blanks; s without trailing blanks (in place). */
int kl_is_ident(int c);
const char *kl_skip_space(const char *s);
void kl_trim_right(char *s);

/* Past the literal or comment that starts at s[i], or i when none does. */
size_t kl_skip_lit(const char *s, size_t i);

/* Index of the ')' matching the '(' at s[open], or the end of s. */
size_t kl_match_paren(const char *s, size_t open);

/*
 * The first call of `name` in s at or after `from`, outside literals and
 * comments: *start is where the name begins, *open its '('.  0 when none.
 */
int kl_find_call(const char *s, size_t from, const char *name, size_t *start, size_t *open);

/* Does s mention the identifier or text `word` outside literals (as a whole word when it is one)? */
int kl_mentions(const char *s, const char *word);

/* The arguments of the call whose '(' is s[open] and ')' s[close], trimmed, as new strings. */
int kl_split_args(const char *s, size_t open, size_t close, char **args);

/* Free what kl_split_args made. */
void kl_free_args(char **args, int n);

/* The text of a C string literal argument ("a" "b" concatenated), or a copy of arg when it is not one. */
char *kl_unquote(const char *arg);

/* Does a top-level '=' (an assignment, not ==, <=, >=, !=) occur in s? */
int kl_has_assignment(const char *s);

/*
 * A site's `what` is kernel code, sometimes after a "where: " prefix
 * ("ext2_get_block: bh.b_blocknr = i_data[pgoff]", "get_page(page):
 * atomic_inc(...)"): *prefix gets the prefix (NULL for none), the result
 * the code.
 */
char *kl_what_code(const char *what, char **prefix);

/* "code;  / * prefix * /" for a what shown as a statement. */
char *kl_what_stmt(const char *what, const char *tail);

/* Does s begin with p? */
int kl_starts_with(const char *s, const char *p);

/* A condition (shown in place of the `if` that tests the value read). */
int kl_is_condition(const char *code);

/* A loop header: "for (...)" or a foreach macro ("vma_prio_tree_foreach(...)"). */
int kl_is_loop(const char *code);

/* The what of sched_point's third argument, SCHED_SITE(label, what). */
char *kl_point_what(const char *site);

/*
 * Replace every macro of the table in s, innermost work left to the next
 * round, until none is left; statements of their own (KL_DROP, KL_WHAT_STMT,
 * KL_POINT) are the caller's.  Returns s rewritten (s is freed).
 */
char *kl_rewrite_inline(char *s);

/*
 * Fold the what-if constants out of an expression: !off is on; "on && e",
 * "off || e" are e; "off ? a : b" is b.  A mark left over is shown as 0 or 1.
 */
char *kl_fold_constants(char *s);

/* The marks that are left, as the constants they are. */
char *kl_show_constants(char *s);

#endif
