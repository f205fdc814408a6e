/*
 * memory.c - the generic memory management the XIP paths stand on:
 * mm/memory.c (__do_fault, do_wp_page, handle_mm_fault, vm_insert_page,
 * vm_insert_mixed), mm/rmap.c (page_check_address, the file rmap
 * counters) and the page allocator.
 *
 * Central data: the world's page pool (struct page), each vma's ptes and
 * each mm's page table lock.  Invariants, as in the kernel: a pte changes
 * only under its mm's page_table_lock; a page's _count covers every pte
 * mapping it plus every temporary reference; _mapcount counts the ptes.
 *
 * The buggy version's race lives here: __do_fault installs the page that
 * xip_file_fault handed back, long after get_xip_mem said -ENODATA.
 *
 * Truncate's half (vmtruncate, unmap_mapping_range, zap_pte_range) is at
 * the end: it clears ptes from the first page beyond the new size.
 *
 * Mirrors: mm/memory.c and mm/rmap.c of Linux 2.6.27 (the seed's tree),
 * for every version, later included; reduced to what the XIP paths use,
 * and no line of it is established (upstream.c).
 */
#include "config.h"

#include <string.h>

#include "kernel-int.h"



int64_t page_to_tag(const struct page *page)
{
	return page ? page->id + 1 : 0;
}

int64_t bytes_tag(const unsigned char *data)
{
	uint64_t v = 0;

	for (int i = SCN_PAGE_BYTES - 1; i >= 0; i--)
		v = v << 8 | data[i];
	return (int64_t)v;
}

/* alloc_page(GFP_HIGHUSER | __GFP_ZERO): not a scheduling point, see kernel-int.h. */
struct page *alloc_page_zeroed(void)
{
	for (int i = 0; i < XIP_PAGE_POOL; i++) {
		struct page *page = &W->pages[i];
		if (!page->in_use) {
			page->in_use = 1;
			if (i >= W->pages_hwm)
				W->pages_hwm = i + 1;   /* the stateful search hashes no page above it */
			page->anon = 0;
			page->_count = 1;
			page->_mapcount = 0;
			memset(page->data, 0, sizeof page->data);
			return page;
		}
	}
	return NULL; /* the pool stands for all of memory: empty means OOM */
}

struct page *alloc_sparse_page(void)
{
	return W->fail_sparse_alloc ? NULL : alloc_page_zeroed();
}

void __free_page(struct page *page)
{
	page->in_use = 0;
}

/* get_page(): an atomic increment, one step. */
void page_cache_get(struct page *page)
{
	KWRITE(get_page, &page->obj, page->_count, page->_count + 1, "get_page(page): atomic_inc(&page->_count)");
}

/* put_page(): the last reference frees the page. */
void page_cache_release(struct page *page)
{
	KWRITE(put_page, &page->obj, page->_count, page->_count - 1, "put_page(page): atomic_dec_and_test(&page->_count)");
	if (page->_count == 0)
		__free_page(page);
}

void page_add_file_rmap(struct page *page)
{
	KWRITE(add_rmap, &page->obj, page->_mapcount, page->_mapcount + 1,
	       "page_add_file_rmap: atomic_inc_and_test(&page->_mapcount)");
}

void page_remove_rmap(struct page *page, struct vm_area_struct *vma)
{
	KWRITE(remove_rmap, &page->obj, page->_mapcount, page->_mapcount - 1,
	       "page_remove_rmap: atomic_add_negative(-1, &page->_mapcount)");
	/* "Eeek! page_mapcount(page) went negative!" then BUG() */
	BUG_ON(page->_mapcount < 0);
}

int64_t pte_encode(const pte_t *pte)
{
	int64_t target = pte->kind == PTE_PAGE ? pte->page : (int64_t)pte->pfn;

	return (int64_t)pte->kind | (pte->write ? PTE_VAL_WRITE : 0) | (pte->dirty ? PTE_VAL_DIRTY : 0) | target << PTE_VAL_TARGET_SHIFT;
}

struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long address)
{
	for (int i = 0; i < mm->nvmas; i++) {
		struct vm_area_struct *vma = &mm->vmas[i];
		if (vma->created && address >= vma->vm_start && address < vma->vm_end)
			return vma;
	}
	return NULL;
}

pte_t *pte_of(struct vm_area_struct *vma, unsigned long address)
{
	unsigned long idx = (address - vma->vm_start) >> PAGE_SHIFT;

	XS_ASSERT(address >= vma->vm_start && idx < SCN_MAX_PAGES);
	return &vma->ptes[idx];
}

int vma_page_prot_write(const struct vm_area_struct *vma)
{
	/* protection_map: a private writable mapping gets read-only ptes (COW) */
	return (vma->vm_flags & VM_WRITE) && (vma->vm_flags & VM_SHARED);
}

unsigned char *pte_data(const pte_t *pte, struct sched_obj **obj)
{
	if (pte->kind == PTE_PAGE) {
		*obj = &W->pages[pte->page].data_obj;
		return W->pages[pte->page].data;
	}
	if (pte->kind == PTE_PFN)
		return flash_pfn_data(pte->pfn, obj);
	return NULL;
}

pte_t ptep_clear_flush_notify(struct vm_area_struct *vma, unsigned long address, pte_t *ptep)
{
	pte_t old = *ptep;

	sched_point(SCHED_OP_WRITE, &ptep->obj, SCHED_SITE("clear_flush", "pteval = ptep_clear_flush_notify(vma, address, pte)"));
	old = *ptep;
	ptep->kind = PTE_NONE;
	ptep->page = 0;
	ptep->pfn = 0;
	ptep->write = 0;
	ptep->dirty = 0;
	sched_note(pte_encode(ptep));
	return old;
}

/*
 * page_check_address (mm/rmap.c, 2.6.27) as __xip_unmap calls it, with
 * sync = 1 (479db0bf, "mm: dirty page tracking race fix", merged with the
 * seed): the pte mapping `page` at `address` in mm, returned locked, or
 * NULL.  With sync set there is no unlocked quick check: the pte is only
 * looked at under ptl, so a fault between pte_same and set_pte_at (which
 * holds ptl) is waited for, not missed.
 */
pte_t *page_check_address(struct page *page, struct mm_struct *mm,
			  unsigned long address, spinlock_t **ptlp)
{
	struct vm_area_struct *vma = find_vma(mm, address);
	spinlock_t *ptl;
	pte_t *pte;
	int64_t v;

	sched_frame_enter(__func__);
	if (!vma) {
		sched_frame_leave(__func__, 0);
		return NULL;
	}
	pte = pte_of(vma, address);
	/* sync: no "quick check before getting the lock" */
	ptl = &mm->page_table_lock;
	spin_lock(ptl);
	v = KREAD(check_pte, &pte->obj, pte_encode(pte), "if (pte_present(*pte) && page_to_pfn(page) == pte_pfn(*pte))");
	if (pte_present(v) && pte_kind(v) == PTE_PAGE && pte->page == page->id) {
		*ptlp = ptl;
		sched_frame_leave(__func__, 1);
		return pte;
	}
	spin_unlock(ptl);
	sched_frame_leave(__func__, 0);
	return NULL;
}

/* vm_insert_page -> insert_page: map a struct page, taking a reference. */
int vm_insert_page(struct vm_area_struct *vma, unsigned long addr, struct page *page)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pte_t *pte;
	int64_t v;

	KENTER();
	if (addr < vma->vm_start || addr >= vma->vm_end)
		KRETURN(-EFAULT);
	if (!KREAD(page_count, &page->obj, page->_count, "if (!page_count(page))"))
		KRETURN(-EINVAL);
	/* insert_page */
	if (page->anon)
		KRETURN(-EINVAL);
	pte = pte_of(vma, addr);
	ptl = &mm->page_table_lock;
	spin_lock(ptl);                       /* get_locked_pte */
	v = KREAD(pte_none, &pte->obj, pte_encode(pte), "if (!pte_none(*pte))");
	if (!pte_none(v)) {
		spin_unlock(ptl);
		KRETURN(-EBUSY);
	}
	page_cache_get(page);                 /* Ok, finally just insert the thing.. */
	mm->file_rss++;                       /* inc_mm_counter(mm, file_rss): under ptl */
	page_add_file_rmap(page);
	sched_point(SCHED_OP_WRITE, &pte->obj, SCHED_SITE("set_pte", "set_pte_at(mm, addr, pte, mk_pte(page, prot))"));
	pte->kind = PTE_PAGE;
	pte->page = page->id;
	pte->write = vma_page_prot_write(vma);
	pte->dirty = 0;
	sched_note(pte_encode(pte));
	spin_unlock(ptl);
	KRETURN(0);
}

/* vm_insert_mixed -> insert_pfn: map a flash pfn with a special pte (no struct page). */
int vm_insert_mixed(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl;
	pte_t *pte;
	int retval;
	int64_t v;

	KENTER();
	BUG_ON(!(vma->vm_flags & VM_MIXEDMAP));
	if (addr < vma->vm_start || addr >= vma->vm_end)
		KRETURN(-EFAULT);
	/* x86 has pte_special: always insert_pfn */
	pte = pte_of(vma, addr);
	ptl = &mm->page_table_lock;
	spin_lock(ptl);                       /* get_locked_pte */
	retval = -EBUSY;
	v = KREAD(pte_none, &pte->obj, pte_encode(pte), "if (!pte_none(*pte))");
	if (!pte_none(v))
		goto out_unlock;
	/* Ok, finally just insert the thing.. */
	sched_point(SCHED_OP_WRITE, &pte->obj, SCHED_SITE("set_pte", "set_pte_at(mm, addr, pte, pte_mkspecial(pfn_pte(pfn, prot)))"));
	pte->kind = PTE_PFN;
	pte->pfn = pfn;
	pte->write = vma_page_prot_write(vma);
	pte->dirty = 0;
	sched_note(pte_encode(pte));
	retval = 0;
out_unlock:
	spin_unlock(ptl);
	KRETURN(retval);
}

/*
 * __do_fault (mm/memory.c, 2.6.27): ask ->fault for the page, then install
 * it if the pte is still what it was when the fault began.  For XIP the
 * buggy version returns the sparse page here (ret 0) and this function maps
 * it: the race window is everything between get_xip_mem() in
 * xip_file_fault and the set_pte_at below.
 */
static int __do_fault(struct mm_struct *mm, struct vm_area_struct *vma,
		      unsigned long address, unsigned long pgoff,
		      unsigned int flags, int64_t orig_pte)
{
	spinlock_t *ptl;
	pte_t *page_table;
	struct page *page;
	struct page *dirty_page = NULL;
	struct vm_fault vmf;
	int ret;
	int anon = 0;
	int64_t v;

	KENTER();
	vmf.virtual_address = (void *)address;
	vmf.pgoff = pgoff;
	vmf.flags = flags;
	vmf.page = NULL;

	ret = W->xip->xip_file_fault(vma, &vmf);   /* vma->vm_ops->fault */
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))
		KRETURN(ret);

	/* For consistency in subsequent calls, make the faulted page always locked. */
	if (!(ret & VM_FAULT_LOCKED))
		lock_page(vmf.page);

	/* Should we do an early C-O-W break? */
	page = vmf.page;
	if (flags & FAULT_FLAG_WRITE) {
		if (!(vma->vm_flags & VM_SHARED)) {
			anon = 1;
			page = alloc_page_zeroed();   /* alloc_page_vma(GFP_HIGHUSER_MOVABLE, ...) */
			if (!page) {
				ret = VM_FAULT_OOM;
				goto out;
			}
			page->anon = 1;
			/* copy_user_highpage(page, vmf.page, address, vma) */
			sched_point(SCHED_OP_READ, &vmf.page->data_obj, SCHED_SITE("cow_copy", "copy_user_highpage(page, vmf.page, address, vma)"));
			memcpy(page->data, vmf.page->data, sizeof page->data);
			sched_note(bytes_tag(page->data));
		}
		/* a shared mapping would call ->page_mkwrite here: XIP has none */
	}

	page_table = pte_of(vma, address);
	ptl = &mm->page_table_lock;
	spin_lock(ptl);                       /* pte_offset_map_lock */
	/*
	 * This silly early PAGE_DIRTY setting removes a race due to the bad
	 * i386 page protection.  But it's valid for other architectures too.
	 */
	v = KREAD(pte_same, &page_table->obj, pte_encode(page_table), "if (likely(pte_same(*page_table, orig_pte)))");
	if (v == orig_pte) {
		if (anon) {
			mm->anon_rss++;               /* inc_mm_counter(mm, anon_rss) */
			page->_mapcount = 1;          /* page_add_new_anon_rmap: the page is still private */
		} else {
			mm->file_rss++;               /* inc_mm_counter(mm, file_rss) */
			page_add_file_rmap(page);
			if (flags & FAULT_FLAG_WRITE) {
				dirty_page = page;
				page_cache_get(dirty_page);
			}
		}
		sched_point(SCHED_OP_WRITE, &page_table->obj, SCHED_SITE("set_pte", "set_pte_at(mm, address, page_table, entry)"));
		page_table->kind = PTE_PAGE;
		page_table->page = page->id;
		page_table->pfn = 0;
		if (flags & FAULT_FLAG_WRITE) {    /* entry = maybe_mkwrite(pte_mkdirty(entry), vma) */
			page_table->dirty = 1;
			page_table->write = (vma->vm_flags & VM_WRITE) != 0;
		} else {
			page_table->dirty = 0;
			page_table->write = vma_page_prot_write(vma);
		}
		sched_note(pte_encode(page_table));
	} else {
		/* One of our sibling threads was faster, back out. */
		if (anon)
			page_cache_release(page);
		else
			anon = 1; /* no anon but release faulted_page */
	}
	spin_unlock(ptl);                     /* pte_unmap_unlock */

out:
	unlock_page(vmf.page);
	if (anon)
		page_cache_release(vmf.page);
	else if (dirty_page) {
		/* set_page_dirty_balance(dirty_page, page_mkwrite) */
		page_cache_release(dirty_page);   /* put_page(dirty_page) */
	}
	KRETURN(ret);
}

/*
 * do_wp_page (mm/memory.c): a write to a present, read-only pte of a
 * private mapping: copy the page (the sparse page, or a flash block behind
 * a special pte) into a new anonymous page.  Entered with ptl held.
 */
static int do_wp_page(struct mm_struct *mm, struct vm_area_struct *vma,
		      unsigned long address, pte_t *page_table, spinlock_t *ptl,
		      int64_t orig_pte)
{
	struct page *old_page = NULL, *new_page = NULL;
	struct sched_obj *src_obj;
	unsigned char *src;
	int ret = 0;
	int64_t v;

	KENTER();
	if (page_table->kind == PTE_PAGE)        /* vm_normal_page: NULL for a special pte */
		old_page = &W->pages[page_table->page];
	if (old_page && old_page->anon && old_page->_mapcount == 1) {
		/* reuse: the only user of an anonymous page may just write it */
		sched_point(SCHED_OP_WRITE, &page_table->obj, SCHED_SITE("access_flags", "ptep_set_access_flags(vma, address, page_table, entry, 1)"));
		page_table->write = 1;
		page_table->dirty = 1;
		sched_note(pte_encode(page_table));
		ret |= VM_FAULT_WRITE;
		goto unlock;
	}
	if (old_page)
		page_cache_get(old_page);
	/* gotten: */
	spin_unlock(ptl);                     /* pte_unmap_unlock(page_table, ptl) */

	new_page = alloc_page_zeroed();       /* alloc_page_vma */
	if (!new_page)
		goto oom;
	new_page->anon = 1;
	/* cow_user_page: copy from the old page, or through the pfn's mapping */
	src = old_page ? old_page->data : pte_data(&(pte_t){ .kind = PTE_PFN, .pfn = (unsigned long)pte_pfn(orig_pte) }, &src_obj);
	if (old_page)
		src_obj = &old_page->data_obj;
	sched_point(SCHED_OP_READ, src_obj, SCHED_SITE("cow_copy", "cow_user_page(new_page, old_page, address, vma)"));
	memcpy(new_page->data, src, sizeof new_page->data);
	sched_note(bytes_tag(new_page->data));

	/* Re-check the pte - we dropped the lock */
	spin_lock(ptl);                       /* pte_offset_map_lock */
	v = KREAD(pte_same, &page_table->obj, pte_encode(page_table), "if (likely(pte_same(*page_table, orig_pte)))");
	if (v == orig_pte) {
		if (old_page) {
			if (!old_page->anon) {
				mm->file_rss--;       /* dec_mm_counter(mm, file_rss) */
				mm->anon_rss++;
			}
		} else {
			mm->anon_rss++;
		}
		/* ptep_clear_flush_notify + set_pte_at: one step under ptl */
		sched_point(SCHED_OP_WRITE, &page_table->obj, SCHED_SITE("set_pte", "set_pte_at(mm, address, page_table, entry)"));
		page_table->kind = PTE_PAGE;
		page_table->page = new_page->id;
		page_table->pfn = 0;
		page_table->write = 1;            /* maybe_mkwrite(pte_mkdirty(entry), vma) */
		page_table->dirty = 1;
		sched_note(pte_encode(page_table));
		new_page->_mapcount = 1;          /* page_add_new_anon_rmap */
		if (old_page)
			page_remove_rmap(old_page, vma);
		/* Free the old page.. */
		new_page = old_page;
		ret |= VM_FAULT_WRITE;
	}
	if (new_page)
		page_cache_release(new_page);
	if (old_page)
		page_cache_release(old_page);
unlock:
	spin_unlock(ptl);                     /* pte_unmap_unlock */
	KRETURN(ret);
oom:
	if (old_page)
		page_cache_release(old_page);
	KRETURN(VM_FAULT_OOM);
}

/* handle_mm_fault -> handle_pte_fault (mm/memory.c, 2.6.27). */
int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma,
		    unsigned long address, int write_access)
{
	pte_t *pte = pte_of(vma, address);
	spinlock_t *ptl;
	int64_t entry, v;
	int ret;

	KENTER();
	entry = KREAD(entry, &pte->obj, pte_encode(pte), "entry = *pte");
	if (pte_none(entry)) {
		/* do_linear_fault: vma->vm_ops->fault exists */
		unsigned long pgoff = ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
		ret = __do_fault(mm, vma, address, pgoff,
				 write_access ? FAULT_FLAG_WRITE : 0, entry);
		KRETURN(ret);
	}
	ptl = &mm->page_table_lock;
	spin_lock(ptl);
	v = KREAD(pte_same, &pte->obj, pte_encode(pte), "if (unlikely(!pte_same(*pte, entry)))");
	if (v != entry)
		goto unlock;
	if (write_access && !pte_write(entry)) {
		ret = do_wp_page(mm, vma, address, pte, ptl, entry);
		KRETURN(ret);
	}
	/* pte_mkyoung/ptep_set_access_flags: nothing the sandbox shows */
unlock:
	spin_unlock(ptl);
	KRETURN(0);
}

/*
 * zap_pte_range (mm/memory.c, 2.6.27) over the ptes of vma from pgoff
 * first_index on, as unmap_mapping_range_vma -> zap_page_range calls it
 * for truncate (details->check_mapping NULL: even_cows, private COW copies
 * go too).  Every pte writer holds ptl, so the walk reads the entries
 * under it without a step of its own; clearing one is a step.  A special
 * pte (a flash pfn) has no struct page (vm_normal_page returns NULL) and is
 * only cleared; a page's rmap, rss and reference go with its pte
 * (tlb_remove_page drops the reference at once here, not at tlb_finish_mmu).
 */
static void zap_pte_range(struct vm_area_struct *vma, unsigned long first_index)
{
	struct mm_struct *mm = vma->vm_mm;
	spinlock_t *ptl = &mm->page_table_lock;

	KENTER();
	spin_lock(ptl);                       /* pte_offset_map_lock */
	for (unsigned long pg = first_index; pg < SCN_MAX_PAGES; pg++) {
		pte_t *pte = &vma->ptes[pg];
		struct page *page;

		if (pte->kind == PTE_NONE)    /* if (pte_none(ptent)) continue */
			continue;
		page = pte->kind == PTE_PAGE ? &W->pages[pte->page] : NULL;
		sched_point(SCHED_OP_WRITE, &pte->obj, SCHED_SITE("zap_pte", "ptent = ptep_get_and_clear_full(mm, addr, pte, tlb->fullmm)"));
		pte->kind = PTE_NONE;
		pte->page = 0;
		pte->pfn = 0;
		pte->write = 0;
		pte->dirty = 0;
		sched_note(pte_encode(pte));
		if (!page)                    /* if (unlikely(!page)) continue */
			continue;
		if (page->anon)
			mm->anon_rss--;       /* anon_rss-- */
		else
			mm->file_rss--;       /* file_rss-- (set_page_dirty if pte_dirty: no page cache here) */
		page_remove_rmap(page, vma);
		page_cache_release(page);     /* tlb_remove_page(tlb, page) */
	}
	spin_unlock(ptl);                     /* pte_unmap_unlock */
	KRETURN_VOID();
}

/*
 * unmap_mapping_range (mm/memory.c, 2.6.27) as vmtruncate calls it:
 * holelen 0 (to the end of the file), even_cows 1.  Under i_mmap_lock,
 * every vma on the file's prio tree that maps a page from holebegin on is
 * zapped from there (unmap_mapping_range_tree -> unmap_mapping_range_vma).
 * The restart logic for a lock break (need_lockbreak, truncate_count) is
 * not simulated: the sandbox's ranges are a few ptes.
 */
void unmap_mapping_range(struct address_space *mapping, long holebegin, long holelen, int even_cows)
{
	unsigned long hba = (unsigned long)holebegin >> PAGE_SHIFT;
	int nvma;

	KENTER();
	XS_ASSERT(holelen == 0 && even_cows);   /* the one call the sandbox makes */
	spin_lock(&mapping->i_mmap_lock);
	/* mapping->truncate_count++ and the prio tree walk: one read of the tree */
	nvma = (int)KREAD(i_mmap, &mapping->i_mmap_obj, mapping->n_i_mmap,
			  "if (unlikely(!prio_tree_empty(&mapping->i_mmap))) unmap_mapping_range_tree(&mapping->i_mmap, &details)");
	for (int i = 0; i < nvma; i++) {
		struct vm_area_struct *vma = mapping->i_mmap[i];
		/* vma_prio_tree_foreach(vma, &iter, root, details->first_index, details->last_index) */
		if (vma->vm_pgoff + SCN_MAX_PAGES <= hba)
			continue;
		zap_pte_range(vma, hba - vma->vm_pgoff);
	}
	spin_unlock(&mapping->i_mmap_lock);
	KRETURN_VOID();
}

/*
 * vmtruncate (mm/memory.c, 2.6.27), from ext2_setattr -> inode_setattr
 * with i_mutex held: shrinking sets i_size first, then unmaps every pte
 * from the first page wholly beyond it, then lets the file system free the
 * blocks (->truncate, ext2_truncate); extending only sets i_size (and
 * calls ->truncate too, as 2.6.27 does).  truncate_inode_pages has nothing
 * to drop: XIP has no page cache.  Returns 0 (the limits it checks,
 * RLIMIT_FSIZE and s_maxbytes, are far above the sandbox's files).
 */
int vmtruncate(struct inode *inode, long offset)
{
	struct address_space *mapping = &W->mapping;

	KENTER();
	/* i_size is written only under i_mutex, which the caller holds: a plain read */
	if (inode->i_size < offset)
		goto do_expand;
	KWRITE(i_size_write, &inode->i_size_obj, inode->i_size, offset, "i_size_write(inode, offset)");
	unmap_mapping_range(mapping, offset + (long)PAGE_SIZE - 1, 0, 1);
	/* truncate_inode_pages(mapping, offset): no page cache */
	goto out_truncate;

do_expand:
	KWRITE(i_size_expand, &inode->i_size_obj, inode->i_size, offset, "i_size_write(inode, offset)");

out_truncate:
	ext2_truncate(inode);                 /* inode->i_op->truncate(inode) */
	KRETURN(0);
}
