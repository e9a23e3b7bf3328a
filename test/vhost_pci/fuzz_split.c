/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * libFuzzer harness for the split-ring consumer: the input is the front-end's
 * memory (descriptor table, avail ring, buffers), rewritten between rounds
 * the way a hostile front-end could. Every segment handed back must lie
 * inside the memory window, and a chain's lengths must add up.
 */

#include <stdlib.h>

#include "split_test_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_segs(const struct split_fixture *f, const struct pring_chain *c, uint16_t n,
	   const struct pring_seg *sg)
{
	uint16_t i, k;

	for (i = 0; i < n; i++) {
		uint64_t r = 0, w = 0;

		for (k = 0; k < c[i].ndesc; k++) {
			const struct pring_seg *s = &sg[c[i].seg0 + k];
			const uint8_t *p = s->ptr;

			if (p < f->mem || p + s->len > f->mem + T_MEM || s->len == 0)
				abort();
			if (s->write)
				w += s->len;
			else
				r += s->len;
		}
		if (r != c[i].rlen || w != c[i].wlen || c[i].id >= T_SIZE)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct split_fixture f;
	struct pring_chain c[T_SIZE];
	struct pring_seg sg[64];
	size_t off = 0;
	int round;

	sf_init(&f, T_SIZE, size > 0 && (data[0] & 1));
	for (round = 0; round < 4 && off < size; round++) {
		/* the next slice of input overwrites the avail ring, then descriptors */
		const size_t avail_len = 4 + 2 * T_SIZE + 2, desc_len = 16 * T_SIZE;
		size_t n = size - off;
		uint16_t got;

		if (n > avail_len + desc_len)
			n = avail_len + desc_len;
		memcpy(f.mem + T_AVAIL, data + off, n < avail_len ? n : avail_len);
		if (n > avail_len)
			memcpy(f.mem + T_DESC, data + off + avail_len, n - avail_len);
		off += n;
		got = vp_split_peek(&f.s, c, T_SIZE, sg, 64);
		check_segs(&f, c, got, sg);
		vp_split_complete(&f.s, c, got, NULL);
		(void)vp_split_need_call(&f.s);
	}
	return 0;
}
