/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * The switch's configuration as given on the command line (after EAL's
 * arguments and "--"). Parsing needs no EAL, so it is unit-tested alone.
 */

#ifndef SW_CONFIG_H
#define SW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SW_MAX_PORTS 64          /**< ports the switch can drive (mask bits) */
#define SW_MAX_MAP 256           /**< entries of an explicit lcore map */
#define SW_MAX_STATIC 64         /**< --fdb-static entries */
#define SW_MAX_QUEUES 64         /**< rx or tx queues per port */
#define SW_MAX_LCORE 1023        /**< highest lcore id accepted in a map */
#define SW_MAX_BURST 512

/** Forwarding modes, as testpmd's --forward-mode. */
enum sw_fwd_mode {
	SW_FWD_L2LEARN = 0, /**< MAC learning switch (default) */
	SW_FWD_IO,          /**< port pairs 0<->1, 2<->3 ..., untouched */
	SW_FWD_MAC,         /**< port pairs, source/destination MAC rewritten */
	SW_FWD_NB,
};

/** One (lcore, port, queue) of an explicit --lcore-map. */
struct sw_map_entry {
	uint16_t lcore;
	uint16_t port;
	uint16_t queue;
};

/** One --fdb-static MAC@port. */
struct sw_static_entry {
	uint8_t mac[6];
	uint16_t port;
};

/** One --eth-peer N,MAC (mac mode's destination per port). */
struct sw_peer {
	bool set;
	uint8_t mac[6];
};

struct sw_config {
	uint16_t nb_cores;          /**< forwarding lcores (0: all but main) */
	uint16_t rxq;               /**< rx queues per port */
	uint16_t txq;               /**< tx queues per port (0: one per fwd lcore) */
	uint16_t rxd;               /**< rx descriptors per queue */
	uint16_t txd;               /**< tx descriptors per queue */
	uint16_t burst;             /**< packets per rx burst */
	uint64_t portmask;          /**< ports to use (0: all) */
	uint32_t stats_period;      /**< seconds between stats prints (0: none) */
	uint32_t run_time;          /**< stop after this many seconds (0: never) */
	bool interactive;           /**< -i: command line */
	enum sw_fwd_mode fwd_mode;
	uint16_t mbuf_size;         /**< mbuf data room */
	uint32_t total_num_mbufs;   /**< mbufs in the pool (0: computed) */
	uint32_t max_pkt_len;       /**< largest frame accepted (sets MTU) */
	uint32_t fdb_size;          /**< FDB entries */
	uint32_t fdb_aging_time;    /**< seconds (0: never age) */
	uint32_t fdb_port_limit;    /**< learned MACs per port (0: unlimited) */
	bool flood_unknown;         /**< flood unknown unicast (else drop) */
	bool flood_multicast;       /**< flood multicast (broadcast always floods) */
	bool rx_tx_pool;            /**< io/mac: receive into the destination's TX pool */
	uint16_t nb_map;
	struct sw_map_entry map[SW_MAX_MAP];
	uint16_t nb_static;
	struct sw_static_entry statics[SW_MAX_STATIC];
	struct sw_peer peers[SW_MAX_PORTS];
};

/** Fill @p cfg with the defaults. */
void sw_config_defaults(struct sw_config *cfg);

/**
 * Parse the switch's arguments (argv[0] is the program name, the rest what
 * followed "--"). On error writes a one-line message to @p err.
 * @return 0 on success, 1 if help was printed (exit 0), -1 on error.
 */
int sw_args_parse(int argc, char **argv, struct sw_config *cfg, char *err, size_t errlen);

/** The usage text. */
void sw_args_usage(const char *prog, void *stream);

/**
 * Parse "(lcore,port,queue),..." into cfg->map. @return 0 or -1 with @p err.
 */
int sw_lcore_map_parse(const char *s, struct sw_config *cfg, char *err, size_t errlen);

/** Parse a MAC "aa:bb:cc:dd:ee:ff". @return 0 or -1. */
int sw_mac_parse(const char *s, uint8_t mac[6]);

/** Name of a forwarding mode, or NULL. */
const char *sw_fwd_mode_name(enum sw_fwd_mode m);

/** Mode by name. @return 0 or -1. */
int sw_fwd_mode_parse(const char *s, enum sw_fwd_mode *m);

#endif /* SW_CONFIG_H */
