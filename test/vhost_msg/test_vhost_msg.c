/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Unit tests for lib/vhost_msg: the happy path, then one test per validation rule. */

#include <check.h>
#include <stdlib.h>

#include "vhost_msg_test_util.h"

#define GPA 0x100000ULL
#define UVA 0x7f0000000000ULL
#define MSZ 0x100000ULL

static struct vhost_be be;
static struct fake_fds ff;
static struct vhost_msg m, reply;
static size_t rlen;
static uint32_t act;

static void
setup(void)
{
	test_be_init(&be, &ff, 2);
}

/* Close everything and check fd ownership held: each fd closed exactly once. */
static void
teardown(void)
{
	vhost_be_reset(&be);
	ck_assert_int_eq(ff.double_close, 0);
	ck_assert_int_eq(fake_fds_open(&ff), 0);
}

static enum vhost_msg_err
send_fds(size_t len, int nfds)
{
	int fds[VHOST_MSG_MAX_FDS] = { -1, -1, -1, -1, -1, -1, -1, -1 };
	int i;

	for (i = 0; i < nfds; i++)
		fds[i] = fake_fd_new(&ff);
	return vhost_be_handle(&be, &m, len, fds, (unsigned int)nfds, &reply, &rlen, &act);
}

static enum vhost_msg_err
send0(size_t len)
{
	return send_fds(len, 0);
}

static const struct vhost_mem_region region0 = { GPA, MSZ, UVA, 0 };

static void
negotiate(uint64_t features)
{
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_PROTOCOL_FEATURES, TEST_PROTO)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_FEATURES, features)), VHOST_MSG_OK);
	ck_assert_int_eq(send_fds(mk_mem(&m, 1, &region0), 1), VHOST_MSG_OK);
}

/* Configure vring q of size 256 at a distinct place in region 0 and kick it. */
static void
start_ring(uint32_t q)
{
	uint64_t base = UVA + 0x10000 * (q + 1);

	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, q, 256)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, q, 0)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_addr(&m, q, base, base + 0x1000, base + 0x2000)), VHOST_MSG_OK);
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_KICK, q), 1), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_ENABLE, q, 1)), VHOST_MSG_OK);
}

static const uint64_t split_features = TEST_FEATURES & ~(1ULL << VIRTIO_F_RING_PACKED);
static const uint64_t pf = 1ULL << VHOST_USER_F_PROTOCOL_FEATURES;

START_TEST(happy_path)
{
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_GET_FEATURES, 0)), VHOST_MSG_OK);
	ck_assert(act & VHOST_BE_ACT_REPLY);
	ck_assert_uint_eq(reply.hdr.flags, VHOST_USER_VERSION | VHOST_USER_REPLY);
	ck_assert_uint_eq(reply.payload.u64, TEST_FEATURES | pf);
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_GET_QUEUE_NUM, 0)), VHOST_MSG_OK);
	ck_assert_uint_eq(reply.payload.u64, 2);
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_SET_OWNER, 0)), VHOST_MSG_OK);
	negotiate(TEST_FEATURES | pf);
	ck_assert_int_eq(ff.maps, 1);
	start_ring(0);
	ck_assert(vhost_be_vring_ready(&be, 0));
	ck_assert(!vhost_be_vring_ready(&be, 1));
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_CALL, 0), 1), VHOST_MSG_OK);
	ck_assert_int_ge(be.vring[0].call_fd, FAKE_FD_BASE);
	/* GET_VRING_BASE stops the ring and reports where the datapath stopped */
	vhost_be_save_base(&be, 0, 0x8005);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_GET_VRING_BASE, 0, 0)), VHOST_MSG_OK);
	/* packed: the used position (high half) equals the avail one, everything was completed */
	ck_assert_uint_eq(reply.payload.state.num, 0x80058005);
	ck_assert(!vhost_be_vring_ready(&be, 0));
	ck_assert_int_eq(be.vring[0].kick_fd, -1);
	ck_assert_uint_eq(be.msgs, 13);
}
END_TEST

START_TEST(split_ring_ready)
{
	negotiate(split_features | pf);
	start_ring(3);
	ck_assert(vhost_be_vring_ready(&be, 3));
}
END_TEST

START_TEST(no_protocol_features_enables_rings)
{
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_FEATURES, split_features)), VHOST_MSG_OK);
	ck_assert_int_eq(send_fds(mk_mem(&m, 1, &region0), 1), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 0, 64)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_addr(&m, 0, UVA, UVA + 0x1000, UVA + 0x2000)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_VRING_KICK, VHOST_USER_VRING_NOFD_MASK)),
			 VHOST_MSG_OK);
	ck_assert(vhost_be_vring_ready(&be, 0));
	/* SET_VRING_ENABLE is only valid once protocol features were negotiated */
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_ENABLE, 0, 1)),
			 VHOST_ERR_PROTOCOL_FEATURES);
}
END_TEST

START_TEST(rule_truncated)
{
	mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES);
	ck_assert_int_eq(send0(11), VHOST_ERR_TRUNCATED);
	ck_assert_int_eq(send0(12 + 7), VHOST_ERR_TRUNCATED);
	ck_assert_int_eq(send0(12 + 9), VHOST_ERR_TRUNCATED);
	ck_assert_uint_eq(be.err[VHOST_ERR_TRUNCATED], 3);
}
END_TEST

START_TEST(rule_flags)
{
	size_t n = mk_hdr(&m, VHOST_USER_GET_FEATURES, 0);

	m.hdr.flags = 0;
	ck_assert_int_eq(send0(n), VHOST_ERR_FLAGS);
	m.hdr.flags = VHOST_USER_VERSION | VHOST_USER_REPLY;
	ck_assert_int_eq(send0(n), VHOST_ERR_FLAGS);
	m.hdr.flags = VHOST_USER_VERSION | 0x100;
	ck_assert_int_eq(send0(n), VHOST_ERR_FLAGS);
	m.hdr.flags = 2;
	ck_assert_int_eq(send0(n), VHOST_ERR_FLAGS);
}
END_TEST

START_TEST(rule_unsupported)
{
	ck_assert_int_eq(send0(mk_u64(&m, 6 /* SET_LOG_BASE */, 0)), VHOST_ERR_UNSUPPORTED);
	ck_assert_int_eq(send0(mk_hdr(&m, 99, 0)), VHOST_ERR_UNSUPPORTED);
	ck_assert_int_eq(send0(mk_hdr(&m, 0, 0)), VHOST_ERR_UNSUPPORTED);
	ck_assert_str_eq(vhost_msg_name(6), "SET_LOG_BASE");
	ck_assert_str_eq(vhost_msg_name(1000), "UNKNOWN");
	ck_assert_uint_eq(be.err[VHOST_ERR_UNSUPPORTED], 3);
}
END_TEST

START_TEST(rule_payload_size)
{
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_GET_FEATURES, 8)), VHOST_ERR_SIZE);
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_SET_FEATURES, 4)), VHOST_ERR_SIZE);
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_SET_VRING_ADDR, 32)), VHOST_ERR_SIZE);
	mk_hdr(&m, VHOST_USER_SET_FEATURES, 0x10000);
	ck_assert_int_eq(send0(sizeof(m)), VHOST_ERR_SIZE);
	/* memory table: size must match the region count */
	mk_mem(&m, 1, &region0);
	m.hdr.size = 8 + 64;
	ck_assert_int_eq(send_fds(12 + 8 + 64, 1), VHOST_ERR_SIZE);
	ck_assert_int_eq(send_fds(mk_hdr(&m, VHOST_USER_SET_MEM_TABLE, 4), 0), VHOST_ERR_SIZE);
}
END_TEST

START_TEST(rule_fd_count)
{
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES), 1), VHOST_ERR_FDS);
	ck_assert_int_eq(send_fds(mk_mem(&m, 1, &region0), 2), VHOST_ERR_FDS);
	ck_assert_int_eq(send_fds(mk_mem(&m, 1, &region0), 0), VHOST_ERR_FDS);
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_CALL, 0), 0), VHOST_ERR_FDS);
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_CALL, VHOST_USER_VRING_NOFD_MASK), 1),
			 VHOST_ERR_FDS);
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_KICK, 0), 2), VHOST_ERR_FDS);
	ck_assert_uint_eq(be.err[VHOST_ERR_FDS], 6);
	/* refused fds are closed, not leaked (checked in teardown) */
}
END_TEST

START_TEST(rule_features)
{
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES | (1ULL << 28))),
			 VHOST_ERR_FEATURES);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_FEATURES, 1ULL << VIRTIO_NET_F_MRG_RXBUF)),
			 VHOST_ERR_FEATURES);
	ck_assert(!be.features_set);
}
END_TEST

START_TEST(rule_protocol_features)
{
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_PROTOCOL_FEATURES, 1ULL << 1)),
			 VHOST_ERR_PROTOCOL_FEATURES);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_NET_SET_MTU, 1500)), VHOST_ERR_PROTOCOL_FEATURES);
}
END_TEST

START_TEST(rule_region_count)
{
	struct vhost_mem_region r[9];
	int i;

	for (i = 0; i < 9; i++)
		r[i] = (struct vhost_mem_region){ GPA * (i + 1) * 2, MSZ, UVA * 0 + MSZ * 4 * (i + 1), 0 };
	ck_assert_int_eq(send_fds(mk_mem(&m, 0, r), 0), VHOST_ERR_REGIONS);
	/* nine regions claimed in a table of the largest size */
	mk_mem(&m, 9, r);
	m.hdr.size = VHOST_MSG_MAX_PAYLOAD;
	ck_assert_int_eq(send_fds(12 + VHOST_MSG_MAX_PAYLOAD, 8), VHOST_ERR_REGIONS);
	/* nine regions in a larger message: refused on size before anything is read */
	ck_assert_int_eq(send_fds(mk_mem(&m, 9, r), 8), VHOST_ERR_SIZE);
	ck_assert_int_eq(send_fds(mk_mem(&m, 8, r), 8), VHOST_MSG_OK);
}
END_TEST

START_TEST(rule_region_range)
{
	struct vhost_mem_region r[2] = { region0, region0 };

	/* guest-physical overlap */
	r[1].userspace_addr = UVA + 2 * MSZ;
	r[1].guest_phys_addr = GPA + MSZ - 1;
	ck_assert_int_eq(send_fds(mk_mem(&m, 2, r), 2), VHOST_ERR_REGION_RANGE);
	/* user-address overlap */
	r[1].guest_phys_addr = GPA + MSZ;
	r[1].userspace_addr = UVA + 0x1000;
	ck_assert_int_eq(send_fds(mk_mem(&m, 2, r), 2), VHOST_ERR_REGION_RANGE);
	/* empty region */
	r[1] = (struct vhost_mem_region){ GPA + MSZ, 0, UVA + MSZ, 0 };
	ck_assert_int_eq(send_fds(mk_mem(&m, 2, r), 2), VHOST_ERR_REGION_RANGE);
	/* wrapping region */
	r[1] = (struct vhost_mem_region){ ~0ULL - 10, MSZ, UVA + MSZ, 0 };
	ck_assert_int_eq(send_fds(mk_mem(&m, 2, r), 2), VHOST_ERR_REGION_RANGE);
	r[1] = (struct vhost_mem_region){ GPA + MSZ, MSZ, UVA + MSZ, ~0ULL };
	ck_assert_int_eq(send_fds(mk_mem(&m, 2, r), 2), VHOST_ERR_REGION_RANGE);
	/* adjacent is fine */
	r[1] = (struct vhost_mem_region){ GPA + MSZ, MSZ, UVA + MSZ, 0 };
	ck_assert_int_eq(send_fds(mk_mem(&m, 2, r), 2), VHOST_MSG_OK);
	ck_assert_int_eq(ff.maps, 1);
}
END_TEST

START_TEST(rule_queue_index)
{
	negotiate(TEST_FEATURES | pf);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 4, 256)), VHOST_ERR_QUEUE_INDEX);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, 0xffffffff, 0)),
			 VHOST_ERR_QUEUE_INDEX);
	ck_assert_int_eq(send0(mk_addr(&m, 16, UVA, UVA, UVA)), VHOST_ERR_QUEUE_INDEX);
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_CALL, 4), 1), VHOST_ERR_QUEUE_INDEX);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_GET_VRING_BASE, 5, 0)), VHOST_ERR_QUEUE_INDEX);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_ENABLE, 200, 1)), VHOST_ERR_QUEUE_INDEX);
	ck_assert_uint_eq(be.err[VHOST_ERR_QUEUE_INDEX], 6);
}
END_TEST

START_TEST(rule_ring_size)
{
	negotiate(split_features | pf);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 0, 0)), VHOST_ERR_RING_SIZE);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 0, 32769)), VHOST_ERR_RING_SIZE);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 0, 100)), VHOST_ERR_RING_SIZE);
	/* packed rings may have any size */
	teardown();
	setup();
	negotiate(TEST_FEATURES | pf);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 0, 100)), VHOST_MSG_OK);
}
END_TEST

START_TEST(rule_ring_addr)
{
	negotiate(split_features | pf);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 0, 256)), VHOST_MSG_OK);
	/* outside every region */
	ck_assert_int_eq(send0(mk_addr(&m, 0, UVA - 0x10000, UVA + 0x1000, UVA + 0x2000)),
			 VHOST_ERR_RING_ADDR);
	/* a guest-physical address where a user address belongs */
	ck_assert_int_eq(send0(mk_addr(&m, 0, GPA, GPA + 0x1000, GPA + 0x2000)), VHOST_ERR_RING_ADDR);
	/* crossing the end of the region */
	ck_assert_int_eq(send0(mk_addr(&m, 0, UVA, UVA + 0x1000, UVA + MSZ - 16)), VHOST_ERR_RING_ADDR);
	/* misaligned descriptor table */
	ck_assert_int_eq(send0(mk_addr(&m, 0, UVA + 8, UVA + 0x1000, UVA + 0x2000)), VHOST_ERR_RING_ADDR);
	/* a kick for a ring whose addresses never fitted */
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_KICK, 1), 1), VHOST_ERR_RING_SIZE);
	ck_assert_uint_eq(be.err[VHOST_ERR_RING_ADDR], 4);
}
END_TEST

START_TEST(rule_ring_base)
{
	negotiate(TEST_FEATURES | pf);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 0, 256)), VHOST_MSG_OK);
	/* packed: avail index (bits 0-14) and used index (bits 16-30) below the ring size */
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, 0, 0x8000 | 256)),
			 VHOST_ERR_RING_BASE);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, 0, 0x8000 | (0x8100u << 16))),
			 VHOST_ERR_RING_BASE);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, 0, 0x8000 | 255)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, 0, 0x80ff80ffu)), VHOST_MSG_OK);
	ck_assert_uint_eq(be.err[VHOST_ERR_RING_BASE], 2);
}
END_TEST

START_TEST(rule_ring_base_split)
{
	negotiate(split_features | pf);
	/* split: a 16-bit avail index, nothing above */
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, 0, 0x10000)), VHOST_ERR_RING_BASE);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, 0, 0xffff)), VHOST_MSG_OK);
}
END_TEST

/* A base sent before the ring type is known is checked when the ring starts. */
START_TEST(rule_ring_base_at_kick)
{
	uint64_t base = UVA + 0x10000;

	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, 0, 0x10000)), VHOST_MSG_OK);
	negotiate(split_features | pf);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 0, 256)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_addr(&m, 0, base, base + 0x1000, base + 0x2000)), VHOST_MSG_OK);
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_KICK, 0), 1), VHOST_ERR_RING_BASE);
	ck_assert(!be.vring[0].started);
}
END_TEST

/*
 * QEMU 7.2's order (hw/virtio/vhost-user.c, hw/net/vhost_net.c): rings are
 * enabled on the strength of our GET_FEATURES answer, before SET_FEATURES;
 * SET_FEATURES and SET_PROTOCOL_FEATURES come once per queue pair; a packed
 * ring's base carries both halves, 0x80008000 on a fresh ring.
 */
START_TEST(qemu_order)
{
	uint32_t q, gen0;

	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_GET_FEATURES, 0)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_GET_PROTOCOL_FEATURES, 0)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_PROTOCOL_FEATURES, TEST_PROTO)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_GET_QUEUE_NUM, 0)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_SET_OWNER, 0)), VHOST_MSG_OK);
	for (q = 0; q < 4; q++) {
		ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_CALL, q), 1), VHOST_MSG_OK);
		ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_ERR, q), 1), VHOST_MSG_OK);
	}
	for (q = 0; q < 4; q++)
		ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_ENABLE, q, q < 2)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_NET_SET_MTU, 9000)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES | pf)), VHOST_MSG_OK);
	ck_assert_int_eq(send_fds(mk_mem(&m, 1, &region0), 1), VHOST_MSG_OK);
	for (q = 0; q < 2; q++) {
		uint64_t base = UVA + 0x10000 * (q + 1);

		ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, q, 256)), VHOST_MSG_OK);
		ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, q, 0x80008000u)),
				 VHOST_MSG_OK);
		ck_assert_int_eq(send0(mk_addr(&m, q, base, base + 0x1000, base + 0x2000)), VHOST_MSG_OK);
		ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_KICK, q), 1), VHOST_MSG_OK);
		ck_assert(vhost_be_vring_ready(&be, q));
		ck_assert_uint_eq(vhost_be_vring_avail_base(&be.vring[q]), 0x8000);
	}
	/* the second queue pair's copy of the same features restarts nothing */
	gen0 = be.vring[0].gen;
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_PROTOCOL_FEATURES, TEST_PROTO)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES | pf)), VHOST_MSG_OK);
	ck_assert_uint_eq(be.vring[0].gen, gen0);
	ck_assert(vhost_be_vring_ready(&be, 0));
	/* the guest asks for the second pair later */
	ck_assert(!vhost_be_vring_ready(&be, 2));
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_ENABLE, 2, 1)), VHOST_MSG_OK);
	ck_assert(be.vring[2].enabled);
	/* the driver stops: the reply restores both halves in QEMU */
	vhost_be_save_base(&be, 1, 0x0012);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_GET_VRING_BASE, 1, 0)), VHOST_MSG_OK);
	ck_assert_uint_eq(reply.payload.state.num, 0x00120012);
	ck_assert_uint_eq(be.err[VHOST_ERR_STATE] + be.err[VHOST_ERR_PROTOCOL_FEATURES], 0);
}
END_TEST

START_TEST(rule_ring_flags)
{
	negotiate(TEST_FEATURES | pf);
	mk_addr(&m, 0, UVA, UVA + 0x1000, UVA + 0x2000);
	m.payload.addr.flags = 1; /* log */
	ck_assert_int_eq(send0(12 + 40), VHOST_ERR_RING_FLAGS);
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_CALL, 0x10000), 1), VHOST_ERR_RING_FLAGS);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_ENABLE, 0, 2)), VHOST_ERR_RING_FLAGS);
}
END_TEST

START_TEST(rule_mtu)
{
	negotiate(TEST_FEATURES | pf);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_NET_SET_MTU, 67)), VHOST_ERR_MTU);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_NET_SET_MTU, 9001)), VHOST_ERR_MTU);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_NET_SET_MTU, 9000)), VHOST_MSG_OK);
	ck_assert_uint_eq(be.mtu, 9000);
}
END_TEST

START_TEST(rule_state)
{
	/* a kick before features and memory */
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_KICK, 0), 1), VHOST_ERR_STATE);
	negotiate(TEST_FEATURES | pf);
	start_ring(0);
	/* reconfiguring a running ring */
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_NUM, 0, 128)), VHOST_ERR_STATE);
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_SET_VRING_BASE, 0, 0)), VHOST_ERR_STATE);
	ck_assert_int_eq(send0(mk_addr(&m, 0, UVA, UVA + 0x1000, UVA + 0x2000)), VHOST_ERR_STATE);
	/* changing features while rings run; the same features again is fine */
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_FEATURES, split_features | pf)), VHOST_ERR_STATE);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES | pf)), VHOST_MSG_OK);
}
END_TEST

START_TEST(rule_map_failure)
{
	ff.map_fail = 1;
	ck_assert_int_eq(send_fds(mk_mem(&m, 1, &region0), 1), VHOST_ERR_MAP);
	ck_assert_uint_eq(be.mem.nregions, 0);
}
END_TEST

START_TEST(reply_ack)
{
	size_t n;

	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_PROTOCOL_FEATURES, TEST_PROTO)), VHOST_MSG_OK);
	n = mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES | pf);
	m.hdr.flags |= VHOST_USER_NEED_REPLY;
	ck_assert_int_eq(send0(n), VHOST_MSG_OK);
	ck_assert(act & VHOST_BE_ACT_REPLY);
	ck_assert_uint_eq(reply.hdr.request, VHOST_USER_SET_FEATURES);
	ck_assert_uint_eq(reply.payload.u64, 0);
	/* a refused message with NEED_REPLY gets a failure status before the close */
	n = mk_state(&m, VHOST_USER_SET_VRING_NUM, 9, 256);
	m.hdr.flags |= VHOST_USER_NEED_REPLY;
	ck_assert_int_eq(send0(n), VHOST_ERR_QUEUE_INDEX);
	ck_assert(act & VHOST_BE_ACT_REPLY);
	ck_assert_uint_eq(reply.payload.u64, 1);
}
END_TEST

START_TEST(reset_owner_drops_state)
{
	negotiate(TEST_FEATURES | pf);
	start_ring(0);
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_RESET_OWNER, 0)), VHOST_MSG_OK);
	ck_assert(act & VHOST_BE_ACT_RESET);
	ck_assert(!vhost_be_vring_ready(&be, 0));
	ck_assert_int_eq(fake_fds_open(&ff), 0);
}
END_TEST

START_TEST(fdless_transport)
{
	struct vhost_be_config cfg = be.cfg;

	vhost_be_reset(&be);
	cfg.fdless = 1;
	vhost_be_init(&be, &cfg, &fake_ops, &ff);
	/* the memory table comes without fds; the device exposes the regions */
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES | pf)), VHOST_MSG_OK);
	ck_assert_int_eq(send0(mk_mem(&m, 1, &region0)), VHOST_MSG_OK);
	ck_assert_int_eq(ff.maps, 1);
	/* a call without NOFD means "use the device's doorbell" */
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_VRING_CALL, 0)), VHOST_MSG_OK);
	ck_assert(be.vring[0].call_doorbell);
	ck_assert_int_eq(be.vring[0].call_fd, -1);
	ck_assert_int_eq(send0(mk_u64(&m, VHOST_USER_SET_VRING_CALL, VHOST_USER_VRING_NOFD_MASK)),
			 VHOST_MSG_OK);
	ck_assert(!be.vring[0].call_doorbell);
	/* any fd at all is a violation there */
	ck_assert_int_eq(send_fds(mk_u64(&m, VHOST_USER_SET_VRING_KICK, 0), 1), VHOST_ERR_FDS);
	ck_assert_int_eq(send_fds(mk_mem(&m, 1, &region0), 1), VHOST_ERR_FDS);
}
END_TEST

/* What the pre-handle hook saw, and the ring state when it ran. */
static struct {
	int calls;
	uint32_t request;
	uint32_t index;
	uint8_t started;  /* vring[index].started when the hook ran */
	void *ctx;
} pre;

/* Stands in for a driver: on GET_VRING_BASE it stops its ring and records where. */
static void
record_pre_handle(void *ctx, const struct vhost_msg_decoded *msg)
{
	pre.calls++;
	pre.ctx = ctx;
	pre.request = msg->hdr.request;
	pre.index = msg->payload.state.index;
	if (msg->hdr.request == VHOST_USER_GET_VRING_BASE && pre.index < vhost_be_nr_vrings(&be)) {
		pre.started = be.vring[pre.index].started;
		vhost_be_save_base(&be, (uint16_t)pre.index, 0x8007);
	}
}

static const struct vhost_be_ops hook_ops = {
	.map_mem = fake_map, .close_fd = fake_close, .pre_handle = record_pre_handle,
};

/*
 * The hook sees each valid message decoded, before the state machine acts:
 * GET_VRING_BASE finds the ring still started, and the base the driver saves
 * in the hook is the one the reply carries. Invalid messages never reach it.
 */
START_TEST(pre_handle_hook)
{
	be.ops = &hook_ops;
	memset(&pre, 0, sizeof(pre));
	negotiate(TEST_FEATURES | pf);
	ck_assert_int_eq(pre.calls, 3);
	ck_assert_ptr_eq(pre.ctx, &ff);
	start_ring(1);
	pre.calls = 0;
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_GET_VRING_BASE, 1, 0)), VHOST_MSG_OK);
	ck_assert_int_eq(pre.calls, 1);
	ck_assert_uint_eq(pre.request, VHOST_USER_GET_VRING_BASE);
	ck_assert_uint_eq(pre.index, 1);
	ck_assert_uint_eq(pre.started, 1);
	ck_assert_uint_eq(reply.payload.state.num, 0x80078007);
	ck_assert(!be.vring[1].started);
	/* refused before the hook: wrong flags, wrong payload size */
	mk_state(&m, VHOST_USER_GET_VRING_BASE, 0, 0);
	m.hdr.flags |= 0x80;
	ck_assert_int_eq(send0(VHOST_MSG_HDR_SIZE + 8), VHOST_ERR_FLAGS);
	ck_assert_int_eq(send0(mk_hdr(&m, VHOST_USER_GET_VRING_BASE, 4)), VHOST_ERR_SIZE);
	ck_assert_int_eq(pre.calls, 1);
	/* an index past the configuration reaches the hook unchecked; the driver checks it */
	ck_assert_int_eq(send0(mk_state(&m, VHOST_USER_GET_VRING_BASE, 9, 0)), VHOST_ERR_QUEUE_INDEX);
	ck_assert_int_eq(pre.calls, 2);
	ck_assert_uint_eq(pre.index, 9);
}
END_TEST

START_TEST(err_names)
{
	int e;

	for (e = 0; e < VHOST_ERR__MAX; e++)
		ck_assert_str_ne(vhost_msg_err_name(e), "unknown");
	ck_assert_str_eq(vhost_msg_err_name(VHOST_ERR__MAX), "unknown");
}
END_TEST

static Suite *
vhost_msg_suite(void)
{
	Suite *s = suite_create("vhost_msg");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, happy_path);
	tcase_add_test(tc, split_ring_ready);
	tcase_add_test(tc, no_protocol_features_enables_rings);
	tcase_add_test(tc, rule_truncated);
	tcase_add_test(tc, rule_flags);
	tcase_add_test(tc, rule_unsupported);
	tcase_add_test(tc, rule_payload_size);
	tcase_add_test(tc, rule_fd_count);
	tcase_add_test(tc, rule_features);
	tcase_add_test(tc, rule_protocol_features);
	tcase_add_test(tc, rule_region_count);
	tcase_add_test(tc, rule_region_range);
	tcase_add_test(tc, rule_queue_index);
	tcase_add_test(tc, rule_ring_size);
	tcase_add_test(tc, rule_ring_addr);
	tcase_add_test(tc, rule_ring_base);
	tcase_add_test(tc, rule_ring_base_split);
	tcase_add_test(tc, rule_ring_base_at_kick);
	tcase_add_test(tc, qemu_order);
	tcase_add_test(tc, rule_ring_flags);
	tcase_add_test(tc, rule_mtu);
	tcase_add_test(tc, rule_state);
	tcase_add_test(tc, rule_map_failure);
	tcase_add_test(tc, reply_ack);
	tcase_add_test(tc, reset_owner_drops_state);
	tcase_add_test(tc, fdless_transport);
	tcase_add_test(tc, pre_handle_hook);
	tcase_add_test(tc, err_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(vhost_msg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
