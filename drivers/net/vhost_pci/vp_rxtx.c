/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Datapath. rx: the front-end's tx chains are copied into our mbufs.
 * tx: our mbufs are copied into buffers the front-end posted on its rx ring,
 * with a virtio-net header, spread over several buffers when MRG_RXBUF was
 * negotiated. Copies both ways: the front-end owns its memory and may change
 * it under us, so nothing of it is handed to the application.
 */

#include <rte_branch_prediction.h>
#include <rte_io.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>

#include "mbuf_free_bulk.h"
#include "vp_batch.h"
#include "vp_ring.h"

#define VP_RX_SEGS 256

/* struct virtio_net_hdr_mrg_rxbuf; we offer no offloads, so only num_buffers is set. */
struct vp_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct vp_net_hdr) == VP_HDR_LEN, "virtio-net header is 12 bytes");

/*
 * Used-buffer notification, only when the front-end gave a call fd and asks
 * for it. The call fd is the front-end's: vp_call_signal() never blocks on it.
 */
static inline void
vp_notify(struct vp_queue *q)
{
	if ((q->call_fd >= 0 || q->doorbell != NULL) && vp_ring_need_call(q)) {
		if (q->doorbell != NULL) {
			/* the used entries must be visible before the device signals the front-end */
			rte_io_wmb();
			*q->doorbell = q->vring;
			q->calls++;
		} else if (vp_call_signal(&q->call, q->call_fd)) {
			q->calls++;
		}
	}
}

/* ---------------------------------------------------------------- rx */

/* Copy the readable part of @p c, minus the virtio-net header, into @p m (chaining more mbufs). */
static int
chain_to_mbuf(struct vp_queue *q, const struct pring_chain *c, const struct pring_seg *segs,
	      struct rte_mbuf *m)
{
	struct rte_mbuf *cur = m, *nm;
	uint32_t skip = VP_HDR_LEN, i, room;

	if (unlikely(c->rlen < VP_HDR_LEN)) {
		q->drop[VP_DROP_SHORT]++;
		return -1;
	}
	/* Bounded before any copy: the front-end's chain may claim gigabytes. */
	if (unlikely(c->rlen - VP_HDR_LEN > q->max_frame)) {
		q->drop[VP_DROP_OVERSIZE]++;
		return -1;
	}
	room = rte_pktmbuf_tailroom(cur);
	for (i = 0; i < c->ndesc; i++) {
		const struct pring_seg *s = &segs[c->seg0 + i];
		const uint8_t *src = s->ptr;
		uint32_t len = s->len, k;

		if (s->write)
			continue;
		if (skip) {
			k = RTE_MIN(skip, len);
			src += k;
			len -= k;
			skip -= k;
		}
		while (len) {
			if (unlikely(room == 0)) {
				nm = rte_pktmbuf_alloc(q->mb_pool);
				if (nm == NULL) {
					q->drop[VP_DROP_NOMBUF]++;
					return -1;
				}
				cur->next = nm;
				cur = nm;
				m->nb_segs++;
				room = rte_pktmbuf_tailroom(cur);
				/* A pool without data room, or more segments than nb_segs holds. */
				if (unlikely(room == 0 || m->nb_segs == RTE_MBUF_MAX_NB_SEGS)) {
					q->drop[VP_DROP_OVERSIZE]++;
					return -1;
				}
			}
			k = RTE_MIN(len, room);
			rte_memcpy(rte_pktmbuf_mtod_offset(cur, uint8_t *, cur->data_len), src, k);
			cur->data_len = (uint16_t)(cur->data_len + k);
			room -= k;
			src += k;
			len -= k;
		}
	}
	m->pkt_len = c->rlen - VP_HDR_LEN;
	m->port = q->port_id;
	return 0;
}

/*
 * Peek up to @p n chains and copy them into mbufs appended at pkts[*nb].
 * @return chains peeked (and completed), whether or not they became packets.
 */
uint16_t
vp_rx_chains(struct vp_queue *q, struct rte_mbuf **pkts, uint16_t n, uint16_t *nb)
{
	struct pring_chain chains[VP_BURST];
	struct pring_seg segs[VP_RX_SEGS];
	struct rte_mbuf *mb[VP_BURST];
	uint16_t nc, i, got = 0;
	uint64_t bytes = 0;

	nc = vp_ring_peek(q, chains, RTE_MIN(n, VP_BURST), segs, VP_RX_SEGS);
	if (nc == 0)
		return 0;
	if (unlikely(rte_pktmbuf_alloc_bulk(q->mb_pool, mb, nc) != 0)) {
		/* peeked chains must be completed: the packets are lost */
		q->drop[VP_DROP_NOMBUF] += nc;
		vp_ring_complete(q, chains, nc, NULL);
		return nc;
	}
	/*
	 * The front-end wrote these frames on another core: start pulling
	 * every frame's first lines in before copying any of them.
	 */
	for (i = 0; i < nc; i++) {
		const struct pring_seg *s = &segs[chains[i].seg0];

		rte_prefetch0(s->ptr);
		rte_prefetch0((const uint8_t *)s->ptr + RTE_CACHE_LINE_SIZE);
		if (chains[i].ndesc > 1)
			rte_prefetch0(s[1].ptr);
	}
	for (i = 0; i < nc; i++) {
		if (likely(chain_to_mbuf(q, &chains[i], segs, mb[i]) == 0)) {
			bytes += mb[i]->pkt_len;
			pkts[got++] = mb[i];
		} else {
			rte_pktmbuf_free(mb[i]);
		}
	}
	vp_ring_complete(q, chains, nc, NULL);
	q->pkts += got;
	q->bytes += bytes;
	*nb = (uint16_t)(*nb + got);
	return nc;
}

uint16_t
vp_rx_burst(void *qp, struct rte_mbuf **pkts, uint16_t n)
{
	struct vp_queue *q = qp;
	uint16_t nb = 0, taken;

	if (unlikely(!burst_gate_enter(&q->gate)))
		return 0;
	if (unlikely(!q->running))
		goto out;
	if (q->packed)
		taken = vp_rx_packed(q, pkts, n, &nb);
	else
		taken = vp_rx_chains(q, pkts, n, &nb);
	if (taken)
		vp_notify(q);
out:
	burst_gate_leave(&q->gate);
	return nb;
}

/* ---------------------------------------------------------------- tx */

/* Complete the stash's consumed chains and move the unconsumed ones to the front. */
static void
stash_retire(struct vp_queue *q)
{
	uint16_t used = q->st_used, left = (uint16_t)(q->st_nr - used), i;
	uint32_t seg_start;

	if (used == 0)
		return;
	vp_ring_complete(q, q->st_chain, used, q->st_written);
	if (left) {
		seg_start = q->st_chain[used].seg0;
		memmove(q->st_seg, &q->st_seg[seg_start], (q->st_segs - seg_start) * sizeof(q->st_seg[0]));
		memmove(q->st_chain, &q->st_chain[used], left * sizeof(q->st_chain[0]));
		for (i = 0; i < left; i++)
			q->st_chain[i].seg0 -= seg_start;
		q->st_segs -= seg_start;
	} else {
		q->st_segs = 0;
	}
	q->st_nr = left;
	q->st_used = 0;
}

/*
 * Peek up to @p want more chains into the stash. Taking no more than the
 * burst needs keeps the stash nearly empty between bursts, so retiring it
 * rarely has anything to move. @return chains added.
 */
static uint16_t
stash_refill(struct vp_queue *q, uint16_t want)
{
	uint16_t room, got, i;
	uint32_t seg_room;

	stash_retire(q);
	room = (uint16_t)RTE_MIN(VP_STASH - q->st_nr, RTE_MAX(want, 1));
	seg_room = VP_STASH_SEGS - q->st_segs;
	/* Leave room for a whole chain so a long one is never mistaken for a violation. */
	if (room == 0 || seg_room < VP_MAX_CHAIN)
		return 0;
	got = vp_tx_peek(q, &q->st_chain[q->st_nr], room, &q->st_seg[q->st_segs], seg_room);
	for (i = 0; i < got; i++) {
		struct pring_chain *c = &q->st_chain[q->st_nr + i];

		c->seg0 += q->st_segs;
	}
	if (got) {
		struct pring_chain *last = &q->st_chain[q->st_nr + got - 1];

		q->st_segs = last->seg0 + last->ndesc;
		/* We are about to write into these buffers: fetch them for ownership now. */
		for (i = 0; i < got; i++)
			rte_prefetch0_write(q->st_seg[q->st_chain[q->st_nr + i].seg0].ptr);
	}
	q->st_nr = (uint16_t)(q->st_nr + got);
	return got;
}

void
vp_tx_stash_flush(struct vp_queue *q)
{
	if (!q->running)
		return;
	stash_retire(q);
	/* Buffers we took but never filled go back empty. */
	if (q->st_nr)
		vp_ring_complete(q, q->st_chain, q->st_nr, NULL);
	q->st_nr = 0;
	q->st_segs = 0;
}

/* Bytes still to copy: the header first, then the mbuf chain. */
struct vp_src {
	const uint8_t *hdr;
	uint32_t hdr_left;
	const struct rte_mbuf *m;
	uint32_t moff;
};

/* Copy up to @p want bytes from @p src into the writable segments of @p c. @return bytes copied. */
static uint32_t
fill_chain(struct vp_queue *q, const struct pring_chain *c, struct vp_src *src, uint32_t want)
{
	uint32_t done = 0, i;

	for (i = 0; i < c->ndesc && done < want; i++) {
		const struct pring_seg *s = &q->st_seg[c->seg0 + i];
		uint8_t *dst = s->ptr;
		uint32_t room = s->len, k;

		if (!s->write)
			continue;
		while (room && done < want) {
			if (src->hdr_left) {
				k = RTE_MIN(RTE_MIN(src->hdr_left, room), want - done);
				memcpy(dst, src->hdr, k);
				src->hdr += k;
				src->hdr_left -= k;
			} else {
				while (src->moff == src->m->data_len) {
					src->m = src->m->next;
					src->moff = 0;
				}
				k = RTE_MIN(RTE_MIN(src->m->data_len - src->moff, room), want - done);
				rte_memcpy(dst, rte_pktmbuf_mtod_offset(src->m, const uint8_t *, src->moff), k);
				src->moff += k;
			}
			dst += k;
			room -= k;
			done += k;
		}
	}
	return done;
}

enum place_result { PLACED, NO_BUFFER, TOO_BIG };

/* Chains needed from st_used on for @p need bytes, peeking more if needed; 0 if they are not there. */
static uint16_t
chains_for(struct vp_queue *q, uint32_t need, uint16_t want, bool *full)
{
	uint64_t have = 0;
	uint16_t k = 0;

	*full = false;
	for (;;) {
		while (q->st_used + k < q->st_nr) {
			have += q->st_chain[q->st_used + k].wlen;
			k++;
			if (have >= need)
				return k;
			if (!q->mrg_rxbuf)
				return 0; /* one buffer per packet and this one is too small */
		}
		if (stash_refill(q, want) == 0) {
			*full = q->st_nr == VP_STASH || VP_STASH_SEGS - q->st_segs < VP_MAX_CHAIN;
			return 0;
		}
	}
}

/* @p want: packets left in the burst, a hint for how many buffers to take. */
static enum place_result
place(struct vp_queue *q, struct rte_mbuf *m, uint16_t want)
{
	struct vp_net_hdr hdr = { 0 };
	struct vp_src src;
	uint32_t need = m->pkt_len + VP_HDR_LEN, left = need;
	uint16_t k, j;
	bool full;

	k = chains_for(q, need, want, &full);
	/* the copy below is data_len bytes, checked as pkt_len: only when they agree */
	if (likely(k == 1 && m->nb_segs == 1 && m->data_len == m->pkt_len)) {
		/* Common case: one mbuf into one buffer whose first segment holds it all. */
		const struct pring_chain *c = &q->st_chain[q->st_used];
		const struct pring_seg *sg = &q->st_seg[c->seg0];

		if (likely(sg->write && sg->len >= need)) {
			hdr.num_buffers = 1;
			memcpy(sg->ptr, &hdr, VP_HDR_LEN);
			rte_memcpy((uint8_t *)sg->ptr + VP_HDR_LEN, rte_pktmbuf_mtod(m, const void *),
				   m->data_len);
			q->st_written[q->st_used] = need;
			q->st_used++;
			return PLACED;
		}
	}
	if (k == 0) {
		/* Non-mergeable: the next buffer is too small. Mergeable: even a full stash is. */
		if (q->st_used < q->st_nr && (!q->mrg_rxbuf || (full && q->st_used == 0)))
			return TOO_BIG;
		return NO_BUFFER;
	}
	hdr.num_buffers = k;
	src.hdr = (const uint8_t *)&hdr;
	src.hdr_left = VP_HDR_LEN;
	src.m = m;
	src.moff = 0;
	for (j = 0; j < k; j++) {
		uint32_t w = fill_chain(q, &q->st_chain[q->st_used + j], &src, left);

		q->st_written[q->st_used + j] = w;
		left -= w;
	}
	q->st_used = (uint16_t)(q->st_used + k);
	return PLACED;
}

/* One-segment mbuf @p m, with its header, at @p dst: a buffer checked to hold it in its first segment. */
static __rte_always_inline void
place_one(const struct rte_mbuf *m, uint8_t *dst)
{
	static const struct vp_net_hdr one = { .num_buffers = 1 };

	memcpy(dst, &one, VP_HDR_LEN);
	rte_memcpy(dst + VP_HDR_LEN, rte_pktmbuf_mtod(m, const void *), m->data_len);
}

/*
 * place()'s common case four packets at a time: four one-segment mbufs into
 * the next four stashed buffers, each of which holds its packet in its first
 * segment, writable. The checks are place()'s, decided for the four at
 * once; if any fails nothing is placed and place() takes them one by one.
 * @return whether they were placed; their frame bytes are added to @p bytes.
 */
static inline bool
place4(struct vp_queue *q, struct rte_mbuf *const *m, uint64_t *bytes)
{
	const uint16_t u = q->st_used;
	const struct pring_chain *c = &q->st_chain[u];
	const struct pring_seg *s0 = &q->st_seg[c[0].seg0], *s1 = &q->st_seg[c[1].seg0],
			       *s2 = &q->st_seg[c[2].seg0], *s3 = &q->st_seg[c[3].seg0];
	/* data_len: what place_one() copies, so what must fit (pkt_len is the same in a sane mbuf) */
	const uint32_t n0 = m[0]->data_len + VP_HDR_LEN, n1 = m[1]->data_len + VP_HDR_LEN,
		       n2 = m[2]->data_len + VP_HDR_LEN, n3 = m[3]->data_len + VP_HDR_LEN;
	unsigned int bad;

	bad = (m[0]->nb_segs != 1) | (m[1]->nb_segs != 1) | (m[2]->nb_segs != 1) |
	      (m[3]->nb_segs != 1) |
	      !s0->write | !s1->write | !s2->write | !s3->write |
	      (s0->len < n0) | (s1->len < n1) | (s2->len < n2) | (s3->len < n3);
	if (bad)
		return false;
	place_one(m[0], s0->ptr);
	place_one(m[1], s1->ptr);
	place_one(m[2], s2->ptr);
	place_one(m[3], s3->ptr);
	q->st_written[u] = n0;
	q->st_written[u + 1] = n1;
	q->st_written[u + 2] = n2;
	q->st_written[u + 3] = n3;
	q->st_used = (uint16_t)(u + 4);
	*bytes += (uint64_t)n0 + n1 + n2 + n3 - 4 * VP_HDR_LEN;
	return true;
}

/*
 * place4() for buffers just taken as batch items (vp_batch_take checked
 * them writable, one descriptor each, inside the region): the same checks
 * on the packets and on each buffer's length. @return whether placed.
 */
static inline bool
place4_items(struct rte_mbuf *const *m, const struct vp_batch_item *it, uint16_t *id,
	     uint32_t *written, uint64_t *bytes)
{
	/* data_len: what place_one() copies, so what must fit (pkt_len is the same in a sane mbuf) */
	const uint32_t n0 = m[0]->data_len + VP_HDR_LEN, n1 = m[1]->data_len + VP_HDR_LEN,
		       n2 = m[2]->data_len + VP_HDR_LEN, n3 = m[3]->data_len + VP_HDR_LEN;
	unsigned int bad;

	bad = (m[0]->nb_segs != 1) | (m[1]->nb_segs != 1) | (m[2]->nb_segs != 1) |
	      (m[3]->nb_segs != 1) |
	      (it[0].len < n0) | (it[1].len < n1) | (it[2].len < n2) | (it[3].len < n3);
	if (bad)
		return false;
	place_one(m[0], it[0].ptr);
	place_one(m[1], it[1].ptr);
	place_one(m[2], it[2].ptr);
	place_one(m[3], it[3].ptr);
	/* what completion reports: each buffer's id, and bytes written, checked above to fit it */
	id[0] = it[0].id;
	id[1] = it[1].id;
	id[2] = it[2].id;
	id[3] = it[3].id;
	written[0] = n0;
	written[1] = n1;
	written[2] = n2;
	written[3] = n3;
	*bytes += (uint64_t)n0 + n1 + n2 + n3 - 4 * VP_HDR_LEN;
	return true;
}

/*
 * A packed ring's burst without the stash, which must be empty: the
 * front-end's rx buffers taken in whole batches, four packets placed
 * straight from the items and completed. Items the next packets do not fit
 * go to the stash, behind the completed ones in ring order, for place() to
 * judge. @return packets placed, a multiple of four.
 */
static uint16_t
tx_direct(struct vp_queue *q, struct rte_mbuf *const *pkts, uint16_t n, uint64_t *bytes)
{
	struct vp_batch_item it[VP_BURST];
	uint16_t id[VP_BURST];
	uint32_t written[VP_BURST];
	uint16_t nt, i;

	nt = vp_batch_take(&q->r.packed, it, RTE_MIN(n, VP_BURST) & ~(VP_BATCH - 1), 1,
			   UINT32_MAX, true);
	/* vp_batch_take() prefetched each batch it took for writing: place them now */
	for (i = 0; i < nt; i += VP_BATCH)
		if (!place4_items(&pkts[i], &it[i], &id[i], &written[i], bytes))
			break;
	if (i)
		pring_dev_complete_flat(&q->r.packed, id, written, i);
	if (i < nt)
		vp_batch_to_chains(&it[i], (uint16_t)(nt - i), q->st_chain, q->st_seg, &q->st_nr,
				   &q->st_segs);
	return i;
}

uint16_t
vp_tx_burst(void *qp, struct rte_mbuf **pkts, uint16_t n)
{
	struct vp_queue *q = qp;
	uint64_t bytes = 0;
	uint16_t i = 0, sent = 0;
	enum place_result r;

	if (unlikely(!burst_gate_enter(&q->gate)))
		return 0;
	if (unlikely(!q->running)) {
		burst_gate_leave(&q->gate);
		return 0;
	}
	if (q->packed && q->st_nr == 0) {
		i = sent = tx_direct(q, pkts, n, &bytes);
		if (i == n)
			goto done;
	}
	/* Buffers for the rest of the burst up front, so the packets go in fours. */
	if (q->st_nr - q->st_used < n - i)
		stash_refill(q, (uint16_t)(n - i - (q->st_nr - q->st_used)));
	while (n - i >= 4 && q->st_nr - q->st_used >= 4 && place4(q, &pkts[i], &bytes)) {
		sent += 4;
		i += 4;
	}
	for (; i < n; i++) {
		r = place(q, pkts[i], (uint16_t)(n - i));
		if (likely(r == PLACED)) {
			sent++;
			bytes += pkts[i]->pkt_len;
		} else if (r == TOO_BIG) {
			q->drop[VP_DROP_TOO_BIG]++;
		} else {
			q->drop[VP_DROP_NO_BUFFER] += n - i;
			break;
		}
	}
	stash_retire(q);
done:
	q->pkts += sent;
	q->bytes += bytes;
	if (sent)
		vp_notify(q);
	burst_gate_leave(&q->gate);
	/* Copied (or dropped as too big): ours to free. */
	vm2vm_mbuf_free_bulk(pkts, i);
	return i;
}
