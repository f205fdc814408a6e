/*
 * tap.h - a tiny Test Anything Protocol producer for Automake's TAP driver.
 *
 * Each check prints "ok N - id: description" or "not ok N - ...", with a
 * stable id (sched-2.1, coro-1.3, ...) so that a failure can be named and
 * searched for.  tap_done() prints the plan and returns the exit status.
 */
#ifndef XS_TAP_H
#define XS_TAP_H

#include <stdint.h>

#include "util.h"

int tap_ok(int cond, const char *id, const char *fmt, ...) XS_PRINTF(3, 4);
int tap_is_int(long long got, long long want, const char *id, const char *fmt, ...) XS_PRINTF(4, 5);
int tap_is_str(const char *got, const char *want, const char *id, const char *fmt, ...) XS_PRINTF(4, 5);
/* got contains want as a substring. */
int tap_has_str(const char *got, const char *want, const char *id, const char *fmt, ...) XS_PRINTF(4, 5);
void tap_skip(const char *id, const char *why);
void tap_diag(const char *fmt, ...) XS_PRINTF(1, 2);
/* Prints the plan; returns 0 when every check passed, 1 otherwise. */
int tap_done(void);

#endif
