/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * The ethdev calls OVS-DPDK 3.1 (lib/netdev-dpdk.c) makes on a type=dpdk
 * port, in its order and with its arguments, so unit tests can hold our PMDs
 * to what OVS expects without running OVS. Written from reading OVS, not
 * copied: see doc/guides/ovs.md for the list of calls.
 */

#ifndef VM2VM_TEST_OVS_CALLS_H
#define VM2VM_TEST_OVS_CALLS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

/* OVS's defaults: options:n_rxq_desc / n_txq_desc, MTU. */
#define OVS_DEFAULT_QUEUE_SIZE 2048
#define OVS_MAX_QUEUE_SIZE 4096
#define OVS_DEFAULT_MTU 1500

struct ovs_port_request {
	int n_rxq, n_txq;          /**< asked; OVS clamps them to dev_info first */
	uint16_t rxq_size, txq_size;
	uint16_t mtu;
	bool lsc_interrupt;        /**< options:dpdk-lsc-interrupt */
};

struct ovs_port_result {
	int n_rxq, n_txq;          /**< configured after OVS's retries */
	const char *failed_call;   /**< NULL on success */
	int err;                   /**< negative errno of that call */
};

/* OVS's defaults for one PMD thread plus the main thread: 1 rxq, 2 txqs. */
struct ovs_port_request ovs_port_request_default(void);

/*
 * dpdk_eth_dev_init(): dev_info, configure (rss masked by the device's
 * capabilities, LSC mode, scatter for jumbo MTU), set_mtu, tx then rx queue
 * set-up with OVS's retry-with-fewer-queues loop, start, then what follows a
 * start: xstats names and values, promiscuous, all-multicast, MAC, link.
 * Returns 0 or the failing call's negative errno (also in @res).
 */
int ovs_port_init(uint16_t port, struct rte_mempool *mp, const struct ovs_port_request *req,
		  struct ovs_port_result *res);

/* netdev_dpdk_reconfigure(): stop, then ovs_port_init() again. */
int ovs_port_reconfigure(uint16_t port, struct rte_mempool *mp,
			 const struct ovs_port_request *req, struct ovs_port_result *res);

/* netdev_dpdk_destruct(): close the port, then remove its rte_device. */
int ovs_port_destroy(uint16_t port);

/*
 * What netdev_dpdk_configure_xstats() keeps as custom statistics: per-queue
 * packets/bytes and names ending in _errors or _dropped or holding
 * _management_.
 */
bool ovs_xstat_is_custom(const char *name);

#endif /* VM2VM_TEST_OVS_CALLS_H */
