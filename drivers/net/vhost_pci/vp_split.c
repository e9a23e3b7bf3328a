/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Split virtqueue device end over hostile front-end memory. */

#include <string.h>

#include "vp_split.h"

static inline uint16_t
load_u16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * One read of each field of the front-end's descriptor into @p d. A plain
 * struct copy from shared memory would let the compiler drop the local and
 * read a field again later, after the front-end changed it (relaxed atomic
 * loads cannot be repeated or merged with later ones).
 */
static inline void
load_desc(const struct vp_vring_desc *src, struct vp_vring_desc *d)
{
	d->addr = __atomic_load_n(&src->addr, __ATOMIC_RELAXED);
	d->len = __atomic_load_n(&src->len, __ATOMIC_RELAXED);
	d->flags = __atomic_load_n(&src->flags, __ATOMIC_RELAXED);
	d->next = __atomic_load_n(&src->next, __ATOMIC_RELAXED);
}

void
vp_split_init(struct vp_split *s, void *desc, void *avail, void *used, uint16_t size,
	      const struct pring_xlate *x, uint16_t base, bool event_idx)
{
	struct pring_stats st = s->stats;

	memset(s, 0, sizeof(*s));
	s->stats = st;
	s->stats.resets++;
	s->desc = desc;
	s->avail = avail;
	s->used = used;
	s->xlate = x;
	s->size = size;
	s->mask = (uint16_t)(size - 1);
	s->last_avail = base;
	s->used_idx = base;
	s->call_old = base;
	s->event_idx = event_idx;
	/*
	 * We poll: ask the driver not to kick. With EVENT_IDX the flag is
	 * ignored and avail_event rules; park it one lap behind so kicks
	 * come at most once per 64 Ki buffers.
	 */
	__atomic_store_n(&s->used->flags, VP_VRING_USED_F_NO_NOTIFY, __ATOMIC_RELAXED);
	__atomic_store_n((uint16_t *)&s->used->ring[size], (uint16_t)(base - 1), __ATOMIC_RELAXED);
}

static uint16_t
fail(struct vp_split *s, enum pring_err e)
{
	s->broken = 1;
	s->stats.err[e]++;
	return 0;
}

/*
 * Walk one chain from @p head into @p segs. Returns descriptors used, 0 when
 * the chain does not fit in @p room (not an error), or -1 after fail().
 */
static int
walk_chain(struct vp_split *s, uint16_t head, struct pring_seg *segs, uint32_t room,
	   uint32_t max_segs, struct pring_chain *c)
{
	uint64_t rlen = 0, wlen = 0;
	uint16_t idx = head, n = 0, flags;
	struct vp_vring_desc d;
	bool seen_write = false;

	do {
		if (n >= s->size || n >= max_segs) {
			fail(s, PRING_ERR_CHAIN);
			return -1;
		}
		if (n >= room)
			return 0;
		load_desc(&s->desc[idx], &d);
		flags = d.flags;
		if (flags & VP_VRING_DESC_F_INDIRECT ||
		    (!(flags & VP_VRING_DESC_F_WRITE) && seen_write)) {
			fail(s, PRING_ERR_FLAGS);
			return -1;
		}
		if (d.len == 0) {
			fail(s, PRING_ERR_LEN);
			return -1;
		}
		segs[n].ptr = vp_xlate(s->xlate, d.addr, d.len, &s->xlate_hint);
		if (segs[n].ptr == NULL) {
			fail(s, PRING_ERR_ADDR);
			return -1;
		}
		segs[n].len = d.len;
		segs[n].write = (flags & VP_VRING_DESC_F_WRITE) != 0;
		seen_write = segs[n].write;
		if (seen_write)
			wlen += d.len;
		else
			rlen += d.len;
		n++;
		idx = d.next;
		if ((flags & VP_VRING_DESC_F_NEXT) && idx >= s->size) {
			fail(s, PRING_ERR_ID);
			return -1;
		}
	} while (flags & VP_VRING_DESC_F_NEXT);
	if (rlen > UINT32_MAX || wlen > UINT32_MAX) {
		fail(s, PRING_ERR_LEN);
		return -1;
	}
	c->id = head;
	c->ndesc = n;
	c->rlen = (uint32_t)rlen;
	c->wlen = (uint32_t)wlen;
	return n;
}

uint16_t
vp_split_peek(struct vp_split *s, struct pring_chain *chains, uint16_t max_chains,
	      struct pring_seg *segs, uint32_t max_segs)
{
	uint16_t avail_idx, navail, i, head;
	uint32_t used_segs = 0;
	int n;

	if (s->broken)
		return 0;
	/* Acquire: ring entries and descriptors are read after the index that published them. */
	avail_idx = __atomic_load_n(&s->avail->idx, __ATOMIC_ACQUIRE);
	navail = (uint16_t)(avail_idx - s->last_avail);
	if (navail > s->size)
		return fail(s, PRING_ERR_ID);
	if (navail > max_chains)
		navail = max_chains;
	for (i = 0; i < navail; i++) {
		head = load_u16(&s->avail->ring[(uint16_t)(s->last_avail) & s->mask]);
		if (head >= s->size)
			return fail(s, PRING_ERR_ID);
		n = walk_chain(s, head, segs + used_segs, max_segs - used_segs, max_segs, &chains[i]);
		if (n < 0)
			return 0;
		if (n == 0)
			break;
		chains[i].seg0 = used_segs;
		used_segs += (uint32_t)n;
		s->last_avail++;
	}
	s->pending = (uint16_t)(s->pending + i);
	return i;
}

void
vp_split_complete(struct vp_split *s, const struct pring_chain *chains, uint16_t n,
		  const uint32_t *written)
{
	uint16_t i, idx = s->used_idx;

	if (s->broken || n == 0)
		return;
	for (i = 0; i < n; i++, idx++) {
		struct vp_vring_used_elem *e = &s->used->ring[idx & s->mask];

		e->id = chains[i].id;
		e->len = written != NULL ? written[i] : 0;
		s->stats.descs += chains[i].ndesc;
	}
	s->stats.bufs += n;
	s->pending = (uint16_t)(s->pending - n);
	s->used_idx = idx;
	/* Release: the driver must see the elements before the index that covers them. */
	__atomic_store_n(&s->used->idx, idx, __ATOMIC_RELEASE);
}

bool
vp_split_need_call(struct vp_split *s)
{
	uint16_t old = s->call_old, new = s->used_idx, event;

	if (s->broken || old == new)
		return false;
	s->call_old = new;
	/* Our used->idx store must be visible before we read the driver's suppression state. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (s->event_idx) {
		event = load_u16(&s->avail->ring[s->size]);
		return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
	}
	return !(load_u16(&s->avail->flags) & VP_VRING_AVAIL_F_NO_INTERRUPT);
}
