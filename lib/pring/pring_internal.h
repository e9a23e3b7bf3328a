/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Helpers shared by the driver and device ends: access to peer-visible
 * memory, wrap-counter flag patterns, event-suppression arithmetic.
 * Not part of the public API.
 */

#ifndef VM2VM_PRING_INTERNAL_H
#define VM2VM_PRING_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pring.h"

#define PRING_AVAIL_USED (PRING_DESC_F_AVAIL | PRING_DESC_F_USED)
#define PRING_EVENT_FLAGS_MASK 0x3
#define PRING_EVENT_WRAP 0x8000

/*
 * The wire is little-endian. On a big-endian host every access below swaps;
 * on little-endian hosts (the only ones built so far) these are no-ops.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PRING_LE16(x) (x)
#define PRING_LE32(x) (x)
#define PRING_LE64(x) (x)
#else
#define PRING_LE16(x) __builtin_bswap16(x)
#define PRING_LE32(x) __builtin_bswap32(x)
#define PRING_LE64(x) __builtin_bswap64(x)
#endif

/*
 * Shared memory is accessed only through these. The other side writes it
 * concurrently, so plain accesses would be data races; atomic accesses also
 * stop the compiler from re-reading a field after we validated it (each
 * peer field is read exactly once into a local). Relaxed loads and stores
 * compile to plain moves on x86 and arm64.
 */
static inline uint16_t pring_ld16(const uint16_t *p)
{
	return PRING_LE16(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline uint16_t pring_ld16_acq(const uint16_t *p)
{
	return PRING_LE16(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline uint32_t pring_ld32(const uint32_t *p)
{
	return PRING_LE32(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline uint64_t pring_ld64_acq(const uint64_t *p)
{
	return PRING_LE64(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline uint64_t pring_ld64(const uint64_t *p)
{
	return PRING_LE64(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline void pring_st16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, PRING_LE16(v), __ATOMIC_RELAXED);
}

static inline void pring_st16_rel(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, PRING_LE16(v), __ATOMIC_RELEASE);
}

static inline void pring_st32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, PRING_LE32(v), __ATOMIC_RELAXED);
}

static inline void pring_st64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, PRING_LE64(v), __ATOMIC_RELAXED);
}

static inline void pring_st64_rel(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, PRING_LE64(v), __ATOMIC_RELEASE);
}

/*
 * len, id and flags of a descriptor that is not the head of its batch, as
 * one 8-byte store: fewer stores in flight while the cache lines travel to
 * the other core. The other end reads these fields only after acquiring the
 * head's flags, so the store needs no ordering of its own.
 */
static inline void pring_desc_tail_store(struct pring_desc *d, uint32_t len, uint16_t id,
					 uint16_t flags)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w = (uint64_t)len | (uint64_t)id << 32 | (uint64_t)flags << 48;

	__atomic_store_n((uint64_t *)(void *)&d->len, w, __ATOMIC_RELAXED);
#else
	pring_st32(&d->len, len);
	pring_st16(&d->id, id);
	pring_st16(&d->flags, flags);
#endif
}

/* AVAIL/USED bits of a descriptor the driver makes available in lap parity @p wrap. */
static inline uint16_t pring_avail_bits(uint8_t wrap)
{
	return wrap ? PRING_DESC_F_AVAIL : PRING_DESC_F_USED;
}

/* AVAIL/USED bits of a used entry the device writes in lap parity @p wrap. */
static inline uint16_t pring_used_bits(uint8_t wrap)
{
	return wrap ? PRING_AVAIL_USED : 0;
}

/* Available to a device expecting @p wrap: AVAIL == wrap and USED != wrap. */
static inline bool pring_is_avail(uint16_t flags, uint8_t wrap)
{
	return (flags & PRING_AVAIL_USED) == pring_avail_bits(wrap);
}

/* Used, for a driver expecting @p wrap: AVAIL == USED == wrap. */
static inline bool pring_is_used(uint16_t flags, uint8_t wrap)
{
	return (flags & PRING_AVAIL_USED) == pring_used_bits(wrap);
}

/*
 * pring_xlate's fast path, for the datapath: the region that translated the
 * previous buffer nearly always translates this one too. Same checks, no
 * overflow possible; on a miss the full search runs.
 */
static inline void *pring_xlate_hot(const struct pring_xlate *x, uint64_t addr, uint32_t len,
				    uint32_t *hint)
{
	uint32_t h = *hint;

	if (h < x->nr && h < PRING_MAX_REGIONS) {
		const struct pring_region *r = &x->region[h];
		uint64_t off = addr - r->addr;

		if (addr >= r->addr && off < r->len && len <= r->len - off)
			return r->local + off;
	}
	return pring_xlate(x, addr, len, hint);
}

/* Validate a layout before an end trusts it. */
int pring_layout_check(const struct pring_layout *l);

/*
 * Should we notify the peer? @p ev is the peer's event suppression area;
 * the ring moved from (old, old_wrap) to (now, now_wrap) since the last
 * decision. Read-once and fail-safe: an area we cannot interpret asks for a
 * notification, which costs the peer a wake-up and never loses work.
 */
bool pring_event_need(const struct pring_event *ev, bool event_idx, uint16_t size,
		      uint16_t now, uint8_t now_wrap, uint16_t old, uint8_t old_wrap);

/* Write our own event suppression area (mode ENABLE/DISABLE/DESC at idx/wrap). */
void pring_event_write(struct pring_event *ev, uint16_t mode, bool event_idx,
		       uint16_t idx, uint8_t wrap);

#endif /* VM2VM_PRING_INTERNAL_H */
