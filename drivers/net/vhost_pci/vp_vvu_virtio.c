/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* EXPERIMENTAL: virtio 1.x initialisation sequence for the virtio-vhost-user device. */

#include <errno.h>

#include "vp_vvu_caps.h"
#include "vp_vvu_virtio.h"

static uint32_t
rd(const struct vvu_virtio_io *io, uint32_t off, unsigned int w)
{
	return io->read(io->ctx, off, w);
}

static void
wr(const struct vvu_virtio_io *io, uint32_t off, unsigned int w, uint32_t v)
{
	io->write(io->ctx, off, w, v);
}

/* 64-bit fields are written as two halves, low first (virtio 1.x §4.1.3.1). */
static void
wr64(const struct vvu_virtio_io *io, uint32_t off, uint64_t v)
{
	wr(io, off, 4, (uint32_t)v);
	wr(io, off + 4, 4, (uint32_t)(v >> 32));
}

void
vvu_virtio_set_status(const struct vvu_virtio_io *io, uint8_t bits)
{
	wr(io, VVU_CC_STATUS, 1, (rd(io, VVU_CC_STATUS, 1) | bits) & 0xff);
}

int
vvu_virtio_reset(const struct vvu_virtio_io *io)
{
	unsigned int i;

	wr(io, VVU_CC_STATUS, 1, 0);
	for (i = 0; i < VVU_RESET_WAIT_MS && rd(io, VVU_CC_STATUS, 1) != 0; i++)
		io->delay_ms(io->ctx, 1);
	return rd(io, VVU_CC_STATUS, 1) == 0 ? 0 : -EIO;
}

int
vvu_virtio_begin(const struct vvu_virtio_io *io, uint64_t want, uint16_t min_queues,
		 const char **why)
{
	uint64_t f;

	if (vvu_virtio_reset(io) < 0) {
		*why = "device did not reset";
		return -EIO;
	}
	vvu_virtio_set_status(io, VVU_S_ACKNOWLEDGE);
	vvu_virtio_set_status(io, VVU_S_DRIVER);
	wr(io, VVU_CC_DFSELECT, 4, 0);
	f = rd(io, VVU_CC_DF, 4);
	wr(io, VVU_CC_DFSELECT, 4, 1);
	f |= (uint64_t)rd(io, VVU_CC_DF, 4) << 32;
	if ((f & want) != want) {
		*why = "device lacks a feature we need (VERSION_1, RING_PACKED)";
		return -ENOTSUP;
	}
	wr(io, VVU_CC_GFSELECT, 4, 0);
	wr(io, VVU_CC_GF, 4, (uint32_t)want);
	wr(io, VVU_CC_GFSELECT, 4, 1);
	wr(io, VVU_CC_GF, 4, (uint32_t)(want >> 32));
	vvu_virtio_set_status(io, VVU_S_FEATURES_OK);
	if (!(rd(io, VVU_CC_STATUS, 1) & VVU_S_FEATURES_OK)) {
		*why = "device refused our features";
		return -ENOTSUP;
	}
	if (rd(io, VVU_CC_NUMQ, 2) < min_queues) {
		*why = "device has too few virtqueues";
		return -ENODEV;
	}
	return 0;
}

int
vvu_virtio_queue(const struct vvu_virtio_io *io, uint16_t q, const struct vvu_virtio_queue *vq,
		 uint16_t *qoff, const char **why)
{
	uint32_t max;

	wr(io, VVU_CC_Q_SELECT, 2, q);
	max = rd(io, VVU_CC_Q_SIZE, 2);
	if (max == 0 || max < vq->size) {
		*why = "virtqueue absent or too short";
		return -ENODEV;
	}
	*qoff = (uint16_t)rd(io, VVU_CC_Q_NOFF, 2);
	/* packed rings may be shorter than the device's maximum */
	wr(io, VVU_CC_Q_SIZE, 2, vq->size);
	wr64(io, VVU_CC_Q_DESCLO, vq->desc);
	wr64(io, VVU_CC_Q_AVAILLO, vq->driver);
	wr64(io, VVU_CC_Q_USEDLO, vq->device);
	wr(io, VVU_CC_Q_MSIX, 2, VVU_NO_VECTOR);
	wr(io, VVU_CC_Q_ENABLE, 2, 1);
	return 0;
}
