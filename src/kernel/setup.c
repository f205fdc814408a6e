/*
 * setup.c - a scenario's setup phase: the history its world starts from
 * ("the sparse page is already allocated because another process faulted
 * a hole first"), run through the simulated kernel to its end before any
 * CPU starts, so that no schedule can interleave with it.
 *
 * How: the setup operations run as the one CPU of a run of their own (the
 * same scenario, version and what-ifs), round robin to the end; then the
 * state they changed is copied into the new run's world, which was built
 * from the scenario as if nothing had happened.  The copy takes only the
 * data fields: every struct sched_obj stays the new run's, so the
 * objects' ids (and with them traces and schedules) are those of a
 * scenario without setup.  What an operation other than mmap can change
 * is listed in setup_copy, and nothing else: the page pool, the ptes and
 * rss counters, the flash and its block map, i_size, the sparse page and
 * its seqcount, the console.  The setup must end with every lock free
 * (it always does when it finishes: each kernel path releases what it
 * takes); a setup that hits a BUG_ON or never ends is an error of the
 * scenario, reported with its first setup line.
 *
 * Mirrors no kernel file: the machine's past, told in operations.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kernel-int.h"

static void setup_copy(struct xip_world *dst, const struct xip_world *src)
{
	for (int b = 0; b < SCN_MAX_BLOCKS; b++) {
		dst->flash.blocks[b].used = src->flash.blocks[b].used;
		memcpy(dst->flash.blocks[b].data, src->flash.blocks[b].data, SCN_PAGE_BYTES);
	}
	memcpy(dst->flash.blockmap, src->flash.blockmap, sizeof dst->flash.blockmap);
	dst->inode.i_size = src->inode.i_size;
	for (int i = 0; i < XIP_PAGE_POOL; i++) {
		struct page *d = &dst->pages[i];
		const struct page *s = &src->pages[i];
		d->in_use = s->in_use;
		d->anon = s->anon;
		d->_count = s->_count;
		d->_mapcount = s->_mapcount;
		memcpy(d->data, s->data, SCN_PAGE_BYTES);
	}
	dst->pages_hwm = src->pages_hwm;
	dst->__xip_sparse_page = src->__xip_sparse_page ? &dst->pages[src->__xip_sparse_page->id] : NULL;
	dst->xip_sparse_seq.obj.sequence = src->xip_sparse_seq.obj.sequence;
	for (int p = 0; p < src->nmm_built; p++) {
		dst->mm[p].file_rss = src->mm[p].file_rss;
		dst->mm[p].anon_rss = src->mm[p].anon_rss;
		for (int k = 0; k < src->mm[p].nvmas; k++)
			for (int pg = 0; pg < SCN_MAX_PAGES; pg++) {
				pte_t *d = &dst->mm[p].vmas[k].ptes[pg];
				const pte_t *s = &src->mm[p].vmas[k].ptes[pg];
				d->kind = s->kind;
				d->page = s->page;
				d->pfn = s->pfn;
				d->write = s->write;
				d->dirty = s->dirty;
			}
	}
	memcpy(dst->console, src->console, sizeof dst->console);
	dst->console_len = src->console_len;
}

int kernel_setup_run(const struct scenario *scn, enum xip_version version, unsigned without,
		     struct xip_world *dst, char **cause)
{
	struct scenario *only = xmalloc(sizeof *only);
	struct kernel_run *run = kernel_run_new();
	struct kernel_verdict v;
	int r = 0;

	/* the scenario with the setup as its one CPU's operations (nothing in it is freed here) */
	*only = *scn;
	only->ncpus = 1;
	only->cpus[0] = scn->setup;
	memset(&only->setup, 0, sizeof only->setup);
	kernel_run_set_without(run, without);
	if (kernel_run_start(run, only, version, cause) != 0 ||
	    sched_run(kernel_run_sched(run), NULL, 0, SCHED_POLICY_ROUND_ROBIN, cause) != 0) {
		r = -1;
	} else if (sched_end_reason(kernel_run_sched(run)) != SCHED_END_DONE) {
		kernel_run_verdict(run, &v);
		r = util_errf(cause, "%s:%d: the setup does not finish on %s: %s", scn->path, scn->setup.ops[0].line,
			      xip_version_name(version), v.headline);
	} else {
		setup_copy(dst, kernel_run_world(run));
	}
	kernel_run_free(run);
	free(only);
	return r;
}
