/*
 * narrate.c - sentences for steps (narrate.h).  A table of rules matched on
 * the step's code text; the first rule that matches writes the sentence.
 * The rules know the XIP story: which step opens the race window, which
 * one closes it, which one makes the damage permanent.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "narrate.h"

struct ctx {
	const struct kernel_run *run;
	const struct kernel_snapshot *snap;
	const struct sched_step *st;
	int cpu;
	char comm;
	int page;      /* the page the CPU's current op is about */
	char value[96];
	char *buf;
	size_t len;
};

static int has(const struct ctx *c, const char *what)
{
	return strstr(c->st->site.what, what) != NULL;
}

static int in(const struct ctx *c, const char *func)
{
	return strcmp(c->st->site.func, func) == 0;
}

static void say(struct ctx *c, const char *fmt, ...) XS_PRINTF(2, 3);
static void say(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->buf, c->len, fmt, ap);
	va_end(ap);
}

static int sparse_where_block(const struct ctx *c)
{
	const struct kernel_snapshot *s = c->snap;

	return c->page >= 0 && c->page < SCN_MAX_PAGES && s->blockmap[c->page] >= 0;
}

static int narrate_fault(struct ctx *c)
{
	if (has(c, "MMU: the load walks") || has(c, "MMU: the store walks")) {
		if (strcmp(c->value, "none") == 0)
			say(c, "CPU%d (process %c) %s page %d: no pte is there, so the CPU takes a page fault.",
			    c->cpu, c->comm, has(c, "load") ? "loads from" : "stores to", c->page);
		else
			say(c, "CPU%d (process %c) finds a pte for page %d: %s.", c->cpu, c->comm, c->page, c->value);
	} else if (has(c, "MMU: the load reads")) {
		say(c, "Process %c reads %s at page %d.%s", c->comm, c->value, c->page,
		    strcmp(c->value, "zeros") == 0 && sparse_where_block(c) ?
		    " But the file has data there now: this is the corruption." : "");
	} else if (has(c, "MMU: the store writes")) {
		say(c, "Process %c's store reaches memory: page %d now holds %s.", c->comm, c->page, c->value);
	} else if (in(c, "get_xip_mem") && has(c, "i_data[pgoff]") && !has(c, "splice")) {
		if (strcmp(c->value, "hole") == 0)
			say(c, "CPU%d asks the file system for page %d's flash block: it is a hole, so get_xip_mem will say -ENODATA.",
			    c->cpu, c->page);
		else
			say(c, "CPU%d asks the file system for page %d's flash block: it is %s.", c->cpu, c->page, c->value);
	} else if (in(c, "ext2_new_block")) {
		say(c, "CPU%d allocates flash block %s for the hole.", c->cpu, c->value);
	} else if (has(c, "ext2_splice_branch")) {
		say(c, "CPU%d links %s into the file: page %d is no longer a hole. Any sparse page still mapped there is now wrong.",
		    c->cpu, c->value, c->page);
	} else if (has(c, "page = __xip_sparse_page")) {
		if (strcmp(c->value, "NULL") == 0)
			say(c, "CPU%d (__xip_unmap) looks for sparse pages to remove: none exists yet, so there is nothing to do.", c->cpu);
		else
			say(c, "CPU%d (__xip_unmap) will now look in every mapping of page %d for the sparse page (%s) and remove it.",
			    c->cpu, c->page, c->value);
	} else if (in(c, "page_check_address") && has(c, "quick") == 0 && has(c, "!pte_present")) {
		if (strcmp(c->value, "none") == 0)
			say(c, "CPU%d checks a pte of page %d: nothing is mapped there yet, so there is nothing to remove. If a fault is about to map the sparse page, it will be missed.",
			    c->cpu, c->page);
		else
			say(c, "CPU%d checks a pte of page %d: it maps %s.", c->cpu, c->page, c->value);
	} else if (has(c, "ptep_clear_flush")) {
		say(c, "CPU%d removes the sparse page from a page table: the next access will fault and find the new block.", c->cpu);
	} else if (in(c, "__do_fault") && has(c, "set_pte_at")) {
		say(c, "CPU%d installs %s in process %c's page table at page %d.%s", c->cpu, c->value, c->comm, c->page,
		    strstr(c->value, "sparse") && sparse_where_block(c) ?
		    " But the page has a flash block now and its writer already looked for sparse pages: this mapping stays. The damage is done." : "");
	} else if (has(c, "set_pte_at")) {
		say(c, "CPU%d installs %s in process %c's page table at page %d.", c->cpu, c->value, c->comm, c->page);
	} else {
		return 0;
	}
	return 1;
}

static int narrate_sync(struct ctx *c)
{
	if (has(c, "write_seqcount_begin"))
		say(c, "CPU%d enters the sparse fault's write section: xip_sparse_seq becomes %s, so an __xip_unmap running now will notice.",
		    c->cpu, c->value);
	else if (has(c, "write_seqcount_end"))
		say(c, "CPU%d leaves the write section: xip_sparse_seq is %s.", c->cpu, c->value);
	else if (has(c, "read_seqcount_begin"))
		say(c, "CPU%d (__xip_unmap) remembers xip_sparse_seq = %s before it scans.", c->cpu, c->value);
	else if (has(c, "read_seqcount_retry"))
		say(c, "CPU%d re-reads xip_sparse_seq after its scan: %s. If it moved, a sparse fault ran meanwhile and the scan is repeated under the mutex.",
		    c->cpu, c->value);
	else if (has(c, "mutex_lock(&xip_sparse_mutex)"))
		say(c, "CPU%d takes xip_sparse_mutex: no sparse fault and no locked rescan can run beside it.", c->cpu);
	else if (has(c, "mutex_unlock(&xip_sparse_mutex)"))
		say(c, "CPU%d releases xip_sparse_mutex.", c->cpu);
	else if (has(c, "i_mutex"))
		say(c, "CPU%d %s the inode's i_mutex (write(2) holds it throughout).", c->cpu,
		    has(c, "unlock") ? "releases" : "takes");
	else if (has(c, "spin_lock") || has(c, "lock_page"))
		say(c, "CPU%d takes %s.", c->cpu, c->st->site.what);
	else if (has(c, "spin_unlock") || has(c, "unlock_page"))
		say(c, "CPU%d releases: %s.", c->cpu, c->st->site.what);
	else if (has(c, "__copy_from_user"))
		say(c, "CPU%d copies %s into the flash block: read() of page %d returns it from now on.", c->cpu, c->value, c->page);
	else if (has(c, "return __xip_sparse_page"))
		say(c, "CPU%d's fault will use the sparse page (%s) for the hole.", c->cpu, c->value);
	else
		return 0;
	return 1;
}

char *narrate_last_step(const struct kernel_run *run, const struct kernel_snapshot *snap,
			char *buf, size_t len)
{
	struct sched *s = kernel_run_sched((struct kernel_run *)run);
	const struct scenario *scn = kernel_run_scenario(run);
	size_t n;
	const struct sched_step *tr = sched_trace(s, &n);
	struct ctx c;

	if (n == 0) {
		snprintf(buf, len, "Nothing has run yet. Press space to run the next step, or a CPU number to choose who runs.");
		return buf;
	}
	memset(&c, 0, sizeof c);
	c.run = run;
	c.snap = snap;
	c.st = &tr[n - 1];
	c.cpu = c.st->cpu;
	c.buf = buf;
	c.len = len;
	{
		const struct ksnap_cpu *kc = &snap->cpu[c.cpu];
		const struct scn_op *op = &scn->cpus[c.cpu].ops[kc->op];
		c.comm = kc->comm;
		c.page = op->kind == SCN_OP_MMAP ? -1 : op->page;
	}
	if (c.st->has_value)
		kernel_value_text(run, c.st->obj, c.st->value, c.value, sizeof c.value);
	if (!narrate_fault(&c) && !narrate_sync(&c))
		snprintf(buf, len, "CPU%d: %s%s%s.", c.cpu, c.st->site.what, c.st->has_value ? " -> " : "", c.value);
	return buf;
}
