/*
 * tap.c - TAP output for the unit tests (see tap.h).  The plan is printed
 * last ("1..N"), which the TAP driver accepts, so tests need not count.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"

static int tap_n, tap_failed;

static int report(int cond, const char *id, const char *fmt, va_list ap) XS_PRINTF(3, 0);
static int report(int cond, const char *id, const char *fmt, va_list ap)
{
	printf("%s %d - %s: ", cond ? "ok" : "not ok", ++tap_n, id);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

int tap_ok(int cond, const char *id, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = report(cond, id, fmt, ap);
	va_end(ap);
	return r;
}

int tap_is_int(long long got, long long want, const char *id, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = report(got == want, id, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got: %lld\n#  want: %lld\n", got, want);
	return r;
}

int tap_is_str(const char *got, const char *want, const char *id, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = report(got && strcmp(got, want) == 0, id, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got: \"%s\"\n#  want: \"%s\"\n", got ? got : "(null)", want);
	return r;
}

int tap_has_str(const char *got, const char *want, const char *id, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = report(got && strstr(got, want) != NULL, id, fmt, ap);
	va_end(ap);
	if (!r)
		printf("#   got: \"%s\"\n#  want it to contain: \"%s\"\n", got ? got : "(null)", want);
	return r;
}

void tap_skip(const char *id, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, id, why);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
