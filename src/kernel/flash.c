/*
 * flash.c - the simulated flash device and the file system's side of XIP:
 * fs/ext2/xip.c (ext2_get_xip_mem) over ext2_get_block's lookup and
 * allocation of one file's blocks.
 *
 * Central data: struct flash in the world: nblocks blocks of
 * SCN_PAGE_BYTES bytes, a used bit per block (the allocator), and the
 * file's block map (ext2's i_data[]: page offset -> block, -1 for a hole).
 * The pfn of block b is XIP_FLASH_PFN_BASE + b.
 *
 * As in 2.6.27's ext2_get_blocks, the lookup of the block runs without a
 * lock, and the allocation (ext2_alloc_branch, ext2_clear_xip_target,
 * ext2_splice_branch) under the inode's truncate_mutex, but the lookup is
 * not repeated under the mutex (that re-check came in 2009).  Callers were
 * expected to hold the page lock, which XIP does not take: two allocators
 * of one hole each claim a block, and the later one's splice wins, leaking
 * the other.  That is the race "mm: xip/ext2 fix block allocation race"
 * closes by calling get_xip_mem(create=1) under xip_sparse_mutex (the later
 * version).
 *
 * Mirrors: fs/ext2/xip.c and fs/ext2/inode.c (ext2_get_blocks) of Linux
 * 2.6.27 for every version; the device is the sandbox's own.
 */
#include "config.h"

#include <string.h>

#include "kernel-int.h"

unsigned char *flash_pfn_data(unsigned long pfn, struct sched_obj **obj)
{
	long b = (long)pfn - (long)XIP_FLASH_PFN_BASE;

	if (b < 0 || b >= W->flash.nblocks)
		return NULL;
	*obj = &W->flash.blocks[b].obj;
	return W->flash.blocks[b].data;
}

/* ext2_new_blocks: claim the first free block (an atomic test-and-set, one step). */
static int ext2_new_block(void)
{
	struct flash *f = &W->flash;
	int b = -1;

	sched_point(SCHED_OP_WRITE, &f->bitmap_obj, SCHED_SITE("set_bit", "ext2_new_blocks: ext2_set_bit_atomic(first free block)"));
	if (!f->full) {
		for (int i = 0; i < f->nblocks; i++) {
			if (!f->blocks[i].used) {
				f->blocks[i].used = 1;
				b = i;
				break;
			}
		}
	}
	sched_note(b);
	return b;
}

/*
 * ext2_get_xip_mem (fs/ext2/xip.c): the block behind pgoff.  0 with its
 * address and pfn; -ENODATA for a hole when create == 0; with create == 1 a
 * hole is allocated (and zeroed, as ext2_clear_xip_target does), or
 * -ENOSPC when the flash is full.
 */
int get_xip_mem(struct address_space *mapping, unsigned long pgoff, int create,
		void **kmem, unsigned long *pfn)
{
	struct flash *f = &W->flash;
	struct inode *ei = mapping->host;   /* EXT2_I(inode) */
	long block;

	KENTER();
	/* ext2_get_block -> ext2_get_branch: read i_data[pgoff] */
	block = (long)KREAD(block_lookup, &f->blockmap_obj[pgoff], f->blockmap[pgoff], "ext2_get_block: bh.b_blocknr = i_data[pgoff]");
	if (block < 0) {
		if (!create)
			KRETURN(-ENODATA);   /* SPARSE block: BUG_ON(create) in the real code */
		mutex_lock(&ei->truncate_mutex);
		block = ext2_new_block();
		if (block < 0) {
			mutex_unlock(&ei->truncate_mutex);
			KRETURN(-ENOSPC);
		}
		/* ext2_clear_xip_target: a new XIP block is zeroed before use */
		sched_point(SCHED_OP_WRITE, &f->blocks[block].obj, SCHED_SITE("clear_target", "ext2_clear_xip_target(inode, block)"));
		memset(f->blocks[block].data, 0, SCN_PAGE_BYTES);
		sched_note(0);
		/* ext2_splice_branch: link the new block into i_data[pgoff] */
		KWRITE(splice, &f->blockmap_obj[pgoff], f->blockmap[pgoff], (int)block, "ext2_splice_branch: i_data[pgoff] = block");
		mutex_unlock(&ei->truncate_mutex);
	}
	/* __inode_direct_access -> the device's direct_access */
	*kmem = f->blocks[block].data;
	*pfn = XIP_FLASH_PFN_BASE + (unsigned long)block;
	KRETURN(0);
}

/* ext2_free_blocks: give a block back to the allocator (an atomic clear, one step). */
static void ext2_free_blocks(int b)
{
	struct flash *f = &W->flash;

	sched_point(SCHED_OP_WRITE, &f->bitmap_obj, SCHED_SITE("clear_bit", "ext2_free_blocks: ext2_clear_bit_atomic(block)"));
	f->blocks[b].used = 0;
	sched_note(b);
}

/*
 * ext2_truncate (fs/ext2/inode.c, 2.6.27), the inode's ->truncate, after
 * vmtruncate set i_size (i_mutex held): on an XIP file the tail of a last
 * partial page is zeroed (xip_truncate_page); then, under truncate_mutex,
 * every block from the first page wholly beyond i_size is unlinked and
 * freed (ext2_free_data over the direct blocks, the only ones a file of
 * at most 16 pages has).  The entries are read under truncate_mutex, which
 * every other writer of i_data[] holds, so the reads are no steps.
 */
void ext2_truncate(struct inode *inode)
{
	struct flash *f = &W->flash;
	long iblock;

	KENTER();
	iblock = (inode->i_size + (long)PAGE_SIZE - 1) >> PAGE_SHIFT;   /* blocksize == PAGE_SIZE */
	/* if (mapping_is_xip(inode->i_mapping)) */
	xip_truncate_page(inode->i_size);
	mutex_lock(&inode->truncate_mutex);
	for (long p = iblock; p < SCN_MAX_PAGES; p++) {
		int nr = f->blockmap[p];

		if (nr < 0)
			continue;
		KWRITE(free_data, &f->blockmap_obj[p], f->blockmap[p], -1, "ext2_free_data: *p = 0");
		ext2_free_blocks(nr);
	}
	mutex_unlock(&inode->truncate_mutex);
	KRETURN_VOID();
}
