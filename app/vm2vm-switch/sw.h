/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * Runtime state of dpdk-vm2vm-switch shared by its files.
 *
 * Threads: the main lcore runs the command line (or waits); a control
 * thread ticks the FDB clock, ages, polls link state and prints periodic
 * stats; each forwarding lcore polls the rx queues it owns and sends on its
 * own tx queue of every port. Forwarding lcores write only their own
 * struct sw_lcore; everything else reads it.
 */

#ifndef SW_H
#define SW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "fdb.h"
#include "sw_config.h"

#define SW_NAME "dpdk-vm2vm-switch"
#define SW_NO_PORT UINT16_MAX

/** One rx queue an lcore owns. */
struct sw_rxq {
	uint16_t port;
	uint16_t queue;
	uint16_t reap_port; /**< its mbufs come from this port's pool of the lcore's tx
			     * queue, reaped when the rx queue is empty; else SW_NO_PORT */
};

/** Why the switch dropped a frame. */
enum sw_drop {
	SW_DROP_TX_FULL = 0, /**< tx queue full (counted on the egress port) */
	SW_DROP_HAIRPIN,     /**< destination is the ingress port */
	SW_DROP_LINK_DOWN,   /**< destination port down, or ingress port held down */
	SW_DROP_NO_FLOOD,    /**< unknown/multicast and flooding disabled */
	SW_DROP_NO_PORT,     /**< flooding found no other port up */
	SW_DROP_RUNT,        /**< shorter than an Ethernet header */
	SW_DROP_NB,
};

/** Names of enum sw_drop, as printed ("tx-full", ...). */
extern const char *const sw_drop_names[SW_DROP_NB];

/** Per-port counters kept by one lcore. Drops other than tx-full count
 * on the ingress port. */
struct sw_port_ctr {
	uint64_t rx;
	uint64_t tx;
	uint64_t drop[SW_DROP_NB];
	uint64_t learn_limit; /**< sources not learned: port at --fdb-port-limit */
};

/** Counters of one forwarding lcore (written by it alone). */
struct sw_lcore_stats {
	uint64_t rx;
	uint64_t tx;
	uint64_t flooded;        /**< packets flooded (counted once each) */
	uint64_t flood_tx;       /**< transmissions caused by flooding */
	uint64_t drop[SW_DROP_NB];
	uint64_t busy_cycles;    /**< polls that returned packets */
	uint64_t idle_cycles;    /**< polls that returned nothing */
	struct fdb_stats fdb;
	struct sw_port_ctr port[SW_MAX_PORTS];
};

/** A tx buffer: packets bound for one port, sent once per rx burst. */
struct sw_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[SW_MAX_BURST];
};

/** A forwarding lcore. */
struct sw_lcore {
	unsigned int lcore_id;
	uint16_t txq;                      /**< its tx queue on every port */
	uint16_t nb_rxq;
	struct sw_rxq rxq[SW_MAX_MAP];
	struct sw_lcore_stats stats __rte_cache_aligned;
	struct sw_txbuf txb[SW_MAX_PORTS]; /**< indexed by port id */
} __rte_cache_aligned;

/** Per port. */
struct sw_port {
	bool used;
	bool lsc;               /**< device raises LSC interrupts */
	bool pmd_link;          /**< atomic: link state the PMD last reported */
	bool stopped;           /**< atomic: stopped by "port stop" */
	uint16_t peer;          /**< io/mac modes: where its frames go */
	struct rte_ether_addr mac;
	struct rte_ether_addr peer_mac; /**< mac mode destination */
	char name[RTE_ETH_NAME_MAX_LEN];
};

struct sw_state {
	struct sw_config cfg;
	uint16_t nb_ports;
	uint16_t port_ids[SW_MAX_PORTS];
	struct sw_port port[SW_MAX_PORTS];
	uint64_t used_mask;        /**< ports in use */
	uint64_t up_mask;          /**< atomic: ports up (link up, not admin down) */
	uint64_t admin_down_mask;  /**< atomic: ports taken down by command */
	uint16_t rxq, txq;         /**< queues configured per port */
	struct fdb *fdb;
	uint32_t now;              /**< atomic: FDB clock, seconds since start */
	uint64_t start_tsc;
	struct rte_mempool *pool;
	uint16_t nb_lcores;
	struct sw_lcore *lcores[RTE_MAX_LCORE];
	bool running;              /**< atomic: forwarding lcores keep going */
	bool quit;                 /**< atomic: the process is stopping */
	enum sw_fwd_mode mode;     /**< mode of the current/next run */
};

extern struct sw_state sw;

/* sw_ports.c */
int sw_ports_select(char *err, size_t errlen);
bool sw_port_is_ivshmem2(uint16_t pid);
bool sw_port_rx_read_only(uint16_t pid);
int sw_ports_check_mode(enum sw_fwd_mode m, char *err, size_t errlen);
int sw_ports_setup(void);
void sw_ports_close(void);
void sw_link_update(uint16_t port, bool force);
void sw_link_admin(uint16_t port, bool up);
void sw_link_poll(void);
void sw_ports_pair(void);
int sw_port_stop(uint16_t port);
int sw_port_start(uint16_t port);
uint16_t sw_ports_first_stopped(void);

/* sw_rx_pool.c: the pool each rx queue receives into */
void sw_rx_pools_plan(void);
int sw_rx_queue_setup(uint16_t pid, uint16_t q, uint16_t nb_desc);
void sw_rx_pools_bind(void);
void sw_rx_pools_print(FILE *f);
bool sw_rx_pools_in_use(void);

/* sw_lcores.c */
int sw_lcores_plan(const struct sw_map_entry *map, uint16_t nb_map, char *err, size_t errlen);
void sw_lcores_print(FILE *f);
int sw_fwd_start(void);
void sw_ctl_lock(void);
void sw_ctl_unlock(void);
void sw_fwd_stop(void);

/* sw_fwd_l2.c, sw_fwd_io.c: lcore main loops */
int sw_fwd_l2learn(void *arg);
int sw_fwd_io(void *arg);
int sw_fwd_mac(void *arg);

/* sw_stats.c */
void sw_stats_sum(struct sw_lcore_stats *sum);
void sw_stats_print_ports(FILE *f);
void sw_stats_print_lcores(FILE *f);
void sw_stats_print_port_info(FILE *f);
void sw_fdb_print(FILE *f);

/* sw_cmdline.c */
void sw_cmdline_run(void);
void sw_cmdline_stop(void);

/* sw_telemetry.c */
int sw_telemetry_register(void);

#endif /* SW_H */
