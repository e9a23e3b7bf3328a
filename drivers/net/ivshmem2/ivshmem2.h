/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * net_ivshmem2 internals shared by the PMD's files: configuration,
 * queue structures, the per-port private data and the functions each file
 * offers the others.
 */

#ifndef IVSHMEM2_H
#define IVSHMEM2_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include <ethdev_driver.h>

#include "burst_gate.h"
#include "peer_log.h"
#include "pring.h"
#include "ivshmem2_dev.h"
#include "ivshmem2_log.h"
#include "ivshmem2_wire.h"


/** Packets handled per pring call; bursts longer than this are split. */
#define IV2_BURST 64
/** Descriptors a frame may span: IV2_MAX_FRAME / IV2_MIN_BUF. */
#define IV2_MAX_CHAIN (IV2_MAX_FRAME / IV2_MIN_BUF)
/** Control-path poll period. */
#define IV2_POLL_US 10000
/** A peer whose heartbeat stands still this long is considered gone. */
#define IV2_HEARTBEAT_TIMEOUT_MS 3000

/** Devargs, after parsing and defaults. */
struct iv2_config {
	char shm[256];       /**< host flavour: shared file */
	int id;              /**< -1 until given */
	uint16_t queues;     /**< queue pairs on the wire */
	uint16_t ring_size;  /**< slots per ring */
	uint32_t buf_size;   /**< bytes per packet buffer */
	uint64_t state_size; /**< ivshmem section sizes (0: default) */
	uint64_t rw_size;
	uint64_t out_size;
	bool zero_copy;      /**< RX hands out mbufs pointing into the peer's section */
	uint16_t tx_pool;    /**< buffers per queue given to the zero-copy TX pool (0: none) */
	bool have_mac;
	struct rte_ether_addr mac;
};

/* Drop reasons, indexing the drops[] counters of both queue kinds. */
enum iv2_drop {
	IV2_DROP_RING_FULL = 0, /**< TX: no free descriptor */
	IV2_DROP_NO_MBUF,       /**< RX: mempool empty */
	IV2_DROP_BAD_DESC,      /**< RX: peer posted a descriptor pring rejected */
	IV2_DROP_PEER_DOWN,     /**< TX: link down */
	IV2_DROP_OVERSIZE,      /**< TX: frame above IV2_MAX_FRAME; RX: frame above our limit */
	IV2_DROP__MAX
};

struct iv2_zc_block;

/** A receive queue: device end of the peer's TX ring q. */
struct iv2_rxq {
	/* hot, written by the datapath lcore */
	struct pring_dev ring;
	struct rte_mempool *mp;
	uint16_t port_id;
	uint16_t queue_id;
	uint32_t mbuf_room;          /**< data room of mp's mbufs */
	uint64_t rearm;              /**< data_off, refcnt, nb_segs, port of a fresh mbuf */
	uint64_t rearm_zc;           /**< the same with data_off 0 (external buffer) */
	uint64_t ol_flags;           /**< of a fresh mbuf of mp: RTE_MBUF_F_EXTERNAL for pinned buffers */
	struct burst_gate gate;      /**< open while the ring is bound and the link up */
	uint64_t pkts;
	uint64_t bytes;
	uint64_t drops[IV2_DROP__MAX];
	/* zero-copy: peeked chains waiting for the app to free their mbufs */
	struct iv2_zc_block *zc;     /**< this session's zero-copy slots */
	struct iv2_zc_block *zc_retired; /**< older sessions' slots, mbufs still out */
	uint16_t zc_head;            /**< ring slot of the oldest pending chain */
	uint16_t zc_pending;         /**< chains pending */
	struct pring_chain *zc_chain; /**< the chain starting at each ring slot, while pending */
	uint8_t bound;               /**< ring initialised (control path) */
	struct pring_xlate xlate;    /**< the peer's packet buffer area of queue q */
	struct pring_chain chains[IV2_BURST];
	struct pring_seg segs[IV2_BURST * 4];
	struct rte_mbuf *zc_mbufs[IV2_BURST * 4];
} __rte_cache_aligned;

/** A transmit queue: driver end of our TX ring q. */
struct iv2_txq {
	struct pring_drv ring;
	/** the flavour's doorbell, NULL when it has none (then the peer's events are not read) */
	void (*notify)(struct iv2_dev *d, uint16_t vector);
	struct iv2_dev *dev;
	uint16_t vector;             /**< doorbell vector for this queue */
	uint8_t *bufs;               /**< our packet buffers for queue q */
	uint64_t bufs_off;           /**< their offset in our section (descriptor addr base) */
	uint16_t mask;               /**< ring_size - 1 */
	uint16_t reap_below;         /**< reap completions once fewer descriptors are free */
	uint16_t buf_shift;          /**< log2(buf_size) */
	uint16_t port_id;
	uint16_t queue_id;
	struct burst_gate gate;      /**< open while the ring is bound and the link up */
	uint8_t bound;
	uint64_t pkts;
	uint64_t bytes;
	uint64_t drops[IV2_DROP__MAX];
	uint64_t doorbells;          /**< doorbell writes (bursts after which the peer wanted one) */
	struct pring_drv_slot *slots;
	/* tx_pool mode (ivshmem2_tx_pool.c): pool buffers posted in place */
	uintptr_t pool_lo;           /**< first byte of this queue's pool buffers */
	uintptr_t pool_span;         /**< their bytes: buf_addr - pool_lo < pool_span is ours */
	struct rte_mempool *const *zc_pool; /**< &tx_pool[queue]: NULL until the app asks for it */
	uint32_t copy_mask;          /**< copy buffers - 1 (a power of two) */
	uint32_t copy_head;          /**< next copy buffer, masked on use */
	uint32_t copy_out;           /**< copy buffers posted and not yet reaped */
	uint64_t zc_pkts;            /**< frames posted in place */
	uint64_t zc_reaped;          /**< of those, returned to their pool after the peer completed them */
	uint64_t zc_released;        /**< ... or when the ring was reset (peer gone, stop, close) */
} __rte_cache_aligned;

/** Per-port private data. */
struct pmd_internals {
	struct iv2_config cfg;
	struct iv2_dev dev;
	struct rte_eth_dev *eth_dev;
	uint16_t nb_rxq;
	uint16_t nb_txq;
	struct iv2_rxq *rxq[IV2_MAX_QUEUES];
	struct iv2_txq *txq[IV2_MAX_QUEUES];
	/* life cycle, owned by the control path (alarm callback) */
	uint32_t local_state;
	uint32_t peer_state;         /**< peer state as last evaluated (after liveness checks) */
	uint32_t peer_state_raw;     /**< cached state-table entry, for change detection */
	uint32_t peer_session;       /**< session of the peer's section we bound to */
	uint32_t session;            /**< our section's session */
	uint64_t peer_hb;            /**< last heartbeat value seen */
	uint64_t peer_hb_tsc;        /**< when it last changed */
	uint64_t hb;                 /**< our heartbeat */
	bool started;
	bool link_up;
	bool bound;                  /**< queues bound to a validated peer section */
	bool polling;                /**< alarm armed */
	uint32_t poll_us;            /**< alarm period; IV2_POLL_US unless a test changes it */
	uint64_t state_irqs;         /**< vector-0 interrupts handled */
	bool incompatible_logged;
	bool lsc_pending;            /**< link changed: notify once the lock is dropped */
	pthread_mutex_t lock;        /**< serialises the alarm with start/stop/close */
	uint64_t link_changes;
	uint64_t peer_resets;        /**< times the peer went away or restarted */
	uint64_t peer_incompatible;  /**< peer section failed validation */
	uint64_t ring_errors;        /**< pring end marked broken */
	uint64_t mem_faults;         /**< the peer truncated the shared memory */
	bool mem_fault_seen;         /**< ... and it is not mapped again yet */
	struct peer_log peer_log;    /**< rate limit of the log lines the peer causes */
	struct rte_mempool *tx_pool[IV2_MAX_QUEUES]; /**< zero-copy TX pools, made on first request */
};

/* ivshmem2_ethdev.c */
int iv2_ethdev_init(struct rte_eth_dev *eth_dev, const struct iv2_config *cfg);

/* ivshmem2_devargs.c */
/** Parse devargs; @p host: vdev flavour (shm and id required) rather than PCI. */
int iv2_devargs_parse(const char *args, struct iv2_config *cfg, bool host);
/** Which flavour's rules devargs follow. */
enum iv2_args_flavour {
	IV2_ARGS_HOST,  /**< shm and id required, sizes optional */
	IV2_ARGS_PCI,   /**< ivshmem 2.0: ID and sizes come from the device */
	IV2_ARGS_PLAIN, /**< QEMU ivshmem-plain: id required, sizes optional, no shm */
};
int iv2_devargs_parse_flavour(const char *args, struct iv2_config *cfg, enum iv2_args_flavour fl);

/* ivshmem2_lifecycle.c */
int iv2_lifecycle_start(struct pmd_internals *p);
void iv2_lifecycle_stop(struct pmd_internals *p);
void iv2_lifecycle_poll(struct pmd_internals *p);
void iv2_lifecycle_attach(struct pmd_internals *p);
void iv2_lifecycle_detach(struct pmd_internals *p);
/** A state-change event (interrupt): one life-cycle step now, as the poll would. */
void iv2_lifecycle_event(struct pmd_internals *p);

/* ivshmem2_pci_dev.c */
/**
 * Attach the device described by @p acc and initialise the port over it
 * (devargs @p args, PCI flavour). The caller allocated @p eth_dev with our
 * private data and releases it on failure. Interrupts stay off.
 */
int iv2_pci_port_init(struct rte_eth_dev *eth_dev, const struct iv2_pci_access *acc,
		      const char *args);
/**
 * Take state changes from MSI-X vector 0 when the device has MSI-X and @p h
 * (the bus's interrupt handle, may be NULL) can deliver it; the poll stays.
 * @return 1 with interrupts on, 0 when polling only.
 */
int iv2_pci_intr_setup(struct pmd_internals *p, const struct rte_intr_handle *h);
/** The vector-0 handler (an rte_intr callback; @p arg is the port's pmd_internals). */
void iv2_pci_intr(void *arg);

/**
 * Doorbell vector for TX queue @p q on a device with @p nb_vectors vectors:
 * 0 is the state vector and the only one with INTx or a single vector;
 * otherwise queues take 1.. round-robin.
 */
static inline uint16_t iv2_data_vector(uint16_t nb_vectors, uint16_t q)
{
	return nb_vectors > 1 ? (uint16_t)(1 + q % (nb_vectors - 1)) : 0;
}

/* ivshmem2_rxtx.c */
void iv2_select_burst(struct rte_eth_dev *dev);
void iv2_rxq_bind(struct pmd_internals *p, struct iv2_rxq *q);
void iv2_txq_bind(struct pmd_internals *p, struct iv2_txq *q);
void iv2_rxq_unbind(struct iv2_rxq *q);
void iv2_txq_unbind(struct iv2_txq *q);
int iv2_tx_copy_chain(struct iv2_txq *q, const struct rte_mbuf *m, uint32_t first, uint32_t mask,
		      uint16_t need, void *cookie);

/* ivshmem2_rx_zc.c */
uint16_t iv2_rx_zc_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts);
int iv2_rxq_zc_init(struct iv2_rxq *q);
void iv2_rxq_zc_retire(struct iv2_rxq *q);
void iv2_rxq_zc_reap(struct iv2_rxq *q);
void iv2_rxq_zc_fini(struct iv2_rxq *q);

/* ivshmem2_tx_pool.c */
uint16_t iv2_tx_pool_burst(void *queue, struct rte_mbuf **pkts, uint16_t nb_pkts);
int iv2_tx_done_cleanup(void *queue, uint32_t free_cnt);
/** Set the pool-mode fields of @p q from the layout (bind time). */
void iv2_txq_pool_bind(struct pmd_internals *p, struct iv2_txq *q);
/** Return every buffer still posted on @p q (its ring is being reset): pool mbufs go home. */
void iv2_txq_pool_release(struct iv2_txq *q);
/** Free the port's TX pools (close). */
void iv2_tx_pools_free(struct pmd_internals *p);
/** True when @p dev is one of our ports. */
bool iv2_is_port(const struct rte_eth_dev *dev);

/* ivshmem2_xstats.c */
int iv2_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st);
int iv2_stats_reset(struct rte_eth_dev *dev);
int iv2_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
			 unsigned int size);
int iv2_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int n);
int iv2_xstats_reset(struct rte_eth_dev *dev);

/** Queue-area pointers of queue @p q in a section. */
static inline uint8_t *iv2_queue_base(const struct pmd_internals *p, const uint8_t *sect, uint16_t q)
{
	return (uint8_t *)(uintptr_t)sect + IV2_QUEUE_OFF +
		(uint64_t)q * iv2_q_stride(p->cfg.ring_size, p->cfg.buf_size);
}

#endif /* IVSHMEM2_H */
