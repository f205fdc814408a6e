/*
 * explore_unit.c - a unit's findings as bytes, for the database
 * (exploration_units.findings): explore_unit_encode and _decode.  The form
 * is versioned by its magic; decoding checks every count against the
 * bytes left and the scenario's CPUs, so a damaged or foreign blob is
 * refused with a message, never read past its end.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "explore-int.h"

/*
 * Little-endian 64-bit fields: "XSU1", complete, executions, blocked,
 * steps, fallbacks, max_length, the number of verdict kinds and a count
 * per kind, nstates and the states, then the shortest and the
 * fewest-preemptions counterexample, each: present, n, preemptions,
 * verdict, state, found_at and n bytes of CPUs.
 */
#define UNIT_MAGIC 0x31555358ull /* "XSU1" */

struct wbuf {
	unsigned char *p;
	size_t n, cap;
};

static void put64(struct wbuf *w, uint64_t v)
{
	if (w->n + 8 > w->cap) {
		w->cap = w->cap ? 2 * w->cap + 8 : 256;
		w->p = xrealloc(w->p, w->cap);
	}
	for (int i = 0; i < 8; i++)
		w->p[w->n++] = (unsigned char)(v >> (8 * i));
}

static void put_cex(struct wbuf *w, const struct explore_cex *c)
{
	put64(w, c->choices != NULL);
	if (!c->choices)
		return;
	put64(w, c->n);
	put64(w, c->preemptions);
	put64(w, (uint64_t)c->verdict);
	put64(w, c->state);
	put64(w, c->found_at);
	for (size_t i = 0; i < c->n; i += 8) {
		uint64_t v = 0;
		for (size_t k = 0; k < 8 && i + k < c->n; k++)
			v |= (uint64_t)(unsigned)c->choices[i + k] << (8 * k);
		put64(w, v);
	}
}

unsigned char *explore_unit_encode(const struct explore_unit *u, size_t *len)
{
	struct wbuf w = { NULL, 0, 0 };

	put64(&w, UNIT_MAGIC);
	put64(&w, (uint64_t)u->complete);
	put64(&w, u->executions);
	put64(&w, u->blocked);
	put64(&w, u->steps);
	put64(&w, u->fallbacks);
	put64(&w, u->max_length);
	put64(&w, VERDICT_NKINDS);
	for (int k = 0; k < VERDICT_NKINDS; k++)
		put64(&w, u->verdicts[k]);
	put64(&w, u->nstates);
	for (size_t i = 0; i < u->nstates; i++)
		put64(&w, u->states[i]);
	put_cex(&w, &u->shortest);
	put_cex(&w, &u->fewest);
	*len = w.n;
	return w.p;
}

struct rbuf {
	const unsigned char *p;
	size_t n, at;
	int bad;
};

static uint64_t get64(struct rbuf *r)
{
	uint64_t v = 0;

	if (r->bad || r->n - r->at < 8) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)r->p[r->at + i] << (8 * i);
	r->at += 8;
	return v;
}

static int get_cex(struct rbuf *r, struct explore_cex *c, const struct explore_unit *u, int ncpus)
{
	unsigned long long executions = u->executions;
	uint64_t present = get64(r), n;

	if (present == 0)
		return r->bad ? -1 : 0;
	n = get64(r);
	if (present != 1 || r->bad || n == 0 || n > (r->n - r->at))
		return -1;
	c->n = (size_t)n;
	c->preemptions = (unsigned)get64(r);
	c->verdict = (enum verdict_kind)get64(r);
	c->state = get64(r);
	c->found_at = get64(r);
	if (r->bad || (unsigned)c->verdict >= VERDICT_NKINDS || c->verdict == VERDICT_OK ||
	    u->verdicts[c->verdict] == 0 || n > u->max_length || c->preemptions >= n || c->found_at == 0 ||
	    c->found_at > executions)
		return -1;
	c->choices = xmalloc(c->n * sizeof *c->choices);
	for (size_t i = 0; i < c->n; i += 8) {
		uint64_t v = get64(r);
		for (size_t k = 0; k < 8 && i + k < c->n; k++) {
			c->choices[i + k] = (int)((v >> (8 * k)) & 0xff);
			if (c->choices[i + k] >= ncpus)
				return -1;
		}
	}
	return r->bad ? -1 : 0;
}

/* Bounds no real unit comes near; they keep sums over EXPLORE_MAX_UNITS units from overflowing. */
#define UNIT_MAX_COUNT (1ull << 44)
#define UNIT_MAX_LENGTH 10000000ull

int explore_unit_decode(const unsigned char *buf, size_t len, int ncpus, struct explore_unit *out, char **cause)
{
	struct rbuf r = { buf, len, 0, 0 };
	uint64_t magic, complete, nkinds, nstates, sum = 0, bad = 0;

	memset(out, 0, sizeof *out);
	magic = get64(&r);
	if (r.bad || magic != UNIT_MAGIC)
		goto bad;
	complete = get64(&r);
	out->executions = get64(&r);
	out->blocked = get64(&r);
	out->steps = get64(&r);
	out->fallbacks = get64(&r);
	out->max_length = (size_t)get64(&r);
	nkinds = get64(&r);
	if (r.bad || complete > 1 || nkinds != VERDICT_NKINDS || out->executions > UNIT_MAX_COUNT ||
	    out->blocked > UNIT_MAX_COUNT || out->steps > UNIT_MAX_COUNT * 64 || out->fallbacks > UNIT_MAX_COUNT ||
	    out->max_length > UNIT_MAX_LENGTH)
		goto bad;
	out->complete = (int)complete;
	for (int k = 0; k < VERDICT_NKINDS; k++) {
		out->verdicts[k] = get64(&r);
		if (out->verdicts[k] > UNIT_MAX_COUNT)
			goto bad;
		sum += out->verdicts[k];
		bad += k != VERDICT_OK ? out->verdicts[k] : 0;
	}
	nstates = get64(&r);
	if (r.bad || sum != out->executions || nstates > out->executions || nstates > (r.n - r.at) / 8)
		goto bad;
	out->nstates = (size_t)nstates;
	out->states = xmalloc((out->nstates + 1) * sizeof *out->states);
	for (size_t i = 0; i < out->nstates; i++) {
		out->states[i] = get64(&r);
		if (i > 0 && out->states[i] <= out->states[i - 1])
			goto bad;
	}
	/* counterexamples exactly when some execution had a bad verdict */
	if (get_cex(&r, &out->shortest, out, ncpus) != 0 || get_cex(&r, &out->fewest, out, ncpus) != 0 ||
	    r.at != r.n || (!out->shortest.choices) != (!out->fewest.choices) || (!out->shortest.choices) != !bad)
		goto bad;
	return 0;
bad:
	explore_unit_clear(out);
	return util_errf(cause, "a unit's findings are damaged (%zu bytes, not in the form this program writes)", len);
}
