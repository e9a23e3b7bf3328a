/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Memory table validation and address-range lookup, on numbers only. */

#include "vhost_be.h"

/* [a, a+alen) and [b, b+blen) intersect; neither wraps (checked first). */
static bool
ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool
range_wraps(uint64_t a, uint64_t len)
{
	return a + len < a;
}

enum vhost_msg_err
vhost_mem_check(const struct vhost_mem_table *m)
{
	uint32_t i, j;

	if (m->nregions == 0 || m->nregions > VHOST_MEMORY_MAX_NREGIONS)
		return VHOST_ERR_REGIONS;
	for (i = 0; i < m->nregions; i++) {
		const struct vhost_mem_region *r = &m->regions[i];

		if (r->memory_size == 0 ||
		    range_wraps(r->guest_phys_addr, r->memory_size) ||
		    range_wraps(r->userspace_addr, r->memory_size) ||
		    range_wraps(r->mmap_offset, r->memory_size))
			return VHOST_ERR_REGION_RANGE;
		for (j = 0; j < i; j++) {
			const struct vhost_mem_region *o = &m->regions[j];

			if (ranges_overlap(r->guest_phys_addr, r->memory_size,
					   o->guest_phys_addr, o->memory_size) ||
			    ranges_overlap(r->userspace_addr, r->memory_size,
					   o->userspace_addr, o->memory_size))
				return VHOST_ERR_REGION_RANGE;
		}
	}
	return VHOST_MSG_OK;
}

/* Region i holds [addr, addr+len) when start <= addr and addr+len <= start+size. */
static bool
region_holds(uint64_t start, uint64_t size, uint64_t addr, uint64_t len)
{
	return addr >= start && len <= size && addr - start <= size - len;
}

int
vhost_mem_find_uaddr(const struct vhost_mem_table *m, uint64_t addr, uint64_t len)
{
	uint32_t i;

	for (i = 0; i < m->nregions && i < VHOST_MEMORY_MAX_NREGIONS; i++)
		if (region_holds(m->regions[i].userspace_addr, m->regions[i].memory_size, addr, len))
			return (int)i;
	return -1;
}

int
vhost_mem_find_gpa(const struct vhost_mem_table *m, uint64_t addr, uint64_t len)
{
	uint32_t i;

	for (i = 0; i < m->nregions && i < VHOST_MEMORY_MAX_NREGIONS; i++)
		if (region_holds(m->regions[i].guest_phys_addr, m->regions[i].memory_size, addr, len))
			return (int)i;
	return -1;
}

static bool
area_ok(const struct vhost_mem_table *m, uint64_t addr, uint64_t len, uint64_t align)
{
	return (addr & (align - 1)) == 0 && vhost_mem_find_uaddr(m, addr, len) >= 0;
}

enum vhost_msg_err
vhost_mem_check_vring(const struct vhost_mem_table *m, const struct vhost_be_vring *v, bool packed)
{
	uint64_t num = v->num;

	if (num == 0 || num > VHOST_MAX_RING_SIZE || (!packed && (num & (num - 1)) != 0))
		return VHOST_ERR_RING_SIZE;
	if (!v->addr_set)
		return VHOST_ERR_RING_ADDR;
	if (packed) {
		/* descriptors, driver event suppression, device event suppression */
		if (!area_ok(m, v->desc_addr, 16 * num, 16) ||
		    !area_ok(m, v->avail_addr, 4, 4) ||
		    !area_ok(m, v->used_addr, 4, 4))
			return VHOST_ERR_RING_ADDR;
		return VHOST_MSG_OK;
	}
	/* split: flags, idx, ring[num], used_event / avail_event */
	if (!area_ok(m, v->desc_addr, 16 * num, 16) ||
	    !area_ok(m, v->avail_addr, 6 + 2 * num, 2) ||
	    !area_ok(m, v->used_addr, 6 + 8 * num, 4))
		return VHOST_ERR_RING_ADDR;
	return VHOST_MSG_OK;
}
