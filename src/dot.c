/*
 * dot.c - the exploration tree in DOT (dot.h).
 *
 * A trie of choice sequences: node 0 is the empty schedule; a child per CPU
 * chosen next.  Writing it folds every chain of single-child nodes into one
 * edge, so the picture shows only where schedules part.
 *
 * Edges are labelled with milestones (schedule.h): each run of one CPU's
 * steps on an edge is the item that replays it, "cpu0 to xip_sparse_page"
 * (it stops where the CPU is about to run code in that function), "cpu1 to
 * end", or "cpu0 3 steps" where no function milestone stops exactly
 * there.  A node keeps what its step left the CPU about to do (the site of
 * that CPU's next step in the execution that made it): the prefix decides
 * it, so every execution through the node agrees.  The items of a path
 * from the root, joined with ';', are a schedule that runs that leaf.
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
	const char *func; /* the function the step ran in */
	const struct sched_site *next_site; /* where the CPU stopped after it: its next step's site; NULL none */
	int finished;     /* the CPU's task was over after this step */
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
	t->nodes[t->n] = (struct dot_node){ cpu, -1, -1, -1, NULL, NULL, 0 };
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

int dot_tree_add(struct dot_tree *t, const struct sched *s, enum verdict_kind v)
{
	size_t n;
	const struct sched_step *tr = sched_trace(s, &n);
	size_t *next = xcalloc(n ? n : 1, sizeof *next), last[SCHED_MAX_CPUS];
	int finished[SCHED_MAX_CPUS], cur = 0;

	if (t->executions >= DOT_MAX_EXECUTIONS) {
		free(next);
		return -1;
	}
	t->executions++;
	for (int c = 0; c < SCHED_MAX_CPUS; c++) {
		struct sched_cpu_info info;
		last[c] = n;   /* none */
		finished[c] = 0;
		if (c < sched_ncpus(s)) {
			sched_cpu_info(s, c, &info);
			finished[c] = info.state == SCHED_CPU_FINISHED;
		}
	}
	for (size_t i = n; i-- > 0;) {
		next[i] = last[tr[i].cpu];
		last[tr[i].cpu] = i;
	}
	for (size_t i = 0; i < n; i++) {
		int c = t->nodes[cur].child, prev = -1;
		while (c >= 0 && t->nodes[c].cpu != tr[i].cpu) {
			prev = c;
			c = t->nodes[c].next;
		}
		if (c < 0) {
			struct dot_node *nd;
			c = node_new(t, tr[i].cpu);
			nd = &t->nodes[c];
			nd->func = tr[i].site->func;
			nd->next_site = next[i] < n ? tr[next[i]].site : NULL;
			nd->finished = next[i] == n && finished[tr[i].cpu];
			if (prev >= 0)
				t->nodes[prev].next = c;
			else
				t->nodes[cur].child = c;
		}
		cur = c;
	}
	t->nodes[cur].verdict = (int)v;
	free(next);
	return 0;
}

/* s with '"' and '\\' made safe for a DOT string (in place: a site id never holds them, but be sure). */
static char *dot_escape(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '"' || *p == '\\')
			*p = '\'';
	return s;
}

/*
 * The item that replays the steps of one CPU on nodes run[0..k) ("cpu0 to
 * F", "cpu1 to end", "cpu0 3 steps") into buf, and for a count, where it
 * leaves the CPU into note ("" when nothing to add).
 */
static size_t item(const struct dot_tree *t, const int *run, size_t k, char *buf, size_t len, char *note, size_t nlen)
{
	const struct dot_node *end = &t->nodes[run[k - 1]];
	int to = end->next_site != NULL;
	char id[160];

	note[0] = '\0';
	for (size_t i = 0; i < k && to; i++)
		to = strcmp(t->nodes[run[i]].func, end->next_site->func) != 0;  /* "to F" would stop earlier */
	if (to)
		return (size_t)snprintf(buf, len, "cpu%d to %s", end->cpu, end->next_site->func);
	if (end->finished)
		return (size_t)snprintf(buf, len, "cpu%d to end", end->cpu);
	/* inside a function: no milestone stops here; say where it stops, by the site's stable id */
	if (end->next_site)
		snprintf(note, nlen, "  (then at %s)", dot_escape(sched_site_id(end->next_site, id, sizeof id)));
	return (size_t)snprintf(buf, len, "cpu%d %zu step%s", end->cpu, k, k == 1 ? "" : "s");
}

/*
 * Follow the single-child chain from `c`, writing its items into label
 * (DOT text, one item a left-justified line); returns the chain's last node.
 */
static int fold(const struct dot_tree *t, int c, char *label, size_t len)
{
	int run[64];
	size_t o = 0, k = 0;
	char note[200];

	label[0] = '\0';
	for (;;) {
		const struct dot_node *nd = &t->nodes[c];
		if (k > 0 && (t->nodes[run[k - 1]].cpu != nd->cpu || k == sizeof run / sizeof run[0])) {
			o += item(t, run, k, label + o, len > o ? len - o : 0, note, sizeof note);
			o += (size_t)snprintf(label + o, len > o ? len - o : 0, ";\\l%s%s", note, note[0] ? "\\l" : "");
			k = 0;
		}
		run[k++] = c;
		if (nd->child < 0 || t->nodes[nd->child].next >= 0 || nd->verdict >= 0)
			break;
		c = nd->child;
	}
	o += item(t, run, k, label + o, len > o ? len - o : 0, note, sizeof note);
	snprintf(label + o, len > o ? len - o : 0, "\\l%s%s", note, note[0] ? "\\l" : "");
	return c;
}

static void write_node(const struct dot_tree *t, FILE *out, int id)
{
	for (int c = t->nodes[id].child; c >= 0; c = t->nodes[c].next) {
		char label[1024];
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
	fprintf(out, DOT_MAGIC "  label=\"%s (%zu executions)\\nan edge: the schedule items that run it; "
		"a path's items joined with ';' run that leaf (--schedule)\";\n  labelloc=t;\n"
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
