/*
 * legacy.h - what is needed to read what older releases stored.
 *
 * Trace format 1 (schema 2 and before, up to commit c94cba6) hashed a
 * step's source line; format 2 hashes its site's stable identity
 * (sched.h).  A schedule stored with a format-1 hash is checked by
 * computing the format-1 hash of today's run from the line every site had
 * in that release: equal hashes, the same run, however the source moved
 * since.
 */
#ifndef XS_LEGACY_H
#define XS_LEGACY_H

#include <stdint.h>

#include "sched.h"

/* The line `site` had at c94cba6, -1 when it did not exist then. */
int legacy_site_line(const struct sched_site *site);

/* The format-1 hash of the run (sched_trace_hash_lines); -1 when a step's site is newer. */
int legacy_trace_hash(const struct sched *s, uint64_t *hash);

#endif
