/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * EXPERIMENTAL: modern virtio PCI bring-up of the virtio-vhost-user device
 * (virtio 1.x §3.1.1 over struct virtio_pci_common_cfg), as plain C over
 * register accessors so that it runs against an in-memory device model in
 * the unit tests. The device is not trusted: what it offers is checked
 * against what we need, and nothing it reports is used as an address.
 */

#ifndef VP_VVU_VIRTIO_H
#define VP_VVU_VIRTIO_H

#include <stdint.h>

/* virtio device status bits (virtio 1.x §2.1) */
#define VVU_S_ACKNOWLEDGE 0x01
#define VVU_S_DRIVER      0x02
#define VVU_S_DRIVER_OK   0x04
#define VVU_S_FEATURES_OK 0x08
#define VVU_S_FAILED      0x80

#define VVU_NO_VECTOR 0xffff
#define VVU_RESET_WAIT_MS 1000

/** Access to the common configuration structure (offsets from vp_vvu_caps.h). */
struct vvu_virtio_io {
	/** Read @p width (1, 2 or 4) bytes at @p off. */
	uint32_t (*read)(void *ctx, uint32_t off, unsigned int width);
	/** Write @p width bytes at @p off. */
	void (*write)(void *ctx, uint32_t off, unsigned int width, uint32_t v);
	/** Sleep about @p ms milliseconds (reset polling). */
	void (*delay_ms)(void *ctx, unsigned int ms);
	void *ctx;
};

/** A queue as the driver lays it out: device-visible addresses of its three areas. */
struct vvu_virtio_queue {
	uint64_t desc;    /**< descriptor ring */
	uint64_t driver;  /**< driver event suppression */
	uint64_t device;  /**< device event suppression */
	uint16_t size;    /**< entries we use */
};

/** Write 0 to status and wait for the device to read back 0. @return 0 or -EIO. */
int vvu_virtio_reset(const struct vvu_virtio_io *io);

/**
 * Reset, ACKNOWLEDGE, DRIVER, then negotiate exactly @p want: every bit of it
 * must be offered, FEATURES_OK must stick, and the device must have at least
 * @p min_queues virtqueues. On failure *why names the reason (the caller
 * sets FAILED). @return 0, -EIO, -ENOTSUP or -ENODEV.
 */
int vvu_virtio_begin(const struct vvu_virtio_io *io, uint64_t want, uint16_t min_queues,
		     const char **why);

/**
 * Program and enable virtqueue @p q with @p vq (no MSI-X vector); its
 * queue_notify_off is returned in @p qoff for the caller to bounds-check
 * against the notify structure. @return 0, or -ENODEV when the device's
 * queue is absent or shorter than vq->size.
 */
int vvu_virtio_queue(const struct vvu_virtio_io *io, uint16_t q, const struct vvu_virtio_queue *vq,
		     uint16_t *qoff, const char **why);

/** OR @p bits into the device status (DRIVER_OK, FAILED). */
void vvu_virtio_set_status(const struct vvu_virtio_io *io, uint8_t bits);

#endif /* VP_VVU_VIRTIO_H */
