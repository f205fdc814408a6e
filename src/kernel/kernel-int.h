/*
 * kernel-int.h - the simulated kernel's private structures, shared by the
 * files of src/kernel/ only.  Everything outside src/kernel/ goes through
 * kernel.h and the read-only snapshot it fills.
 *
 * The structures keep the kernel's names (struct page, pte, struct
 * vm_area_struct, struct mm_struct, struct address_space, struct inode) but
 * only the fields the XIP paths touch.  Every field another CPU may read or
 * write concurrently sits next to the struct sched_obj that names it, and is
 * only touched through KREAD/KWRITE (one scheduling point each) or the
 * simulated locks of sync.h.
 *
 * Simplifications, each named where it is made:
 *  - a page is SCN_PAGE_BYTES (8) bytes: PAGE_SHIFT is 3, so addresses and
 *    i_size stay small enough to read;
 *  - one page table (and so one page table lock) per mm;
 *  - struct page comes from a small pool; the page allocator itself is not
 *    a scheduling point (its choice of page never changes what a run does).
 */
#ifndef XS_KERNEL_INT_H
#define XS_KERNEL_INT_H

#include <stdint.h>

#include "kernel.h"
#include "scenario.h"
#include "sched.h"
#include "sync.h"

#define PAGE_SHIFT 3
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_CACHE_SHIFT PAGE_SHIFT
#define PAGE_CACHE_SIZE PAGE_SIZE
#define XIP_PAGE_POOL 24          /* struct pages: sparse-page candidates and anon COW copies */
#define XIP_FLASH_PFN_BASE 0x1000ul /* pfn of flash block 0 */
#define XIP_VMA_BASE 0x1000ul     /* vm_start of a process's first mapping */
#define XIP_VMA_STRIDE 0x1000ul
#define XIP_CONSOLE_SIZE 4096

/* errno values as Linux defines them, for the trace and milestones. */
#define EBADF 9
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EINVAL 22
#define ENOSPC 28
#define ENODATA 61

/* vm_flags (include/linux/mm.h, 2.6.27 values) */
#define VM_READ     0x00000001ul
#define VM_WRITE    0x00000002ul
#define VM_EXEC     0x00000004ul
#define VM_SHARED   0x00000008ul
#define VM_MAYREAD  0x00000010ul
#define VM_MAYWRITE 0x00000020ul
#define VM_MAYEXEC  0x00000040ul
#define VM_MAYSHARE 0x00000080ul
#define VM_CAN_NONLINEAR 0x08000000ul
#define VM_MIXEDMAP 0x10000000ul

/* vm_fault return codes (2.6.27 values) */
#define VM_FAULT_OOM    0x0001
#define VM_FAULT_SIGBUS 0x0002
#define VM_FAULT_MAJOR  0x0004
#define VM_FAULT_WRITE  0x0008
#define VM_FAULT_NOPAGE 0x0100
#define VM_FAULT_LOCKED 0x0200
#define VM_FAULT_ERROR  (VM_FAULT_OOM | VM_FAULT_SIGBUS)

#define FAULT_FLAG_WRITE 0x01

/* How the trace prints the value a step noted on an object (sched_obj.tag). */
enum kobj_tag {
	KTAG_INT,       /* plain number */
	KTAG_PTE,       /* pte_val(): see pte_encode */
	KTAG_PAGE,      /* struct page *: page id + 1, 0 for NULL */
	KTAG_BLOCK,     /* a block map entry: block number, -1 for a hole */
	KTAG_BYTES,     /* first bytes of a page's data, packed little-endian */
	KTAG_HEX,       /* an address or pfn */
};

struct page {
	struct sched_obj obj;        /* _count, _mapcount (atomics: one step each) */
	struct sched_obj pg_locked;  /* PG_locked: lock_page()/unlock_page() */
	struct sched_obj data_obj;   /* the page's bytes */
	int id;
	int in_use;                  /* handed out by the page allocator */
	int anon;                    /* PageAnon: a private COW copy */
	int _count;                  /* references (the kernel's atomic _count) */
	int _mapcount;               /* ptes mapping it (the kernel stores this minus one) */
	unsigned char data[SCN_PAGE_BYTES];
};

enum pte_kind { PTE_NONE, PTE_PAGE, PTE_PFN };

/* One page table entry; pte_val() is its three fields packed (pte_encode). */
typedef struct {
	struct sched_obj obj;
	enum pte_kind kind;
	int page;                    /* PTE_PAGE: struct page id */
	unsigned long pfn;           /* PTE_PFN: a flash block's pfn (pte_special) */
	int write;                   /* pte_write */
	int dirty;                   /* pte_dirty */
} pte_t;

struct mm_struct;

struct vm_area_struct {
	struct mm_struct *vm_mm;
	unsigned long vm_start, vm_end;
	unsigned long vm_flags;
	unsigned long vm_pgoff;      /* always 0: the whole file is mapped */
	int index;                   /* the process's mapping number ("A.1" is 1) */
	int created;                 /* mmap() has made it (before the run or as an op) */
	int on_i_mmap;               /* linked on mapping->i_mmap (changed under i_mmap_lock) */
	pte_t ptes[SCN_MAX_PAGES];   /* this vma's page table entries, by pgoff */
};

struct mm_struct {
	char comm[SCN_MAX_NAME + 1]; /* process name: "A" (the scenario's) */
	int proc;                    /* index in the scenario */
	int f_mode_read, f_mode_write; /* how it opened the file (FMODE_READ/WRITE) */
	spinlock_t page_table_lock;  /* ptl: guards ptes and the rss counters */
	struct sched_obj mmap_obj;   /* the vma list (mmap_sem for write in the kernel; not simulated: fault.c) */
	long file_rss, anon_rss;     /* changed together with a pte, under ptl */
	int nvmas;                   /* vma slots (declared + mmap ops) */
	struct vm_area_struct vmas[SCN_MAX_MAPS];
};

struct inode {
	struct sched_obj i_size_obj;
	long i_size;
	struct mutex i_mutex;
	struct mutex truncate_mutex; /* EXT2_I(inode)->truncate_mutex: block allocation */
	int s_rdonly;                /* i_sb->s_flags & MS_RDONLY: the sandbox mounts read-write */
};

struct address_space {
	struct inode *host;
	spinlock_t i_mmap_lock;
	struct sched_obj i_mmap_obj; /* the prio tree of vmas */
	struct vm_area_struct *i_mmap[SCN_MAX_PROCS * SCN_MAX_MAPS];
	int n_i_mmap;
};

/* The flash device and the file system's block map of the one file. */
struct flash {
	int nblocks;
	int full;                    /* fault injection: no free block */
	struct sched_obj bitmap_obj; /* the block allocator */
	struct {
		struct sched_obj obj;
		int used;
		unsigned char data[SCN_PAGE_BYTES];
	} blocks[SCN_MAX_BLOCKS];
	struct sched_obj blockmap_obj[SCN_MAX_PAGES]; /* ext2's i_data[] */
	int blockmap[SCN_MAX_PAGES]; /* block of each page, -1 for a hole */
};

/* struct vm_fault (2.6.27) */
struct vm_fault {
	unsigned int flags;
	unsigned long pgoff;
	void *virtual_address;
	struct page *page;
};

/*
 * The three versions of the XIP entry points that the seed changes, and the
 * what-ifs (filemap_xip_whatif.c): the fixed version with ingredients of its
 * fix switched off, which a run of the fixed version uses when its
 * without-mask is not empty.
 */
struct xip_ops {
	int (*xip_file_fault)(struct vm_area_struct *vma, struct vm_fault *vmf);
	void (*__xip_unmap)(struct address_space *mapping, unsigned long pgoff);
};
extern const struct xip_ops xip_ops_buggy, xip_ops_fixed, xip_ops_later, xip_ops_final, xip_ops_whatif;
/* filemap_xip_fixed.c's, which the later version and the what-ifs keep unchanged. */
struct page *xip_fixed_sparse_page(void);
void xip_fixed___xip_unmap(struct address_space *mapping, unsigned long pgoff);

/* What one CPU is doing: the task_struct of sorts. */
struct cpu_ctx {
	int cpu;
	struct mm_struct *current_mm; /* the process whose op it runs */
	int op;                       /* index of the op it runs */
	struct kernel_op_result results[SCN_MAX_OPS];
};

struct xip_world {
	const struct scenario *scn;
	enum xip_version version;
	const struct xip_ops *xip;
	struct sched *sched;
	unsigned without;             /* KERNEL_WITHOUT_* (fixed version only) */

	struct flash flash;
	struct inode inode;
	struct address_space mapping;
	struct mm_struct mm[SCN_MAX_PROCS];
	int nmm_built;                /* processes built so far */

	struct page pages[XIP_PAGE_POOL];
	int fail_sparse_alloc;        /* fault injection for xip_sparse_page's alloc_page */
	int pages_hwm;                /* pages [pages_hwm, XIP_PAGE_POOL) were never handed out */

	/* mm/filemap_xip.c globals */
	struct sched_obj sparse_page_obj;
	struct page *__xip_sparse_page;
	struct mutex xip_sparse_mutex;   /* fixed, later */
	seqcount_t xip_sparse_seq;       /* fixed, later */
	spinlock_t xip_alloc_lock;       /* buggy: xip_sparse_page's private lock */

	struct sched_obj console_obj;
	char console[XIP_CONSOLE_SIZE];
	size_t console_len;

	struct cpu_ctx cpus[SCN_MAX_CPUS];

	/* Watching the run (step hook). */
	long incoherent_since;        /* first step of the current incoherent stretch, -1 */
};

/*
 * The world of the run being stepped: the scheduler publishes it
 * (sched_world_now, like Linux's `current`) for the step it runs, so every
 * access of the simulated kernel goes through the run that is stepped.
 */
#define W ((struct xip_world *)sched_world_now)

/* ---- scheduling points on shared state ------------------------------------- */

/*
 * Each takes a site label first: a short name, unique within the function,
 * that identifies the access for the trace hash, narration and the quiz
 * (sched.h, struct sched_site); `what` is the kernel code it stands for.
 */

/* A load: one step; the value is read when the CPU is chosen, and noted. */
#define KREAD(label, objp, expr, what) \
	(sched_point(SCHED_OP_READ, (objp), SCHED_SITE(#label, what)), sched_note((int64_t)(expr)))

/*
 * A store (or an atomic read-modify-write): one step.  sched_store writes
 * it at once, or, in tso and weak, into the CPU's store buffer when the
 * object is buffered (world.c says which are; memmodel.h).
 */
#define KWRITE(label, objp, lvalue, value, what)                            \
	do {                                                                \
		sched_point(SCHED_OP_WRITE, (objp), SCHED_SITE(#label, what)); \
		__typeof__(lvalue) kw_val_ = (value);                       \
		sched_store((objp), &(lvalue), &kw_val_, sizeof kw_val_);   \
		sched_note((int64_t)(lvalue));                              \
	} while (0)

/* The global __xip_sparse_page: reading or setting it is one step. */
#define READ_SPARSE_PAGE(label, what)                                       \
	(sched_point(SCHED_OP_READ, &W->sparse_page_obj, SCHED_SITE(#label, what)), \
	 sched_note(page_to_tag(W->__xip_sparse_page)), W->__xip_sparse_page)
#define WRITE_SPARSE_PAGE(label, page, what)                                \
	do {                                                                \
		sched_point(SCHED_OP_WRITE, &W->sparse_page_obj, SCHED_SITE(#label, what)); \
		struct page *ksp_ = (page);                                 \
		sched_store(&W->sparse_page_obj, &W->__xip_sparse_page, &ksp_, sizeof ksp_); \
		sched_note(page_to_tag(W->__xip_sparse_page));              \
	} while (0)

/* A BUG_ON: the verdict of the run, never an abort of the sandbox. */
#define BUG_ON(cond)                                                        \
	do {                                                                \
		if (cond)                                                   \
			kernel_bug(SCHED_SITE_CALL("BUG_ON(" #cond ")"));   \
	} while (0)
/* Ends the run with "kernel BUG at mm/filemap_xip.c in __xip_unmap(): BUG_ON(...)". */
XS_NORETURN void kernel_bug(const struct sched_site *site);

/* Function entry/exit, for the call stack shown and for milestones. */
#define KENTER() sched_frame_enter(__func__)
#define KRETURN(v)                                                          \
	do {                                                                \
		int64_t kret_ = (int64_t)(v);                               \
		sched_frame_leave(__func__, kret_);                         \
		return kret_;                                               \
	} while (0)
#define KRETURN_PTR(p)                                                      \
	do {                                                                \
		struct page *kpage_ = (p);                                  \
		sched_frame_leave(__func__, page_to_tag(kpage_));           \
		return kpage_;                                              \
	} while (0)
#define KRETURN_VOID()                                                      \
	do {                                                                \
		sched_frame_leave(__func__, 0);                             \
		return;                                                     \
	} while (0)


/* ---- memory.c: the generic mm, rmap and page helpers -------------------------- */

int64_t page_to_tag(const struct page *page);
struct page *alloc_page_zeroed(void);
/* alloc_page(GFP_HIGHUSER | __GFP_ZERO) for the sparse page: fails when the scenario says so. */
struct page *alloc_sparse_page(void);
void __free_page(struct page *page);
void page_cache_get(struct page *page);
void page_cache_release(struct page *page);
#define lock_page(p) sync_lock_page(&(p)->pg_locked, SCHED_SITE_CALL("lock_page(" #p ")"))
#define unlock_page(p) sync_unlock_page(&(p)->pg_locked, SCHED_SITE_CALL("unlock_page(" #p ")"))
void page_add_file_rmap(struct page *page);
void page_remove_rmap(struct page *page, struct vm_area_struct *vma);
/*
 * pte_val(): a pte's fields packed into the value a scheduling point reads
 * and the trace keeps.  Bits 0-1 the kind, bit 2 pte_write, bit 3
 * pte_dirty, from bit 8 up the page id (PTE_PAGE) or the pfn (PTE_PFN).
 * The kernel's accessors below take that value (what a KREAD saw), not the
 * pte_t, because the simulated kernel reads an entry once, at its step, and
 * decides on what it read; the real ones take the pte_t read the same way.
 */
int64_t pte_encode(const pte_t *pte);
#define PTE_VAL_KIND_MASK 3
#define PTE_VAL_WRITE 4
#define PTE_VAL_DIRTY 8
#define PTE_VAL_TARGET_SHIFT 8
static inline enum pte_kind pte_kind(int64_t v) { return (enum pte_kind)(v & PTE_VAL_KIND_MASK); }
static inline int pte_none(int64_t v) { return pte_kind(v) == PTE_NONE; }
/* No swap in the sandbox: every entry that is not none is present. */
static inline int pte_present(int64_t v) { return !pte_none(v); }
static inline int pte_write(int64_t v) { return (v & PTE_VAL_WRITE) != 0; }
static inline int pte_dirty(int64_t v) { return (v & PTE_VAL_DIRTY) != 0; }
/* The pfn of a PTE_PFN entry, the struct page id of a PTE_PAGE one. */
static inline int64_t pte_pfn(int64_t v) { return v >> PTE_VAL_TARGET_SHIFT; }
pte_t *page_check_address(struct page *page, struct mm_struct *mm,
			  unsigned long address, spinlock_t **ptlp);
pte_t *pte_of(struct vm_area_struct *vma, unsigned long address);
int vm_insert_page(struct vm_area_struct *vma, unsigned long addr, struct page *page);
int vm_insert_mixed(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn);
int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma,
		    unsigned long address, int write_access);
/* Truncate's half: zap every pte from holebegin's page on (holelen 0, even_cows 1 only). */
void unmap_mapping_range(struct address_space *mapping, long holebegin, long holelen, int even_cows);
/* Set i_size, unmap beyond it and free the blocks (ext2_truncate); 0. */
int vmtruncate(struct inode *inode, long offset);
/* Clear a pte (one step), returning what it held. */
pte_t ptep_clear_flush_notify(struct vm_area_struct *vma, unsigned long address, pte_t *ptep);
/* The vma of mm that contains address (find_vma), NULL if none. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long address);
/* pgprot_val(vma->vm_page_prot) & _PAGE_RW: may a pte of this vma be writable? */
int vma_page_prot_write(const struct vm_area_struct *vma);
/* The bytes a pte maps (a struct page's or a flash block's) and their object. */
unsigned char *pte_data(const pte_t *pte, struct sched_obj **obj);
/* Pack up to 8 bytes into the value a step notes (KTAG_BYTES). */
int64_t bytes_tag(const unsigned char *data);

/* ---- mmap.c and fault.c --------------------------------------------------------- */

long mmap_vm_flags(const struct mm_struct *mm, const struct scn_map *map, unsigned long *flags);
void mmap_prepare(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long vm_flags);
long sys_mmap(struct mm_struct *mm, struct vm_area_struct *vma, const struct scn_map *map);
/* A user load (write == 0) or store through vma at pgoff, faulting as needed. */
void user_access(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long pgoff,
		 int write, const unsigned char *data, int len, struct kernel_op_result *res);

/* ---- world.c and describe.c ------------------------------------------------------ */

const struct xip_world *kernel_run_world(const struct kernel_run *run);
/*
 * For the tests: 0 when the run's world holds nothing but zeros outside the
 * parts its template copies back (the console's text aside), -1 otherwise
 * or when the run keeps no template.
 */
int kernel_run_template_check(const struct kernel_run *run);
/*
 * For the tests only: when `on`, the next kernel_run_start of the fixed
 * version runs the what-if ops even with an empty without-mask (nothing
 * switched off), to check that they are then the fixed version step for
 * step.  No program path calls it; kernel_run_free clears it with the mask.
 */
void kernel_run_force_whatif(struct kernel_run *run, int on);

/* ---- setup.c ------------------------------------------------------------------------ */

/*
 * Run scn's setup operations to their end on a run of their own (version,
 * what-ifs `without`) and copy the state they leave into dst, a world just
 * built from scn.  Returns -1 with *cause ("FILE:LINE: the setup does not
 * finish ...") when the setup ends in a BUG, a deadlock or the step limit.
 * Leaves no run current: the caller makes its own current again.
 */
int kernel_setup_run(const struct scenario *scn, enum xip_version version, unsigned without,
		     struct xip_world *dst, char **cause);

/* ---- check.c ------------------------------------------------------------------------ */

/* After every step: track when the world became incoherent for good. */
void check_after_step(void *ctx, struct sched *s);
/* The verdict of an ended run. */
void check_verdict(struct xip_world *w, struct kernel_verdict *out);
/* Its kind alone, nothing formatted. */
enum verdict_kind check_verdict_kind(struct xip_world *w);

/* ---- flash.c: the device and ext2's get_xip_mem ------------------------------------ */

int get_xip_mem(struct address_space *mapping, unsigned long pgoff, int create,
		void **kmem, unsigned long *pfn);
/* ->truncate: zero a partial last page, free the blocks beyond i_size. */
void ext2_truncate(struct inode *inode);
/* The bytes of the block behind a pfn (NULL if the pfn is not flash). */
unsigned char *flash_pfn_data(unsigned long pfn, struct sched_obj **obj);

/* ---- filemap_xip.c: the paths the seed does not change ------------------------------- */

int xip_file_mmap(struct mm_struct *mm, struct vm_area_struct *vma);
long xip_file_write(struct mm_struct *mm, unsigned long pgoff,
		    const unsigned char *buf, int len);
/* read(2) of one page into out; *stale for the judge (kernel_op_result.stale). */
long do_xip_mapping_read(struct mm_struct *mm, unsigned long pgoff, unsigned char *out, int *stale);
void printk_insert(struct vm_area_struct *vma, unsigned long address, unsigned long pfn);
/* Zero the tail of the page holding byte `from` (ext2_truncate on XIP); 0 or -EINVAL. */
int xip_truncate_page(long from);

/* ---- open.c: ftruncate(2) ------------------------------------------------------------ */

/* ftruncate(fd, length) for mm's descriptor: 0 or -errno. */
long do_sys_ftruncate(struct mm_struct *mm, long length);

#endif
