/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * vp_batch_take(): four descriptors per step with one flags test, one
 * fence, one region lookup. What a batch decides once the single path
 * decides per packet: chain or not, lap, direction, region. Plain C (no
 * EAL) so unit tests drive it against a pring driver end.
 */

#include <stddef.h>

#include "pring_internal.h"
#include "vp_batch.h"

_Static_assert(VP_BATCH == 4, "batch_read() reads four members");

/* Flags a batch member must carry exactly: AVAIL/USED of the lap, WRITE as asked, no NEXT or INDIRECT. */
#define VP_BATCH_FLAG_MASK (PRING_AVAIL_USED | PRING_DESC_F_NEXT | PRING_DESC_F_INDIRECT | \
			       PRING_DESC_F_WRITE)

static inline uint32_t
min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* The region that translated the last buffer, or NULL when the hint is stale. */
static inline const struct pring_region *
hint_region(const struct pring_dev *v)
{
	uint32_t h = v->xlate_hint;

	if (h < v->xlate->nr && h < PRING_MAX_REGIONS)
		return &v->xlate->region[h];
	return NULL;
}

/*
 * Read one member's fields once, translate through @p r and store the result
 * in @p it whatever it is: the caller ignores the items of a rejected batch.
 * @return non-zero if the member does not qualify. Branch-free, so a batch
 * costs the same whatever its members hold.
 */
static inline unsigned int
member_read(const struct pring_desc *d, const struct pring_region *r, uint16_t size,
	    uint32_t min_len, uint32_t len_span, struct vp_batch_item *it)
{
	uint64_t addr = pring_ld64(&d->addr);
	uint32_t len = pring_ld32(&d->len);
	uint16_t id = pring_ld16(&d->id);
	uint64_t off = addr - r->addr;

	/*
	 * In integers: for a rejected member off may be anything, and pointer
	 * arithmetic that leaves the region is undefined even if never used.
	 */
	it->ptr = (uint8_t *)((uintptr_t)r->local + (uintptr_t)off);
	it->len = len;
	it->id = id;
	/*
	 * One region for the batch; each buffer still bounded inside it. The
	 * caller capped min_len + len_span at r->len, so for a length that
	 * passes its own test r->len - len cannot wrap, and off > r->len - len
	 * is off + len > r->len. An address below the region wraps off past
	 * r->len (a region never reaches past 2^64): rejected too. A length
	 * that fails makes the rest irrelevant.
	 */
	return (len - min_len > len_span) | (off > r->len - len) | (id >= size);
}

/* Check and translate the batch at @p d into @p it. @return 0 if it qualifies. */
static inline unsigned int
batch_read(const struct pring_desc *d, const struct pring_region *r, uint16_t want,
	   uint16_t size, uint32_t min_len, uint32_t len_span, struct vp_batch_item *it)
{
	unsigned int bad;

	/* one test for the four, without a branch each (hence |, on unsigned values) */
	bad = (unsigned int)((pring_ld16(&d[0].flags) & VP_BATCH_FLAG_MASK) != want) |
	      (unsigned int)((pring_ld16(&d[1].flags) & VP_BATCH_FLAG_MASK) != want) |
	      (unsigned int)((pring_ld16(&d[2].flags) & VP_BATCH_FLAG_MASK) != want) |
	      (unsigned int)((pring_ld16(&d[3].flags) & VP_BATCH_FLAG_MASK) != want);
	if (bad)
		return bad;
	/*
	 * Each flags load above read the driver's release of that descriptor
	 * (or of its batch head, published last): the fence orders every
	 * later read of the four after them.
	 */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	bad = member_read(&d[0], r, size, min_len, len_span, &it[0]);
	bad |= member_read(&d[1], r, size, min_len, len_span, &it[1]);
	bad |= member_read(&d[2], r, size, min_len, len_span, &it[2]);
	bad |= member_read(&d[3], r, size, min_len, len_span, &it[3]);
	return bad;
}

/*
 * Start pulling a taken batch's buffers in: the front-end wrote (or will
 * read) them on another core, and the caller copies out of (or into) them
 * next. Here rather than in a loop of the caller's: the pointers are
 * still in registers or L1, and no second pass over the items.
 */
static inline void
batch_prefetch(const struct vp_batch_item *it, bool write)
{
	if (write) {
		/* our tx: a small frame and its header fit the first line */
		__builtin_prefetch(it[0].ptr, 1, 3);
		__builtin_prefetch(it[1].ptr, 1, 3);
		__builtin_prefetch(it[2].ptr, 1, 3);
		__builtin_prefetch(it[3].ptr, 1, 3);
	} else {
		/* our rx: the header and a 64-byte frame span two lines */
		__builtin_prefetch(it[0].ptr, 0, 3);
		__builtin_prefetch(it[0].ptr + 64, 0, 3);
		__builtin_prefetch(it[1].ptr, 0, 3);
		__builtin_prefetch(it[1].ptr + 64, 0, 3);
		__builtin_prefetch(it[2].ptr, 0, 3);
		__builtin_prefetch(it[2].ptr + 64, 0, 3);
		__builtin_prefetch(it[3].ptr, 0, 3);
		__builtin_prefetch(it[3].ptr + 64, 0, 3);
	}
}

uint16_t
vp_batch_take(struct pring_dev *v, struct vp_batch_item *it, uint16_t max, uint32_t min_len,
	      uint32_t max_len, bool write)
{
	const struct pring_region *hint = hint_region(v);
	/* a private copy: stores to it[] cannot alias it, so it stays in registers */
	struct pring_region r;
	const uint16_t size = v->l.size;
	uint16_t idx = v->avail_idx, n = 0;
	uint8_t wrap = v->avail_wrap;
	uint32_t room = (uint32_t)size - v->pending_desc;
	const uint16_t want = write ? PRING_DESC_F_WRITE : 0;
	uint32_t left, stop, k;

	if (v->broken || hint == NULL || (idx & (VP_BATCH - 1)) != 0)
		return 0;
	r = *hint;
	/* no longer buffer fits in the region: member_read() relies on it */
	if (max_len > r.len)
		max_len = (uint32_t)r.len;
	if (max_len < min_len)
		return 0;
	/* never more than the caller takes or the ring holds */
	left = min_u32(max, room);
	while (n < left) {
		/* whole batches up to the ring's end (or the limit): no end test per batch */
		stop = min_u32(left - n, (uint32_t)size - idx) & ~(uint32_t)(VP_BATCH - 1);
		for (k = 0; k < stop; k += VP_BATCH) {
			if (batch_read(&v->l.avail[idx + k], &r, want | pring_avail_bits(wrap), size,
				       min_len, max_len - min_len, &it[n + k]) != 0)
				break;
			/* only once the batch qualifies: its pointers are inside the region */
			batch_prefetch(&it[n + k], write);
		}
		n = (uint16_t)(n + k);
		idx = (uint16_t)(idx + k);
		/* a member that does not qualify, or a ring's tail shorter than a batch */
		if (k < stop || idx != size)
			break;
		idx = 0;
		wrap ^= 1;
	}
	v->avail_idx = idx;
	v->avail_wrap = wrap;
	v->pending = (uint16_t)(v->pending + n);
	v->pending_desc = (uint16_t)(v->pending_desc + n);
	return n;
}
