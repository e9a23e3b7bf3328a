/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Telemetry endpoints /vm2vm/fdb, /vm2vm/lcores, /vm2vm/stats
 * (read them with dpdk-telemetry.py). */

#include <stdio.h>

#include <rte_telemetry.h>

#include "sw.h"

/* Telemetry caps arrays and dicts at 256 entries. */
#define SW_TEL_MAX_ENTRIES 256

static int
sw_tel_fdb_entry(const struct fdb_entry_info *e, void *arg)
{
	struct rte_tel_data *arr = arg;
	static __thread unsigned int n;
	uint8_t m[6];
	char s[96];

	if (arr == NULL) { /* reset */
		n = 0;
		return 0;
	}
	if (n++ >= SW_TEL_MAX_ENTRIES - 1)
		return 1;
	fdb_key_mac(e->mac, m);
	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x port %u %s age %u", m[0], m[1],
		 m[2], m[3], m[4], m[5], e->port, e->is_static ? "static" : "learned",
		 e->is_static ? 0 : __atomic_load_n(&sw.now, __ATOMIC_RELAXED) - e->seen);
	rte_tel_data_add_array_string(arr, s);
	return 0;
}

static int
sw_tel_fdb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *arr = rte_tel_data_alloc();

	(void)cmd;
	(void)params;
	if (arr == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "count", fdb_count(sw.fdb));
	rte_tel_data_add_dict_u64(d, "capacity", fdb_capacity(sw.fdb));
	rte_tel_data_add_dict_u64(d, "aging_time", sw.cfg.fdb_aging_time);
	rte_tel_data_add_dict_u64(d, "port_limit", fdb_port_limit(sw.fdb));
	rte_tel_data_start_array(arr, RTE_TEL_STRING_VAL);
	sw_tel_fdb_entry(NULL, NULL);
	fdb_walk(sw.fdb, sw_tel_fdb_entry, arr);
	rte_tel_data_add_dict_container(d, "entries", arr, 0);
	return 0;
}

/* "drop_tx_full": ... one key per reason. */
static void
sw_tel_drops(struct rte_tel_data *c, const uint64_t *drop)
{
	for (int r = 0; r < SW_DROP_NB; r++) {
		char key[32];

		snprintf(key, sizeof(key), "drop_%s", sw_drop_names[r]);
		for (char *p = key; *p != '\0'; p++)
			if (*p == '-')
				*p = '_';
		rte_tel_data_add_dict_u64(c, key, drop[r]);
	}
}

static void
sw_tel_lcore_stats(struct rte_tel_data *c, const struct sw_lcore_stats *s)
{
	rte_tel_data_add_dict_u64(c, "rx", s->rx);
	rte_tel_data_add_dict_u64(c, "tx", s->tx);
	rte_tel_data_add_dict_u64(c, "flooded", s->flooded);
	rte_tel_data_add_dict_u64(c, "flood_tx", s->flood_tx);
	rte_tel_data_add_dict_u64(c, "fdb_hits", s->fdb.hits);
	rte_tel_data_add_dict_u64(c, "fdb_misses", s->fdb.misses);
	rte_tel_data_add_dict_u64(c, "fdb_learned", s->fdb.learned);
	rte_tel_data_add_dict_u64(c, "fdb_moves", s->fdb.moves);
	rte_tel_data_add_dict_u64(c, "fdb_full", s->fdb.full);
	rte_tel_data_add_dict_u64(c, "fdb_learn_limit", s->fdb.limit);
	sw_tel_drops(c, s->drop);
	rte_tel_data_add_dict_u64(c, "busy_cycles", s->busy_cycles);
	rte_tel_data_add_dict_u64(c, "idle_cycles", s->idle_cycles);
	rte_tel_data_add_dict_u64(c, "busy_cycles_per_packet",
				  s->rx ? s->busy_cycles / s->rx : 0);
}

static int
sw_tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "mode", sw_fwd_mode_name(sw.mode));
	rte_tel_data_add_dict_int(d, "running", __atomic_load_n(&sw.running, __ATOMIC_RELAXED));
	sw_ctl_lock();
	for (uint16_t i = 0; i < sw.nb_lcores && i < SW_TEL_MAX_ENTRIES - 2; i++) {
		const struct sw_lcore *lc = sw.lcores[i];
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[32], rxq[512];
		int off = 0;

		if (c == NULL)
			break;
		rte_tel_data_start_dict(c);
		for (uint16_t j = 0; j < lc->nb_rxq && off < (int)sizeof(rxq) - 16; j++)
			off += snprintf(rxq + off, sizeof(rxq) - (size_t)off, "%s(%u,%u)",
					j ? "," : "", lc->rxq[j].port, lc->rxq[j].queue);
		rxq[off] = '\0';
		rte_tel_data_add_dict_string(c, "rx_queues", rxq);
		rte_tel_data_add_dict_u64(c, "tx_queue", lc->txq);
		sw_tel_lcore_stats(c, &lc->stats);
		snprintf(name, sizeof(name), "lcore_%u", lc->lcore_id);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	sw_ctl_unlock();
	return 0;
}

static int
sw_tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sw_lcore_stats sum;
	struct rte_tel_data *tot = rte_tel_data_alloc();

	(void)cmd;
	(void)params;
	if (tot == NULL)
		return -ENOMEM;
	sw_ctl_lock();
	sw_stats_sum(&sum);
	sw_ctl_unlock();
	rte_tel_data_start_dict(d);
	for (uint16_t i = 0; i < sw.nb_ports; i++) {
		uint16_t pid = sw.port_ids[i];
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[32];

		if (c == NULL)
			break;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "name", sw.port[pid].name);
		rte_tel_data_add_dict_int(c, "link_up",
					  (int)(__atomic_load_n(&sw.up_mask, __ATOMIC_RELAXED) >>
						pid & 1));
		rte_tel_data_add_dict_u64(c, "rx", sum.port[pid].rx);
		rte_tel_data_add_dict_u64(c, "tx", sum.port[pid].tx);
		sw_tel_drops(c, sum.port[pid].drop);
		rte_tel_data_add_dict_u64(c, "fdb_learned", fdb_port_count(sw.fdb, pid));
		rte_tel_data_add_dict_u64(c, "learn_limit", sum.port[pid].learn_limit);
		snprintf(name, sizeof(name), "port_%u", pid);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	rte_tel_data_start_dict(tot);
	sw_tel_lcore_stats(tot, &sum);
	rte_tel_data_add_dict_container(d, "total", tot, 0);
	return 0;
}

int
sw_telemetry_register(void)
{
	int ret = rte_telemetry_register_cmd("/vm2vm/fdb", sw_tel_fdb,
					     "FDB entries (first 255). No parameters.");

	ret |= rte_telemetry_register_cmd("/vm2vm/lcores", sw_tel_lcores,
					  "Forwarding lcores: rx queues, counters. No parameters.");
	ret |= rte_telemetry_register_cmd("/vm2vm/stats", sw_tel_stats,
					  "Per-port and total switch counters. No parameters.");
	return ret;
}
