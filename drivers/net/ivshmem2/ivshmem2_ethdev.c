/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* ethdev glue: device operations, queue set-up, and the vdev (host) flavour's probe/remove. */

#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_random.h>

#include <bus_vdev_driver.h>
#include <ethdev_vdev.h>

#include "ivshmem2.h"

RTE_LOG_REGISTER(ivshmem2_logtype, "pmd.net.ivshmem2", NOTICE);

/*
 * The slots of a ring are fixed by devargs (ring_size=) and shared with the
 * peer, so the count an application passes to queue set-up cannot change
 * them. It is taken as a hint: any count up to the largest virtqueue is
 * accepted (OVS-DPDK asks for 2048, testpmd for its --rxd) and a count other
 * than the ring's is logged once per queue set-up.
 */
#define IV2_DESC_HINT_MAX 32768

static void
iv2_desc_hint(const struct rte_eth_dev *dev, const struct pmd_internals *p, const char *dir,
	      uint16_t qid, uint16_t nb_desc)
{
	if (nb_desc != p->cfg.ring_size)
		IV2_LOG(NOTICE, "port %u %sq %u: %u descriptors asked, using the link's %u slots "
			"(devargs ring_size=)", dev->data->port_id, dir, qid, nb_desc,
			p->cfg.ring_size);
}

static int
iv2_dev_configure(struct rte_eth_dev *dev)
{
	struct pmd_internals *p = dev->data->dev_private;

	if (dev->data->nb_rx_queues > p->cfg.queues || dev->data->nb_tx_queues > p->cfg.queues) {
		IV2_LOG(ERR, "port %u: %u rx / %u tx queues asked, the link has %u (queues=)",
			dev->data->port_id, dev->data->nb_rx_queues, dev->data->nb_tx_queues,
			p->cfg.queues);
		return -EINVAL;
	}
	return 0;
}

static int
iv2_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct pmd_internals *p = dev->data->dev_private;

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = IV2_MAX_FRAME;
	info->max_mtu = IV2_MAX_FRAME - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_rx_queues = p->cfg.queues;
	info->max_tx_queues = p->cfg.queues;
	info->min_rx_bufsize = 0;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* Any count is a hint (see iv2_desc_hint); the default is what is used. */
	info->rx_desc_lim.nb_max = IV2_DESC_HINT_MAX;
	info->rx_desc_lim.nb_min = 1;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim = info->rx_desc_lim;
	info->default_rxportconf.ring_size = p->cfg.ring_size;
	info->default_txportconf.ring_size = p->cfg.ring_size;
	info->speed_capa = RTE_ETH_LINK_SPEED_100G;
	return 0;
}

static int
iv2_dev_start(struct rte_eth_dev *dev)
{
	struct pmd_internals *p = dev->data->dev_private;
	uint16_t q;

	iv2_select_burst(dev);
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	return iv2_lifecycle_start(p);
}

static int
iv2_dev_stop(struct rte_eth_dev *dev)
{
	struct pmd_internals *p = dev->data->dev_private;
	uint16_t q;

	iv2_lifecycle_stop(p);
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static void
iv2_rxq_free(struct pmd_internals *p, uint16_t qid)
{
	struct iv2_rxq *q = p->rxq[qid];

	if (q == NULL)
		return;
	p->rxq[qid] = NULL;
	iv2_rxq_zc_fini(q);
	rte_free(q->zc_chain);
	rte_free(q);
}

static void
iv2_txq_free(struct pmd_internals *p, uint16_t qid)
{
	struct iv2_txq *q = p->txq[qid];

	if (q == NULL)
		return;
	p->txq[qid] = NULL;
	rte_free(q->slots);
	rte_free(q);
}

static int
iv2_dev_close(struct rte_eth_dev *dev)
{
	struct pmd_internals *p = dev->data->dev_private;
	uint16_t q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	iv2_lifecycle_detach(p);
	if (p->dev.ops != NULL)
		p->dev.ops->close(&p->dev);
	for (q = 0; q < IV2_MAX_QUEUES; q++) {
		iv2_rxq_free(p, q);
		iv2_txq_free(p, q);
	}
	iv2_tx_pools_free(p);
	/* The lock stays usable: ethdev still releases the (already freed) queues. */
	return 0;
}

static int
iv2_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned int socket,
		   const struct rte_eth_rxconf *conf, struct rte_mempool *mp)
{
	struct pmd_internals *p = dev->data->dev_private;
	struct iv2_rxq *q;

	struct rte_mbuf tmpl;

	RTE_SET_USED(conf);
	iv2_desc_hint(dev, p, "rx", qid, nb_desc);
	if (rte_pktmbuf_data_room_size(mp) <= RTE_PKTMBUF_HEADROOM) {
		IV2_LOG(ERR, "port %u rxq %u: mbufs of pool %s have no data room",
			dev->data->port_id, qid, mp->name);
		return -EINVAL;
	}
	if (p->cfg.zero_copy &&
	    (rte_pktmbuf_priv_flags(mp) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF) != 0) {
		/* Zero-copy RX attaches the peer's buffers to the pool's mbufs: they must have none. */
		IV2_LOG(ERR, "port %u rxq %u: pool %s has pinned external buffers (a TX pool?):"
			" not with zero_copy=1", dev->data->port_id, qid, mp->name);
		return -EINVAL;
	}
	q = rte_zmalloc_socket("iv2_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE, (int)socket);
	if (q == NULL)
		return -ENOMEM;
	if (p->cfg.zero_copy) {
		q->zc_chain = rte_zmalloc_socket("iv2_zc_chain",
						 p->cfg.ring_size * sizeof(q->zc_chain[0]),
						 RTE_CACHE_LINE_SIZE, (int)socket);
		if (q->zc_chain == NULL) {
			rte_free(q);
			return -ENOMEM;
		}
	}
	q->mp = mp;
	q->mbuf_room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	/*
	 * A pool of pinned external buffers (a TX pool of ours, forwarding
	 * without a copy on the way out) keeps its flag: without it a free
	 * would take the mbuf for a direct one.
	 */
	q->ol_flags = (rte_pktmbuf_priv_flags(mp) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF) != 0 ?
		      RTE_MBUF_F_EXTERNAL : 0;
	q->port_id = dev->data->port_id;
	q->queue_id = qid;
	/* What rte_pktmbuf_reset() would write into the rearm word, computed once. */
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.data_off = RTE_PKTMBUF_HEADROOM;
	tmpl.nb_segs = 1;
	tmpl.port = q->port_id;
	rte_mbuf_refcnt_set(&tmpl, 1);
	memcpy(&q->rearm, &tmpl.data_off, sizeof(q->rearm)); /* the rearm_data word */
	tmpl.data_off = 0;
	memcpy(&q->rearm_zc, &tmpl.data_off, sizeof(q->rearm_zc));
	pthread_mutex_lock(&p->lock);
	iv2_rxq_free(p, qid);
	p->rxq[qid] = q;
	pthread_mutex_unlock(&p->lock);
	dev->data->rx_queues[qid] = q;
	return 0;
}

static int
iv2_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned int socket,
		   const struct rte_eth_txconf *conf)
{
	struct pmd_internals *p = dev->data->dev_private;
	struct iv2_txq *q;

	RTE_SET_USED(conf);
	iv2_desc_hint(dev, p, "tx", qid, nb_desc);
	q = rte_zmalloc_socket("iv2_txq", sizeof(*q), RTE_CACHE_LINE_SIZE, (int)socket);
	if (q == NULL)
		return -ENOMEM;
	q->slots = rte_zmalloc_socket("iv2_tx_slots", p->cfg.ring_size * sizeof(q->slots[0]),
				      RTE_CACHE_LINE_SIZE, (int)socket);
	if (q->slots == NULL) {
		rte_free(q);
		return -ENOMEM;
	}
	q->port_id = dev->data->port_id;
	q->queue_id = qid;
	pthread_mutex_lock(&p->lock);
	iv2_txq_free(p, qid);
	p->txq[qid] = q;
	pthread_mutex_unlock(&p->lock);
	dev->data->tx_queues[qid] = q;
	return 0;
}

static void
iv2_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct pmd_internals *p = dev->data->dev_private;

	pthread_mutex_lock(&p->lock);
	iv2_rxq_free(p, qid);
	pthread_mutex_unlock(&p->lock);
	dev->data->rx_queues[qid] = NULL;
}

static void
iv2_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct pmd_internals *p = dev->data->dev_private;

	pthread_mutex_lock(&p->lock);
	iv2_txq_free(p, qid);
	pthread_mutex_unlock(&p->lock);
	dev->data->tx_queues[qid] = NULL;
}

/* The link is maintained by the control path; nothing to poll here. */
static int
iv2_link_update(struct rte_eth_dev *dev, int wait)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(wait);
	return 0;
}

static int
iv2_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	RTE_SET_USED(dev);
	return mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN > IV2_MAX_FRAME ? -EINVAL : 0;
}

/* A point-to-point link: every frame reaches us, filters have nothing to do. */
static int
iv2_noop(struct rte_eth_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

static int
iv2_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(addr);
	return 0;
}

static const struct eth_dev_ops iv2_ops = {
	.dev_configure = iv2_dev_configure,
	.dev_infos_get = iv2_dev_infos_get,
	.dev_start = iv2_dev_start,
	.dev_stop = iv2_dev_stop,
	.dev_close = iv2_dev_close,
	.rx_queue_setup = iv2_rx_queue_setup,
	.tx_queue_setup = iv2_tx_queue_setup,
	.rx_queue_release = iv2_rx_queue_release,
	.tx_queue_release = iv2_tx_queue_release,
	.tx_done_cleanup = iv2_tx_done_cleanup,
	.link_update = iv2_link_update,
	.mtu_set = iv2_mtu_set,
	.promiscuous_enable = iv2_noop,
	.promiscuous_disable = iv2_noop,
	.allmulticast_enable = iv2_noop,
	.allmulticast_disable = iv2_noop,
	.mac_addr_set = iv2_mac_addr_set,
	.stats_get = iv2_stats_get,
	.stats_reset = iv2_stats_reset,
	.xstats_get = iv2_xstats_get,
	.xstats_get_names = iv2_xstats_get_names,
	.xstats_reset = iv2_xstats_reset,
};

bool
iv2_is_port(const struct rte_eth_dev *dev)
{
	return dev->dev_ops == &iv2_ops;
}

/* Everything after device access is flavour-independent. */
int
iv2_ethdev_init(struct rte_eth_dev *eth_dev, const struct iv2_config *cfg)
{
	struct pmd_internals *p = eth_dev->data->dev_private;
	struct rte_ether_addr *mac;

	mac = rte_zmalloc_socket("iv2_mac", sizeof(*mac), 0, eth_dev->data->numa_node);
	if (mac == NULL)
		return -ENOMEM;
	if (cfg->have_mac)
		*mac = cfg->mac;
	else
		rte_eth_random_addr(mac->addr_bytes);
	eth_dev->data->mac_addrs = mac;
	eth_dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC | RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	eth_dev->data->mtu = RTE_ETHER_MTU;
	eth_dev->dev_ops = &iv2_ops;
	p->eth_dev = eth_dev;
	iv2_select_burst(eth_dev);
	return 0;
}

static int
rte_pmd_ivshmem2_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct iv2_host_params hp;
	struct rte_eth_dev *eth_dev;
	struct pmd_internals *p;
	struct iv2_config cfg;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		IV2_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	ret = iv2_devargs_parse(rte_vdev_device_args(vdev), &cfg, true);
	if (ret < 0) {
		IV2_LOG(ERR, "%s: invalid devargs, see the driver guide", name);
		return ret;
	}
	eth_dev = rte_eth_vdev_allocate(vdev, sizeof(*p));
	if (eth_dev == NULL)
		return -ENOMEM;
	p = eth_dev->data->dev_private;
	p->cfg = cfg;
	pthread_mutex_init(&p->lock, NULL);
	hp = (struct iv2_host_params){
		.path = p->cfg.shm,
		.id = (uint32_t)cfg.id,
		.state_size = cfg.state_size,
		.rw_size = cfg.rw_size,
		.out_size = cfg.out_size,
	};
	ret = iv2_host_open(&p->dev, &hp);
	if (ret == 0)
		ret = iv2_ethdev_init(eth_dev, &cfg);
	if (ret < 0) {
		if (p->dev.ops != NULL)
			p->dev.ops->close(&p->dev);
		pthread_mutex_destroy(&p->lock);
		rte_eth_dev_release_port(eth_dev);
		return ret;
	}
	rte_eth_dev_probing_finish(eth_dev);
	iv2_lifecycle_attach(p);
	IV2_LOG(INFO, "%s: port %u, %s flavour, id %u, %u queues x %u slots x %u B, %s RX",
		name, eth_dev->data->port_id, p->dev.flavour, p->dev.id, cfg.queues, cfg.ring_size,
		cfg.buf_size, cfg.zero_copy ? "zero-copy" : "copy");
	return 0;
}

static int
rte_pmd_ivshmem2_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (eth_dev == NULL)
		return 0;
	/* Closing releases the port (RTE_ETH_DEV_CLOSE_REMOVE is the rule since 21.11). */
	return rte_eth_dev_close(eth_dev->data->port_id);
}

static struct rte_vdev_driver pmd_ivshmem2_drv = {
	.probe = rte_pmd_ivshmem2_probe,
	.remove = rte_pmd_ivshmem2_remove,
};

RTE_PMD_REGISTER_VDEV(net_ivshmem2, pmd_ivshmem2_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_ivshmem2,
	"shm=<file on hugetlbfs or /dev/shm> "
	"id=<0|1> "
	"queues=<1..8> "
	"ring_size=<64..4096, power of 2> "
	"buf_size=<512..16384, power of 2> "
	"mac=<xx:xx:xx:xx:xx:xx> "
	"zero_copy=<0|1> "
	"state_size=<bytes> "
	"rw_size=<bytes> "
	"out_size=<bytes> "
	"tx_pool=<buffers per queue for rte_pmd_ivshmem2_tx_pool_get, 0>");
