/*
 * story.c - the race window, the cause and the save, read from a trace
 * (story.h).  One pass over the steps with a little state per CPU; every
 * rule names its sites by their stable id ("func:label"), never by text.
 * Values are the trace's raw ones: a block lookup notes a negative number
 * for a hole (flash.c), a read of __xip_sparse_page notes 0 for NULL, a
 * pte check notes the pte with its kind in the low two bits, 0 for none
 * (memory.c's pte_encode).
 */
#include "config.h"

#include <string.h>

#include "story.h"

/* Does CPU c's task fault (touch or store through a mapping)? */
static int cpu_faults(const struct scenario *scn, int c)
{
	for (int k = 0; k < scn->cpus[c].nops; k++)
		if (scn->cpus[c].ops[k].kind == SCN_OP_TOUCH || scn->cpus[c].ops[k].kind == SCN_OP_STORE)
			return 1;
	return 0;
}

void story_race_window(struct kernel_run *run, unsigned char *mask)
{
	const struct scenario *scn = kernel_run_scenario(run);
	size_t n;
	const struct sched_step *tr = sched_trace(kernel_run_sched(run), &n);
	unsigned open = 0;

	for (size_t i = 0; i < n; i++) {
		const struct sched_step *st = &tr[i];
		unsigned bit = 1u << st->cpu;

		if (cpu_faults(scn, st->cpu) && sched_site_is(st->site, "get_xip_mem:block_lookup") && st->has_value)
			open = st->value < 0 ? open | bit : open & ~bit;  /* a hole opens it, a block closes it */
		mask[i] = (unsigned char)open;
		if (sched_site_is(st->site, "*:set_pte"))
			open &= ~bit;
	}
}

/* An __xip_unmap step that found nothing to remove. */
static int scan_found_nothing(const struct sched_step *st)
{
	if (!st->has_value)
		return 0;
	if (sched_site_is(st->site, "__xip_unmap:sparse_read"))
		return st->value == 0;
	if (sched_site_is(st->site, "page_check_address:check_pte"))
		return (st->value & 3) == 0;
	return 0;
}

static int is_seq_read_begin(const struct sched_site *site)
{
	return sched_site_is(site, "__xip_unmap:read_seqcount_begin(&xip_sparse_seq)") ||
	       sched_site_is(site, "__xip_unmap:read_seqcount_begin(&xip_sparse_seq) [pre-2.6.25: no wait]");
}

void story_marks(struct kernel_run *run, const unsigned char *mask, long damage_step, struct story_marks *out)
{
	size_t n;
	const struct sched_step *tr = sched_trace(kernel_run_sched(run), &n);
	int in_write[SCHED_MAX_CPUS] = { 0 };
	int64_t begin[SCHED_MAX_CPUS] = { 0 };
	/* before 2.6.25's livelock fix an odd start retries as well (sync.c) */
	int old_seqcount = (kernel_run_without(run) & KERNEL_WITHOUT_LIVELOCK_FIX) != 0;

	memset(out, 0, sizeof *out);
	out->victim_cpu = -1;
	for (size_t i = 0; i < n && (damage_step <= 0 || (long)i + 1 < damage_step); i++) {
		unsigned others = mask[i] & ~(1u << tr[i].cpu);
		if (others && scan_found_nothing(&tr[i])) {
			out->cause = (long)i + 1;
			out->cause_cpu = tr[i].cpu;
			out->victim_cpu = __builtin_ctz(others);
		}
	}
	if (damage_step > 0 && damage_step <= (long)n)
		out->victim_cpu = tr[damage_step - 1].cpu;
	for (size_t i = 0; i < n && !out->save; i++) {
		const struct sched_step *st = &tr[i];
		int c = st->cpu;

		if (sched_site_is(st->site, "xip_file_fault:write_seqcount_begin(&xip_sparse_seq)"))
			in_write[c] = 1;
		else if (sched_site_is(st->site, "xip_file_fault:write_seqcount_end(&xip_sparse_seq)"))
			in_write[c] = 0;
		else if (is_seq_read_begin(st->site) && st->has_value)
			begin[c] = st->value;
		else if (in_write[c] && sched_site_is(st->site, "get_xip_mem:block_lookup") && st->has_value &&
			 st->value >= 0)
			out->save = (long)i + 1, out->save_kind = STORY_SAVE_RECHECK;
		else if (sched_site_is(st->site, "__xip_unmap:read_seqcount_retry(&xip_sparse_seq)") &&
			 st->has_value && (st->value != begin[c] || (old_seqcount && (begin[c] & 1))))
			out->save = (long)i + 1, out->save_kind = STORY_SAVE_RETRY;
	}
}
