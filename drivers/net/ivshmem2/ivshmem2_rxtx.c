/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Datapath. Each queue pair q uses two packed rings:
 *  - our TX ring q: we are the pring driver end. The frame is copied into
 *    the buffer that belongs to the ring slot the descriptor lands in, in
 *    our own section, and posted with addr = that buffer's offset in our
 *    section. In-order ids mean buffers come back in posting order, so a
 *    fixed buffer per slot needs no allocator.
 *  - the peer's TX ring q: we are the pring device end. Descriptor slots
 *    live in the peer's section, our used slots in ours. Every address is
 *    translated through a table that covers only the peer's packet buffers
 *    of queue q; the batch is completed with one used entry (IN_ORDER).
 *
 * Queues are bound to the rings by the control path; a burst runs only
 * while the control path has the queue's gate open (lib/burst_gate).
 * After a TX burst the peer's doorbell is rung through the flavour's hook
 * when the peer asked for notifications (it never does while it polls).
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_malloc.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>

#include "ivshmem2.h"
#include "ivshmem2_burst.h"
#include "ivshmem2_copy.h"
#include "mbuf_free_bulk.h"

/* ------------------------------------------------------------------ */
/* TX                                                                  */
/* ------------------------------------------------------------------ */

/*
 * Take back at most @p budget completed buffers. A bounded reap keeps the
 * cost of reading the receiver's used entries spread over the bursts: with
 * one-frame batches (ping-pong) an unbounded reap read ring/2 entries, a
 * run of cache-line misses worth 10-40 us, once every ring/2 frames.
 */
static __rte_always_inline void
iv2_tx_reap(struct iv2_txq *q, uint16_t budget)
{
	while (budget != 0) {
		uint16_t want = RTE_MIN(budget, (uint16_t)IV2_BURST);
		/* The buffers are ours and fixed per slot: no cookies to take back. */
		uint16_t got = pring_drv_reap(&q->ring, NULL, NULL, want);

		if (got < want)
			break;
		budget = (uint16_t)(budget - got);
	}
}

/*
 * Copy a frame of @p need buffers (multi-segment mbuf or jumbo) into the
 * buffers @p first, @p first + 1, ... (modulo @p mask + 1) and post it as a
 * chain with @p cookie.
 */
int
iv2_tx_copy_chain(struct iv2_txq *q, const struct rte_mbuf *m, uint32_t first, uint32_t mask,
		  uint16_t need, void *cookie)
{
	struct pring_sg sg[IV2_MAX_CHAIN];
	const uint32_t bsz = 1u << q->buf_shift;
	const struct rte_mbuf *s = m;
	uint32_t off = 0, seg_off = 0;
	uint16_t k = 0;

	sg[0].addr = q->bufs_off + ((uint64_t)(first & mask) << q->buf_shift);
	sg[0].len = 0;
	sg[0].write = 0;
	while (s != NULL) {
		uint32_t n;

		if (off == bsz) {
			if (++k == need)
				return -EINVAL; /* pkt_len disagrees with the segments */
			sg[k].addr = q->bufs_off + ((uint64_t)((first + k) & mask) << q->buf_shift);
			sg[k].len = 0;
			sg[k].write = 0;
			off = 0;
		}
		n = RTE_MIN((uint32_t)s->data_len - seg_off, bsz - off);
		rte_memcpy(q->bufs + (sg[k].addr - q->bufs_off) + off,
			   rte_pktmbuf_mtod_offset(s, uint8_t *, seg_off), n);
		off += n;
		seg_off += n;
		sg[k].len = off;
		if (seg_off == s->data_len) {
			s = s->next;
			seg_off = 0;
		}
	}
	if (k + 1 != need)
		return -EINVAL;
	return pring_drv_post_chain(&q->ring, sg, need, cookie);
}

static uint16_t
eth_iv2_tx(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct iv2_txq *q = queue;
	uint64_t addr[IV2_BURST];
	uint32_t len[IV2_BURST];
	uint64_t bytes = 0;
	uint16_t i, n, sent, nfree, slot, used, lim;
	const uint32_t bmask = (1u << q->buf_shift) - 1;
	const uint32_t max_single = RTE_MIN(bmask + 1, (uint32_t)IV2_MAX_FRAME);
	bool full = false;

	if (unlikely(!burst_gate_enter(&q->gate))) {
		q->drops[IV2_DROP_PEER_DOWN] += nb_pkts;
		rte_pktmbuf_free_bulk(pkts, nb_pkts);
		return nb_pkts;
	}
	nb_pkts = RTE_MIN(nb_pkts, (uint16_t)IV2_BURST);
	/*
	 * Reap only when half the ring is in flight: the used entries sit in
	 * the receiver's section, and reading them every burst would pull that
	 * line back and forth while the receiver is writing it. Twice the
	 * burst per burst is enough to keep up and bounds the stall.
	 */
	if (pring_drv_free_count(&q->ring) < q->reap_below)
		iv2_tx_reap(q, (uint16_t)(2 * nb_pkts));
	/*
	 * A ring the peer broke posts nothing: its frames are dropped, as on a
	 * link that is going down (the control path resets it), not sent.
	 */
	if (unlikely(q->ring.broken)) {
		burst_gate_leave(&q->gate);
		q->drops[IV2_DROP_PEER_DOWN] += nb_pkts;
		rte_pktmbuf_free_bulk(pkts, nb_pkts);
		return nb_pkts;
	}
	nfree = pring_drv_free_count(&q->ring);
	slot = q->ring.avail_idx;

	/*
	 * Fast path: one-segment frames that fit one buffer, while the ring has
	 * room. The loop below takes over at the first other frame.
	 */
	lim = RTE_MIN(nb_pkts, nfree);
	{
		/* Locals: the copies' stores could alias q, which would reload every field. */
		uint8_t *const bufs = q->bufs;
		const uint64_t bufs_off = q->bufs_off;
		const uint16_t mask = q->mask, shift = q->buf_shift;

		for (i = 0; i < lim; i++) {
			struct rte_mbuf *m = pkts[i];
			uint32_t plen = m->pkt_len;
			uint64_t off = (uint64_t)((slot + i) & mask) << shift;

			if (i + 1 < nb_pkts)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
			if (unlikely(plen - 1 >= max_single || m->nb_segs != 1))
				break; /* plen - 1 wraps for an empty frame */
			iv2_copy_frame(bufs + off, rte_pktmbuf_mtod(m, void *), plen);
			addr[i] = bufs_off + off;
			len[i] = plen;
			bytes += plen;
		}
	}
	n = used = sent = i;

	for (; i < nb_pkts; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t plen = m->pkt_len;
		uint16_t need = (uint16_t)((plen + bmask) >> q->buf_shift);

		if (i + 1 < nb_pkts)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (unlikely(plen > IV2_MAX_FRAME || plen == 0)) {
			q->drops[IV2_DROP_OVERSIZE]++;
			continue;
		}
		if (unlikely(used + need > nfree)) {
			full = true;
			break;
		}
		if (likely(need == 1 && m->nb_segs == 1)) {
			uint16_t s = (slot + used) & q->mask;

			rte_memcpy(q->bufs + ((uint64_t)s << q->buf_shift),
				   rte_pktmbuf_mtod(m, void *), plen);
			addr[n] = q->bufs_off + ((uint64_t)s << q->buf_shift);
			len[n] = plen;
			n++;
		} else {
			/* Keep ring order: publish the singles gathered so far first. */
			if (n != 0)
				pring_drv_post(&q->ring, addr, len, NULL, n, false);
			n = 0;
			if (unlikely(iv2_tx_copy_chain(q, m, (uint16_t)(slot + used), q->mask, need,
						       NULL) != 1)) {
				q->drops[IV2_DROP_BAD_DESC]++;
				continue;
			}
		}
		used += need;
		sent++;
		bytes += plen;
	}
	if (n != 0)
		pring_drv_post(&q->ring, addr, len, NULL, n, false);
	iv2_tx_kick(q, sent);
	burst_gate_leave(&q->gate);

	if (full)
		q->drops[IV2_DROP_RING_FULL] += nb_pkts - i;
	q->pkts += sent;
	q->bytes += bytes;
	vm2vm_mbuf_free_bulk(pkts, i);
	return i;
}

/* ------------------------------------------------------------------ */
/* RX, copy                                                            */
/* ------------------------------------------------------------------ */

/* The rearm word: data_off, refcnt, nb_segs, port, in that order from rearm_data. */
_Static_assert(offsetof(struct rte_mbuf, port) - offsetof(struct rte_mbuf, data_off) == 6,
	       "mbuf rearm word layout");

/* Copy a chain into one or more mbufs. @return 0, or -1 when the pool ran dry. */
static int
iv2_rx_copy_chain(struct iv2_rxq *q, struct rte_mbuf *m, const struct pring_seg *seg,
		  uint16_t nseg)
{
	struct rte_mbuf *cur = m;
	uint32_t room = q->mbuf_room, off = 0;
	uint16_t k;

	for (k = 0; k < nseg; k++) {
		const uint8_t *src = seg[k].ptr;
		uint32_t left = seg[k].len;

		while (left != 0) {
			uint32_t n;

			if (off == room) {
				struct rte_mbuf *nm = rte_pktmbuf_alloc(q->mp);

				if (unlikely(nm == NULL))
					return -1;
				cur->next = nm;
				cur = nm;
				m->nb_segs++;
				off = 0;
			}
			n = RTE_MIN(left, room - off);
			rte_memcpy(rte_pktmbuf_mtod_offset(cur, uint8_t *, off), src, n);
			cur->data_len = (uint16_t)(off + n);
			off += n;
			src += n;
			left -= n;
		}
	}
	return 0;
}

/*
 * The general receive path: chains, frames larger than an mbuf, and
 * descriptors the fast path leaves to pring_dev_peek (which also flags the
 * violations). @return frames delivered.
 */
static uint16_t
iv2_rx_general(struct iv2_rxq *q, struct rte_mbuf **pkts, uint16_t nb_pkts, uint64_t *bytes)
{
	uint16_t i, n, got = 0;

	n = pring_dev_peek(&q->ring, q->chains, nb_pkts, q->segs, RTE_DIM(q->segs));
	if (n == 0)
		return 0;
	/* Raw mbufs: free ones already have next = NULL; one store sets the rest. */
	if (unlikely(rte_mempool_get_bulk(q->mp, (void **)pkts, n) != 0)) {
		q->drops[IV2_DROP_NO_MBUF] += n;
		goto complete;
	}
	for (i = 0; i < n; i++) {
		const struct pring_chain *c = &q->chains[i];
		const struct pring_seg *seg = &q->segs[c->seg0];
		struct rte_mbuf *m = pkts[i];

		memcpy(&m->data_off, &q->rearm, sizeof(q->rearm)); /* the rearm_data word */
		m->ol_flags = q->ol_flags;
		m->packet_type = 0;
		if (unlikely(iv2_rx_bad(q, c))) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (likely(c->ndesc == 1 && c->rlen <= q->mbuf_room)) {
			rte_memcpy(rte_pktmbuf_mtod(m, void *), seg->ptr, c->rlen);
			m->data_len = (uint16_t)c->rlen;
		} else if (unlikely(iv2_rx_copy_chain(q, m, seg, c->ndesc) < 0)) {
			q->drops[IV2_DROP_NO_MBUF]++;
			rte_pktmbuf_free(m);
			continue;
		}
		m->pkt_len = c->rlen;
		*bytes += c->rlen;
		pkts[got++] = m;
	}
complete:
	pring_dev_complete_in_order(&q->ring, q->chains, n);
	return got;
}

/*
 * The fast path takes single-descriptor frames that fit one mbuf straight
 * from the ring as (pointer, length) pairs: no chain records to write and
 * read back, and one completion for the batch without walking it.
 */
static uint16_t
eth_iv2_rx(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct iv2_rxq *q = queue;
	void *src[IV2_BURST];
	uint32_t len[IV2_BURST];
	uint16_t i, n, got = 0;
	uint64_t bytes = 0, rearm, olf;
	bool other;

	if (unlikely(!burst_gate_enter(&q->gate)))
		return 0;
	nb_pkts = RTE_MIN(nb_pkts, (uint16_t)IV2_BURST);
	n = pring_dev_peek_flat(&q->ring, src, len, nb_pkts,
				RTE_MIN(q->mbuf_room, (uint32_t)IV2_MAX_FRAME), &other);
	if (n == 0) {
		if (unlikely(other))
			got = iv2_rx_general(q, pkts, nb_pkts, &bytes);
		goto out;
	}
	if (unlikely(rte_mempool_get_bulk(q->mp, (void **)pkts, n) != 0)) {
		q->drops[IV2_DROP_NO_MBUF] += n;
		goto complete;
	}
	rearm = q->rearm; /* locals: the copies' stores could alias q */
	olf = q->ol_flags;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t l = len[i];

		memcpy(&m->data_off, &rearm, sizeof(rearm)); /* the rearm_data word */
		m->ol_flags = olf;
		m->packet_type = 0;
		iv2_copy_frame(rte_pktmbuf_mtod(m, void *), src[i], l);
		m->data_len = (uint16_t)l;
		m->pkt_len = l;
		bytes += l;
	}
	got = n;
complete:
	pring_dev_complete_pending_in_order(&q->ring);
out:
	burst_gate_leave(&q->gate);
	q->pkts += got;
	q->bytes += bytes;
	return got;
}

/* ------------------------------------------------------------------ */
/* Binding queues to rings (control path, queue disabled)              */
/* ------------------------------------------------------------------ */

static struct iv2_queue_events *
iv2_events(const struct pmd_internals *p, const uint8_t *sect, uint16_t q)
{
	return (struct iv2_queue_events *)(iv2_queue_base(p, sect, q) +
					   iv2_q_events_off(p->cfg.ring_size));
}

void
iv2_txq_bind(struct pmd_internals *p, struct iv2_txq *q)
{
	uint16_t ring = p->cfg.ring_size;
	uint8_t *own = iv2_queue_base(p, p->dev.out_own, q->queue_id);
	uint8_t *peer = iv2_queue_base(p, p->dev.out_peer, q->queue_id);
	struct pring_layout l = {
		.avail = (struct pring_desc *)own,
		.used = (struct pring_desc *)(peer + iv2_q_used_off(ring)),
		.drv_event = (struct pring_event *)&iv2_events(p, p->dev.out_own, q->queue_id)->tx_drv_event,
		.dev_event = (struct pring_event *)&iv2_events(p, p->dev.out_peer, q->queue_id)->rx_dev_event,
		.size = ring,
	};

	q->bufs = own + iv2_q_buf_off(ring);
	q->bufs_off = (uint64_t)(q->bufs - p->dev.out_own);
	q->mask = (uint16_t)(ring - 1);
	q->reap_below = (uint16_t)(ring / 2);
	q->buf_shift = (uint16_t)rte_log2_u32(p->cfg.buf_size);
	pring_drv_init(&q->ring, &l, q->slots, true, false);
	if (p->cfg.tx_pool != 0)
		iv2_txq_pool_bind(p, q);
	q->notify = p->dev.ops->doorbell;
	q->dev = &p->dev;
	q->vector = iv2_data_vector(p->dev.nb_vectors, q->queue_id);
	/* We poll: the peer need not notify us of completions. */
	pring_drv_set_event(&q->ring, PRING_EVENT_DISABLE);
	q->bound = 1;
}

void
iv2_txq_unbind(struct iv2_txq *q)
{
	/* Frees the pool mbufs still posted (tx_pool): the peer no longer reads them. */
	if (q->bound)
		iv2_txq_pool_release(q);
	q->bound = 0;
}

void
iv2_rxq_bind(struct pmd_internals *p, struct iv2_rxq *q)
{
	uint16_t ring = p->cfg.ring_size;
	uint8_t *own = iv2_queue_base(p, p->dev.out_own, q->queue_id);
	uint8_t *peer = iv2_queue_base(p, p->dev.out_peer, q->queue_id);
	struct pring_layout l = {
		.avail = (struct pring_desc *)peer,
		.used = (struct pring_desc *)(own + iv2_q_used_off(ring)),
		.drv_event = (struct pring_event *)&iv2_events(p, p->dev.out_peer, q->queue_id)->tx_drv_event,
		.dev_event = (struct pring_event *)&iv2_events(p, p->dev.out_own, q->queue_id)->rx_dev_event,
		.size = ring,
	};

	/* Only the peer's packet buffers of this queue are valid descriptor targets. */
	q->xlate.nr = 1;
	q->xlate.region[0].addr = (uint64_t)(peer + iv2_q_buf_off(ring) - p->dev.out_peer);
	q->xlate.region[0].len = (uint64_t)ring * p->cfg.buf_size;
	q->xlate.region[0].local = peer + iv2_q_buf_off(ring);
	pring_dev_init(&q->ring, &l, &q->xlate, 0, true, false);
	pring_dev_set_event(&q->ring, PRING_EVENT_DISABLE);
	if (p->cfg.zero_copy && iv2_rxq_zc_init(q) < 0) {
		/* Stays unbound, so never enabled: the peer sees a queue that does not drain. */
		IV2_LOG(ERR, "port %u rxq %u: no memory for zero-copy state", q->port_id, q->queue_id);
		return;
	}
	q->bound = 1;
}

void
iv2_rxq_unbind(struct iv2_rxq *q)
{
	if (q->bound)
		pring_dev_reset(&q->ring);
	/* Zero-copy mbufs still out keep their slots; the block is retired, not reused. */
	iv2_rxq_zc_retire(q);
	q->bound = 0;
}

void
iv2_select_burst(struct rte_eth_dev *dev)
{
	struct pmd_internals *p = dev->data->dev_private;

	dev->rx_pkt_burst = p->cfg.zero_copy ? iv2_rx_zc_burst : eth_iv2_rx;
	dev->tx_pkt_burst = p->cfg.tx_pool != 0 ? iv2_tx_pool_burst : eth_iv2_tx;
}
