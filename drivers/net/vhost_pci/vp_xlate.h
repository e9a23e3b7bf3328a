/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Guest-physical → local translation for the split-ring datapath: the
 * pring_xlate contract (whole range inside one region, per-queue hint of the
 * last region hit), inlined because it runs once per descriptor.
 */

#ifndef VP_XLATE_H
#define VP_XLATE_H

#include <stddef.h>
#include <stdint.h>

#include "pring.h"

static inline void *
vp_xlate(const struct pring_xlate *x, uint64_t addr, uint32_t len, uint32_t *hint)
{
	uint32_t i = *hint, k;

	for (k = 0; k < x->nr; k++, i++) {
		const struct pring_region *r;

		if (i >= x->nr)
			i = 0;
		r = &x->region[i];
		if (addr >= r->addr && len <= r->len && addr - r->addr <= r->len - len) {
			*hint = i;
			return r->local + (addr - r->addr);
		}
	}
	return NULL;
}

#endif /* VP_XLATE_H */
