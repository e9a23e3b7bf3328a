/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * What the two lib/pring harnesses share: reading the fuzz input (zeros once
 * it runs out) and the ring memory, allocated at its exact size so that ASan
 * flags any access past it.
 */

#ifndef PRING_FUZZ_RING_H
#define PRING_FUZZ_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pring.h"

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t take(struct input *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static inline void take_bytes(struct input *in, void *dst, size_t n)
{
	size_t k = n < in->n ? n : in->n;

	memset(dst, 0, n);
	memcpy(dst, in->p, k);
	in->p += k;
	in->n -= k;
}

/* A ring of @p n descriptors: one area for both ends (plain), or two (split). */
struct fz_ring {
	void *m0, *m1;
};

static inline void fz_ring_alloc(struct fz_ring *r, struct pring_layout *l, uint16_t n, bool split)
{
	size_t ring = (size_t)n * sizeof(struct pring_desc);

	r->m1 = NULL;
	if (split) {
		r->m0 = aligned_alloc(16, ring + 16);
		r->m1 = aligned_alloc(16, ring + 16);
		if (r->m0 == NULL || r->m1 == NULL)
			abort();
		memset(r->m0, 0, ring + 16);
		memset(r->m1, 0, ring + 16);
		*l = (struct pring_layout){ r->m0, r->m1,
					    (struct pring_event *)((uint8_t *)r->m0 + ring),
					    (struct pring_event *)((uint8_t *)r->m1 + ring), n };
	} else {
		r->m0 = aligned_alloc(16, (pring_plain_mem_size(n) + 15) & ~(size_t)15);
		if (r->m0 == NULL)
			abort();
		memset(r->m0, 0, pring_plain_mem_size(n));
		pring_layout_plain(l, r->m0, n);
	}
}

static inline void fz_ring_free(struct fz_ring *r)
{
	free(r->m0);
	free(r->m1);
}

#endif /* PRING_FUZZ_RING_H */
