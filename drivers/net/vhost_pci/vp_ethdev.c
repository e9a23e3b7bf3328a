/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * net_vhost_pci ethdev glue: ops, link state, stats and xstats, for a port
 * over either transport (vp_transport.h); the probes are vp_vdev.c (socket)
 * and vp_vvu_pci.c (PCI).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ethdev_driver.h>

#include "vp_devargs.h"
#include "vp_internal.h"

#define VP_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_IN_ORDER) | \
		     (1ULL << VIRTIO_F_EVENT_IDX) | (1ULL << VIRTIO_NET_F_MRG_RXBUF) | \
		     (1ULL << VIRTIO_NET_F_MQ) | (1ULL << VIRTIO_NET_F_MTU))
/* The largest virtqueue (virtio 1.1, 2.7): above it a descriptor count is a mistake. */
#define VP_DESC_HINT_MAX 32768
#define VP_PROTOCOL_FEATURES ((1ULL << VHOST_USER_PROTOCOL_F_MQ) | \
			      (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
			      (1ULL << VHOST_USER_PROTOCOL_F_NET_MTU))

/* ------------------------------------------------------------------ link */

/* The link-change callback the transports call (vp_internals.link_changed). */
static void
vp_link_update_notify(struct vp_internals *in)
{
	struct rte_eth_dev *dev = &rte_eth_devices[in->port_id];
	int up = in->transport->frontend_present(in) && vhost_be_vring_ready(&in->be, 0) &&
		 vhost_be_vring_ready(&in->be, 1);

	if (up == in->link_up)
		return;
	in->link_up = up;
	dev->data->dev_link.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	VP_PEER_LOG(in, NOTICE, "port %u: link %s", in->port_id, up ? "up" : "down");
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

static int
vp_link_update(struct rte_eth_dev *dev, int wait)
{
	struct vp_internals *in = dev->data->dev_private;
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_10G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = in->link_up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};

	RTE_SET_USED(wait);
	return rte_eth_linkstatus_set(dev, &link);
}

/* ------------------------------------------------------------ lifecycle */

static int
vp_dev_configure(struct rte_eth_dev *dev)
{
	struct vp_internals *in = dev->data->dev_private;

	if (dev->data->nb_rx_queues > in->max_queue_pairs ||
	    dev->data->nb_tx_queues > in->max_queue_pairs)
		return -EINVAL;
	return 0;
}

static void
vp_set_started(struct rte_eth_dev *dev, int started)
{
	struct vp_internals *in = dev->data->dev_private;

	vp_quiesce(in);
	in->started = started;
	vp_sync_all(in);
	vp_resume(in);
}

/* The longest frame rx takes on every queue (a 32-bit store the datapath reads per frame). */
static void
vp_set_max_frame(struct vp_internals *in, uint16_t mtu)
{
	uint16_t i;

	for (i = 0; i < VP_MAX_QUEUE_PAIRS; i++)
		__atomic_store_n(&in->rxq[i].max_frame, (uint32_t)mtu + VP_FRAME_OVERHEAD,
				 __ATOMIC_RELAXED);
}

static int
vp_dev_start(struct rte_eth_dev *dev)
{
	uint16_t i;

	vp_set_max_frame(dev->data->dev_private, dev->data->mtu);
	vp_set_started(dev, 1);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	dev->data->dev_started = 1;
	return 0;
}

static int
vp_dev_stop(struct rte_eth_dev *dev)
{
	uint16_t i;

	vp_set_started(dev, 0);
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	dev->data->dev_started = 0;
	return 0;
}

static void
vp_calls_close(struct vp_internals *in)
{
	uint16_t i;

	for (i = 0; i < VP_MAX_QUEUE_PAIRS; i++) {
		vp_call_close(&in->rxq[i].call);
		vp_call_close(&in->txq[i].call);
	}
}

static int
vp_dev_close(struct rte_eth_dev *dev)
{
	struct vp_internals *in = dev->data->dev_private;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	vp_dev_stop(dev);
	in->transport->close(in);
	vp_calls_close(in);
	/* the MAC lives in dev_private, not in its own allocation */
	dev->data->mac_addrs = NULL;
	return 0;
}

static int
vp_dev_info(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct vp_internals *in = dev->data->dev_private;

	info->max_mac_addrs = 1;
	info->max_rx_pktlen = VP_MAX_MTU + VP_FRAME_OVERHEAD;
	info->max_mtu = VP_MAX_MTU;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_rx_queues = in->max_queue_pairs;
	info->max_tx_queues = in->max_queue_pairs;
	info->min_rx_bufsize = 0;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* Any count up to the largest virtqueue is a hint: see vp_desc_hint. */
	info->rx_desc_lim.nb_max = VP_DESC_HINT_MAX;
	info->rx_desc_lim.nb_min = 1;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim = info->rx_desc_lim;
	return 0;
}

/*
 * The front-end sizes the virtqueues (SET_VRING_NUM) and owns their buffers,
 * so the count an application passes to queue set-up (OVS-DPDK: 2048)
 * cannot apply; it is accepted and logged.
 */
static void
vp_desc_hint(const struct rte_eth_dev *dev, const char *dir, uint16_t qid, uint16_t nb_desc)
{
	VP_LOG(INFO, "port %u %sq %u: %u descriptors asked; the front-end sets the ring size",
	       dev->data->port_id, dir, qid, nb_desc);
}

static int
vp_rx_queue_setup(struct rte_eth_dev *dev, uint16_t id, uint16_t nb_desc, unsigned int socket,
		  const struct rte_eth_rxconf *conf, struct rte_mempool *mp)
{
	struct vp_internals *in = dev->data->dev_private;
	struct vp_queue *q = &in->rxq[id];

	vp_desc_hint(dev, "rx", id, nb_desc);
	RTE_SET_USED(socket);
	RTE_SET_USED(conf);
	/* the control thread reads it when it attaches the ring (vp_sync_all) */
	pthread_mutex_lock(&in->ctl_lock);
	q->mb_pool = mp;
	pthread_mutex_unlock(&in->ctl_lock);
	dev->data->rx_queues[id] = q;
	return 0;
}

static int
vp_tx_queue_setup(struct rte_eth_dev *dev, uint16_t id, uint16_t nb_desc, unsigned int socket,
		  const struct rte_eth_txconf *conf)
{
	struct vp_internals *in = dev->data->dev_private;

	vp_desc_hint(dev, "tx", id, nb_desc);
	RTE_SET_USED(socket);
	RTE_SET_USED(conf);
	dev->data->tx_queues[id] = &in->txq[id];
	return 0;
}

static int
vp_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	if (mtu > VP_MAX_MTU)
		return -EINVAL;
	vp_set_max_frame(dev->data->dev_private, mtu);
	return 0;
}

static int
vp_noop(struct rte_eth_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

/* ---------------------------------------------------------------- stats */

static int
vp_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct vp_internals *in = dev->data->dev_private;
	uint16_t i;

	for (i = 0; i < in->max_queue_pairs; i++) {
		const struct vp_queue *r = &in->rxq[i], *t = &in->txq[i];

		st->ipackets += r->pkts;
		st->ibytes += r->bytes;
		st->rx_nombuf += r->drop[VP_DROP_NOMBUF];
		st->ierrors += r->drop[VP_DROP_SHORT] + r->drop[VP_DROP_OVERSIZE];
		st->opackets += t->pkts;
		st->obytes += t->bytes;
		st->oerrors += t->drop[VP_DROP_TOO_BIG];
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[i] = r->pkts;
			st->q_ibytes[i] = r->bytes;
			st->q_opackets[i] = t->pkts;
			st->q_obytes[i] = t->bytes;
		}
	}
	return 0;
}

static void
vp_queue_stats_reset(struct vp_queue *q)
{
	q->pkts = q->bytes = q->calls = 0;
	memset(q->drop, 0, sizeof(q->drop));
}

static int
vp_stats_reset(struct rte_eth_dev *dev)
{
	struct vp_internals *in = dev->data->dev_private;
	uint16_t i;

	for (i = 0; i < in->max_queue_pairs; i++) {
		vp_queue_stats_reset(&in->rxq[i]);
		vp_queue_stats_reset(&in->txq[i]);
	}
	return 0;
}

static const char *const vp_drop_names[VP_DROP__MAX] = {
	[VP_DROP_NOMBUF] = "drop_nombuf",
	[VP_DROP_SHORT] = "drop_short_chain",
	[VP_DROP_TOO_BIG] = "drop_too_big",
	[VP_DROP_NO_BUFFER] = "ring_full",
	[VP_DROP_OVERSIZE] = "drop_oversize",
};

static const char *const vp_ring_err_names[PRING_ERR__MAX] = {
	[PRING_ERR_ID] = "bad_id",
	[PRING_ERR_LEN] = "bad_len",
	[PRING_ERR_ADDR] = "bad_addr",
	[PRING_ERR_FLAGS] = "bad_flags",
	[PRING_ERR_CHAIN] = "bad_chain",
	[PRING_ERR_NOT_OUTSTANDING] = "not_outstanding",
};

/* Per queue: packets, bytes, calls, drops by reason, ring violations by reason. */
#define VP_XSTATS_PER_Q (3 + VP_DROP__MAX + PRING_ERR__MAX)
/*
 * Per port: connects, disconnects, ring-violation and memory-fault disconnects,
 * messages, violations by reason.
 */
#define VP_XSTATS_PORT (5 + VHOST_ERR__MAX - 1)

static int
vp_xstats_count(const struct vp_internals *in)
{
	return 2 * in->max_queue_pairs * VP_XSTATS_PER_Q + VP_XSTATS_PORT;
}

static int
vp_queue_xstat_names(struct rte_eth_xstat_name *n, const char *dir, uint16_t qid)
{
	int k = 0, i;

	snprintf(n[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s_q%u_packets", dir, qid);
	snprintf(n[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s_q%u_bytes", dir, qid);
	snprintf(n[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s_q%u_notifications", dir, qid);
	for (i = 0; i < VP_DROP__MAX; i++)
		snprintf(n[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s_q%u_%s", dir, qid, vp_drop_names[i]);
	for (i = 0; i < PRING_ERR__MAX; i++)
		snprintf(n[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s_q%u_ring_%s", dir, qid,
			 vp_ring_err_names[i]);
	return k;
}

static int
vp_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names, unsigned int size)
{
	struct vp_internals *in = dev->data->dev_private;
	int total = vp_xstats_count(in), k = 0, i;
	uint16_t q;

	if (names == NULL || size < (unsigned int)total)
		return total;
	for (q = 0; q < in->max_queue_pairs; q++) {
		k += vp_queue_xstat_names(&names[k], "rx", q);
		k += vp_queue_xstat_names(&names[k], "tx", q);
	}
	snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "frontend_connects");
	snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "frontend_disconnects");
	snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "ring_violation_disconnects");
	snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "frontend_memory_faults");
	snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "vhost_messages");
	for (i = 1; i < VHOST_ERR__MAX; i++)
		snprintf(names[k++].name, RTE_ETH_XSTATS_NAME_SIZE, "vhost_violation_%s",
			 vhost_msg_err_name(i));
	return k;
}

static int
vp_queue_xstats(struct rte_eth_xstat *x, int k0, const struct vp_queue *q)
{
	const struct pring_stats *rs = vp_queue_ring_stats(q);
	int k = k0, i;

	x[k++].value = q->pkts;
	x[k++].value = q->bytes;
	x[k++].value = q->calls;
	for (i = 0; i < VP_DROP__MAX; i++)
		x[k++].value = q->drop[i];
	for (i = 0; i < PRING_ERR__MAX; i++)
		x[k++].value = rs->err[i];
	for (i = k0; i < k; i++)
		x[i].id = (uint64_t)i;
	return k - k0;
}

static int
vp_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *x, unsigned int n)
{
	struct vp_internals *in = dev->data->dev_private;
	int total = vp_xstats_count(in), k = 0, i, k0;
	uint16_t q;

	if (x == NULL || n < (unsigned int)total)
		return total;
	for (q = 0; q < in->max_queue_pairs; q++) {
		k += vp_queue_xstats(x, k, &in->rxq[q]);
		k += vp_queue_xstats(x, k, &in->txq[q]);
	}
	k0 = k;
	x[k++].value = in->connects;
	x[k++].value = in->disconnects;
	x[k++].value = in->ring_violations;
	x[k++].value = in->mem_faults;
	x[k++].value = in->be.msgs;
	for (i = 1; i < VHOST_ERR__MAX; i++)
		x[k++].value = in->be.err[i];
	for (i = k0; i < k; i++)
		x[i].id = (uint64_t)i;
	return k;
}

static const struct eth_dev_ops vp_ops = {
	.dev_configure = vp_dev_configure,
	.dev_start = vp_dev_start,
	.dev_stop = vp_dev_stop,
	.dev_close = vp_dev_close,
	.dev_infos_get = vp_dev_info,
	.rx_queue_setup = vp_rx_queue_setup,
	.tx_queue_setup = vp_tx_queue_setup,
	.link_update = vp_link_update,
	.mtu_set = vp_mtu_set,
	.promiscuous_enable = vp_noop,
	.promiscuous_disable = vp_noop,
	.allmulticast_enable = vp_noop,
	.allmulticast_disable = vp_noop,
	.stats_get = vp_stats_get,
	.stats_reset = vp_stats_reset,
	.xstats_get = vp_xstats_get,
	.xstats_get_names = vp_xstats_get_names,
	.xstats_reset = vp_stats_reset,
};

/* ---------------------------------------------------------- probe/remove */

void
vp_internals_init(struct vp_internals *in, const struct vp_args *a, uint16_t port_id,
		  bool fdless, const struct vhost_be_ops *ops, const struct vp_transport_ops *t)
{
	/* none of the protocol features offered lets the back-end send fds */
	struct vhost_be_config cfg = {
		.features = VP_FEATURES,
		.protocol_features = VP_PROTOCOL_FEATURES,
		.max_queue_pairs = a->queues,
		.max_mtu = VP_MAX_MTU,
		.fdless = fdless,
	};
	uint16_t i;

	cfg.features |= 1ULL << VIRTIO_F_RING_PACKED;
	in->port_id = port_id;
	in->transport = t;
	in->link_changed = vp_link_update_notify;
	in->max_queue_pairs = a->queues;
	in->mac = a->mac;
	in->client = a->client;
	strcpy(in->iface, a->iface);
	in->listen_fd = in->conn_fd = -1;
	pthread_mutex_init(&in->ctl_lock, NULL);
	for (i = 0; i < VP_MAX_QUEUE_PAIRS; i++) {
		struct vp_queue *r = &in->rxq[i], *t = &in->txq[i];

		burst_gate_open(&r->gate);
		burst_gate_open(&t->gate);
		r->vring = (uint16_t)(2 * i + 1);
		t->vring = (uint16_t)(2 * i);
		r->queue_id = t->queue_id = i;
		r->port_id = t->port_id = port_id;
		r->call_fd = t->call_fd = -1;
		r->max_frame = RTE_ETHER_MTU + VP_FRAME_OVERHEAD;
		if (!fdless && i < a->queues) {
			vp_call_open(&r->call);
			vp_call_open(&t->call);
		}
	}
	vhost_be_init(&in->be, &cfg, ops, in);
}

void
vp_ethdev_abort(struct rte_eth_dev *dev)
{
	vp_calls_close(dev->data->dev_private);
	/* the MAC lives in dev_private, not in its own allocation */
	dev->data->mac_addrs = NULL;
	rte_eth_dev_release_port(dev);
}

/* Unlike rte_eth_dev_close, also for a port still started (hot-unplug, EAL cleanup). */
int
vp_ethdev_remove(struct rte_eth_dev *dev)
{
	vp_dev_close(dev);
	return rte_eth_dev_release_port(dev);
}

void
vp_ethdev_setup(struct rte_eth_dev *dev, struct vp_internals *in)
{
	dev->dev_ops = &vp_ops;
	dev->rx_pkt_burst = vp_rx_burst;
	dev->tx_pkt_burst = vp_tx_burst;
	dev->data->mac_addrs = &in->mac;
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC;
	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
}
