/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Batched packed-ring take: available buffers taken four descriptors at a
 * time when they are aligned, all available in the expected lap,
 * single-descriptor, all readable (our rx: the front-end's tx ring) or all
 * writable (our tx: its rx ring), and translated by one region. Anything else is left to the general path (pring_dev_peek),
 * which then judges it: short, oversize and hostile descriptors are dropped
 * or break the ring there, with their own counters.
 */

#ifndef VP_BATCH_H
#define VP_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "pring.h"

/** Descriptors examined and taken together. */
#define VP_BATCH 4

/** One buffer of a batch: where it is locally, and its buffer id. */
struct vp_batch_item {
	uint8_t *ptr;       /**< buffer start (the virtio-net header) */
	uint32_t len;       /**< buffer bytes */
	uint16_t id;        /**< buffer id, < ring size */
};

/**
 * Take whole batches from @p v's available slots, at most @p max items.
 * A batch qualifies when its slots are aligned to VP_BATCH and do not
 * cross the ring's end, each is available in the expected lap without
 * NEXT/INDIRECT, WRITE set exactly when @p write, each length lies in [@p min_len, @p max_len], each id is
 * below the ring size, and all four lie in the region that translated the
 * previous buffer. Each shared field is read once. Taken batches count as
 * peeked: the caller completes them (in order) like pring_dev_peek chains.
 * @return items taken, a multiple of VP_BATCH.
 */
uint16_t vp_batch_take(struct pring_dev *v, struct vp_batch_item *it, uint16_t max,
			  uint32_t min_len, uint32_t max_len, bool write);

/**
 * Append @p nt taken writable items as one-segment chains at c[*n], their
 * segments at s[*ns], as pring_dev_peek would have returned them.
 */
static inline void
vp_batch_to_chains(const struct vp_batch_item *it, uint16_t nt, struct pring_chain *c,
		   struct pring_seg *s, uint16_t *n, uint32_t *ns)
{
	uint16_t k;

	for (k = 0; k < nt; k++) {
		struct pring_chain *ch = &c[*n + k];
		struct pring_seg *sg = &s[*ns + k];

		ch->id = it[k].id;
		ch->ndesc = 1;
		ch->seg0 = *ns + k;
		ch->rlen = 0;
		ch->wlen = it[k].len;
		sg->ptr = it[k].ptr;
		sg->len = it[k].len;
		sg->write = 1;
	}
	*n = (uint16_t)(*n + nt);
	*ns += nt;
}

#endif /* VP_BATCH_H */
