/*
 * util.c - fatal errors, allocation that cannot fail, small text helpers
 * and the one FNV-1a hash.
 *
 * Nothing here knows about curses: the TUI registers a hook that puts the
 * terminal back before fatal() prints, so an internal error never leaves a
 * classroom projector in raw mode.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void (*fatal_hook)(void);

void util_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	if (fatal_hook) {
		void (*hook)(void) = fatal_hook;
		fatal_hook = NULL; /* a fatal inside the hook must not loop */
		hook();
	}
	fflush(stdout);
	fputs("xipsandbox: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (strncmp(fmt, "out of memory", 13) == 0)
		fputs("\nThe machine (or a ulimit) gave xipsandbox no more memory; free some and try again.\n", stderr);
	else
		fputs("\nThis is a bug in xipsandbox; please report it with the command you ran.\n", stderr);
	exit(XS_EXIT_INTERNAL);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		fatal("out of memory (allocating %zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		fatal("out of memory (allocating %zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		fatal("out of memory (reallocating to %zu bytes)", n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xmalloc(n), s, n);
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list copy;
	int n;
	char *s;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		fatal("bad format string \"%s\"", fmt);
	s = xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *util_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

char *util_next_line(char **text)
{
	char *line = *text, *nl;

	if (!line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*text = nl + 1;
	} else {
		*text = NULL;
	}
	return line;
}

int util_read_text(const char *path, size_t max, char **text, char **cause)
{
	FILE *fp = fopen(path, "rb");
	size_t len = 0, cap = 4096;
	char *buf;

	if (!fp)
		return errno == ENOENT ? 0 : util_errf(cause, "%s: %s", path, strerror(errno));
	buf = xmalloc(cap);
	for (;;) {
		size_t got;
		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + len, 1, cap - len - 1, fp);
		len += got;
		if (len > max) {
			fclose(fp);
			free(buf);
			return util_errf(cause, "%s: too large (more than %zu bytes)", path, max);
		}
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		int e = errno;
		fclose(fp);
		free(buf);
		return util_errf(cause, "%s: %s", path, strerror(e));
	}
	fclose(fp);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		return util_errf(cause, "%s: binary data (a NUL byte) in a text file", path);
	}
	*text = buf;
	return 1;
}

int util_errf(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

uint64_t util_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull; /* the 64-bit FNV prime */
	}
	return h;
}

/*
 * Bytes of the well-formed UTF-8 character at s that a terminal shows as a
 * character (2 to 4), or 0: a byte that is not one (a lone or cut byte, an
 * overlong form, a surrogate), or a character that is a control: C1
 * (U+0080..U+009F; 0x9B alone is CSI on an 8-bit terminal) and the bidi
 * overrides and isolates (U+202A..U+202E, U+2066..U+2069), which reorder
 * what is shown (B47).
 */
static int shown_utf8(const unsigned char *s)
{
	unsigned c = s[0], cp;
	int n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;

	if (n == 0)
		return 0;
	cp = c & (0x7Fu >> n);
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3Fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	if (cp <= 0x9F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return n;
}

char *util_shown_into(const char *s, int keep_lines, char *buf, size_t len)
{
	size_t o = 0;

	XS_ASSERT(len >= 8);
	while (*s) {
		unsigned char c = (unsigned char)*s;
		int plain = c < 0x80 ? (c >= 0x20 && c != 0x7f) || (keep_lines && (c == '\n' || c == '\t'))
				     : shown_utf8((const unsigned char *)s);
		size_t need = plain ? (size_t)(c < 0x80 ? 1 : plain) : 4;
		if (o + need + 4 > len) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (plain) {
			memcpy(buf + o, s, need);
			o += need;
			s += need;
		} else {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02X", c);
			s++;
		}
	}
	buf[o] = '\0';
	return buf;
}

const char *util_shown(const char *s)
{
	static char bufs[4][UTIL_SHOWN_MAX];
	static unsigned next;

	return util_shown_into(s ? s : "", 0, bufs[next++ % 4], UTIL_SHOWN_MAX);
}

char *util_shell_word(const char *s)
{
	size_t n = 0, safe = *s != '\0';
	char *out, *p;

	for (const char *c = s; *c; c++, n++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=+,-@%", *c))
			safe = 0;
	if (safe)
		return xstrdup(s);
	p = out = xmalloc(4 * n + 3);
	*p++ = '\'';
	for (const char *c = s; *c; c++) {
		if (*c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *c;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return out;
}
