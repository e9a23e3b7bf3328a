/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* A split ring laid out in one buffer standing for front-end memory, for the split-engine tests. */

#ifndef VP_SPLIT_TEST_UTIL_H
#define VP_SPLIT_TEST_UTIL_H

#include <string.h>

#include "vp_split.h"

#define T_SIZE 16
#define T_MEM 65536
#define T_GPA 0x100000ULL
#define T_DESC 0x0000
#define T_AVAIL 0x1000
#define T_USED 0x2000
#define T_BUFS 0x4000 /* buffers from here to the end */

struct split_fixture {
	uint8_t mem[T_MEM] __attribute__((aligned(64)));
	struct pring_xlate x;
	struct vp_split s;
};

static inline void
sf_init(struct split_fixture *f, uint16_t size, bool event_idx)
{
	memset(f, 0, sizeof(*f));
	f->x.nr = 1;
	f->x.region[0].addr = T_GPA;
	f->x.region[0].len = T_MEM;
	f->x.region[0].local = f->mem;
	vp_split_init(&f->s, f->mem + T_DESC, f->mem + T_AVAIL, f->mem + T_USED, size, &f->x, 0,
		      event_idx);
}

static inline struct vp_vring_desc *
sf_desc(struct split_fixture *f, uint16_t i)
{
	return (struct vp_vring_desc *)(f->mem + T_DESC) + i;
}

static inline struct vp_vring_avail *
sf_avail(struct split_fixture *f)
{
	return (struct vp_vring_avail *)(f->mem + T_AVAIL);
}

static inline struct vp_vring_used *
sf_used(struct split_fixture *f)
{
	return (struct vp_vring_used *)(f->mem + T_USED);
}

/* Driver side: descriptor i → buffer at T_BUFS + i * 256. */
static inline void
sf_set_desc(struct split_fixture *f, uint16_t i, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vp_vring_desc *d = sf_desc(f, i);

	d->addr = T_GPA + T_BUFS + (uint64_t)i * 256;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

static inline void
sf_post(struct split_fixture *f, uint16_t head)
{
	struct vp_vring_avail *a = sf_avail(f);

	a->ring[a->idx % T_SIZE] = head;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
}

#endif /* VP_SPLIT_TEST_UTIL_H */
