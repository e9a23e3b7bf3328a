/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* EXPERIMENTAL virtio-vhost-user transport core: messages over the device's virtqueues. */

#include <errno.h>
#include <string.h>

#include "vp_vvu.h"

static uint64_t
iova_of(const struct vvu *v, const void *p)
{
	return v->dev.iova ? v->dev.iova(v->dev.ctx, p) : (uint64_t)(uintptr_t)p;
}

static int
queue_init(struct vvu_queue *q)
{
	struct pring_layout l;

	if (pring_plain_mem_size(VVU_QSIZE) > sizeof(q->ring))
		return -EINVAL;
	memset(q->ring, 0, sizeof(q->ring));
	if (pring_layout_plain(&l, q->ring, VVU_QSIZE) < 0)
		return -EINVAL;
	return pring_drv_init(&q->d, &l, q->slot, false, false);
}

/* Give rx buffer @p i (back) to the device. */
static void
rx_post(struct vvu *v, uint16_t i)
{
	uint64_t addr = iova_of(v, v->rxq.buf[i]);
	uint32_t len = VVU_BUF;
	void *cookie = v->rxq.buf[i];

	pring_drv_post(&v->rxq.d, &addr, &len, &cookie, 1, true);
}

static void
set_status(struct vvu *v, uint32_t set, uint32_t clear)
{
	uint32_t s = *v->dev.status;

	/* The driver writes only SLAVE_UP; MASTER_UP is the device's. */
	s = (s | set) & ~clear & VVU_STATUS_SLAVE_UP;
	*v->dev.status = s;
}

int
vvu_init(struct vvu *v, const struct vvu_dev *dev, struct vhost_be *be)
{
	uint64_t shm_off;
	uint16_t i;

	if (dev->status == NULL || dev->bar2 == NULL || dev->max_vhost_queues == 0 ||
	    dev->notify == NULL || !be->cfg.fdless)
		return -EINVAL;
	shm_off = ((2ULL * (dev->max_vhost_queues + 1)) + VVU_SHM_ALIGN - 1) & ~(uint64_t)(VVU_SHM_ALIGN - 1);
	if (shm_off >= dev->bar2_len)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->dev = *dev;
	v->be = be;
	v->shm = dev->bar2 + shm_off;
	v->shm_len = dev->bar2_len - shm_off;
	if (queue_init(&v->rxq) < 0 || queue_init(&v->txq) < 0)
		return -EINVAL;
	for (i = 0; i < VVU_QSIZE; i++)
		rx_post(v, i);
	return 0;
}

void
vvu_ready(struct vvu *v)
{
	v->dev.notify(v->dev.ctx, 0);
	/* Ready for a front-end: at least one rx buffer is queued (spec order). */
	set_status(v, VVU_STATUS_SLAVE_UP, 0);
	v->last_status = *v->dev.status;
}

int
vvu_start(struct vvu *v, const struct vvu_dev *dev, struct vhost_be *be)
{
	int rc = vvu_init(v, dev, be);

	if (rc == 0)
		vvu_ready(v);
	return rc;
}

bool
vvu_pending(const struct vvu *v)
{
	const struct pring_drv *d = &v->rxq.d;
	uint16_t flags;
	bool avail, used;

	if (*v->dev.status != v->last_status || d->broken || v->txq.d.broken)
		return true;
	if (d->nr_out == 0)
		return false;
	/* the next used entry has AVAIL and USED both equal to the expected wrap counter */
	flags = __atomic_load_n(&d->l.used[d->used_idx].flags, __ATOMIC_ACQUIRE);
	avail = (flags & PRING_DESC_F_AVAIL) != 0;
	used = (flags & PRING_DESC_F_USED) != 0;
	return avail == used && used == (d->used_wrap != 0);
}

int
vvu_map_mem(void *ctx, const struct vhost_mem_table *m, const int *fds)
{
	struct vvu *v = ctx;
	uint8_t *local[VHOST_MEMORY_MAX_NREGIONS];
	uint64_t off = 0;
	uint32_t i;

	if (fds != NULL || m->nregions > VHOST_MEMORY_MAX_NREGIONS)
		return -1; /* this transport never carries fds */
	/* all regions checked first: a refused table leaves the current one whole */
	for (i = 0; i < m->nregions; i++) {
		const struct vhost_mem_region *r = &m->regions[i];
		uint64_t span = r->mmap_offset + r->memory_size;

		/* vhost_mem_check() refused wrapping sizes; the regions must fit the BAR */
		if (span < r->mmap_offset || off > v->shm_len || span > v->shm_len - off)
			return -1;
		local[i] = v->shm + off + r->mmap_offset;
		off += span;
	}
	for (i = 0; i < m->nregions; i++) {
		v->region_local[i] = local[i];
		v->gpa.region[i].addr = m->regions[i].guest_phys_addr;
		v->gpa.region[i].len = m->regions[i].memory_size;
		v->gpa.region[i].local = local[i];
	}
	v->gpa.nr = m->nregions;
	return 0;
}

void *
vvu_uva(const struct vvu *v, uint64_t uaddr, uint64_t len)
{
	const struct vhost_mem_table *m = &v->be->mem;
	int i = vhost_mem_find_uaddr(m, uaddr, len);

	if (i < 0)
		return NULL;
	return v->region_local[i] + (uaddr - m->regions[i].userspace_addr);
}

void
vvu_call(struct vvu *v, uint16_t q)
{
	volatile uint16_t *bell = (volatile uint16_t *)v->dev.bar2;

	if (q < v->dev.max_vhost_queues)
		bell[q] = q;
}

/* Reclaim sent replies, then queue @p len bytes of @p msg on txq. */
static int
send_reply(struct vvu *v, const void *msg, size_t len)
{
	void *cookie[VVU_QSIZE];
	uint32_t wlen[VVU_QSIZE];
	uint64_t addr;
	uint32_t l = (uint32_t)len;
	uint8_t *buf;
	void *ck;

	pring_drv_reap(&v->txq.d, cookie, wlen, VVU_QSIZE);
	if (len > VVU_BUF || pring_drv_free_count(&v->txq.d) == 0)
		return -1;
	buf = v->txq.buf[v->tx_next];
	v->tx_next = (uint8_t)((v->tx_next + 1) % VVU_QSIZE);
	memcpy(buf, msg, len);
	addr = iova_of(v, buf);
	ck = buf;
	if (pring_drv_post(&v->txq.d, &addr, &l, &ck, 1, false) != 1)
		return -1;
	v->dev.notify(v->dev.ctx, 1);
	return 0;
}

/* Forget the front-end's state, once per session (a session starts with its first message). */
static void
drop_connection(struct vvu *v)
{
	if (!v->session && !v->connected)
		return;
	v->session = 0;
	v->drops++;
	vhost_be_reset(v->be);
	memset(&v->gpa, 0, sizeof(v->gpa));
	memset(v->region_local, 0, sizeof(v->region_local));
	v->connected = 0;
}

void
vvu_disconnect(struct vvu *v)
{
	v->violations++;
	drop_connection(v);
	/* clearing SLAVE_UP disconnects the front-end; the next poll sets it again */
	set_status(v, 0, VVU_STATUS_SLAVE_UP);
}

static uint16_t
slot_of(const struct vvu *v, const void *cookie)
{
	return (uint16_t)(((const uint8_t *)cookie - v->rxq.buf[0]) / VVU_BUF);
}

/* Give back every message the device has delivered, unread (a front-end that is gone sent them). */
static void
discard_rx(struct vvu *v)
{
	void *cookie[VVU_QSIZE];
	uint16_t n, i;

	n = pring_drv_reap(&v->rxq.d, cookie, NULL, VVU_QSIZE);
	for (i = 0; i < n; i++)
		rx_post(v, slot_of(v, cookie[i]));
	if (n)
		v->dev.notify(v->dev.ctx, 0);
}

int
vvu_poll(struct vvu *v)
{
	uint32_t status = *v->dev.status, rlen_u[8];
	void *cookie[8];
	struct vhost_msg reply;
	size_t rlen;
	uint32_t act;
	uint16_t n, i;
	int handled = 0;

	v->last_status = status;
	/*
	 * The device clears both bits when the front-end goes, we clear SLAVE_UP
	 * to drop it: without SLAVE_UP there is no session, whether or not
	 * MASTER_UP was ever seen.
	 */
	if (!(status & VVU_STATUS_SLAVE_UP) || (v->connected && !(status & VVU_STATUS_MASTER_UP)))
		drop_connection(v);
	if (!(status & VVU_STATUS_SLAVE_UP)) {
		if (!v->rxq.d.broken)
			discard_rx(v);
		set_status(v, VVU_STATUS_SLAVE_UP, 0); /* ready for the next front-end */
		return 0;
	}
	/* messages may arrive before MASTER_UP is seen: handle them anyway */
	if (status & VVU_STATUS_MASTER_UP)
		v->connected = 1;
	n = pring_drv_reap(&v->rxq.d, cookie, rlen_u, 8);
	if (v->rxq.d.broken || v->txq.d.broken) {
		v->device_errors++;
		goto violation;
	}
	for (i = 0; i < n; i++) {
		enum vhost_msg_err e;

		e = vhost_be_handle(v->be, cookie[i], rlen_u[i], NULL, 0, &reply, &rlen, &act);
		if ((act & VHOST_BE_ACT_REPLY) && send_reply(v, &reply, rlen) < 0)
			e = e != VHOST_MSG_OK ? e : VHOST_ERR_STATE;
		rx_post(v, slot_of(v, cookie[i]));
		if (e != VHOST_MSG_OK) {
			/* the rest of the batch is dropped with the connection, its buffers reused */
			for (i++; i < n; i++)
				rx_post(v, slot_of(v, cookie[i]));
			v->dev.notify(v->dev.ctx, 0);
			goto violation;
		}
		v->session = 1;
		handled++;
	}
	if (n)
		v->dev.notify(v->dev.ctx, 0);
	return handled;
violation:
	vvu_disconnect(v);
	return -1;
}
