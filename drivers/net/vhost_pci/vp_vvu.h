/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * EXPERIMENTAL: virtio-vhost-user transport core (guest flavour).
 *
 * The device we implement is pinned here (devices.md §2.3-2.4 lists the
 * incompatible variants; none is standard):
 *  - PCI 1AF4:1058 (modern virtio, device ID 24, as in the 2019 DPDK RFC);
 *    VERSION_1 and RING_PACKED required on the device's own queues.
 *  - Config: le32 status (bit 0 SLAVE_UP, set by us; bit 1 MASTER_UP, set
 *    by the device while a front-end is connected), le32 max_vhost_queues,
 *    u8 uuid[16].
 *  - Virtqueue 0 (rxq): front-end → us, one vhost-user message per buffer;
 *    we post VVU_BUF-byte writable buffers. Virtqueue 1 (txq): our replies.
 *  - BAR 2, layout (a) of devices.md §2.4: u16 call doorbells at offset 0
 *    (slot i rings vhost queue i's call; we write i), shared memory from
 *    ALIGN_UP(2 * (max_vhost_queues + 1), 4096); region i's content at
 *    shm + sum over j < i of (mmap_offset_j + memory_size_j) + mmap_offset_i.
 *  - Kicks are not delivered (we poll). Messages are fd-less: the state
 *    machine runs with vhost_be_config.fdless.
 *
 * This file is plain C over pring and vhost_msg; the PCI layer (BAR and
 * config access, queue setup, notify) is given as struct vvu_dev, so the
 * core runs against an in-memory device model in the unit tests. The
 * rte_pci_driver around it is vp_vvu_pci.c.
 */

#ifndef VP_VVU_H
#define VP_VVU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pring.h"
#include "vhost_be.h"

#define VVU_PCI_VENDOR 0x1af4
#define VVU_PCI_DEVICE 0x1058
#define VVU_STATUS_SLAVE_UP  (1u << 0)
#define VVU_STATUS_MASTER_UP (1u << 1)
#define VVU_QSIZE 32            /**< entries in rxq and txq */
#define VVU_BUF 1024            /**< bytes per message buffer */
#define VVU_SHM_ALIGN 4096

/** What the PCI layer (or a device model) provides. */
struct vvu_dev {
	volatile uint32_t *status;    /**< config status (device-written bits read, ours written) */
	uint32_t max_vhost_queues;    /**< from config */
	uint8_t *bar2;                /**< BAR 2 mapping */
	uint64_t bar2_len;
	/** Device-visible address of local memory we post (IOVA); NULL: identity. */
	uint64_t (*iova)(void *ctx, const void *p);
	/** Notify the device that virtqueue @p vq (0 rxq, 1 txq) has new buffers. */
	void (*notify)(void *ctx, uint16_t vq);
	void *ctx;
};

/** One of the device's own queues, driven by us (driver end). */
struct vvu_queue {
	struct pring_drv d;
	struct pring_drv_slot slot[VVU_QSIZE];
	uint8_t ring[4096] __attribute__((aligned(64))); /**< descriptors + event areas */
	uint8_t buf[VVU_QSIZE][VVU_BUF];
};

/** Transport state. Lives in memory the device can reach (rings and buffers). */
struct vvu {
	struct vvu_dev dev;
	struct vhost_be *be;
	struct vvu_queue rxq;
	struct vvu_queue txq;
	uint8_t *shm;               /**< start of shared memory in BAR 2 */
	uint64_t shm_len;
	struct pring_xlate gpa;     /**< guest-physical → BAR 2, for the datapath */
	uint8_t *region_local[VHOST_MEMORY_MAX_NREGIONS]; /**< content start of each region */
	uint8_t connected;          /**< MASTER_UP seen */
	uint8_t session;            /**< a message was handled since the last drop */
	uint64_t drops;             /**< sessions dropped (front-end gone, or a violation) */
	uint32_t last_status;       /**< status at the last poll */
	uint8_t tx_next;            /**< next tx buffer */
	uint64_t violations;        /**< connections we dropped */
	uint64_t device_errors;     /**< the device broke its own queues */
};

/** Set the transport up: vvu_init() then vvu_ready(). @return 0 or -EINVAL. */
int vvu_start(struct vvu *v, const struct vvu_dev *dev, struct vhost_be *be);
/**
 * Lay the rings out and post the rx buffers, without telling the device
 * (the PCI layer programs the queue addresses, v->rxq.d.l / v->txq.d.l, in
 * between). @return 0 or -EINVAL.
 */
int vvu_init(struct vvu *v, const struct vvu_dev *dev, struct vhost_be *be);
/** Notify rxq and set SLAVE_UP: a front-end may connect from now on. */
void vvu_ready(struct vvu *v);
/** True when vvu_poll() has something to do (a status change or a message). */
bool vvu_pending(const struct vvu *v);
/** Drop the connection (the datapath caught a violation): state reset, SLAVE_UP cleared. */
void vvu_disconnect(struct vvu *v);
/**
 * Handle what arrived: MASTER_UP changes, messages (through the state
 * machine), replies. @return messages handled, or -1 when the connection
 * was dropped for a violation (SLAVE_UP cleared; set again on the next call).
 */
int vvu_poll(struct vvu *v);
/** vhost_be_ops.map_mem for this transport: place the regions in BAR 2. */
int vvu_map_mem(void *ctx, const struct vhost_mem_table *m, const int *fds);
/** Local address of front-end user address range [uaddr, uaddr + len), or NULL. */
void *vvu_uva(const struct vvu *v, uint64_t uaddr, uint64_t len);
/** Ring vhost queue @p q's call doorbell. */
void vvu_call(struct vvu *v, uint16_t q);

#endif /* VP_VVU_H */
