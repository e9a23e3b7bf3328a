/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* OVS-DPDK 3.1's ethdev call sequence for a type=dpdk port (see ovs_calls.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

#include "ovs_calls.h"

struct ovs_port_request
ovs_port_request_default(void)
{
	return (struct ovs_port_request){
		.n_rxq = 1,
		.n_txq = 2,
		.rxq_size = OVS_DEFAULT_QUEUE_SIZE,
		.txq_size = OVS_DEFAULT_QUEUE_SIZE,
		.mtu = OVS_DEFAULT_MTU,
	};
}

static int
fail(struct ovs_port_result *res, const char *call, int err)
{
	res->failed_call = call;
	res->err = err;
	return err;
}

/* OVS asks for the IP, UDP and TCP hashes and keeps what the device offers. */
static void
ovs_port_conf(const struct rte_eth_dev_info *info, const struct ovs_port_request *req,
	      struct rte_eth_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) &
					    info->flow_type_rss_offloads;
	conf->rxmode.mq_mode = conf->rx_adv_conf.rss_conf.rss_hf != 0 ? RTE_ETH_MQ_RX_RSS :
									  RTE_ETH_MQ_RX_NONE;
	conf->txmode.mq_mode = RTE_ETH_MQ_TX_NONE;
	conf->intr_conf.lsc = req->lsc_interrupt;
	if (req->mtu > RTE_ETHER_MTU && (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_KEEP_CRC)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_KEEP_CRC;
}

/* Configure, MTU, queues; on a queue failure OVS retries with fewer queues. */
static int
ovs_port_config(uint16_t port, struct rte_mempool *mp, const struct ovs_port_request *req,
		int n_rxq, int n_txq, struct ovs_port_result *res)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int ret = 0, i;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return fail(res, "rte_eth_dev_info_get", ret);
	ovs_port_conf(&info, req, &conf);
	while (n_rxq > 0 && n_txq > 0) {
		ret = rte_eth_dev_configure(port, (uint16_t)n_rxq, (uint16_t)n_txq, &conf);
		if (ret != 0)
			return fail(res, "rte_eth_dev_configure", ret);
		ret = rte_eth_dev_set_mtu(port, req->mtu);
		if (ret != 0 && ret != -ENOTSUP)
			return fail(res, "rte_eth_dev_set_mtu", ret);
		for (i = 0; i < n_txq; i++) {
			ret = rte_eth_tx_queue_setup(port, (uint16_t)i, req->txq_size,
						     (unsigned int)rte_eth_dev_socket_id(port), NULL);
			if (ret != 0)
				break;
		}
		if (i != n_txq) {
			n_txq = i;
			continue;
		}
		for (i = 0; i < n_rxq; i++) {
			ret = rte_eth_rx_queue_setup(port, (uint16_t)i, req->rxq_size,
						     (unsigned int)rte_eth_dev_socket_id(port), NULL, mp);
			if (ret != 0)
				break;
		}
		if (i != n_rxq) {
			n_rxq = i;
			continue;
		}
		res->n_rxq = n_rxq;
		res->n_txq = n_txq;
		return 0;
	}
	return fail(res, "rte_eth_*_queue_setup", ret != 0 ? ret : -EINVAL);
}

/* netdev_dpdk_configure_xstats(): names, then values, of equal counts. */
static int
ovs_port_xstats(uint16_t port, struct ovs_port_result *res)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	int n, got, ret = 0;

	n = rte_eth_xstats_get_names(port, NULL, 0);
	if (n < 0)
		return fail(res, "rte_eth_xstats_get_names", n);
	names = calloc((size_t)n + 1, sizeof(*names));
	vals = calloc((size_t)n + 1, sizeof(*vals));
	if (names == NULL || vals == NULL) {
		ret = fail(res, "calloc", -ENOMEM);
		goto out;
	}
	got = rte_eth_xstats_get_names(port, names, (unsigned int)n);
	if (got != n) {
		ret = fail(res, "rte_eth_xstats_get_names", got < 0 ? got : -EPROTO);
		goto out;
	}
	got = rte_eth_xstats_get(port, vals, (unsigned int)n);
	if (got != n)
		ret = fail(res, "rte_eth_xstats_get", got < 0 ? got : -EPROTO);
out:
	free(names);
	free(vals);
	return ret;
}

int
ovs_port_init(uint16_t port, struct rte_mempool *mp, const struct ovs_port_request *req,
	      struct ovs_port_result *res)
{
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	struct rte_eth_link link;
	int ret;

	memset(res, 0, sizeof(*res));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return fail(res, "rte_eth_dev_info_get", ret);
	ret = ovs_port_config(port, mp, req, RTE_MIN(req->n_rxq, (int)info.max_rx_queues),
			      RTE_MIN(req->n_txq, (int)info.max_tx_queues), res);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		return fail(res, "rte_eth_dev_start", ret);
	ret = ovs_port_xstats(port, res);
	if (ret != 0)
		return ret;
	/* OVS ignores these two results; a PMD should still not fail them. */
	ret = rte_eth_promiscuous_enable(port);
	if (ret != 0)
		return fail(res, "rte_eth_promiscuous_enable", ret);
	ret = rte_eth_allmulticast_enable(port);
	if (ret != 0)
		return fail(res, "rte_eth_allmulticast_enable", ret);
	ret = rte_eth_macaddr_get(port, &mac);
	if (ret != 0)
		return fail(res, "rte_eth_macaddr_get", ret);
	ret = rte_eth_link_get_nowait(port, &link);
	if (ret != 0)
		return fail(res, "rte_eth_link_get_nowait", ret);
	return 0;
}

int
ovs_port_reconfigure(uint16_t port, struct rte_mempool *mp,
		     const struct ovs_port_request *req, struct ovs_port_result *res)
{
	int ret = rte_eth_dev_stop(port);

	if (ret != 0) {
		memset(res, 0, sizeof(*res));
		return fail(res, "rte_eth_dev_stop", ret);
	}
	return ovs_port_init(port, mp, req, res);
}

int
ovs_port_destroy(uint16_t port)
{
	struct rte_eth_dev_info info;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	rte_eth_dev_stop(port);
	ret = rte_eth_dev_close(port);
	if (ret != 0)
		return ret;
	return rte_dev_remove(info.device);
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

bool
ovs_xstat_is_custom(const char *name)
{
	unsigned int q;
	char rest[RTE_ETH_XSTATS_NAME_SIZE];

	if ((name[0] == 'r' || name[0] == 't') &&
	    sscanf(name + 1, "x_q%u_%63s", &q, rest) == 2 &&
	    (strcmp(rest, "packets") == 0 || strcmp(rest, "bytes") == 0))
		return true;
	return ends_with(name, "_errors") || ends_with(name, "_dropped") ||
	       strstr(name, "_management_") != NULL;
}
