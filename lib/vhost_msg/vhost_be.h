/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * vhost-user back-end state machine, transport-agnostic.
 *
 * The transport receives a message and its fds and hands them to
 * vhost_be_handle(), which validates every field against what we offered and
 * configured, updates the device state, and returns a reply plus actions
 * for the caller (memory table replaced, a vring changed). Any violation
 * returns an error code, bumps be->err[code], and the caller must close the
 * connection (then call vhost_be_reset()).
 *
 * Fd ownership: vhost_be_handle() takes every fd it is given, on success and
 * on failure; it keeps kick/call/err fds and closes the rest (through
 * ops->close_fd) once ops->map_mem has returned.
 */

#ifndef VM2VM_VHOST_BE_H
#define VM2VM_VHOST_BE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost_msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Queue pairs a back-end can serve. */
#define VHOST_BE_MAX_QUEUE_PAIRS 8
/** Vrings a back-end can serve (rx and tx per pair). */
#define VHOST_BE_MAX_VRINGS (2 * VHOST_BE_MAX_QUEUE_PAIRS)

/** One vring as the front-end configured it. */
struct vhost_be_vring {
	uint64_t desc_addr;   /**< front-end user address of the descriptor area */
	uint64_t avail_addr;  /**< split: avail ring; packed: driver event suppression */
	uint64_t used_addr;   /**< split: used ring; packed: device event suppression */
	uint32_t num;         /**< queue size; 0 = not set */
	uint32_t gen;         /**< bumped when anything the datapath uses changes */
	int kick_fd;          /**< -1: none (the front-end does not kick, we poll anyway) */
	int call_fd;          /**< -1: none; the datapath never notifies */
	int err_fd;           /**< -1: none; kept only so it is closed */
	/**
	 * Ring position as SET/GET_VRING_BASE carry it. Split: the next avail
	 * index (bits 0-15). Packed: bits 0-14 the next avail index, bit 15 its
	 * wrap counter, bits 16-30 the used index, bit 31 its wrap counter.
	 */
	uint32_t base;
	uint8_t addr_set;     /**< SET_VRING_ADDR seen */
	uint8_t started;      /**< set by SET_VRING_KICK, cleared by GET_VRING_BASE */
	uint8_t enabled;      /**< SET_VRING_ENABLE state */
	uint8_t call_doorbell; /**< fd-less transport: the front-end wants calls (device doorbell) */
};

/** What this back-end offers. */
struct vhost_be_config {
	uint64_t features;          /**< virtio features offered (PROTOCOL_FEATURES is added) */
	uint64_t protocol_features; /**< protocol features offered */
	uint16_t max_queue_pairs;   /**< 1..VHOST_BE_MAX_QUEUE_PAIRS */
	uint16_t max_mtu;           /**< largest NET_SET_MTU accepted */
	uint8_t fdless;             /**< virtio-vhost-user: no fds; see vhost_msg_check_nofd() */
};

/** Callbacks into the transport/driver. */
struct vhost_be_ops {
	/**
	 * Map a validated memory table (one fd per region, still owned by the
	 * state machine, closed after this returns; NULL on an fd-less
	 * transport, where the device exposes the regions). Replaces any
	 * earlier mapping. @return 0, or negative to refuse the table (VHOST_ERR_MAP).
	 */
	int (*map_mem)(void *ctx, const struct vhost_mem_table *mem, const int *fds);
	/** Close an fd the state machine owns. */
	void (*close_fd)(void *ctx, int fd);
	/**
	 * Optional: called with every message that passed validation (sizes,
	 * flags, fd count), decoded, before the state machine acts on it; what
	 * the driver must do first (GET_VRING_BASE: stop the ring so the reply
	 * says where it really stopped). Indexes in the payload are not yet
	 * checked against the configuration: check them before use.
	 */
	void (*pre_handle)(void *ctx, const struct vhost_msg_decoded *msg);
};

/** Back-end state for one connection. */
struct vhost_be {
	struct vhost_be_config cfg;
	const struct vhost_be_ops *ops;
	void *ctx;
	uint64_t features;          /**< acked virtio features */
	uint64_t protocol_features; /**< acked protocol features */
	uint8_t features_set;       /**< SET_FEATURES seen */
	uint8_t owner;              /**< SET_OWNER seen */
	uint16_t mtu;               /**< last NET_SET_MTU, 0 if none */
	struct vhost_mem_table mem; /**< validated table; nregions 0 = none */
	uint32_t mem_gen;           /**< bumped when the table is replaced */
	struct vhost_be_vring vring[VHOST_BE_MAX_VRINGS];
	uint64_t msgs;              /**< messages handled successfully */
	uint64_t err[VHOST_ERR__MAX]; /**< violations by reason */
};

/* Actions returned by vhost_be_handle(). */
#define VHOST_BE_ACT_REPLY (1u << 0) /**< send @p reply (also sent before closing on error) */
#define VHOST_BE_ACT_MEM   (1u << 1) /**< the memory table was replaced */
#define VHOST_BE_ACT_VRING (1u << 2) /**< some vring's state changed: re-check readiness */
#define VHOST_BE_ACT_RESET (1u << 3) /**< RESET_OWNER: all state dropped */

/** Initialise @p be; no fds are owned yet. */
void vhost_be_init(struct vhost_be *be, const struct vhost_be_config *cfg,
		   const struct vhost_be_ops *ops, void *ctx);

/** Drop all connection state and close every owned fd (disconnect, RESET_OWNER). Counters stay. */
void vhost_be_reset(struct vhost_be *be);

/**
 * Handle one received message (@p len bytes, @p nfds fds).
 * @p reply/@p reply_len receive the reply when *actions has VHOST_BE_ACT_REPLY.
 * @return VHOST_MSG_OK, or the violation (the caller closes the connection).
 */
enum vhost_msg_err vhost_be_handle(struct vhost_be *be, const void *buf, size_t len,
				   const int *fds, unsigned int nfds,
				   struct vhost_msg *reply, size_t *reply_len, uint32_t *actions);

/** Vrings this back-end serves (2 × max_queue_pairs). */
static inline uint16_t vhost_be_nr_vrings(const struct vhost_be *be)
{
	return (uint16_t)(2 * be->cfg.max_queue_pairs);
}

/** True when the negotiated features select packed rings. */
static inline bool vhost_be_packed(const struct vhost_be *be)
{
	return (be->features >> VIRTIO_F_RING_PACKED) & 1;
}

/** True when the features were acked and include @p bit. */
static inline bool vhost_be_has(const struct vhost_be *be, unsigned int bit)
{
	return be->features_set && ((be->features >> bit) & 1);
}

/** True when vring @p q may run: started, enabled, memory mapped, addresses valid. */
bool vhost_be_vring_ready(const struct vhost_be *be, uint16_t q);

/**
 * Record where the datapath stopped on vring @p q (reported by GET_VRING_BASE):
 * @p avail is the next avail index (packed: bit 15 its wrap counter). The
 * datapath completes everything it took before it stops, so on a packed ring
 * the used position equals it and is reported in the high half as well.
 */
void vhost_be_save_base(struct vhost_be *be, uint16_t q, uint16_t avail);

/** The avail position a ring starts at (packed: bit 15 = wrap counter). */
static inline uint16_t vhost_be_vring_avail_base(const struct vhost_be_vring *v)
{
	return (uint16_t)v->base;
}

/* Memory table helpers (vhost_mem.c). */

/** Check a received table: sizes non-zero, no wrap, no overlap in either address space. */
enum vhost_msg_err vhost_mem_check(const struct vhost_mem_table *m);
/** Region holding [addr, addr+len) in front-end user addresses, or -1. */
int vhost_mem_find_uaddr(const struct vhost_mem_table *m, uint64_t addr, uint64_t len);
/** Region holding [addr, addr+len) in guest-physical addresses, or -1. */
int vhost_mem_find_gpa(const struct vhost_mem_table *m, uint64_t addr, uint64_t len);
/**
 * Check that vring @p v fits the table: each area inside one region (user
 * addresses) and aligned. @return VHOST_MSG_OK, VHOST_ERR_RING_SIZE or VHOST_ERR_RING_ADDR.
 */
enum vhost_msg_err vhost_mem_check_vring(const struct vhost_mem_table *m,
					 const struct vhost_be_vring *v, bool packed);

#ifdef __cplusplus
}
#endif

#endif /* VM2VM_VHOST_BE_H */
