/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Internal layout of the table, shared by fdb.c and fdb_maint.c. */

#ifndef VM2VM_FDB_TABLE_H
#define VM2VM_FDB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdb.h"

/*
 * Entry word: bits 63..16 the MAC key, bit 15 the static flag, bits 14..0
 * the port plus one. Zero means an empty slot (port+1 is never zero).
 */
#define FDB_W_STATIC    (UINT64_C(1) << 15)
#define FDB_W_PORT_MASK UINT64_C(0x7fff)

struct fdb_entry {
	uint64_t word;  /**< atomic: mac, static flag, port+1; 0 if empty */
	uint32_t seen;  /**< atomic: last learn/refresh time */
	uint32_t pad;
};

struct fdb_bucket {
	struct fdb_entry e[FDB_BUCKET_SLOTS];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct fdb_entry) == 16, "fdb entry must be 16 bytes");
_Static_assert(sizeof(struct fdb_bucket) == 64, "fdb bucket must be one cache line");

/* Learned entries of one port, alone on its cache line: learners for
 * different ports never write the same line. */
struct fdb_port_count {
	uint32_t n; /**< atomic */
} __attribute__((aligned(64)));

struct fdb {
	struct fdb_bucket *buckets;
	uint32_t nb_buckets;   /**< power of two */
	uint32_t bucket_shift; /**< 64 - log2(nb_buckets) */
	uint32_t port_limit;   /**< learned entries per port (0: no limit) */
	uint16_t nb_counted;   /**< ports 0..nb_counted-1 have a counter */
	struct fdb_port_count *counts;
};

static inline uint64_t
fdb_word(uint64_t mac, uint16_t port, int is_static)
{
	return mac << 16 | (is_static ? FDB_W_STATIC : 0) | (uint64_t)(port + 1);
}

static inline uint64_t
fdb_word_mac(uint64_t w)
{
	return w >> 16;
}

static inline uint16_t
fdb_word_port(uint64_t w)
{
	return (uint16_t)((w & FDB_W_PORT_MASK) - 1);
}

/*
 * One 64-bit mix of the MAC (xor-shift-multiply, as in MurmurHash3's
 * finaliser) gives both buckets: the top bits pick the first, the low bits
 * the second. A plain multiply would leave MACs that differ only in their
 * last bytes (high key bits) crowded into few buckets.
 */
static inline uint64_t
fdb_mix(uint64_t mac)
{
	mac ^= mac >> 33;
	mac *= UINT64_C(0xff51afd7ed558ccd);
	mac ^= mac >> 33;
	mac *= UINT64_C(0xc4ceb9fe1a85ec53);
	mac ^= mac >> 33;
	return mac;
}

static inline uint32_t
fdb_hash1(const struct fdb *f, uint64_t mac)
{
	return (uint32_t)(fdb_mix(mac) >> f->bucket_shift);
}

/* Keep in step with the inline copy in fdb_lookup_bulk(). */
static inline uint32_t
fdb_hash2(const struct fdb *f, uint64_t mac)
{
	uint64_t h = fdb_mix(mac);
	uint32_t b1 = (uint32_t)(h >> f->bucket_shift);
	uint32_t b2 = (uint32_t)h & (f->nb_buckets - 1);

	/* A distinct second bucket (there are always at least two). */
	return b2 == b1 ? b2 ^ 1 : b2;
}

static inline uint64_t
fdb_load_word(const struct fdb_entry *e)
{
	return __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
}

static inline uint32_t *
fdb_port_ctr(const struct fdb *f, uint16_t port)
{
	return port < f->nb_counted ? &f->counts[port].n : NULL;
}

/* Word @p w just left its slot (our CAS cleared or replaced it): if it was
 * a learned entry, its port has room for one more. */
static inline void
fdb_count_removed(struct fdb *f, uint64_t w)
{
	uint32_t *c;

	if (w & FDB_W_STATIC)
		return;
	c = fdb_port_ctr(f, fdb_word_port(w));
	if (c != NULL)
		__atomic_fetch_sub(c, 1, __ATOMIC_RELAXED);
}

/* Room for one more learned entry on @p port, taken back with
 * fdb_count_release() if it is not used. @return false at the limit.
 * The plain load first keeps a port flooding new sources at its limit
 * from writing the counter line at all. */
static inline bool
fdb_count_reserve(struct fdb *f, uint16_t port)
{
	uint32_t *c = fdb_port_ctr(f, port);

	if (c == NULL)
		return true;
	if (f->port_limit == 0) {
		__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
		return true;
	}
	if (__atomic_load_n(c, __ATOMIC_RELAXED) >= f->port_limit)
		return false;
	if (__atomic_add_fetch(c, 1, __ATOMIC_RELAXED) <= f->port_limit)
		return true;
	__atomic_fetch_sub(c, 1, __ATOMIC_RELAXED);
	return false;
}

static inline void
fdb_count_release(struct fdb *f, uint16_t port)
{
	uint32_t *c = fdb_port_ctr(f, port);

	if (c != NULL)
		__atomic_fetch_sub(c, 1, __ATOMIC_RELAXED);
}

#endif /* VM2VM_FDB_TABLE_H */
