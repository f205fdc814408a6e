/*
 * narrate.c - sentences for steps (narrate.h).  A table of rules, each
 * naming the sites it speaks for by their stable identity ("func:label",
 * sched.h): the first rule whose site is the step's and whose sentence
 * applies writes it.  The rules know the XIP story: which step opens the
 * race window, which one misses the sparse fault, which one makes the
 * damage permanent.  Nothing here reads a site's text to decide: a rule
 * whose site is renamed or removed fails the narration-coverage test
 * (narrate-*), never silently.
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
	const char *comm;
	int page;      /* the page the CPU's current op is about */
	char value[96];
	char *buf;
	size_t len;
};

static void say(struct ctx *c, const char *fmt, ...) XS_PRINTF(2, 3);
static void say(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->buf, c->len, fmt, ap);
	va_end(ap);
}

static int value_is(const struct ctx *c, const char *text)
{
	return strcmp(c->value, text) == 0;
}

static int sparse_where_block(const struct ctx *c)
{
	const struct kernel_snapshot *s = c->snap;

	return c->page >= 0 && c->page < SCN_MAX_PAGES && s->blockmap[c->page] >= 0;
}

static int in_frames(const struct ksnap_cpu *k, const char *func)
{
	for (int i = 0; i < k->nframes && i < SCHED_MAX_FRAMES; i++)
		if (strcmp(k->frames[i], func) == 0)
			return 1;
	return 0;
}

/*
 * Another CPU whose fault on the same page found the hole and has not
 * mapped anything yet: the fault an __xip_unmap running now can miss.
 * Returns its number, -1 when there is none.
 */
static int sparse_fault_in_flight(const struct ctx *c)
{
	const struct scenario *scn = kernel_run_scenario(c->run);

	for (int k = 0; k < c->snap->ncpus; k++) {
		const struct ksnap_cpu *kc = &c->snap->cpu[k];
		const struct scn_op *op;
		if (k == c->cpu || kc->state == KSNAP_FINISHED || kc->state == KSNAP_HALTED || kc->op >= kc->nops)
			continue;
		op = &scn->cpus[k].ops[kc->op];
		if (op->kind == SCN_OP_MMAP || op->kind == SCN_OP_TRUNCATE || op->page != c->page ||
		    (!in_frames(kc, "xip_file_fault") && !in_frames(kc, "__do_fault")))
			continue;
		return k;
	}
	return -1;
}

/* ---- the rules: one function each, 0 when its sentence does not apply ---------------------- */

static int mmu_walk(struct ctx *c)
{
	int load = sched_site_is(c->st->site, "user_access:walk_load");

	if (value_is(c, "none"))
		say(c, "CPU%d (process %s) %s page %d: no pte is there, so the CPU takes a page fault.",
		    c->cpu, c->comm, load ? "loads from" : "stores to", c->page);
	else
		say(c, "CPU%d (process %s) finds a pte for page %d: %s.", c->cpu, c->comm, c->page, c->value);
	return 1;
}

static int mmu_load(struct ctx *c)
{
	say(c, "Process %s reads %s at page %d.%s", c->comm, c->value, c->page,
	    value_is(c, "zeros") && sparse_where_block(c) ?
	    " But the file has data there now: this is the corruption." : "");
	return 1;
}

static int mmu_store(struct ctx *c)
{
	say(c, "Process %s's store reaches memory: page %d now holds %s.", c->comm, c->page, c->value);
	return 1;
}

static int block_lookup(struct ctx *c)
{
	const struct sched_site *next = c->snap->cpu[c->cpu].site;

	/*
	 * A write looks twice: get_xip_mem(create 0) says -ENODATA, then
	 * get_xip_mem(create 1) finds the same hole and allocates.  The second
	 * is told apart by what the CPU does next: it takes truncate_mutex.
	 */
	if (value_is(c, "hole") && next && sched_site_is(next, "get_xip_mem:mutex_lock(&ei->truncate_mutex)"))
		say(c, "CPU%d asks again, now to create: page %d is still a hole, so get_xip_mem will allocate a flash block for it.",
		    c->cpu, c->page);
	else if (value_is(c, "hole"))
		say(c, "CPU%d asks the file system for page %d's flash block: it is a hole, so get_xip_mem will say -ENODATA.",
		    c->cpu, c->page);
	else
		say(c, "CPU%d asks the file system for page %d's flash block: it is %s.", c->cpu, c->page, c->value);
	return 1;
}

static int new_block(struct ctx *c)
{
	say(c, "CPU%d allocates flash block %s for the hole.", c->cpu, c->value);
	return 1;
}

static int splice(struct ctx *c)
{
	say(c, "CPU%d links %s into the file: page %d is no longer a hole. Any sparse page still mapped there is now wrong.",
	    c->cpu, c->value, c->page);
	return 1;
}

/* The sentence of the race: a scan that finds nothing while a sparse fault is on its way. */
static void missed_fault(struct ctx *c, const char *found)
{
	int k = sparse_fault_in_flight(c);

	if (k < 0 || !sparse_where_block(c)) {
		say(c, "CPU%d (__xip_unmap) %s: nothing to remove.", c->cpu, found);
	} else if (c->snap->version == XIP_BUGGY) {
		/* short enough for the two narration lines of an 80-column screen */
		say(c, "CPU%d (__xip_unmap) %s: nothing to remove. But CPU%d's fault found the hole and will map"
		    " the sparse page: it will be missed.", c->cpu, found, k);
	} else {
		say(c, "CPU%d (__xip_unmap) %s. CPU%d's fault found the hole too, but the fix makes it look again under"
		    " xip_sparse_mutex before it maps anything, and this scan notices if it ran meanwhile.",
		    c->cpu, found, k);
	}
}

static int sparse_read(struct ctx *c)
{
	if (value_is(c, "NULL"))
		missed_fault(c, "finds no sparse page yet");
	else
		say(c, "CPU%d (__xip_unmap) will now look in every mapping of page %d for the sparse page (%s) and remove it.",
		    c->cpu, c->page, c->value);
	return 1;
}

static int check_pte(struct ctx *c)
{
	if (value_is(c, "none"))
		missed_fault(c, "checks a pte: nothing is mapped yet");
	else
		say(c, "CPU%d checks a pte of page %d: it maps %s.", c->cpu, c->page, c->value);
	return 1;
}

static int clear_flush(struct ctx *c)
{
	say(c, "CPU%d removes the sparse page from a page table: the next access will fault and find the new block.", c->cpu);
	return 1;
}

static int do_fault_set_pte(struct ctx *c)
{
	say(c, "CPU%d installs %s in process %s's page table at page %d.%s", c->cpu, c->value, c->comm, c->page,
	    strstr(c->value, "sparse") && sparse_where_block(c) ?
	    " But the page has a flash block now and its writer already looked for sparse pages: this mapping stays."
	    " The damage is done." : "");
	return 1;
}

static int set_pte(struct ctx *c)
{
	say(c, "CPU%d installs %s in process %s's page table at page %d.", c->cpu, c->value, c->comm, c->page);
	return 1;
}

static int seq_write_begin(struct ctx *c)
{
	say(c, "CPU%d enters the sparse fault's write section: xip_sparse_seq becomes %s, so an __xip_unmap running now will notice.",
	    c->cpu, c->value);
	return 1;
}

static int seq_write_end(struct ctx *c)
{
	say(c, "CPU%d leaves the write section: xip_sparse_seq is %s.", c->cpu, c->value);
	return 1;
}

static int seq_read_begin(struct ctx *c)
{
	say(c, "CPU%d (__xip_unmap) remembers xip_sparse_seq = %s before it scans.", c->cpu, c->value);
	return 1;
}

static int seq_read_retry(struct ctx *c)
{
	if (kernel_run_without(c->run) & KERNEL_WITHOUT_LIVELOCK_FIX)
		/* the pre-2.6.25 read_seqcount_retry: (start & 1) | (count ^ start) */
		say(c, "CPU%d re-reads xip_sparse_seq after its scan: %s. If it moved, or was odd when the scan began "
		       "(a sparse fault was running: this old seqcount does not wait for it), the scan is repeated "
		       "under the mutex.", c->cpu, c->value);
	else
		say(c, "CPU%d re-reads xip_sparse_seq after its scan: %s. If it moved, a sparse fault ran meanwhile and the scan is repeated under the mutex.",
		    c->cpu, c->value);
	return 1;
}

/* The seed's leftover debug printk (filemap_xip.c's printk_insert): the console's last line. */
static int printk_insert(struct ctx *c)
{
	const char *con = kernel_console(c->run), *last = con, *p;
	size_t n;

	for (p = con; p && *p; p++)
		if (*p == '\n' && p[1])
			last = p + 1;
	n = last ? strcspn(last, "\n") : 0;
	say(c, "CPU%d's fault prints \"%.*s\" to the console: a debug line the fix's patch left in "
	       "(process, address and pfn it maps). It changes nothing in memory.", c->cpu, (int)n, last ? last : "");
	return 1;
}

static int sparse_mutex_lock(struct ctx *c)
{
	say(c, "CPU%d takes xip_sparse_mutex: no sparse fault and no locked rescan can run beside it.", c->cpu);
	return 1;
}

static int sparse_mutex_unlock(struct ctx *c)
{
	say(c, "CPU%d releases xip_sparse_mutex.", c->cpu);
	return 1;
}

static int i_mutex_lock(struct ctx *c)
{
	say(c, "CPU%d takes the inode's i_mutex (write(2) holds it throughout).", c->cpu);
	return 1;
}

static int i_mutex_unlock(struct ctx *c)
{
	say(c, "CPU%d releases the inode's i_mutex (write(2) holds it throughout).", c->cpu);
	return 1;
}

static int copy_from_user(struct ctx *c)
{
	say(c, "CPU%d copies %s into the flash block: read() of page %d returns it from now on.", c->cpu, c->value, c->page);
	return 1;
}

static int sparse_return(struct ctx *c)
{
	say(c, "CPU%d's fault will use the sparse page (%s) for the hole.", c->cpu, c->value);
	return 1;
}

/* Any other lock: said by what the step does to which object, not by its text. */
static int other_lock(struct ctx *c)
{
	const struct sched_obj *o;
	char name[64];

	if (c->st->op != SCHED_OP_ACQUIRE && c->st->op != SCHED_OP_RELEASE)
		return 0;
	o = sched_obj_by_id(kernel_run_sched((struct kernel_run *)c->run), c->st->obj);
	if (!o)
		return 0;
	say(c, "CPU%d %s %s.", c->cpu, c->st->op == SCHED_OP_ACQUIRE ? "takes" : "releases",
	    sched_obj_name(o, name, sizeof name));
	return 1;
}

#define SITES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct narrate_rule {
	const char *name;
	const char *const *sites;   /* "func:label", NULL-terminated; NULL: any site */
	int (*say)(struct ctx *c);
} rules[] = {
	{ "mmu-walk", SITES("user_access:walk_load", "user_access:walk_store"), mmu_walk },
	{ "mmu-load", SITES("user_access:load_page"), mmu_load },
	{ "mmu-store", SITES("user_access:store_page"), mmu_store },
	{ "block-lookup", SITES("get_xip_mem:block_lookup"), block_lookup },
	{ "new-block", SITES("ext2_new_block:set_bit"), new_block },
	{ "splice", SITES("get_xip_mem:splice"), splice },
	{ "unmap-sparse-read", SITES("__xip_unmap:sparse_read"), sparse_read },
	{ "unmap-check-pte", SITES("page_check_address:check_pte"), check_pte },
	{ "unmap-clear", SITES("ptep_clear_flush_notify:clear_flush"), clear_flush },
	{ "fault-set-pte", SITES("__do_fault:set_pte"), do_fault_set_pte },
	{ "insert-set-pte", SITES("vm_insert_page:set_pte", "vm_insert_mixed:set_pte", "do_wp_page:set_pte"), set_pte },
	{ "seq-write-begin", SITES("xip_file_fault:write_seqcount_begin(&xip_sparse_seq)"), seq_write_begin },
	{ "seq-write-end", SITES("xip_file_fault:write_seqcount_end(&xip_sparse_seq)"), seq_write_end },
	{ "seq-read-begin", SITES("__xip_unmap:read_seqcount_begin(&xip_sparse_seq)",
				  "__xip_unmap:read_seqcount_begin(&xip_sparse_seq) [pre-2.6.25: no wait]"), seq_read_begin },
	{ "seq-read-retry", SITES("__xip_unmap:read_seqcount_retry(&xip_sparse_seq)"), seq_read_retry },
	{ "printk-insert", SITES("printk_insert:printk_insert"), printk_insert },
	{ "sparse-mutex-lock", SITES("xip_file_fault:mutex_lock(&xip_sparse_mutex)",
				     "__xip_unmap:mutex_lock(&xip_sparse_mutex)",
				     "__xip_file_write:mutex_lock(&xip_sparse_mutex)"), sparse_mutex_lock },
	{ "sparse-mutex-unlock", SITES("xip_file_fault:mutex_unlock(&xip_sparse_mutex)",
				       "__xip_unmap:mutex_unlock(&xip_sparse_mutex)",
				       "__xip_file_write:mutex_unlock(&xip_sparse_mutex)"), sparse_mutex_unlock },
	{ "i-mutex-lock", SITES("xip_file_write:mutex_lock(&inode->i_mutex)"), i_mutex_lock },
	{ "i-mutex-unlock", SITES("xip_file_write:mutex_unlock(&inode->i_mutex)"), i_mutex_unlock },
	{ "copy-from-user", SITES("__xip_file_write:copy_from_user"), copy_from_user },
	{ "sparse-return", SITES("xip_sparse_page:sparse_return"), sparse_return },
	{ "other-lock", NULL, other_lock },
};

#define NRULES (sizeof rules / sizeof rules[0])

static unsigned long fired[NRULES];

static int rule_applies(const struct narrate_rule *r, const struct sched_site *site)
{
	if (!r->sites)
		return 1;
	for (const char *const *p = r->sites; *p; p++)
		if (sched_site_is(site, *p))
			return 1;
	return 0;
}

size_t narrate_nrules(void) { return NRULES; }
const char *narrate_rule_name(size_t i) { return i < NRULES ? rules[i].name : NULL; }
const char *const *narrate_rule_sites(size_t i) { return i < NRULES ? rules[i].sites : NULL; }
unsigned long narrate_rule_fired(size_t i) { return i < NRULES ? fired[i] : 0; }

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
		c.page = op->kind == SCN_OP_MMAP || op->kind == SCN_OP_TRUNCATE ? -1 : op->page;
	}
	if (c.st->has_value)
		kernel_value_text(run, c.st->obj, c.st->value, c.value, sizeof c.value);
	for (size_t i = 0; i < NRULES; i++)
		if (rule_applies(&rules[i], c.st->site) && rules[i].say(&c)) {
			fired[i]++;
			return buf;
		}
	snprintf(buf, len, "CPU%d: %s%s%s.", c.cpu, c.st->site->what, c.st->has_value ? " -> " : "", c.value);
	return buf;
}
