/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Zero-copy TX (tx_pool=, rte_pmd_ivshmem2_tx_pool_get) in one process:
 * link C has a sender with a TX pool and a zero-copy receiver; link D has
 * no TX pool; link E has a TX-pool sender whose peer never comes. EAL
 * without hugepages, so the sanitizers see it all.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <ethdev_driver.h>

#include "ivshmem2.h"
#include "rte_pmd_ivshmem2.h"
#include "runtime_dir.h"

#define RING 256
#define POOL 128
#define NB_MBUF 2047

static uint16_t c0, c1, d0, d1, e0;
static struct rte_mempool *mp;
static char shm_c[64], shm_d[64], shm_e[64];

static bool
link_is(uint16_t port, bool up, unsigned int ms)
{
	struct rte_eth_link l;
	unsigned int t;

	for (t = 0; t < ms; t += 10) {
		if (rte_eth_link_get_nowait(port, &l) == 0 && l.link_status == up)
			return true;
		rte_delay_ms(10);
	}
	return false;
}

static int
port_setup(uint16_t port)
{
	struct rte_eth_conf conf = { .rxmode = { .mtu = 9000 } };

	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, RING, 0, NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, RING, 0, NULL) < 0)
		return -1;
	return rte_eth_dev_start(port);
}

static uint64_t
xstat(uint16_t port, const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) == 0)
		rte_eth_xstats_get_by_id(port, &id, &v, 1);
	return v;
}

/* Fill @p m (one segment) with @p len pattern bytes from @p seed. */
static void
fill(struct rte_mbuf *m, uint32_t len, uint32_t seed)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 13);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
}

static bool
frame_ok(const struct rte_mbuf *m, uint32_t len, uint32_t seed)
{
	static uint8_t buf[16384];
	const uint8_t *p;
	uint32_t i;

	if (m->pkt_len != len)
		return false;
	p = rte_pktmbuf_read(m, 0, len, buf);
	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 13))
			return false;
	return true;
}

static uint16_t
rx_wait(uint16_t port, struct rte_mbuf **pkts, uint16_t want, unsigned int ms)
{
	uint16_t got = 0;
	unsigned int t;

	for (t = 0; t < ms && got < want; t++) {
		got += rte_eth_rx_burst(port, 0, pkts + got, want - got);
		if (got < want)
			rte_delay_ms(1);
	}
	return got;
}

/* Receive and free until the link is quiet, completing what arrived. */
static void
drain(uint16_t port)
{
	struct rte_mbuf *rx[32];
	uint16_t n;
	int i;

	for (i = 0; i < 20; i++) {
		while ((n = rte_eth_rx_burst(port, 0, rx, 32)) != 0)
			rte_pktmbuf_free_bulk(rx, n);
		rte_delay_ms(1);
	}
}

/* Wait until the pool has every mbuf back, reaping completions meanwhile. */
static bool
pool_full(struct rte_mempool *pool, uint16_t port, unsigned int ms)
{
	unsigned int t;

	for (t = 0; t < ms; t++) {
		rte_eth_tx_done_cleanup(port, 0, 0);
		if (rte_mempool_avail_count(pool) == pool->size)
			return true;
		rte_delay_ms(1);
	}
	return false;
}

static struct pmd_internals *
priv(uint16_t port)
{
	return rte_eth_devices[port].data->dev_private;
}

START_TEST(api_contract)
{
	struct rte_mempool *p1 = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	struct pmd_internals *p = priv(c0);
	struct rte_mbuf *m;
	uintptr_t lo, hi;

	ck_assert_ptr_nonnull(p1);
	ck_assert_ptr_eq(rte_pmd_ivshmem2_tx_pool_get(c0, 0), p1);
	ck_assert_uint_eq(p1->size, POOL);
	ck_assert_uint_eq(rte_mempool_avail_count(p1), POOL);
	/* Data buffers: the last POOL buffers of queue 0's area in our own section. */
	lo = (uintptr_t)iv2_queue_base(p, p->dev.out_own, 0) + iv2_q_buf_off(RING) +
	     (uintptr_t)(RING - POOL) * p->cfg.buf_size;
	hi = lo + (uintptr_t)POOL * p->cfg.buf_size;
	m = rte_pktmbuf_alloc(p1);
	ck_assert_ptr_nonnull(m);
	ck_assert((uintptr_t)m->buf_addr >= lo && (uintptr_t)m->buf_addr < hi);
	/* Headers never in the shared memory. */
	ck_assert((uintptr_t)m < (uintptr_t)p->dev.out_own ||
		  (uintptr_t)m >= (uintptr_t)p->dev.out_own + p->dev.out_size);
	ck_assert_uint_eq(rte_pktmbuf_tailroom(m), p->cfg.buf_size - RTE_PKTMBUF_HEADROOM);
	rte_pktmbuf_free(m);

	rte_errno = 0;
	ck_assert_ptr_null(rte_pmd_ivshmem2_tx_pool_get(RTE_MAX_ETHPORTS - 1, 0));
	ck_assert_int_eq(rte_errno, ENODEV);
	ck_assert_ptr_null(rte_pmd_ivshmem2_tx_pool_get(c0, 1));
	ck_assert_int_eq(rte_errno, EINVAL);
	ck_assert_ptr_null(rte_pmd_ivshmem2_tx_pool_get(d0, 0));
	ck_assert_int_eq(rte_errno, ENOTSUP);
}
END_TEST

/*
 * Pool frames above the receiver's copy threshold are never copied: the
 * receiver's mbuf points at the very buffer the sender filled. Every mbuf
 * comes back to the pool once the receiver completed.
 */
START_TEST(in_place_never_copied)
{
	struct rte_mempool *pool = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	struct pmd_internals *ps = priv(c0), *pr = priv(c1);
	struct rte_mbuf *tx[32], *rx[32];
	uint64_t zc0 = xstat(c0, "tx_zc_pkts"), reaped0 = xstat(c0, "tx_zc_reaped");
	uintptr_t sent_off[32];
	uint16_t i, round;

	ck_assert(link_is(c0, true, 10000));
	ck_assert(link_is(c1, true, 10000));
	for (round = 0; round < 8; round++) {
		ck_assert_int_eq(rte_pktmbuf_alloc_bulk(pool, tx, 32), 0);
		for (i = 0; i < 32; i++) {
			fill(tx[i], 300 + i * 50, round * 32 + i);
			sent_off[i] = rte_pktmbuf_mtod(tx[i], uintptr_t) - (uintptr_t)ps->dev.out_own;
		}
		ck_assert_uint_eq(rte_eth_tx_burst(c0, 0, tx, 32), 32);
		ck_assert_uint_eq(rx_wait(c1, rx, 32, 2000), 32);
		for (i = 0; i < 32; i++) {
			ck_assert(frame_ok(rx[i], 300 + i * 50, round * 32 + i));
			ck_assert(RTE_MBUF_HAS_EXTBUF(rx[i]));
			ck_assert_uint_eq(rte_pktmbuf_mtod(rx[i], uintptr_t) - (uintptr_t)pr->dev.out_peer,
					  sent_off[i]);
		}
		rte_pktmbuf_free_bulk(rx, 32);
	}
	ck_assert_uint_eq(xstat(c0, "tx_zc_pkts"), zc0 + 8 * 32);
	drain(c1);
	ck_assert(pool_full(pool, c0, 2000));
	ck_assert_uint_eq(xstat(c0, "tx_zc_reaped"), reaped0 + 8 * 32);
}
END_TEST

/*
 * A pool mbuf the application still holds a reference to when it sends it
 * (a refcnt taken, or a clone attached) is not put back when the peer
 * completes it: the pool would hand out a buffer still in use. It goes back
 * when the last reference is freed; plain ones in the same bursts go back
 * at reap.
 */
START_TEST(shared_pool_mbuf_waits_for_last_reference)
{
	struct rte_mempool *pool = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	struct rte_mbuf *tx[4], *rx[4], *held, *cloned, *clone;
	uint16_t i;

	ck_assert(link_is(c0, true, 10000));
	ck_assert(link_is(c1, true, 10000));
	drain(c1);
	ck_assert(pool_full(pool, c0, 2000));
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(pool, tx, 4), 0);
	for (i = 0; i < 4; i++)
		fill(tx[i], 400 + i, 77 + i);
	held = tx[1];
	rte_mbuf_refcnt_update(held, 1);
	cloned = tx[2];
	clone = rte_pktmbuf_clone(cloned, mp);
	ck_assert_ptr_nonnull(clone);
	ck_assert_uint_eq(rte_eth_tx_burst(c0, 0, tx, 4), 4);
	ck_assert_uint_eq(rx_wait(c1, rx, 4, 2000), 4);
	for (i = 0; i < 4; i++)
		ck_assert(frame_ok(rx[i], 400 + i, 77 + i));
	rte_pktmbuf_free_bulk(rx, 4);
	drain(c1);
	/* Completed and reaped: the two plain ones are back, the two others are not. */
	for (i = 0; i < 200 && rte_mempool_avail_count(pool) != POOL - 2; i++) {
		rte_eth_tx_done_cleanup(c0, 0, 0);
		rte_delay_ms(1);
	}
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL - 2);
	ck_assert_uint_eq(rte_mbuf_refcnt_read(held), 1);
	ck_assert(frame_ok(held, 401, 78));
	ck_assert(frame_ok(clone, 402, 79));
	rte_pktmbuf_free(held);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL - 1);
	rte_pktmbuf_free(clone);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL);
}
END_TEST

/*
 * A pool mbuf whose length reaches past its own buffer (an application bug)
 * is dropped and counted, not posted: the peer would read the next buffer,
 * another mbuf's data. The one after it, well-formed, still goes in place.
 */
START_TEST(in_place_stays_in_its_buffer)
{
	struct rte_mempool *pool = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	struct pmd_internals *ps = priv(c0);
	struct rte_mbuf *tx[2], *rx[2];
	uint64_t over0 = xstat(c0, "tx_drop_oversize"), zc0 = xstat(c0, "tx_zc_pkts");
	uint32_t room = ps->cfg.buf_size - RTE_PKTMBUF_HEADROOM;

	ck_assert(link_is(c0, true, 10000));
	ck_assert(link_is(c1, true, 10000));
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(pool, tx, 2), 0);
	fill(tx[0], 64, 7);
	tx[0]->pkt_len = room + 64;      /* lies: reaches 64 bytes into the next buffer */
	tx[0]->data_len = (uint16_t)(room + 64);
	fill(tx[1], 100, 9);
	ck_assert_uint_eq(rte_eth_tx_burst(c0, 0, tx, 2), 2);
	ck_assert_uint_eq(rx_wait(c1, rx, 2, 500), 1);
	ck_assert(frame_ok(rx[0], 100, 9));
	rte_pktmbuf_free(rx[0]);
	ck_assert_uint_eq(xstat(c0, "tx_drop_oversize"), over0 + 1);
	ck_assert_uint_eq(xstat(c0, "tx_zc_pkts"), zc0 + 1);
	drain(c1);
	ck_assert(pool_full(pool, c0, 2000));
}
END_TEST

/* Pool and ordinary mbufs, single and multi-segment, jumbo: order and bytes kept. */
START_TEST(mixed_burst_keeps_order)
{
	struct rte_mempool *pool = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	static const uint32_t len[8] = { 64, 1000, 60, 9000, 1500, 3000, 500, 1900 };
	struct rte_mbuf *tx[8], *rx[8];
	uint64_t zc0 = xstat(c0, "tx_zc_pkts");
	uint16_t i;

	for (i = 0; i < 8; i++) {
		bool from_pool = (i % 2) == 0 || i == 7;

		tx[i] = rte_pktmbuf_alloc(from_pool ? pool : mp);
		ck_assert_ptr_nonnull(tx[i]);
		if (len[i] <= rte_pktmbuf_tailroom(tx[i])) {
			fill(tx[i], len[i], 100 + i);
		} else {
			/* Multi-segment from the ordinary pool: copied. */
			struct rte_mbuf *s;
			uint32_t off = 0;

			rte_pktmbuf_free(tx[i]);
			tx[i] = NULL;
			while (off < len[i]) {
				uint32_t n = RTE_MIN(len[i] - off, 1000u), k;
				uint8_t *p;

				s = rte_pktmbuf_alloc(mp);
				p = rte_pktmbuf_mtod(s, uint8_t *);
				for (k = 0; k < n; k++)
					p[k] = (uint8_t)(100 + i + (off + k) * 13);
				s->data_len = (uint16_t)n;
				if (tx[i] == NULL)
					tx[i] = s;
				else
					ck_assert_int_eq(rte_pktmbuf_chain(tx[i], s), 0);
				off += n;
			}
			tx[i]->pkt_len = len[i];
		}
	}
	ck_assert_uint_eq(rte_eth_tx_burst(c0, 0, tx, 8), 8);
	ck_assert_uint_eq(rx_wait(c1, rx, 8, 2000), 8);
	for (i = 0; i < 8; i++)
		ck_assert_msg(frame_ok(rx[i], len[i], 100 + i), "frame %u", i);
	rte_pktmbuf_free_bulk(rx, 8);
	/* 64, 60, 1500, 500 and 1900 B came from the pool (1900 fits its 1920 B of room). */
	ck_assert_uint_eq(xstat(c0, "tx_zc_pkts"), zc0 + 5);
	drain(c1);
	ck_assert(pool_full(pool, c0, 2000));
}
END_TEST

/* Forge a used entry in the receiver's used ring of our TX ring, with @p id. */
static void
forge_used(uint16_t sender, uint16_t id)
{
	struct iv2_txq *q = rte_eth_devices[sender].data->tx_queues[0];
	struct pring_drv *d = &q->ring;
	/* Our view of the peer's section is read-only: write through the peer port's own. */
	uintptr_t off = (uintptr_t)&d->l.used[d->used_idx] - (uintptr_t)priv(sender)->dev.out_peer;
	struct pring_desc *e = (struct pring_desc *)(priv(c1)->dev.out_own + off);

	e->id = id;
	e->len = 0;
	__atomic_store_n(&e->flags, d->used_wrap ? (PRING_DESC_F_AVAIL | PRING_DESC_F_USED) : 0,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&e->addr, d->used_lap, __ATOMIC_RELEASE);
}

/*
 * A used entry we did not post (bad id, or an id completed already) frees
 * nothing: the ring stops, the violation is counted, the link resets, and
 * the pool mbufs still posted come back exactly once.
 */
static void
hostile_completion(bool stale)
{
	struct rte_mempool *pool = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	struct iv2_txq *q = rte_eth_devices[c0].data->tx_queues[0];
	const char *err = stale ? "tx_ring_err_not_outstanding" : "tx_ring_err_bad_id";
	uint64_t err0 = xstat(c0, err), rel0 = xstat(c0, "tx_zc_released");
	uint64_t resets0 = xstat(c0, "peer_resets");
	struct rte_mbuf *tx[16];
	uint16_t i;

	ck_assert(link_is(c0, true, 10000));
	ck_assert(link_is(c1, true, 10000));
	ck_assert(pool_full(pool, c0, 2000));
	/* The receiver does not poll: 16 frames stay posted. */
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(pool, tx, 16), 0);
	for (i = 0; i < 16; i++)
		fill(tx[i], 400, i);
	ck_assert_uint_eq(rte_eth_tx_burst(c0, 0, tx, 16), 16);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL - 16);
	forge_used(c0, stale ? (uint16_t)((q->ring.oldest_id + RING - 1) % RING) : RING + 7);
	ck_assert_int_eq(rte_eth_tx_done_cleanup(c0, 0, 0), 0);
	ck_assert(q->ring.broken);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL - 16);
	ck_assert_uint_eq(xstat(c0, err), err0 + 1);
	/* The control path resets the link and returns the 16. */
	ck_assert(pool_full(pool, c0, 5000));
	ck_assert_uint_eq(xstat(c0, "tx_zc_released"), rel0 + 16);
	ck_assert_uint_gt(xstat(c0, "peer_resets"), resets0);
	ck_assert(link_is(c0, true, 10000));
	ck_assert(link_is(c1, true, 10000));
	drain(c1);
}

START_TEST(bogus_id_completion)
{
	hostile_completion(false);
}
END_TEST

START_TEST(stale_id_completion)
{
	hostile_completion(true);
}
END_TEST

/* The peer goes away with pool mbufs posted: every one comes back. */
START_TEST(peer_gone_returns_all)
{
	struct rte_mempool *pool = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	uint64_t rel0 = xstat(c0, "tx_zc_released");
	struct rte_mbuf *tx[64];
	uint16_t i, n;

	ck_assert(link_is(c0, true, 10000));
	ck_assert(link_is(c1, true, 10000));
	ck_assert(pool_full(pool, c0, 2000));
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(pool, tx, 64), 0);
	for (i = 0; i < 64; i++)
		fill(tx[i], 256 + i, i);
	n = rte_eth_tx_burst(c0, 0, tx, 64);
	ck_assert_uint_eq(n, 64);
	ck_assert_int_eq(rte_eth_dev_stop(c1), 0);
	ck_assert(link_is(c0, false, 5000));
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL);
	ck_assert_uint_eq(xstat(c0, "tx_zc_released"), rel0 + 64);
	/* Link down: a pool mbuf sent now is dropped and freed at once. */
	tx[0] = rte_pktmbuf_alloc(pool);
	fill(tx[0], 100, 1);
	ck_assert_uint_eq(rte_eth_tx_burst(c0, 0, tx, 1), 1);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL);
	ck_assert_int_eq(rte_eth_dev_start(c1), 0);
	ck_assert(link_is(c0, true, 10000));
	ck_assert(link_is(c1, true, 10000));
}
END_TEST

/* Our own stop returns the posted mbufs too. */
START_TEST(own_stop_returns_all)
{
	struct rte_mempool *pool = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	struct rte_mbuf *tx[32];
	uint16_t i;

	ck_assert(link_is(c0, true, 10000));
	ck_assert(pool_full(pool, c0, 2000));
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(pool, tx, 32), 0);
	for (i = 0; i < 32; i++)
		fill(tx[i], 700, i);
	ck_assert_uint_eq(rte_eth_tx_burst(c0, 0, tx, 32), 32);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL - 32);
	ck_assert_int_eq(rte_eth_dev_stop(c0), 0);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL);
	ck_assert_int_eq(rte_eth_dev_start(c0), 0);
	ck_assert(link_is(c0, true, 10000));
	ck_assert(link_is(c1, true, 10000));
	drain(c1);
}
END_TEST

/* Another link's pool mbufs (not ours) are copied, and freed at once. */
START_TEST(foreign_pool_copied)
{
	struct rte_mempool *pool = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	struct rte_mbuf *tx[4], *rx[4];
	uint64_t zc0 = xstat(d0, "tx_zc_pkts");
	uint16_t i;

	ck_assert(link_is(d0, true, 10000));
	ck_assert(pool_full(pool, c0, 2000));
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(pool, tx, 4), 0);
	for (i = 0; i < 4; i++)
		fill(tx[i], 800, 40 + i);
	ck_assert_uint_eq(rte_eth_tx_burst(d0, 0, tx, 4), 4);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL);
	ck_assert_uint_eq(rx_wait(d1, rx, 4, 2000), 4);
	for (i = 0; i < 4; i++)
		ck_assert(frame_ok(rx[i], 800, 40 + i));
	rte_pktmbuf_free_bulk(rx, 4);
	ck_assert_uint_eq(xstat(d0, "tx_zc_pkts"), zc0);
}
END_TEST

/*
 * A TX pool as another port's RX pool (copy RX): received mbufs keep their
 * pinned-buffer flag and go home whole. Zero-copy RX refuses such a pool.
 */
START_TEST(tx_pool_as_rx_pool)
{
	struct rte_mempool *pool = rte_pmd_ivshmem2_tx_pool_get(c0, 0);
	struct rte_mbuf *tx[8], *rx[8];
	uint16_t i;

	ck_assert(pool_full(pool, c0, 2000));
	ck_assert_int_eq(rte_eth_dev_stop(d1), 0);
	ck_assert_int_eq(rte_eth_rx_queue_setup(d1, 0, RING, 0, NULL, pool), 0);
	ck_assert_int_eq(rte_eth_dev_start(d1), 0);
	ck_assert(link_is(d0, true, 10000));
	ck_assert(link_is(d1, true, 10000));
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(mp, tx, 8), 0);
	for (i = 0; i < 8; i++)
		fill(tx[i], 900, 60 + i);
	ck_assert_uint_eq(rte_eth_tx_burst(d0, 0, tx, 8), 8);
	ck_assert_uint_eq(rx_wait(d1, rx, 8, 2000), 8);
	for (i = 0; i < 8; i++) {
		ck_assert_ptr_eq(rx[i]->pool, pool);
		ck_assert(RTE_MBUF_HAS_EXTBUF(rx[i]));
		ck_assert(frame_ok(rx[i], 900, 60 + i));
	}
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL - 8);
	rte_pktmbuf_free_bulk(rx, 8);
	ck_assert_uint_eq(rte_mempool_avail_count(pool), POOL);
	/* Back to the ordinary pool before close (the TX pool goes with c0). */
	ck_assert_int_eq(rte_eth_dev_stop(d1), 0);
	ck_assert_int_eq(rte_eth_rx_queue_setup(d1, 0, RING, 0, NULL, mp), 0);
	ck_assert_int_eq(rte_eth_dev_start(d1), 0);

	ck_assert_int_eq(rte_eth_dev_stop(c1), 0);
	ck_assert_int_eq(rte_eth_rx_queue_setup(c1, 0, RING, 0, NULL, pool), -EINVAL);
	ck_assert_int_eq(rte_eth_rx_queue_setup(c1, 0, RING, 0, NULL, mp), 0);
	ck_assert_int_eq(rte_eth_dev_start(c1), 0);
	ck_assert(link_is(c1, true, 10000));
	ck_assert(link_is(d1, true, 10000));
}
END_TEST

/*
 * A TX-pool queue whose link never came up (never bound to a ring): a burst
 * drops and frees what it is given. It used to read the queue's pool
 * pointer before checking the queue was open, and crashed: a switch
 * forwarding to a port whose peer had not attached yet did.
 */
START_TEST(never_linked_tx_drops)
{
	uint64_t down = xstat(e0, "tx_drop_peer_down");
	unsigned int avail = rte_mempool_avail_count(mp);
	struct rte_mbuf *tx[4];
	uint16_t i;

	ck_assert(!link_is(e0, true, 10));
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(mp, tx, 4), 0);
	for (i = 0; i < 4; i++)
		fill(tx[i], 64, i);
	ck_assert_uint_eq(rte_eth_tx_burst(e0, 0, tx, 4), 4);
	ck_assert_uint_eq(xstat(e0, "tx_drop_peer_down"), down + 4);
	ck_assert_uint_eq(rte_mempool_avail_count(mp), avail);
}
END_TEST

static Suite *
tx_pool_suite(void)
{
	Suite *s = suite_create("ivshmem2-tx-pool");
	TCase *tc = tcase_create("tx_pool");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, api_contract);
	tcase_add_test(tc, in_place_never_copied);
	tcase_add_test(tc, shared_pool_mbuf_waits_for_last_reference);
	tcase_add_test(tc, in_place_stays_in_its_buffer);
	tcase_add_test(tc, mixed_burst_keeps_order);
	tcase_add_test(tc, bogus_id_completion);
	tcase_add_test(tc, stale_id_completion);
	tcase_add_test(tc, peer_gone_returns_all);
	tcase_add_test(tc, own_stop_returns_all);
	tcase_add_test(tc, foreign_pool_copied);
	tcase_add_test(tc, tx_pool_as_rx_pool);
	tcase_add_test(tc, never_linked_tx_drops);
	suite_add_tcase(s, tc);
	return s;
}

static int
setup(void)
{
	char va[200], vb[200], vc[200], vd[200], ve[200], prefix[64];
	char *argv[] = { "tx_pool", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--no-telemetry", prefix, "--vdev", va, "--vdev", vb, "--vdev", vc,
			 "--vdev", vd, "--vdev", ve, "--log-level=pmd.net.ivshmem2:warning", NULL };

	snprintf(shm_c, sizeof(shm_c), "/dev/shm/iv2-txpool-%d-c", getpid());
	snprintf(shm_d, sizeof(shm_d), "/dev/shm/iv2-txpool-%d-d", getpid());
	snprintf(shm_e, sizeof(shm_e), "/dev/shm/iv2-txpool-%d-e", getpid());
	snprintf(prefix, sizeof(prefix), "--file-prefix=iv2txp%d", getpid());
	snprintf(va, sizeof(va), "net_ivshmem2_c0,shm=%s,id=0,ring_size=%d,tx_pool=%d", shm_c, RING, POOL);
	snprintf(vb, sizeof(vb), "net_ivshmem2_c1,shm=%s,id=1,ring_size=%d,zero_copy=1", shm_c, RING);
	snprintf(vc, sizeof(vc), "net_ivshmem2_d0,shm=%s,id=0,ring_size=%d", shm_d, RING);
	snprintf(vd, sizeof(vd), "net_ivshmem2_d1,shm=%s,id=1,ring_size=%d", shm_d, RING);
	snprintf(ve, sizeof(ve), "net_ivshmem2_e0,shm=%s,id=0,ring_size=%d,tx_pool=%d", shm_e, RING,
		 POOL);
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("txp", NB_MBUF, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM, 0);
	if (mp == NULL ||
	    rte_eth_dev_get_port_by_name("net_ivshmem2_c0", &c0) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ivshmem2_c1", &c1) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ivshmem2_d0", &d0) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ivshmem2_d1", &d1) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ivshmem2_e0", &e0) != 0)
		return -1;
	return port_setup(c0) | port_setup(c1) | port_setup(d0) | port_setup(d1) | port_setup(e0);
}

int
main(void)
{
	struct vm2vm_runtime_dir rd;
	SRunner *sr;
	int failed;
	uint16_t p;

	if (setup() != 0) {
		fprintf(stderr, "tx_pool: set-up failed\n");
		return EXIT_FAILURE;
	}
	vm2vm_runtime_dir_note(&rd);
	sr = srunner_create(tx_pool_suite());
	/* EAL threads do not survive fork(): run in this process. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	RTE_ETH_FOREACH_DEV(p) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_mempool_free(mp);
	rte_eal_cleanup();
	vm2vm_runtime_dir_remove(&rd);
	if (access(shm_c, F_OK) == 0 || access(shm_d, F_OK) == 0 || access(shm_e, F_OK) == 0) {
		fprintf(stderr, "tx_pool: link file left behind\n");
		unlink(shm_c);
		unlink(shm_d);
		unlink(shm_e);
		failed++;
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
