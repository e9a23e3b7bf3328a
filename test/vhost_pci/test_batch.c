/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * vp_batch_take(): takes exactly the batches that are aligned, whole,
 * plain and in range, and leaves everything else untouched for the general
 * path, which then judges it (pring_dev_peek: drops, or breaks the ring).
 * Each test runs in both id modes (_i: in order).
 */

#include <check.h>
#include <stdlib.h>

#include "pring_env.h"
#include "vp_batch.h"

#define HDR 12u
#define MIN_LEN (HDR + 1)
#define MAX_LEN (HDR + 1518)
#define FRAME 76u /* header + 64-byte frame */

/* Post @p n readable buffers of @p len bytes, buffer k at data offset 256 * (first + k). */
static void post(struct penv *e, uint16_t first, uint16_t n, uint32_t len)
{
	for (uint16_t k = 0; k < n; k++)
		ck_assert_uint_eq(penv_post1(e, 256u * (first + k), len, false, NULL), 1);
}

/* The general path takes what the batch left: @return chains it found. */
static uint16_t general(struct penv *e, uint16_t max)
{
	struct pring_chain ch[64];
	struct pring_seg seg[64];
	uint16_t n = pring_dev_peek(&e->v, ch, max, seg, 64);

	pring_dev_complete(&e->v, ch, n, NULL);
	return n;
}

/* Complete @p n taken items and have the driver reap them: the ring stays consistent. */
static void complete_reap(struct penv *e, const struct vp_batch_item *it, uint16_t n)
{
	struct pring_chain ch[64];
	void *c[64];
	uint16_t got = 0, r;

	for (uint16_t k = 0; k < n; k++) {
		ch[k].id = it[k].id;
		ch[k].ndesc = 1;
		ch[k].wlen = 0;
	}
	if (e->v.pending)
		pring_dev_complete(&e->v, ch, n, NULL);
	while ((r = pring_drv_reap(&e->d, c, NULL, 64)) != 0)
		got += r;
	ck_assert_uint_eq(got, n);
	ck_assert_uint_eq(penv_errs(&e->d.stats), 0);
}

START_TEST(aligned_batches)
{
	struct penv e;
	struct vp_batch_item it[32];

	penv_init(&e, 64, false, _i, false);
	post(&e, 0, 8, FRAME);
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 8);
	for (uint16_t k = 0; k < 8; k++) {
		ck_assert_ptr_eq(it[k].ptr, e.data + 256u * k);
		ck_assert_uint_eq(it[k].len, FRAME);
		ck_assert_uint_lt(it[k].id, 64);
	}
	ck_assert_uint_eq(e.v.avail_idx, 8);
	ck_assert_uint_eq(e.v.pending, 8);
	ck_assert_uint_eq(e.v.pending_desc, 8);
	/* nothing more posted: nothing taken, even from stale slots */
	ck_assert_uint_eq(vp_batch_take(&e.v, it + 8, 24, MIN_LEN, MAX_LEN, false), 0);
	complete_reap(&e, it, 8);
	ck_assert_uint_eq(penv_errs(&e.v.stats), 0);
	penv_fini(&e);
}
END_TEST

/* Only whole batches: 6 posted gives one batch; a cap of 7 gives one batch too. */
START_TEST(partial_batch_left)
{
	struct penv e;
	struct vp_batch_item it[32];

	penv_init(&e, 64, false, _i, false);
	post(&e, 0, 6, FRAME);
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 4);
	ck_assert_uint_eq(general(&e, 32), 2);
	post(&e, 6, 2, FRAME); /* slots 6, 7: not aligned */
	post(&e, 8, 8, FRAME);
	ck_assert_uint_eq(vp_batch_take(&e.v, it + 4, 3, MIN_LEN, MAX_LEN, false), 0);
	ck_assert_uint_eq(general(&e, 2), 2);
	ck_assert_uint_eq(vp_batch_take(&e.v, it + 4, 7, MIN_LEN, MAX_LEN, false), 4);
	ck_assert_uint_eq(e.v.avail_idx, 12);
	penv_fini(&e);
}
END_TEST

/* An unaligned head is never batched, even with many buffers behind it. */
START_TEST(unaligned_head)
{
	struct penv e;
	struct vp_batch_item it[32];

	penv_init(&e, 64, false, _i, false);
	post(&e, 0, 1, FRAME);
	ck_assert_uint_eq(general(&e, 1), 1);
	post(&e, 1, 16, FRAME);
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 0);
	ck_assert_uint_eq(e.v.avail_idx, 1);
	ck_assert_uint_eq(general(&e, 3), 3);
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 12);
	ck_assert_uint_eq(e.v.avail_idx, 16);
	penv_fini(&e);
}
END_TEST

/*
 * One bad descriptor, at each position of the second batch: the first batch
 * is taken, the second left whole (position and counters unchanged), and the
 * general path then judges the bad one exactly as before.
 */
enum bad_kind { BAD_SHORT, BAD_LONG, BAD_ID, BAD_ADDR, BAD_BELOW, BAD_NEXT, BAD_WRITE, BAD_INDIRECT,
		BAD_LAP, BAD__MAX };

START_TEST(one_bad_descriptor)
{
	enum bad_kind kind = (enum bad_kind)(_i / 8);
	uint16_t pos = 4 + (_i / 2) % 4;
	bool in_order = _i & 1;
	struct penv e;
	struct vp_batch_item it[32];
	uint64_t addr = penv_addr(256u * pos);
	uint32_t len = FRAME;
	uint16_t id = pos, flags = penv_avail_bits(true);

	penv_init(&e, 64, false, in_order, false);
	post(&e, 0, 8, FRAME);
	switch (kind) {
	case BAD_SHORT: len = HDR; break;
	case BAD_LONG: len = MAX_LEN + 1; break;
	case BAD_ID: id = 64; break;
	case BAD_ADDR: addr = penv_addr(PENV_DATA - 8); break;
	case BAD_BELOW: addr = PENV_BASE - 64; break;
	case BAD_NEXT: flags |= PRING_DESC_F_NEXT; break;
	case BAD_WRITE: flags |= PRING_DESC_F_WRITE; break;
	case BAD_INDIRECT: flags |= PRING_DESC_F_INDIRECT; break;
	case BAD_LAP: flags = penv_avail_bits(false); break;
	default: ck_abort();
	}
	/* the driver's own id for that slot, unless the id is what is bad */
	if (kind != BAD_ID)
		id = e.l.avail[pos].id;
	penv_put_avail(&e, pos, addr, len, id, flags);
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 4);
	ck_assert_uint_eq(e.v.avail_idx, 4);
	ck_assert_uint_eq(e.v.pending, 4);
	ck_assert_uint_eq(penv_errs(&e.v.stats), 0);
	ck_assert_uint_eq(e.v.broken, 0);
	/* the batch is never retried past its bad member */
	ck_assert_uint_eq(vp_batch_take(&e.v, it + 4, 28, MIN_LEN, MAX_LEN, false), 0);
	ck_assert_uint_eq(e.v.avail_idx, 4);
	penv_fini(&e);
}
END_TEST

/* Across the ring's end: the lap flips, the next lap's batches are taken, the old lap's are not. */
START_TEST(wrap_boundary)
{
	struct penv e;
	struct vp_batch_item it[32];

	penv_init(&e, 8, false, _i, false);
	post(&e, 0, 8, FRAME);
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 8);
	ck_assert_uint_eq(e.v.avail_idx, 0);
	ck_assert_uint_eq(e.v.avail_wrap, 0);
	/* every slot still holds last lap's descriptors: none of them is available now */
	ck_assert_uint_eq(vp_batch_take(&e.v, it + 8, 24, MIN_LEN, MAX_LEN, false), 0);
	complete_reap(&e, it, 8);
	post(&e, 0, 4, FRAME);
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 4);
	ck_assert_uint_eq(e.v.avail_idx, 4);
	ck_assert_uint_eq(e.v.avail_wrap, 0);
	complete_reap(&e, it, 4);
	penv_fini(&e);
}
END_TEST

/* A ring size that is not a multiple of the batch: the tail is left to the general path. */
START_TEST(odd_ring_size)
{
	struct penv e;
	struct vp_batch_item it[32];

	penv_init(&e, 6, false, _i, false);
	post(&e, 0, 6, FRAME);
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 4);
	ck_assert_uint_eq(vp_batch_take(&e.v, it + 4, 28, MIN_LEN, MAX_LEN, false), 0);
	ck_assert_uint_eq(general(&e, 32), 2);
	ck_assert_uint_eq(e.v.avail_idx, 0);
	penv_fini(&e);
}
END_TEST

/* A chain in the middle of a batch: the batch is left, the general path takes the chain whole. */
START_TEST(chain_mid_batch)
{
	struct penv e;
	struct vp_batch_item it[32];
	struct pring_sg sg[2] = { { penv_addr(1024), HDR, 0 }, { penv_addr(2048), 64, 0 } };

	penv_init(&e, 64, false, _i, false);
	post(&e, 0, 4, FRAME);
	post(&e, 4, 1, FRAME);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, sg, 2, NULL), 1); /* slots 5, 6 */
	post(&e, 8, 5, FRAME); /* slots 7..11 */
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 4);
	ck_assert_uint_eq(vp_batch_take(&e.v, it + 4, 28, MIN_LEN, MAX_LEN, false), 0);
	ck_assert_uint_eq(general(&e, 3), 3); /* 4, the chain 5-6, 7 */
	ck_assert_uint_eq(e.v.avail_idx, 8);
	ck_assert_uint_eq(vp_batch_take(&e.v, it + 4, 28, MIN_LEN, MAX_LEN, false), 4);
	ck_assert_uint_eq(penv_errs(&e.v.stats), 0);
	penv_fini(&e);
}
END_TEST

/* Descriptors still held count against the ring: never more than size outstanding. */
START_TEST(respects_pending)
{
	struct penv e;
	struct vp_batch_item it[32];

	penv_init(&e, 8, false, _i, false);
	post(&e, 0, 8, FRAME);
	e.v.pending_desc = 5; /* as if 5 descriptors were peeked and not completed */
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 0);
	e.v.pending_desc = 4;
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 4);
	e.v.pending_desc = 0;
	e.v.pending = 0;
	penv_fini(&e);
}
END_TEST

/* A broken end takes nothing. */
START_TEST(broken_takes_nothing)
{
	struct penv e;
	struct vp_batch_item it[32];

	penv_init(&e, 64, false, _i, false);
	post(&e, 0, 8, FRAME);
	e.v.broken = 1;
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, MIN_LEN, MAX_LEN, false), 0);
	penv_fini(&e);
}
END_TEST

/*
 * Asked for any length (tx takes its buffers so), a member longer than the
 * whole region is still refused: the take caps the length at the region.
 */
START_TEST(len_beyond_region)
{
	struct penv e;
	struct vp_batch_item it[32];
	uint16_t pos = 4 + (uint16_t)(_i / 2);

	penv_init(&e, 64, false, _i & 1, false);
	post(&e, 0, 8, FRAME);
	penv_put_avail(&e, pos, penv_addr(0), PENV_DATA + 1, e.l.avail[pos].id,
		       penv_avail_bits(true));
	ck_assert_uint_eq(vp_batch_take(&e.v, it, 32, 1, UINT32_MAX, false), 4);
	ck_assert_uint_eq(e.v.avail_idx, 4);
	/* the whole region is one buffer: that one fits */
	penv_put_avail(&e, pos, penv_addr(0), PENV_DATA, e.l.avail[pos].id,
		       penv_avail_bits(true));
	ck_assert_uint_eq(vp_batch_take(&e.v, it + 4, 28, 1, UINT32_MAX, false), 4);
	ck_assert_uint_eq(it[pos].len, PENV_DATA);
	penv_fini(&e);
}
END_TEST

static Suite *batch_suite(void)
{
	Suite *s = suite_create("vp_batch");
	TCase *t = tcase_create("take");

	tcase_add_loop_test(t, aligned_batches, 0, 2);
	tcase_add_loop_test(t, partial_batch_left, 0, 2);
	tcase_add_loop_test(t, unaligned_head, 0, 2);
	tcase_add_loop_test(t, one_bad_descriptor, 0, BAD__MAX * 8);
	tcase_add_loop_test(t, wrap_boundary, 0, 2);
	tcase_add_loop_test(t, odd_ring_size, 0, 2);
	tcase_add_loop_test(t, chain_mid_batch, 0, 2);
	tcase_add_loop_test(t, respects_pending, 0, 2);
	tcase_add_loop_test(t, broken_takes_nothing, 0, 2);
	tcase_add_loop_test(t, len_beyond_region, 0, 8);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(batch_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
