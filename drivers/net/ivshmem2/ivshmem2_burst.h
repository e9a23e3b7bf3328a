/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Pieces every burst function of net_ivshmem2 shares. */

#ifndef IVSHMEM2_BURST_H
#define IVSHMEM2_BURST_H

#include <rte_branch_prediction.h>

#include "ivshmem2.h"

/*
 * Enter a burst: publish that we are inside before checking that the queue
 * is enabled; the control path clears enabled before waiting for in_burst
 * to drop, so one of the two sees the other (store-load fence on both).
 */
static __rte_always_inline bool
iv2_burst_enter(uint8_t *enabled, uint8_t *in_burst)
{
	__atomic_store_n(in_burst, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (likely(__atomic_load_n(enabled, __ATOMIC_RELAXED) != 0))
		return true;
	__atomic_store_n(in_burst, 0, __ATOMIC_RELEASE);
	return false;
}

static __rte_always_inline void
iv2_burst_leave(uint8_t *in_burst)
{
	__atomic_store_n(in_burst, 0, __ATOMIC_RELEASE);
}

/* Frames we do not deliver: peer-writable descriptors, oversize. */
static __rte_always_inline bool
iv2_rx_bad(struct iv2_rxq *q, const struct pring_chain *c)
{
	if (unlikely(c->wlen != 0)) {
		q->drops[IV2_DROP_BAD_DESC]++;
		return true;
	}
	if (unlikely(c->rlen > IV2_MAX_FRAME || c->rlen == 0)) {
		q->drops[IV2_DROP_OVERSIZE]++;
		return true;
	}
	return false;
}

#endif /* IVSHMEM2_BURST_H */
