/*
 * dot.h - the schedules an exploration ran, drawn as a tree (Graphviz DOT):
 * each path from the root is one execution, each branch a point where the
 * search tried another CPU, each leaf the verdict.  Straight runs of steps
 * are folded into one edge ("CPU0 x5, CPU1 x9").
 */
#ifndef XS_DOT_H
#define XS_DOT_H

#include <stdio.h>
#include <stddef.h>

#include "sched.h"
#include "verdict.h"

#define DOT_MAX_EXECUTIONS 2000  /* beyond this the picture helps nobody */

struct dot_tree;

struct dot_tree *dot_tree_new(void);
void dot_tree_free(struct dot_tree *t);

/*
 * Add one execution: the ended run on s (its trace, and which CPUs
 * finished), with its verdict.  Returns 0, or -1 once DOT_MAX_EXECUTIONS
 * were added.
 */
int dot_tree_add(struct dot_tree *t, const struct sched *s, enum verdict_kind v);

/* What every file dot_tree_write writes begins with. */
#define DOT_MAGIC "digraph explored {\n"

/* Write the tree as a DOT digraph titled `title`. */
void dot_tree_write(const struct dot_tree *t, FILE *out, const char *title);

/*
 * May the tree go to file `path`?  Never over a file the program reads
 * (keep[0..nkeep): the database and its -wal, -shm and -journal files, the
 * scenario; NULL entries are skipped), even with force; never over an
 * existing file that is not empty and does not begin with DOT_MAGIC (not
 * our output), unless force.  Returns 0, or -1 with *cause naming the file
 * and what to do.
 */
int dot_file_check(const char *path, const char *const *keep, size_t nkeep, int force, char **cause);

/*
 * Check again (dot_file_check), then write the tree to a temporary file in
 * path's directory and rename it over path: `path` is either as it was or
 * the whole tree, never half of it.  -1 with *cause when it cannot.
 */
int dot_file_write(const struct dot_tree *t, const char *path, const char *title, const char *const *keep,
		   size_t nkeep, int force, char **cause);

#endif
