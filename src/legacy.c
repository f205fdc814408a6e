/*
 * legacy.c - the trace hash of the releases before stable site ids
 * (legacy.h).  Up to commit c94cba6 (schema 2) a step's hash took its
 * site's source line, so the table below, the line of every site of the
 * simulated kernel at that commit, is what a run of today needs to
 * compute the hash such a release stored.  Frozen: it describes the old
 * release, never the current source: its lines never change.  Its keys
 * are today's site identities: a site renamed since keeps its old line
 * under its new name (renamed so far: __xip_file_write's
 * "mutex_lock(&W->xip_sparse_mutex)" and its unlock, now without "W->").
 */
#include "config.h"

#include <string.h>

#include "legacy.h"
#include "util.h"

struct legacy_site {
	const char *file, *func, *label;
	int line;
};

/* (file, func, label, line at c94cba6), sorted; one row per site. */
static const struct legacy_site legacy_sites[] = {
	{ "fault.c", "do_page_fault", "find_vma", 26 },
	{ "fault.c", "user_access", "load_page", 60 },
	{ "fault.c", "user_access", "store_page", 56 },
	{ "fault.c", "user_access", "walk_load", 49 },
	{ "fault.c", "user_access", "walk_store", 47 },
	{ "filemap_xip.c", "__xip_file_write", "copy_from_user", 109 },
	{ "filemap_xip.c", "__xip_file_write", "i_size_write", 119 },
	{ "filemap_xip.c", "__xip_file_write", "mutex_lock(&xip_sparse_mutex)", 96 },
	{ "filemap_xip.c", "__xip_file_write", "mutex_unlock(&xip_sparse_mutex)", 99 },
	{ "filemap_xip.c", "do_xip_mapping_read", "copy_to_user", 74 },
	{ "filemap_xip.c", "do_xip_mapping_read", "i_size", 53 },
	{ "filemap_xip.c", "printk_insert", "printk_insert", 24 },
	{ "filemap_xip.c", "xip_file_write", "mutex_lock(&inode->i_mutex)", 131 },
	{ "filemap_xip.c", "xip_file_write", "mutex_unlock(&inode->i_mutex)", 134 },
	{ "filemap_xip_buggy.c", "__xip_unmap", "BUG_ON(address < vma->vm_start || address >= vma->vm_end)", 67 },
	{ "filemap_xip_buggy.c", "__xip_unmap", "BUG_ON(pteval.dirty)", 74 },
	{ "filemap_xip_buggy.c", "__xip_unmap", "i_mmap", 61 },
	{ "filemap_xip_buggy.c", "__xip_unmap", "sparse_read", 55 },
	{ "filemap_xip_buggy.c", "__xip_unmap", "spin_lock(&mapping->i_mmap_lock)", 59 },
	{ "filemap_xip_buggy.c", "__xip_unmap", "spin_unlock(&mapping->i_mmap_lock)", 79 },
	{ "filemap_xip_buggy.c", "__xip_unmap", "spin_unlock(ptl)", 75 },
	{ "filemap_xip_buggy.c", "xip_file_fault", "BUG_ON(err)", 128 },
	{ "filemap_xip_buggy.c", "xip_file_fault", "i_size", 100 },
	{ "filemap_xip_buggy.c", "xip_sparse_page", "sparse_check", 23 },
	{ "filemap_xip_buggy.c", "xip_sparse_page", "sparse_recheck", 29 },
	{ "filemap_xip_buggy.c", "xip_sparse_page", "sparse_return", 36 },
	{ "filemap_xip_buggy.c", "xip_sparse_page", "sparse_set", 30 },
	{ "filemap_xip_buggy.c", "xip_sparse_page", "spin_lock(&xip_alloc_lock)", 28 },
	{ "filemap_xip_buggy.c", "xip_sparse_page", "spin_unlock(&xip_alloc_lock)", 33 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "BUG_ON(address < vma->vm_start || address >= vma->vm_end)", 75 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "BUG_ON(pteval.dirty)", 82 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "i_mmap", 69 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "mutex_lock(&xip_sparse_mutex)", 94 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "mutex_unlock(&xip_sparse_mutex)", 91 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "read_seqcount_begin(&xip_sparse_seq)", 60 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "read_seqcount_begin(&xip_sparse_seq) [pre-2.6.25: no wait]", 58 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "read_seqcount_retry(&xip_sparse_seq)", 92 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "sparse_read", 62 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "spin_lock(&mapping->i_mmap_lock)", 67 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "spin_unlock(&mapping->i_mmap_lock)", 87 },
	{ "filemap_xip_fixed.c", "__xip_unmap", "spin_unlock(ptl)", 83 },
	{ "filemap_xip_fixed.c", "xip_file_fault", "BUG_ON(err)", 143 },
	{ "filemap_xip_fixed.c", "xip_file_fault", "i_size", 114 },
	{ "filemap_xip_fixed.c", "xip_file_fault", "mutex_lock(&xip_sparse_mutex)", 149 },
	{ "filemap_xip_fixed.c", "xip_file_fault", "mutex_unlock(&xip_sparse_mutex)", 157 },
	{ "filemap_xip_fixed.c", "xip_file_fault", "mutex_unlock(&xip_sparse_mutex)", 175 },
	{ "filemap_xip_fixed.c", "xip_file_fault", "write_seqcount_begin(&xip_sparse_seq)", 151 },
	{ "filemap_xip_fixed.c", "xip_file_fault", "write_seqcount_end(&xip_sparse_seq)", 155 },
	{ "filemap_xip_fixed.c", "xip_file_fault", "write_seqcount_end(&xip_sparse_seq)", 173 },
	{ "filemap_xip_fixed.c", "xip_sparse_page", "sparse_check", 29 },
	{ "filemap_xip_fixed.c", "xip_sparse_page", "sparse_return", 35 },
	{ "filemap_xip_fixed.c", "xip_sparse_page", "sparse_set", 33 },
	{ "filemap_xip_later.c", "xip_file_fault", "BUG_ON(err)", 77 },
	{ "filemap_xip_later.c", "xip_file_fault", "i_size", 42 },
	{ "filemap_xip_later.c", "xip_file_fault", "mutex_lock(&xip_sparse_mutex)", 60 },
	{ "filemap_xip_later.c", "xip_file_fault", "mutex_lock(&xip_sparse_mutex)", 82 },
	{ "filemap_xip_later.c", "xip_file_fault", "mutex_unlock(&xip_sparse_mutex)", 62 },
	{ "filemap_xip_later.c", "xip_file_fault", "mutex_unlock(&xip_sparse_mutex)", 87 },
	{ "filemap_xip_later.c", "xip_file_fault", "mutex_unlock(&xip_sparse_mutex)", 103 },
	{ "filemap_xip_later.c", "xip_file_fault", "write_seqcount_begin(&xip_sparse_seq)", 83 },
	{ "filemap_xip_later.c", "xip_file_fault", "write_seqcount_end(&xip_sparse_seq)", 86 },
	{ "filemap_xip_later.c", "xip_file_fault", "write_seqcount_end(&xip_sparse_seq)", 102 },
	{ "flash.c", "ext2_new_block", "set_bit", 43 },
	{ "flash.c", "get_xip_mem", "block_lookup", 72 },
	{ "flash.c", "get_xip_mem", "clear_target", 83 },
	{ "flash.c", "get_xip_mem", "mutex_lock(&ei->truncate_mutex)", 76 },
	{ "flash.c", "get_xip_mem", "mutex_unlock(&ei->truncate_mutex)", 79 },
	{ "flash.c", "get_xip_mem", "mutex_unlock(&ei->truncate_mutex)", 88 },
	{ "flash.c", "get_xip_mem", "splice", 87 },
	{ "memory.c", "__do_fault", "cow_copy", 302 },
	{ "memory.c", "__do_fault", "lock_page(vmf.page)", 288 },
	{ "memory.c", "__do_fault", "pte_same", 316 },
	{ "memory.c", "__do_fault", "set_pte", 329 },
	{ "memory.c", "__do_fault", "spin_lock(ptl)", 311 },
	{ "memory.c", "__do_fault", "spin_unlock(ptl)", 348 },
	{ "memory.c", "__do_fault", "unlock_page(vmf.page)", 351 },
	{ "memory.c", "do_wp_page", "access_flags", 381 },
	{ "memory.c", "do_wp_page", "cow_copy", 401 },
	{ "memory.c", "do_wp_page", "pte_same", 407 },
	{ "memory.c", "do_wp_page", "set_pte", 418 },
	{ "memory.c", "do_wp_page", "spin_lock(ptl)", 406 },
	{ "memory.c", "do_wp_page", "spin_unlock(ptl)", 391 },
	{ "memory.c", "do_wp_page", "spin_unlock(ptl)", 437 },
	{ "memory.c", "handle_mm_fault", "entry", 455 },
	{ "memory.c", "handle_mm_fault", "pte_same", 465 },
	{ "memory.c", "handle_mm_fault", "spin_lock(ptl)", 464 },
	{ "memory.c", "handle_mm_fault", "spin_unlock(ptl)", 474 },
	{ "memory.c", "page_add_file_rmap", "add_rmap", 80 },
	{ "memory.c", "page_cache_get", "get_page", 67 },
	{ "memory.c", "page_cache_release", "put_page", 73 },
	{ "memory.c", "page_check_address", "check_pte", 174 },
	{ "memory.c", "page_check_address", "spin_lock(ptl)", 173 },
	{ "memory.c", "page_check_address", "spin_unlock(ptl)", 180 },
	{ "memory.c", "page_remove_rmap", "BUG_ON(page->_mapcount < 0)", 89 },
	{ "memory.c", "page_remove_rmap", "remove_rmap", 86 },
	{ "memory.c", "ptep_clear_flush_notify", "clear_flush", 138 },
	{ "memory.c", "vm_insert_mixed", "BUG_ON(!(vma->vm_flags & VM_MIXEDMAP))", 232 },
	{ "memory.c", "vm_insert_mixed", "pte_none", 240 },
	{ "memory.c", "vm_insert_mixed", "set_pte", 244 },
	{ "memory.c", "vm_insert_mixed", "spin_lock(ptl)", 238 },
	{ "memory.c", "vm_insert_mixed", "spin_unlock(ptl)", 252 },
	{ "memory.c", "vm_insert_page", "page_count", 196 },
	{ "memory.c", "vm_insert_page", "pte_none", 204 },
	{ "memory.c", "vm_insert_page", "set_pte", 212 },
	{ "memory.c", "vm_insert_page", "spin_lock(ptl)", 203 },
	{ "memory.c", "vm_insert_page", "spin_unlock(ptl)", 206 },
	{ "memory.c", "vm_insert_page", "spin_unlock(ptl)", 218 },
	{ "mmap.c", "sys_mmap", "spin_lock(&mapping->i_mmap_lock)", 67 },
	{ "mmap.c", "sys_mmap", "spin_unlock(&mapping->i_mmap_lock)", 74 },
	{ "mmap.c", "sys_mmap", "vma_link", 69 },
};

static const char *base_name(const char *file)
{
	const char *b = strrchr(file, '/');

	return b ? b + 1 : file;
}

static int same_id(const struct legacy_site *l, const char *file, const struct sched_site *site)
{
	return strcmp(l->file, file) == 0 && strcmp(l->func, site->func) == 0 &&
	       strcmp(l->label, site->label) == 0;
}

int legacy_site_line(const struct sched_site *site)
{
	const char *file = base_name(site->file);
	size_t n = sizeof legacy_sites / sizeof legacy_sites[0];
	int rank = sched_site_rank(site), seen = 0;

	/* the k-th of a shared id today was the k-th then (sched_site_rank) */
	/*
	 * Runs with ingredients of the fix switched off (--without) ran
	 * filemap_xip_fixed.c's sites at c94cba6; they run the what-if copy
	 * of it now, whose sites keep the fixed file's identities in the same
	 * order.  Only the lookup takes the old file name: the rank counts the
	 * sites of the file the site is in.
	 */
	if (strcmp(file, "filemap_xip_whatif.c") == 0)
		file = "filemap_xip_fixed.c";
	for (size_t i = 0; i < n; i++)
		if (same_id(&legacy_sites[i], file, site) && seen++ == rank)
			return legacy_sites[i].line;
	return -1;
}

int legacy_trace_hash(const struct sched *s, uint64_t *hash)
{
	return sched_trace_hash_lines(s, legacy_site_line, hash);
}
