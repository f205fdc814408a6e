/*
 * filemap_xip_buggy.c - mm/filemap_xip.c as it was before 538f8ea6c852
 * ("mm: xip fix fault vs sparse page invalidate race"): xip_sparse_page,
 * __xip_unmap and xip_file_fault.
 *
 * The race: xip_file_fault finds a hole (get_xip_mem says -ENODATA) and
 * hands the sparse page back to __do_fault, which maps it a few steps
 * later.  If a write(2) allocates the block and runs __xip_unmap in
 * between, the scan finds nothing to zap, and the sparse pte installed
 * afterwards stays: a MAP_SHARED mapping reads zeros forever while read(2)
 * sees the data.
 *
 * Mirrors: torvalds/linux 479db0bf408e (the fix's parent, 2.6.27-rc),
 * mm/filemap_xip.c; its lines are in upstream.c.
 */
#include "config.h"

#include "kernel-int.h"

#define xip_alloc_lock (W->xip_alloc_lock)

/* xip_sparse_page: the global zero page, allocated on first use (double-checked). */
static struct page *xip_sparse_page(void)
{
	KENTER();
	if (!READ_SPARSE_PAGE(sparse_check, "if (!__xip_sparse_page)")) {
		struct page *page = alloc_sparse_page();

		if (page) {
			/* static DEFINE_SPINLOCK(xip_alloc_lock); */
			spin_lock(&xip_alloc_lock);
			if (!READ_SPARSE_PAGE(sparse_recheck, "if (!__xip_sparse_page)"))
				WRITE_SPARSE_PAGE(sparse_set, page, "__xip_sparse_page = page");
			else
				__free_page(page);
			spin_unlock(&xip_alloc_lock);
		}
	}
	KRETURN_PTR(READ_SPARSE_PAGE(sparse_return, "return __xip_sparse_page"));
}

/*
 * __xip_unmap: zap the sparse page's ptes at pgoff in every vma of the
 * mapping, so that a newly allocated block can be mapped instead.
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

	KENTER();
	page = READ_SPARSE_PAGE(sparse_read, "page = __xip_sparse_page");
	if (!page)
		KRETURN_VOID();

	spin_lock(&mapping->i_mmap_lock);
	/* vma_prio_tree_foreach(vma, &iter, &mapping->i_mmap, pgoff, pgoff): one read of the tree */
	nvma = (int)KREAD(i_mmap, &mapping->i_mmap_obj, mapping->n_i_mmap,
			  "vma_prio_tree_foreach(vma, &iter, &mapping->i_mmap, pgoff, pgoff)");
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
	KRETURN_VOID();
}

/*
 * xip_file_fault: find the block behind the faulting page and map it, or
 * allocate one (shared writable mapping), or hand back the sparse page.
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
		err = vm_insert_mixed(vma, (unsigned long)vmf->virtual_address, xip_pfn);
		if (err == -ENOMEM)
			KRETURN(VM_FAULT_OOM);
		BUG_ON(err);
		KRETURN(VM_FAULT_NOPAGE);
	} else {
		/* not shared and writable, use xip_sparse_page() */
		page = xip_sparse_page();
		if (!page)
			KRETURN(VM_FAULT_OOM);

		page_cache_get(page);
		vmf->page = page;
		KRETURN(0);
	}
}

const struct xip_ops xip_ops_buggy = {
	.xip_file_fault = xip_file_fault,
	.__xip_unmap = __xip_unmap,
};
