/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * EXPERIMENTAL virtio-vhost-user transport against an in-memory device
 * model: the model owns the device end of rxq/txq (pring), a BAR 2 with
 * doorbells and shared memory, and the status register; it plays the
 * front-end's messages the way the device would forward them.
 */

#include <check.h>
#include <stdlib.h>

#include "vp_vvu.h"
#include "../vhost_msg/vhost_msg_test_util.h"

#define BAR2_LEN (1u << 20)
#define MAXQ 4

struct model {
	uint32_t status;
	uint8_t bar2[BAR2_LEN] __attribute__((aligned(4096)));
	struct pring_dev rx, tx;     /* the device's ends of rxq and txq */
	struct pring_xlate all;      /* device view: the transport's memory, identity-mapped */
	int notified[2];
};

static struct model *md;
static struct vvu *vv;
static struct vhost_be be;
static struct fake_fds ff;

static void
model_notify(void *ctx, uint16_t vq)
{
	((struct model *)ctx)->notified[vq]++;
}

static void
model_attach(void)
{
	struct pring_layout l;

	md->all.nr = 1;
	md->all.region[0].addr = (uint64_t)(uintptr_t)vv;
	md->all.region[0].len = sizeof(*vv);
	md->all.region[0].local = (uint8_t *)vv;
	ck_assert_int_eq(pring_layout_plain(&l, vv->rxq.ring, VVU_QSIZE), 0);
	ck_assert_int_eq(pring_dev_init(&md->rx, &l, &md->all, 0, true, false), 0);
	ck_assert_int_eq(pring_layout_plain(&l, vv->txq.ring, VVU_QSIZE), 0);
	ck_assert_int_eq(pring_dev_init(&md->tx, &l, &md->all, 0, true, false), 0);
}

/* The device forwards one front-end message into the next rx buffer. */
static void
model_send(const void *msg, size_t len)
{
	struct pring_chain c;
	struct pring_seg s[4];
	uint32_t w = (uint32_t)len;

	ck_assert_uint_eq(pring_dev_peek(&md->rx, &c, 1, s, 4), 1);
	ck_assert_uint_ge(c.wlen, len);
	memcpy(s[0].ptr, msg, len);
	pring_dev_complete(&md->rx, &c, 1, &w);
}

/* The device takes one reply off txq. @return its length, 0 if none. */
static size_t
model_recv(struct vhost_msg *out)
{
	struct pring_chain c;
	struct pring_seg s[4];
	size_t n;

	if (pring_dev_peek(&md->tx, &c, 1, s, 4) != 1)
		return 0;
	n = s[0].len < sizeof(*out) ? s[0].len : sizeof(*out);
	memcpy(out, s[0].ptr, n);
	pring_dev_complete(&md->tx, &c, 1, NULL);
	return n;
}

static void
setup(void)
{
	struct vhost_be_config cfg = {
		.features = TEST_FEATURES, .protocol_features = TEST_PROTO,
		.max_queue_pairs = 2, .max_mtu = 9000, .fdless = 1,
	};
	static const struct vhost_be_ops ops = { .map_mem = vvu_map_mem, .close_fd = fake_close };
	struct vvu_dev dev;

	md = aligned_alloc(4096, sizeof(*md));
	vv = aligned_alloc(64, sizeof(*vv));
	ck_assert(md != NULL && vv != NULL);
	memset(md, 0, sizeof(*md));
	memset(&ff, 0, sizeof(ff));
	ff.next = FAKE_FD_BASE;
	vhost_be_init(&be, &cfg, &ops, vv);
	dev = (struct vvu_dev){ .status = &md->status, .max_vhost_queues = MAXQ, .bar2 = md->bar2,
				.bar2_len = BAR2_LEN, .notify = model_notify,
				.ctx = md };
	ck_assert_int_eq(vvu_init(vv, &dev, &be), 0);
	/* the PCI layer programs the queues here: nothing reaches the device yet */
	ck_assert_uint_eq(md->status, 0);
	ck_assert_int_eq(md->notified[0], 0);
	vvu_ready(vv);
	model_attach();
}

static void
teardown(void)
{
	free(vv);
	free(md);
}

static struct vhost_msg m, r;

START_TEST(start_posts_buffers_and_sets_slave_up)
{
	ck_assert_uint_eq(md->status, VVU_STATUS_SLAVE_UP);
	ck_assert_int_ge(md->notified[0], 1);
	ck_assert_uint_eq(vvu_poll(vv), 0);
}
END_TEST

START_TEST(messages_and_replies)
{
	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_hdr(&m, VHOST_USER_GET_FEATURES, 0));
	ck_assert_int_eq(vvu_poll(vv), 1);
	ck_assert_uint_eq(model_recv(&r), 20);
	ck_assert_uint_eq(r.hdr.flags, VHOST_USER_VERSION | VHOST_USER_REPLY);
	ck_assert_uint_eq(r.payload.u64, TEST_FEATURES | (1ULL << VHOST_USER_F_PROTOCOL_FEATURES));
	ck_assert_int_ge(md->notified[1], 1);
	/* more messages than rx buffers, over time: buffers are recycled */
	for (int i = 0; i < 3 * VVU_QSIZE; i++) {
		model_send(&m, mk_hdr(&m, VHOST_USER_GET_QUEUE_NUM, 0));
		ck_assert_int_eq(vvu_poll(vv), 1);
		ck_assert_uint_eq(model_recv(&r), 20);
		ck_assert_uint_eq(r.payload.u64, 2);
	}
}
END_TEST

/* Regions land in BAR 2 back to back after the doorbells, each at its mmap_offset. */
START_TEST(memory_table_in_bar_and_rings)
{
	struct vhost_mem_region reg[2] = {
		{ 0x100000, 0x10000, 0x7f0000000000ULL, 0 },
		{ 0x200000, 0x10000, 0x7f0000100000ULL, 0x1000 },
	};
	uint8_t *shm = md->bar2 + 4096; /* 2 * (4 + 1) bytes of doorbells, rounded up */

	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_PROTOCOL_FEATURES, TEST_PROTO));
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES,
			      TEST_FEATURES | (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)));
	model_send(&m, mk_mem(&m, 2, reg));
	ck_assert_int_eq(vvu_poll(vv), 3);
	ck_assert_ptr_eq(vv->region_local[0], shm);
	ck_assert_ptr_eq(vv->region_local[1], shm + 0x10000 + 0x1000);
	ck_assert_ptr_eq(pring_xlate(&vv->gpa, 0x200010, 16, &(uint32_t){ 0 }), shm + 0x11010);
	/* a packed vring in region 1, started and enabled */
	model_send(&m, mk_state(&m, VHOST_USER_SET_VRING_NUM, 1, 64));
	model_send(&m, mk_addr(&m, 1, 0x7f0000100000ULL, 0x7f0000100400ULL, 0x7f0000100800ULL));
	model_send(&m, mk_u64(&m, VHOST_USER_SET_VRING_CALL, 1));
	model_send(&m, mk_u64(&m, VHOST_USER_SET_VRING_KICK, 1));
	model_send(&m, mk_state(&m, VHOST_USER_SET_VRING_ENABLE, 1, 1));
	ck_assert_int_eq(vvu_poll(vv), 5);
	ck_assert(vhost_be_vring_ready(&be, 1));
	ck_assert_ptr_eq(vvu_uva(vv, 0x7f0000100400ULL, 4), shm + 0x11400);
	ck_assert(be.vring[1].call_doorbell);
	vvu_call(vv, 1);
	ck_assert_uint_eq(((uint16_t *)md->bar2)[1], 1);
	vvu_call(vv, MAXQ); /* beyond the doorbells: ignored */
}
END_TEST

START_TEST(region_beyond_bar_drops_connection)
{
	struct vhost_mem_region reg = { 0x100000, BAR2_LEN, 0x7f0000000000ULL, 0 };

	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
	model_send(&m, mk_mem(&m, 1, &reg));
	ck_assert_int_eq(vvu_poll(vv), -1);
	ck_assert_uint_eq(be.err[VHOST_ERR_MAP], 1);
	ck_assert_uint_eq(md->status & VVU_STATUS_SLAVE_UP, 0);
	/* the device clears MASTER_UP; we come back up for the next front-end */
	md->status = 0;
	ck_assert_int_eq(vvu_poll(vv), 0);
	ck_assert_uint_eq(md->status, VVU_STATUS_SLAVE_UP);
}
END_TEST

/* A table refused for its second region leaves the mapped one whole (no region half replaced). */
START_TEST(refused_table_leaves_mapping)
{
	struct vhost_mem_region ok = { 0x100000, 0x10000, 0x7f0000000000ULL, 0 };
	struct vhost_mem_region bad[2] = {
		{ 0x400000, 0x1000, 0x7f0000400000ULL, 0x2000 },
		{ 0x500000, BAR2_LEN, 0x7f0000500000ULL, 0 },
	};
	struct vhost_mem_table t1 = { .nregions = 1 }, t2 = { .nregions = 2 };
	uint8_t *shm = md->bar2 + 4096;

	t1.regions[0] = ok;
	t2.regions[0] = bad[0];
	t2.regions[1] = bad[1];
	ck_assert_int_eq(vvu_map_mem(vv, &t1, NULL), 0);
	ck_assert_int_eq(vvu_map_mem(vv, &t2, NULL), -1);
	ck_assert_ptr_eq(vv->region_local[0], shm);
	ck_assert_uint_eq(vv->gpa.nr, 1);
	ck_assert_uint_eq(vv->gpa.region[0].addr, 0x100000);
	ck_assert_uint_eq(vv->gpa.region[0].len, 0x10000);
	ck_assert_ptr_eq(vv->gpa.region[0].local, shm);
}
END_TEST

START_TEST(violations_drop_connection)
{
	/* an fd-carrying request whose fd can only be a device resource is fine ... */
	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_hdr(&m, 99, 0)); /* ... an unknown request is not */
	ck_assert_int_eq(vvu_poll(vv), -1);
	ck_assert_uint_eq(be.err[VHOST_ERR_UNSUPPORTED], 1);
	ck_assert_uint_eq(vv->violations, 1);
	/* a message shorter than its header says */
	md->status = VVU_STATUS_SLAVE_UP | VVU_STATUS_MASTER_UP;
	mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES);
	model_send(&m, 14);
	ck_assert_int_eq(vvu_poll(vv), -1);
	ck_assert_uint_eq(be.err[VHOST_ERR_TRUNCATED], 1);
}
END_TEST

/* The control thread polls only when there is something to do. */
START_TEST(pending)
{
	ck_assert(!vvu_pending(vv));
	md->status |= VVU_STATUS_MASTER_UP;
	ck_assert(vvu_pending(vv));
	ck_assert_int_eq(vvu_poll(vv), 0);
	ck_assert(!vvu_pending(vv));
	model_send(&m, mk_hdr(&m, VHOST_USER_GET_FEATURES, 0));
	ck_assert(vvu_pending(vv));
	ck_assert_int_eq(vvu_poll(vv), 1);
	ck_assert(!vvu_pending(vv));
	ck_assert_uint_eq(model_recv(&r), 20);
	/* every rx buffer used up and recycled: still exact after wrapping the ring */
	for (int i = 0; i < 2 * VVU_QSIZE + 3; i++) {
		model_send(&m, mk_hdr(&m, VHOST_USER_GET_QUEUE_NUM, 0));
		ck_assert(vvu_pending(vv));
		ck_assert_int_eq(vvu_poll(vv), 1);
		ck_assert(!vvu_pending(vv));
		ck_assert_uint_eq(model_recv(&r), 20);
	}
	md->status &= ~VVU_STATUS_MASTER_UP;
	ck_assert(vvu_pending(vv));
}
END_TEST

/* A datapath violation: the PCI layer drops the front-end through the core. */
START_TEST(disconnect_from_datapath)
{
	struct vhost_mem_region reg = { 0x100000, 0x10000, 0x7f0000000000ULL, 0 };

	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
	model_send(&m, mk_mem(&m, 1, &reg));
	ck_assert_int_eq(vvu_poll(vv), 2);
	ck_assert_uint_eq(vv->gpa.nr, 1);
	vvu_disconnect(vv);
	ck_assert_uint_eq(vv->violations, 1);
	ck_assert_uint_eq(be.mem.nregions, 0);
	ck_assert_uint_eq(vv->gpa.nr, 0);
	ck_assert(!vv->connected);
	ck_assert_uint_eq(md->status & VVU_STATUS_SLAVE_UP, 0);
	ck_assert(vvu_pending(vv));
	md->status = 0; /* the device drops the front-end */
	ck_assert_int_eq(vvu_poll(vv), 0);
	ck_assert_uint_eq(md->status, VVU_STATUS_SLAVE_UP);
}
END_TEST

/* A front-end disconnect clears both bits at once (devices.md §2.3). */
START_TEST(both_bits_cleared_resets_state)
{
	struct vhost_mem_region reg = { 0x100000, 0x10000, 0x7f0000000000ULL, 0 };

	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
	model_send(&m, mk_mem(&m, 1, &reg));
	ck_assert_int_eq(vvu_poll(vv), 2);
	ck_assert(vv->connected);
	md->status = 0;
	ck_assert(vvu_pending(vv));
	ck_assert_int_eq(vvu_poll(vv), 0);
	ck_assert(!vv->connected);
	ck_assert_uint_eq(vv->drops, 1);
	ck_assert_uint_eq(be.mem.nregions, 0);
	ck_assert(!be.features_set);
	ck_assert_uint_eq(vv->gpa.nr, 0);
	ck_assert_uint_eq(md->status, VVU_STATUS_SLAVE_UP);
	/* the next poll has nothing more to drop */
	ck_assert_int_eq(vvu_poll(vv), 0);
	ck_assert_uint_eq(vv->drops, 1);
}
END_TEST

/* A front-end that sent messages and left before we ever saw MASTER_UP. */
START_TEST(gone_before_master_up_seen)
{
	struct vhost_mem_region reg = { 0x100000, 0x10000, 0x7f0000000000ULL, 0 };

	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
	model_send(&m, mk_mem(&m, 1, &reg));
	ck_assert_int_eq(vvu_poll(vv), 2);
	ck_assert(!vv->connected);
	ck_assert_uint_eq(be.mem.nregions, 1);
	md->status = 0;
	ck_assert_int_eq(vvu_poll(vv), 0);
	ck_assert_uint_eq(vv->drops, 1);
	ck_assert_uint_eq(be.mem.nregions, 0);
	ck_assert_uint_eq(vv->gpa.nr, 0);
}
END_TEST

/* What the old front-end left in rxq is not taken as the next one's. */
START_TEST(stale_messages_discarded)
{
	uint64_t msgs;
	int i;

	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
	ck_assert_int_eq(vvu_poll(vv), 1);
	msgs = be.msgs;
	md->status = 0;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
	model_send(&m, mk_hdr(&m, VHOST_USER_GET_FEATURES, 0));
	ck_assert_int_eq(vvu_poll(vv), 0);
	ck_assert_uint_eq(be.msgs, msgs);
	ck_assert(!be.features_set);
	ck_assert_uint_eq(model_recv(&r), 0); /* no reply to a discarded GET_FEATURES */
	/* every buffer is back: the device can deliver a full ring without us polling */
	md->status |= VVU_STATUS_MASTER_UP;
	for (i = 0; i < VVU_QSIZE; i++)
		model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
}
END_TEST

/* A violation in the middle of a batch: the rest is dropped, every buffer reposted. */
START_TEST(violation_mid_batch_recycles_buffers)
{
	int i;

	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
	model_send(&m, mk_hdr(&m, 99, 0));
	model_send(&m, mk_hdr(&m, VHOST_USER_GET_FEATURES, 0));
	ck_assert_int_eq(vvu_poll(vv), -1);
	ck_assert_uint_eq(be.err[VHOST_ERR_UNSUPPORTED], 1);
	ck_assert_uint_eq(model_recv(&r), 0); /* the message after the violation was not served */
	ck_assert_uint_eq(vv->drops, 1);
	md->status = 0;
	ck_assert_int_eq(vvu_poll(vv), 0);
	md->status |= VVU_STATUS_MASTER_UP;
	for (i = 0; i < VVU_QSIZE; i++)
		model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
	ck_assert_int_eq(vvu_poll(vv), 8);
}
END_TEST

START_TEST(master_down_resets_state)
{
	struct vhost_mem_region reg = { 0x100000, 0x10000, 0x7f0000000000ULL, 0 };

	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, TEST_FEATURES));
	model_send(&m, mk_mem(&m, 1, &reg));
	ck_assert_int_eq(vvu_poll(vv), 2);
	ck_assert_uint_eq(be.mem.nregions, 1);
	md->status &= ~VVU_STATUS_MASTER_UP;
	ck_assert_int_eq(vvu_poll(vv), 0);
	ck_assert_uint_eq(be.mem.nregions, 0);
	ck_assert_uint_eq(vv->gpa.nr, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vp_vvu");
	TCase *tc = tcase_create("vvu");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, start_posts_buffers_and_sets_slave_up);
	tcase_add_test(tc, messages_and_replies);
	tcase_add_test(tc, memory_table_in_bar_and_rings);
	tcase_add_test(tc, region_beyond_bar_drops_connection);
	tcase_add_test(tc, refused_table_leaves_mapping);
	tcase_add_test(tc, violations_drop_connection);
	tcase_add_test(tc, master_down_resets_state);
	tcase_add_test(tc, pending);
	tcase_add_test(tc, both_bits_cleared_resets_state);
	tcase_add_test(tc, gone_before_master_up_seen);
	tcase_add_test(tc, stale_messages_discarded);
	tcase_add_test(tc, violation_mid_batch_recycles_buffers);
	tcase_add_test(tc, disconnect_from_datapath);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
