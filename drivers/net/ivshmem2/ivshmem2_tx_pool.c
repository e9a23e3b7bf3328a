/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Zero-copy transmit (devarg tx_pool=N, API rte_pmd_ivshmem2_tx_pool_get).
 *
 * A queue's ring_size packet buffers in our output section are split: the
 * first C = ring_size - N stay copy buffers, used round-robin (C is a power
 * of two), the last N are the data buffers of a pinned-external-buffer mbuf
 * pool whose headers (and shared-info) live in our private memory. The
 * wire layout does not change: the peer still accepts any buffer of the
 * queue's area, and only ever sees offsets within our section.
 *
 * The burst posts a one-segment mbuf whose data lies in the queue's pool
 * area in place, keeping the mbuf as the descriptor's cookie; everything
 * else is copied into copy buffers, the cookie then being the number of
 * copy buffers the frame holds (a small integer, never a valid pointer).
 * A posted mbuf that is the pool's own and plain (sole reference, one
 * segment, not indirect, its buffer not shared by a clone) is marked so in
 * bit 0 of its cookie, decided at post while its header is hot: nobody
 * else holds a reference, so it stays plain until the peer completes it,
 * and the reap puts it back without touching its header again.
 * Completions come from lib/pring, which hands back only cookies of
 * buffers we posted and not yet reaped: a used entry with an id we did
 * not post, or completing one twice, stops the ring (counted in
 * tx_ring_err_*), and the control path then resets the link, which frees
 * every pool mbuf still posted. A peer that completes a buffer before it
 * read it only harms itself: the buffer is ours and it cannot write it.
 */

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "ivshmem2.h"
#include "ivshmem2_burst.h"
#include "ivshmem2_copy.h"
#include "rte_pmd_ivshmem2.h"

/* Cookies up to this value count copy buffers; anything above is an mbuf. */
#define IV2_COPY_COOKIE_MAX ((uintptr_t)IV2_MAX_CHAIN)
/* Bit 0 of an mbuf cookie: plain mbuf of the queue's pool (mbufs are cache-line aligned). */
#define IV2_COOKIE_PLAIN ((uintptr_t)1)

/* The pool area of queue @p qid: the last tx_pool buffers of its buffer area. */
static uint8_t *
iv2_pool_area(const struct pmd_internals *p, uint16_t qid)
{
	const struct iv2_config *c = &p->cfg;

	return iv2_queue_base(p, p->dev.out_own, qid) + iv2_q_buf_off(c->ring_size) +
	       (uint64_t)(c->ring_size - c->tx_pool) * c->buf_size;
}

void
iv2_txq_pool_bind(struct pmd_internals *p, struct iv2_txq *q)
{
	const struct iv2_config *c = &p->cfg;
	uint32_t copy = (uint32_t)c->ring_size - c->tx_pool;

	q->pool_lo = (uintptr_t)iv2_pool_area(p, q->queue_id);
	q->pool_span = (uintptr_t)c->tx_pool * c->buf_size;
	q->zc_pool = &p->tx_pool[q->queue_id];
	q->copy_mask = copy - 1;
	q->copy_head = 0;
	q->copy_out = 0;
	/*
	 * Reap once half the smaller of the two kinds could be out: otherwise a
	 * sender of pool mbufs only would find its pool empty while the ring
	 * still has room, and never reap.
	 */
	q->reap_below = (uint16_t)(c->ring_size - RTE_MIN(copy, (uint32_t)c->tx_pool) / 2 + 1);
}

/* pring_drv_reset callback: a pool mbuf the peer will not complete any more. */
static void
iv2_tx_cookie_release(void *cookie, void *arg)
{
	struct iv2_txq *q = arg;

	if ((uintptr_t)cookie > IV2_COPY_COOKIE_MAX) {
		rte_pktmbuf_free((struct rte_mbuf *)((uintptr_t)cookie & ~IV2_COOKIE_PLAIN));
		q->zc_released++;
	}
}

void
iv2_txq_pool_release(struct iv2_txq *q)
{
	pring_drv_reset(&q->ring, iv2_tx_cookie_release, q);
	q->copy_head = 0;
	q->copy_out = 0;
}

/*
 * A pool mbuf about to be posted in place: plain (see the top of this file)
 * if it is of the queue's pool @p mp, its sole reference, one segment, not
 * indirect, and its pinned buffer not shared by a clone. Its flags are then
 * left as rte_pktmbuf_free would leave them (RTE_MBUF_F_EXTERNAL only), so
 * the reap can put it straight back.
 */
static __rte_always_inline bool
iv2_tx_pool_plain(struct rte_mbuf *m, const struct rte_mempool *mp)
{
	if (m->pool != mp || rte_mbuf_refcnt_read(m) != 1 || m->next != NULL ||
	    (m->ol_flags & RTE_MBUF_F_INDIRECT) != 0 || rte_mbuf_ext_refcnt_read(m->shinfo) != 1)
		return false;
	m->ol_flags = RTE_MBUF_F_EXTERNAL;
	return true;
}

/*
 * Take back at most @p budget completed buffers: copy buffers are counted
 * free again, plain pool mbufs go back to the pool with one put per batch
 * (their headers untouched), any other mbuf through rte_pktmbuf_free_bulk.
 */
static void
iv2_tx_pool_reap(struct iv2_txq *q, uint16_t budget)
{
	void *cookie[IV2_BURST];
	void *plain[IV2_BURST];
	struct rte_mbuf *other[IV2_BURST];

	while (budget != 0) {
		uint16_t want = RTE_MIN(budget, (uint16_t)IV2_BURST);
		uint16_t got = pring_drv_reap(&q->ring, cookie, NULL, want);
		uint16_t i, np = 0, no = 0;
		uint32_t copies = 0;

		for (i = 0; i < got; i++) {
			uintptr_t c = (uintptr_t)cookie[i];

			if (c <= IV2_COPY_COOKIE_MAX)
				copies += (uint32_t)c;
			else if (likely((c & IV2_COOKIE_PLAIN) != 0))
				plain[np++] = (void *)(c & ~IV2_COOKIE_PLAIN);
			else
				other[no++] = (struct rte_mbuf *)c;
		}
		q->copy_out -= copies;
		/* Plain cookies exist only once the pool does: *zc_pool is set. */
		if (np != 0)
			rte_mempool_put_bulk(*q->zc_pool, plain, np);
		if (unlikely(no != 0))
			rte_pktmbuf_free_bulk(other, no);
		q->zc_reaped += (uint64_t)np + no;
		if (got < want)
			break;
		budget = (uint16_t)(budget - got);
	}
}

/*
 * rte_eth_tx_done_cleanup: reap what the peer completed, up to @p free_cnt
 * buffers (0: all), from the queue's datapath thread like a burst.
 * @return buffers reaped.
 */
int
iv2_tx_done_cleanup(void *queue, uint32_t free_cnt)
{
	struct iv2_txq *q = queue;
	uint32_t want = free_cnt == 0 ? (uint32_t)q->mask + 1 : RTE_MIN(free_cnt, (uint32_t)q->mask + 1);
	uint16_t before;

	if (!burst_gate_enter(&q->gate))
		return 0;
	before = q->ring.nr_out;
	if (q->pool_span != 0) {
		iv2_tx_pool_reap(q, (uint16_t)want);
	} else {
		uint32_t done = 0;
		uint16_t got;

		do {
			got = pring_drv_reap(&q->ring, NULL, NULL,
					     (uint16_t)RTE_MIN(want - done, (uint32_t)IV2_BURST));
			done += got;
		} while (got != 0 && done < want);
	}
	burst_gate_leave(&q->gate);
	return before - q->ring.nr_out;
}

/* Drop the whole burst (link down, ring broken). */
static uint16_t
iv2_tx_pool_drop(struct iv2_txq *q, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	q->drops[IV2_DROP_PEER_DOWN] += nb_pkts;
	rte_pktmbuf_free_bulk(pkts, nb_pkts);
	return nb_pkts;
}

uint16_t
iv2_tx_pool_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts)
{
	struct iv2_txq *q = queue;
	uint64_t addr[IV2_BURST];
	uint32_t len[IV2_BURST];
	void *cookie[IV2_BURST];
	struct rte_mbuf *copied[IV2_BURST];
	uint64_t bytes = 0;
	uint16_t i, n = 0, nc = 0, sent = 0, zc = 0, used = 0, nfree;
	uint32_t copy_free;
	const uint32_t bmask = (1u << q->buf_shift) - 1;
	const uint32_t max_single = RTE_MIN(bmask + 1, (uint32_t)IV2_MAX_FRAME);
	const uintptr_t pool_lo = q->pool_lo, pool_span = q->pool_span;
	/* Where a pool buffer's offset in the pool area becomes a descriptor address. */
	const uint64_t pool_off = q->bufs_off + (pool_lo - (uintptr_t)q->bufs);
	const struct rte_mempool *mp;
	bool full = false;

	if (unlikely(!burst_gate_enter(&q->gate)))
		return iv2_tx_pool_drop(q, pkts, nb_pkts);
	/*
	 * Set once by rte_pmd_ivshmem2_tx_pool_get (control path), then never
	 * changed; read only inside the gate, since zc_pool itself is bound
	 * with the ring: before the link first came up it is NULL.
	 */
	mp = __atomic_load_n(q->zc_pool, __ATOMIC_RELAXED);
	nb_pkts = RTE_MIN(nb_pkts, (uint16_t)IV2_BURST);
	if (pring_drv_free_count(&q->ring) < q->reap_below)
		iv2_tx_pool_reap(q, (uint16_t)(2 * nb_pkts));
	if (unlikely(q->ring.broken)) {
		burst_gate_leave(&q->gate);
		return iv2_tx_pool_drop(q, pkts, nb_pkts);
	}
	nfree = pring_drv_free_count(&q->ring);
	copy_free = q->copy_mask + 1 - q->copy_out;

	for (i = 0; i < nb_pkts; i++) {
		struct rte_mbuf *m = pkts[i];
		uint32_t plen = m->pkt_len;
		/* Where the data starts in the pool area; wraps to a huge value below it. */
		uintptr_t d = rte_pktmbuf_mtod(m, uintptr_t) - pool_lo;
		uint16_t need;

		if (likely(d < pool_span && m->nb_segs == 1)) {
			/*
			 * In place: one compare for "ours", one for "fits in its own
			 * buffer" (a pkt_len reaching into the next buffer would show
			 * the peer another mbuf's data).
			 */
			if (unlikely(plen == 0 || (d & bmask) + plen > bmask + 1)) {
				q->drops[IV2_DROP_OVERSIZE]++;
				copied[nc++] = m;
				continue;
			}
			if (unlikely(used == nfree)) {
				full = true;
				break;
			}
			addr[n] = pool_off + d;
			len[n] = plen;
			cookie[n] = iv2_tx_pool_plain(m, mp) ?
				    (void *)((uintptr_t)m | IV2_COOKIE_PLAIN) : (void *)m;
			n++;
			used++;
			zc++;
			sent++;
			bytes += plen;
			continue;
		}
		if (unlikely(plen > IV2_MAX_FRAME || plen == 0)) {
			q->drops[IV2_DROP_OVERSIZE]++;
			copied[nc++] = m;
			continue;
		}
		need = (uint16_t)((plen + bmask) >> q->buf_shift);
		if (unlikely(used + need > nfree || need > copy_free)) {
			full = true;
			break;
		}
		if (likely(need == 1 && m->nb_segs == 1 && plen <= max_single)) {
			uint64_t off = (uint64_t)(q->copy_head & q->copy_mask) << q->buf_shift;

			iv2_copy_frame(q->bufs + off, rte_pktmbuf_mtod(m, void *), plen);
			addr[n] = q->bufs_off + off;
			len[n] = plen;
			cookie[n] = (void *)(uintptr_t)1;
			n++;
		} else {
			/* Keep ring order: publish what was gathered so far first. */
			if (n != 0)
				pring_drv_post(&q->ring, addr, len, cookie, n, false);
			n = 0;
			if (unlikely(iv2_tx_copy_chain(q, m, q->copy_head, q->copy_mask, need,
						       (void *)(uintptr_t)need) != 1)) {
				q->drops[IV2_DROP_BAD_DESC]++;
				copied[nc++] = m;
				continue;
			}
		}
		q->copy_head += need;
		q->copy_out += need;
		copy_free -= need;
		used = (uint16_t)(used + need);
		copied[nc++] = m;
		sent++;
		bytes += plen;
	}
	if (n != 0)
		pring_drv_post(&q->ring, addr, len, cookie, n, false);
	iv2_tx_kick(q, sent);
	burst_gate_leave(&q->gate);

	if (full)
		q->drops[IV2_DROP_RING_FULL] += nb_pkts - i;
	q->pkts += sent;
	q->zc_pkts += zc;
	q->bytes += bytes;
	/* Copied (or dropped) mbufs are done with; posted pool mbufs wait for the peer. */
	if (nc != 0)
		rte_pktmbuf_free_bulk(copied, nc);
	return i;
}

/* ------------------------------------------------------------------ */
/* The pools (control path)                                            */
/* ------------------------------------------------------------------ */

static struct rte_mempool *
iv2_tx_pool_create(struct pmd_internals *p, uint16_t qid)
{
	const struct iv2_config *c = &p->cfg;
	struct rte_pktmbuf_extmem ext = {
		.buf_ptr = iv2_pool_area(p, qid),
		.buf_iova = RTE_BAD_IOVA,
		.buf_len = (size_t)c->tx_pool * c->buf_size,
		.elt_size = (uint16_t)c->buf_size,
	};
	char name[RTE_MEMPOOL_NAMESIZE];
	/* A per-lcore cache may hold at most n / 1.5 objects (rte_mempool_create_empty). */
	unsigned int cache = RTE_MIN((unsigned int)c->tx_pool / 2, 128u);

	snprintf(name, sizeof(name), "iv2_txpool_%u_%u", p->eth_dev->data->port_id, qid);
	return rte_pktmbuf_pool_create_extbuf(name, c->tx_pool, cache, 0, (uint16_t)c->buf_size,
					      p->eth_dev->data->numa_node, &ext, 1);
}

struct rte_mempool *
rte_pmd_ivshmem2_tx_pool_get(uint16_t port_id, uint16_t queue_id)
{
	struct rte_eth_dev *dev;
	struct pmd_internals *p;
	struct rte_mempool *mp;

	if (!rte_eth_dev_is_valid_port(port_id)) {
		rte_errno = ENODEV;
		return NULL;
	}
	dev = &rte_eth_devices[port_id];
	if (!iv2_is_port(dev) || queue_id >= ((struct pmd_internals *)dev->data->dev_private)->cfg.queues) {
		rte_errno = EINVAL;
		return NULL;
	}
	p = dev->data->dev_private;
	if (p->cfg.tx_pool == 0) {
		rte_errno = ENOTSUP;
		return NULL;
	}
	pthread_mutex_lock(&p->lock);
	mp = p->tx_pool[queue_id];
	if (mp == NULL) {
		mp = iv2_tx_pool_create(p, queue_id);
		if (mp == NULL)
			IV2_LOG(ERR, "port %u txq %u: no zero-copy TX pool: %s", port_id, queue_id,
				rte_strerror(rte_errno));
		p->tx_pool[queue_id] = mp;
	}
	pthread_mutex_unlock(&p->lock);
	return mp;
}

/*
 * At close, after the queues were reset (every posted mbuf is back). A pool
 * whose mbufs the application still holds is left allocated: freeing it
 * would turn their later rte_pktmbuf_free into writes to freed memory.
 */
void
iv2_tx_pools_free(struct pmd_internals *p)
{
	uint16_t q;

	for (q = 0; q < IV2_MAX_QUEUES; q++) {
		struct rte_mempool *mp = p->tx_pool[q];
		unsigned int avail;

		if (mp == NULL)
			continue;
		p->tx_pool[q] = NULL;
		avail = rte_mempool_avail_count(mp);
		if (avail != mp->size) {
			IV2_LOG(ERR, "port %u txq %u: the application still holds %u mbufs of %s at close;"
				" the pool is not freed (their data is gone with the section)",
				p->eth_dev->data->port_id, q, mp->size - avail, mp->name);
			continue;
		}
		rte_mempool_free(mp);
	}
}
