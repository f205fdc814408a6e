/*
 * filemap_xip_final.c - the later version plus the last fix XIP had before
 * DAX replaced it: 283307c7607d "mm: fix XIP fault vs truncate race"
 * (Matthew Wilcox, February 2015, merged for 4.0).
 *
 * The race: xip_file_fault checks i_size, asks get_xip_mem for the block
 * and then maps its pfn, all without a lock truncate takes.  A truncate
 * that runs in between (i_size_write, unmap_mapping_range finding no pte
 * yet, ext2_truncate freeing the block) leaves the fault to map a freed
 * block beyond the end of the file, into a shared mapping, where the
 * process reads and writes a block the file system may hand to anything.
 * A page cache fault has the page lock to re-check i_size under; XIP has
 * no page, so the fix takes the mapping's i_mmap lock around the pte
 * insert and re-checks i_size there (-> VM_FAULT_SIGBUS).  truncate's
 * unmap_mapping_range takes the same lock after its i_size_write, so
 * either the fault sees the new size, or the unmap comes after the insert
 * and zaps the new pte before ext2_truncate frees the block.  Both paths
 * do it: the pfn insert and, under xip_sparse_mutex, the sparse page's.
 *
 * Simplification: in 2015 i_mmap was an rwsem and the fault took it for
 * reading (i_mmap_lock_read); the sandbox keeps 2.6.27's i_mmap_lock
 * spinlock, so two such faults also exclude each other for the insert
 * (they never needed to: nothing here is lost by it but interleavings of
 * two inserts, which take ptl anyway).  The fix's own hole, a truncate
 * that shrinks and re-extends the file while the fault holds a stale pfn,
 * is real and is left as it was (DAX closed it later with a
 * filesystem lock around the whole fault).
 *
 * Mirrors: the later version (filemap_xip_later.c) with 283307c7607d's
 * change to xip_file_fault, established from the commit and its
 * description; the rest of the simulated kernel stays 2.6.27's and no
 * upstream line is listed for it (upstream.c).
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
		/* 283307c7607d: re-check i_size under the lock truncate's unmap takes */
		spin_lock(&mapping->i_mmap_lock);              /* i_mmap_lock_read(mapping) */
		size = ((long)KREAD(i_size_recheck, &inode->i_size_obj, inode->i_size,
				    "size = (i_size_read(inode) + PAGE_CACHE_SIZE - 1) >> PAGE_CACHE_SHIFT (under i_mmap)")
			+ (long)PAGE_CACHE_SIZE - 1) >> PAGE_CACHE_SHIFT;
		if ((long)vmf->pgoff >= size) {
			spin_unlock(&mapping->i_mmap_lock);
			KRETURN(VM_FAULT_SIGBUS);
		}
		err = vm_insert_mixed(vma, (unsigned long)vmf->virtual_address, xip_pfn);
		spin_unlock(&mapping->i_mmap_lock);            /* i_mmap_unlock_read(mapping) */
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

		/* 283307c7607d: the same re-check for the sparse page */
		spin_lock(&mapping->i_mmap_lock);              /* i_mmap_lock_read(mapping) */
		size = ((long)KREAD(i_size_recheck_sparse, &inode->i_size_obj, inode->i_size,
				    "size = (i_size_read(inode) + PAGE_CACHE_SIZE - 1) >> PAGE_CACHE_SHIFT (under i_mmap)")
			+ (long)PAGE_CACHE_SIZE - 1) >> PAGE_CACHE_SHIFT;
		if ((long)vmf->pgoff >= size) {
			ret = VM_FAULT_SIGBUS;
			goto unlock;
		}
		/* not shared and writable, use xip_sparse_page() */
		page = xip_sparse_page();
		if (!page)
			goto unlock;
		err = vm_insert_page(vma, (unsigned long)vmf->virtual_address, page);
		if (err == -ENOMEM)
			goto unlock;

		ret = VM_FAULT_NOPAGE;
unlock:
		spin_unlock(&mapping->i_mmap_lock);            /* i_mmap_unlock_read(mapping) */
out:
		write_seqcount_end(&xip_sparse_seq);
		mutex_unlock(&xip_sparse_mutex);

		KRETURN(ret);
	}
}

const struct xip_ops xip_ops_final = {
	.xip_file_fault = xip_file_fault,
	.__xip_unmap = xip_fixed___xip_unmap,   /* unchanged since the seed */
};
