/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Driver end: make buffers available, reap used ones.
 *
 * The driver owns ids. In order mode they are handed out sequentially and
 * a used entry naming id X completes every outstanding buffer up to X; out
 * of order they come from a free list threaded through the slot table, and
 * slot[id].ndesc != 0 marks an id as outstanding.
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "pring_internal.h"

static void drv_start(struct pring_drv *d)
{
	uint16_t size = d->l.size;

	d->avail_idx = 0;
	d->used_idx = 0;
	d->avail_wrap = 1;
	d->used_wrap = 1;
	d->used_lap = 1;
	d->broken = 0;
	d->nr_free = size;
	d->nr_out = 0;
	d->multi_out = 0;
	d->free_head = 0;
	d->next_id = 0;
	d->oldest_id = 0;
	d->io_done = 0;
	d->io_last_len = 0;
	d->kick_old = 0;
	d->kick_old_wrap = 1;
	for (uint16_t i = 0; i < size; i++) {
		d->slot[i].cookie = NULL;
		d->slot[i].wlen = 0;
		d->slot[i].ndesc = 0;
		d->slot[i].next_free = (uint16_t)(i + 1 < size ? i + 1 : 0);
	}
}

int pring_drv_init(struct pring_drv *d, const struct pring_layout *l,
		   struct pring_drv_slot *slot, bool in_order, bool event_idx)
{
	if (d == NULL || slot == NULL || pring_layout_check(l) != 0)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->l = *l;
	d->slot = slot;
	d->in_order = in_order;
	d->event_idx = event_idx;
	d->split = l->used != l->avail;
	drv_start(d);
	return 0;
}

/* Hand back every cookie still owned by the device. */
static void drv_release_all(struct pring_drv *d, void (*cb)(void *cookie, void *arg), void *arg)
{
	uint16_t id = d->oldest_id;

	if (cb == NULL)
		return;
	if (d->in_order) {
		for (uint16_t i = 0; i < d->nr_out; i++) {
			cb(d->slot[id].cookie, arg);
			id = (uint16_t)(id + 1 == d->l.size ? 0 : id + 1);
		}
		return;
	}
	for (uint16_t i = 0; i < d->l.size; i++)
		if (d->slot[i].ndesc != 0)
			cb(d->slot[i].cookie, arg);
}

void pring_drv_reset(struct pring_drv *d, void (*cb)(void *cookie, void *arg), void *arg)
{
	drv_release_all(d, cb, arg);
	/*
	 * Zero what this end writes (its descriptor slots: the whole array in
	 * the plain layout, where the driver owns the ring) so no stale
	 * descriptor looks available after both ends restart at slot 0.
	 */
	memset(d->l.avail, 0, (size_t)d->l.size * sizeof(struct pring_desc));
	memset(d->l.drv_event, 0, sizeof(*d->l.drv_event));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	drv_start(d);
	d->stats.resets++;
}

static inline uint16_t drv_alloc_id(struct pring_drv *d)
{
	uint16_t id;

	if (d->in_order) {
		id = d->next_id;
		d->next_id = (uint16_t)(id + 1 == d->l.size ? 0 : id + 1);
	} else {
		id = d->free_head;
		d->free_head = d->slot[id].next_free;
	}
	return id;
}

/*
 * pring_drv_post's body, inlined with constant mode arguments so the common
 * case (in order, read-only, no cookies: a copying transmitter) runs a loop
 * without the per-buffer tests of the others.
 */
static __attribute__((always_inline)) inline uint16_t
drv_post(struct pring_drv *d, const uint64_t *addr, const uint32_t *len, void *const *cookie,
	 uint16_t n, bool write, bool in_order)
{
	struct pring_desc *ring = d->l.avail;
	struct pring_drv_slot *slot = d->slot;
	const uint16_t size = d->l.size;
	const uint16_t head = d->avail_idx;
	uint16_t idx = head;
	uint16_t next_id = d->next_id, free_head = d->free_head;
	uint8_t wrap = d->avail_wrap;
	const uint16_t wflag = write ? PRING_DESC_F_WRITE : 0;
	uint16_t flags = (uint16_t)(pring_avail_bits(wrap) | wflag);
	const uint16_t head_flags = flags;

	if (d->broken)
		return 0;
	if (n > d->nr_free)
		n = d->nr_free;
	if (n == 0)
		return 0;

	for (uint16_t i = 0; i < n; i++) {
		struct pring_desc *desc = &ring[idx];
		struct pring_drv_slot *s;
		uint16_t id;

		if (in_order) {
			id = next_id;
			next_id = (uint16_t)(id + 1 == size ? 0 : id + 1);
		} else {
			id = free_head;
			free_head = slot[id].next_free;
		}
		s = &slot[id];
		s->cookie = cookie != NULL ? cookie[i] : NULL;
		s->wlen = write ? len[i] : 0;
		s->ndesc = 1;
		pring_st64(&desc->addr, addr[i]);
		if (i == 0) {
			/* The head's flags are stored last, below. */
			pring_st32(&desc->len, len[i]);
			pring_st16(&desc->id, id);
		} else {
			pring_desc_tail_store(desc, len[i], id, flags);
		}
		if (++idx == size) {
			idx = 0;
			wrap ^= 1;
			flags = (uint16_t)(pring_avail_bits(wrap) | wflag);
		}
	}
	/*
	 * Publish the batch: release-store the first descriptor's flags last.
	 * The device polls that slot first; once it sees it available, the
	 * release/acquire pair guarantees it also sees every field of every
	 * later descriptor of this batch (spec: a driver must not make the
	 * first descriptor available before the rest of the batch).
	 */
	pring_st16_rel(&ring[head].flags, head_flags);

	d->avail_idx = idx;
	d->avail_wrap = wrap;
	d->next_id = next_id;
	d->free_head = free_head;
	d->nr_free = (uint16_t)(d->nr_free - n);
	d->nr_out = (uint16_t)(d->nr_out + n);
	d->stats.bufs += n;
	d->stats.descs += n;
	return n;
}

uint16_t pring_drv_post(struct pring_drv *d, const uint64_t *addr, const uint32_t *len,
			void *const *cookie, uint16_t n, bool write)
{
	/*
	 * The two in-order read-only cases each get a loop of their own: a
	 * copying transmitter (no cookies) and one posting its own buffers in
	 * place with a cookie each (net_ivshmem2's TX pool).
	 */
	if (d->in_order && !write)
		return cookie == NULL ? drv_post(d, addr, len, NULL, n, false, true) :
					drv_post(d, addr, len, cookie, n, false, true);
	return drv_post(d, addr, len, cookie, n, write, d->in_order);
}

/* A chain we are about to post: non-empty segments, readable before writable. */
static int chain_check(const struct pring_sg *sg, uint16_t nseg, uint16_t size, uint32_t *wlen)
{
	uint64_t w = 0;
	bool seen_write = false;

	if (sg == NULL || nseg == 0 || nseg > size)
		return -EINVAL;
	for (uint16_t i = 0; i < nseg; i++) {
		if (sg[i].len == 0)
			return -EINVAL;
		if (sg[i].write) {
			seen_write = true;
			w += sg[i].len;
		} else if (seen_write) {
			return -EINVAL;
		}
	}
	if (w > UINT32_MAX)
		return -EINVAL;
	*wlen = (uint32_t)w;
	return 0;
}

int pring_drv_post_chain(struct pring_drv *d, const struct pring_sg *sg, uint16_t nseg, void *cookie)
{
	struct pring_desc *ring = d->l.avail;
	uint16_t size = d->l.size;
	uint16_t head = d->avail_idx;
	uint16_t idx = head;
	uint8_t wrap = d->avail_wrap;
	uint16_t head_flags = 0;
	uint32_t wlen;
	uint16_t id;

	if (chain_check(sg, nseg, size, &wlen) != 0)
		return -EINVAL;
	if (d->broken || nseg > d->nr_free)
		return 0;

	id = drv_alloc_id(d);
	d->slot[id].cookie = cookie;
	d->slot[id].wlen = wlen;
	d->slot[id].ndesc = nseg;
	if (nseg > 1)
		d->multi_out++;
	for (uint16_t i = 0; i < nseg; i++) {
		struct pring_desc *desc = &ring[idx];
		uint16_t flags = pring_avail_bits(wrap);

		if (sg[i].write)
			flags |= PRING_DESC_F_WRITE;
		if (i + 1 < nseg)
			flags |= PRING_DESC_F_NEXT;
		pring_st64(&desc->addr, sg[i].addr);
		pring_st32(&desc->len, sg[i].len);
		pring_st16(&desc->id, id);
		if (i == 0)
			head_flags = flags;
		else
			pring_st16(&desc->flags, flags);
		if (++idx == size) {
			idx = 0;
			wrap ^= 1;
		}
	}
	/* Publish: the head's flags last, release (see pring_drv_post). */
	pring_st16_rel(&ring[head].flags, head_flags);

	d->avail_idx = idx;
	d->avail_wrap = wrap;
	d->nr_free = (uint16_t)(d->nr_free - nseg);
	d->nr_out++;
	d->stats.bufs++;
	d->stats.descs += nseg;
	return 1;
}

/*
 * A violation: count it and stop. Buffers already returned by this call
 * stay returned (their state is gone), so the count of them is passed back.
 */
static uint16_t drv_fail(struct pring_drv *d, enum pring_err e, uint16_t got)
{
	d->stats.err[e]++;
	d->broken = 1;
	return got;
}

/* Step used_idx over the @p ndesc slots of a reaped chain. */
static inline void drv_used_advance(struct pring_drv *d, uint16_t ndesc)
{
	uint32_t idx = (uint32_t)d->used_idx + ndesc;

	if (idx >= d->l.size) {
		idx -= d->l.size;
		d->used_wrap ^= 1;
		d->used_lap++;
	}
	d->used_idx = (uint16_t)idx;
}

/*
 * Read the used entry at used_idx, if the device wrote one. Returns false
 * when the slot holds nothing new. Each field is read once.
 */
static inline bool drv_read_used(const struct pring_drv *d, uint16_t *id, uint32_t *len,
				 uint16_t *flags)
{
	struct pring_desc *e = &d->l.used[d->used_idx];
	uint16_t f;

	if (d->split) {
		/*
		 * Split layout: the lap number in addr tells a fresh entry from
		 * a stale one of the same wrap parity. The device stores it
		 * last, with release; this acquire makes the entry's flags, id
		 * and len (and the rest of its batch) visible.
		 */
		if (pring_ld64_acq(&e->addr) != d->used_lap)
			return false;
	}
	/* Acquire pairs with the device's release of these flags: id and len below are its. */
	f = pring_ld16_acq(&e->flags);
	if (!pring_is_used(f, d->used_wrap))
		return false;
	*id = pring_ld16(&e->id);
	*len = pring_ld32(&e->len);
	*flags = f;
	return true;
}

/* Bytes the device claims to have written: only meaningful with WRITE set. */
static inline bool drv_used_len(uint16_t flags, uint32_t len, uint32_t wlen, uint32_t *out)
{
	if (!(flags & PRING_DESC_F_WRITE)) {
		*out = 0; /* reserved without WRITE (spec 2.7.8): ignore it */
		return true;
	}
	*out = len;
	return len <= wlen;
}

static uint16_t reap_out_of_order(struct pring_drv *d, void **cookie, uint32_t *len, uint16_t n)
{
	uint16_t got = 0;

	while (got < n) {
		struct pring_drv_slot *s;
		uint16_t id, flags;
		uint32_t ulen, wr;

		if (!drv_read_used(d, &id, &ulen, &flags))
			break;
		if (id >= d->l.size)
			return drv_fail(d, PRING_ERR_ID, got);
		s = &d->slot[id];
		if (s->ndesc == 0)
			return drv_fail(d, PRING_ERR_NOT_OUTSTANDING, got);
		if (!drv_used_len(flags, ulen, s->wlen, &wr))
			return drv_fail(d, PRING_ERR_LEN, got);
		if (cookie != NULL)
			cookie[got] = s->cookie;
		if (len != NULL)
			len[got] = wr;
		got++;
		drv_used_advance(d, s->ndesc);
		d->nr_free = (uint16_t)(d->nr_free + s->ndesc);
		d->nr_out--;
		if (s->ndesc > 1)
			d->multi_out--;
		s->ndesc = 0;
		s->next_free = d->free_head;
		d->free_head = id;
	}
	return got;
}

static uint16_t reap_in_order(struct pring_drv *d, void **cookie, uint32_t *len, uint16_t n)
{
	const struct pring_drv_slot *slot = d->slot;
	const uint16_t size = d->l.size;
	uint16_t oldest = d->oldest_id;
	uint16_t got = 0;

	while (got < n) {
		uint32_t ndesc = 0;
		uint16_t k;

		if (d->io_done == 0) {
			/* Read the next used entry: it completes oldest..id. */
			uint16_t id, flags, dist;
			uint32_t ulen, wr;

			if (!drv_read_used(d, &id, &ulen, &flags))
				break;
			if (id >= size)
				return drv_fail(d, PRING_ERR_ID, got);
			dist = (uint16_t)(id >= oldest ? id - oldest : id + size - oldest);
			if (dist >= d->nr_out)
				return drv_fail(d, PRING_ERR_NOT_OUTSTANDING, got);
			if (!drv_used_len(flags, ulen, slot[id].wlen, &wr))
				return drv_fail(d, PRING_ERR_LEN, got);
			d->io_done = (uint16_t)(dist + 1);
			d->io_last_len = wr;
		}
		/*
		 * Return the oldest buffers of the batch. used_idx moves with
		 * them, so the next used entry is read only once the whole
		 * batch has been returned.
		 */
		k = (uint16_t)(n - got < d->io_done ? n - got : d->io_done);
		if (d->multi_out == 0) {
			/* Every buffer out is one descriptor: no need to walk them for the count. */
			if (cookie != NULL)
				for (uint16_t j = 0; j < k; j++) {
					cookie[got + j] = slot[oldest].cookie;
					oldest = (uint16_t)(oldest + 1 == size ? 0 : oldest + 1);
				}
			else
				oldest = (uint16_t)((uint32_t)oldest + k >= size ?
						    (uint32_t)oldest + k - size : (uint32_t)oldest + k);
			ndesc = k;
		} else {
			for (uint16_t j = 0; j < k; j++) {
				uint16_t nd = slot[oldest].ndesc;

				if (cookie != NULL)
					cookie[got + j] = slot[oldest].cookie;
				ndesc += nd;
				if (nd > 1)
					d->multi_out--;
				oldest = (uint16_t)(oldest + 1 == size ? 0 : oldest + 1);
			}
		}
		if (len != NULL) {
			for (uint16_t j = 0; j < k; j++)
				len[got + j] = 0;
			if (k == d->io_done)
				len[got + k - 1] = d->io_last_len;
		}
		got = (uint16_t)(got + k);
		drv_used_advance(d, (uint16_t)ndesc);
		d->nr_free = (uint16_t)(d->nr_free + ndesc);
		d->nr_out = (uint16_t)(d->nr_out - k);
		d->io_done = (uint16_t)(d->io_done - k);
		d->oldest_id = oldest;
	}
	return got;
}

uint16_t pring_drv_reap(struct pring_drv *d, void **cookie, uint32_t *len, uint16_t n)
{
	if (d->broken)
		return 0;
	return d->in_order ? reap_in_order(d, cookie, len, n) :
			     reap_out_of_order(d, cookie, len, n);
}

bool pring_drv_need_kick(struct pring_drv *d)
{
	bool kick;

	if (d->broken)
		return false;
	/*
	 * Full barrier: the flags we published must be visible before we read
	 * the device's suppression area. Otherwise the device could re-enable
	 * notifications, re-check the ring, miss our descriptors, and we
	 * would read its stale DISABLE and never kick.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	kick = pring_event_need(d->l.dev_event, d->event_idx, d->l.size,
				d->avail_idx, d->avail_wrap, d->kick_old, d->kick_old_wrap);
	d->kick_old = d->avail_idx;
	d->kick_old_wrap = d->avail_wrap;
	return kick;
}

void pring_drv_set_event(struct pring_drv *d, uint16_t mode)
{
	pring_event_write(d->l.drv_event, mode, d->event_idx, d->used_idx, d->used_wrap);
}
