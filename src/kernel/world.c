/*
 * world.c - building a simulated machine from a scenario, the CPUs' task
 * (the system call and user access layer), and the kernel_run API.
 *
 * Objects are registered with the scheduler in one fixed order (globals,
 * inode, mapping, flash, page pool, then each process), so object ids, and
 * with them trace hashes, depend only on the scenario.
 *
 * A run keeps the world it built as a template: the next start of the same
 * scenario and version copies it back in place instead of building again
 * (the explorer starts thousands of runs of one world).  The copy is the
 * world exactly as built, objects' lock state included, and the scheduler
 * keeps the registrations (sched_rewind), so ids and traces are the same.
 *
 * Mirrors no kernel file: the machine a scenario builds is the sandbox's own
 * (the system call layer stands for the kernel's entry points, reduced).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-int.h"
#include "statehash.h"

/*
 * The world as kernel_run_start built it, before any step.  Only the spans
 * are copied back: the parts of the world the scenario has (its processes,
 * their mappings, its flash blocks, its CPUs and their ops' results).  The
 * rest is zero in the template and no run writes it: the simulated kernel
 * only reaches what the scenario names (the tests check this).  The
 * console's text is the exception: a run writes it, and it is a string, so
 * its first byte is enough.
 */
#define WORLD_MAX_SPANS (8 + SCN_MAX_PROCS + SCN_MAX_CPUS)

struct world_span {
	size_t off, len;
};

struct world_template {
	/* What it was built from: a start with anything else builds again. */
	const struct scenario *scn;
	uint64_t scn_hash;            /* the scenario's text, in case another was loaded at the same address */
	size_t scn_text_len;
	enum xip_version version;
	unsigned without;
	const struct xip_ops *xip;    /* the ops it runs (the what-ifs or the version's own) */
	unsigned nobjs;               /* objects the build registered */
	struct world_span span[WORLD_MAX_SPANS];
	int nspans;
	struct xip_world world;
};

struct kernel_run {
	struct sched *sched;
	unsigned without;
	int force_whatif;             /* tests only: the what-if ops with an empty mask */
	struct xip_world world;
	int mmap_slot[SCN_MAX_CPUS][SCN_MAX_OPS]; /* vma slot of each mmap op */
	struct world_template *tmpl;  /* NULL until the first build */
	int tmpl_valid;
	/*
	 * The world is all zeros (a new run, or a spare kernel_run_free
	 * cleared), so a full build need not clear it first.  Every start
	 * takes it down: the template's copy and the steps after it write the
	 * world.
	 */
	int world_zero;
};

static const char *upstream_name(const char *file);

/*
 * An object's name with a process's name in it ("ptl[reader1]",
 * "pte[reader1.1:%d]": sched_obj_init keeps a printf format and two ints).
 * The scheduler keeps the name by pointer, and the world's bytes, hashed
 * as state and compared between runs (explore_mem_test's state sets, the
 * checkpoints), hold that pointer: like a string literal, a name must be
 * at the same address in every run, whatever run or scenario made it.
 * So each is made once and kept for the life of the program (a program
 * that loads many scenarios with new names, a fuzzer, keeps each; a few
 * dozen bytes a name).
 */
static const char *intern_name(const char *text)
{
	static char **names;
	static size_t n, cap;

	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], text) == 0)
			return names[i];
	if (n == cap) {
		cap = cap ? 2 * cap : 64;
		names = xrealloc(names, cap * sizeof *names);
	}
	names[n] = xstrdup(text);
	return names[n++];
}

const char *kernel_source_name(const char *file)
{
	const char *theirs = upstream_name(file);
	const char *base = strrchr(file, '/');

	return theirs ? theirs : base ? base + 1 : file;
}

int kernel_site_in_kernel(const struct sched_site *site)
{
	return upstream_name(site->file) != NULL;
}

/* The kernel file one of ours mirrors, NULL when it is not one of the kernel's. */
static const char *upstream_name(const char *file)
{
	static const struct { const char *ours, *theirs; } map[] = {
		{ "filemap_xip_buggy.c", "mm/filemap_xip.c (buggy)" },
		{ "filemap_xip_fixed.c", "mm/filemap_xip.c (fixed)" },
		/* the fixed version with ingredients switched off: its BUGs read as fixed's */
		{ "filemap_xip_whatif.c", "mm/filemap_xip.c (fixed)" },
		{ "filemap_xip_later.c", "mm/filemap_xip.c (later)" },
		{ "filemap_xip_final.c", "mm/filemap_xip.c (final)" },
		{ "open.c", "fs/open.c" },
		{ "filemap_xip.c", "mm/filemap_xip.c" },
		{ "memory.c", "mm/memory.c" },
		{ "flash.c", "fs/ext2/xip.c" },
		{ "mmap.c", "mm/mmap.c" },
		{ "fault.c", "arch/x86/mm/fault.c" },
	};
	const char *base = strrchr(file, '/');

	base = base ? base + 1 : file;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(base, map[i].ours) == 0)
			return map[i].theirs;
	return NULL;
}

void kernel_bug(const struct sched_site *site)
{
	const char *tree;
	int line = kernel_upstream_line(site, W->version, &tree);

	if (line)
		sched_bug(site, "kernel BUG at %s, upstream line %d, in %s(): %s", kernel_source_name(site->file),
			  line, site->func, site->what);
	sched_bug(site, "kernel BUG at %s in %s(): %s", kernel_source_name(site->file), site->func, site->what);
}

/* ---- the CPUs' task ---------------------------------------------------------- */

static void run_op(struct kernel_run *run, struct cpu_ctx *c, const struct scn_op *op,
		   struct kernel_op_result *res)
{
	struct mm_struct *mm = &W->mm[op->proc];
	long ret;

	c->current_mm = mm;
	switch (op->kind) {
	case SCN_OP_TOUCH:
	case SCN_OP_STORE:
		user_access(mm, &mm->vmas[op->map], (unsigned long)op->page,
			    op->kind == SCN_OP_STORE, op->data, op->len, res);
		break;
	case SCN_OP_WRITE:
		ret = xip_file_write(mm, (unsigned long)op->page, op->data, op->len);
		res->ret = ret;
		res->outcome = ret < 0 ? KOUT_ERROR : KOUT_OK;
		break;
	case SCN_OP_READ:
		ret = do_xip_mapping_read(mm, (unsigned long)op->page, res->bytes, &res->stale);
		res->ret = ret;
		res->has_bytes = ret >= 0;
		res->outcome = ret < 0 ? KOUT_ERROR : KOUT_OK;
		break;
	case SCN_OP_MMAP:
		ret = sys_mmap(mm, &mm->vmas[run->mmap_slot[c->cpu][c->op]], &op->mmap);
		res->ret = ret;
		res->outcome = ret < 0 ? KOUT_ERROR : KOUT_OK;
		break;
	case SCN_OP_TRUNCATE:
		ret = do_sys_ftruncate(mm, op->size);
		res->ret = ret;
		res->outcome = ret < 0 ? KOUT_ERROR : KOUT_OK;
		break;
	}
}

/* The run whose world is being stepped (sched_world_now is its world). */
static struct kernel_run *current_run(void)
{
	return (struct kernel_run *)((char *)W - offsetof(struct kernel_run, world));
}

static void cpu_task(void *arg)
{
	struct cpu_ctx *c = arg;
	const struct scn_cpu *sc = &W->scn->cpus[c->cpu];

	for (int i = 0; i < sc->nops; i++) {
		/* a step of this CPU runs on its own world, never another live run's */
		XS_ASSERT(c == &W->cpus[c->cpu]);
		c->op = i;
		c->results[i].state = KOP_RUNNING;
		run_op(current_run(), c, &sc->ops[i], &c->results[i]);
		c->results[i].state = KOP_DONE;
	}
}

/* ---- building the world ------------------------------------------------------------ */

static void obj(struct sched_obj *o, enum sched_obj_kind kind, enum kobj_tag tag,
		const char *name, int a, int b)
{
	sched_obj_init(W->sched, o, kind, name, a, b);
	o->tag = (uint8_t)tag;
	/* only a write to a pte or a block map entry can change coherence (check_after_step) */
	o->watched = tag == KTAG_PTE || tag == KTAG_BLOCK;
	/*
	 * tso/weak: plain stores that go through a store buffer.  The block map
	 * entry (ext2_splice_branch's store), i_size and __xip_sparse_page are
	 * plain stores in 2.6.27; ptes (set under ptl), the page counts
	 * (atomics), the block bitmap (an atomic bit op), the bytes and the
	 * vma list are written through after a flush of the CPU's buffer: a
	 * simplification that can only hide reorderings (memmodel.c).
	 */
	o->buffered = tag == KTAG_BLOCK;
}

static int build_processes(struct kernel_run *run, const struct scenario *scn, char **cause)
{
	int extra[SCN_MAX_PROCS] = { 0 };

	/* mmap ops get vma slots after the declared mappings: CPU 0's first, then CPU 1's, ... */
	for (int c = 0; c < scn->ncpus; c++)
		for (int i = 0; i < scn->cpus[c].nops; i++) {
			const struct scn_op *op = &scn->cpus[c].ops[i];
			if (op->kind != SCN_OP_MMAP)
				continue;
			run->mmap_slot[c][i] = scn->procs[op->proc].nmaps + extra[op->proc]++;
		}
	for (int p = 0; p < scn->nprocs; p++) {
		const struct scn_process *sp = &scn->procs[p];
		struct mm_struct *mm = &W->mm[p];
		char name[SCN_MAX_NAME + 32];

		if (sp->nmaps + extra[p] > SCN_MAX_MAPS)
			return util_errf(cause, "%s:%d: process %s would have %d mappings; at most %d are simulated",
					 scn->path, sp->line, sp->name, sp->nmaps + extra[p], SCN_MAX_MAPS);
		memcpy(mm->comm, sp->name, sizeof mm->comm);
		mm->proc = p;
		mm->f_mode_read = sp->mode != SCN_O_WRONLY;
		mm->f_mode_write = sp->mode != SCN_O_RDONLY;
		mm->nvmas = sp->nmaps + extra[p];
		W->nmm_built = p + 1;
		snprintf(name, sizeof name, "ptl[%s]", sp->name);
		spin_lock_init(W->sched, &mm->page_table_lock, intern_name(name), 0, 0);
		snprintf(name, sizeof name, "mm[%s].mmap", sp->name);
		obj(&mm->mmap_obj, SCHED_OBJ_MEMORY, KTAG_INT, intern_name(name), 0, 0);
		for (int k = 0; k < mm->nvmas; k++) {
			struct vm_area_struct *vma = &mm->vmas[k];
			vma->vm_mm = mm;
			vma->index = k;
			vma->vm_start = XIP_VMA_BASE + (unsigned long)k * XIP_VMA_STRIDE;
			vma->vm_end = vma->vm_start + SCN_MAX_PAGES * PAGE_SIZE;
			const char *pte_name;
			/* "pte[A:1]", "pte[A.1:1]"; a name has no '%' (scn_is_name) */
			if (k)
				snprintf(name, sizeof name, "pte[%s.%d:%%d]", sp->name, k);
			else
				snprintf(name, sizeof name, "pte[%s:%%d]", sp->name);
			pte_name = intern_name(name);
			for (int pg = 0; pg < SCN_MAX_PAGES; pg++)
				obj(&vma->ptes[pg].obj, SCHED_OBJ_MEMORY, KTAG_PTE, pte_name, pg, 0);
		}
		for (int k = 0; k < sp->nmaps; k++) {
			unsigned long vm_flags;
			long err = mmap_vm_flags(mm, &sp->maps[k], &vm_flags);
			if (err)
				return util_errf(cause, "%s:%d: mmap for process %s fails with EACCES",
						 scn->path, sp->maps[k].line, sp->name);
			mmap_prepare(mm, &mm->vmas[k], vm_flags);
		}
	}
	return 0;
}

static void build_flash(const struct scenario *scn)
{
	struct flash *f = &W->flash;
	int next = 0;

	f->nblocks = scn->flash_blocks;
	f->full = scn->fault_flash_full;
	obj(&f->bitmap_obj, SCHED_OBJ_MEMORY, KTAG_INT, "flash.bitmap", 0, 0);
	for (int b = 0; b < f->nblocks; b++)
		obj(&f->blocks[b].obj, SCHED_OBJ_MEMORY, KTAG_BYTES, "block[%d]", b, 0);
	for (int p = 0; p < SCN_MAX_PAGES; p++) {
		obj(&f->blockmap_obj[p], SCHED_OBJ_MEMORY, KTAG_BLOCK, "i_data[%d]", p, 0);
		f->blockmap[p] = -1;
		if (p < scn->file_pages && !scn->pages[p].hole) {
			f->blocks[next].used = 1;
			memcpy(f->blocks[next].data, scn->pages[p].data, SCN_PAGE_BYTES);
			f->blockmap[p] = next++;
		}
	}
}

/*
 * The last run freed, kept for the next kernel_run_new (not in sanitizer
 * builds, where it would hide a use after free).  The explorer makes a run
 * per search, and a search of a small scenario is short enough that
 * allocating a run (a 48 KB world, the scheduler's trace) and building its
 * world shows.  A kept run is rewound and its world cleared back to zeros,
 * as a new one's; its template stays, so that the next search of the same
 * scenario and version starts from it.
 */
#if defined(__SANITIZE_ADDRESS__)
#define KEEP_A_SPARE_RUN 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEP_A_SPARE_RUN 0
#endif
#endif
#ifndef KEEP_A_SPARE_RUN
#define KEEP_A_SPARE_RUN 1
#endif
static struct kernel_run *spare_run;

static void clear_world(struct kernel_run *run);

struct kernel_run *kernel_run_new(void)
{
	struct kernel_run *run = spare_run;

	if (run) {
		spare_run = NULL;
		return run;
	}
	run = xcalloc(1, sizeof *run);
	run->sched = sched_new();
	run->world_zero = 1;
	return run;
}

void kernel_run_free(struct kernel_run *run)
{
	if (!run)
		return;
	if (sched_world_now == &run->world)
		sched_world_now = NULL;
	if (KEEP_A_SPARE_RUN && !spare_run) {
		/* as kernel_run_new makes it, with the registrations its template needs */
		sched_rewind(run->sched);
		sched_set_step_limit(run->sched, SCHED_DEFAULT_STEP_LIMIT);
		sched_set_lock_debug(run->sched, 0);
		run->without = 0;
		run->force_whatif = 0;
		/* the template stays valid: the next search of the same scenario
		   and version starts from it (the world is zeros again, and the
		   first start of anything else builds it anew, as on a new run) */
		clear_world(run);
		spare_run = run;
		return;
	}
	free(run->tmpl);
	sched_free(run->sched);
	free(run);
}

void kernel_run_drop_spare(void)
{
	struct kernel_run *run = spare_run;

	if (!run)
		return;
	spare_run = NULL;
	free(run->tmpl);
	sched_free(run->sched);
	free(run);
}

/* ---- the world template --------------------------------------------------------- */

static void add_span(struct world_template *t, const struct xip_world *w, const void *from, const void *to)
{
	size_t off = (size_t)((const char *)from - (const char *)w);
	size_t len = (size_t)((const char *)to - (const char *)from);
	struct world_span *last = t->nspans ? &t->span[t->nspans - 1] : NULL;

	if (!len)
		return;
	if (last && last->off + last->len == off) {
		last->len += len;
		return;
	}
	XS_ASSERT(t->nspans < WORLD_MAX_SPANS);
	t->span[t->nspans].off = off;
	t->span[t->nspans].len = len;
	t->nspans++;
}

/*
 * The spans below are ranges between fields: they rely on the fields'
 * order in struct xip_world (kernel-int.h) and on what comes last in
 * struct mm_struct and struct cpu_ctx.  Moving a field breaks these, not
 * the runs (a field outside every span would be left zero by the copy).
 * NEXT(T, a, b, Tb): b follows a in T with at most padding between.
 */
#define NEXT(T, a, b, Tb)                                                                     \
	_Static_assert(offsetof(T, b) >= offsetof(T, a) + sizeof(((T *)0)->a) &&              \
		       offsetof(T, b) - (offsetof(T, a) + sizeof(((T *)0)->a)) < _Alignof(Tb), \
		       #T ": " #b " must follow " #a " (world.c copies the range between them)")
#define LAST(T, a) \
	_Static_assert(sizeof(T) - (offsetof(T, a) + sizeof(((T *)0)->a)) < _Alignof(T), #T ": " #a " must be its last field")
NEXT(struct flash, blocks, blockmap_obj, struct sched_obj);
NEXT(struct xip_world, without, flash, struct flash);
NEXT(struct xip_world, flash, inode, struct inode);
NEXT(struct xip_world, inode, mapping, struct address_space);
NEXT(struct xip_world, mapping, mm, struct mm_struct);
NEXT(struct xip_world, mm, nmm_built, int);
NEXT(struct xip_world, nmm_built, pages, struct page);
_Static_assert(offsetof(struct xip_world, pages) < offsetof(struct xip_world, console),
	       "struct xip_world: the page pool and the globals must come before console");
NEXT(struct xip_world, console, console_len, size_t);
NEXT(struct xip_world, console_len, cpus, struct cpu_ctx);
NEXT(struct xip_world, cpus, incoherent_since, long);
LAST(struct mm_struct, vmas);
LAST(struct cpu_ctx, results);
#undef NEXT
#undef LAST

/* The spans of world w, as offsets (the same in the template's copy), in address order. */
static void template_spans(struct world_template *t, const struct xip_world *w)
{
	const struct scenario *scn = w->scn;

	t->nspans = 0;
	add_span(t, w, w, &w->flash.blocks[0]);
	add_span(t, w, &w->flash.blocks[0], &w->flash.blocks[w->flash.nblocks]);
	add_span(t, w, &w->flash.blockmap_obj[0], &w->mm[0]);          /* block map, inode, mapping */
	for (int p = 0; p < w->nmm_built; p++)
		add_span(t, w, &w->mm[p], &w->mm[p].vmas[w->mm[p].nvmas]);
	add_span(t, w, &w->nmm_built, &w->console[1]);                 /* page pool, globals, console[0] */
	add_span(t, w, &w->console_len, &w->cpus[0]);
	for (int c = 0; c < scn->ncpus; c++)
		add_span(t, w, &w->cpus[c], &w->cpus[c].results[scn->cpus[c].nops]);
	add_span(t, w, &w->incoherent_since, (const char *)w + sizeof *w);
}

/* Are the bytes [at, end) of the world all zero? */
static int zero_bytes(const unsigned char *b, size_t at, size_t end)
{
	return at >= end || (b[at] == 0 && memcmp(b + at, b + at + 1, end - at - 1) == 0);
}

/*
 * Is every byte of world w outside the spans zero?  The console's text is
 * not looked at (a run writes it; a string, its first byte is in a span).
 */
static int outside_spans_zero(const struct world_template *t, const struct xip_world *w)
{
	const unsigned char *b = (const unsigned char *)w;
	size_t console = (size_t)((const char *)w->console - (const char *)w);
	size_t at = 0;

	for (int i = 0; i <= t->nspans; i++) {
		size_t end = i < t->nspans ? t->span[i].off : sizeof *w;
		if (at <= console + 1 && end >= console + sizeof w->console) {
			if (!zero_bytes(b, at, console + 1) || !zero_bytes(b, console + sizeof w->console, end))
				return 0;
		} else if (!zero_bytes(b, at, end)) {
			return 0;
		}
		if (i < t->nspans)
			at = t->span[i].off + t->span[i].len;
	}
	return 1;
}

/* Keep the world just built (before its first step) to start the next runs from. */
static void template_keep(struct kernel_run *run, const struct scenario *scn, enum xip_version version)
{
	struct world_template *t = run->tmpl;

	if (!t)
		t = run->tmpl = xmalloc(sizeof *t);
	t->scn = scn;
	t->scn_hash = scn->hash;
	t->scn_text_len = scn->text_len;
	t->version = version;
	t->without = run->world.without;
	t->xip = run->world.xip;
	t->nobjs = sched_obj_count(run->sched);
	/* the spans are computed on the live world; the template holds only them */
	template_spans(t, &run->world);
	for (int i = 0; i < t->nspans; i++)
		memcpy((char *)&t->world + t->span[i].off, (const char *)&run->world + t->span[i].off, t->span[i].len);
	run->tmpl_valid = 1;
}

/*
 * The ops a start of `version` runs: the fixed version with ingredients
 * switched off (or forced, by a test) runs the what-ifs, so that
 * filemap_xip_fixed.c stays the seed's code.
 */
static const struct xip_ops *run_ops(const struct kernel_run *run, enum xip_version version)
{
	static const struct xip_ops *const ops[XIP_NVERSIONS] = {
		&xip_ops_buggy, &xip_ops_fixed, &xip_ops_later, &xip_ops_final,
	};

	if (version == XIP_FIXED && (run->without || run->force_whatif))
		return &xip_ops_whatif;
	return ops[version];
}

/* Was the template built for this start, and does the scheduler still hold its registrations? */
static int template_fits(const struct kernel_run *run, const struct scenario *scn, enum xip_version version)
{
	const struct world_template *t = run->tmpl;

	return run->tmpl_valid && t->scn == scn && t->scn_hash == scn->hash &&
	       t->scn_text_len == scn->text_len && t->version == version &&
	       t->without == (version == XIP_FIXED ? run->without : 0) && t->xip == run_ops(run, version) &&
	       sched_obj_count(run->sched) == t->nobjs && sched_ncpus(run->sched) == scn->ncpus &&
	       sched_obj_by_id(run->sched, 0) == &run->world.sparse_page_obj;
}

/* Zeros in the world again, as in a new run (the console's old text aside: it is a string). */
static void clear_world(struct kernel_run *run)
{
	const struct world_template *t = run->tmpl;

	if (run->tmpl_valid) {
		/* the world is the template's scenario's: nothing outside the spans but zeros */
		for (int i = 0; i < t->nspans; i++)
			memset((char *)&run->world + t->span[i].off, 0, t->span[i].len);
	} else {
		memset(&run->world, 0, sizeof run->world);
	}
	run->world_zero = 1;
}

int kernel_run_template_check(const struct kernel_run *run)
{
	if (!run->tmpl_valid)
		return -1;
	return outside_spans_zero(run->tmpl, &run->world) ? 0 : -1;
}

/*
 * The stateful search's view of the world: the bytes of the spans, the
 * parts a run can write (the rest stays zero: kernel_run_template_check),
 * with three parts left out because they never change what a run does
 * next:
 *  - the page pool above pages_hwm: pages never handed out are as built
 *    (the allocator takes the lowest free page; nothing else reaches one);
 *  - of each pte, its struct sched_obj: a memory object's fields are set
 *    when it is registered and never change (only locks and seqcounts
 *    change theirs, and a pte is neither); the pte's own fields are hashed;
 *  - the console's text past its first byte: steps only append to it
 *    (printk_insert) and none reads it; console_len, which decides
 *    whether the next line fits, is in;
 *  - incoherent_since, the step at which the world last became
 *    incoherent: the verdict's damage_step, never read by a step.  It is
 *    also the one field where two independent steps do not commute (it
 *    counts steps), which the stateful search's sleep sets assume.
 */
_Static_assert(sizeof(pte_t) == sizeof(struct sched_obj) + 24, "a new pte field is hashed in world_hash_vma");

static void world_hash_vma(const struct vm_area_struct *vma, struct state_hash *h)
{
	state_hash_bytes(h, vma, offsetof(struct vm_area_struct, ptes));
	for (int pg = 0; pg < SCN_MAX_PAGES; pg++) {
		const pte_t *pte = &vma->ptes[pg];
		if (pte->kind == PTE_NONE && !pte->page && !pte->pfn && !pte->write && !pte->dirty)
			continue;
		state_hash_word(h, (uint64_t)pg | (uint64_t)pte->kind << 8 | (uint64_t)(uint32_t)pte->page << 32);
		state_hash_word(h, (uint64_t)pte->pfn);
		state_hash_word(h, (uint64_t)(uint32_t)pte->write | (uint64_t)(uint32_t)pte->dirty << 32);
	}
	state_hash_word(h, SCN_MAX_PAGES);
}

static void hash_range(struct state_hash *h, const void *from, const void *to)
{
	state_hash_bytes(h, from, (size_t)((const char *)to - (const char *)from));
}

int kernel_run_world_hash(const struct kernel_run *run, struct state_hash *h)
{
	const struct xip_world *w = &run->world;
	const struct scenario *scn = w->scn;

	if (!run->tmpl_valid)
		return -1;
	/* template_spans' parts, in its order */
	hash_range(h, w, &w->flash.blocks[w->flash.nblocks]);
	hash_range(h, &w->flash.blockmap_obj[0], &w->mm[0]);
	for (int p = 0; p < w->nmm_built; p++) {
		hash_range(h, &w->mm[p], &w->mm[p].vmas[0]);
		for (int k = 0; k < w->mm[p].nvmas; k++)
			world_hash_vma(&w->mm[p].vmas[k], h);
	}
	XS_ASSERT(w->pages_hwm >= 0 && w->pages_hwm <= XIP_PAGE_POOL);
	hash_range(h, &w->nmm_built, &w->pages[w->pages_hwm]);
	hash_range(h, &w->pages[XIP_PAGE_POOL], &w->console[1]);
	hash_range(h, &w->console_len, &w->cpus[0]);
	for (int c = 0; c < scn->ncpus; c++)
		hash_range(h, &w->cpus[c], &w->cpus[c].results[scn->cpus[c].nops]);
	_Static_assert(offsetof(struct xip_world, incoherent_since) + sizeof w->incoherent_since == sizeof *w,
		       "incoherent_since is the world's last field");
	sched_state_hash(run->sched, h);
	return 0;
}

/*
 * A checkpoint of a run between steps: the world's spans (the parts a run
 * writes, see template_spans) and the console's text, and the
 * scheduler's snapshot.
 */
struct kernel_snap {
	char *bytes;                  /* the spans, one after the other, then the console's text */
	size_t cap;
	struct sched_snap *sched;
};

struct kernel_snap *kernel_snap_new(void)
{
	struct kernel_snap *sn = xcalloc(1, sizeof *sn);

	sn->sched = sched_snap_new();
	return sn;
}

void kernel_snap_free(struct kernel_snap *sn)
{
	if (!sn)
		return;
	free(sn->bytes);
	sched_snap_free(sn->sched);
	free(sn);
}

int kernel_snap_save(const struct kernel_run *run, struct kernel_snap *sn)
{
	const struct world_template *t = run->tmpl;
	size_t need = run->world.console_len, at = 0;

	if (!run->tmpl_valid || sched_snap_save(run->sched, sn->sched) != 0)
		return -1;
	for (int i = 0; i < t->nspans; i++)
		need += t->span[i].len;
	if (need > sn->cap) {
		free(sn->bytes);
		sn->cap = need + 4096;
		sn->bytes = xmalloc(sn->cap);
	}
	for (int i = 0; i < t->nspans; i++) {
		memcpy(sn->bytes + at, (const char *)&run->world + t->span[i].off, t->span[i].len);
		at += t->span[i].len;
	}
	memcpy(sn->bytes + at, run->world.console, run->world.console_len);
	return 0;
}

int kernel_snap_restore(struct kernel_run *run, const struct kernel_snap *sn)
{
	const struct world_template *t = run->tmpl;
	size_t at = 0;

	XS_ASSERT(run->tmpl_valid);
	if (sched_snap_restore(run->sched, sn->sched) != 0)
		return -1;
	for (int i = 0; i < t->nspans; i++) {
		memcpy((char *)&run->world + t->span[i].off, sn->bytes + at, t->span[i].len);
		at += t->span[i].len;
	}
	/* console_len came back with its span; the text is the snapshot's up to it */
	memcpy(run->world.console, sn->bytes + at, run->world.console_len);
	if (run->world.console_len < sizeof run->world.console)
		run->world.console[run->world.console_len] = '\0';
	return 0;
}

/* ---- starting a run ---------------------------------------------------------------- */

int kernel_run_start(struct kernel_run *run, const struct scenario *scn,
		     enum xip_version version, char **cause)
{
	struct xip_world *w = &run->world;

	if (template_fits(run, scn, version)) {
		const struct world_template *t = run->tmpl;
		sched_rewind(run->sched);
		for (int i = 0; i < t->nspans; i++)
			memcpy((char *)w + t->span[i].off, (const char *)&t->world + t->span[i].off, t->span[i].len);
		/*
		 * No longer zeros.  A spare run comes with its template valid and
		 * world_zero set (clear_world).  When this path left world_zero
		 * set, the next start that did not fit the template (another
		 * version, mask or scenario on the same run) skipped the clearing
		 * and built over what the last run had left: record_sync, given
		 * the run explore_plan_make had freed, expanded 'race' on buggy
		 * from the template, then on fixed by a full build on a world
		 * whose pte[A:1] buggy had filled, so A's load never faulted and
		 * 'cpu0 until get_xip_mem=-ENODATA' never happened.
		 */
		run->world_zero = 0;
		sched_set_world(run->sched, w);
		sched_set_step_hook(w->sched, check_after_step, w);
		return sched_start(w->sched, cause);
	}
	run->tmpl_valid = 0;
	sched_reset(run->sched);
	if (!run->world_zero)
		memset(w, 0, sizeof *w);
	run->world_zero = 0;
	memset(run->mmap_slot, 0, sizeof run->mmap_slot);
	sched_set_world(run->sched, w); sched_make_current(run->sched);
	w->scn = scn;
	w->version = version;
	w->xip = run_ops(run, version);
	w->sched = run->sched;
	w->fail_sparse_alloc = scn->fault_sparse_alloc;
	w->without = version == XIP_FIXED ? run->without : 0;
	w->incoherent_since = -1;

	/* mm/filemap_xip.c globals */
	obj(&w->sparse_page_obj, SCHED_OBJ_MEMORY, KTAG_PAGE, "__xip_sparse_page", 0, 0);
	w->sparse_page_obj.buffered = 1;
	mutex_init(w->sched, &w->xip_sparse_mutex, "xip_sparse_mutex", 0, 0);
	seqcount_init(w->sched, &w->xip_sparse_seq, "xip_sparse_seq", 0, 0);
	spin_lock_init(w->sched, &w->xip_alloc_lock, "xip_alloc_lock", 0, 0);
	obj(&w->console_obj, SCHED_OBJ_MEMORY, KTAG_INT, "console", 0, 0);

	/* the inode and its address_space */
	w->inode.i_size = (long)scn->file_pages * (long)PAGE_SIZE;
	obj(&w->inode.i_size_obj, SCHED_OBJ_MEMORY, KTAG_INT, "i_size", 0, 0);
	w->inode.i_size_obj.buffered = 1;
	mutex_init(w->sched, &w->inode.i_mutex, "i_mutex", 0, 0);
	mutex_init(w->sched, &w->inode.truncate_mutex, "truncate_mutex", 0, 0);
	w->mapping.host = &w->inode;
	spin_lock_init(w->sched, &w->mapping.i_mmap_lock, "i_mmap_lock", 0, 0);
	obj(&w->mapping.i_mmap_obj, SCHED_OBJ_MEMORY, KTAG_INT, "i_mmap", 0, 0);

	build_flash(scn);
	for (int i = 0; i < XIP_PAGE_POOL; i++) {
		struct page *page = &w->pages[i];
		page->id = i;
		obj(&page->obj, SCHED_OBJ_MEMORY, KTAG_INT, "page#%d", i + 1, 0);
		sync_page_lock_init(w->sched, &page->pg_locked, "page#%d.PG_locked", i + 1, 0);
		obj(&page->data_obj, SCHED_OBJ_MEMORY, KTAG_BYTES, "page#%d.data", i + 1, 0);
	}
	if (build_processes(run, scn, cause) != 0)
		return -1;
	for (int c = 0; c < scn->ncpus; c++) {
		w->cpus[c].cpu = c;
		if (sched_add_cpu(w->sched, cpu_task, &w->cpus[c], cause) < 0)
			return -1;
	}
	if (scn->setup.nops) {
		/* the setup runs on a run of its own (setup.c); this one is current again after it */
		int r = kernel_setup_run(scn, version, w->without, w, cause);
		sched_set_world(run->sched, w);
		sched_make_current(run->sched);
		if (r != 0)
			return -1;
	}
	sched_set_step_hook(w->sched, check_after_step, w);
	template_keep(run, scn, version);
	return sched_start(w->sched, cause);
}

struct sched *kernel_run_sched(struct kernel_run *run) { return run->sched; }
void kernel_run_set_without(struct kernel_run *run, unsigned mask) { run->without = mask & KERNEL_WITHOUT_ALL; }
unsigned kernel_run_without(const struct kernel_run *run) { return run->world.without; }
void kernel_run_force_whatif(struct kernel_run *run, int on) { run->force_whatif = on != 0; }

static const char *const without_names[] = { "mutex", "seqcount", "recheck", "retry", "livelock-fix" };
_Static_assert(sizeof without_names / sizeof without_names[0] == KERNEL_WITHOUT_COUNT,
	       "one name per ingredient of the fix (kernel.h, KERNEL_WITHOUT_*)");

const char *kernel_without_name(enum kernel_without w)
{
	for (int i = 0; i < KERNEL_WITHOUT_COUNT; i++)
		if ((unsigned)w == 1u << i)
			return without_names[i];
	return "?";
}

int kernel_without_parse(const char *text, unsigned *mask, char **cause)
{
	char *copy = xstrdup(text), *save = NULL;

	*mask = 0;
	for (char *w = strtok_r(copy, ",+ ", &save); w; w = strtok_r(NULL, ",+ ", &save)) {
		int i;
		for (i = 0; i < KERNEL_WITHOUT_COUNT && strcmp(w, without_names[i]) != 0; i++)
			;
		if (i == KERNEL_WITHOUT_COUNT && strcmp(w, "seqwait") == 0)   /* the old name (kernel.h) */
			i = KERNEL_WITHOUT_COUNT - 1;
		if (i == KERNEL_WITHOUT_COUNT) {
			util_errf(cause, "unknown ingredient '%s' (the fix is made of: mutex, seqcount, recheck, retry; "
				  "livelock-fix is the 2.6.25 seqcount it runs on)", w);
			free(copy);
			return -1;
		}
		*mask |= 1u << i;
	}
	free(copy);
	return 0;
}

char *kernel_without_text(unsigned mask, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < KERNEL_WITHOUT_COUNT; i++)
		if (mask & (1u << i))
			o += (size_t)snprintf(buf + o, len > o ? len - o : 0, "%s%s", o ? "+" : "", without_names[i]);
	return buf;
}
const struct xip_world *kernel_run_world(const struct kernel_run *run) { return &run->world; }
const struct scenario *kernel_run_scenario(const struct kernel_run *run) { return run->world.scn; }
enum xip_version kernel_run_version(const struct kernel_run *run) { return run->world.version; }
const char *kernel_console(const struct kernel_run *run) { return run->world.console; }

const struct kernel_op_result *kernel_op_result(const struct kernel_run *run, int cpu, int op)
{
	XS_ASSERT(cpu >= 0 && cpu < SCN_MAX_CPUS && op >= 0 && op < SCN_MAX_OPS);
	return &run->world.cpus[cpu].results[op];
}

void kernel_run_verdict(struct kernel_run *run, struct kernel_verdict *out)
{
	sched_make_current(run->sched); /* the checks read flash and pages through W */
	check_verdict(&run->world, out);
}

enum verdict_kind kernel_run_verdict_kind(struct kernel_run *run)
{
	sched_make_current(run->sched);
	return check_verdict_kind(&run->world);
}
