/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* net_vhost_pci: shared driver state (ethdev glue, control thread, datapath). */

#ifndef VP_INTERNAL_H
#define VP_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include "burst_gate.h"
#include "pring.h"
#include "vhost_be.h"
#include "vp_call.h"
#include "vp_peer_log.h"
#include "vp_split.h"
#include "vp_transport.h"

struct rte_eth_dev;
struct vvu;
struct vp_args;
extern int vhost_pci_logtype;
#define VP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, vhost_pci_logtype, "vhost_pci: %s(): " fmt "\n", \
		__func__, ##__VA_ARGS__)

#define VP_MAX_QUEUE_PAIRS VHOST_BE_MAX_QUEUE_PAIRS
#define VP_HDR_LEN 12          /* struct virtio_net_hdr_mrg_rxbuf (VERSION_1) */
#define VP_BURST 32            /* chains taken per rx burst */
#define VP_STASH 64            /* chains a tx queue may hold peeked */
#define VP_STASH_SEGS 512      /* their segments */
#define VP_MAX_CHAIN 64        /* longest chain we accept */
#define VP_MAX_MTU 9000
/* Frame bytes beyond the MTU we accept: Ethernet header and one VLAN tag (ethdev's 18) */
#define VP_FRAME_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN)

/** Why packets were dropped; indexes vp_queue.drop[]. */
enum vp_drop {
	VP_DROP_NOMBUF = 0,  /**< rx: mbuf allocation failed */
	VP_DROP_SHORT,       /**< rx: chain shorter than the virtio-net header */
	VP_DROP_TOO_BIG,     /**< tx: packet larger than the front-end's buffers */
	VP_DROP_NO_BUFFER,   /**< tx: front-end posted no buffers (ring full) */
	VP_DROP_OVERSIZE,    /**< rx: frame longer than the port's MTU allows */
	VP_DROP__MAX
};

/** One side of a queue pair, bound to one front-end vring while running. */
struct vp_queue {
	struct burst_gate gate; /**< bursts enter it; vp_quiesce closes it to reconfigure */
	uint8_t running;       /**< a ring is attached */
	uint8_t packed;        /**< attached ring is packed (pring) rather than split */
	uint8_t mrg_rxbuf;     /**< tx: MRG_RXBUF negotiated */
	uint8_t in_order;      /**< IN_ORDER negotiated */
	uint8_t broken_seen;   /**< control thread already acted on a broken ring */
	uint16_t vring;        /**< front-end vring index */
	uint16_t queue_id;
	uint16_t port_id;
	int call_fd;           /**< -1: no eventfd (socket flavour) */
	struct vp_call call;   /**< signals call_fd without blocking (vp_call.c) */
	volatile uint16_t *doorbell; /**< PCI flavour: this vring's call doorbell in BAR 2, or NULL */
	uint32_t gen;          /**< vhost_be vring gen we attached at */
	uint32_t mem_gen;      /**< vhost_be mem gen we attached at */
	struct rte_mempool *mb_pool; /**< rx only */
	uint32_t max_frame;    /**< rx only: longest frame taken (MTU + VP_FRAME_OVERHEAD) */
	union {
		struct vp_split split;
		struct pring_dev packed;
	} r;
	/* tx stash: peeked chains not yet used; [0, used) consumed, [used, nr) free to use */
	uint16_t st_nr;
	uint16_t st_used;
	uint32_t st_segs;
	struct pring_chain st_chain[VP_STASH];
	uint32_t st_written[VP_STASH];
	struct pring_seg st_seg[VP_STASH_SEGS];
	/* counters, written by the datapath thread only */
	uint64_t pkts;
	uint64_t bytes;
	uint64_t calls;
	uint64_t drop[VP_DROP__MAX];
} __rte_cache_aligned;

/** Per-port state. */
struct vp_internals {
	struct vp_queue rxq[VP_MAX_QUEUE_PAIRS]; /**< ours rx = front-end tx = vring 2i+1 */
	struct vp_queue txq[VP_MAX_QUEUE_PAIRS]; /**< ours tx = front-end rx = vring 2i */
	uint16_t port_id;
	uint16_t max_queue_pairs;
	struct rte_ether_addr mac;
	char iface[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int client;
	/* control thread state */
	pthread_t ctl_thread;
	int ctl_started;
	volatile int ctl_stop;
	int listen_fd;
	int conn_fd;
	pthread_mutex_t ctl_lock;   /**< serialises control thread against dev_start/stop (vp_quiesce) */
	struct vhost_be be;
	struct pring_xlate gpa;     /**< guest-physical → local, used by every ring */
	struct {
		uint8_t *base;
		size_t len;
		int guard;          /**< peer_mem_guard handle, -1 if none */
	} map[VHOST_MEMORY_MAX_NREGIONS];
	uint32_t nr_map;
	volatile uint32_t mem_fault; /**< set by the SIGBUS guard: the front-end truncated its memory */
	uint64_t mem_faults;        /**< sessions whose memory the front-end truncated */
	volatile int started;       /**< dev_start called */
	volatile int link_up;
	uint64_t connects;
	uint64_t disconnects;
	uint64_t ring_violations;   /**< connections closed because a ring broke */
	struct peer_log peer_log; /**< rate limit of the log lines the front-end causes */
	const struct vp_transport_ops *transport; /**< set at creation; the ethdev's only way to it */
	vp_link_changed_cb link_changed; /**< set at creation; the transport's only way to the ethdev */
	/* PCI (virtio-vhost-user) flavour; NULL for the socket flavour */
	struct vvu *vvu;            /**< the transport: messages, memory in BAR 2, doorbells */
	void *pci;                  /**< vp_vvu_pci.c's device state */
};

/* vp_mem.c (socket flavour: the front-end's memory mapped from its fds) */
int vp_mem_map(void *ctx, const struct vhost_mem_table *mem, const int *fds);
void vp_mem_unmap(struct vp_internals *in);
void *vp_mem_uva(const struct vp_internals *in, uint64_t uaddr, uint64_t len);

/* vp_ring.c */
/** vhost_be_ops.pre_handle of both transports (ctx = the port). */
void vp_pre_handle(void *ctx, const struct vhost_msg_decoded *msg);
void vp_detach_all(struct vp_internals *in);
void vp_queue_sync(struct vp_internals *in, struct vp_queue *q, bool want);
void vp_queue_detach(struct vp_queue *q);
void vp_sync_all(struct vp_internals *in);
void vp_stop_all(struct vp_internals *in);
/** Stop the datapath of every queue and exclude other control-side changes; vp_resume undoes it. */
void vp_quiesce(struct vp_internals *in);
void vp_resume(struct vp_internals *in);
bool vp_any_broken(struct vp_internals *in);
const struct pring_stats *vp_queue_ring_stats(const struct vp_queue *q);

/* vp_rxtx.c */
uint16_t vp_rx_burst(void *qp, struct rte_mbuf **pkts, uint16_t n);
uint16_t vp_tx_burst(void *qp, struct rte_mbuf **pkts, uint16_t n);
/** The general rx path: up to @p n chains peeked into mbufs appended at pkts[*nb]; @return chains peeked. */
uint16_t vp_rx_chains(struct vp_queue *q, struct rte_mbuf **pkts, uint16_t n, uint16_t *nb);

/* vp_rx_packed.c: packed-ring rx, batches first (vp_batch.c) */
/** Packets appended at pkts[*nb]; @return buffers taken from the ring (packets or drops). */
uint16_t vp_rx_packed(struct vp_queue *q, struct rte_mbuf **pkts, uint16_t n, uint16_t *nb);
void vp_tx_stash_flush(struct vp_queue *q);

/* vp_tx_peek.c: vp_ring_peek for the tx stash, batches first (vp_batch.c) */
uint16_t vp_tx_peek(struct vp_queue *q, struct pring_chain *c, uint16_t max, struct pring_seg *s,
		    uint32_t max_segs);

/* vp_socket.c */
extern const struct vp_transport_ops vp_sock_transport;
extern const struct vhost_be_ops vp_sock_be_ops;
int vp_ctl_start(struct vp_internals *in);

/* vp_vvu_ctl.c (PCI flavour; in->vvu set, in->be initialised with vp_vvu_be_ops) */
extern const struct vhost_be_ops vp_vvu_be_ops;
bool vp_vvu_frontend_present(const struct vp_internals *in);
void *vp_vvu_uva(const struct vp_internals *in, uint64_t uaddr, uint64_t len);
volatile uint16_t *vp_vvu_call_doorbell(const struct vp_internals *in, uint16_t vring);
/** One control step: messages and status when pending; ring violations if @p check_rings. */
void vp_vvu_ctl_poll(struct vp_internals *in, bool check_rings);
/** Detach every ring and forget the translations (port closing). */
void vp_vvu_ctl_detach(struct vp_internals *in);

/* vp_vvu_pci.c */
extern const struct vp_transport_ops vp_vvu_transport;

/* vp_ethdev.c */
/**
 * Fill @p in for port @p port_id over transport @p t, whose state machine
 * hooks are @p ops (@p fdless: the transport passes no fds); registers the
 * ethdev's link-change callback.
 */
void vp_internals_init(struct vp_internals *in, const struct vp_args *a, uint16_t port_id,
		       bool fdless, const struct vhost_be_ops *ops,
		       const struct vp_transport_ops *t);
/** Ops, burst functions, MAC and flags of a port over @p in (both flavours). */
void vp_ethdev_setup(struct rte_eth_dev *dev, struct vp_internals *in);
/** Undo vp_internals_init and vp_ethdev_setup when the transport cannot start; releases the port. */
void vp_ethdev_abort(struct rte_eth_dev *dev);
/** Stop and close the port, then release it (bus remove). */
int vp_ethdev_remove(struct rte_eth_dev *dev);

#endif /* VP_INTERNAL_H */
