/*
 * dot.c - the exploration tree in DOT (dot.h).
 *
 * A trie of choice sequences: node 0 is the empty schedule; a child per CPU
 * chosen next.  Writing it folds every chain of single-child nodes into one
 * edge, so the picture shows only where schedules part.
 *
 * The file: written whole or not at all (a temporary file renamed over
 * it), never over a file the program reads (the database, the scenario),
 * and over another program's file only when forced (B16: `--dot x.db`
 * turned the schedule database into DOT text).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	fprintf(out, DOT_MAGIC "  label=\"%s (%zu executions)\";\n  labelloc=t;\n"
		"  node [fontname=\"DejaVu Sans Mono\"];\n  edge [fontname=\"DejaVu Sans Mono\", fontsize=10];\n"
		"  n0 [shape=circle, label=\"start\"];\n", title, t->executions);
	write_node(t, out, 0);
	fputs("}\n", out);
}

/* 1 when path begins with DOT_MAGIC or is empty, 0 when not, -1 (errno) when it cannot be read. */
static int is_ours(const char *path)
{
	char head[sizeof DOT_MAGIC];
	size_t got;
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return -1;
	got = fread(head, 1, sizeof head - 1, fp);
	fclose(fp);
	return got == 0 || (got == sizeof head - 1 && memcmp(head, DOT_MAGIC, got) == 0);
}

/* realpath of path's directory, then "/" and its last name; NULL when the directory is not there. */
static char *canonical(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xasprintf("%.*s", (int)(slash - path) + (slash == path), path) : xstrdup(".");
	char *real = realpath(dir, NULL), *r = real ? xasprintf("%s/%s", real, slash ? slash + 1 : path) : NULL;

	free(dir);
	free(real);
	return r;
}

/* a and b are one file: the same inode, or (one is missing: a -journal) the same name in one directory. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ca, *cb;
	int r;

	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	ca = canonical(a);
	cb = canonical(b);
	r = ca && cb && strcmp(ca, cb) == 0;
	free(ca);
	free(cb);
	return r;
}

int dot_file_check(const char *path, const char *const *keep, size_t nkeep, int force, char **cause)
{
	struct stat out;
	int ours;

	for (size_t i = 0; i < nkeep; i++)
		if (keep[i] && same_file(path, keep[i]))
			return util_errf(cause, "--dot %s: is %s, which this command reads; the tree would "
					 "write over it: choose another file for --dot", path, keep[i]);
	if (stat(path, &out) != 0)
		return errno == ENOENT ? 0 : util_errf(cause, "--dot %s: %s; choose another file", path, strerror(errno));
	if (!S_ISREG(out.st_mode))
		return util_errf(cause, "--dot %s: is not a regular file; choose another file for --dot", path);
	if ((ours = is_ours(path)) < 0)
		return util_errf(cause, "--dot %s: %s; choose another file", path, strerror(errno));
	if (!ours && !force)
		return util_errf(cause, "--dot %s: exists and is not a tree xipsandbox drew (it does not begin "
				 "with 'digraph explored {'); choose another file, or add --force to replace it",
				 path);
	return 0;
}

int dot_file_write(const struct dot_tree *t, const char *path, const char *title, const char *const *keep,
		   size_t nkeep, int force, char **cause)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	struct stat old;
	mode_t mask;
	FILE *fp = NULL;
	int fd, err = 0;

	if (dot_file_check(path, keep, nkeep, force, cause) != 0) {
		free(tmp);
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		util_errf(cause, "--dot %s: cannot create a file beside it (%s): %s; choose another file", path, tmp,
			  strerror(errno));
		free(tmp);
		return -1;
	}
	mask = umask(0);   /* the mode a new file would get, or the old file's */
	umask(mask);
	if (fchmod(fd, stat(path, &old) == 0 ? old.st_mode & 07777 : 0666 & ~mask) != 0 || !(fp = fdopen(fd, "w")))
		err = errno;
	if (fp) {
		dot_tree_write(t, fp, title);
		if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
			err = errno;
		if (fclose(fp) != 0 && !err)
			err = errno;
	} else {
		close(fd);
	}
	/* checked again just before: a file may have appeared at path meanwhile */
	if (!err && dot_file_check(path, keep, nkeep, force, cause) != 0) {
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (!err && rename(tmp, path) != 0)
		err = errno;
	if (err) {
		unlink(tmp);
		util_errf(cause, "--dot %s: cannot write it: %s; nothing was written there", path, strerror(err));
	}
	free(tmp);
	return err ? -1 : 0;
}
