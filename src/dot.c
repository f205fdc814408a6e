/*
 * dot.c - the exploration tree in DOT (dot.h).
 *
 * A trie of choice sequences: node 0 is the empty schedule; a child per CPU
 * chosen next.  Writing it folds every chain of single-child nodes into one
 * edge, so the picture shows only where schedules part.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dot.h"
#include "util.h"

struct dot_node {
	int cpu;          /* the choice on the edge from the parent */
	int child, next;  /* first child, next sibling: -1 for none */
	int verdict;      /* a leaf's verdict, -1 inside */
};

struct dot_tree {
	struct dot_node *nodes;
	size_t n, cap;
	size_t executions;
};

static int node_new(struct dot_tree *t, int cpu)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->nodes = xrealloc(t->nodes, t->cap * sizeof *t->nodes);
	}
	t->nodes[t->n] = (struct dot_node){ cpu, -1, -1, -1 };
	return (int)t->n++;
}

struct dot_tree *dot_tree_new(void)
{
	struct dot_tree *t = xcalloc(1, sizeof *t);

	node_new(t, -1);
	return t;
}

void dot_tree_free(struct dot_tree *t)
{
	if (t) {
		free(t->nodes);
		free(t);
	}
}

int dot_tree_add(struct dot_tree *t, const int *choices, size_t n, enum verdict_kind v)
{
	int cur = 0;

	if (t->executions >= DOT_MAX_EXECUTIONS)
		return -1;
	t->executions++;
	for (size_t i = 0; i < n; i++) {
		int c = t->nodes[cur].child, prev = -1;
		while (c >= 0 && t->nodes[c].cpu != choices[i]) {
			prev = c;
			c = t->nodes[c].next;
		}
		if (c < 0) {
			c = node_new(t, choices[i]);
			if (prev >= 0)
				t->nodes[prev].next = c;
			else
				t->nodes[cur].child = c;
		}
		cur = c;
	}
	t->nodes[cur].verdict = (int)v;
	return 0;
}

/* Follow single-child chains from `c`, describing them run-length encoded. */
static int fold(const struct dot_tree *t, int c, char *label, size_t len)
{
	size_t o = 0;
	int run_cpu = -1, run = 0;

	label[0] = '\0';
	for (;;) {
		const struct dot_node *nd = &t->nodes[c];
		if (nd->cpu != run_cpu) {
			if (run)
				o += (size_t)snprintf(label + o, len > o ? len - o : 0, "%sCPU%d x%d", o ? ", " : "", run_cpu, run);
			run_cpu = nd->cpu;
			run = 0;
		}
		run++;
		if (nd->child < 0 || t->nodes[nd->child].next >= 0 || nd->verdict >= 0)
			break;
		c = nd->child;
	}
	snprintf(label + o, len > o ? len - o : 0, "%sCPU%d x%d", o ? ", " : "", run_cpu, run);
	return c;
}

static void write_node(const struct dot_tree *t, FILE *out, int id)
{
	for (int c = t->nodes[id].child; c >= 0; c = t->nodes[c].next) {
		char label[256];
		int end = fold(t, c, label, sizeof label);
		const struct dot_node *e = &t->nodes[end];

		if (e->verdict >= 0 && e->child < 0)
			fprintf(out, "  n%d [shape=box, style=filled, fillcolor=\"%s\", label=\"%s\"];\n", end,
				e->verdict == VERDICT_OK ? "#bbf7d0" : "#fecaca", verdict_kind_name((enum verdict_kind)e->verdict));
		else
			fprintf(out, "  n%d [shape=point];\n", end);
		fprintf(out, "  n%d -> n%d [label=\"%s\"];\n", id, end, label);
		write_node(t, out, end);
	}
}

void dot_tree_write(const struct dot_tree *t, FILE *out, const char *title)
{
	fprintf(out, "digraph explored {\n  label=\"%s (%zu executions)\";\n  labelloc=t;\n"
		"  node [fontname=\"DejaVu Sans Mono\"];\n  edge [fontname=\"DejaVu Sans Mono\", fontsize=10];\n"
		"  n0 [shape=circle, label=\"start\"];\n", title, t->executions);
	write_node(t, out, 0);
	fputs("}\n", out);
}
