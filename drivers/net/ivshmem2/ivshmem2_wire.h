/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * Wire layout of the net_ivshmem2 protocol (ivshmem 2.0 protocol 4E32h).
 *
 * Everything here is shared memory that both peers map. Each peer writes
 * only its own output section and its own state-table entry; everything
 * read from the peer's section is untrusted. All fields are little-endian
 * (the PMD builds only for little-endian hosts).
 *
 * An output section holds, from its start:
 *
 *   0                      struct iv2_sect_hdr (two cache lines)
 *   hdr.queue_off          queue 0
 *   + q * hdr.queue_stride queue q
 *
 * and each queue, from its start:
 *
 *   0            tx_avail[ring_size]   descriptor slots of our TX ring (we are its driver)
 *   16*R         rx_used[ring_size]    used slots of the peer's TX ring q (we are its device)
 *   32*R         struct iv2_queue_events (one cache line)
 *   buf_off      ring_size packet buffers of buf_size bytes; buffer i belongs to TX ring slot i
 *
 * A descriptor's addr is the byte offset of the buffer from the start of
 * the section that holds the descriptor (the sender's section).
 */

#ifndef IVSHMEM2_WIRE_H
#define IVSHMEM2_WIRE_H

#include <stdint.h>

/** ivshmem 2.0 protocol type (user-defined range 4000h-7FFFh): class code FF4E32h. */
#define IV2_PROTOCOL 0x4E32
/** ivshmem 2.0 PCI IDs. */
#define IV2_PCI_VENDOR 0x110A
#define IV2_PCI_DEVICE 0x4106
#define IV2_PCI_CLASS  0xFF

/** "IV2N" in memory order. */
#define IV2_MAGIC 0x4E325649u
/** Bumped on every incompatible change to this file. */
#define IV2_LAYOUT_VERSION 1

/* Feature bits in iv2_sect_hdr.features; both peers must advertise the same set. */
#define IV2_F_IN_ORDER  (1ull << 0) /**< one used entry may complete a batch (virtio IN_ORDER) */
#define IV2_F_CHAINS    (1ull << 1) /**< frames larger than buf_size span chained descriptors */
#define IV2_FEATURES    (IV2_F_IN_ORDER | IV2_F_CHAINS)

/* Peer states written to the State register / state-table entry (ivshmem-net values). */
#define IV2_STATE_RESET 0
#define IV2_STATE_INIT  1
#define IV2_STATE_READY 2
#define IV2_STATE_RUN   3

/* Limits this layout version accepts. */
#define IV2_MAX_QUEUES   8
#define IV2_MIN_RING     64
#define IV2_MAX_RING     4096
#define IV2_MIN_BUF      512
#define IV2_MAX_BUF      16384
/** Largest frame on the wire (jumbo frames up to MTU 16000). */
#define IV2_MAX_FRAME    16384
#define IV2_LINE         64
/** Queue areas start on this boundary. */
#define IV2_QUEUE_ALIGN  4096

/** Output section header: line 0 is written once at INIT, line 1 periodically. */
struct iv2_sect_hdr {
	uint32_t magic;         /**< IV2_MAGIC */
	uint16_t version;       /**< IV2_LAYOUT_VERSION */
	uint16_t hdr_size;      /**< sizeof(struct iv2_sect_hdr) */
	uint64_t features;      /**< IV2_F_* */
	uint64_t section_size;  /**< bytes of this output section */
	uint16_t queues;        /**< queue pairs laid out */
	uint16_t ring_size;     /**< slots per ring, a power of two */
	uint32_t buf_size;      /**< bytes per packet buffer, a power of two */
	uint32_t queue_off;     /**< offset of queue 0 */
	uint32_t queue_stride;  /**< bytes between queues */
	uint32_t session;       /**< non-zero; new value each time the section is laid out */
	uint32_t mtu;           /**< sender's MTU, informational */
	uint8_t mac[6];         /**< sender's MAC address, informational */
	uint8_t pad0[IV2_LINE - 54];
	uint64_t heartbeat;     /**< incremented by the owner's control path while alive */
	uint8_t pad1[IV2_LINE - 8];
};

/** Event suppression areas of one queue, both written by the section owner. */
struct iv2_queue_events {
	uint32_t tx_drv_event;  /**< struct pring_event: driver area of our TX ring */
	uint32_t rx_dev_event;  /**< struct pring_event: device area of the peer's TX ring */
	uint8_t pad[IV2_LINE - 8];
};

_Static_assert(sizeof(struct iv2_sect_hdr) == 2 * IV2_LINE, "section header is two lines");
_Static_assert(__builtin_offsetof(struct iv2_sect_hdr, mac) == 48, "mac offset");
_Static_assert(__builtin_offsetof(struct iv2_sect_hdr, heartbeat) == IV2_LINE, "heartbeat line");
_Static_assert(sizeof(struct iv2_queue_events) == IV2_LINE, "events line");

/** Offsets inside one queue area, derived from the ring and buffer sizes. */
static inline uint32_t iv2_q_used_off(uint32_t ring) { return 16u * ring; }
static inline uint32_t iv2_q_events_off(uint32_t ring) { return 32u * ring; }
static inline uint32_t iv2_q_buf_off(uint32_t ring)
{
	return (32u * ring + IV2_LINE + IV2_QUEUE_ALIGN - 1) & ~(uint32_t)(IV2_QUEUE_ALIGN - 1);
}
static inline uint32_t iv2_q_stride(uint32_t ring, uint32_t buf)
{
	return iv2_q_buf_off(ring) + ring * buf;
}
/** Queue 0 starts on the first IV2_QUEUE_ALIGN boundary after the header. */
#define IV2_QUEUE_OFF IV2_QUEUE_ALIGN

/** Bytes of an output section needed for @p queues queues. */
static inline uint64_t iv2_section_need(uint32_t queues, uint32_t ring, uint32_t buf)
{
	return IV2_QUEUE_OFF + (uint64_t)queues * iv2_q_stride(ring, buf);
}

#endif /* IVSHMEM2_WIRE_H */
