/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Ports: selection against --portmask, mempool, queue set-up, link state. */

#include <errno.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_mbuf.h>

#include "sw.h"

#define SW_MEMPOOL_CACHE 256

/* Pick the ports to drive; check every port the options name exists. */
int
sw_ports_select(char *err, size_t errlen)
{
	const struct sw_config *cfg = &sw.cfg;
	uint64_t avail = 0;
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid) {
		if (pid < SW_MAX_PORTS)
			avail |= UINT64_C(1) << pid;
	}
	if (cfg->portmask & ~avail) {
		snprintf(err, errlen, "--portmask 0x%" PRIx64 " names ports that do not exist "
			 "(available: 0x%" PRIx64 ")", cfg->portmask, avail);
		return -1;
	}
	sw.used_mask = cfg->portmask ? cfg->portmask : avail;
	if (sw.used_mask == 0) {
		snprintf(err, errlen, "no ports: give some with EAL --vdev or -a");
		return -1;
	}
	for (unsigned int i = 0; i < cfg->nb_static; i++) {
		if (!(sw.used_mask >> cfg->statics[i].port & 1)) {
			snprintf(err, errlen, "--fdb-static: port %u is not in use",
				 cfg->statics[i].port);
			return -1;
		}
	}
	sw.nb_ports = 0;
	for (pid = 0; pid < SW_MAX_PORTS; pid++) {
		if (!(sw.used_mask >> pid & 1))
			continue;
		sw.port_ids[sw.nb_ports++] = pid;
		sw.port[pid].used = true;
		rte_eth_dev_get_name_by_port(pid, sw.port[pid].name);
	}
	return 0;
}

/* Any flavour: net_ivshmem2 (host), net_ivshmem2_pci, net_ivshmem2_plain (guest). */
static bool
driver_is_ivshmem2(const struct rte_eth_dev_info *info)
{
	return info->driver_name != NULL &&
	       strncmp(info->driver_name, "net_ivshmem2", strlen("net_ivshmem2")) == 0;
}

bool
sw_port_is_ivshmem2(uint16_t pid)
{
	struct rte_eth_dev_info info;

	return rte_eth_dev_info_get(pid, &info) == 0 && driver_is_ivshmem2(&info);
}

/*
 * Does port @p pid hand the application mbufs that point into the peer's
 * read-only memory? net_ivshmem2 does with zero_copy=1, in every flavour
 * (the PCI ones map the peer's section read-only), and a forwarding mode
 * that writes into frames would fault or corrupt the peer's buffers.
 */
bool
sw_port_rx_read_only(uint16_t pid)
{
	struct rte_eth_dev_info info;
	const struct rte_devargs *da;
	struct rte_kvargs *kv;
	const char *v;
	bool ro = false;

	if (rte_eth_dev_info_get(pid, &info) != 0 || !driver_is_ivshmem2(&info) ||
	    info.device == NULL)
		return false;
	da = rte_dev_devargs(info.device);
	if (da == NULL || da->args == NULL)
		return false;
	kv = rte_kvargs_parse(da->args, NULL);
	if (kv == NULL)
		return false;
	v = rte_kvargs_get(kv, "zero_copy");
	ro = v != NULL && strcmp(v, "0") != 0;
	rte_kvargs_free(kv);
	return ro;
}

/* Can mode @p m run on the ports in use? mac mode rewrites every frame in place. */
int
sw_ports_check_mode(enum sw_fwd_mode m, char *err, size_t errlen)
{
	/*
	 * An rx queue receiving into port D's TX pool puts every frame in D's
	 * output section, which D's peer can read: right for io/mac, where
	 * every frame is bound for D, a leak once l2learn sends it elsewhere.
	 */
	if (m == SW_FWD_L2LEARN && sw_rx_pools_in_use()) {
		snprintf(err, errlen, "rx queues receive into the TX pools of their io/mac "
			 "destinations, whose peers can read them: l2learn would show them other "
			 "ports' frames; restart with --no-tx-pool to change modes at run time");
		return -1;
	}
	for (uint16_t i = 0; m == SW_FWD_MAC && i < sw.nb_ports; i++) {
		if (sw_port_rx_read_only(sw.port_ids[i])) {
			snprintf(err, errlen, "port %u (%s) receives into the peer's read-only memory"
				 " (zero_copy=1): mac mode would write into it; use io or l2learn,"
				 " or zero_copy=0", sw.port_ids[i], sw.port[sw.port_ids[i]].name);
			return -1;
		}
	}
	return 0;
}

/* io and mac modes: ports pair up in order 0<->1, 2<->3; an odd last port
 * pairs with itself, as testpmd does. */
void
sw_ports_pair(void)
{
	for (uint16_t i = 0; i < sw.nb_ports; i++) {
		uint16_t j = (i ^ 1) < sw.nb_ports ? (i ^ 1) : i;
		struct sw_port *p = &sw.port[sw.port_ids[i]];

		p->peer = sw.port_ids[j];
		if (sw.cfg.peers[sw.port_ids[i]].set)
			memcpy(p->peer_mac.addr_bytes, sw.cfg.peers[sw.port_ids[i]].mac, 6);
		else
			p->peer_mac = (struct rte_ether_addr){
				{ 0x02, 0, 0, 0, 0, (uint8_t)sw.port_ids[i] } };
	}
}

static int
sw_mempool_create(void)
{
	const struct sw_config *cfg = &sw.cfg;
	uint32_t n = cfg->total_num_mbufs;

	if (n == 0) {
		n = sw.nb_ports * (sw.rxq * cfg->rxd + sw.txq * cfg->txd);
		n += sw.nb_lcores * (sw.nb_ports * cfg->burst + SW_MEMPOOL_CACHE) + 4096;
	}
	sw.pool = rte_pktmbuf_pool_create("sw_mbuf_pool", n, SW_MEMPOOL_CACHE, 0,
					  cfg->mbuf_size, (int)rte_socket_id());
	if (sw.pool == NULL) {
		fprintf(stderr, SW_NAME ": cannot create a pool of %u mbufs of %u bytes: %s "
			"(try a smaller --total-num-mbufs or more EAL -m)\n", n, cfg->mbuf_size,
			rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
sw_port_setup(uint16_t pid)
{
	const struct sw_config *cfg = &sw.cfg;
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t rxd = cfg->rxd, txd = cfg->txd;
	int ret;

	ret = rte_eth_dev_info_get(pid, &info);
	if (ret != 0)
		return ret;
	sw.port[pid].lsc = (*info.dev_flags & RTE_ETH_DEV_INTR_LSC) != 0;
	conf.intr_conf.lsc = sw.port[pid].lsc;
	conf.rxmode.mtu = cfg->max_pkt_len - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN;
	if (conf.rxmode.mtu > info.max_mtu) {
		fprintf(stderr, SW_NAME ": port %u: --max-pkt-len %u exceeds its largest MTU %u\n",
			pid, cfg->max_pkt_len, info.max_mtu);
		return -EINVAL;
	}
	if (sw.rxq > info.max_rx_queues || sw.txq > info.max_tx_queues) {
		fprintf(stderr, SW_NAME ": port %u has at most %u rx / %u tx queues, %u / %u "
			"needed\n", pid, info.max_rx_queues, info.max_tx_queues, sw.rxq, sw.txq);
		return -EINVAL;
	}
	ret = rte_eth_dev_configure(pid, sw.rxq, sw.txq, &conf);
	if (ret == 0)
		ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rxd, &txd);
	for (uint16_t q = 0; ret == 0 && q < sw.rxq; q++)
		ret = sw_rx_queue_setup(pid, q, rxd);
	for (uint16_t q = 0; ret == 0 && q < sw.txq; q++)
		ret = rte_eth_tx_queue_setup(pid, q, txd, rte_eth_dev_socket_id(pid), NULL);
	if (ret != 0)
		return ret;
	rte_eth_macaddr_get(pid, &sw.port[pid].mac);
	/* A switch port must see every destination MAC; not every PMD has a filter. */
	rte_eth_promiscuous_enable(pid);
	rte_eth_allmulticast_enable(pid);
	return rte_eth_dev_start(pid);
}

static int
sw_lsc_event(uint16_t pid, enum rte_eth_event_type type, void *arg, void *ret_param)
{
	(void)type;
	(void)arg;
	(void)ret_param;
	if (pid < SW_MAX_PORTS && sw.port[pid].used)
		sw_link_update(pid, false);
	return 0;
}

int
sw_ports_setup(void)
{
	if (sw_mempool_create() != 0)
		return -1;
	/* Before the rx queues: where a port's frames go decides its rx pool. */
	sw_ports_pair();
	sw_rx_pools_plan();
	rte_eth_dev_callback_register(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_LSC, sw_lsc_event, NULL);
	for (uint16_t i = 0; i < sw.nb_ports; i++) {
		uint16_t pid = sw.port_ids[i];
		int ret = sw_port_setup(pid);

		if (ret != 0) {
			fprintf(stderr, SW_NAME ": port %u (%s): set-up failed: %s\n", pid,
				sw.port[pid].name, rte_strerror(-ret));
			return -1;
		}
		sw_link_update(pid, true);
	}
	sw_rx_pools_bind();
	sw_rx_pools_print(stdout);
	return 0;
}

static void
sw_port_set_up(uint16_t port)
{
	uint64_t bit = UINT64_C(1) << port;

	if (!(__atomic_fetch_or(&sw.up_mask, bit, __ATOMIC_RELEASE) & bit) && sw.start_tsc != 0)
		printf("port %u: link up\n", port);
}

/*
 * A port going down loses its learned FDB entries, so traffic for those
 * MACs floods again (and finds the hosts wherever they reappear) instead of
 * vanishing into a dead port.
 */
static void
sw_port_set_down(uint16_t port)
{
	uint64_t bit = UINT64_C(1) << port;

	if (__atomic_fetch_and(&sw.up_mask, ~bit, __ATOMIC_RELEASE) & bit) {
		uint32_t n = sw.fdb != NULL ? fdb_flush_port(sw.fdb, port) : 0;

		printf("port %u: link down, %u FDB entries flushed\n", port, n);
	}
}

/*
 * Read the link of @p port and act on changes of what the PMD reports (or
 * on every call when @p force). Acting only on changes matters: some PMDs
 * report "down" while delivering packets (net_pcap on an interface); the
 * datapath marks a port up when frames arrive on it, and a steady "down"
 * from the PMD must not undo that every second.
 */
void
sw_link_update(uint16_t port, bool force)
{
	struct rte_eth_link link;
	bool now_up, was_up;

	if (rte_eth_link_get_nowait(port, &link) != 0)
		return;
	now_up = link.link_status == RTE_ETH_LINK_UP;
	was_up = __atomic_exchange_n(&sw.port[port].pmd_link, now_up, __ATOMIC_ACQ_REL);
	if ((__atomic_load_n(&sw.admin_down_mask, __ATOMIC_ACQUIRE) >> port & 1) ||
	    __atomic_load_n(&sw.port[port].stopped, __ATOMIC_ACQUIRE)) {
		sw_port_set_down(port);
		return;
	}
	if (now_up == was_up && !force)
		return;
	if (now_up)
		sw_port_set_up(port);
	else
		sw_port_set_down(port);
}

/*
 * "set link-up|link-down port N": ask the PMD, and in any case hold the port
 * down in the switch itself (not every PMD can drop its link): a port held
 * down neither receives nor sends through the switch.
 */
void
sw_link_admin(uint16_t port, bool up)
{
	uint64_t bit = UINT64_C(1) << port;
	int ret;

	if (up)
		__atomic_fetch_and(&sw.admin_down_mask, ~bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_or(&sw.admin_down_mask, bit, __ATOMIC_RELEASE);
	ret = up ? rte_eth_dev_set_link_up(port) : rte_eth_dev_set_link_down(port);
	if (ret != 0)
		printf("port %u: the PMD cannot set its link %s (%s); the switch holds it %s\n",
		       port, up ? "up" : "down", rte_strerror(-ret), up ? "up" : "down");
	sw_link_update(port, true);
}

/*
 * Called every second by the control thread: the only link source for PMDs
 * without LSC interrupts, and a safety net for those with them. A port the
 * datapath marked up (frames arrived) while its PMD says "down" stays up as
 * long as frames keep arriving; a second without any takes it down.
 */
void
sw_link_poll(void)
{
	static uint64_t last_rx[SW_MAX_PORTS];
	struct sw_lcore_stats sum;

	sw_ctl_lock();
	sw_stats_sum(&sum);
	sw_ctl_unlock();
	for (uint16_t i = 0; i < sw.nb_ports; i++) {
		uint16_t pid = sw.port_ids[i];
		bool idle = sum.port[pid].rx == last_rx[pid];

		last_rx[pid] = sum.port[pid].rx;
		sw_link_update(pid, false);
		if (idle && !__atomic_load_n(&sw.port[pid].pmd_link, __ATOMIC_ACQUIRE))
			sw_port_set_down(pid);
	}
}

/*
 * "port stop N" / "port start N", as testpmd's: stop or restart the device
 * itself, while forwarding is stopped (no lcore polls a stopped port; "start"
 * refuses while one is). A stopped port is down for the switch, so its
 * learned entries are flushed. Restarting a device resets what its PMD
 * keeps per start: net_pcap, for one, reopens its rx file from the first
 * frame and truncates its tx file.
 */
int
sw_port_stop(uint16_t port)
{
	int ret;

	if (__atomic_load_n(&sw.port[port].stopped, __ATOMIC_ACQUIRE))
		return -EALREADY;
	ret = rte_eth_dev_stop(port);
	if (ret != 0)
		return ret;
	__atomic_store_n(&sw.port[port].stopped, true, __ATOMIC_RELEASE);
	sw_link_update(port, true);
	return 0;
}

int
sw_port_start(uint16_t port)
{
	int ret;

	if (!__atomic_load_n(&sw.port[port].stopped, __ATOMIC_ACQUIRE))
		return -EALREADY;
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		return ret;
	__atomic_store_n(&sw.port[port].stopped, false, __ATOMIC_RELEASE);
	sw_link_update(port, true);
	return 0;
}

/* The first port in use that "port stop" stopped, or SW_NO_PORT. */
uint16_t
sw_ports_first_stopped(void)
{
	for (uint16_t i = 0; i < sw.nb_ports; i++)
		if (__atomic_load_n(&sw.port[sw.port_ids[i]].stopped, __ATOMIC_ACQUIRE))
			return sw.port_ids[i];
	return SW_NO_PORT;
}

void
sw_ports_close(void)
{
	rte_eth_dev_callback_unregister(RTE_ETH_ALL, RTE_ETH_EVENT_INTR_LSC, sw_lsc_event, NULL);
	for (uint16_t i = 0; i < sw.nb_ports; i++) {
		uint16_t pid = sw.port_ids[i];

		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
}
