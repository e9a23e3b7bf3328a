/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */
#ifndef VM2VM_MBUF_FREE_BULK_H
#define VM2VM_MBUF_FREE_BULK_H

/*
 * rte_pktmbuf_free_bulk() for what applications usually send: direct,
 * unshared, one-segment mbufs of one pool. For those, freeing changes
 * nothing in the mbuf (refcnt 1, next NULL and nb_segs 1 are already the
 * pool's invariants), so they go back with one mempool put. The test is
 * branch-free over the burst; anything else takes DPDK's path, which
 * handles every case.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

static __rte_always_inline void
vm2vm_mbuf_free_bulk(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mempool *mp;
	uint64_t odd = 0;
	uint16_t i;

	if (n == 0)
		return;
	mp = pkts[0]->pool;
	for (i = 0; i < n; i++) {
		const struct rte_mbuf *m = pkts[i];

		odd |= (m->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)) |
		       (uintptr_t)m->next | ((uintptr_t)m->pool ^ (uintptr_t)mp) |
		       (uint16_t)(m->nb_segs ^ 1) | (uint16_t)(rte_mbuf_refcnt_read(m) ^ 1);
	}
	if (likely(odd == 0))
		rte_mempool_put_bulk(mp, (void *const *)pkts, n);
	else
		rte_pktmbuf_free_bulk(pkts, n);
}

#endif /* VM2VM_MBUF_FREE_BULK_H */
