/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Zero-copy RX: the mbufs handed to the application carry external buffers
 * that point straight into the peer's packet buffers. A chain is completed
 * (its buffers go back to the peer) only once the application has freed
 * every mbuf of it and of all older chains, so the peer never reuses a
 * buffer we still show. The peer can still write into it: see the guide.
 *
 * Per ring slot, a block holds the shared info the mbufs point at and a
 * "released" byte. The free callback, which may run on any lcore, only
 * stores that byte: no atomic read-modify-write per packet. When the ring
 * is reset while mbufs are still out, the block is retired rather than
 * reused (a new one serves the new session) and the control path frees it
 * once every slot is released.
 */

#include <string.h>

#include <rte_malloc.h>
#include <rte_memcpy.h>

#include "ivshmem2.h"
#include "ivshmem2_burst.h"
#include "ivshmem2_copy.h"

/*
 * Frames up to this size are copied even in zero-copy mode: attaching,
 * freeing and completing an external buffer costs more than copying them.
 * Their slot stays released, so they complete with the next batch.
 */
#define IV2_ZC_COPY_MAX 256

struct iv2_zc_block {
	struct iv2_zc_block *next;   /**< retired list */
	uint32_t size;
	uint8_t *released;           /**< per slot: 1 unless mbufs are out */
	struct rte_mbuf_ext_shared_info shinfo[]; /**< per slot */
};

static void
iv2_zc_free_cb(void *addr, void *opaque)
{
	RTE_SET_USED(addr);
	/* The last access to the block: it may be freed right after. */
	__atomic_store_n((uint8_t *)opaque, 1, __ATOMIC_RELEASE);
}

static bool
iv2_zc_all_released(const struct iv2_zc_block *blk)
{
	uint32_t i;

	for (i = 0; i < blk->size; i++)
		if (__atomic_load_n(&blk->released[i], __ATOMIC_ACQUIRE) == 0)
			return false;
	return true;
}

/* Control path: free retired blocks nobody points into any more. */
void
iv2_rxq_zc_reap(struct iv2_rxq *q)
{
	struct iv2_zc_block **pp = &q->zc_retired;

	while (*pp != NULL) {
		struct iv2_zc_block *b = *pp;

		if (iv2_zc_all_released(b)) {
			*pp = b->next;
			rte_free(b);
		} else {
			pp = &b->next;
		}
	}
}

/* Control path, queue unbound: stop using the current block. */
void
iv2_rxq_zc_retire(struct iv2_rxq *q)
{
	if (q->zc != NULL) {
		q->zc->next = q->zc_retired;
		q->zc_retired = q->zc;
		q->zc = NULL;
	}
	q->zc_pending = 0;
	iv2_rxq_zc_reap(q);
}

/* Control path: a fresh block for a new ring session. */
int
iv2_rxq_zc_init(struct iv2_rxq *q)
{
	uint32_t size = q->ring.l.size, i;
	struct iv2_zc_block *blk;
	size_t sz = sizeof(*blk) + size * (sizeof(blk->shinfo[0]) + 1);

	iv2_rxq_zc_retire(q);
	blk = rte_zmalloc_socket("iv2_zc", sz, RTE_CACHE_LINE_SIZE, SOCKET_ID_ANY);
	if (blk == NULL)
		return -ENOMEM;
	blk->size = size;
	blk->released = (uint8_t *)&blk->shinfo[size];
	memset(blk->released, 1, size);
	for (i = 0; i < size; i++) {
		blk->shinfo[i].free_cb = iv2_zc_free_cb;
		blk->shinfo[i].fcb_opaque = &blk->released[i];
	}
	q->zc = blk;
	q->zc_head = 0;
	q->zc_pending = 0;
	return 0;
}

/* Queue release: whatever is still referenced by mbufs stays allocated. */
void
iv2_rxq_zc_fini(struct iv2_rxq *q)
{
	iv2_rxq_zc_retire(q);
	if (q->zc_retired != NULL)
		IV2_LOG(WARNING, "port %u rxq %u: zero-copy mbufs still held by the application;"
			" their bookkeeping is kept", q->port_id, q->queue_id);
}

/*
 * Complete, in order, the chains whose mbufs the application has freed:
 * one used entry for the run, from the ids and lengths kept at peek.
 */
static __rte_always_inline void
iv2_zc_complete(struct iv2_rxq *q, struct iv2_zc_block *blk)
{
	const struct pring_chain *ch = q->zc_chain;
	uint16_t k = 0, s = q->zc_head, last = 0, mask = (uint16_t)(blk->size - 1);
	const uint16_t pending = q->zc_pending;
	uint32_t ndesc = 0;

	while (k < pending && __atomic_load_n(&blk->released[s], __ATOMIC_ACQUIRE) != 0) {
		last = ch[s].id;
		ndesc += ch[s].ndesc;
		s = (uint16_t)((s + ch[s].ndesc) & mask);
		k++;
	}
	if (k == 0)
		return;
	pring_dev_complete_run_in_order(&q->ring, k, ndesc, last);
	q->zc_head = s;
	q->zc_pending = (uint16_t)(pending - k);
}

/*
 * Chains, and whatever pring_dev_peek_flat leaves (it flags the violations):
 * each frame's descriptors carry one mbuf each. @return frames delivered.
 */
static uint16_t
iv2_rx_zc_general(struct iv2_rxq *q, struct iv2_zc_block *blk, struct rte_mbuf **pkts,
		  uint16_t nb_pkts, uint64_t *bytes)
{
	uint16_t i, n, got = 0, slot, mask = (uint16_t)(blk->size - 1);
	uint32_t nseg = 0, mb = 0;
	bool have_mbufs;

	slot = q->ring.avail_idx;
	n = pring_dev_peek(&q->ring, q->chains, nb_pkts, q->segs, RTE_DIM(q->segs));
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		nseg += q->chains[i].ndesc;
	/* Raw mbufs (free ones have next = NULL); every field we rely on is set below. */
	have_mbufs = rte_mempool_get_bulk(q->mp, (void **)q->zc_mbufs, nseg) == 0;
	if (unlikely(!have_mbufs))
		q->drops[IV2_DROP_NO_MBUF] += n;
	for (i = 0; i < n; i++) {
		const struct pring_chain *c = &q->chains[i];
		const struct pring_seg *seg = &q->segs[c->seg0];
		struct rte_mbuf_ext_shared_info *sh = &blk->shinfo[slot];
		struct rte_mbuf *m, *prev = NULL;
		uint16_t k;

		q->zc_chain[slot] = *c;
		if (unlikely(!have_mbufs || iv2_rx_bad(q, c))) {
			/* Dropped: released at once, it completes with the next batch. */
			if (have_mbufs)
				rte_mempool_put_bulk(q->mp, (void **)&q->zc_mbufs[mb], c->ndesc);
			mb += c->ndesc;
			slot = (uint16_t)((slot + c->ndesc) & mask);
			continue;
		}
		m = q->zc_mbufs[mb];
		if (c->ndesc == 1 && c->rlen <= IV2_ZC_COPY_MAX && c->rlen <= q->mbuf_room) {
			/* Small frame: a copy costs less than an external buffer (if it fits). */
			memcpy(&m->data_off, &q->rearm, sizeof(q->rearm));
			m->ol_flags = q->ol_flags;
			m->packet_type = 0;
			rte_memcpy(rte_pktmbuf_mtod(m, void *), seg->ptr, c->rlen);
			m->data_len = (uint16_t)c->rlen;
			m->pkt_len = c->rlen;
			mb++;
			slot = (uint16_t)((slot + 1) & mask);
			*bytes += c->rlen;
			pkts[got++] = m;
			continue;
		}
		blk->released[slot] = 0;
		rte_mbuf_ext_refcnt_set(sh, c->ndesc);
		for (k = 0; k < c->ndesc; k++) {
			struct rte_mbuf *sm = q->zc_mbufs[mb + k];

			/* What rte_pktmbuf_reset() + rte_pktmbuf_attach_extbuf() would leave. */
			memcpy(&sm->data_off, &q->rearm_zc, sizeof(q->rearm_zc));
			sm->ol_flags = RTE_MBUF_F_EXTERNAL;
			sm->packet_type = 0;
			sm->buf_addr = seg[k].ptr;
			rte_mbuf_iova_set(sm, RTE_BAD_IOVA);
			sm->buf_len = (uint16_t)seg[k].len;
			sm->data_len = (uint16_t)seg[k].len;
			sm->shinfo = sh;
			if (prev != NULL)
				prev->next = sm;
			prev = sm;
		}
		mb += c->ndesc;
		slot = (uint16_t)((slot + c->ndesc) & mask);
		m->nb_segs = c->ndesc;
		m->pkt_len = c->rlen;
		*bytes += c->rlen;
		pkts[got++] = m;
	}
	q->zc_pending += n;
	return got;
}

/*
 * The common case, single-descriptor frames, straight from the ring as
 * (pointer, length, id): no chain or segment records to write and read
 * back. A batch that was all copied, with nothing older still out, is
 * completed at once; otherwise each slot keeps only the id and descriptor
 * count its completion needs.
 */
uint16_t
iv2_rx_zc_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct iv2_rxq *q = queue;
	struct iv2_zc_block *blk;
	struct pring_chain *ch;
	void *src[IV2_BURST];
	uint32_t len[IV2_BURST];
	uint16_t id[IV2_BURST];
	uint16_t i, n, got = 0, slot, mask, ext = 0;
	uint64_t bytes = 0, rearm, rearm_zc, olf;
	uint32_t copy_max;
	bool other;

	if (unlikely(!burst_gate_enter(&q->gate)))
		return 0;
	blk = q->zc;
	mask = (uint16_t)(blk->size - 1);
	if (q->zc_pending != 0)
		iv2_zc_complete(q, blk);
	nb_pkts = RTE_MIN(nb_pkts, (uint16_t)IV2_BURST);
	slot = q->ring.avail_idx;
	n = pring_dev_peek_flat_id(&q->ring, src, len, id, nb_pkts, IV2_MAX_FRAME, &other);
	if (n == 0) {
		if (unlikely(other))
			got = iv2_rx_zc_general(q, blk, pkts, nb_pkts, &bytes);
		goto out;
	}
	ch = q->zc_chain;
	if (unlikely(rte_mempool_get_bulk(q->mp, (void **)pkts, n) != 0)) {
		/* Dropped: their slots stay released, they complete with the next batch. */
		q->drops[IV2_DROP_NO_MBUF] += n;
		for (i = 0; i < n; i++) {
			ch[(slot + i) & mask].id = id[i];
			ch[(slot + i) & mask].ndesc = 1;
		}
		q->zc_pending = (uint16_t)(q->zc_pending + n);
		goto out;
	}
	/* Locals: the stores into mbufs could alias q, which would reload every field. */
	rearm = q->rearm;
	rearm_zc = q->rearm_zc;
	olf = q->ol_flags;
	copy_max = RTE_MIN(q->mbuf_room, (uint32_t)IV2_ZC_COPY_MAX);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint16_t s = (uint16_t)((slot + i) & mask);
		const uint32_t l = len[i];

		if (l <= copy_max) {
			/* Small frame: a copy costs less than an external buffer. */
			memcpy(&m->data_off, &rearm, sizeof(rearm)); /* the rearm_data word */
			m->ol_flags = olf;
			iv2_copy_frame(rte_pktmbuf_mtod(m, void *), src[i], l);
		} else {
			struct rte_mbuf_ext_shared_info *sh = &blk->shinfo[s];

			blk->released[s] = 0;
			rte_mbuf_ext_refcnt_set(sh, 1);
			/* What rte_pktmbuf_reset() + rte_pktmbuf_attach_extbuf() would leave. */
			ext++;
			memcpy(&m->data_off, &rearm_zc, sizeof(rearm_zc));
			m->ol_flags = RTE_MBUF_F_EXTERNAL;
			m->buf_addr = src[i];
			rte_mbuf_iova_set(m, RTE_BAD_IOVA);
			m->buf_len = (uint16_t)l; /* l <= IV2_MAX_FRAME */
			m->shinfo = sh;
		}
		m->packet_type = 0;
		m->data_len = (uint16_t)l;
		m->pkt_len = l;
		bytes += l;
	}
	if (ext == 0 && q->zc_pending == 0) {
		/* All copied and nothing older out: complete the batch now, as copy RX does. */
		pring_dev_complete_pending_in_order(&q->ring);
		q->zc_head = (uint16_t)((slot + n) & mask);
	} else {
		/* Each slot keeps the id and descriptor count its completion needs. */
		for (i = 0; i < n; i++) {
			ch[(slot + i) & mask].id = id[i];
			ch[(slot + i) & mask].ndesc = 1;
		}
		q->zc_pending = (uint16_t)(q->zc_pending + n);
	}
	got = n;
out:
	burst_gate_leave(&q->gate);
	q->pkts += got;
	q->bytes += bytes;
	return got;
}
