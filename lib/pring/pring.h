/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * pring: a virtio 1.1 packed virtqueue engine over memory windows.
 *
 * A ring has two ends. The *driver* end makes buffers available and reaps
 * them once used; the *device* end finds available buffers and completes
 * them. Each end keeps its private state in its own structure
 * (struct pring_drv, struct pring_dev) so the two ends never share a cache
 * line; the only memory they share is described by struct pring_layout.
 *
 * Two layouts are supported:
 *  - plain virtio: one descriptor array written by both ends (vhost-pci);
 *  - split: the driver's descriptor slots in one window and the device's
 *    used slots in another, so each peer writes only its own memory
 *    (ivshmem 2.0 output sections). Slot semantics are unchanged: a used
 *    entry for a chain is written at the chain's first slot index, only in
 *    the device's array instead of the shared one. One addition: a used
 *    entry's addr field (unused by the spec) carries the lap number, 1 for
 *    the first pass over the ring, so the driver can tell a fresh entry from
 *    one left two laps ago at a slot the device skipped since (the middle of
 *    a chain or of an in-order batch), which has the same wrap parity. Only
 *    the split layout carries it: in the plain layout the driver rewrites
 *    every slot on every lap, and the device leaves addr alone.
 *
 * Everything the other end can write is untrusted. Each end reads a peer
 * field once into a local, validates it against what the local end
 * configured, and on any violation stops: the end is marked broken, the
 * reason is counted, and every call returns 0 until pring_*_reset().
 * The library never dereferences an address taken from the ring: buffer
 * addresses are translated through a caller-supplied region table.
 *
 * Not thread-safe per end: one thread drives an end at a time.
 */

#ifndef VM2VM_PRING_H
#define VM2VM_PRING_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest queue size the virtio spec allows for packed rings. */
#define PRING_MAX_SIZE 32768
/** Regions a translation table can hold (vhost-user allows 8). */
#define PRING_MAX_REGIONS 8

/* Descriptor flag bits (virtio 1.1 §2.7.1). */
#define PRING_DESC_F_NEXT     0x0001
#define PRING_DESC_F_WRITE    0x0002
#define PRING_DESC_F_INDIRECT 0x0004
#define PRING_DESC_F_AVAIL    0x0080
#define PRING_DESC_F_USED     0x8000

/* Event suppression flag values (virtio 1.1 §2.7.10). */
#define PRING_EVENT_ENABLE  0x0
#define PRING_EVENT_DISABLE 0x1
#define PRING_EVENT_DESC    0x2

/** struct pvirtq_desc: 16 bytes, little-endian on the wire. */
struct pring_desc {
	uint64_t addr;  /**< buffer address: offset or guest address */
	uint32_t len;   /**< buffer length; bytes written in a used entry */
	uint16_t id;    /**< buffer id; in a chain, in the last descriptor */
	uint16_t flags; /**< PRING_DESC_F_* */
};

/** struct pvirtq_event_suppress: 4 bytes, little-endian on the wire. */
struct pring_event {
	uint16_t off_wrap; /**< bits 14..0 slot, bit 15 wrap counter */
	uint16_t flags;    /**< PRING_EVENT_* in bits 1..0 */
};

/** The shared memory of one ring, as the local process maps it. */
struct pring_layout {
	struct pring_desc *avail;      /**< slots the driver writes */
	struct pring_desc *used;       /**< slots the device writes; == avail in the plain layout */
	struct pring_event *drv_event; /**< driver-written: controls used-buffer notifications */
	struct pring_event *dev_event; /**< device-written: controls available-buffer notifications */
	uint16_t size;                 /**< number of slots, 1..PRING_MAX_SIZE, any value */
};

/** Bytes of the plain virtio layout for @p size slots (descs, driver event, device event). */
uint64_t pring_plain_mem_size(uint16_t size);
/** Fill @p l with the plain virtio layout over @p mem (16-byte aligned, pring_plain_mem_size bytes). */
int pring_layout_plain(struct pring_layout *l, void *mem, uint16_t size);

/** Bytes of one end's part of the split layout for @p size slots: its slots, then its event area. */
uint64_t pring_split_mem_size(uint16_t size);
/**
 * Fill @p l with the split layout: the driver's descriptor slots followed by
 * the driver event area at @p drv_mem (in the driver's window), the device's
 * used slots followed by the device event area at @p dev_mem (in the
 * device's window). Each is 16-byte aligned and pring_split_mem_size bytes;
 * they must not overlap.
 * @return 0, or -EINVAL.
 */
int pring_layout_split(struct pring_layout *l, void *drv_mem, void *dev_mem, uint16_t size);

/** One peer-address range and where it is mapped locally. */
struct pring_region {
	uint64_t addr;  /**< first peer address (offset or guest-physical) */
	uint64_t len;   /**< bytes; addr + len must not overflow */
	uint8_t *local; /**< local mapping of addr */
};

/** Peer address → local pointer translation table, owned by the caller. */
struct pring_xlate {
	uint32_t nr;                                   /**< regions in use */
	struct pring_region region[PRING_MAX_REGIONS]; /**< must not overlap */
};

/**
 * Translate [addr, addr + len) to a local pointer.
 * @return the local pointer, or NULL unless the whole range lies inside one region.
 * @p hint is a per-caller cache of the last region hit (start it at 0).
 */
void *pring_xlate(const struct pring_xlate *x, uint64_t addr, uint32_t len, uint32_t *hint);

/** Why an end stopped trusting the ring; indexes pring_stats.err[]. */
enum pring_err {
	PRING_ERR_ID = 0,        /**< id >= size */
	PRING_ERR_LEN,           /**< length zero, too large, or beyond the posted buffer */
	PRING_ERR_ADDR,          /**< address range outside every region */
	PRING_ERR_FLAGS,         /**< flag combination not allowed (INDIRECT, READ after WRITE, ...) */
	PRING_ERR_CHAIN,         /**< chain longer than the ring or than the caller accepts */
	PRING_ERR_NOT_OUTSTANDING, /**< used id that the driver did not post or already reaped */
	PRING_ERR__MAX
};

/** Counters kept by each end. */
struct pring_stats {
	uint64_t bufs;                  /**< buffers posted (driver) or completed (device) */
	uint64_t descs;                 /**< descriptors posted or completed */
	uint64_t err[PRING_ERR__MAX];   /**< violations seen, by reason */
	uint64_t resets;                /**< pring_*_reset calls */
};

/** Name of a pring_err, for logs and xstats. */
const char *pring_err_name(enum pring_err e);

/* ------------------------------------------------------------------ */
/* Driver end                                                          */
/* ------------------------------------------------------------------ */

/** Driver-side bookkeeping for one buffer id. */
struct pring_drv_slot {
	void *cookie;       /**< caller's handle returned on reap */
	uint32_t wlen;      /**< total device-writable bytes posted */
	uint16_t ndesc;     /**< descriptors in the chain */
	uint16_t next_free; /**< free-list link */
};

/** Driver end state; private to the process that drives it. */
struct pring_drv {
	struct pring_layout l;
	/* hot state written by this end only */
	uint16_t avail_idx;       /**< next slot to make available */
	uint16_t used_idx;        /**< next slot to look for a used entry */
	uint8_t avail_wrap;       /**< driver ring wrap counter */
	uint8_t used_wrap;        /**< wrap counter expected in used entries */
	uint8_t in_order;         /**< ids are allocated in order; a used id completes all earlier ones */
	uint8_t broken;           /**< set on the first violation; cleared by reset */
	uint16_t free_head;       /**< first free id (out-of-order mode) */
	uint16_t nr_free;         /**< descriptors not owned by the device */
	uint16_t next_id;         /**< in-order mode: id given to the next buffer */
	uint16_t oldest_id;       /**< in-order mode: oldest outstanding id */
	uint16_t kick_old;        /**< avail_idx at the last kick decision */
	uint8_t kick_old_wrap;    /**< avail_wrap at the last kick decision */
	uint8_t event_idx;        /**< EVENT_IDX negotiated */
	uint8_t split;            /**< split layout: used entries carry the lap number */
	uint16_t nr_out;          /**< buffers posted and not yet returned by reap */
	uint16_t multi_out;       /**< of those, chains of more than one descriptor */
	uint16_t io_done;         /**< in-order mode: oldest buffers known used, not yet returned */
	uint32_t io_last_len;     /**< in-order mode: bytes written into the last of those */
	uint64_t used_lap;        /**< lap of used_idx, 1 on the first pass (split layout check) */
	struct pring_drv_slot *slot; /**< size entries, caller-allocated */
	struct pring_stats stats;
};

/** A buffer segment as the driver posts it. */
struct pring_sg {
	uint64_t addr;  /**< peer-visible address */
	uint32_t len;
	uint16_t write; /**< non-zero: device-writable */
};

/**
 * Initialise a driver end. @p slot must hold l->size entries and outlive the end.
 * The shared memory is zeroed by the caller before either end starts.
 * @return 0, or -EINVAL on a bad layout.
 */
int pring_drv_init(struct pring_drv *d, const struct pring_layout *l,
		   struct pring_drv_slot *slot, bool in_order, bool event_idx);

/**
 * Forget every outstanding buffer (their cookies are returned through @p cb,
 * which may be NULL) and restart at slot 0 with wrap 1. Zeroes the memory
 * this end writes: its descriptor slots (the whole array in the plain
 * layout, where the driver owns the ring) and the driver event area. The
 * device end must be stopped, or reset too, before either end runs again.
 */
void pring_drv_reset(struct pring_drv *d, void (*cb)(void *cookie, void *arg), void *arg);

/** Descriptors the driver may still post. */
static inline uint16_t pring_drv_free_count(const struct pring_drv *d) { return d->nr_free; }

/**
 * Post @p n single-descriptor buffers. All are device-readable, or all
 * device-writable when @p write is set. Publishes once for the batch.
 * Lengths must be non-zero (the device end refuses empty buffers);
 * @p cookie may be NULL.
 * @return buffers posted (fewer when the ring fills; 0 when broken).
 */
uint16_t pring_drv_post(struct pring_drv *d, const uint64_t *addr, const uint32_t *len,
			void *const *cookie, uint16_t n, bool write);

/**
 * Post one chained buffer of @p nseg segments (readable ones first).
 * @return 1 if posted, 0 if the ring has too few free descriptors (or the end
 * is broken), -EINVAL if malformed (no segments, more than the ring size, an
 * empty segment, a readable one after a writable one, writable bytes > 4 GiB).
 */
int pring_drv_post_chain(struct pring_drv *d, const struct pring_sg *sg, uint16_t nseg, void *cookie);

/**
 * Reap up to @p n used buffers in the order the device completed them.
 * @p cookie receives their cookies; may be NULL when the caller keeps none.
 * @p len receives the bytes the device wrote (0 for read-only buffers); may be NULL.
 * In in-order mode one used entry may complete several buffers; they are
 * returned over as many calls as needed, the bytes written reported for the
 * last of them only. A violation stops the end, but buffers validated
 * before it in the same call are still returned (their state is released).
 * @return buffers reaped; 0 when none are ready or the end is broken.
 */
uint16_t pring_drv_reap(struct pring_drv *d, void **cookie, uint32_t *len, uint16_t n);

/** True when the device asked to be notified of what was posted since the last call. */
bool pring_drv_need_kick(struct pring_drv *d);

/**
 * Write the driver event suppression area: PRING_EVENT_ENABLE/DISABLE, or DESC
 * at the next used slot (DESC without EVENT_IDX, or an unknown mode, is
 * written as ENABLE). After enabling, reap once more before sleeping: the
 * device may have completed buffers before it could see the change.
 */
void pring_drv_set_event(struct pring_drv *d, uint16_t mode);

/* ------------------------------------------------------------------ */
/* Device end                                                          */
/* ------------------------------------------------------------------ */

/** A validated, translated segment of an available buffer. */
struct pring_seg {
	void *ptr;      /**< local pointer, inside one region */
	uint32_t len;
	uint16_t write; /**< device-writable */
};

/** A validated available buffer (chain). */
struct pring_chain {
	uint16_t id;     /**< buffer id, < size */
	uint16_t ndesc;  /**< descriptors (== segments) in the chain */
	uint32_t seg0;   /**< index of the first segment in the caller's array */
	uint32_t rlen;   /**< device-readable bytes */
	uint32_t wlen;   /**< device-writable bytes */
};

/** Device end state; private to the process that serves it. */
struct pring_dev {
	struct pring_layout l;
	const struct pring_xlate *xlate; /**< caller-owned, may be updated between bursts */
	uint16_t avail_idx;  /**< next slot to look for an available buffer */
	uint16_t used_idx;   /**< next slot to write a used entry */
	uint8_t avail_wrap;  /**< wrap counter expected in available descriptors */
	uint8_t used_wrap;   /**< wrap counter written into used entries */
	uint8_t broken;      /**< set on the first violation; cleared by reset */
	uint8_t event_idx;   /**< EVENT_IDX negotiated */
	uint16_t pending;    /**< chains peeked but not yet completed */
	uint16_t pending_desc; /**< descriptors of those chains */
	uint16_t call_old;     /**< used_idx at the last call decision */
	uint8_t call_old_wrap; /**< used_wrap at the last call decision */
	uint32_t xlate_hint;   /**< last region hit */
	uint8_t split;         /**< split layout: used entries carry the lap number */
	uint64_t used_lap;     /**< lap of used_idx, written into each used entry's addr (split) */
	uint16_t last_id;      /**< id of the chain peeked last */
	struct pring_stats stats;
};

/**
 * Initialise a device end. @p avail_idx/@p avail_wrap give the starting
 * position (vhost-user SET_VRING_BASE); use 0 and 1 for a fresh ring.
 * @return 0, or -EINVAL on a bad layout or start position.
 */
int pring_dev_init(struct pring_dev *v, const struct pring_layout *l,
		   const struct pring_xlate *x, uint16_t avail_idx, bool avail_wrap, bool event_idx);

/**
 * Drop every peeked-but-uncompleted chain and restart at slot 0 with wrap 1.
 * Zeroes the memory only this end writes: the used slots in the split
 * layout and the device event area.
 */
void pring_dev_reset(struct pring_dev *v);

/**
 * Find, validate and translate up to @p max_chains available buffers.
 * Segments are written to @p segs (capacity @p max_segs); a chain longer than
 * @p max_segs is a PRING_ERR_CHAIN violation, one that merely does not fit in
 * what is left of @p segs ends the batch. Peeked chains must be completed, in
 * order, before the ring can reuse their slots.
 * @return chains found; 0 when none is available or the end is broken.
 */
uint16_t pring_dev_peek(struct pring_dev *v, struct pring_chain *chains, uint16_t max_chains,
			struct pring_seg *segs, uint32_t max_segs);

/**
 * pring_dev_peek's fast path for the datapath's common case: single-descriptor,
 * device-readable buffers of 1..@p max_len bytes that the table's last-hit
 * region translates. Finds up to @p n of them and writes each one's local
 * pointer and length to @p ptr and @p len. Each counts as a pending chain of
 * one descriptor, completed like those pring_dev_peek returns.
 *
 * It stops at the first available descriptor it does not take (chained,
 * writable, longer than @p max_len, another region, or one that breaks a
 * rule) without using it, and then sets @p *other: the caller hands that one
 * to pring_dev_peek, which serves it or flags the violation. It never marks
 * the end broken itself.
 * @return buffers found; 0 when none is available or the end is broken.
 */
uint16_t pring_dev_peek_flat(struct pring_dev *v, void **ptr, uint32_t *len, uint16_t n,
			     uint32_t max_len, bool *other);

/**
 * pring_dev_peek_flat() that also writes each buffer's id to @p id: for a
 * caller that completes the buffers later and in runs of its own choosing
 * (pring_dev_complete_run_in_order), so it needs the id of each.
 */
uint16_t pring_dev_peek_flat_id(struct pring_dev *v, void **ptr, uint32_t *len, uint16_t *id,
				uint16_t n, uint32_t max_len, bool *other);

/**
 * Complete every pending chain with a single used entry carrying the id of
 * the last one peeked (IN_ORDER batching, as pring_dev_complete_in_order).
 * Only valid when the driver end runs in order.
 */
void pring_dev_complete_pending_in_order(struct pring_dev *v);

/**
 * Complete the @p n oldest peeked chains, one used entry each, in peek order.
 * @p written[i] is the bytes written into chain i (NULL: none written); it is
 * clamped to the chain's wlen. @p n is clamped to the chains pending. One
 * publish for the batch; a no-op on a broken end.
 */
void pring_dev_complete(struct pring_dev *v, const struct pring_chain *chains, uint16_t n,
			const uint32_t *written);

/**
 * Complete the @p n oldest peeked read-only chains with a single used entry
 * carrying the last chain's id (IN_ORDER batching, virtio 1.1 §2.7.9).
 * Only valid when the driver end runs in order.
 */
void pring_dev_complete_in_order(struct pring_dev *v, const struct pring_chain *chains, uint16_t n);

/**
 * pring_dev_complete_in_order() for @p n single-descriptor read-only buffers,
 * the last of which has id @p last_id: no chain array to build or walk.
 * Only valid when the driver end runs in order and the @p n oldest peeked
 * buffers are each one descriptor (a batch take guarantees it).
 */
void pring_dev_complete_flat_in_order(struct pring_dev *v, uint16_t n, uint16_t last_id);

/**
 * pring_dev_complete() for the @p n oldest peeked buffers, each one
 * descriptor (a batch take guarantees it): buffer i has id @p id[i] and
 * @p written[i] bytes were written into it, which the caller has bounded
 * by the buffer's length (there is no chain array to bound it by). One
 * used entry per buffer, in any driver mode; never more than is pending.
 */
void pring_dev_complete_flat(struct pring_dev *v, const uint16_t *id, const uint32_t *written,
			     uint16_t n);

/**
 * pring_dev_complete_in_order() for the @p n oldest peeked chains, which
 * hold @p ndesc descriptors in all, the last of them with id @p last_id:
 * for a caller that kept each chain's id and length itself (zero-copy
 * receive), so no chain array is built or walked. Only valid when the
 * driver end runs in order. Counts that are not what is pending (more
 * chains or descriptors than peeked, fewer descriptors than chains) are a
 * caller bug: nothing is completed.
 */
void pring_dev_complete_run_in_order(struct pring_dev *v, uint16_t n, uint32_t ndesc,
				     uint16_t last_id);

/** True when the driver asked to be notified of what was completed since the last call. */
bool pring_dev_need_call(struct pring_dev *v);

/**
 * Write the device event suppression area: PRING_EVENT_ENABLE/DISABLE, or DESC
 * at the next avail slot (DESC without EVENT_IDX, or an unknown mode, is
 * written as ENABLE). After enabling, peek once more before sleeping.
 */
void pring_dev_set_event(struct pring_dev *v, uint16_t mode);

/** Slot index and wrap counter the device will look at next (vhost-user GET_VRING_BASE encoding). */
static inline uint16_t pring_dev_base(const struct pring_dev *v)
{
	return (uint16_t)(v->avail_idx | (v->avail_wrap ? 0x8000 : 0));
}

#ifdef __cplusplus
}
#endif

#endif /* VM2VM_PRING_H */
