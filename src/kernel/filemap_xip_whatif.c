/*
 * filemap_xip_whatif.c - the lesson's what-ifs: the seed's fixed
 * mm/filemap_xip.c (filemap_xip_fixed.c) with ingredients of its fix
 * switched off, for `--without LIST` (run, explore, ablate, the view).
 *
 * A copy of filemap_xip_fixed.c's __xip_unmap and xip_file_fault in which
 * WITHOUT(X) is true when ingredient X (kernel.h, KERNEL_WITHOUT_*) is off
 * in the run's mask; xip_sparse_page, which no what-if changes, is the
 * fixed file's own.  The world runs these ops for the fixed version with a
 * non-empty mask and filemap_xip_fixed.c's otherwise, so the seed's file
 * stays the seed's code.
 *
 * Invariant: with nothing switched off this is the fixed version, step for
 * step.  Each scheduling point keeps the fixed file's identity (the same
 * function names, the same site labels, in the same source order), so a
 * what-if trace hashes, narrates and reads like the fixed one, and its BUG
 * names "mm/filemap_xip.c (fixed)" (kernel_source_name).  The tests run
 * both on every shipped scenario and schedule and compare whole traces
 * (kernel_test.c, whatif-*).
 *
 * Mirrors: torvalds/linux 538f8ea6c852, mm/filemap_xip.c, with the
 * switches; `livelock-fix` puts it on include/linux/seqlock.h as it was
 * before 88a411c07b6f ("seqlock: livelock fix", 2.6.25), see sync.c.
 * No upstream tree ever ran the other switches: they are the lesson's.
 */
#include "config.h"

#include "kernel-int.h"

#define xip_sparse_mutex (W->xip_sparse_mutex)
#define xip_sparse_seq (W->xip_sparse_seq)
/* Is ingredient x of the fix switched off in this run? */
#define WITHOUT(x) (W->without & KERNEL_WITHOUT_##x)

/* No what-if changes it: the fixed version's, called under xip_sparse_mutex. */
#define xip_sparse_page() xip_fixed_sparse_page()

/*
 * __xip_unmap: the fast path reads the seqcount and scans without the
 * mutex; when the count moved (a sparse fault ran during the scan) it
 * scans again holding the mutex, which excludes every sparse fault.
 * Without LIVELOCK_FIX the seqcount is the one before 2.6.25's "seqlock:
 * livelock fix" (88a411c07b6f): the begin does not wait out a write
 * section and the retry is taken whenever the begin saw an odd count, so a
 * scan that began inside a sparse fault's section always scans again under
 * the mutex, unless the early `if (!page) return` came first.  Without
 * RETRY it never scans again; without MUTEX the second scan runs unlocked.
 */
static void __xip_unmap(struct address_space *mapping, unsigned long pgoff)
{
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	unsigned long address;
	pte_t *pte;
	pte_t pteval;
	spinlock_t *ptl;
	struct page *page;
	int nvma;
	unsigned count;
	int locked = 0;

	KENTER();
	if (WITHOUT(LIVELOCK_FIX))
		count = read_seqcount_begin_nowait(&xip_sparse_seq);
	else
		count = read_seqcount_begin(&xip_sparse_seq);

	page = READ_SPARSE_PAGE(sparse_read, "page = __xip_sparse_page");
	if (!page)
		KRETURN_VOID();

retry:
	spin_lock(&mapping->i_mmap_lock);
	/* vma_prio_tree_foreach(vma, &iter, &mapping->i_mmap, pgoff, pgoff): one read of the tree */
	nvma = (int)KREAD(i_mmap, &mapping->i_mmap_obj, mapping->n_i_mmap, "vma_prio_tree_foreach(vma, &iter, &mapping->i_mmap, pgoff, pgoff)");
	for (int i = 0; i < nvma; i++) {
		vma = mapping->i_mmap[i];
		mm = vma->vm_mm;
		address = vma->vm_start + ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		BUG_ON(address < vma->vm_start || address >= vma->vm_end);
		pte = page_check_address(page, mm, address, &ptl);
		if (pte) {
			/* Nuke the page table entry. */
			pteval = ptep_clear_flush_notify(vma, address, pte);
			page_remove_rmap(page, vma);
			mm->file_rss--;                /* dec_mm_counter(mm, file_rss): under ptl */
			BUG_ON(pteval.dirty);
			spin_unlock(ptl);              /* pte_unmap_unlock(pte, ptl) */
			page_cache_release(page);
		}
	}
	spin_unlock(&mapping->i_mmap_lock);

	if (locked) {
		if (!WITHOUT(MUTEX))
			mutex_unlock(&xip_sparse_mutex);
	} else if (!WITHOUT(RETRY) && read_seqcount_retry_as(WITHOUT(LIVELOCK_FIX) != 0, &xip_sparse_seq, count)) {
		if (!WITHOUT(MUTEX))
			mutex_lock(&xip_sparse_mutex);
		locked = 1;
		goto retry;
	}
	KRETURN_VOID();
}

/*
 * xip_file_fault: without MUTEX the sparse path runs unlocked, without
 * SEQCOUNT it leaves xip_sparse_seq alone, without RECHECK it trusts the
 * first get_xip_mem's -ENODATA instead of asking again under the mutex.
 */
static int xip_file_fault(struct vm_area_struct *vma, struct vm_fault *vmf)
{
	struct address_space *mapping = &W->mapping;
	struct inode *inode = mapping->host;
	struct page *page;
	long size;
	void *xip_mem;
	unsigned long xip_pfn;
	int error;

	KENTER();
	/* XXX: are VM_FAULT_ codes OK? */
again:
	size = ((long)KREAD(i_size, &inode->i_size_obj, inode->i_size, "size = (i_size_read(inode) + PAGE_CACHE_SIZE - 1) >> PAGE_CACHE_SHIFT")
		+ (long)PAGE_CACHE_SIZE - 1) >> PAGE_CACHE_SHIFT;
	if ((long)vmf->pgoff >= size)
		KRETURN(VM_FAULT_SIGBUS);

	error = get_xip_mem(mapping, vmf->pgoff, 0, &xip_mem, &xip_pfn);
	if (!error)
		goto found;
	if (error != -ENODATA)
		KRETURN(VM_FAULT_OOM);

	/* sparse block */
	if ((vma->vm_flags & (VM_WRITE | VM_MAYWRITE)) &&
	    (vma->vm_flags & (VM_SHARED | VM_MAYSHARE)) &&
	    !inode->s_rdonly) {
		int err;

		/* maybe shared writable, allocate new block */
		error = get_xip_mem(mapping, vmf->pgoff, 1, &xip_mem, &xip_pfn);
		if (error)
			KRETURN(VM_FAULT_SIGBUS);
		/* unmap sparse mappings at pgoff from all other vmas */
		__xip_unmap(mapping, vmf->pgoff);

found:
		printk_insert(vma, (unsigned long)vmf->virtual_address, xip_pfn);
		err = vm_insert_mixed(vma, (unsigned long)vmf->virtual_address, xip_pfn);
		if (err == -ENOMEM)
			KRETURN(VM_FAULT_OOM);
		BUG_ON(err);
		KRETURN(VM_FAULT_NOPAGE);
	} else {
		int err, ret = VM_FAULT_OOM;

		if (!WITHOUT(MUTEX))
			mutex_lock(&xip_sparse_mutex);
		if (!WITHOUT(SEQCOUNT))
			write_seqcount_begin(&xip_sparse_seq);
		error = WITHOUT(RECHECK) ? -ENODATA : get_xip_mem(mapping, vmf->pgoff, 0, &xip_mem, &xip_pfn);
		if (!error) {                   /* unlikely */
			if (!WITHOUT(SEQCOUNT))
				write_seqcount_end(&xip_sparse_seq);
			if (!WITHOUT(MUTEX))
				mutex_unlock(&xip_sparse_mutex);
			goto again;
		}
		if (error != -ENODATA)
			goto out;
		/* not shared and writable, use xip_sparse_page() */
		page = xip_sparse_page();
		if (!page)
			goto out;
		err = vm_insert_page(vma, (unsigned long)vmf->virtual_address, page);
		if (err == -ENOMEM)
			goto out;

		ret = VM_FAULT_NOPAGE;
out:
		if (!WITHOUT(SEQCOUNT))
			write_seqcount_end(&xip_sparse_seq);
		if (!WITHOUT(MUTEX))
			mutex_unlock(&xip_sparse_mutex);

		KRETURN(ret);
	}
}

const struct xip_ops xip_ops_whatif = {
	.xip_file_fault = xip_file_fault,
	.__xip_unmap = __xip_unmap,
};
