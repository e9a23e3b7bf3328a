/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pring_env.h"

static void *zalloc_aligned(size_t n)
{
	void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);

	if (p == NULL) {
		perror("aligned_alloc");
		abort();
	}
	memset(p, 0, n);
	return p;
}

void penv_init(struct penv *e, uint16_t size, bool split, bool in_order, bool event_idx)
{
	memset(e, 0, sizeof(*e));
	e->size = size;
	e->split = split;
	e->data = zalloc_aligned(PENV_DATA);
	e->slots = calloc(size, sizeof(*e->slots));
	if (split) {
		/* Two windows, as with ivshmem 2.0: driver's section and device's section. */
		e->desc_mem = zalloc_aligned(pring_split_mem_size(size));
		e->used_mem = zalloc_aligned(pring_split_mem_size(size));
		if (pring_layout_split(&e->l, e->desc_mem, e->used_mem, size) != 0)
			abort();
	} else {
		e->desc_mem = zalloc_aligned(pring_plain_mem_size(size));
		if (pring_layout_plain(&e->l, e->desc_mem, size) != 0)
			abort();
	}
	e->x.nr = 1;
	e->x.region[0].addr = PENV_BASE;
	e->x.region[0].len = PENV_DATA;
	e->x.region[0].local = e->data;
	if (e->slots == NULL || pring_drv_init(&e->d, &e->l, e->slots, in_order, event_idx) != 0 ||
	    pring_dev_init(&e->v, &e->l, &e->x, 0, true, event_idx) != 0) {
		fprintf(stderr, "penv_init failed\n");
		abort();
	}
}

void penv_fini(struct penv *e)
{
	free(e->data);
	free(e->slots);
	free(e->desc_mem);
	free(e->used_mem);
}

void penv_reset(struct penv *e)
{
	pring_drv_reset(&e->d, NULL, NULL);
	pring_dev_reset(&e->v);
}

uint16_t penv_avail_bits(bool wrap)
{
	return wrap ? PRING_DESC_F_AVAIL : PRING_DESC_F_USED;
}

uint16_t penv_used_bits(bool wrap)
{
	return wrap ? (PRING_DESC_F_AVAIL | PRING_DESC_F_USED) : 0;
}

void penv_put_avail(struct penv *e, uint16_t idx, uint64_t addr, uint32_t len, uint16_t id,
		    uint16_t flags)
{
	struct pring_desc *d = &e->l.avail[idx];

	d->addr = addr;
	d->len = len;
	d->id = id;
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
}

void penv_put_used(struct penv *e, uint16_t idx, uint16_t id, uint32_t len, uint16_t flags,
		   uint64_t lap)
{
	struct pring_desc *d = &e->l.used[idx];

	d->id = id;
	d->len = len;
	d->addr = lap;
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
}

uint16_t penv_post1(struct penv *e, uint64_t off, uint32_t len, bool write, void *cookie)
{
	uint64_t addr = penv_addr(off);

	return pring_drv_post(&e->d, &addr, &len, &cookie, 1, write);
}

uint16_t penv_roundtrip(struct penv *e, uint32_t written)
{
	struct pring_chain ch[64];
	struct pring_seg seg[256];
	uint32_t wr[64];
	void *ck[64];
	uint16_t n = pring_dev_peek(&e->v, ch, 64, seg, 256);

	for (uint16_t i = 0; i < n; i++)
		wr[i] = written;
	pring_dev_complete(&e->v, ch, n, wr);
	return pring_drv_reap(&e->d, ck, NULL, 64);
}

uint64_t penv_errs(const struct pring_stats *s)
{
	uint64_t t = 0;

	for (int i = 0; i < PRING_ERR__MAX; i++)
		t += s->err[i];
	return t;
}
