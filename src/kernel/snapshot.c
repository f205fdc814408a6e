/*
 * snapshot.c - the world seen from outside, read-only: a canonical hash of
 * the final state (for the explorer's "distinct final states"), and later
 * the snapshot the view draws.
 *
 * Canonical means: two runs that leave the same memory, files and results
 * hash alike even when the page allocator handed out different struct
 * pages (page ids are replaced by what the page is: the sparse page, or an
 * anonymous copy with its bytes).  Flash block numbers stay: which block
 * holds the data is part of the state (a leaked block is).
 *
 * Mirrors no kernel file: the hash and the snapshot are the sandbox's own.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "kernel-int.h"
#include "memmodel.h"

/*
 * The hash takes 64-bit words: each is xored in, multiplied by an odd
 * constant and folded (high half into low), so every bit of every word
 * reaches the whole state; a final avalanche (MurmurHash3's fmix64) mixes
 * the last words.  The values are compared within one process only (the
 * explorer's set of final states, a replay checked against its search):
 * nothing stores or prints them.
 */
static inline uint64_t mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 32);
}

/* A page's SCN_PAGE_BYTES (8) bytes as one word. */
static inline uint64_t page_word(const unsigned char *b)
{
	uint64_t v;

	_Static_assert(SCN_PAGE_BYTES == sizeof v, "a page's bytes are one word");
	memcpy(&v, b, sizeof v);
	return v;
}

static uint64_t hash_pte(uint64_t h, const struct xip_world *w, const pte_t *pte)
{
	uint64_t head = (uint64_t)pte->kind | (uint64_t)pte->write << 4 | (uint64_t)pte->dirty << 5;

	if (pte->kind == PTE_PFN) {
		h = mix(h, head);
		h = mix(h, pte->pfn);
	} else if (pte->kind == PTE_PAGE) {
		const struct page *page = &w->pages[pte->page];
		uint64_t what = page == w->__xip_sparse_page ? 1 : page->anon ? 2 : 3;
		h = mix(h, head | what << 8);
		h = mix(h, page_word(page->data));
		h = mix(h, (uint64_t)(uint32_t)page->_count | (uint64_t)(uint32_t)page->_mapcount << 32);
	} else {
		h = mix(h, head);
	}
	return h;
}

uint64_t kernel_state_hash(const struct kernel_run *run)
{
	const struct xip_world *w = kernel_run_world(run);
	const struct page *sp = w->__xip_sparse_page;
	uint64_t h = UTIL_FNV1A_INIT; /* any non-zero start; this one is at hand */

	h = mix(h, (uint64_t)w->inode.i_size);
	for (int pg = 0; pg < SCN_MAX_PAGES; pg += 2)
		h = mix(h, (uint64_t)(uint32_t)w->flash.blockmap[pg] |
			   (uint64_t)(uint32_t)w->flash.blockmap[pg + 1] << 32);
	for (int b = 0; b < w->flash.nblocks; b++) {
		h = mix(h, (uint64_t)w->flash.blocks[b].used);
		h = mix(h, page_word(w->flash.blocks[b].data));
	}
	h = mix(h, sp ? (uint64_t)(uint32_t)sp->_count << 32 | (uint64_t)(uint32_t)sp->_mapcount : 0);
	for (int p = 0; p < w->nmm_built; p++) {
		const struct mm_struct *mm = &w->mm[p];
		h = mix(h, (uint64_t)(uint32_t)mm->file_rss << 32 | (uint64_t)(uint32_t)mm->anon_rss);
		for (int k = 0; k < mm->nvmas; k++) {
			h = mix(h, (uint64_t)mm->vmas[k].created << 1 | (uint64_t)mm->vmas[k].on_i_mmap);
			for (int pg = 0; pg < SCN_MAX_PAGES; pg++)
				h = hash_pte(h, w, &mm->vmas[k].ptes[pg]);
		}
	}
	for (int c = 0; c < w->scn->ncpus; c++)
		for (int i = 0; i < w->scn->cpus[c].nops; i++) {
			const struct kernel_op_result *r = &w->cpus[c].results[i];
			h = mix(h, (uint64_t)r->state << 8 | (uint64_t)r->outcome);
			h = mix(h, (uint64_t)r->ret);
			h = mix(h, page_word(r->bytes));
			if (r->stale)   /* mixed only when set: the hashes of runs without a stale read stay as they were */
				h = mix(h, 0x57a1e);
		}
	h = mix(h, (uint64_t)sched_end_reason(w->sched));
	/* fmix64 (Appleby, MurmurHash3) */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9a53e4a6f53ull;
	h ^= h >> 33;
	return h;
}

/* ---- the view's snapshot -------------------------------------------------------- */

static void snap_pte(const struct xip_world *w, const pte_t *pte, int pgoff, int last_obj,
		     struct ksnap_pte *out)
{
	int b = w->flash.blockmap[pgoff];

	memset(out, 0, sizeof *out);
	out->changed = pte->obj.id == last_obj;
	out->write = pte->write;
	switch (pte->kind) {
	case PTE_NONE:
		out->kind = KSNAP_PTE_NONE;
		return;
	case PTE_PFN: {
		long blk = (long)pte->pfn - (long)XIP_FLASH_PFN_BASE;
		out->kind = KSNAP_PTE_BLOCK;
		out->block = (int)blk;
		if (blk >= 0 && blk < w->flash.nblocks)
			memcpy(out->data, w->flash.blocks[blk].data, SCN_PAGE_BYTES);
		out->stale = blk != b;
		return;
	}
	case PTE_PAGE: {
		const struct page *page = &w->pages[pte->page];
		memcpy(out->data, page->data, SCN_PAGE_BYTES);
		if (!page->in_use)
			out->kind = KSNAP_PTE_FREED;
		else if (page->anon)
			out->kind = KSNAP_PTE_ANON;
		else
			out->kind = KSNAP_PTE_SPARSE;
		out->stale = !page->anon && b >= 0;
		return;
	}
	}
}

static void snap_locks(const struct xip_world *w, int last_obj, struct kernel_snapshot *out)
{
	unsigned n;
	struct sched_obj *const *locks = sched_lock_objs(w->sched, &n);

	for (unsigned i = 0; i < n && out->nlocks < KSNAP_MAX_LOCKS; i++) {
		const struct sched_obj *o = locks[i];
		struct ksnap_lock *l;

		/* page locks only while held; the buggy-only lock only in buggy */
		if (o->kind == SCHED_OBJ_PAGELOCK && o->owner < 0)
			continue;
		if (o == &w->xip_alloc_lock.obj && w->version != XIP_BUGGY)
			continue;
		if ((o == &w->xip_sparse_mutex.obj || o == &w->xip_sparse_seq.obj) && w->version == XIP_BUGGY)
			continue;
		l = &out->locks[out->nlocks++];
		sched_obj_name(o, l->name, sizeof l->name);
		l->kind = (enum sched_obj_kind)o->kind;
		l->owner = o->owner;
		l->sequence = o->sequence;
		l->touched = o->id == last_obj;
		for (int c = 0; c < out->ncpus; c++) {
			struct sched_cpu_info info;
			sched_cpu_info(w->sched, c, &info);
			if (info.state == SCHED_CPU_READY && !info.enabled && info.obj == o)
				l->waiters |= 1u << c;
		}
	}
}

/* One CPU's buffer (queue == 0) or queue as a line: oldest first, each object with its value. */
/*
 * A buffered store of __xip_sparse_page holds the pointer's bytes
 * (sched_store copies the C object): said as the page it points to, as the
 * trace says it (page_to_tag), not as the address.
 */
int64_t kernel_buffered_value(const struct kernel_run *run, const struct sched_obj *obj, int64_t value)
{
	const struct xip_world *w = kernel_run_world(run);

	if (obj->tag != KTAG_PAGE || value == 0)
		return value;
	for (int i = 0; i < XIP_PAGE_POOL; i++)
		if ((uintptr_t)&w->pages[i] == (uintptr_t)value)
			return page_to_tag(&w->pages[i]);
	return value;
}

static void memory_line(const struct kernel_run *run, const struct xip_world *w, int cpu, int queue,
			char *buf, size_t len)
{
	struct memmodel_entry e[24];
	int n = memmodel_entries(w->sched, cpu, queue, e, 24);
	size_t k = 0;
	char name[64], val[64];

	buf[0] = '\0';
	for (int i = 0; i < n && i < 24 && k + 1 < len; i++) {
		const char *sep = i == 0 ? "" : !queue && e[i].epoch != e[i - 1].epoch ? " | " : ", ";
		kernel_value_text(run, e[i].obj->id, kernel_buffered_value(run, e[i].obj, e[i].value), val, sizeof val);
		k += (size_t)snprintf(buf + k, len - k, queue ? "%s%s (sees %s)%s" : "%s%s=%s%s", sep,
				      sched_obj_name(e[i].obj, name, sizeof name), val, e[i].can_move ? "" : "*");
	}
	if (n > 24 && k + 1 < len)
		snprintf(buf + k, len - k, ", ...");
}

void kernel_snapshot(const struct kernel_run *run, struct kernel_snapshot *out)
{
	const struct xip_world *w = kernel_run_world(run);
	const struct scenario *scn = w->scn;
	size_t n;
	const struct sched_step *tr = sched_trace(w->sched, &n);
	int last_obj = n ? (tr[n - 1].obj == SCHED_NO_OBJ ? -1 : tr[n - 1].obj) : -1;

	memset(out, 0, sizeof *out);
	out->version = w->version;
	out->step = n;
	out->end = sched_end_reason(w->sched);
	out->ncpus = scn->ncpus;
	out->last_cpu = n ? tr[n - 1].cpu : -1;
	out->memory_model = sched_memory_model(w->sched);
	for (int c = 0; c < scn->ncpus && out->memory_model != MEMMODEL_SC; c++) {
		memory_line(run, w, c, 0, out->store_buffer[c], sizeof out->store_buffer[c]);
		memory_line(run, w, c, 1, out->inval_queue[c], sizeof out->inval_queue[c]);
	}
	if (n) {
		kernel_step_text(run, &tr[n - 1], out->last_text, sizeof out->last_text);
		out->last_site = tr[n - 1].site;
	}
	for (int c = 0; c < scn->ncpus; c++) {
		struct ksnap_cpu *kc = &out->cpu[c];
		const struct cpu_ctx *ctx = &w->cpus[c];
		struct sched_cpu_info info;

		sched_cpu_info(w->sched, c, &info);
		kc->nops = scn->cpus[c].nops;
		kc->op = ctx->op;
		scenario_op_text(scn, &scn->cpus[c].ops[ctx->op], kc->op_text, sizeof kc->op_text);
		snprintf(kc->comm, sizeof kc->comm, "%s", scn->procs[scn->cpus[c].ops[ctx->op].proc].name);
		kc->enabled = info.enabled;
		kc->site = info.site;
		kc->nframes = info.nframes;
		memcpy(kc->frames, info.frames, sizeof kc->frames);
		switch (info.state) {
		case SCHED_CPU_READY:
			kc->state = info.enabled ? KSNAP_READY : KSNAP_BLOCKED;
			if (!info.enabled)
				sched_describe_wait(w->sched, c, kc->wait, sizeof kc->wait);
			break;
		case SCHED_CPU_FINISHED: kc->state = KSNAP_FINISHED; break;
		case SCHED_CPU_HALTED: kc->state = KSNAP_HALTED; break;
		}
		for (int i = 0; i < kc->nops; i++)
			kernel_result_text(&ctx->results[i], scn->cpus[c].ops[i].kind, kc->result[i], sizeof kc->result[i]);
	}
	snap_locks(w, last_obj, out);
	if (w->__xip_sparse_page) {
		out->sparse_page = w->__xip_sparse_page->id + 1;
		out->sparse_count = w->__xip_sparse_page->_count;
		out->sparse_mapcount = w->__xip_sparse_page->_mapcount;
		out->sparse_touched = w->__xip_sparse_page->obj.id == last_obj;
	}
	out->sparse_touched |= w->sparse_page_obj.id == last_obj;
	out->i_size = w->inode.i_size;
	out->file_pages = (int)((w->inode.i_size + (long)PAGE_SIZE - 1) >> PAGE_SHIFT);
	if (out->file_pages < scn->file_pages)
		out->file_pages = scn->file_pages;
	for (int pg = 0; pg < SCN_MAX_PAGES; pg++) {
		out->blockmap[pg] = w->flash.blockmap[pg];
		out->blockmap_changed[pg] = w->flash.blockmap_obj[pg].id == last_obj;
	}
	out->nblocks = w->flash.nblocks;
	for (int b = 0; b < w->flash.nblocks; b++) {
		out->blocks[b].used = w->flash.blocks[b].used;
		out->blocks[b].changed = w->flash.blocks[b].obj.id == last_obj;
		memcpy(out->blocks[b].data, w->flash.blocks[b].data, SCN_PAGE_BYTES);
	}
	out->nprocs = w->nmm_built;
	for (int p = 0; p < w->nmm_built; p++) {
		const struct mm_struct *mm = &w->mm[p];
		struct ksnap_proc *kp = &out->procs[p];
		snprintf(kp->comm, sizeof kp->comm, "%s", mm->comm);
		kp->nmaps = mm->nvmas;
		for (int k = 0; k < mm->nvmas; k++) {
			const struct vm_area_struct *vma = &mm->vmas[k];
			struct ksnap_map *km = &kp->maps[k];
			if (k)
				snprintf(km->name, sizeof km->name, "%s.%d", mm->comm, k); /* k < SCN_MAX_MAPS */
			else
				snprintf(km->name, sizeof km->name, "%s", mm->comm);
			km->created = vma->created;
			km->shared = (vma->vm_flags & VM_MAYSHARE) != 0;
			km->prot_write = (vma->vm_flags & VM_WRITE) != 0;
			for (int pg = 0; pg < SCN_MAX_PAGES; pg++)
				snap_pte(w, &vma->ptes[pg], pg, last_obj, &km->pte[pg]);
		}
	}
	out->console = w->console;
}
