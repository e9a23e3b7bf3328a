/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Reading a libFuzzer input field by field (zeros once it runs out), and a checked invariant. */

#ifndef VP_FUZZ_INPUT_H
#define VP_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct cur {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t
u8(struct cur *c)
{
	if (c->n == 0)
		return 0;
	c->n--;
	return *c->p++;
}

static inline uint16_t
u16(struct cur *c)
{
	uint16_t lo = u8(c);

	return (uint16_t)(lo | (u8(c) << 8));
}

static inline uint32_t
u32(struct cur *c)
{
	uint32_t lo = u16(c);

	return lo | (uint32_t)u16(c) << 16;
}

/* An invariant the harness checks: abort, so that libFuzzer keeps the input. */
#define FZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

#endif /* VP_FUZZ_INPUT_H */
