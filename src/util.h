/*
 * util.h - the three error tiers shared by every module.
 *
 *  - fatal(): impossible states and out-of-memory.  Restores the terminal
 *    (through the hook the TUI installs) and exits with status 70; never
 *    returns.
 *  - XS_ASSERT(): an always-on invariant check that prints file:line.
 *  - Everything a user can cause is not handled here: modules return -1 with
 *    a message (see util_errf) and the caller decides.
 */
#ifndef XS_UTIL_H
#define XS_UTIL_H

#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>

#define XS_EXIT_INTERNAL 70 /* EX_SOFTWARE: a bug in xipsandbox itself */

#if defined(__GNUC__)
#define XS_NORETURN __attribute__((noreturn))
#define XS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define XS_LIKELY(x) __builtin_expect(!!(x), 1)
#define XS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define XS_NORETURN
#define XS_PRINTF(a, b)
#define XS_LIKELY(x) (x)
#define XS_UNLIKELY(x) (x)
#endif

/* Print "xipsandbox: fatal: <message>" and exit(XS_EXIT_INTERNAL). */
XS_NORETURN void fatal(const char *fmt, ...) XS_PRINTF(1, 2);

/* Called by fatal() before it prints (the TUI puts the terminal back). */
void util_set_fatal_hook(void (*hook)(void));

#define XS_ASSERT(cond)                                                      \
	do {                                                                 \
		if (XS_UNLIKELY(!(cond)))                                    \
			fatal("assertion failed at %s:%d: %s", __FILE__,     \
			      __LINE__, #cond);                              \
	} while (0)

/* Allocation that cannot fail: out of memory is fatal. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Format into a newly allocated string (fatal on out of memory). */
char *xasprintf(const char *fmt, ...) XS_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) XS_PRINTF(1, 0);

/* Strip blanks (and a CR) at both ends of s, in place; returns the start. */
char *util_trim(char *s);

/*
 * The one sanitiser for text a user or a file gave us that goes to a
 * terminal (a scenario's name or title, a schedule's name): control bytes
 * and DEL as \xNN, so an escape sequence in a file can never clear or
 * retitle the screen; so are the bytes of anything but well-formed UTF-8
 * characters that are not controls (C1, bidi overrides: B47).  Newlines and tabs are kept when keep_lines is set.
 * util_shown_into writes at most len bytes (ending "..." when cut) and
 * returns buf; util_shown returns one of four rotating static buffers of
 * UTIL_SHOWN_MAX bytes, for printf arguments.
 */
#define UTIL_SHOWN_MAX 1024
char *util_shown_into(const char *s, int keep_lines, char *buf, size_t len);
const char *util_shown(const char *s);

/*
 * s as one word a POSIX shell reads back as s, for the commands we print
 * for the user to type ("resume: xipsandbox explore 'my file.scn' ..."):
 * as it is when every byte is safe, else in single quotes (a quote as
 * '\'').  Newly allocated; print it through util_shown.
 */
char *util_shell_word(const char *s);

/* Cut the next line off *text, in place (NULL at the end of the text). */
char *util_next_line(char **text);

/*
 * Read a whole text file of at most max bytes into *text (NUL-terminated,
 * newly allocated).  Returns 1, 0 when it does not exist, or -1 with
 * *cause ("PATH: <reason>") when it cannot be read, is larger than max, or
 * holds a NUL byte.
 */
int util_read_text(const char *path, size_t max, char **text, char **cause);

/*
 * Set *cause (if cause is not NULL) to a newly allocated message and return
 * -1, so that "return util_errf(cause, ...)" is the one idiom for a user
 * error.  The caller frees *cause.
 */
int util_errf(char **cause, const char *fmt, ...) XS_PRINTF(2, 3);

/*
 * 64-bit FNV-1a, the one implementation: start from UTIL_FNV1A_INIT (the
 * offset basis) and fold in n bytes at p, each xored in and multiplied by
 * the FNV prime.  Calls chain (the result is the h of the next call), so
 * hashing a then b equals hashing their concatenation.  Stored hashes (a
 * scenario's text, a trace, a .sched file) depend on it bit for bit.
 */
#define UTIL_FNV1A_INIT 14695981039346656037ull
uint64_t util_fnv1a(uint64_t h, const void *p, size_t n);

#endif
