/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * One branch per call between the two ring engines: the front-end chooses
 * packed or split on every connection, so the choice cannot be made once at
 * probe time by swapping burst functions under a running application.
 */

#ifndef VP_RING_H
#define VP_RING_H

#include "vp_internal.h"

static inline uint16_t
vp_ring_peek(struct vp_queue *q, struct pring_chain *c, uint16_t max, struct pring_seg *s,
	     uint32_t max_segs)
{
	if (q->packed)
		return pring_dev_peek(&q->r.packed, c, max, s, max_segs);
	return vp_split_peek(&q->r.split, c, max, s, max_segs);
}

static inline void
vp_ring_complete(struct vp_queue *q, const struct pring_chain *c, uint16_t n, const uint32_t *written)
{
	if (q->packed) {
		/* IN_ORDER lets one used entry retire a whole batch of read-only chains. */
		if (written == NULL && q->in_order && n > 1)
			pring_dev_complete_in_order(&q->r.packed, c, n);
		else
			pring_dev_complete(&q->r.packed, c, n, written);
		return;
	}
	vp_split_complete(&q->r.split, c, n, written);
}

static inline bool
vp_ring_need_call(struct vp_queue *q)
{
	if (q->packed)
		return pring_dev_need_call(&q->r.packed);
	return vp_split_need_call(&q->r.split);
}

/*
 * The control thread's look at a ring the datapath may be running on: the
 * engines set broken on the first violation and only a re-attach (under
 * vp_quiesce) clears it, so a relaxed load sees it sooner or later and
 * needs no gate.
 */
static inline bool
vp_ring_broken(const struct vp_queue *q)
{
	return q->packed ? __atomic_load_n(&q->r.packed.broken, __ATOMIC_RELAXED) != 0 :
			   __atomic_load_n(&q->r.split.broken, __ATOMIC_RELAXED) != 0;
}

#endif /* VP_RING_H */
