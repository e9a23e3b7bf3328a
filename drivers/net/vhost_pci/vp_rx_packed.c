/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Packed-ring receive: whole batches (vp_batch_take) copied straight
 * into one-segment mbufs, the rest through the general chain path
 * (vp_rx_chains) up to the next batch boundary, so one unaligned or
 * unusual descriptor costs the batch path only the batch it sits in.
 */

#include <rte_branch_prediction.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>

#include "vp_ring.h"
#include "vp_batch.h"

/*
 * Complete @p nt taken items, the oldest buffers peeked. In order (the
 * usual front-end) one used entry names the last of them, written straight
 * from the items; otherwise one entry each, through chains.
 */
static void
batch_complete(struct vp_queue *q, const struct vp_batch_item *it, uint16_t nt)
{
	struct pring_chain done[VP_BURST];
	uint16_t i;

	if (likely(q->in_order)) {
		pring_dev_complete_flat_in_order(&q->r.packed, nt, it[nt - 1].id);
		return;
	}
	for (i = 0; i < nt; i++) {
		done[i].id = it[i].id;
		done[i].ndesc = 1;
		done[i].wlen = 0;
	}
	vp_ring_complete(q, done, nt, NULL);
}

/*
 * A fresh mbuf @p m holding one @p flen-byte segment at @p data_off: what
 * rte_pktmbuf_reset() would set, with the packet's own lengths and port
 * written once instead of reset first. next, nb_segs and refcnt are not
 * written: a pool keeps them NULL, 1 and 1 in every free mbuf.
 */
static __rte_always_inline void
mbuf_init(struct rte_mbuf *m, uint16_t data_off, uint16_t port, uint32_t flen)
{
	m->data_off = data_off;
	m->port = port;
	m->ol_flags &= RTE_MBUF_F_EXTERNAL;
	m->packet_type = 0;
	m->pkt_len = flen;
	m->data_len = (uint16_t)flen;
	m->vlan_tci = 0;
	m->vlan_tci_outer = 0;
	m->tx_offload = 0;
}

/*
 * Copy the taken items into fresh mbufs and complete them. @p data_off:
 * the pool's headroom, what rte_pktmbuf_reset() gives its mbufs.
 * @return mbufs written to @p pkts.
 */
static uint16_t
batch_to_mbufs(struct vp_queue *q, const struct vp_batch_item *it, uint16_t nt,
	       struct rte_mbuf **pkts, uint16_t data_off)
{
	const uint16_t port = q->port_id; /* a local: the mbuf stores below cannot change it */
	uint64_t bytes = 0;
	uint16_t i;

	/* raw: mbuf_init() below sets every field rte_pktmbuf_alloc_bulk() would */
	if (unlikely(rte_mempool_get_bulk(q->mb_pool, (void **)pkts, nt) != 0)) {
		/* taken buffers must be completed: the packets are lost */
		q->drop[VP_DROP_NOMBUF] += nt;
		batch_complete(q, it, nt);
		return 0;
	}
	/* the frames are on their way in: vp_batch_take() prefetched each batch it took */
	for (i = 0; i < nt; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t flen = it[i].len - VP_HDR_LEN;

		mbuf_init(m, data_off, port, flen);
		rte_memcpy(rte_pktmbuf_mtod(m, void *), it[i].ptr + VP_HDR_LEN, flen);
		bytes += flen;
	}
	batch_complete(q, it, nt);
	q->pkts += nt;
	q->bytes += bytes;
	return nt;
}

uint16_t
vp_rx_packed(struct vp_queue *q, struct rte_mbuf **pkts, uint16_t n, uint16_t *nbp)
{
	struct vp_batch_item it[VP_BURST];
	/* What one mbuf holds, and what the port accepts: larger frames take the chain path. */
	uint32_t data_room = rte_pktmbuf_data_room_size(q->mb_pool);
	/* a pool smaller than the headroom gets mbufs without tailroom: nothing qualifies */
	uint32_t room = data_room > RTE_PKTMBUF_HEADROOM ? data_room - RTE_PKTMBUF_HEADROOM : 0;
	uint32_t max_len = VP_HDR_LEN + RTE_MIN(room, q->max_frame);
	/* rte_pktmbuf_reset_headroom()'s: every mbuf of a pool has the pool's data room */
	uint16_t data_off = (uint16_t)RTE_MIN((uint32_t)RTE_PKTMBUF_HEADROOM, data_room);
	uint16_t nb = *nbp, taken = 0, nt, gap;

	/* taken bounds the loop: every buffer taken, packet or drop, fills a slot of pkts at most */
	n = RTE_MIN(n, VP_BURST);
	while (taken < n) {
		nt = vp_batch_take(&q->r.packed, it, (uint16_t)(n - taken), VP_HDR_LEN + 1,
				   max_len, false);
		if (nt != 0) {
			nb += batch_to_mbufs(q, it, nt, &pkts[nb], data_off);
			taken += nt;
			if (taken >= n)
				break;
		}
		/* Not a whole batch here: the general path, up to the next batch boundary. */
		gap = (uint16_t)(VP_BATCH - (q->r.packed.avail_idx & (VP_BATCH - 1)));
		nt = vp_rx_chains(q, &pkts[nb], RTE_MIN((uint16_t)(n - taken), gap), &nb);
		if (nt == 0)
			break;
		taken += nt;
	}
	*nbp = nb;
	return taken;
}
