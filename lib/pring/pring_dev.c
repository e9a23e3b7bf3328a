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

static inline uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

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
	v->split = l->used != l->avail;
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
 * Read and validate the chain starting at @p c, whose head flags the caller
 * already loaded (acquire) as @p flags, writing its segments to segs[0..].
 * @p room_desc: descriptors not yet held by the device; @p seg_room: what is
 * left of the caller's segment array.
 */
static enum chain_res dev_read_chain(struct pring_dev *v, struct avail_cur *c, uint16_t flags,
				     struct pring_chain *ch, struct pring_seg *segs,
				     uint32_t seg_room, uint32_t max_segs, uint32_t room_desc)
{
	const struct pring_desc *ring = v->l.avail;
	uint16_t size = v->l.size;
	uint64_t rlen = 0, wlen = 0;
	uint16_t id = 0;
	uint32_t k = 0;
	bool seen_write = false;

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
		ptr = pring_xlate_hot(v->xlate, addr, len, &v->xlate_hint);
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
	const struct pring_desc *ring = v->l.avail;
	const uint16_t size = v->l.size;
	struct avail_cur c = { v->avail_idx, v->avail_wrap };
	uint32_t room_desc = (uint32_t)size - v->pending_desc;
	uint32_t hint = v->xlate_hint;
	uint32_t nseg = 0;
	uint16_t nch = 0;

	if (v->broken || max_segs == 0)
		return 0;
	while (nch < max_chains) {
		const struct pring_desc *desc = &ring[c.idx];
		struct pring_chain *ch = &chains[nch];
		uint16_t flags, id;
		uint64_t addr;
		uint32_t len;
		void *ptr;

		/* Acquire pairs with the driver's release of the batch head: the batch is visible. */
		flags = pring_ld16_acq(&desc->flags);
		if (!pring_is_avail(flags, c.wrap))
			break;
		if (flags & (PRING_DESC_F_NEXT | PRING_DESC_F_INDIRECT)) {
			/* Chains (and the INDIRECT refusal) take the general path. */
			struct avail_cur start = c;
			enum chain_res r;

			v->xlate_hint = hint;
			r = dev_read_chain(v, &c, flags, ch, segs + nseg, max_segs - nseg,
					   max_segs, room_desc);
			hint = v->xlate_hint;
			if (r == CHAIN_BAD)
				return 0; /* nothing of this batch is handed out: the end is broken */
			if (r != CHAIN_OK) {
				c = start;
				break;
			}
		} else {
			/* One descriptor: the common case, the same checks in the same order. */
			if (room_desc == 0)
				return dev_fail(v, PRING_ERR_CHAIN);
			if (nseg == max_segs)
				break;
			addr = pring_ld64(&desc->addr);
			len = pring_ld32(&desc->len);
			id = pring_ld16(&desc->id);
			if (len == 0)
				return dev_fail(v, PRING_ERR_LEN);
			ptr = pring_xlate_hot(v->xlate, addr, len, &hint);
			if (ptr == NULL)
				return dev_fail(v, PRING_ERR_ADDR);
			if (id >= size)
				return dev_fail(v, PRING_ERR_ID);
			segs[nseg].ptr = ptr;
			segs[nseg].len = len;
			segs[nseg].write = (flags & PRING_DESC_F_WRITE) != 0;
			ch->id = id;
			ch->ndesc = 1;
			ch->rlen = flags & PRING_DESC_F_WRITE ? 0 : len;
			ch->wlen = flags & PRING_DESC_F_WRITE ? len : 0;
			if (++c.idx == size) {
				c.idx = 0;
				c.wrap ^= 1;
			}
		}
		ch->seg0 = nseg;
		nseg += ch->ndesc;
		room_desc -= ch->ndesc;
		nch++;
	}
	v->xlate_hint = hint;
	v->avail_idx = c.idx;
	v->avail_wrap = c.wrap;
	if (nch != 0)
		v->last_id = chains[nch - 1].id;
	v->pending = (uint16_t)(v->pending + nch);
	v->pending_desc = (uint16_t)(v->pending_desc + nseg);
	return nch;
}

/*
 * The checks are pring_dev_peek's for a single descriptor, folded into one
 * test: anything it would refuse, or treat as more than one plain buffer,
 * stops the batch here unused and is left to pring_dev_peek.
 */
static __attribute__((always_inline)) inline uint16_t
dev_peek_flat(struct pring_dev *v, void **ptr, uint32_t *len, uint16_t *ids, uint16_t n,
	      uint32_t max_len, bool *other)
{
	const uint16_t take = PRING_AVAIL_USED | PRING_DESC_F_NEXT | PRING_DESC_F_INDIRECT |
			      PRING_DESC_F_WRITE;
	const struct pring_desc *ring = v->l.avail;
	const uint16_t size = v->l.size;
	const uint32_t room = (uint32_t)size - v->pending_desc;
	const uint32_t h = v->xlate_hint;
	uint16_t idx = v->avail_idx;
	uint8_t wrap = v->avail_wrap;
	uint16_t want = pring_avail_bits(wrap);
	uint16_t k = 0, last = 0, flags = 0;
	uint64_t base, span;
	uintptr_t delta;
	bool capped = false;

	*other = false;
	if (v->broken)
		return 0;
	if (h >= v->xlate->nr || h >= PRING_MAX_REGIONS) {
		*other = true; /* no region to try first: the general path searches */
		return 0;
	}
	base = v->xlate->region[h].addr;
	span = v->xlate->region[h].len;
	delta = (uintptr_t)v->xlate->region[h].local - (uintptr_t)base;
	if (max_len > span)
		max_len = (uint32_t)span; /* no longer frame fits in the region */
	/* More than the ring holds is a violation pring_dev_peek reports. */
	if (n > room) {
		n = (uint16_t)room;
		capped = true;
	}
	while (k < n) {
		/* Up to the end of the ring, then around: no wrap test per descriptor. */
		const uint16_t stop = (uint16_t)min_u32((uint32_t)n - k, (uint32_t)size - idx);
		const struct pring_desc *desc = &ring[idx];
		uint16_t j;

		for (j = 0; j < stop; j++, desc++) {
			uint64_t addr;
			uint32_t l;
			uint16_t id;

			/*
			 * Acquire pairs with the driver's release of the batch head.
			 * Available, and none of NEXT, INDIRECT, WRITE: one test.
			 */
			flags = pring_ld16_acq(&desc->flags);
			if ((flags & take) != want)
				break;
			addr = pring_ld64(&desc->addr);
			l = pring_ld32(&desc->len);
			id = pring_ld16(&desc->id);
			/*
			 * l - 1 wraps for 0, so 1 <= l <= max_len <= span, and span - l
			 * cannot wrap. addr - base wraps below base to more than span,
			 * since a region never extends past 2^64 (pring_xlate).
			 */
			if (l - 1 >= max_len || addr - base > span - l || id >= size) {
				want = 0xffff; /* taken as "other" below */
				break;
			}
			ptr[k + j] = (void *)(uintptr_t)(delta + addr);
			len[k + j] = l;
			if (ids != NULL) /* a constant in each caller below */
				ids[k + j] = id;
			last = id;
		}
		k = (uint16_t)(k + j);
		idx = (uint16_t)(idx + j);
		if (j < stop)
			break;
		if (idx == size) {
			idx = 0;
			wrap ^= 1;
			want = pring_avail_bits(wrap);
		}
	}
	v->avail_idx = idx;
	v->avail_wrap = wrap;
	if (k != 0) {
		v->last_id = last;
		v->pending = (uint16_t)(v->pending + k);
		v->pending_desc = (uint16_t)(v->pending_desc + k);
	}
	if (k < n)
		/* Stopped at a descriptor: left for pring_dev_peek unless it is not available. */
		*other = want == 0xffff || (flags & PRING_AVAIL_USED) == want;
	else
		*other = capped;
	return k;
}

uint16_t pring_dev_peek_flat(struct pring_dev *v, void **ptr, uint32_t *len, uint16_t n,
			     uint32_t max_len, bool *other)
{
	return dev_peek_flat(v, ptr, len, NULL, n, max_len, other);
}

uint16_t pring_dev_peek_flat_id(struct pring_dev *v, void **ptr, uint32_t *len, uint16_t *id,
				uint16_t n, uint32_t max_len, bool *other)
{
	return dev_peek_flat(v, ptr, len, id, n, max_len, other);
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
 * Write one used entry at used_idx. A batch's first entry (@p head) gets
 * only its id and len here; dev_publish() writes its flags and lap last.
 */
static inline void dev_write_used(struct pring_dev *v, uint16_t id, uint32_t len, bool head)
{
	struct pring_desc *e = &v->l.used[v->used_idx];
	uint16_t flags = pring_used_bits(v->used_wrap);

	if (len != 0)
		flags |= PRING_DESC_F_WRITE;
	pring_st16(&e->id, id);
	pring_st32(&e->len, len);
	if (!head) {
		pring_st16(&e->flags, flags);
		if (v->split)
			pring_st64(&e->addr, v->used_lap);
	}
}

/* @p bufs buffers of @p descs descriptors completed: what is left pending, the counters. */
static inline void dev_completed(struct pring_dev *v, uint16_t bufs, uint32_t descs)
{
	v->pending = (uint16_t)(v->pending - bufs);
	v->pending_desc = (uint16_t)(descs < v->pending_desc ? v->pending_desc - descs : 0);
	v->stats.bufs += bufs;
	v->stats.descs += descs;
}

/*
 * Publish a batch of used entries: the flags of its first entry with
 * release, after every other store of the batch. The driver polls the first
 * entry before any other, so once it sees the entry used it also sees the
 * whole batch, in completion order.
 *
 * Split layout: then the lap number, with release. The split-layout driver
 * polls the lap, so storing it after the flags means a driver that sees the
 * lap also sees this lap's flags. Never in the plain layout: the slot
 * belongs to the driver as soon as the flags say used, and a late store
 * would land on the descriptor it writes next.
 */
static inline void dev_publish(struct pring_dev *v, uint16_t head, uint8_t wrap, uint64_t lap,
			       uint32_t len)
{
	struct pring_desc *e = &v->l.used[head];
	uint16_t flags = pring_used_bits(wrap);

	if (len != 0)
		flags |= PRING_DESC_F_WRITE;
	pring_st16_rel(&e->flags, flags);
	if (v->split)
		pring_st64_rel(&e->addr, lap);
}

/* Bytes to report for chain @p i: what was written, never more than the driver offered. */
static inline uint32_t used_len(const struct pring_chain *c, const uint32_t *written, uint16_t i)
{
	uint32_t len = written != NULL ? written[i] : 0;

	/* Never claim more than the driver offered: it would take us for hostile. */
	return len < c[i].wlen ? len : c[i].wlen;
}

/*
 * The plain layout's used entries after a batch's head: len, id and flags
 * as one store each (pring_desc_tail_store), the flags of a lap computed
 * once per lap, WRITE by arithmetic. Nothing but the head's flags orders
 * these stores: dev_publish() releases them.
 */
static inline uint32_t dev_write_tail(struct pring_dev *v, const struct pring_chain *chains,
				      uint16_t n, const uint32_t *written)
{
	struct pring_desc *used = v->l.used;
	const uint32_t size = v->l.size;
	uint32_t idx = v->used_idx, ndesc = 0;
	uint16_t bits = pring_used_bits(v->used_wrap);

	for (uint16_t i = 1; i < n; i++) {
		uint32_t len = used_len(chains, written, i);

		pring_desc_tail_store(&used[idx], len, chains[i].id,
				      (uint16_t)(bits | (len != 0) * PRING_DESC_F_WRITE));
		idx += chains[i].ndesc;
		ndesc += chains[i].ndesc;
		if (idx >= size) {
			idx -= size;
			v->used_wrap ^= 1;
			v->used_lap++;
			bits = pring_used_bits(v->used_wrap);
		}
	}
	v->used_idx = (uint16_t)idx;
	return ndesc;
}

void pring_dev_complete(struct pring_dev *v, const struct pring_chain *chains, uint16_t n,
			const uint32_t *written)
{
	uint16_t head = v->used_idx;
	uint8_t head_wrap = v->used_wrap;
	uint64_t head_lap = v->used_lap;
	uint32_t head_len;
	uint32_t ndesc;

	if (v->broken)
		return;
	if (n > v->pending)
		n = v->pending;
	if (n == 0)
		return;
	/* the head: id and len now, its flags (and lap) published last */
	head_len = used_len(chains, written, 0);
	dev_write_used(v, chains[0].id, head_len, true);
	dev_used_advance(v, chains[0].ndesc);
	ndesc = chains[0].ndesc;
	if (v->split) {
		/* each entry carries its lap too: the general writer */
		for (uint16_t i = 1; i < n; i++) {
			dev_write_used(v, chains[i].id, used_len(chains, written, i), false);
			dev_used_advance(v, chains[i].ndesc);
			ndesc += chains[i].ndesc;
		}
	} else if (written == NULL) {
		ndesc += dev_write_tail(v, chains, n, NULL);
	} else {
		ndesc += dev_write_tail(v, chains, n, written);
	}
	dev_publish(v, head, head_wrap, head_lap, head_len);
	dev_completed(v, n, ndesc);
}

/*
 * dev_write_tail() for single-descriptor buffers given by id and bytes
 * written: one slot each, so no chain to walk, and the entries up to the
 * ring's end are known in advance: the lap is tested once per run of
 * entries, not once per entry.
 */
static inline void dev_write_tail_flat(struct pring_dev *v, const uint16_t *id,
				       const uint32_t *written, uint16_t n)
{
	struct pring_desc *used = v->l.used;
	const uint32_t size = v->l.size;
	uint32_t idx = v->used_idx, i = 1;

	while (i < n) {
		/* idx < size: at least one entry fits before the ring's end */
		uint32_t end = n - i < size - idx ? n : i + (size - idx);
		struct pring_desc *e = &used[idx];
		uint16_t bits = pring_used_bits(v->used_wrap);

		idx += end - i;
		for (; i < end; i++, e++) {
			uint32_t len = written[i];

			pring_desc_tail_store(e, len, id[i],
					      (uint16_t)(bits | (len != 0) * PRING_DESC_F_WRITE));
		}
		if (idx == size) {
			idx = 0;
			v->used_wrap ^= 1;
			v->used_lap++;
		}
	}
	v->used_idx = (uint16_t)idx;
}

void pring_dev_complete_flat(struct pring_dev *v, const uint16_t *id, const uint32_t *written,
			     uint16_t n)
{
	uint16_t head = v->used_idx;
	uint8_t head_wrap = v->used_wrap;
	uint64_t head_lap = v->used_lap;

	if (v->broken)
		return;
	if (n > v->pending)
		n = v->pending;
	if (n == 0)
		return;
	/* the head: id and len now, its flags (and lap) published last */
	dev_write_used(v, id[0], written[0], true);
	dev_used_advance(v, 1);
	if (v->split) {
		/* each entry carries its lap too: the general writer */
		for (uint16_t i = 1; i < n; i++) {
			dev_write_used(v, id[i], written[i], false);
			dev_used_advance(v, 1);
		}
	} else {
		dev_write_tail_flat(v, id, written, n);
	}
	dev_publish(v, head, head_wrap, head_lap, written[0]);
	dev_completed(v, n, n);
}

void pring_dev_complete_in_order(struct pring_dev *v, const struct pring_chain *chains, uint16_t n)
{
	uint16_t head = v->used_idx;
	uint8_t head_wrap = v->used_wrap;
	uint64_t head_lap = v->used_lap;
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
	dev_write_used(v, chains[n - 1].id, 0, true);
	dev_used_advance(v, ndesc);
	dev_publish(v, head, head_wrap, head_lap, 0);
	dev_completed(v, n, ndesc);
}

void pring_dev_complete_flat_in_order(struct pring_dev *v, uint16_t n, uint16_t last_id)
{
	uint16_t head = v->used_idx;
	uint8_t head_wrap = v->used_wrap;
	uint64_t head_lap = v->used_lap;

	if (v->broken)
		return;
	if (n > v->pending)
		n = v->pending;
	if (n == 0)
		return;
	/* One entry naming the last buffer; each buffer was one descriptor. */
	dev_write_used(v, last_id, 0, true);
	dev_used_advance(v, n);
	dev_publish(v, head, head_wrap, head_lap, 0);
	dev_completed(v, n, n);
}

void pring_dev_complete_run_in_order(struct pring_dev *v, uint16_t n, uint32_t ndesc,
				     uint16_t last_id)
{
	uint16_t head = v->used_idx;
	uint8_t head_wrap = v->used_wrap;
	uint64_t head_lap = v->used_lap;

	if (v->broken || n == 0)
		return;
	/* The caller's count of what it peeked: never more than is pending. */
	if (n > v->pending || ndesc > v->pending_desc || ndesc < n)
		return;
	/* One entry, at the first chain's slot, naming the last: it completes them all. */
	dev_write_used(v, last_id, 0, true);
	dev_used_advance(v, ndesc);
	dev_publish(v, head, head_wrap, head_lap, 0);
	dev_completed(v, n, ndesc);
}

void pring_dev_complete_pending_in_order(struct pring_dev *v)
{
	uint16_t head = v->used_idx;
	uint8_t head_wrap = v->used_wrap;
	uint64_t head_lap = v->used_lap;

	if (v->broken || v->pending == 0)
		return;
	/* One entry, at the first pending chain's slot, naming the last: it completes them all. */
	dev_write_used(v, v->last_id, 0, true);
	dev_used_advance(v, v->pending_desc);
	dev_publish(v, head, head_wrap, head_lap, 0);
	v->stats.bufs += v->pending;
	v->stats.descs += v->pending_desc;
	v->pending = 0;
	v->pending_desc = 0;
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
