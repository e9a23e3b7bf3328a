/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Pieces every burst function of net_ivshmem2 shares. */

#ifndef IVSHMEM2_BURST_H
#define IVSHMEM2_BURST_H

#include <rte_branch_prediction.h>

#include "ivshmem2.h"

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

/*
 * One doorbell for a whole TX burst, and only if the peer's event area asks
 * for one (a polling peer writes DISABLE): an MMIO write traps to the
 * hypervisor. Flavours without a doorbell skip even the check.
 */
static __rte_always_inline void
iv2_tx_kick(struct iv2_txq *q, uint16_t sent)
{
	if (q->notify != NULL && sent != 0 && pring_drv_need_kick(&q->ring)) {
		q->notify(q->dev, q->vector);
		q->doorbells++;
	}
}

#endif /* IVSHMEM2_BURST_H */
