/*
 * filemap_xip_later.c - the seed's fix plus two more changes to the same
 * code.  No upstream tree had exactly this file:
 *
 *  - 14bac5acfdb6 "mm: xip/ext2 fix block allocation race", the seed's own
 *    series (merged the same day, in 2.6.27): get_xip_mem(create=1) runs
 *    under xip_sparse_mutex in the fault (write(2)'s is in filemap_xip.c);
 *    the same patch removed the seed's debug printk.  Up to here this is
 *    2.6.27's mm/filemap_xip.c;
 *  - the pfn insert path accepts -EBUSY ("we've raced against another
 *    thread that faulted-in the same page"): a change of 2010, after
 *    2.6.32 (its commit id was not established here).
 *
 * Mirrors: torvalds/linux 2.6.27 mm/filemap_xip.c (538f8ea6c852 +
 * 14bac5acfdb6) with the 2010 -EBUSY change; everything under it
 * (memory.c, flash.c, sync.c) stays 2.6.27's, not the 2010 kernel's, and
 * no upstream line is listed for it (upstream.c).
 *
 * The seed's fix itself is unchanged: sparse-page faults run under xip_sparse_mutex inside a write
 * section of the xip_sparse_seq seqcount, re-checking get_xip_mem there and
 * mapping the sparse page themselves (vm_insert_page) before the section
 * ends.  __xip_unmap reads the seqcount around its scan; if a sparse fault
 * ran meanwhile, it takes the mutex and scans again.  The fault is the slow
 * path, the unmap the fast one.
 */
#include "config.h"

#include "kernel-int.h"

#define xip_sparse_mutex (W->xip_sparse_mutex)
#define xip_sparse_seq (W->xip_sparse_seq)

/* Unchanged since the seed: the fixed version's, called under xip_sparse_mutex. */
#define xip_sparse_page() xip_fixed_sparse_page()

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
		mutex_lock(&xip_sparse_mutex);
		error = get_xip_mem(mapping, vmf->pgoff, 1, &xip_mem, &xip_pfn);
		mutex_unlock(&xip_sparse_mutex);
		if (error)
			KRETURN(VM_FAULT_SIGBUS);
		/* unmap sparse mappings at pgoff from all other vmas */
		xip_fixed___xip_unmap(mapping, vmf->pgoff);

found:
		err = vm_insert_mixed(vma, (unsigned long)vmf->virtual_address, xip_pfn);
		if (err == -ENOMEM)
			KRETURN(VM_FAULT_OOM);
		/*
		 * err == -EBUSY is fine, we've raced against another thread
		 * that faulted-in the same page
		 */
		if (err != -EBUSY)
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

const struct xip_ops xip_ops_later = {
	.xip_file_fault = xip_file_fault,
	.__xip_unmap = xip_fixed___xip_unmap,   /* unchanged since the seed */
};
