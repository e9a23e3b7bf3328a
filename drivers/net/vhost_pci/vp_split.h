/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * Device end of a virtio split virtqueue (virtio 1.1 §2.6) in front-end
 * memory. Same contract as pring's device end: the front-end is hostile,
 * every field it writes is read once into a local and checked, a violation
 * marks the ring broken (counted by reason) and every call returns 0 until
 * vp_split_init() runs again. Buffer addresses are translated through the
 * caller's pring_xlate table; nothing the peer writes is dereferenced.
 */

#ifndef VP_SPLIT_H
#define VP_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

#include "pring.h"
#include "vp_xlate.h"

/* Split ring wire layout (little-endian; we only build for little-endian hosts). */
#define VP_VRING_DESC_F_NEXT     1
#define VP_VRING_DESC_F_WRITE    2
#define VP_VRING_DESC_F_INDIRECT 4
#define VP_VRING_USED_F_NO_NOTIFY 1
#define VP_VRING_AVAIL_F_NO_INTERRUPT 1

struct vp_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vp_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /**< size entries, then used_event */
};

struct vp_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vp_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vp_vring_used_elem ring[]; /**< size entries, then avail_event */
};

_Static_assert(sizeof(struct vp_vring_desc) == 16, "split descriptor is 16 bytes");
_Static_assert(sizeof(struct vp_vring_used_elem) == 8, "used element is 8 bytes");

/** Device end of one split ring. */
struct vp_split {
	struct vp_vring_desc *desc;
	struct vp_vring_avail *avail;
	struct vp_vring_used *used;
	const struct pring_xlate *xlate;
	uint16_t size;       /**< power of two */
	uint16_t mask;
	uint16_t last_avail; /**< next avail ring entry to consume */
	uint16_t used_idx;   /**< next used entry to write; published with a release store */
	uint16_t pending;    /**< chains peeked, not completed */
	uint16_t call_old;   /**< used_idx at the last call decision */
	uint8_t event_idx;
	uint8_t broken;
	uint32_t xlate_hint;
	struct pring_stats stats;
};

/** Attach to a ring whose areas the caller validated; start at @p base. */
void vp_split_init(struct vp_split *s, void *desc, void *avail, void *used, uint16_t size,
		   const struct pring_xlate *x, uint16_t base, bool event_idx);
/** Same contract as pring_dev_peek(). */
uint16_t vp_split_peek(struct vp_split *s, struct pring_chain *chains, uint16_t max_chains,
		       struct pring_seg *segs, uint32_t max_segs);
/** Same contract as pring_dev_complete(). */
void vp_split_complete(struct vp_split *s, const struct pring_chain *chains, uint16_t n,
		       const uint32_t *written);
/** True when the driver wants a used-buffer notification for what was completed since the last call. */
bool vp_split_need_call(struct vp_split *s);
/** Where GET_VRING_BASE says we stopped (no chain may be pending). */
static inline uint16_t vp_split_base(const struct vp_split *s) { return s->last_avail; }

#endif /* VP_SPLIT_H */
