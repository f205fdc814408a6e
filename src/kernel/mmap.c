/*
 * mmap.c - mm/mmap.c's share of the story: the vm_flags that mmap(2) gives
 * a mapping of the file (do_mmap_pgoff), and linking the new vma on the
 * file's i_mmap tree under i_mmap_lock (vma_link -> __vma_link_file), where
 * __xip_unmap will find it.
 *
 * The vm_flags decide which path a fault takes: a MAP_SHARED mapping of a
 * file opened read-only loses VM_MAYWRITE (and VM_SHARED), so it gets the
 * sparse page on a hole, exactly like a MAP_PRIVATE one.
 *
 * Mirrors: mm/mmap.c of Linux 2.6.27 (do_mmap_pgoff's vm_flags, vma_link),
 * every mapping of the whole file from pgoff 0.
 */
#include "config.h"

#include "kernel-int.h"

/* do_mmap_pgoff's flag logic; -EACCES as mmap(2) would return it. */
long mmap_vm_flags(const struct mm_struct *mm, const struct scn_map *map, unsigned long *flags)
{
	unsigned long vm_flags = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

	if (map->prot_read)
		vm_flags |= VM_READ;
	if (map->prot_write)
		vm_flags |= VM_WRITE;
	if (map->shared) {
		if (map->prot_write && !mm->f_mode_write)
			return -EACCES;
		vm_flags |= VM_SHARED | VM_MAYSHARE;
		if (!mm->f_mode_write)
			vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
	}
	/* both MAP_SHARED (fall through) and MAP_PRIVATE */
	if (!mm->f_mode_read)
		return -EACCES;
	*flags = vm_flags;
	return 0;
}

/* Before the CPUs start: a mapping the scenario declares, linked at once. */
void mmap_prepare(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long vm_flags)
{
	vma->vm_flags = vm_flags;
	xip_file_mmap(mm, vma);
	vma->created = 1;
	vma->on_i_mmap = 1;
	W->mapping.i_mmap[W->mapping.n_i_mmap++] = vma;
}

/* mmap(2) as an operation of a CPU: returns 0 or -errno. */
long sys_mmap(struct mm_struct *mm, struct vm_area_struct *vma, const struct scn_map *map)
{
	struct address_space *mapping = &W->mapping;
	unsigned long vm_flags;
	long err;

	KENTER();
	err = mmap_vm_flags(mm, map, &vm_flags);
	if (err)
		KRETURN(err);
	vma->vm_flags = vm_flags;
	xip_file_mmap(mm, vma);
	/*
	 * vma_link: in the kernel under mmap_sem held for write, which the
	 * sandbox does not simulate (fault.c says what that leaves out); the
	 * vma joins the mm's list and the file's prio tree inside one
	 * i_mmap_lock section.  One step here: a fault finds the vma only
	 * once __xip_unmap can find it too.
	 */
	spin_lock(&mapping->i_mmap_lock);
	sched_point(SCHED_OP_WRITE, &mm->mmap_obj,
		    SCHED_SITE("vma_link", "vma_link: __vma_link_list + vma_prio_tree_insert(vma, &mapping->i_mmap)"));
	vma->created = 1;
	mapping->i_mmap[mapping->n_i_mmap++] = vma;
	vma->on_i_mmap = 1;
	sched_note(mapping->n_i_mmap);
	spin_unlock(&mapping->i_mmap_lock);
	KRETURN(0);
}
