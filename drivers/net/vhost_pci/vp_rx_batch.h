/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Batched packed-ring receive: the front-end's tx ring taken four
 * descriptors at a time when they are aligned, all available in the
 * expected lap, single-descriptor and readable, and translated by one
 * region. Anything else is left to the general path (pring_dev_peek),
 * which then judges it: short, oversize and hostile descriptors are dropped
 * or break the ring there, with their own counters.
 */

#ifndef VP_RX_BATCH_H
#define VP_RX_BATCH_H

#include <stdint.h>

#include "pring.h"

/** Descriptors examined and taken together. */
#define VP_RX_BATCH 4

/** One frame of a batch: where it is locally, and its buffer id. */
struct vp_rx_item {
	const uint8_t *ptr; /**< buffer start (the virtio-net header) */
	uint32_t len;       /**< buffer bytes: header + frame */
	uint16_t id;        /**< buffer id, < ring size */
};

/**
 * Take whole batches from @p v's available slots, at most @p max items.
 * A batch qualifies when its slots are aligned to VP_RX_BATCH and do not
 * cross the ring's end, each is available in the expected lap without
 * NEXT/INDIRECT/WRITE, each length lies in [@p min_len, @p max_len], each id is
 * below the ring size, and all four lie in the region that translated the
 * previous buffer. Each shared field is read once. Taken batches count as
 * peeked: the caller completes them (in order) like pring_dev_peek chains.
 * @return items taken, a multiple of VP_RX_BATCH.
 */
uint16_t vp_rx_batch_take(struct pring_dev *v, struct vp_rx_item *it, uint16_t max,
			  uint32_t min_len, uint32_t max_len);

#endif /* VP_RX_BATCH_H */
