/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Tx buffer peek for the stash: the front-end's rx buffers taken in whole
 * batches (vp_batch_take) where they qualify, through pring_dev_peek up to
 * the next batch boundary where they do not. Same contract as
 * vp_ring_peek, so the stash cannot tell the two apart.
 */

#include "vp_batch.h"
#include "vp_ring.h"

/* Largest chunk taken per vp_batch_take call: bounds the items array. */
#define VP_TX_TAKE 32

uint16_t
vp_tx_peek(struct vp_queue *q, struct pring_chain *c, uint16_t max, struct pring_seg *s,
	   uint32_t max_segs)
{
	struct vp_batch_item it[VP_TX_TAKE];
	uint16_t n = 0, nt, gap, k;
	uint32_t ns = 0;

	if (!q->packed)
		return vp_ring_peek(q, c, max, s, max_segs);
	while (n < max) {
		nt = (uint16_t)RTE_MIN(RTE_MIN((uint32_t)(max - n), (uint32_t)VP_TX_TAKE), max_segs - ns);
		nt = vp_batch_take(&q->r.packed, it, nt, 1, UINT32_MAX, true);
		vp_batch_to_chains(it, nt, c, s, &n, &ns);
		/*
		 * The general path judges a chain longer than the segments it is
		 * given as a violation: give it at least a whole chain's worth.
		 */
		if (n >= max || max_segs - ns < VP_MAX_CHAIN)
			break;
		gap = (uint16_t)(VP_BATCH - (q->r.packed.avail_idx & (VP_BATCH - 1)));
		nt = vp_ring_peek(q, &c[n], RTE_MIN((uint16_t)(max - n), gap), &s[ns], max_segs - ns);
		if (nt == 0)
			break;
		for (k = 0; k < nt; k++)
			c[n + k].seg0 += ns;
		ns = c[n + nt - 1].seg0 + c[n + nt - 1].ndesc;
		n = (uint16_t)(n + nt);
	}
	return n;
}
