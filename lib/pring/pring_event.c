/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Event suppression (virtio 1.1 §2.7.10): the decision whether to notify
 * the peer, and writing our own suppression area. Used by both ends.
 */

#include <stdbool.h>
#include <stdint.h>

#include "pring_internal.h"

/*
 * Positions on a circle of 2 * size: slot + size when the wrap counter is
 * 0. Two positions differ by less than a full circle as long as fewer than
 * 2 * size slots were consumed between two decisions, which holds because
 * at most size descriptors are ever outstanding.
 */
static inline int32_t ring_pos(uint16_t idx, uint8_t wrap, uint16_t size)
{
	return (int32_t)idx + (wrap ? 0 : (int32_t)size);
}

/* (a - b) mod 2*size for a, b in [0, 2*size], without division. */
static inline int32_t ring_dist(int32_t a, int32_t b, int32_t size2)
{
	int32_t d = a - b;

	return d < 0 ? d + size2 : d;
}

bool pring_event_need(const struct pring_event *ev, bool event_idx, uint16_t size,
		      uint16_t now, uint8_t now_wrap, uint16_t old, uint8_t old_wrap)
{
	int32_t size2 = 2 * (int32_t)size;
	int32_t pnow, pold, pev;
	uint16_t flags, off_wrap, off;

	if (now == old && now_wrap == old_wrap)
		return false; /* nothing happened since the last decision */
	flags = pring_ld16(&ev->flags) & PRING_EVENT_FLAGS_MASK;
	if (flags == PRING_EVENT_DISABLE)
		return false;
	if (flags != PRING_EVENT_DESC || !event_idx)
		return true; /* ENABLE, the reserved value 3, or DESC that was not negotiated */

	off_wrap = pring_ld16(&ev->off_wrap);
	off = off_wrap & (uint16_t)~PRING_EVENT_WRAP;
	if (off >= size)
		return true; /* names no slot: notify rather than risk a stall */
	pnow = ring_pos(now, now_wrap, size);
	pold = ring_pos(old, old_wrap, size);
	pev = ring_pos(off, (off_wrap & PRING_EVENT_WRAP) != 0, size);
	/* The peer wants an event once slot pev is done: notify iff pev is in [pold, pnow). */
	return ring_dist(pnow, pev + 1, size2) < ring_dist(pnow, pold, size2);
}

void pring_event_write(struct pring_event *ev, uint16_t mode, bool event_idx,
		       uint16_t idx, uint8_t wrap)
{
	if (mode > PRING_EVENT_DESC || (mode == PRING_EVENT_DESC && !event_idx))
		mode = PRING_EVENT_ENABLE;
	if (mode == PRING_EVENT_DESC)
		pring_st16(&ev->off_wrap, (uint16_t)(idx | (wrap ? PRING_EVENT_WRAP : 0)));
	/*
	 * Release: a peer that sees the new flags also sees the new off_wrap.
	 * Then a full barrier when (re-)enabling: our store must be visible
	 * before the caller re-checks the ring, or the peer may have published
	 * work while still seeing DISABLE and never notify us (lost wake-up).
	 */
	pring_st16_rel(&ev->flags, mode);
	if (mode != PRING_EVENT_DISABLE)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
