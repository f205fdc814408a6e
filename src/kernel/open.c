/*
 * open.c - ftruncate(2) of the XIP file, fs/open.c's share:
 * do_sys_ftruncate and do_truncate, which takes i_mutex around
 * notify_change.  notify_change -> ext2_setattr -> inode_setattr reduce
 * here to their one effect on a size change, vmtruncate (memory.c), which
 * unmaps and calls ext2_truncate (flash.c) to free the blocks.
 *
 * Lock order, as in the kernel: i_mutex outside i_mmap_lock (the unmap)
 * and truncate_mutex (the block freeing), which are taken one after the
 * other, never nested.  Truncate takes no mmap_sem.
 *
 * Mirrors: fs/open.c and fs/attr.c of Linux 2.6.27 for every version
 * (truncate did not change with the XIP fixes; the 2015 fix is in the
 * fault, filemap_xip_final.c).
 */
#include "config.h"

#include "kernel-int.h"

/* do_truncate: the size change under i_mutex (ATTR_SIZE | ATTR_MTIME | ATTR_CTIME). */
static int do_truncate(struct inode *inode, long length)
{
	int err = 0;

	KENTER();
	mutex_lock(&inode->i_mutex);
	/* notify_change -> ext2_setattr -> inode_setattr: if (ia_size != i_size_read(inode)) */
	if (length != inode->i_size)
		err = vmtruncate(inode, length);
	mutex_unlock(&inode->i_mutex);
	KRETURN(err);
}

long do_sys_ftruncate(struct mm_struct *mm, long length)
{
	KENTER();
	/* length < 0 and a descriptor not open for writing: refused by the scenario parser */
	XS_ASSERT(length >= 0 && mm->f_mode_write);
	/* locks_verify_truncate: no mandatory locks in the sandbox */
	KRETURN(do_truncate(&W->inode, length));
}
