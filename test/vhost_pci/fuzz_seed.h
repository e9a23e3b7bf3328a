/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Writing a seed input field by field, the inverse of fuzz_input.h: the
 * harnesses' -seed_dir=DIR modes build their named seeds with these, so that
 * a seed follows the input format as the harness reads it today.
 */

#ifndef VP_FUZZ_SEED_H
#define VP_FUZZ_SEED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct seed {
	uint8_t b[4096];
	size_t n;
};

/* Bytes beyond the buffer are dropped: the seed is then a truncated input, still valid. */
static inline void
put8(struct seed *s, unsigned int v)
{
	if (s->n < sizeof(s->b))
		s->b[s->n++] = (uint8_t)v;
}

static inline void
put16(struct seed *s, unsigned int v)
{
	put8(s, v & 0xff);
	put8(s, v >> 8);
}

static inline int
write_seed(const char *dir, const char *name, const struct seed *s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(s->b, 1, s->n, f) != s->n) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

#endif /* VP_FUZZ_SEED_H */
