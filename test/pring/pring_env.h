/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Test fixture: one ring in either layout, both ends, and a data window the
 * device translates. Peer-side helpers write raw descriptors the way a
 * (possibly hostile) peer would.
 */

#ifndef VM2VM_PRING_ENV_H
#define VM2VM_PRING_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "pring.h"

/** Peer address of byte 0 of the data window (deliberately not 0). */
#define PENV_BASE 0x100000ULL
/** Bytes in the data window. */
#define PENV_DATA 65536u

struct penv {
	uint16_t size;
	bool split;
	void *desc_mem;               /**< avail array (and used, plain layout) + events */
	void *used_mem;               /**< split layout: the device's window */
	uint8_t *data;                /**< the data window */
	struct pring_layout l;
	struct pring_xlate x;
	struct pring_drv_slot *slots;
	struct pring_drv d;
	struct pring_dev v;
};

/** Build a zeroed ring of @p size slots and init both ends at slot 0. Aborts on failure. */
void penv_init(struct penv *e, uint16_t size, bool split, bool in_order, bool event_idx);
void penv_fini(struct penv *e);
/** Reset both ends (the recovery path after a violation). */
void penv_reset(struct penv *e);
/** Peer address of data window offset @p off. */
static inline uint64_t penv_addr(uint64_t off) { return PENV_BASE + off; }

/** Write a raw descriptor into avail slot @p idx: hostile-driver helper (flags last). */
void penv_put_avail(struct penv *e, uint16_t idx, uint64_t addr, uint32_t len, uint16_t id,
		    uint16_t flags);
/** AVAIL/USED bits for a descriptor made available with wrap @p wrap. */
uint16_t penv_avail_bits(bool wrap);
/** Write a raw used entry into used slot @p idx: hostile/foreign-device helper. */
void penv_put_used(struct penv *e, uint16_t idx, uint16_t id, uint32_t len, uint16_t flags,
		   uint64_t lap);
/** AVAIL/USED bits for a used entry written with wrap @p wrap. */
uint16_t penv_used_bits(bool wrap);

/** Post one single-descriptor buffer at data offset @p off; returns the result of pring_drv_post. */
uint16_t penv_post1(struct penv *e, uint64_t off, uint32_t len, bool write, void *cookie);
/** Peek, complete all peeked (with @p written bytes each), reap; returns buffers reaped. */
uint16_t penv_roundtrip(struct penv *e, uint32_t written);

/** Sum of every error counter of a stats block. */
uint64_t penv_errs(const struct pring_stats *s);

#endif /* VM2VM_PRING_ENV_H */
