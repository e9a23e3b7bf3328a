/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Stats: per port (ethdev counters + the switch's own) and per lcore. */

#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "sw.h"

const char *const sw_drop_names[SW_DROP_NB] = {
	[SW_DROP_TX_FULL] = "tx-full",
	[SW_DROP_HAIRPIN] = "hairpin",
	[SW_DROP_LINK_DOWN] = "link-down",
	[SW_DROP_NO_FLOOD] = "no-flood",
	[SW_DROP_NO_PORT] = "no-port",
	[SW_DROP_RUNT] = "runt",
};

_Static_assert(sizeof(struct sw_lcore_stats) % sizeof(uint64_t) == 0,
	       "lcore stats are summed as an array of uint64_t");

/* Add every counter of @p a into @p sum (all fields are uint64_t). */
static void
sw_stats_add(struct sw_lcore_stats *sum, const struct sw_lcore_stats *a)
{
	uint64_t *d = (uint64_t *)sum;
	const volatile uint64_t *s = (const volatile uint64_t *)a;

	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		d[i] += s[i];
}

void
sw_stats_sum(struct sw_lcore_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (uint16_t i = 0; i < sw.nb_lcores; i++)
		sw_stats_add(sum, &sw.lcores[i]->stats);
}

static const char *
sw_link_str(uint16_t pid)
{
	return __atomic_load_n(&sw.up_mask, __ATOMIC_RELAXED) >> pid & 1 ? "up" : "down";
}

/*
 * Frames a port sent without copying them (net_ivshmem2's xstat
 * tx_zc_pkts): with rx queues receiving into its TX pool, this is what the
 * pool saves. Ports without the xstat print nothing.
 */
static void
sw_stats_print_tx_in_place(FILE *f, uint16_t pid)
{
	uint64_t id, v;

	if (rte_eth_xstats_get_id_by_name(pid, "tx_zc_pkts", &id) != 0 ||
	    rte_eth_xstats_get_by_id(pid, &id, &v, 1) != 1)
		return;
	fprintf(f, "  device: tx in place (tx_zc_pkts) %" PRIu64 "\n", v);
}

void
sw_stats_print_ports(FILE *f)
{
	struct sw_lcore_stats sum;

	sw_stats_sum(&sum);
	for (uint16_t i = 0; i < sw.nb_ports; i++) {
		uint16_t pid = sw.port_ids[i];
		const struct sw_port_ctr *c = &sum.port[pid];
		struct rte_eth_stats hw;

		memset(&hw, 0, sizeof(hw));
		rte_eth_stats_get(pid, &hw);
		fprintf(f, "port %u (%s), link %s\n", pid, sw.port[pid].name, sw_link_str(pid));
		fprintf(f, "  switch: rx %" PRIu64 "  tx %" PRIu64 "  dropped:", c->rx, c->tx);
		for (int r = 0; r < SW_DROP_NB; r++)
			fprintf(f, " %s=%" PRIu64, sw_drop_names[r], c->drop[r]);
		fprintf(f, "\n");
		/* Not "learned": scripts look for the lcores' "learned N". */
		fprintf(f, "  fdb: entries %u", fdb_port_count(sw.fdb, pid));
		if (fdb_port_limit(sw.fdb) != 0)
			fprintf(f, " (at most %u)", fdb_port_limit(sw.fdb));
		fprintf(f, "  learn-limit %" PRIu64 "\n", c->learn_limit);
		fprintf(f, "  device: rx %" PRIu64 " (%" PRIu64 " bytes)  tx %" PRIu64
			" (%" PRIu64 " bytes)  rx-missed %" PRIu64 "  rx-errors %" PRIu64
			"  rx-nombuf %" PRIu64 "  tx-errors %" PRIu64 "\n",
			hw.ipackets, hw.ibytes, hw.opackets, hw.obytes, hw.imissed, hw.ierrors,
			hw.rx_nombuf, hw.oerrors);
		sw_stats_print_tx_in_place(f, pid);
	}
}

static void
sw_print_one_lcore(FILE *f, const char *title, const struct sw_lcore_stats *s)
{
	uint64_t total = s->busy_cycles + s->idle_cycles;

	fprintf(f, "%s\n", title);
	fprintf(f, "  packets: rx %" PRIu64 "  tx %" PRIu64 "  flooded %" PRIu64
		" (%" PRIu64 " copies sent)\n", s->rx, s->tx, s->flooded, s->flood_tx);
	fprintf(f, "  fdb: hits %" PRIu64 "  misses %" PRIu64 "  learned %" PRIu64
		"  moves %" PRIu64 "  table-full %" PRIu64 "  learn-limit %" PRIu64 "\n",
		s->fdb.hits, s->fdb.misses, s->fdb.learned, s->fdb.moves, s->fdb.full,
		s->fdb.limit);
	fprintf(f, "  drops:");
	for (int r = 0; r < SW_DROP_NB; r++)
		fprintf(f, " %s %" PRIu64 " ", sw_drop_names[r], s->drop[r]);
	fprintf(f, "\n");
	fprintf(f, "  cycles: busy %" PRIu64 " (%.1f%%)  idle %" PRIu64 " (%.1f%%)", s->busy_cycles,
		total ? 100.0 * (double)s->busy_cycles / (double)total : 0.0, s->idle_cycles,
		total ? 100.0 * (double)s->idle_cycles / (double)total : 0.0);
	if (s->rx != 0)
		fprintf(f, "  busy cycles/packet %.1f", (double)s->busy_cycles / (double)s->rx);
	fprintf(f, "\n");
}

void
sw_stats_print_lcores(FILE *f)
{
	struct sw_lcore_stats sum;
	char title[64];

	for (uint16_t i = 0; i < sw.nb_lcores; i++) {
		snprintf(title, sizeof(title), "lcore %u:", sw.lcores[i]->lcore_id);
		sw_print_one_lcore(f, title, &sw.lcores[i]->stats);
	}
	if (sw.nb_lcores > 1) {
		sw_stats_sum(&sum);
		sw_print_one_lcore(f, "all lcores:", &sum);
	}
}

void
sw_stats_print_port_info(FILE *f)
{
	for (uint16_t i = 0; i < sw.nb_ports; i++) {
		uint16_t pid = sw.port_ids[i];
		struct rte_eth_dev_info info;
		struct rte_eth_link link;
		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		uint16_t mtu = 0;

		memset(&link, 0, sizeof(link));
		rte_eth_dev_info_get(pid, &info);
		rte_eth_link_get_nowait(pid, &link);
		rte_eth_dev_get_mtu(pid, &mtu);
		rte_ether_format_addr(mac, sizeof(mac), &sw.port[pid].mac);
		fprintf(f, "port %u: %s, driver %s, MAC %s\n", pid, sw.port[pid].name,
			info.driver_name, mac);
		fprintf(f, "  link %s, %s, %s; LSC interrupts %s; MTU %u; rx queues %u, tx "
			"queues %u\n", link.link_status ? "up" : "down",
			rte_eth_link_speed_to_str(link.link_speed),
			link.link_duplex ? "full-duplex" : "half-duplex",
			sw.port[pid].lsc ? "yes" : "no (polled each second)", mtu, sw.rxq, sw.txq);
		if (sw.mode != SW_FWD_L2LEARN)
			fprintf(f, "  %s mode: forwards to port %u\n", sw_fwd_mode_name(sw.mode),
				sw.port[pid].peer);
	}
	sw_rx_pools_print(f);
}

static int
sw_fdb_print_one(const struct fdb_entry_info *e, void *arg)
{
	FILE *f = arg;
	uint8_t m[6];
	uint32_t now = __atomic_load_n(&sw.now, __ATOMIC_RELAXED);

	fdb_key_mac(e->mac, m);
	if (e->is_static)
		fprintf(f, "  %02x:%02x:%02x:%02x:%02x:%02x  port %-3u static\n", m[0], m[1], m[2],
			m[3], m[4], m[5], e->port);
	else
		fprintf(f, "  %02x:%02x:%02x:%02x:%02x:%02x  port %-3u learned  age %us\n", m[0],
			m[1], m[2], m[3], m[4], m[5], e->port, now - e->seen);
	return 0;
}

void
sw_fdb_print(FILE *f)
{
	fprintf(f, "FDB: %u of %u entries, aging %us, ", fdb_count(sw.fdb), fdb_capacity(sw.fdb),
		sw.cfg.fdb_aging_time);
	if (fdb_port_limit(sw.fdb) != 0)
		fprintf(f, "at most %u learned per port\n", fdb_port_limit(sw.fdb));
	else
		fprintf(f, "no per-port limit\n");
	fdb_walk(sw.fdb, sw_fdb_print_one, f);
}
