/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Device end: find available buffers, validate and translate them, complete
 * them in the order they were found.
 *
 * Every descriptor field comes from the driver, which may be hostile: each
 * is read once, checked, and only then used. Buffer addresses are never
 * dereferenced; they are translated through the caller's region table and
 * the caller gets local pointers that lie inside one region.
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "pring_internal.h"

static void dev_start(struct pring_dev *v, uint16_t idx, uint8_t wrap)
{
	v->avail_idx = idx;
	v->avail_wrap = wrap;
	v->used_idx = idx;
	v->used_wrap = wrap;
	v->used_lap = 1;
	v->call_old = idx;
	v->call_old_wrap = wrap;
	v->pending = 0;
	v->pending_desc = 0;
	v->broken = 0;
	v->xlate_hint = 0;
}

int pring_dev_init(struct pring_dev *v, const struct pring_layout *l,
		   const struct pring_xlate *x, uint16_t avail_idx, bool avail_wrap, bool event_idx)
{
	if (v == NULL || x == NULL || pring_layout_check(l) != 0 || avail_idx >= l->size)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->l = *l;
	v->xlate = x;
	v->event_idx = event_idx;
	dev_start(v, avail_idx, avail_wrap);
	return 0;
}

void pring_dev_reset(struct pring_dev *v)
{
	/*
	 * Zero what only this end writes: its used array in the split layout
	 * (in the plain layout the driver owns and resets the descriptors) and
	 * its event suppression area (back to ENABLE).
	 */
	if (v->l.used != v->l.avail)
		memset(v->l.used, 0, (size_t)v->l.size * sizeof(struct pring_desc));
	memset(v->l.dev_event, 0, sizeof(*v->l.dev_event));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	dev_start(v, 0, 1);
	v->stats.resets++;
}

static uint16_t dev_fail(struct pring_dev *v, enum pring_err e)
{
	v->stats.err[e]++;
	v->broken = 1;
	return 0;
}

/* Outcome of reading one chain. */
enum chain_res {
	CHAIN_OK,    /* chain validated, segments filled */
	CHAIN_NONE,  /* nothing available at this slot */
	CHAIN_ROOM,  /* available, but does not fit in what is left of segs */
	CHAIN_BAD,   /* violation: counted, end broken */
};

static enum chain_res chain_bad(struct pring_dev *v, enum pring_err e)
{
	dev_fail(v, e);
	return CHAIN_BAD;
}

/* Cursor over the available slots while a batch is being read. */
struct avail_cur {
	uint16_t idx;
	uint8_t wrap;
};

/*
 * Read and validate the chain starting at @p c, writing its segments to
 * segs[0..]. @p room_desc: descriptors not yet held by the device;
 * @p seg_room: what is left of the caller's segment array.
 */
static enum chain_res dev_read_chain(struct pring_dev *v, struct avail_cur *c,
				     struct pring_chain *ch, struct pring_seg *segs,
				     uint32_t seg_room, uint32_t max_segs, uint32_t room_desc)
{
	const struct pring_desc *ring = v->l.avail;
	uint16_t size = v->l.size;
	uint64_t rlen = 0, wlen = 0;
	uint16_t flags, id = 0;
	uint32_t k = 0;
	bool seen_write = false;

	/* Acquire pairs with the driver's release of the first flags: the whole batch is visible. */
	flags = pring_ld16_acq(&ring[c->idx].flags);
	if (!pring_is_avail(flags, c->wrap))
		return CHAIN_NONE;
	for (;;) {
		const struct pring_desc *desc = &ring[c->idx];
		uint64_t addr;
		uint32_t len;
		void *ptr;

		/* An honest driver never has more than size descriptors outstanding. */
		if (k >= size || k >= room_desc)
			return chain_bad(v, PRING_ERR_CHAIN);
		if (k >= seg_room) {
			if (k >= max_segs)
				return chain_bad(v, PRING_ERR_CHAIN);
			return CHAIN_ROOM;
		}
		if (k > 0) {
			/* Every descriptor of a chain is published before its head. */
			flags = pring_ld16(&desc->flags);
			if (!pring_is_avail(flags, c->wrap))
				return chain_bad(v, PRING_ERR_FLAGS);
		}
		if (flags & PRING_DESC_F_INDIRECT)
			return chain_bad(v, PRING_ERR_FLAGS);
		if (flags & PRING_DESC_F_WRITE)
			seen_write = true;
		else if (seen_write)
			return chain_bad(v, PRING_ERR_FLAGS);
		addr = pring_ld64(&desc->addr);
		len = pring_ld32(&desc->len);
		id = pring_ld16(&desc->id);
		if (len == 0)
			return chain_bad(v, PRING_ERR_LEN);
		ptr = pring_xlate(v->xlate, addr, len, &v->xlate_hint);
		if (ptr == NULL)
			return chain_bad(v, PRING_ERR_ADDR);
		if (flags & PRING_DESC_F_WRITE)
			wlen += len;
		else
			rlen += len;
		segs[k].ptr = ptr;
		segs[k].len = len;
		segs[k].write = (flags & PRING_DESC_F_WRITE) != 0;
		k++;
		if (++c->idx == size) {
			c->idx = 0;
			c->wrap ^= 1;
		}
		if (!(flags & PRING_DESC_F_NEXT))
			break;
	}
	/* The id of a chain is the one in its last descriptor. */
	if (id >= size)
		return chain_bad(v, PRING_ERR_ID);
	if (rlen > UINT32_MAX || wlen > UINT32_MAX)
		return chain_bad(v, PRING_ERR_LEN);
	ch->id = id;
	ch->ndesc = (uint16_t)k;
	ch->rlen = (uint32_t)rlen;
	ch->wlen = (uint32_t)wlen;
	return CHAIN_OK;
}

uint16_t pring_dev_peek(struct pring_dev *v, struct pring_chain *chains, uint16_t max_chains,
			struct pring_seg *segs, uint32_t max_segs)
{
	struct avail_cur c = { v->avail_idx, v->avail_wrap };
	uint32_t room_desc = (uint32_t)v->l.size - v->pending_desc;
	uint32_t nseg = 0;
	uint16_t nch = 0;

	if (v->broken || max_segs == 0)
		return 0;
	while (nch < max_chains) {
		struct avail_cur start = c;
		struct pring_chain *ch = &chains[nch];
		enum chain_res r;

		r = dev_read_chain(v, &c, ch, segs + nseg, max_segs - nseg, max_segs, room_desc);
		if (r == CHAIN_BAD)
			return 0; /* nothing of this batch is handed out: the end is broken */
		if (r != CHAIN_OK) {
			c = start;
			break;
		}
		ch->seg0 = nseg;
		nseg += ch->ndesc;
		room_desc -= ch->ndesc;
		nch++;
	}
	v->avail_idx = c.idx;
	v->avail_wrap = c.wrap;
	v->pending = (uint16_t)(v->pending + nch);
	v->pending_desc = (uint16_t)(v->pending_desc + nseg);
	return nch;
}

/* Step used_idx over @p ndesc slots. */
static inline void dev_used_advance(struct pring_dev *v, uint32_t ndesc)
{
	uint32_t idx = (uint32_t)v->used_idx + ndesc;

	if (idx >= v->l.size) {
		idx -= v->l.size;
		v->used_wrap ^= 1;
		v->used_lap++;
	}
	v->used_idx = (uint16_t)idx;
}

/*
 * Write one used entry at used_idx, all but the flags when @p publish is
 * false (the batch head, published last by the caller).
 */
static inline void dev_write_used(struct pring_dev *v, uint16_t id, uint32_t len, bool publish)
{
	struct pring_desc *e = &v->l.used[v->used_idx];
	uint16_t flags = pring_used_bits(v->used_wrap);

	if (len != 0)
		flags |= PRING_DESC_F_WRITE;
	pring_st16(&e->id, id);
	pring_st32(&e->len, len);
	/*
	 * The lap number, released after id and len: a split-layout driver
	 * that acquires the lap it expects also sees this entry's id and len.
	 */
	pring_st64_rel(&e->addr, v->used_lap);
	if (publish)
		pring_st16(&e->flags, flags);
}

/* Release-store the flags of the entry at @p head: publishes the batch. */
static inline void dev_publish(struct pring_dev *v, uint16_t head, uint8_t wrap, uint32_t len)
{
	uint16_t flags = pring_used_bits(wrap);

	if (len != 0)
		flags |= PRING_DESC_F_WRITE;
	/*
	 * The driver polls the head slot first; once it sees it used, the
	 * release/acquire pair guarantees it also sees every entry of this
	 * batch written above, so entries appear in completion order.
	 */
	pring_st16_rel(&v->l.used[head].flags, flags);
}

void pring_dev_complete(struct pring_dev *v, const struct pring_chain *chains, uint16_t n,
			const uint32_t *written)
{
	uint16_t head = v->used_idx;
	uint8_t head_wrap = v->used_wrap;
	uint32_t head_len = 0;
	uint32_t ndesc = 0;

	if (v->broken)
		return;
	if (n > v->pending)
		n = v->pending;
	if (n == 0)
		return;
	for (uint16_t i = 0; i < n; i++) {
		uint32_t len = written != NULL ? written[i] : 0;

		/* Never claim more than the driver offered: it would take us for hostile. */
		if (len > chains[i].wlen)
			len = chains[i].wlen;
		if (i == 0)
			head_len = len;
		dev_write_used(v, chains[i].id, len, i != 0);
		dev_used_advance(v, chains[i].ndesc);
		ndesc += chains[i].ndesc;
	}
	dev_publish(v, head, head_wrap, head_len);
	v->pending = (uint16_t)(v->pending - n);
	v->pending_desc = (uint16_t)(ndesc < v->pending_desc ? v->pending_desc - ndesc : 0);
	v->stats.bufs += n;
	v->stats.descs += ndesc;
}

void pring_dev_complete_in_order(struct pring_dev *v, const struct pring_chain *chains, uint16_t n)
{
	uint16_t head = v->used_idx;
	uint8_t head_wrap = v->used_wrap;
	uint32_t ndesc = 0;

	if (v->broken)
		return;
	if (n > v->pending)
		n = v->pending;
	if (n == 0)
		return;
	for (uint16_t i = 0; i < n; i++)
		ndesc += chains[i].ndesc;
	/* One entry, at the first chain's slot, naming the last chain: it completes them all. */
	dev_write_used(v, chains[n - 1].id, 0, false);
	dev_used_advance(v, ndesc);
	dev_publish(v, head, head_wrap, 0);
	v->pending = (uint16_t)(v->pending - n);
	v->pending_desc = (uint16_t)(ndesc < v->pending_desc ? v->pending_desc - ndesc : 0);
	v->stats.bufs += n;
	v->stats.descs += ndesc;
}

bool pring_dev_need_call(struct pring_dev *v)
{
	bool call;

	if (v->broken)
		return false;
	/*
	 * Full barrier: our used entries must be visible before we read the
	 * driver's suppression area, or a driver re-enabling notifications
	 * could miss them while we read its stale DISABLE (lost wake-up).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	call = pring_event_need(v->l.drv_event, v->event_idx, v->l.size,
				v->used_idx, v->used_wrap, v->call_old, v->call_old_wrap);
	v->call_old = v->used_idx;
	v->call_old_wrap = v->used_wrap;
	return call;
}

void pring_dev_set_event(struct pring_dev *v, uint16_t mode)
{
	pring_event_write(v->l.dev_event, mode, v->event_idx, v->avail_idx, v->avail_wrap);
}
