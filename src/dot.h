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

#include "verdict.h"

#define DOT_MAX_EXECUTIONS 2000  /* beyond this the picture helps nobody */

struct dot_tree;

struct dot_tree *dot_tree_new(void);
void dot_tree_free(struct dot_tree *t);

/* Add one execution; returns 0, or -1 once DOT_MAX_EXECUTIONS were added. */
int dot_tree_add(struct dot_tree *t, const int *choices, size_t n, enum verdict_kind v);

/* Write the tree as a DOT digraph titled `title`. */
void dot_tree_write(const struct dot_tree *t, FILE *out, const char *title);

#endif
