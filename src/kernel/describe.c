/*
 * describe.c - words for what the simulated kernel did: trace lines,
 * values, object names, operation results.  Printing only; nothing here
 * changes the world.
 *
 * Mirrors no kernel file: this printing is the sandbox's own.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "kernel-int.h"

static const struct { const char *name; long value; } symbols[] = {
	{ "-EBADF", -EBADF }, { "-ENOMEM", -ENOMEM }, { "-EACCES", -EACCES },
	{ "-EFAULT", -EFAULT }, { "-EBUSY", -EBUSY }, { "-EINVAL", -EINVAL },
	{ "-ENOSPC", -ENOSPC }, { "-ENODATA", -ENODATA },
	{ "VM_FAULT_OOM", VM_FAULT_OOM }, { "VM_FAULT_SIGBUS", VM_FAULT_SIGBUS },
	{ "VM_FAULT_NOPAGE", VM_FAULT_NOPAGE }, { "VM_FAULT_LOCKED", VM_FAULT_LOCKED },
	{ "NULL", 0 },
};

int kernel_symbol_value(const char *name, long *value)
{
	for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
		if (strcmp(symbols[i].name, name) == 0) {
			*value = symbols[i].value;
			return 1;
		}
	return 0;
}

static const char *errno_name(long v)
{
	for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
		if (symbols[i].name[0] == '-' && symbols[i].value == v)
			return symbols[i].name;
	return NULL;
}

/* Bytes as a student reads them: "NEWDATA!", or zeros. */
static char *bytes_text(const unsigned char *b, char *buf, size_t len)
{
	int last = -1;
	size_t n = 0;

	for (int i = 0; i < SCN_PAGE_BYTES; i++)
		if (b[i])
			last = i;
	if (last < 0) {
		snprintf(buf, len, "zeros");
		return buf;
	}
	n += (size_t)snprintf(buf + n, len - n, "\"");
	for (int i = 0; i <= last && n + 6 < len; i++) {
		if (b[i] == 0)
			n += (size_t)snprintf(buf + n, len - n, "\\0");
		else if (b[i] == '"' || b[i] == '\\')
			n += (size_t)snprintf(buf + n, len - n, "\\%c", b[i]);
		else if (b[i] >= 0x20 && b[i] < 0x7f)
			n += (size_t)snprintf(buf + n, len - n, "%c", b[i]);
		else
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", b[i]);
	}
	snprintf(buf + n, len - n, "\"");
	return buf;
}

static void untag_bytes(int64_t v, unsigned char *b)
{
	uint64_t u = (uint64_t)v;

	for (int i = 0; i < SCN_PAGE_BYTES; i++, u >>= 8)
		b[i] = (unsigned char)(u & 0xff);
}

static const char *page_role(const struct xip_world *w, long id)
{
	if (w->__xip_sparse_page && w->__xip_sparse_page->id == id)
		return " (the sparse page)";
	if (id >= 0 && id < XIP_PAGE_POOL && w->pages[id].anon)
		return " (anonymous copy)";
	return "";
}

char *kernel_value_text(const struct kernel_run *run, unsigned id, int64_t v, char *buf, size_t len)
{
	const struct xip_world *w = kernel_run_world(run);
	const struct sched_obj *o = sched_obj_by_id(w->sched, id);
	unsigned char b[SCN_PAGE_BYTES];

	if (!o) {
		snprintf(buf, len, "%lld", (long long)v);
		return buf;
	}
	if (o->kind == SCHED_OBJ_SEQCOUNT) {
		snprintf(buf, len, "%lld (%s)", (long long)v, (v & 1) ? "odd: a writer is inside" : "even");
		return buf;
	}
	switch ((enum kobj_tag)o->tag) {
	case KTAG_PTE:
		switch (pte_kind(v)) {
		case PTE_NONE:
			snprintf(buf, len, "none");
			break;
		case PTE_PAGE:
			snprintf(buf, len, "page#%lld%s %s%s", (long long)pte_pfn(v) + 1,
				 page_role(w, (long)pte_pfn(v)), pte_write(v) ? "rw" : "ro", pte_dirty(v) ? " dirty" : "");
			break;
		case PTE_PFN:
			snprintf(buf, len, "pfn %#llx (flash block %lld) %s", (long long)pte_pfn(v),
				 (long long)pte_pfn(v) - (long long)XIP_FLASH_PFN_BASE, pte_write(v) ? "rw" : "ro");
			break;
		}
		break;
	case KTAG_PAGE:
		if (v == 0)
			snprintf(buf, len, "NULL");
		else
			snprintf(buf, len, "page#%lld", (long long)v);
		break;
	case KTAG_BLOCK:
		if (v < 0)
			snprintf(buf, len, "hole");
		else
			snprintf(buf, len, "block %lld", (long long)v);
		break;
	case KTAG_BYTES:
		untag_bytes(v, b);
		bytes_text(b, buf, len);
		break;
	case KTAG_HEX:
		snprintf(buf, len, "%#llx", (long long)v);
		break;
	case KTAG_INT:
	default:
		snprintf(buf, len, "%lld", (long long)v);
		break;
	}
	return buf;
}

char *kernel_step_text(const struct kernel_run *run, const struct sched_step *st, char *buf, size_t len)
{
	char value[96];

	if (st->has_value)
		snprintf(buf, len, "%s -> %s", st->site->what,
			 kernel_value_text(run, st->obj, st->value, value, sizeof value));
	else
		snprintf(buf, len, "%s", st->site->what);
	return buf;
}

char *kernel_result_text(const struct kernel_op_result *r, enum scn_op_kind kind, char *buf, size_t len)
{
	char bytes[64];
	const char *e;

	if (r->state == KOP_NOT_STARTED) {
		snprintf(buf, len, "not run");
		return buf;
	}
	if (r->state == KOP_RUNNING) {
		snprintf(buf, len, "running");
		return buf;
	}
	switch (r->outcome) {
	case KOUT_SIGBUS: snprintf(buf, len, "SIGBUS"); return buf;
	case KOUT_SIGSEGV: snprintf(buf, len, "SIGSEGV"); return buf;
	case KOUT_OOM: snprintf(buf, len, "out of memory (VM_FAULT_OOM)"); return buf;
	case KOUT_ERROR:
		e = errno_name(r->ret);
		if (e)
			snprintf(buf, len, "failed: %s", e);
		else
			snprintf(buf, len, "failed: %ld", r->ret);
		return buf;
	case KOUT_NONE:
	case KOUT_OK:
		break;
	}
	switch (kind) {
	case SCN_OP_TOUCH:
		snprintf(buf, len, "saw %s", bytes_text(r->bytes, bytes, sizeof bytes));
		break;
	case SCN_OP_STORE:
		snprintf(buf, len, "stored");
		break;
	case SCN_OP_WRITE:
		snprintf(buf, len, "wrote %ld bytes", r->ret);
		break;
	case SCN_OP_READ:
		snprintf(buf, len, "read %ld bytes: %s", r->ret, bytes_text(r->bytes, bytes, sizeof bytes));
		break;
	case SCN_OP_MMAP:
		snprintf(buf, len, "mapped");
		break;
	case SCN_OP_TRUNCATE:
		snprintf(buf, len, "truncated");
		break;
	}
	return buf;
}

/* The bytes text for check.c's messages. */
char *kernel_bytes_text(const unsigned char *b, char *buf, size_t len)
{
	return bytes_text(b, buf, len);
}

char *kernel_site_where(const struct sched_site *site, char *buf, size_t len)
{
	snprintf(buf, len, "%s", site->func);
	return buf;
}
