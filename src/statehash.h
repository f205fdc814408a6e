/*
 * statehash.h - the 128-bit hash of a search state (the world's bytes, the
 * scheduler's per-CPU state, each CPU's live stack) that the stateful
 * search matches states by.
 *
 * Two independent 64-bit lanes, each a multiply-rotate over 64-bit words
 * (the word step of MurmurHash3's 128-bit variant, Appleby), finished with
 * fmix64.  Not keyed: two distinct states collide with probability about
 * n^2 / 2^129 for n states, the risk every hash-compacted state store
 * takes (Holzmann's hash compaction; SPIN's -DHC).  The search reports
 * the number of states so the risk can be judged.
 */
#ifndef XS_STATEHASH_H
#define XS_STATEHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct state_hash {
	uint64_t a, b;
};

#define STATE_HASH_C1 0x87c37b91114253d5ull
#define STATE_HASH_C2 0x4cf5ad432745937full

static inline uint64_t state_hash_rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline void state_hash_init(struct state_hash *h, uint64_t seed)
{
	h->a = seed ^ 0x9e3779b97f4a7c15ull;
	h->b = ~seed ^ 0x6a09e667f3bcc909ull;
}

static inline void state_hash_word(struct state_hash *h, uint64_t w)
{
	uint64_t k1 = w * STATE_HASH_C1, k2 = w * STATE_HASH_C2;

	h->a ^= state_hash_rotl(k1, 31) * STATE_HASH_C2;
	h->a = state_hash_rotl(h->a, 27) + h->b;
	h->a = h->a * 5 + 0x52dce729;
	h->b ^= state_hash_rotl(k2, 33) * STATE_HASH_C1;
	h->b = state_hash_rotl(h->b, 31) + h->a;
	h->b = h->b * 5 + 0x38495ab5;
}

/* The bytes [p, p+n): whole words, then the tail zero-padded, then n. */
static inline void state_hash_bytes(struct state_hash *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		state_hash_word(h, w);
	}
	if (i < n) {
		w = 0;
		memcpy(&w, b + i, n - i);
		state_hash_word(h, w);
	}
	state_hash_word(h, (uint64_t)n);
}

static inline uint64_t state_hash_fmix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9a53e4a6f53ull;
	k ^= k >> 33;
	return k;
}

/* The finished hash (h itself is left as it was). */
static inline struct state_hash state_hash_final(const struct state_hash *h)
{
	struct state_hash out;
	uint64_t a = h->a + h->b, b = h->b + a;

	out.a = state_hash_fmix(a);
	out.b = state_hash_fmix(b + out.a);
	return out;
}

#endif
