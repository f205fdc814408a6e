/*
 * fault.c - what a user load or store does: the MMU walks the page table,
 * and on a missing or read-only pte the CPU takes a page fault
 * (arch/x86/mm/fault.c: do_page_fault -> handle_mm_fault).  The access is
 * retried after every fault that did not fail, as the hardware does.
 *
 * Simplification: the MMU reads the pte and then the data in two steps,
 * like a TLB fill followed by the access; the dirty bit the MMU would set
 * on a store is not modelled (only the fault path's pte_mkdirty).
 *
 * Mirrors: arch/x86/mm/fault.c of Linux 2.6.27, reduced to the vma lookup
 * and the call of handle_mm_fault.
 *
 * mmap_sem is not simulated.  A real fault holds it for reading, which
 * excludes only mmap/munmap of the same process (they take it for
 * writing); truncate takes none.  The sandbox's one writer is mmap(2)
 * (mmap.c), whose change of the vma list is a single step: a fault's
 * find_vma sees the list before or after it, as with the semaphore, but
 * the fault's later steps may interleave with the rest of that mmap (its
 * i_mmap_lock section), which the real kernel orders after the whole fault
 * for the same process.  No outcome depends on it (the new vma has no pte
 * yet); only such interleavings are extra.
 */
#include "config.h"

#include <string.h>

#include "kernel-int.h"

#define FAULT_SIGSEGV (-1) /* do_page_fault's bad_area: not a VM_FAULT code */

static int do_page_fault(struct mm_struct *mm, unsigned long address, int write)
{
	struct vm_area_struct *vma;
	int fault;

	KENTER();
	/* down_read(&mm->mmap_sem): not simulated (see above); it never excludes other faults */
	if (!KREAD(find_vma, &mm->mmap_obj, find_vma(mm, address) != NULL, "vma = find_vma(mm, address)"))
		KRETURN(FAULT_SIGSEGV);                 /* bad_area */
	vma = find_vma(mm, address);
	if (write ? !(vma->vm_flags & VM_WRITE)
		  : !(vma->vm_flags & (VM_READ | VM_EXEC | VM_WRITE)))
		KRETURN(FAULT_SIGSEGV);                 /* bad_area: access error */
	fault = handle_mm_fault(mm, vma, address, write);
	KRETURN(fault);
}

void user_access(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long pgoff,
		 int write, const unsigned char *data, int len, struct kernel_op_result *res)
{
	unsigned long address = vma->vm_start + (pgoff << PAGE_SHIFT);
	pte_t *pte = pte_of(vma, address);

	for (;;) {
		int64_t v;
		int fault;

		if (write)
			v = KREAD(walk_store, &pte->obj, pte_encode(pte), "MMU: the store walks the page table");
		else
			v = KREAD(walk_load, &pte->obj, pte_encode(pte), "MMU: the load walks the page table");
		if (pte_present(v) && (!write || pte_write(v))) {
			struct sched_obj *obj;
			unsigned char *bytes = pte_data(pte, &obj);

			XS_ASSERT(bytes != NULL);
			if (write) {
				sched_point(SCHED_OP_WRITE, obj, SCHED_SITE("store_page", "MMU: the store writes the page"));
				memcpy(bytes, data, (size_t)len);
				sched_note(bytes_tag(bytes));
			} else {
				sched_point(SCHED_OP_READ, obj, SCHED_SITE("load_page", "MMU: the load reads the page"));
				memcpy(res->bytes, bytes, SCN_PAGE_BYTES);
				res->has_bytes = 1;
				sched_note(bytes_tag(res->bytes));
			}
			res->outcome = KOUT_OK;
			return;
		}
		fault = do_page_fault(mm, address, write);
		if (fault == FAULT_SIGSEGV) {
			res->outcome = KOUT_SIGSEGV;
			return;
		}
		if (fault & VM_FAULT_OOM) {       /* pagefault_out_of_memory */
			res->outcome = KOUT_OOM;
			return;
		}
		if (fault & VM_FAULT_SIGBUS) {    /* do_sigbus */
			res->outcome = KOUT_SIGBUS;
			return;
		}
	}
}
