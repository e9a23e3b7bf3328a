/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Framing checks for received vhost-user messages and reply encoding. */

#include <stdbool.h>
#include <string.h>

#include "vhost_msg.h"

static const char *const err_names[VHOST_ERR__MAX] = {
	[VHOST_MSG_OK] = "ok",
	[VHOST_ERR_TRUNCATED] = "truncated",
	[VHOST_ERR_FLAGS] = "flags",
	[VHOST_ERR_UNSUPPORTED] = "unsupported_request",
	[VHOST_ERR_SIZE] = "payload_size",
	[VHOST_ERR_FDS] = "fd_count",
	[VHOST_ERR_FEATURES] = "features",
	[VHOST_ERR_PROTOCOL_FEATURES] = "protocol_features",
	[VHOST_ERR_REGIONS] = "region_count",
	[VHOST_ERR_REGION_RANGE] = "region_range",
	[VHOST_ERR_QUEUE_INDEX] = "queue_index",
	[VHOST_ERR_RING_SIZE] = "ring_size",
	[VHOST_ERR_RING_ADDR] = "ring_addr",
	[VHOST_ERR_RING_BASE] = "ring_base",
	[VHOST_ERR_RING_FLAGS] = "ring_flags",
	[VHOST_ERR_MTU] = "mtu",
	[VHOST_ERR_STATE] = "state",
	[VHOST_ERR_MAP] = "map",
};

const char *
vhost_msg_err_name(enum vhost_msg_err e)
{
	if ((unsigned int)e >= VHOST_ERR__MAX)
		return "unknown";
	return err_names[e];
}

static const char *const req_names[VHOST_USER_REQ_MAX] = {
	[VHOST_USER_GET_FEATURES] = "GET_FEATURES",
	[VHOST_USER_SET_FEATURES] = "SET_FEATURES",
	[VHOST_USER_SET_OWNER] = "SET_OWNER",
	[VHOST_USER_RESET_OWNER] = "RESET_OWNER",
	[VHOST_USER_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[6] = "SET_LOG_BASE",
	[7] = "SET_LOG_FD",
	[VHOST_USER_SET_VRING_NUM] = "SET_VRING_NUM",
	[VHOST_USER_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VHOST_USER_SET_VRING_BASE] = "SET_VRING_BASE",
	[VHOST_USER_GET_VRING_BASE] = "GET_VRING_BASE",
	[VHOST_USER_SET_VRING_KICK] = "SET_VRING_KICK",
	[VHOST_USER_SET_VRING_CALL] = "SET_VRING_CALL",
	[VHOST_USER_SET_VRING_ERR] = "SET_VRING_ERR",
	[VHOST_USER_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VHOST_USER_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VHOST_USER_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VHOST_USER_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[19] = "SEND_RARP",
	[VHOST_USER_NET_SET_MTU] = "NET_SET_MTU",
	[21] = "SET_BACKEND_REQ_FD",
	[22] = "IOTLB_MSG",
	[23] = "SET_VRING_ENDIAN",
	[24] = "GET_CONFIG",
	[25] = "SET_CONFIG",
	[31] = "GET_INFLIGHT_FD",
	[32] = "SET_INFLIGHT_FD",
	[34] = "RESET_DEVICE",
	[35] = "VRING_KICK",
	[36] = "GET_MAX_MEM_SLOTS",
	[37] = "ADD_MEM_REG",
	[38] = "REM_MEM_REG",
	[39] = "SET_STATUS",
	[40] = "GET_STATUS",
};

const char *
vhost_msg_name(uint32_t request)
{
	if (request >= VHOST_USER_REQ_MAX || req_names[request] == NULL)
		return "UNKNOWN";
	return req_names[request];
}

int
vhost_msg_payload_size(uint32_t request)
{
	switch (request) {
	case VHOST_USER_GET_FEATURES:
	case VHOST_USER_GET_PROTOCOL_FEATURES:
	case VHOST_USER_GET_QUEUE_NUM:
	case VHOST_USER_SET_OWNER:
	case VHOST_USER_RESET_OWNER:
		return 0;
	case VHOST_USER_SET_FEATURES:
	case VHOST_USER_SET_PROTOCOL_FEATURES:
	case VHOST_USER_NET_SET_MTU:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return (int)sizeof(uint64_t);
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		return (int)sizeof(struct vhost_vring_state);
	case VHOST_USER_SET_VRING_ADDR:
		return (int)sizeof(struct vhost_vring_addr);
	default:
		return -1; /* SET_MEM_TABLE varies; anything else is unsupported */
	}
}

/* SET_MEM_TABLE: the size must match the region count, one fd per region (none when fd-less). */
static enum vhost_msg_err
check_mem_table(const uint8_t *payload, uint32_t size, unsigned int nfds, bool fdless)
{
	uint32_t nregions;

	if (size < 8)
		return VHOST_ERR_SIZE;
	memcpy(&nregions, payload, sizeof(nregions));
	if (nregions == 0 || nregions > VHOST_MEMORY_MAX_NREGIONS)
		return VHOST_ERR_REGIONS;
	if (size != 8 + nregions * sizeof(struct vhost_mem_region))
		return VHOST_ERR_SIZE;
	if (nfds != (fdless ? 0 : nregions))
		return VHOST_ERR_FDS;
	return VHOST_MSG_OK;
}

/* KICK/CALL/ERR: exactly one fd unless the NOFD bit says there is none. */
static enum vhost_msg_err
check_vring_file(const uint8_t *payload, unsigned int nfds)
{
	uint64_t v;

	memcpy(&v, payload, sizeof(v));
	if (v & VHOST_USER_VRING_NOFD_MASK)
		return nfds == 0 ? VHOST_MSG_OK : VHOST_ERR_FDS;
	return nfds == 1 ? VHOST_MSG_OK : VHOST_ERR_FDS;
}

static enum vhost_msg_err
check(const void *buf, size_t len, unsigned int nfds, bool fdless)
{
	const uint8_t *p = buf;
	struct vhost_msg_hdr hdr;
	int want;

	if (len < VHOST_MSG_HDR_SIZE)
		return VHOST_ERR_TRUNCATED;
	memcpy(&hdr, p, sizeof(hdr));
	if (hdr.size > VHOST_MSG_MAX_PAYLOAD)
		return VHOST_ERR_SIZE;
	if (len != VHOST_MSG_HDR_SIZE + (size_t)hdr.size)
		return VHOST_ERR_TRUNCATED;
	if ((hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
	    (hdr.flags & ~(uint32_t)(VHOST_USER_VERSION_MASK | VHOST_USER_NEED_REPLY)) != 0)
		return VHOST_ERR_FLAGS;

	if (hdr.request == VHOST_USER_SET_MEM_TABLE)
		return check_mem_table(p + VHOST_MSG_HDR_SIZE, hdr.size, nfds, fdless);
	want = vhost_msg_payload_size(hdr.request);
	if (want < 0)
		return VHOST_ERR_UNSUPPORTED;
	if (hdr.size != (uint32_t)want)
		return VHOST_ERR_SIZE;
	switch (hdr.request) {
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		if (fdless)
			return nfds == 0 ? VHOST_MSG_OK : VHOST_ERR_FDS;
		return check_vring_file(p + VHOST_MSG_HDR_SIZE, nfds);
	default:
		return nfds == 0 ? VHOST_MSG_OK : VHOST_ERR_FDS;
	}
}

enum vhost_msg_err
vhost_msg_check(const void *buf, size_t len, unsigned int nfds)
{
	return check(buf, len, nfds, false);
}

enum vhost_msg_err
vhost_msg_check_nofd(const void *buf, size_t len, unsigned int nfds)
{
	return check(buf, len, nfds, true);
}

static void
reply_hdr(struct vhost_msg *reply, uint32_t request, uint32_t size)
{
	memset(reply, 0, sizeof(*reply));
	reply->hdr.request = request;
	reply->hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY;
	reply->hdr.size = size;
}

size_t
vhost_msg_reply_u64(struct vhost_msg *reply, uint32_t request, uint64_t v)
{
	reply_hdr(reply, request, sizeof(uint64_t));
	reply->payload.u64 = v;
	return VHOST_MSG_HDR_SIZE + sizeof(uint64_t);
}

size_t
vhost_msg_reply_state(struct vhost_msg *reply, uint32_t request, uint32_t index, uint32_t num)
{
	reply_hdr(reply, request, sizeof(struct vhost_vring_state));
	reply->payload.state.index = index;
	reply->payload.state.num = num;
	return VHOST_MSG_HDR_SIZE + sizeof(struct vhost_vring_state);
}
