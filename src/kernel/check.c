/*
 * check.c - the sandbox's judge: what "What the sandbox must check" in the
 * notes asks, after every step and at the end of a run.
 *
 *  - Coherence (the seed's bug): no pte of a MAP_SHARED mapping maps
 *    anything but the file's current page: not the sparse page where a
 *    block now exists, not a block the file no longer uses.  A stale sparse
 *    page in a MAP_PRIVATE mapping is legal and only noted.
 *  - read(2): no read returns bytes the page never held while it ran (a
 *    block truncate freed and the file system gave away under the read).
 *  - Every BUG_ON: the scheduler already ended the run with it.
 *  - Bookkeeping: page reference and map counts equal the ptes mapping
 *    them (plus the global's own reference to the sparse page), rss counters
 *    match, no page is freed while mapped, no flash block is leaked or
 *    allocated twice, every lock is released, every seqcount even.
 *
 * The step hook only looks again when a step wrote a pte or a block map
 * entry, the only writes that can change coherence (the world marks those
 * objects watched, and the scheduler calls the hook for nothing else), so
 * watching costs nothing on other steps.
 *
 * Mirrors no kernel file: the judge is the sandbox's own.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel-int.h"

struct incoherence {
	const struct mm_struct *mm;
	const struct vm_area_struct *vma;
	int pgoff;
	const pte_t *pte;
};

/* The file's bytes at pgoff, as read(2) returns them. */
static void file_bytes(const struct xip_world *w, int pgoff, unsigned char *out)
{
	int b = w->flash.blockmap[pgoff];

	if (b >= 0)
		memcpy(out, w->flash.blocks[b].data, SCN_PAGE_BYTES);
	else
		memset(out, 0, SCN_PAGE_BYTES);
}

/* Is pgoff wholly beyond the end of the file (a fault there gets SIGBUS)? */
static int beyond_eof(const struct xip_world *w, int pgoff)
{
	return (long)pgoff >= (w->inode.i_size + (long)PAGE_SIZE - 1) >> PAGE_SHIFT;
}

/*
 * Does this pte show something other than the file's page at pgoff?  Beyond
 * the end of the file there is no page: a file pte there (after a truncate
 * that missed it) maps a block the file system freed, or the sparse page.
 */
static int pte_stale(const struct xip_world *w, const pte_t *pte, int pgoff)
{
	int b = w->flash.blockmap[pgoff];

	if (pte->kind != PTE_NONE && beyond_eof(w, pgoff) && !(pte->kind == PTE_PAGE && w->pages[pte->page].anon))
		return 1;

	if (pte->kind == PTE_PFN)
		return (long)pte->pfn - (long)XIP_FLASH_PFN_BASE != b;
	if (pte->kind == PTE_PAGE && !w->pages[pte->page].anon)
		return b >= 0; /* the sparse page (or a freed one) where a block exists */
	return 0;
}

/* A file pte (not an anonymous COW copy) wholly beyond the end of the file. */
static int pte_beyond_eof(const struct xip_world *w, const pte_t *pte, int pgoff)
{
	return pte->kind != PTE_NONE && !(pte->kind == PTE_PAGE && w->pages[pte->page].anon) && beyond_eof(w, pgoff);
}

/*
 * First stale pte in a mapping that is (shared) or is not (!shared)
 * MAP_SHARED.  A file pte beyond the end of the file is wrong in any
 * mapping (truncate unmaps private ones too, even_cows): the shared pass
 * finds it in a private mapping as well, and the private pass (the notes)
 * leaves it to that.
 */
static int find_stale(const struct xip_world *w, int shared, struct incoherence *out)
{
	for (int p = 0; p < w->nmm_built; p++) {
		const struct mm_struct *mm = &w->mm[p];
		for (int k = 0; k < mm->nvmas; k++) {
			const struct vm_area_struct *vma = &mm->vmas[k];
			int other = !!(vma->vm_flags & VM_MAYSHARE) != shared;

			if (!vma->created || (other && !shared))
				continue;
			for (int pg = 0; pg < SCN_MAX_PAGES; pg++) {
				const pte_t *pte = &vma->ptes[pg];
				int eof = pte_beyond_eof(w, pte, pg);
				int bad;

				if (other || !shared) {
					/* a private mapping: only the shared pass's beyond-EOF rule, or the notes' */
					if (other ? !eof : eof)
						continue;
				}
				bad = pte_stale(w, pte, pg);
				if (shared && !other && !bad && pte->kind != PTE_NONE) {
					/* an anonymous copy in a shared mapping, or other bytes than read() */
					unsigned char want[SCN_PAGE_BYTES];
					struct sched_obj *obj;
					file_bytes(w, pg, want);
					bad = (pte->kind == PTE_PAGE && w->pages[pte->page].anon) ||
					      memcmp(pte_data(pte, &obj), want, SCN_PAGE_BYTES) != 0;
				}
				if (bad) {
					if (out) {
						out->mm = mm;
						out->vma = vma;
						out->pgoff = pg;
						out->pte = &vma->ptes[pg];
					}
					return 1;
				}
			}
		}
	}
	return 0;
}

void check_after_step(void *ctx, struct sched *s)
{
	struct xip_world *w = ctx;

	/* the scheduler calls this only after a write to a pte or a block map entry (obj->watched) */
	if (find_stale(w, 1, NULL)) {
		if (w->incoherent_since < 0)
			w->incoherent_since = (long)sched_nsteps(s);
	} else {
		w->incoherent_since = -1;
	}
}

static char *map_name(const struct vm_area_struct *vma, char *buf, size_t len)
{
	if (vma->index)
		snprintf(buf, len, "%s.%d", vma->vm_mm->comm, vma->index);
	else
		snprintf(buf, len, "%s", vma->vm_mm->comm);
	return buf;
}

static void describe_stale(const struct xip_world *w, const struct incoherence *inc,
			   char *what, size_t wlen, char *why, size_t ylen)
{
	unsigned char seen[SCN_PAGE_BYTES], want[SCN_PAGE_BYTES];
	char a[64], b[64], m[SCN_MAX_NAME + 16];
	struct sched_obj *obj;
	int blk = w->flash.blockmap[inc->pgoff];

	memcpy(seen, pte_data(inc->pte, &obj), SCN_PAGE_BYTES);
	file_bytes(w, inc->pgoff, want);
	if (beyond_eof(w, inc->pgoff)) {
		long fb = inc->pte->kind == PTE_PFN ? (long)inc->pte->pfn - (long)XIP_FLASH_PFN_BASE : -1;
		snprintf(what, wlen, "process %s sees %s at page %d through mapping %s (%s), beyond the end of the file "
			 "(i_size %ld): a load there must get SIGBUS",
			 inc->mm->comm, kernel_bytes_text(seen, a, sizeof a), inc->pgoff, map_name(inc->vma, m, sizeof m),
			 (inc->vma->vm_flags & VM_MAYSHARE) ? "MAP_SHARED" : "MAP_PRIVATE", w->inode.i_size);
		if (fb >= 0)
			snprintf(why, ylen, "pte[%s:%d] maps flash block %ld, which truncate took from the file%s",
				 m, inc->pgoff, fb, w->flash.blocks[fb].used ? " and the file system gave to another page" : " and freed");
		else
			snprintf(why, ylen, "pte[%s:%d] maps page#%d%s, which truncate's unmap_mapping_range never removed",
				 m, inc->pgoff, inc->pte->page + 1,
				 w->__xip_sparse_page && w->__xip_sparse_page->id == inc->pte->page ? " (the sparse page)" : "");
		return;
	}
	snprintf(what, wlen, "process %s sees %s at page %d through mapping %s (%s), but read() of the file gives %s",
		 inc->mm->comm, kernel_bytes_text(seen, a, sizeof a), inc->pgoff,
		 map_name(inc->vma, m, sizeof m),
		 (inc->vma->vm_flags & VM_MAYSHARE) ? "MAP_SHARED" : "MAP_PRIVATE",
		 kernel_bytes_text(want, b, sizeof b));
	if (inc->pte->kind == PTE_PAGE && !w->pages[inc->pte->page].anon)
		snprintf(why, ylen, "pte[%s:%d] still maps page#%d%s, although page %d of the file is now flash block %d",
			 m, inc->pgoff, inc->pte->page + 1,
			 w->__xip_sparse_page && w->__xip_sparse_page->id == inc->pte->page ? " (the sparse page)" : "",
			 inc->pgoff, blk);
	else if (inc->pte->kind == PTE_PAGE)
		snprintf(why, ylen, "pte[%s:%d] maps page#%d, an anonymous copy, in a shared mapping",
			 m, inc->pgoff, inc->pte->page + 1);
	else
		snprintf(why, ylen, "pte[%s:%d] maps flash block %ld, although page %d of the file is %s",
			 m, inc->pgoff, (long)inc->pte->pfn - (long)XIP_FLASH_PFN_BASE, inc->pgoff,
			 blk >= 0 ? "another block" : "a hole");
}

/* Append a line to a fixed buffer (dropping what does not fit). */
static void add_line(char *buf, size_t len, const char *line)
{
	size_t n = strlen(buf);

	if (n + strlen(line) + 2 < len)
		snprintf(buf + n, len - n, "%s\n", line);
}

/*
 * One problem found by the bookkeeping checks: returns 1, and describes it
 * as a line of details unless details is NULL (the verdict's kind only).
 */
static int problem(char *details, size_t len, const char *fmt, ...) XS_PRINTF(3, 4);
static int problem(char *details, size_t len, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!details)
		return 1;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	add_line(details, len, line);
	return 1;
}

static int check_pages(const struct xip_world *w, char *details, size_t len)
{
	int ptes[XIP_PAGE_POOL] = { 0 };
	int problems = 0;

	for (int p = 0; p < w->nmm_built; p++) {
		const struct mm_struct *mm = &w->mm[p];
		long file_rss = 0, anon_rss = 0;

		for (int k = 0; k < mm->nvmas; k++)
			for (int pg = 0; pg < SCN_MAX_PAGES; pg++) {
				const pte_t *pte = &mm->vmas[k].ptes[pg];
				if (pte->kind != PTE_PAGE)
					continue;
				ptes[pte->page]++;
				if (w->pages[pte->page].anon)
					anon_rss++;
				else
					file_rss++;
				if (!w->pages[pte->page].in_use)
					problems += problem(details, len, "page#%d was freed while process %s still maps it at page %d",
							    pte->page + 1, mm->comm, pg);
			}
		if (mm->file_rss != file_rss || mm->anon_rss != anon_rss)
			problems += problem(details, len, "process %s: file_rss %ld and anon_rss %ld, but its ptes map %ld file and %ld anonymous pages",
					    mm->comm, mm->file_rss, mm->anon_rss, file_rss, anon_rss);
	}
	for (int i = 0; i < XIP_PAGE_POOL; i++) {
		const struct page *page = &w->pages[i];
		int sparse = w->__xip_sparse_page == page;
		int want_count = ptes[i] + sparse;

		if (!page->in_use)
			continue;
		if (page->_count != want_count || page->_mapcount != ptes[i])
			problems += problem(details, len, "page#%d%s: _count %d and mapcount %d, but %d ptes map it%s",
					    i + 1, sparse ? " (the sparse page)" : "", page->_count, page->_mapcount,
					    ptes[i], sparse ? " (plus the global's own reference)" : "");
	}
	return problems;
}

static int check_flash(const struct xip_world *w, char *details, size_t len)
{
	int refs[SCN_MAX_BLOCKS] = { 0 };
	int problems = 0;

	for (int pg = 0; pg < SCN_MAX_PAGES; pg++)
		if (w->flash.blockmap[pg] >= 0)
			refs[w->flash.blockmap[pg]]++;
	for (int b = 0; b < w->flash.nblocks; b++) {
		if (w->flash.blocks[b].used && refs[b] == 0)
			problems += problem(details, len, "flash block %d is allocated but no page of the file uses it: leaked", b);
		else if (refs[b] > 1)
			problems += problem(details, len, "flash block %d is used by %d pages of the file: allocated twice", b, refs[b]);
		else if (refs[b] && !w->flash.blocks[b].used)
			problems += problem(details, len, "flash block %d is used by the file but free in the allocator", b);
	}
	return problems;
}

static int check_locks(const struct xip_world *w, char *details, size_t len)
{
	unsigned n;
	struct sched_obj *const *locks = sched_lock_objs(w->sched, &n);
	int problems = 0;
	char name[64];

	/* a lock's name is formatted only when a problem with it is written down */
#define LOCK_NAME(o) (details ? sched_obj_name((o), name, sizeof name) : "")
	for (unsigned i = 0; i < n; i++) {
		const struct sched_obj *o = locks[i];
		if (o->kind == SCHED_OBJ_SEQCOUNT && (o->sequence & 1))
			problems += problem(details, len, "%s is odd (%u) at the end: a write section was never ended",
					    LOCK_NAME(o), o->sequence);
		else if (o->kind != SCHED_OBJ_MEMORY && o->kind != SCHED_OBJ_SEQCOUNT && o->owner >= 0)
			problems += problem(details, len, "%s is still held by CPU%d at the end", LOCK_NAME(o), o->owner);
	}
#undef LOCK_NAME
	return problems;
}

/* The first read(2) whose bytes were copied from a block the file had given away under it (filemap_xip.c). */
static int find_stale_read(const struct xip_world *w, int *cpu, int *op)
{
	for (int c = 0; c < w->scn->ncpus; c++)
		for (int i = 0; i < w->scn->cpus[c].nops; i++)
			if (w->cpus[c].results[i].stale) {
				*cpu = c;
				*op = i;
				return 1;
			}
	return 0;
}

static void describe_stale_read(const struct xip_world *w, int c, int i, struct kernel_verdict *out)
{
	const struct scn_op *op = &w->scn->cpus[c].ops[i];
	const struct kernel_op_result *r = &w->cpus[c].results[i];
	char a[64];

	snprintf(out->headline, sizeof out->headline,
		 "process %s's read(2) of page %d returned %s, which page %d did not hold while the read ran",
		 w->scn->procs[op->proc].name, op->page, kernel_bytes_text(r->bytes, a, sizeof a), op->page);
	add_line(out->details, sizeof out->details,
		 "the read found the page's flash block, and truncate freed it (and the file system gave it away) before the copy");
}

static void note_private(const struct xip_world *w, struct kernel_verdict *out)
{
	struct incoherence inc;
	char what[320], why[256];

	if (!find_stale(w, 0, &inc))
		return;
	describe_stale(w, &inc, what, sizeof what, why, sizeof why);
	snprintf(out->notes, sizeof out->notes,
		 "%s. This is legal: a MAP_PRIVATE mapping need not see later changes to the file (POSIX leaves it unspecified).",
		 what);
}

void check_verdict(struct xip_world *w, struct kernel_verdict *out)
{
	static const char all_well[] = "every CPU finished and every check holds";
	struct sched *s = w->sched;
	struct incoherence inc;
	char why[256];

	/* every field is a string or a number: no need to clear the 1.8 KB */
	out->kind = VERDICT_OK;
	out->headline[0] = out->details[0] = out->notes[0] = '\0';
	out->damage_step = 0;
	out->corrupt_proc = out->corrupt_map = out->corrupt_page = -1;
	switch (sched_end_reason(s)) {
	case SCHED_END_BUG: {
		const struct sched_site *site = sched_bug_site(s);
		out->kind = VERDICT_BUG;
		snprintf(out->headline, sizeof out->headline, "%s (on CPU%d, step %zu)",
			 sched_end_message(s), sched_bug_cpu(s), sched_nsteps(s));
		const char *tree;
		int line = kernel_upstream_line(site, w->version, &tree);
		if (line)
			snprintf(out->details, sizeof out->details, "%s in %s(), upstream line %d (%s)\n",
				 kernel_source_name(site->file), site->func, line, tree);
		else
			snprintf(out->details, sizeof out->details, "%s in %s()\n",
				 kernel_source_name(site->file), site->func);
		out->damage_step = (long)sched_nsteps(s);
		return;
	}
	case SCHED_END_DEADLOCK:
		out->kind = VERDICT_DEADLOCK;
		snprintf(out->headline, sizeof out->headline, "deadlock: %s", sched_end_message(s));
		return;
	case SCHED_END_STEP_LIMIT:
		out->kind = VERDICT_STEP_LIMIT;
		snprintf(out->headline, sizeof out->headline, "step limit: %s", sched_end_message(s));
		return;
	case SCHED_RUNNING:
		out->kind = VERDICT_OK;
		snprintf(out->headline, sizeof out->headline, "the run has not ended yet");
		return;
	case SCHED_END_DONE:
		break;
	}
	note_private(w, out);
	if (find_stale(w, 1, &inc)) {
		out->kind = VERDICT_CORRUPTION;
		out->corrupt_proc = inc.mm->proc;
		out->corrupt_map = inc.vma->index;
		out->corrupt_page = inc.pgoff;
		describe_stale(w, &inc, out->headline, sizeof out->headline, why, sizeof why);
		add_line(out->details, sizeof out->details, why);
		out->damage_step = w->incoherent_since > 0 ? w->incoherent_since : 0;
		/* the bookkeeping problems too, so none hides behind the corruption */
		check_pages(w, out->details, sizeof out->details);
		check_flash(w, out->details, sizeof out->details);
		check_locks(w, out->details, sizeof out->details);
		return;
	}
	{
		int c, i;
		if (find_stale_read(w, &c, &i)) {
			out->kind = VERDICT_CORRUPTION;
			describe_stale_read(w, c, i, out);
			return;
		}
	}
	if (check_pages(w, out->details, sizeof out->details) + check_flash(w, out->details, sizeof out->details) +
	    check_locks(w, out->details, sizeof out->details)) {
		char *nl = strchr(out->details, '\n');
		out->kind = VERDICT_LEAK;
		/* the first problem is the headline, the others stay as details */
		snprintf(out->headline, sizeof out->headline, "bookkeeping error: %.*s",
			 (int)(nl - out->details), out->details);
		memmove(out->details, nl + 1, strlen(nl + 1) + 1);
		return;
	}
	out->kind = VERDICT_OK;
	_Static_assert(sizeof all_well <= sizeof out->headline, "the headline fits");
	memcpy(out->headline, all_well, sizeof all_well);
}

enum verdict_kind check_verdict_kind(struct xip_world *w)
{
	/* check_verdict's decisions in its order, with nothing written down */
	switch (sched_end_reason(w->sched)) {
	case SCHED_END_BUG: return VERDICT_BUG;
	case SCHED_END_DEADLOCK: return VERDICT_DEADLOCK;
	case SCHED_END_STEP_LIMIT: return VERDICT_STEP_LIMIT;
	case SCHED_RUNNING: return VERDICT_OK;
	case SCHED_END_DONE: break;
	}
	if (find_stale(w, 1, NULL))
		return VERDICT_CORRUPTION;
	{
		int c, i;
		if (find_stale_read(w, &c, &i))
			return VERDICT_CORRUPTION;
	}
	if (check_pages(w, NULL, 0) + check_flash(w, NULL, 0) + check_locks(w, NULL, 0))
		return VERDICT_LEAK;
	return VERDICT_OK;
}
