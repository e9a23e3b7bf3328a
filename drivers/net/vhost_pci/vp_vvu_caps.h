/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * EXPERIMENTAL: the virtio PCI capabilities of the virtio-vhost-user device.
 *
 * Plain C over a copy of config space and the BAR sizes, so it runs against
 * in-memory config spaces in the unit tests. The device is not trusted: the
 * list is walked with loop and bounds checks, and every structure must lie
 * inside a BAR that exists, outside BAR 2 (doorbells and shared memory,
 * vp_vvu.h) and apart from the other three.
 */

#ifndef VP_VVU_CAPS_H
#define VP_VVU_CAPS_H

#include <stddef.h>
#include <stdint.h>

#define VVU_PCI_CFG_SIZE 256     /**< the part of config space the list lives in */
#define VVU_PCI_NR_BARS 6
#define VVU_PCI_SHM_BAR 2        /**< reserved for doorbells and shared memory */

/* virtio PCI cfg_type values (virtio 1.x §4.1.4) */
#define VVU_CAP_COMMON 1
#define VVU_CAP_NOTIFY 2
#define VVU_CAP_ISR    3
#define VVU_CAP_DEVICE 4

/* Smallest structure we accept for each (bytes we access). */
#define VVU_COMMON_CFG_LEN 56    /**< struct virtio_pci_common_cfg, virtio 1.0 */
#define VVU_DEVICE_CFG_LEN 24    /**< status, max_vhost_queues, uuid */
#define VVU_NOTIFY_LEN 2
#define VVU_ISR_LEN 1

/* struct virtio_pci_common_cfg offsets */
#define VVU_CC_DFSELECT   0x00
#define VVU_CC_DF         0x04
#define VVU_CC_GFSELECT   0x08
#define VVU_CC_GF         0x0c
#define VVU_CC_MSIX       0x10
#define VVU_CC_NUMQ       0x12
#define VVU_CC_STATUS     0x14
#define VVU_CC_CFGGEN     0x15
#define VVU_CC_Q_SELECT   0x16
#define VVU_CC_Q_SIZE     0x18
#define VVU_CC_Q_MSIX     0x1a
#define VVU_CC_Q_ENABLE   0x1c
#define VVU_CC_Q_NOFF     0x1e
#define VVU_CC_Q_DESCLO   0x20
#define VVU_CC_Q_DESCHI   0x24
#define VVU_CC_Q_AVAILLO  0x28
#define VVU_CC_Q_AVAILHI  0x2c
#define VVU_CC_Q_USEDLO   0x30
#define VVU_CC_Q_USEDHI   0x34

/** Where one structure lives. */
struct vvu_pci_region {
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
};

/** The four structures the driver uses. */
struct vvu_pci_caps {
	struct vvu_pci_region common;
	struct vvu_pci_region notify;
	struct vvu_pci_region isr;
	struct vvu_pci_region device;
	uint32_t notify_off_multiplier;
};

enum vvu_caps_err {
	VVU_CAPS_OK = 0,
	VVU_CAPS_NO_LIST,     /**< status says no capability list, or config space too short */
	VVU_CAPS_BAD_PTR,     /**< a pointer into the header or beyond config space */
	VVU_CAPS_LOOP,        /**< the list visits a capability twice */
	VVU_CAPS_BAD_LEN,     /**< cap_len too short for its type or past config space */
	VVU_CAPS_OUTSIDE_BAR, /**< offset/length beyond the BAR, or the BAR is absent */
	VVU_CAPS_SHM_BAR,     /**< a structure in BAR 2 */
	VVU_CAPS_TOO_SHORT,   /**< a structure smaller than we access */
	VVU_CAPS_OVERLAP,     /**< two structures share bytes */
	VVU_CAPS_MULTIPLIER,  /**< notify_off_multiplier not 0 or a power of two >= 2 */
	VVU_CAPS_MISSING,     /**< common, notify, ISR or device structure absent */
	VVU_CAPS__MAX
};

/**
 * Find the structures in config space @p cfg (@p cfg_len bytes, normally
 * VVU_PCI_CFG_SIZE) of a device whose BAR i is @p bar_len[i] bytes (0: absent).
 * The first capability of each type wins, as the spec asks; capabilities
 * naming a reserved BAR (6 and up) are ignored.
 * @return VVU_CAPS_OK with @p out filled, or the reason.
 */
enum vvu_caps_err vvu_pci_parse_caps(const uint8_t *cfg, size_t cfg_len,
				     const uint64_t bar_len[VVU_PCI_NR_BARS],
				     struct vvu_pci_caps *out);

/** Name of a parse result, for logs. */
const char *vvu_caps_err_name(enum vvu_caps_err e);

/**
 * Offset in the notify structure's BAR of the notify address of a queue whose
 * queue_notify_off is @p qoff. @return 0, or -1 when its 2 bytes lie outside
 * the structure or start at an odd offset.
 */
int vvu_pci_notify_offset(const struct vvu_pci_caps *c, uint16_t qoff, uint64_t *off);

#endif /* VP_VVU_CAPS_H */
