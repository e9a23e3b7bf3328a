/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Layouts, address translation, error names: what both ends share. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "pring_internal.h"

_Static_assert(sizeof(struct pring_desc) == 16, "pvirtq_desc is 16 bytes");
_Static_assert(offsetof(struct pring_desc, len) == 8, "pvirtq_desc.len at 8");
_Static_assert(offsetof(struct pring_desc, id) == 12, "pvirtq_desc.id at 12");
_Static_assert(offsetof(struct pring_desc, flags) == 14, "pvirtq_desc.flags at 14");
_Static_assert(sizeof(struct pring_event) == 4, "pvirtq_event_suppress is 4 bytes");
_Static_assert(PRING_MAX_SIZE <= UINT16_MAX, "sizes and indexes are 16-bit");

uint64_t pring_plain_mem_size(uint16_t size)
{
	return (uint64_t)size * sizeof(struct pring_desc) + 2 * sizeof(struct pring_event);
}

int pring_layout_plain(struct pring_layout *l, void *mem, uint16_t size)
{
	struct pring_desc *desc = mem;

	if (l == NULL || mem == NULL || size == 0 || size > PRING_MAX_SIZE ||
	    ((uintptr_t)mem & 15) != 0)
		return -EINVAL;
	l->avail = desc;
	l->used = desc;
	/* The virtio layout: driver area right after the descriptors, device area after it. */
	l->drv_event = (struct pring_event *)(desc + size);
	l->dev_event = l->drv_event + 1;
	l->size = size;
	return 0;
}

uint64_t pring_split_mem_size(uint16_t size)
{
	return (uint64_t)size * sizeof(struct pring_desc) + sizeof(struct pring_event);
}

int pring_layout_split(struct pring_layout *l, void *drv_mem, void *dev_mem, uint16_t size)
{
	uintptr_t a = (uintptr_t)drv_mem, b = (uintptr_t)dev_mem;
	uint64_t len = pring_split_mem_size(size);

	if (l == NULL || drv_mem == NULL || dev_mem == NULL || size == 0 ||
	    size > PRING_MAX_SIZE || ((a | b) & 15) != 0)
		return -EINVAL;
	if ((a <= b && b - a < len) || (b < a && a - b < len))
		return -EINVAL; /* overlapping parts would be written by both ends */
	l->avail = drv_mem;
	l->drv_event = (struct pring_event *)(l->avail + size);
	l->used = dev_mem;
	l->dev_event = (struct pring_event *)(l->used + size);
	l->size = size;
	return 0;
}

int pring_layout_check(const struct pring_layout *l)
{
	if (l == NULL || l->size == 0 || l->size > PRING_MAX_SIZE)
		return -EINVAL;
	if (l->avail == NULL || l->used == NULL || l->drv_event == NULL || l->dev_event == NULL)
		return -EINVAL;
	/* Alignment keeps every field access naturally aligned, hence single-copy atomic. */
	if (((uintptr_t)l->avail & 15) || ((uintptr_t)l->used & 15) ||
	    ((uintptr_t)l->drv_event & 3) || ((uintptr_t)l->dev_event & 3))
		return -EINVAL;
	return 0;
}

/* Does [addr, addr + len) lie inside region @p r? Written so nothing can overflow. */
static inline void *region_xlate(const struct pring_region *r, uint64_t addr, uint32_t len)
{
	uint64_t off = addr - r->addr;

	if (addr < r->addr || off >= r->len || len > r->len - off)
		return NULL;
	return r->local + off;
}

void *pring_xlate(const struct pring_xlate *x, uint64_t addr, uint32_t len, uint32_t *hint)
{
	uint32_t nr = x->nr < PRING_MAX_REGIONS ? x->nr : PRING_MAX_REGIONS;
	uint32_t h = *hint;
	void *p;

	/* Consecutive buffers nearly always sit in the same region: try the last hit first. */
	if (h < nr) {
		p = region_xlate(&x->region[h], addr, len);
		if (p != NULL)
			return p;
	}
	for (uint32_t i = 0; i < nr; i++) {
		p = region_xlate(&x->region[i], addr, len);
		if (p != NULL) {
			*hint = i;
			return p;
		}
	}
	return NULL;
}

const char *pring_err_name(enum pring_err e)
{
	static const char *const names[PRING_ERR__MAX] = {
		[PRING_ERR_ID] = "bad_id",
		[PRING_ERR_LEN] = "bad_len",
		[PRING_ERR_ADDR] = "bad_addr",
		[PRING_ERR_FLAGS] = "bad_flags",
		[PRING_ERR_CHAIN] = "bad_chain",
		[PRING_ERR_NOT_OUTSTANDING] = "not_outstanding",
	};

	if ((unsigned int)e >= PRING_ERR__MAX)
		return "unknown";
	return names[e];
}
