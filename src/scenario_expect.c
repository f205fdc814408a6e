/*
 * scenario_expect.c - the expect directive: what a scenario claims a
 * version (or a what-if of the fixed version) gives, which make check
 * asserts through explore and replay (docs/scenarios.md):
 *
 *   expect VERSION [without WHAT[,WHAT...]]: VERDICT [of MAP page P]
 *          [with "SCHEDULE"] [at N preemption(s)]
 *
 * A plain claim fills scenario.expect[VERSION], once per version; one
 * with `without` (fixed only) goes to scenario.wexpect, once per
 * version and mask.  The clauses after the verdict come in any order,
 * each at most once: `of` names the mapping and page a corruption
 * verdict reports, `at` the fewest preemptions any bad schedule needs
 * (with that verdict).  Every error is one scn_perr.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "scenario-int.h"

/* "without mutex,retry": the words up to ':' as one mask. */
static int read_without(struct parser *P, unsigned *mask)
{
	char text[128];
	size_t n = 0;
	struct tok t;
	char *why = NULL;
	int col = 0;

	for (;;) {
		if (scn_next_tok(P, &t) < 0)
			return -1;
		if (t.kind != TOK_WORD)
			return scn_expected(P, &t, "what the what-if switches off (mutex, seqcount, recheck, retry, livelock-fix)");
		if (!col)
			col = t.col;
		if (n + (size_t)t.n + 2 >= sizeof text)
			return scn_perr(P, t.col, "too long a list after 'without'");
		if (n)
			text[n++] = ',';
		memcpy(text + n, t.s, (size_t)t.n);
		n += (size_t)t.n;
		text[n] = 0;
		if (scn_next_tok(P, &t) < 0)
			return -1;
		if (t.kind != TOK_PUNCT || *t.s != ',')
			break;
	}
	/* t is the ':' (or what stands there): put it back for the caller */
	P->p = t.s;
	if (kernel_without_parse(text, mask, &why) != 0) {
		int r = scn_perr(P, col, "%s", why);
		free(why);
		return r;
	}
	return 0;
}

static int read_schedule(struct parser *P, struct scn_expect *e)
{
	struct tok t;

	if (scn_next_tok(P, &t) < 0)
		return -1;
	if (t.kind != TOK_STRING)
		return scn_expected(P, &t, "the schedule in double quotes");
	if (P->str_len == 0)
		return scn_perr(P, t.col, "empty schedule (leave out 'with \"\"' to mean the default schedule)");
	if (memchr(P->str, 0, (size_t)P->str_len))
		return scn_perr(P, t.col, "a schedule cannot contain \\0");
	e->schedule = scn_dup_n(P->str, (size_t)P->str_len);
	return 0;
}

static int read_preemptions(struct parser *P, const struct tok *kw, struct scn_expect *e)
{
	struct tok t;

	if (e->verdict == VERDICT_OK)
		return scn_perr(P, kw->col, "'at N preemptions' claims the fewest preemptions to a bad verdict, but the "
			    "verdict claimed is ok");
	if (scn_read_int(P, "the number of preemptions", 0, 64, &e->preemptions, &t) < 0 || scn_next_tok(P, &t) < 0)
		return -1;
	if (!scn_tok_is(&t, "preemptions") && !scn_tok_is(&t, "preemption"))
		return scn_expected(P, &t, "'preemptions' after the number");
	return 0;
}

static int read_corrupt(struct parser *P, const struct tok *kw, struct scn_expect *e)
{
	struct tok t;

	if (e->verdict != VERDICT_CORRUPTION)
		return scn_perr(P, kw->col, "'of MAP page P' names what a corruption verdict reports, but the verdict "
			    "claimed is %s", verdict_kind_name(e->verdict));
	if (scn_read_who(P, &t, &e->corrupt_proc, &e->corrupt_map) < 0 || scn_next_tok(P, &t) < 0)
		return -1;
	if (!scn_tok_is(&t, "page"))
		return scn_expected(P, &t, "'page P' after the mapping");
	return scn_read_int(P, "the page number", 0, SCN_MAX_PAGES - 1, &e->corrupt_page, &t);
}

/* "result cpuN op K "BYTES"": checked against the CPU's ops at the end of the file (scn_expect_check). */
static int read_result(struct parser *P, struct scn_expect *e)
{
	struct tok t;
	int len;

	if (scn_next_tok(P, &t) < 0)
		return -1;
	if (t.kind != TOK_WORD || t.n < 4 || memcmp(t.s, "cpu", 3) != 0 || !scn_all_digits(t.s + 3, t.n - 3) ||
	    t.n > 4)
		return scn_expected(P, &t, "the CPU whose op it is, as in 'result cpu1 op 2 \"BYTES\"'");
	e->result_cpu = t.s[3] - '0';
	if (scn_next_tok(P, &t) < 0)
		return -1;
	if (!scn_tok_is(&t, "op"))
		return scn_expected(P, &t, "'op K' (the CPU's K-th operation, from 1)");
	if (scn_read_int(P, "the operation number", 1, SCN_MAX_OPS, &e->result_op, &t) < 0 || scn_next_tok(P, &t) < 0)
		return -1;
	e->result_op--;
	e->result_col = t.col;
	return scn_take_bytes(P, &t, e->result, &len);
}

/* The clauses after the verdict, in any order, each once. */
static int read_clauses(struct parser *P, struct scn_expect *e)
{
	int with = 0, at = 0, of = 0, result = 0;
	struct tok t;

	for (;;) {
		int *seen, r;

		if (scn_next_tok(P, &t) < 0)
			return -1;
		if (t.kind == TOK_EOL) {
			if (result && !with)
				return scn_perr(P, e->result_col, "a result belongs to one schedule: add 'with \"SCHEDULE\"'");
			return 0;
		}
		seen = scn_tok_is(&t, "with") ? &with : scn_tok_is(&t, "at") ? &at : scn_tok_is(&t, "of") ? &of
		     : scn_tok_is(&t, "result") ? &result : NULL;
		if (!seen)
			return scn_expected(P, &t, "'with \"SCHEDULE\"', 'at N preemptions', 'of MAP page P', "
					    "'result cpuN op K \"BYTES\"' or end of line");
		if (*seen)
			return scn_perr(P, t.col, "'%.*s' is given twice in this expect", t.n, t.s);
		*seen = 1;
		r = seen == &with ? read_schedule(P, e) : seen == &at ? read_preemptions(P, &t, e)
		  : seen == &of ? read_corrupt(P, &t, e) : read_result(P, e);
		if (r < 0)
			return -1;
	}
}

int scn_d_expect(struct parser *P, const struct tok *kw)
{
	struct scenario *scn = P->scn;
	struct scn_expect *e;
	struct tok t, vt;
	unsigned without = 0;
	int v;

	(void)kw;
	if (scn_next_tok(P, &vt) < 0)
		return -1;
	if ((v = scn_tok_parse(&vt, xip_version_parse)) < 0)
		return scn_bad_choice(P, &vt, "version", "buggy, fixed, later or final");
	if (scn_next_tok(P, &t) < 0)
		return -1;
	if (scn_tok_is(&t, "without")) {
		if (v != XIP_FIXED)
			return scn_perr(P, t.col, "'without' takes apart the seed's fix: it goes with 'expect fixed', not "
				    "'expect %s'", xip_version_name((enum xip_version)v));
		if (read_without(P, &without) < 0)
			return -1;
	} else {
		P->p = t.s;   /* not 'without': read it again as the ':' */
	}
	if (without) {
		for (int k = 0; k < scn->nwexpect; k++)
			if (scn->wexpect[k].without == without) {
				char text[64];
				return scn_perr(P, vt.col, "a second expect for fixed without %s (the first is on line %d)",
					    kernel_without_text(without, text, sizeof text), scn->wexpect[k].line);
			}
		if (scn->nwexpect == SCN_MAX_WEXPECT)
			return scn_perr(P, vt.col, "too many 'expect fixed without' lines (at most %d)", SCN_MAX_WEXPECT);
		e = &scn->wexpect[scn->nwexpect++];
	} else {
		e = &scn->expect[v];
		if (e->set)
			return scn_perr(P, vt.col, "a second expect for %s (the first is on line %d)",
				    xip_version_name((enum xip_version)v), e->line);
	}
	if (scn_want_punct(P, ':') < 0 || scn_next_tok(P, &t) < 0)
		return -1;
	e->version = (enum xip_version)v;
	e->without = without;
	e->preemptions = -1;
	e->corrupt_proc = -1;
	e->result_cpu = -1;
	if ((v = scn_tok_parse(&t, verdict_kind_parse)) < 0)
		return scn_bad_choice(P, &t, "verdict", "ok, corruption, bug, deadlock, leak or step-limit");
	e->set = 1;
	e->verdict = (enum verdict_kind)v;
	e->line = P->lineno;
	return read_clauses(P, e);
}

/* A result names an op that reads bytes: a read or touch of that CPU (the ops may come after the expect). */
static int check_one(struct parser *P, const struct scn_expect *e)
{
	const struct scenario *scn = P->scn;
	const struct scn_op *op;

	if (!e->set || e->result_cpu < 0)
		return 0;
	if (e->result_cpu >= scn->ncpus || e->result_op >= scn->cpus[e->result_cpu].nops)
		return scn_perr_at(P, e->line, e->result_col, "cpu %d has no operation %d", e->result_cpu,
				   e->result_op + 1);
	op = &scn->cpus[e->result_cpu].ops[e->result_op];
	if (op->kind != SCN_OP_READ && op->kind != SCN_OP_TOUCH)
		return scn_perr_at(P, e->line, e->result_col, "cpu %d's operation %d is not a read or a touch: it returns "
				   "no bytes", e->result_cpu, e->result_op + 1);
	return 0;
}

int scn_expect_check(struct parser *P)
{
	for (int v = 0; v < XIP_NVERSIONS; v++)
		if (check_one(P, &P->scn->expect[v]) < 0)
			return -1;
	for (int k = 0; k < P->scn->nwexpect; k++)
		if (check_one(P, &P->scn->wexpect[k]) < 0)
			return -1;
	return 0;
}
