/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * l2learn: the MAC learning switch datapath.
 *
 * A burst is handled in passes, each a tight loop: read the Ethernet
 * addresses, learn the sources, look up the destinations in one batch,
 * then place each packet in the tx buffer of its port (or of every other
 * port that is up, when flooding). A flooded packet is not copied: its
 * reference count is raised once by the number of extra ports, and each
 * port's transmit drops one reference.
 */

#include <string.h>

#include <rte_branch_prediction.h>

#include "sw_fwd.h"

#define MAC48 UINT64_C(0xffffffffffff)

/* Marks a packet already dropped in an earlier pass. */
#define SW_OUT_DROPPED (SW_NO_PORT - 1)

static inline uint64_t
sw_load48(const uint8_t *p)
{
	uint64_t v;

	/* 8-byte load, the two extra bytes masked: the caller checked the
	 * frame holds a full Ethernet header. */
	memcpy(&v, p, sizeof(v));
	return v & MAC48;
}

/* Send @p m to every port of @p mask: one reference per port. */
static inline void
sw_flood(struct sw_lcore *lc, struct rte_mbuf *m, uint64_t mask)
{
	unsigned int cnt = (unsigned int)__builtin_popcountll(mask);

	if (cnt > 1)
		rte_mbuf_refcnt_update(m, (int16_t)(cnt - 1));
	while (mask != 0) {
		sw_tx_add(lc, (uint16_t)__builtin_ctzll(mask), m);
		mask &= mask - 1;
	}
	lc->stats.flooded++;
	lc->stats.flood_tx += cnt;
}

/*
 * A burst whose frames all carry one source and one known unicast
 * destination (one VM talking to another: the common case between two VMs)
 * needs one lookup, and leaves as one block, like io mode. The source was
 * learned in pass 2 already, so the order is the general path's.
 * @return false when the destination is not a known, up, other port: the
 * general passes then handle flooding, hairpin and link-down drops.
 */
static inline bool
sw_l2_one_pair(struct sw_lcore *lc, uint16_t in, struct rte_mbuf **pkts, uint16_t n,
	       uint64_t dst, uint64_t up)
{
	struct sw_txbuf *b;
	uint16_t p;

	if (dst & 1)
		return false; /* group address (or runt): flood rules apply */
	p = fdb_lookup(sw.fdb, dst, NULL);
	if (p == FDB_PORT_NONE || p == in || p >= SW_MAX_PORTS || !(up >> p & 1))
		return false;
	lc->stats.fdb.hits += n;
	b = &lc->txb[p];
	memcpy(&b->pkts[b->n], pkts, n * sizeof(pkts[0]));
	b->n = (uint16_t)(b->n + n);
	sw_tx_flush(lc, p);
	return true;
}

static void
sw_l2_burst(struct sw_lcore *lc, uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	struct sw_lcore_stats *st = &lc->stats;
	uint64_t dst[SW_MAX_BURST], src[SW_MAX_BURST], last_src = UINT64_MAX;
	uint16_t out[SW_MAX_BURST];
	const uint64_t up = __atomic_load_n(&sw.up_mask, __ATOMIC_ACQUIRE) & sw.used_mask;
	const uint64_t flood_mask = up & ~(UINT64_C(1) << in);
	const uint32_t now = __atomic_load_n(&sw.now, __ATOMIC_RELAXED);
	uint64_t dirty = 0, odd = 0;

	/*
	 * A port held down by command receives nothing through the switch.
	 * Otherwise a frame from a port proves its link is up, even if the
	 * LSC event has not been handled yet: publish that now, so replies can
	 * flow from the first frame (the control thread corrects it each second).
	 */
	if (unlikely(!(up >> in & 1))) {
		if (__atomic_load_n(&sw.admin_down_mask, __ATOMIC_RELAXED) >> in & 1) {
			rte_pktmbuf_free_bulk(pkts, n);
			st->drop[SW_DROP_LINK_DOWN] += n;
			st->port[in].drop[SW_DROP_LINK_DOWN] += n;
			return;
		}
		__atomic_fetch_or(&sw.up_mask, UINT64_C(1) << in, __ATOMIC_RELEASE);
	}

	/* Pass 1: addresses. A runt gets a group destination and is dropped below. */
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *h = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

		if (unlikely(pkts[i]->data_len < RTE_ETHER_HDR_LEN)) {
			dst[i] = MAC48;
			src[i] = 1;
			odd = 1;
			continue;
		}
		dst[i] = sw_load48(h);
		src[i] = sw_load48(h + RTE_ETHER_ADDR_LEN);
		odd |= (dst[i] ^ dst[0]) | (src[i] ^ src[0]);
	}

	/* Pass 2: learn sources; a run of one source in a burst is learned once.
	 * A source refused by --fdb-port-limit is still switched, not learned. */
	for (uint16_t i = 0; i < n; i++) {
		if (src[i] != last_src && !(src[i] & 1) &&
		    unlikely(fdb_learn(sw.fdb, src[i], in, now, &st->fdb) == FDB_LEARN_LIMIT))
			st->port[in].learn_limit++;
		last_src = src[i];
	}

	if (odd == 0 && sw_l2_one_pair(lc, in, pkts, n, dst[0], up))
		return;

	/* Pass 3: destinations, one batch (group addresses are never in the table). */
	fdb_lookup_bulk(sw.fdb, dst, out, n, &st->fdb);

	/* Pass 4: place each packet. */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		uint16_t p = out[i];

		if (likely(p != FDB_PORT_NONE)) {
			if (unlikely(p == in))
				sw_drop(lc, in, m, SW_DROP_HAIRPIN);
			else if (unlikely(p >= SW_MAX_PORTS || !(up >> p & 1)))
				sw_drop(lc, in, m, SW_DROP_LINK_DOWN);
			else {
				sw_tx_add(lc, p, m);
				dirty |= UINT64_C(1) << p;
			}
			continue;
		}
		if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
			sw_drop(lc, in, m, SW_DROP_RUNT);
			continue;
		}
		if (dst[i] & 1 ? dst[i] != MAC48 && !sw.cfg.flood_multicast
			       : !sw.cfg.flood_unknown) {
			sw_drop(lc, in, m, SW_DROP_NO_FLOOD);
			continue;
		}
		if (unlikely(flood_mask == 0)) {
			sw_drop(lc, in, m, SW_DROP_NO_PORT);
			continue;
		}
		sw_flood(lc, m, flood_mask);
		dirty |= flood_mask;
	}
	sw_tx_flush_mask(lc, dirty);
}

int
sw_fwd_l2learn(void *arg)
{
	return sw_poll_loop(arg, sw_l2_burst);
}
