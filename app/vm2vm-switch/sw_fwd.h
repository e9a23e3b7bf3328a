/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Helpers shared by the forwarding loops: tx buffers and the poll loop. */

#ifndef SW_FWD_H
#define SW_FWD_H

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "sw.h"

/* Rounds of final polling when forwarding stops, to drain the rx queues. */
#define SW_DRAIN_ROUNDS 16

/* Empty polls of an rx queue on a TX pool between two reaps of its tx queue (power of 2). */
#define SW_IDLE_REAP_EVERY 64

/* Send what is buffered for @p port; what the queue does not take is freed
 * (for a flooded mbuf, one reference) and counted. */
static inline void
sw_tx_flush(struct sw_lcore *lc, uint16_t port)
{
	struct sw_txbuf *b = &lc->txb[port];
	struct sw_lcore_stats *st = &lc->stats;
	uint16_t n = b->n, sent;

	sent = rte_eth_tx_burst(port, lc->txq, b->pkts, n);
	st->tx += sent;
	st->port[port].tx += sent;
	if (unlikely(sent < n)) {
		rte_pktmbuf_free_bulk(&b->pkts[sent], n - sent);
		st->drop[SW_DROP_TX_FULL] += n - sent;
		st->port[port].drop[SW_DROP_TX_FULL] += n - sent;
	}
	b->n = 0;
}

/* Flush every port whose bit is set in @p dirty. */
static inline void
sw_tx_flush_mask(struct sw_lcore *lc, uint64_t dirty)
{
	while (dirty != 0) {
		uint16_t port = (uint16_t)__builtin_ctzll(dirty);

		dirty &= dirty - 1;
		sw_tx_flush(lc, port);
	}
}

/* Drop @p m received on @p in, counting @p why for the lcore and the port. */
static inline void
sw_drop(struct sw_lcore *lc, uint16_t in, struct rte_mbuf *m, enum sw_drop why)
{
	rte_pktmbuf_free(m);
	lc->stats.drop[why]++;
	lc->stats.port[in].drop[why]++;
}

static inline void
sw_tx_add(struct sw_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	struct sw_txbuf *b = &lc->txb[port];

	b->pkts[b->n++] = m;
}

/** Handles one received burst of @p n > 0 packets from @p port. */
typedef void (*sw_burst_fn)(struct sw_lcore *lc, uint16_t port, struct rte_mbuf **pkts,
			    uint16_t n);

/*
 * The poll loop every mode shares: poll each owned rx queue, hand non-empty
 * bursts to @p fn, account busy and idle cycles with one TSC read per poll.
 * After a stop, keep polling a few rounds so queued packets get through.
 */
static inline int
sw_poll_loop(struct sw_lcore *lc, sw_burst_fn fn)
{
	struct rte_mbuf *pkts[SW_MAX_BURST];
	struct sw_lcore_stats *st = &lc->stats;
	const uint16_t burst = sw.cfg.burst;
	uint64_t t0 = rte_rdtsc();
	uint32_t empty_polls = 0;
	int drain = SW_DRAIN_ROUNDS;

	while (drain > 0) {
		bool got = false;

		if (!__atomic_load_n(&sw.running, __ATOMIC_RELAXED))
			drain--;
		for (uint16_t i = 0; i < lc->nb_rxq; i++) {
			uint16_t port = lc->rxq[i].port;
			uint16_t n = rte_eth_rx_burst(port, lc->rxq[i].queue, pkts, burst);
			uint64_t t1;

			if (n != 0) {
				st->rx += n;
				st->port[port].rx += n;
				fn(lc, port, pkts, n);
				got = true;
			} else if (lc->rxq[i].reap_port != SW_NO_PORT &&
				   (++empty_polls & (SW_IDLE_REAP_EVERY - 1)) == 0) {
				/*
				 * The queue receives into our tx queue's pool, whose
				 * mbufs come back only when that tx queue reaps, which
				 * net_ivshmem2 does in its bursts: a pool run dry
				 * (slow peer) means nothing received, so no burst, so
				 * no reap. Reap here, on an idle poll; not on every
				 * one, which cost more than the frames (callgrind).
				 */
				rte_eth_tx_done_cleanup(lc->rxq[i].reap_port, lc->txq, 0);
			}
			t1 = rte_rdtsc();
			if (n != 0)
				st->busy_cycles += t1 - t0;
			else
				st->idle_cycles += t1 - t0;
			t0 = t1;
		}
		if (!got && !__atomic_load_n(&sw.running, __ATOMIC_RELAXED))
			break;
	}
	return 0;
}

#endif /* SW_FWD_H */
