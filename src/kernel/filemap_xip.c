/*
 * filemap_xip.c - the parts of mm/filemap_xip.c that the seed does not
 * change, shared by all three versions: xip_file_mmap, read(2)
 * (do_xip_mapping_read) and write(2) (xip_file_write, __xip_file_write),
 * plus the fixed version's debug printk and truncate's xip_truncate_page.
 *
 * The one difference between versions here is in __xip_file_write: the
 * later version (and final, which builds on it) allocates the block under xip_sparse_mutex ("xip/ext2 fix
 * block allocation race"), marked where it happens.
 *
 * Mirrors: torvalds/linux mm/filemap_xip.c at 479db0bf408e and
 * 538f8ea6c852 (these functions are the same in both), and for later
 * 14bac5acfdb6's change to __xip_file_write.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "kernel-int.h"

#define xip_sparse_mutex (W->xip_sparse_mutex)

/* The seed's leftover debug line: printk("%s insert %lx@%lx\n", comm, address, pfn). */
void printk_insert(struct vm_area_struct *vma, unsigned long address, unsigned long pfn)
{
	int n;

	sched_point(SCHED_OP_WRITE, &W->console_obj,
		    SCHED_SITE("printk_insert", "printk(\"%s insert %lx@%lx\\n\", current->comm, vmf->virtual_address, xip_pfn)"));
	n = snprintf(W->console + W->console_len, sizeof W->console - W->console_len,
		     "%s insert %lx@%lx\n", vma->vm_mm->comm, address, pfn);
	if (n > 0 && W->console_len + (size_t)n < sizeof W->console)
		W->console_len += (size_t)n;
	sched_note((int64_t)W->console_len);
}

/* xip_file_mmap: what mmap(2) of an XIP file adds to the vma. */
int xip_file_mmap(struct mm_struct *mm, struct vm_area_struct *vma)
{
	(void)mm;
	/* BUG_ON(!file->f_mapping->a_ops->get_xip_mem): ext2-xip has it */
	vma->vm_flags |= VM_CAN_NONLINEAR | VM_MIXEDMAP;
	return 0;
}

/*
 * The judge's look at the file's page as read(2) would return it, taken
 * without a step (no CPU sees it): the block's bytes, zeros for a hole.
 */
static void judge_page(unsigned long index, unsigned char *out)
{
	int b = W->flash.blockmap[index];

	if (b >= 0)
		memcpy(out, W->flash.blocks[b].data, SCN_PAGE_BYTES);
	else
		memset(out, 0, SCN_PAGE_BYTES);
}

/*
 * do_xip_mapping_read: read(2) of one page.  Holes read as zeros.  Nothing
 * holds off truncate: the block get_xip_mem found may be freed, and given
 * to another page, before the copy.  *stale tells the judge when the
 * bytes copied are then neither the page as the read began nor from the
 * file's block at the copy (issue 15; a sandbox check, no kernel code).
 */
long do_xip_mapping_read(struct mm_struct *mm, unsigned long index, unsigned char *out, int *stale)
{
	struct inode *inode = &W->inode;
	unsigned char before[SCN_PAGE_BYTES];
	void *xip_mem;
	unsigned long xip_pfn;
	long isize, end_index, nr;
	int error;

	KENTER();
	(void)mm;
	*stale = 0;
	judge_page(index, before);
	memset(out, 0, SCN_PAGE_BYTES);
	isize = (long)KREAD(i_size, &inode->i_size_obj, inode->i_size, "isize = i_size_read(inode)");
	if (!isize)
		KRETURN(0);
	end_index = (isize - 1) >> PAGE_CACHE_SHIFT;
	nr = PAGE_CACHE_SIZE;
	if ((long)index >= end_index) {
		if ((long)index > end_index)
			KRETURN(0);
		nr = ((isize - 1) & (long)(PAGE_CACHE_SIZE - 1)) + 1;
	}
	error = get_xip_mem(&W->mapping, index, 0, &xip_mem, &xip_pfn);
	if (error) {
		if (error == -ENODATA) {
			/* sparse: __clear_user(buf, nr) */
			KRETURN(nr);
		}
		KRETURN(error);
	}
	{
		struct sched_obj *obj;
		unsigned char *data = flash_pfn_data(xip_pfn, &obj);
		sched_point(SCHED_OP_READ, obj, SCHED_SITE("copy_to_user", "left = __copy_to_user(buf, xip_mem + offset, nr)"));
		memcpy(out, data, (size_t)nr);
		sched_note(bytes_tag(out));
		*stale = W->flash.blockmap[index] != (int)(xip_pfn - XIP_FLASH_PFN_BASE) &&
			 memcmp(out, before, (size_t)nr) != 0;
	}
	KRETURN(nr);
}

/* __xip_file_write: one page's worth (the sandbox's writes never cross a page). */
static long __xip_file_write(unsigned long index, const unsigned char *buf, int len)
{
	struct address_space *mapping = &W->mapping;
	struct inode *inode = mapping->host;
	void *xip_mem;
	unsigned long xip_pfn;
	long pos = (long)(index << PAGE_CACHE_SHIFT);
	int status;

	KENTER();
	status = get_xip_mem(mapping, index, 0, &xip_mem, &xip_pfn);
	if (status == -ENODATA) {
		/* we allocate a new page unmap it */
		if (W->version >= XIP_LATER)
			mutex_lock(&xip_sparse_mutex);   /* later: xip/ext2 fix block allocation race */
		status = get_xip_mem(mapping, index, 1, &xip_mem, &xip_pfn);
		if (W->version >= XIP_LATER)
			mutex_unlock(&xip_sparse_mutex);
		if (!status)
			/* unmap page at pgoff from all other vmas */
			W->xip->__xip_unmap(mapping, index);
	}
	if (status)
		KRETURN(status);
	{
		struct sched_obj *obj;
		unsigned char *data = flash_pfn_data(xip_pfn, &obj);
		sched_point(SCHED_OP_WRITE, obj, SCHED_SITE("copy_from_user", "copied = bytes - __copy_from_user_nocache(xip_mem + offset, buf, bytes)"));
		memcpy(data, buf, (size_t)len);
		sched_note(bytes_tag(data));
	}
	pos += len;
	/*
	 * No need to use i_size_read() here, the i_size cannot change under us
	 * because we hold i_mutex.
	 */
	if (pos > inode->i_size)
		KWRITE(i_size_write, &inode->i_size_obj, inode->i_size, pos, "i_size_write(inode, pos)");
	KRETURN(len);
}

/* xip_file_write: write(2) on an XIP file. */
long xip_file_write(struct mm_struct *mm, unsigned long index, const unsigned char *buf, int len)
{
	struct inode *inode = &W->inode;
	long ret;

	KENTER();
	(void)mm;
	mutex_lock(&inode->i_mutex);
	/* vfs_check_frozen, generic_write_checks, file_remove_suid, file_update_time: nothing shared here */
	ret = __xip_file_write(index, buf, len);
	mutex_unlock(&inode->i_mutex);
	KRETURN(ret);
}

/*
 * xip_truncate_page (mm/filemap_xip.c, 2.6.27): zero the rest of the page
 * holding byte `from` when the new end is inside a block; a hole needs
 * nothing.  Blocks are pages here, so "inside a block" is from % PAGE_SIZE.
 * Returns 0, or -EINVAL for an error of get_xip_mem other than a hole.
 */
int xip_truncate_page(long from)
{
	unsigned long index = (unsigned long)from >> PAGE_CACHE_SHIFT;
	unsigned offset = (unsigned)(from & (long)(PAGE_CACHE_SIZE - 1));
	unsigned length;
	void *xip_mem;
	unsigned long xip_pfn;
	int err;

	KENTER();
	length = offset;                  /* offset & (blocksize - 1) */
	if (!length)
		KRETURN(0);               /* Block boundary? Nothing to do */
	length = (unsigned)PAGE_CACHE_SIZE - length;
	err = get_xip_mem(&W->mapping, index, 0, &xip_mem, &xip_pfn);
	if (err) {
		if (err == -ENODATA)
			KRETURN(0);       /* Hole? No need to truncate */
		KRETURN(-EINVAL);
	}
	{
		struct sched_obj *obj;
		unsigned char *data = flash_pfn_data(xip_pfn, &obj);
		sched_point(SCHED_OP_WRITE, obj, SCHED_SITE("zero_tail", "memset(xip_mem + offset, 0, length)"));
		memset(data + offset, 0, length);
		sched_note(bytes_tag(data));
	}
	KRETURN(0);
}
