/*
 * upstream.c - where the simulated kernel's sites stand in the real
 * kernel's mm/filemap_xip.c (kernel.h: kernel_upstream_line), for BUG
 * verdicts and the code pane.
 *
 * Each number was read from the public kernel history, from the tree a
 * version mirrors (no kernel text is kept here):
 *  - buggy: torvalds/linux at 479db0bf408e ("mm: dirty page tracking race
 *    fix"), the parent of the fix, whose mm/filemap_xip.c is exactly the
 *    seed's "before" side;
 *  - fixed: torvalds/linux at 538f8ea6c852, the seed itself (debug printk
 *    included; it never shipped in a release: 14bac5acfdb6 removed the
 *    printk before 2.6.27).
 * Only statements whose line was established are listed; the later
 * version and mm/memory.c, mm/rmap.c and fs/ext2 are not (their 2.6.27
 * text was not found), and their sites show no upstream line.  The
 * what-if copy of the fixed file answers with the fixed entries; on
 * `livelock-fix` its seqcount calls stand for the same lines, only
 * include/linux/seqlock.h differed (before 88a411c07b6f).
 *
 * Mirrors no kernel file: a table of where ours stand in theirs.  A site is
 * named by its identity (func, label, and its rank among sites sharing
 * that identity: sched_site_rank), never by our line.
 */
#include "config.h"

#include <string.h>

#include "kernel-int.h"

struct upstream_line {
	enum xip_version version;
	const char *func, *label;   /* label NULL: the function's opening line */
	int rank;
	int line;
};

static const struct upstream_line upstream_lines[] = {
	/* before the fix (479db0bf) */
	{ XIP_BUGGY, "xip_sparse_page", NULL, 0, 27 },
	{ XIP_BUGGY, "xip_sparse_page", "sparse_check", 0, 29 },
	{ XIP_BUGGY, "xip_sparse_page", "spin_lock(&xip_alloc_lock)", 0, 34 },
	{ XIP_BUGGY, "xip_sparse_page", "sparse_recheck", 0, 35 },
	{ XIP_BUGGY, "xip_sparse_page", "sparse_set", 0, 36 },
	{ XIP_BUGGY, "xip_sparse_page", "spin_unlock(&xip_alloc_lock)", 0, 39 },
	{ XIP_BUGGY, "__xip_unmap", NULL, 0, 166 },
	{ XIP_BUGGY, "__xip_unmap", "sparse_read", 0, 178 },
	{ XIP_BUGGY, "__xip_unmap", "spin_lock(&mapping->i_mmap_lock)", 0, 182 },
	{ XIP_BUGGY, "__xip_unmap", "i_mmap", 0, 183 },
	{ XIP_BUGGY, "__xip_unmap", "BUG_ON(address < vma->vm_start || address >= vma->vm_end)", 0, 187 },
	{ XIP_BUGGY, "__xip_unmap", "BUG_ON(pteval.dirty)", 0, 195 },
	{ XIP_BUGGY, "__xip_unmap", "spin_unlock(&mapping->i_mmap_lock)", 0, 200 },
	{ XIP_BUGGY, "xip_file_fault", NULL, 0, 209 },
	{ XIP_BUGGY, "xip_file_fault", "i_size", 0, 222 },
	{ XIP_BUGGY, "xip_file_fault", "BUG_ON(err)", 0, 252 },
	{ XIP_BUGGY, "__xip_file_write", NULL, 0, 282 },
	{ XIP_BUGGY, "xip_file_write", NULL, 0, 354 },
	{ XIP_BUGGY, "xip_file_write", "mutex_lock(&inode->i_mutex)", 0, 363 },
	{ XIP_BUGGY, "xip_file_write", "mutex_unlock(&inode->i_mutex)", 0, 395 },
	/* the seed (538f8ea6) */
	{ XIP_FIXED, "xip_sparse_page", NULL, 0, 32 },
	{ XIP_FIXED, "xip_sparse_page", "sparse_check", 0, 34 },
	{ XIP_FIXED, "xip_sparse_page", "sparse_set", 0, 38 },
	{ XIP_FIXED, "__xip_unmap", NULL, 0, 164 },
	{ XIP_FIXED, "__xip_unmap", "read_seqcount_begin(&xip_sparse_seq)", 0, 178 },
	{ XIP_FIXED, "__xip_unmap", "sparse_read", 0, 180 },
	{ XIP_FIXED, "__xip_unmap", "spin_lock(&mapping->i_mmap_lock)", 0, 185 },
	{ XIP_FIXED, "__xip_unmap", "BUG_ON(address < vma->vm_start || address >= vma->vm_end)", 0, 190 },
	{ XIP_FIXED, "__xip_unmap", "BUG_ON(pteval.dirty)", 0, 198 },
	{ XIP_FIXED, "__xip_unmap", "spin_unlock(&mapping->i_mmap_lock)", 0, 203 },
	{ XIP_FIXED, "__xip_unmap", "mutex_unlock(&xip_sparse_mutex)", 0, 206 },
	{ XIP_FIXED, "__xip_unmap", "read_seqcount_retry(&xip_sparse_seq)", 0, 207 },
	{ XIP_FIXED, "__xip_unmap", "mutex_lock(&xip_sparse_mutex)", 0, 208 },
	{ XIP_FIXED, "xip_file_fault", NULL, 0, 220 },
	{ XIP_FIXED, "xip_file_fault", "i_size", 0, 233 },
	{ XIP_FIXED, "xip_file_fault", "BUG_ON(err)", 0, 264 },
	{ XIP_FIXED, "xip_file_fault", "mutex_lock(&xip_sparse_mutex)", 0, 269 },
	{ XIP_FIXED, "xip_file_fault", "write_seqcount_begin(&xip_sparse_seq)", 0, 270 },
	{ XIP_FIXED, "xip_file_fault", "write_seqcount_end(&xip_sparse_seq)", 0, 274 },
	{ XIP_FIXED, "xip_file_fault", "mutex_unlock(&xip_sparse_mutex)", 0, 275 },
	{ XIP_FIXED, "xip_file_fault", "write_seqcount_end(&xip_sparse_seq)", 1, 291 },
	{ XIP_FIXED, "xip_file_fault", "mutex_unlock(&xip_sparse_mutex)", 1, 292 },
	{ XIP_FIXED, "__xip_file_write", NULL, 0, 314 },
	{ XIP_FIXED, "xip_file_write", NULL, 0, 386 },
	{ XIP_FIXED, "xip_file_write", "mutex_lock(&inode->i_mutex)", 0, 395 },
	{ XIP_FIXED, "xip_file_write", "mutex_unlock(&inode->i_mutex)", 0, 427 },
};

static const char *const upstream_trees[XIP_NVERSIONS] = {
	"479db0bf, before the fix", "538f8ea6, the fix", NULL, NULL,
};

static int lookup(enum xip_version v, const char *func, const char *label, int rank, const char **tree)
{
	for (size_t i = 0; i < sizeof upstream_lines / sizeof upstream_lines[0]; i++) {
		const struct upstream_line *u = &upstream_lines[i];
		if (u->version == v && u->rank == rank && strcmp(u->func, func) == 0 &&
		    (label ? u->label && strcmp(u->label, label) == 0 : !u->label)) {
			*tree = upstream_trees[v];
			return u->line;
		}
	}
	*tree = NULL;
	return 0;
}

/* Does the file hold code of version v's mm/filemap_xip.c? */
static int file_of_version(const char *file, enum xip_version v)
{
	static const char *const files[XIP_NVERSIONS][3] = {
		{ "filemap_xip_buggy.c", "filemap_xip.c", NULL },
		{ "filemap_xip_fixed.c", "filemap_xip_whatif.c", "filemap_xip.c" },
		{ NULL, NULL, NULL },
		{ NULL, NULL, NULL },
	};
	const char *base = strrchr(file, '/');

	base = base ? base + 1 : file;
	for (int i = 0; i < 3 && files[v][i]; i++)
		if (strcmp(base, files[v][i]) == 0)
			return 1;
	return 0;
}

int kernel_upstream_line(const struct sched_site *site, enum xip_version v, const char **tree)
{
	*tree = NULL;
	if ((unsigned)v >= XIP_NVERSIONS || !file_of_version(site->file, v))
		return 0;
	return lookup(v, site->func, site->label, sched_site_rank(site), tree);
}

size_t kernel_upstream_count(void)
{
	return sizeof upstream_lines / sizeof upstream_lines[0];
}

int kernel_upstream_func_line(const char *func, enum xip_version v, const char **tree)
{
	return lookup(v, func, NULL, 0, tree);
}
