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

_Static_assert((VP_BATCH & (VP_BATCH - 1)) == 0, "batch is a power of two");

/* Flags a batch member must carry exactly: AVAIL/USED of the lap, WRITE as asked, no NEXT or INDIRECT. */
#define VP_BATCH_FLAG_MASK (PRING_AVAIL_USED | PRING_DESC_F_NEXT | PRING_DESC_F_INDIRECT | \
			       PRING_DESC_F_WRITE)

/* The region that translated the last buffer, or NULL when the hint is stale. */
static inline const struct pring_region *
hint_region(const struct pring_dev *v)
{
	uint32_t h = v->xlate_hint;

	if (h < v->xlate->nr && h < PRING_MAX_REGIONS)
		return &v->xlate->region[h];
	return NULL;
}

/* Read, check and translate the batch at @p d into @p it. @return 0 if it qualifies. */
static inline int
batch_read(const struct pring_desc *d, const struct pring_region *r, uint16_t want,
	   uint16_t size, uint32_t min_len, uint32_t max_len, struct vp_batch_item *it)
{
	uint16_t f[VP_BATCH];
	uint64_t addr[VP_BATCH], off[VP_BATCH];
	uint32_t len[VP_BATCH];
	uint16_t id[VP_BATCH];
	unsigned int i, bad = 0;

	for (i = 0; i < VP_BATCH; i++)
		f[i] = pring_ld16(&d[i].flags);
	for (i = 0; i < VP_BATCH; i++)
		bad |= (f[i] & VP_BATCH_FLAG_MASK) != want;
	if (bad)
		return -1;
	/*
	 * Each flags load above read the driver's release of that descriptor
	 * (or of its batch head, published last): the fence orders every
	 * later read of the four after them.
	 */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (i = 0; i < VP_BATCH; i++) {
		addr[i] = pring_ld64(&d[i].addr);
		len[i] = pring_ld32(&d[i].len);
		id[i] = pring_ld16(&d[i].id);
	}
	/* One region for the batch; each buffer still bounded inside it. */
	for (i = 0; i < VP_BATCH; i++) {
		off[i] = addr[i] - r->addr;
		bad |= addr[i] < r->addr;
		bad |= off[i] >= r->len;
		bad |= len[i] > r->len - off[i];
		bad |= len[i] < min_len;
		bad |= len[i] > max_len;
		bad |= id[i] >= size;
	}
	if (bad)
		return -1;
	for (i = 0; i < VP_BATCH; i++) {
		it[i].ptr = r->local + off[i];
		it[i].len = len[i];
		it[i].id = id[i];
	}
	return 0;
}

uint16_t
vp_batch_take(struct pring_dev *v, struct vp_batch_item *it, uint16_t max, uint32_t min_len,
	      uint32_t max_len, bool write)
{
	const struct pring_region *r = hint_region(v);
	const uint16_t size = v->l.size;
	uint16_t idx = v->avail_idx, n = 0;
	uint8_t wrap = v->avail_wrap;
	uint32_t room = (uint32_t)size - v->pending_desc;
	const uint16_t want = write ? PRING_DESC_F_WRITE : 0;

	if (v->broken || r == NULL)
		return 0;
	while (max - n >= VP_BATCH && room - n >= VP_BATCH &&
	       (idx & (VP_BATCH - 1)) == 0 && (uint32_t)idx + VP_BATCH <= size) {
		if (batch_read(&v->l.avail[idx], r, want | pring_avail_bits(wrap), size, min_len,
			       max_len, &it[n]) != 0)
			break;
		n += VP_BATCH;
		idx += VP_BATCH;
		if (idx == size) {
			idx = 0;
			wrap ^= 1;
		}
	}
	v->avail_idx = idx;
	v->avail_wrap = wrap;
	v->pending = (uint16_t)(v->pending + n);
	v->pending_desc = (uint16_t)(v->pending_desc + n);
	return n;
}
