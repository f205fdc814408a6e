/*
 * filemap_xip_fixed.c - mm/filemap_xip.c exactly as the seed leaves it
 * (538f8ea6c852, "mm: xip fix fault vs sparse page invalidate race"),
 * debug printk included.
 *
 * The fix: sparse-page faults run under xip_sparse_mutex inside a write
 * section of the xip_sparse_seq seqcount, re-checking get_xip_mem there and
 * mapping the sparse page themselves (vm_insert_page) before the section
 * ends.  __xip_unmap reads the seqcount around its scan; if a sparse fault
 * ran meanwhile, it takes the mutex and scans again.  The fault is the slow
 * path, the unmap the fast one.
 *
 * Only the seed's code: the lesson's what-ifs (the fix with an ingredient
 * switched off, `--without`) are a copy of it in filemap_xip_whatif.c.
 *
 * Mirrors: torvalds/linux 538f8ea6c852, mm/filemap_xip.c (the seed); its
 * lines are in upstream.c.
 */
#include "config.h"

#include "kernel-int.h"

#define xip_sparse_mutex (W->xip_sparse_mutex)
#define xip_sparse_seq (W->xip_sparse_seq)

/* called under xip_sparse_mutex */
static struct page *xip_sparse_page(void)
{
	KENTER();
	if (!READ_SPARSE_PAGE(sparse_check, "if (!__xip_sparse_page)")) {
		struct page *page = alloc_sparse_page(); /* alloc_page(GFP_HIGHUSER | __GFP_ZERO) */

		if (page)
			WRITE_SPARSE_PAGE(sparse_set, page, "__xip_sparse_page = page");
	}
	KRETURN_PTR(READ_SPARSE_PAGE(sparse_return, "return __xip_sparse_page"));
}

/*
 * __xip_unmap: the fast path reads the seqcount and scans without the
 * mutex; when the count moved (a sparse fault ran during the scan) it
 * scans again holding the mutex, which excludes every sparse fault.
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
	count = read_seqcount_begin(&xip_sparse_seq);

	page = READ_SPARSE_PAGE(sparse_read, "page = __xip_sparse_page");
	if (!page)
		KRETURN_VOID();

retry:
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

	if (locked) {
		mutex_unlock(&xip_sparse_mutex);
	} else if (read_seqcount_retry(&xip_sparse_seq, count)) {
		mutex_lock(&xip_sparse_mutex);
		locked = 1;
		goto retry;
	}
	KRETURN_VOID();
}

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

		mutex_lock(&xip_sparse_mutex);
		write_seqcount_begin(&xip_sparse_seq);
		error = get_xip_mem(mapping, vmf->pgoff, 0, &xip_mem, &xip_pfn);
		if (!error) {                   /* unlikely */
			write_seqcount_end(&xip_sparse_seq);
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
		write_seqcount_end(&xip_sparse_seq);
		mutex_unlock(&xip_sparse_mutex);

		KRETURN(ret);
	}
}

/*
 * The later version keeps these two unchanged, and the what-ifs keep
 * xip_sparse_page: they call them through here.
 */
struct page *xip_fixed_sparse_page(void)
{
	return xip_sparse_page();
}

void xip_fixed___xip_unmap(struct address_space *mapping, unsigned long pgoff)
{
	__xip_unmap(mapping, pgoff);
}

const struct xip_ops xip_ops_fixed = {
	.xip_file_fault = xip_file_fault,
	.__xip_unmap = __xip_unmap,
};
