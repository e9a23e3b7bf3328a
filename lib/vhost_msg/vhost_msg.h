/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * vhost-user wire format (front-end → back-end requests we serve) and the
 * codec that checks a received message's framing before anyone reads it.
 *
 * Pure C, no DPDK: unit-testable and fuzzable. Byte order is host-native
 * (the socket transport); virtio-vhost-user is little-endian, which is the
 * same on every platform we build for.
 */

#ifndef VM2VM_VHOST_MSG_H
#define VM2VM_VHOST_MSG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Requests (front-end → back-end). Only those we implement are named. */
#define VHOST_USER_GET_FEATURES          1
#define VHOST_USER_SET_FEATURES          2
#define VHOST_USER_SET_OWNER             3
#define VHOST_USER_RESET_OWNER           4
#define VHOST_USER_SET_MEM_TABLE         5
#define VHOST_USER_SET_VRING_NUM         8
#define VHOST_USER_SET_VRING_ADDR        9
#define VHOST_USER_SET_VRING_BASE       10
#define VHOST_USER_GET_VRING_BASE       11
#define VHOST_USER_SET_VRING_KICK       12
#define VHOST_USER_SET_VRING_CALL       13
#define VHOST_USER_SET_VRING_ERR        14
#define VHOST_USER_GET_PROTOCOL_FEATURES 15
#define VHOST_USER_SET_PROTOCOL_FEATURES 16
#define VHOST_USER_GET_QUEUE_NUM        17
#define VHOST_USER_SET_VRING_ENABLE     18
#define VHOST_USER_NET_SET_MTU          20
#define VHOST_USER_REQ_MAX              41 /**< first id beyond the table in vhost_msg_name() */

/* Header flags. */
#define VHOST_USER_VERSION_MASK 0x3
#define VHOST_USER_VERSION      0x1
#define VHOST_USER_REPLY        0x4
#define VHOST_USER_NEED_REPLY   0x8

/* SET_VRING_KICK/CALL/ERR payload. */
#define VHOST_USER_VRING_IDX_MASK  0xffu
#define VHOST_USER_VRING_NOFD_MASK 0x100u

/* Virtio feature bits the back-end may offer (virtio 1.1 §5.1.3, §6). */
#define VIRTIO_NET_F_MTU            3
#define VIRTIO_NET_F_MRG_RXBUF     15
#define VIRTIO_NET_F_MQ            22
#define VIRTIO_F_EVENT_IDX         29
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VIRTIO_F_VERSION_1         32
#define VIRTIO_F_RING_PACKED       34
#define VIRTIO_F_IN_ORDER          35

/* Protocol feature bits. */
#define VHOST_USER_PROTOCOL_F_MQ        0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_PROTOCOL_F_NET_MTU   4

/** Largest number of memory regions in SET_MEM_TABLE. */
#define VHOST_MEMORY_MAX_NREGIONS 8
/** Largest number of fds one message may carry. */
#define VHOST_MSG_MAX_FDS 8
/** Largest queue size (packed rings; split rings must also be a power of two). */
#define VHOST_MAX_RING_SIZE 32768

/** struct vhost_user_msg header. */
struct vhost_msg_hdr {
	uint32_t request; /**< VHOST_USER_* */
	uint32_t flags;   /**< version, REPLY, NEED_REPLY */
	uint32_t size;    /**< payload bytes that follow */
};

/** SET_VRING_NUM/BASE, GET_VRING_BASE, SET_VRING_ENABLE payload. */
struct vhost_vring_state {
	uint32_t index;
	uint32_t num;
};

/** SET_VRING_ADDR payload. Note the order: desc, used, avail, log. */
struct vhost_vring_addr {
	uint32_t index;
	uint32_t flags;          /**< bit 0: VHOST_VRING_F_LOG (refused) */
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

/** One SET_MEM_TABLE region. */
struct vhost_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

/** SET_MEM_TABLE payload. */
struct vhost_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_mem_region regions[VHOST_MEMORY_MAX_NREGIONS];
};

/** The payloads we read or write. */
union vhost_msg_payload {
	uint64_t u64;
	struct vhost_vring_state state;
	struct vhost_vring_addr addr;
	struct vhost_mem_table mem;
};

/**
 * A whole message as it travels: header then payload at byte 12. Packed, so
 * use it as a byte buffer; decode fields by copying them out.
 */
struct vhost_msg {
	struct vhost_msg_hdr hdr;
	union vhost_msg_payload payload;
} __attribute__((packed));

/** A decoded message: the same fields in naturally aligned storage. */
struct vhost_msg_decoded {
	struct vhost_msg_hdr hdr;
	union vhost_msg_payload payload;
};

#define VHOST_MSG_HDR_SIZE 12u
#define VHOST_MSG_MAX_PAYLOAD ((uint32_t)sizeof(struct vhost_mem_table))

_Static_assert(sizeof(struct vhost_msg_hdr) == 12, "vhost-user header is 12 bytes");
_Static_assert(sizeof(struct vhost_vring_state) == 8, "vring state is 8 bytes");
_Static_assert(sizeof(struct vhost_vring_addr) == 40, "vring addr is 40 bytes");
_Static_assert(sizeof(struct vhost_mem_region) == 32, "memory region is 32 bytes");
_Static_assert(sizeof(struct vhost_mem_table) == 8 + 8 * 32, "memory table is 264 bytes");
_Static_assert(sizeof(struct vhost_msg) == 12 + 264, "message is header + largest payload");

/** Why a message was refused; the caller closes the connection on any of these. */
enum vhost_msg_err {
	VHOST_MSG_OK = 0,
	VHOST_ERR_TRUNCATED,     /**< fewer bytes than the header, or than header.size says */
	VHOST_ERR_FLAGS,         /**< version != 1, REPLY set, or unknown flag bits */
	VHOST_ERR_UNSUPPORTED,   /**< a request we do not implement */
	VHOST_ERR_SIZE,          /**< payload size wrong for the request */
	VHOST_ERR_FDS,           /**< number of fds wrong for the request */
	VHOST_ERR_FEATURES,      /**< virtio feature bit not offered, or VERSION_1 missing */
	VHOST_ERR_PROTOCOL_FEATURES, /**< protocol feature bit not offered, or not negotiated */
	VHOST_ERR_REGIONS,       /**< region count 0 or above 8 */
	VHOST_ERR_REGION_RANGE,  /**< empty, wrapping or overlapping region */
	VHOST_ERR_QUEUE_INDEX,   /**< vring index beyond the queues we offer */
	VHOST_ERR_RING_SIZE,     /**< 0, above 32768, or not a power of two for split rings */
	VHOST_ERR_RING_ADDR,     /**< ring outside the memory table, or misaligned */
	VHOST_ERR_RING_BASE,     /**< start index outside the ring */
	VHOST_ERR_RING_FLAGS,    /**< logging requested, or reserved bits set */
	VHOST_ERR_MTU,           /**< MTU outside 68..max */
	VHOST_ERR_STATE,         /**< not valid now (e.g. features changed while rings run) */
	VHOST_ERR_MAP,           /**< the transport could not map a region */
	VHOST_ERR__MAX
};

/** Name of an error, for logs and xstats ("truncated", "fds", ...). */
const char *vhost_msg_err_name(enum vhost_msg_err e);
/** Name of a request ("SET_MEM_TABLE"), or "UNKNOWN". */
const char *vhost_msg_name(uint32_t request);

/**
 * Check the framing of a received message: @p len bytes at @p buf (header
 * and payload), @p nfds fds received with it. Checks header flags, that the
 * request is one we implement, that the payload size matches its type and
 * that the fd count is right. Contents are checked by the state machine.
 * @return VHOST_MSG_OK or the reason.
 */
enum vhost_msg_err vhost_msg_check(const void *buf, size_t len, unsigned int nfds);

/**
 * The same checks for a transport that cannot carry fds (virtio-vhost-user):
 * no message may come with fds, and the fd-carrying requests (SET_MEM_TABLE,
 * SET_VRING_KICK/CALL/ERR) stand for resources the device provides instead.
 */
enum vhost_msg_err vhost_msg_check_nofd(const void *buf, size_t len, unsigned int nfds);

/** Payload size a request must carry, or -1 when it varies or is unknown. */
int vhost_msg_payload_size(uint32_t request);

/** Fill @p reply as the reply to @p req carrying a u64. @return bytes to send. */
size_t vhost_msg_reply_u64(struct vhost_msg *reply, uint32_t request, uint64_t v);
/** Fill @p reply carrying a vring state. @return bytes to send. */
size_t vhost_msg_reply_state(struct vhost_msg *reply, uint32_t request, uint32_t index, uint32_t num);

#ifdef __cplusplus
}
#endif

#endif /* VM2VM_VHOST_MSG_H */
