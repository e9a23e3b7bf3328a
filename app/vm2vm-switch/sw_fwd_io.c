/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* io and mac modes: fixed port pairs, as testpmd's modes of the same name. */

#include <rte_memcpy.h>

#include "sw_fwd.h"

static void
sw_io_burst(struct sw_lcore *lc, uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	struct sw_txbuf *b = &lc->txb[sw.port[in].peer];

	rte_memcpy(b->pkts, pkts, n * sizeof(pkts[0]));
	b->n = n;
	sw_tx_flush(lc, sw.port[in].peer);
}

/* Rewrite the addresses as testpmd's mac mode: source is the tx port's
 * MAC, destination the configured peer of the tx port. */
static void
sw_mac_burst(struct sw_lcore *lc, uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	const struct sw_port *tx = &sw.port[sw.port[in].peer];
	uint16_t kept = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eh;

		if (unlikely(pkts[i]->data_len < RTE_ETHER_HDR_LEN)) {
			sw_drop(lc, in, pkts[i], SW_DROP_RUNT);
			continue;
		}
		eh = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		rte_ether_addr_copy(&tx->peer_mac, &eh->dst_addr);
		rte_ether_addr_copy(&tx->mac, &eh->src_addr);
		pkts[kept++] = pkts[i];
	}
	if (kept != 0)
		sw_io_burst(lc, in, pkts, kept);
}

int
sw_fwd_io(void *arg)
{
	return sw_poll_loop(arg, sw_io_burst);
}

int
sw_fwd_mac(void *arg)
{
	return sw_poll_loop(arg, sw_mac_burst);
}
