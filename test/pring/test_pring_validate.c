/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Hostile peers: every malformed peer-written field is rejected, counted
 * under its reason, stops the end, and the ring works again after reset.
 * Each test runs over both layouts (_i & 1: split) and, for the driver end,
 * both id modes (_i & 2: in order).
 */

#include <check.h>
#include <stdlib.h>

#include "pring_env.h"

#define AV(w) penv_avail_bits(w)
#define US(w) penv_used_bits(w)

/* Device end saw exactly one violation of @p err: it is broken and stays quiet. */
static void assert_dev_broken(struct penv *e, enum pring_err err)
{
	struct pring_chain ch[4];
	struct pring_seg seg[8];

	ck_assert_uint_eq(e->v.stats.err[err], 1);
	ck_assert_uint_eq(penv_errs(&e->v.stats), 1);
	ck_assert_uint_eq(e->v.broken, 1);
	ck_assert_uint_eq(pring_dev_peek(&e->v, ch, 4, seg, 8), 0);
	ck_assert(!pring_dev_need_call(&e->v));
}

static void assert_drv_broken(struct penv *e, enum pring_err err)
{
	void *c[4];
	struct pring_sg sg = { penv_addr(0), 8, 0 };

	ck_assert_uint_eq(e->d.stats.err[err], 1);
	ck_assert_uint_eq(penv_errs(&e->d.stats), 1);
	ck_assert_uint_eq(e->d.broken, 1);
	ck_assert_uint_eq(pring_drv_reap(&e->d, c, NULL, 4), 0);
	ck_assert_uint_eq(penv_post1(e, 0, 8, false, NULL), 0);
	ck_assert_int_eq(pring_drv_post_chain(&e->d, &sg, 1, NULL), 0);
	ck_assert(!pring_drv_need_kick(&e->d));
}

/* After reset both ends move a few laps of traffic again. */
static void assert_usable_after_reset(struct penv *e)
{
	penv_reset(e);
	ck_assert_uint_eq(e->d.broken, 0);
	ck_assert_uint_eq(e->v.broken, 0);
	for (int lap = 0; lap < 3 * e->size; lap++) {
		ck_assert_uint_eq(penv_post1(e, 64, 32, lap & 1, (void *)(uintptr_t)(lap + 1)), 1);
		ck_assert_uint_eq(penv_roundtrip(e, lap & 1 ? 8 : 0), 1);
	}
	ck_assert_uint_eq(e->d.broken + e->v.broken, 0);
}

static void dev_case(int i, void (*inject)(struct penv *), enum pring_err err, uint32_t max_segs)
{
	struct penv e;
	struct pring_chain ch[4];
	struct pring_seg seg[8];

	void *ptr[4];
	uint32_t len[4];
	bool other;

	penv_init(&e, 4, i & 1, (i >> 1) & 1, false);
	inject(&e);
	/* The fast path takes none of it and leaves the verdict to pring_dev_peek. */
	ck_assert_uint_eq(pring_dev_peek_flat(&e.v, ptr, len, 4, PENV_DATA, &other), 0);
	ck_assert(other);
	ck_assert_uint_eq(e.v.broken, 0);
	ck_assert_uint_eq(penv_errs(&e.v.stats), 0);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, max_segs), 0);
	assert_dev_broken(&e, err);
	assert_usable_after_reset(&e);
	penv_fini(&e);
}

static void inj_id(struct penv *e) { penv_put_avail(e, 0, penv_addr(0), 8, 4, AV(1)); }
static void inj_id_huge(struct penv *e) { penv_put_avail(e, 0, penv_addr(0), 8, 0xffff, AV(1)); }
static void inj_len_zero(struct penv *e) { penv_put_avail(e, 0, penv_addr(0), 0, 0, AV(1)); }
static void inj_addr_below(struct penv *e) { penv_put_avail(e, 0, PENV_BASE - 1, 8, 0, AV(1)); }
static void inj_addr_straddle(struct penv *e)
{
	penv_put_avail(e, 0, penv_addr(PENV_DATA - 8), 16, 0, AV(1));
}
static void inj_addr_wrap(struct penv *e) { penv_put_avail(e, 0, UINT64_MAX - 3, 16, 0, AV(1)); }
static void inj_len_huge(struct penv *e) { penv_put_avail(e, 0, penv_addr(0), 0xffffffffu, 0, AV(1)); }
static void inj_indirect(struct penv *e)
{
	penv_put_avail(e, 0, penv_addr(0), 32, 0, AV(1) | PRING_DESC_F_INDIRECT);
}
static void inj_read_after_write(struct penv *e)
{
	penv_put_avail(e, 1, penv_addr(16), 8, 0, AV(1));
	penv_put_avail(e, 0, penv_addr(0), 8, 0, AV(1) | PRING_DESC_F_WRITE | PRING_DESC_F_NEXT);
}
/* Chain member not marked available (its flags were not written before the head's). */
static void inj_member_not_avail(struct penv *e)
{
	penv_put_avail(e, 1, penv_addr(16), 8, 0, AV(0));
	penv_put_avail(e, 0, penv_addr(0), 8, 0, AV(1) | PRING_DESC_F_NEXT);
}
/* Every slot chained to the next: a chain longer than the ring. */
static void inj_endless_chain(struct penv *e)
{
	for (int s = 3; s >= 0; s--)
		penv_put_avail(e, (uint16_t)s, penv_addr(0), 8, 0, AV(1) | PRING_DESC_F_NEXT);
}
static void inj_chain3(struct penv *e)
{
	penv_put_avail(e, 2, penv_addr(32), 8, 1, AV(1));
	penv_put_avail(e, 1, penv_addr(16), 8, 1, AV(1) | PRING_DESC_F_NEXT);
	penv_put_avail(e, 0, penv_addr(0), 8, 1, AV(1) | PRING_DESC_F_NEXT);
}
/* Chain id is taken from the last descriptor: a bad id there is caught. */
static void inj_chain_bad_last_id(struct penv *e)
{
	penv_put_avail(e, 1, penv_addr(16), 8, 9, AV(1));
	penv_put_avail(e, 0, penv_addr(0), 8, 0, AV(1) | PRING_DESC_F_NEXT);
}

START_TEST(dev_bad_id) { dev_case(_i, inj_id, PRING_ERR_ID, 8); dev_case(_i, inj_id_huge, PRING_ERR_ID, 8); }
END_TEST
START_TEST(dev_chain_bad_last_id) { dev_case(_i, inj_chain_bad_last_id, PRING_ERR_ID, 8); }
END_TEST
START_TEST(dev_len_zero) { dev_case(_i, inj_len_zero, PRING_ERR_LEN, 8); }
END_TEST
START_TEST(dev_addr_outside)
{
	dev_case(_i, inj_addr_below, PRING_ERR_ADDR, 8);
	dev_case(_i, inj_addr_straddle, PRING_ERR_ADDR, 8);
	dev_case(_i, inj_addr_wrap, PRING_ERR_ADDR, 8);
	dev_case(_i, inj_len_huge, PRING_ERR_ADDR, 8);
}
END_TEST
START_TEST(dev_indirect) { dev_case(_i, inj_indirect, PRING_ERR_FLAGS, 8); }
END_TEST
START_TEST(dev_read_after_write) { dev_case(_i, inj_read_after_write, PRING_ERR_FLAGS, 8); }
END_TEST
START_TEST(dev_member_not_avail) { dev_case(_i, inj_member_not_avail, PRING_ERR_FLAGS, 8); }
END_TEST
START_TEST(dev_chain_longer_than_ring) { dev_case(_i, inj_endless_chain, PRING_ERR_CHAIN, 8); }
END_TEST
START_TEST(dev_chain_longer_than_max_segs) { dev_case(_i, inj_chain3, PRING_ERR_CHAIN, 2); }
END_TEST

/* Chain lengths add up beyond 4 GiB: the sum is caught, not wrapped. */
START_TEST(dev_len_sum_overflow)
{
	struct penv e;
	struct pring_chain ch[4];
	struct pring_seg seg[8];

	penv_init(&e, 4, _i & 1, false, false);
	/* A big region that is translated but never touched. */
	e.x.region[1] = (struct pring_region){ 1ULL << 40, 1ULL << 34, e.data };
	e.x.nr = 2;
	penv_put_avail(&e, 1, (1ULL << 40) + (1ULL << 32), 0xf0000000u, 0, AV(1));
	penv_put_avail(&e, 0, 1ULL << 40, 0xf0000000u, 0, AV(1) | PRING_DESC_F_NEXT);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 8), 0);
	assert_dev_broken(&e, PRING_ERR_LEN);
	e.x.nr = 1;
	assert_usable_after_reset(&e);
	penv_fini(&e);
}
END_TEST

/* More descriptors available than the ring holds: a slot the device still owns is reused. */
START_TEST(dev_overrun)
{
	struct penv e;
	struct pring_chain ch[8];
	struct pring_seg seg[8];

	penv_init(&e, 4, _i & 1, false, false);
	for (int s = 0; s < 4; s++)
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 8, seg, 8), 4);
	/* The driver republishes slot 0 with the next lap's wrap before it got it back. */
	penv_put_avail(&e, 0, penv_addr(0), 8, 0, AV(0));
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 8, seg, 8), 0);
	assert_dev_broken(&e, PRING_ERR_CHAIN);
	/* Completing on a broken end writes nothing. */
	pring_dev_complete(&e.v, ch, 4, NULL);
	ck_assert_uint_eq(e.v.stats.bufs, 0);
	assert_usable_after_reset(&e);
	penv_fini(&e);
}
END_TEST

/* The fast path stops at an overrun too, and pring_dev_peek reports it. */
START_TEST(dev_flat_overrun)
{
	struct penv e;
	struct pring_chain ch[8];
	struct pring_seg seg[8];
	void *ptr[8];
	uint32_t len[8];
	bool other;

	penv_init(&e, 4, _i & 1, true, false);
	for (int s = 0; s < 4; s++)
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert_uint_eq(pring_dev_peek_flat(&e.v, ptr, len, 8, 64, &other), 4);
	ck_assert(other); /* asked for 8 with room for 4 */
	penv_put_avail(&e, 0, penv_addr(0), 8, 0, AV(0));
	ck_assert_uint_eq(pring_dev_peek_flat(&e.v, ptr, len, 8, 64, &other), 0);
	ck_assert(other);
	ck_assert_uint_eq(e.v.broken, 0);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 8, seg, 8), 0);
	assert_dev_broken(&e, PRING_ERR_CHAIN);
	penv_fini(&e);
}
END_TEST

/*
 * Fast path and general path share one ring: singles come out flat, the
 * first chain, writable or oversize buffer stops the batch, pring_dev_peek
 * takes it, and one in-order completion returns every buffer pending.
 */
START_TEST(dev_flat_mixed)
{
	struct penv e;
	struct pring_chain ch[8];
	struct pring_seg seg[8];
	struct pring_sg sg[2] = { { penv_addr(64), 8, 0 }, { penv_addr(128), 8, 0 } };
	void *ptr[8], *ck[8];
	uint32_t len[8];
	bool other;

	penv_init(&e, 8, _i & 1, true, false);
	/* Nothing available: no batch, nothing for the general path. */
	ck_assert_uint_eq(pring_dev_peek_flat(&e.v, ptr, len, 8, 64, &other), 0);
	ck_assert(!other);
	ck_assert_uint_eq(penv_post1(&e, 0, 10, false, (void *)1), 1);
	ck_assert_uint_eq(penv_post1(&e, 16, 20, false, (void *)2), 1);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, sg, 2, (void *)3), 1);
	ck_assert_uint_eq(penv_post1(&e, 256, 100, false, (void *)4), 1); /* over max_len */
	ck_assert_uint_eq(penv_post1(&e, 512, 8, true, (void *)5), 1);    /* writable */
	ck_assert_uint_eq(pring_dev_peek_flat(&e.v, ptr, len, 8, 64, &other), 2);
	ck_assert(other);
	ck_assert_ptr_eq(ptr[0], e.data);
	ck_assert_ptr_eq(ptr[1], e.data + 16);
	ck_assert_uint_eq(len[0], 10);
	ck_assert_uint_eq(len[1], 20);
	ck_assert_uint_eq(pring_dev_peek_flat(&e.v, ptr, len, 8, 64, &other), 0);
	ck_assert(other);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 8, seg, 8), 3);
	ck_assert_uint_eq(ch[0].ndesc, 2);
	ck_assert_uint_eq(ch[1].rlen, 100);
	ck_assert_uint_eq(ch[2].wlen, 8);
	pring_dev_complete_pending_in_order(&e.v);
	ck_assert_uint_eq(e.v.pending, 0);
	ck_assert_uint_eq(pring_drv_reap(&e.d, ck, NULL, 8), 5);
	for (int k = 0; k < 5; k++)
		ck_assert_ptr_eq(ck[k], (void *)(uintptr_t)(k + 1));
	ck_assert_uint_eq(penv_errs(&e.v.stats) + penv_errs(&e.d.stats), 0);
	/* Several laps of flat batches, each completed with one entry. */
	for (int lap = 0; lap < 6 * e.size; lap++) {
		ck_assert_uint_eq(penv_post1(&e, 64, 32, false, NULL), 1);
		ck_assert_uint_eq(penv_post1(&e, 96, 32, false, NULL), 1);
		ck_assert_uint_eq(pring_dev_peek_flat(&e.v, ptr, len, 8, 64, &other), 2);
		ck_assert(!other);
		ck_assert_ptr_eq(ptr[1], e.data + 96);
		pring_dev_complete_pending_in_order(&e.v);
		ck_assert_uint_eq(pring_drv_reap(&e.d, NULL, NULL, 8), 2);
	}
	ck_assert_uint_eq(penv_errs(&e.v.stats) + penv_errs(&e.d.stats), 0);
	penv_fini(&e);
}
END_TEST

/* A chain that merely does not fit in what is left of segs ends the batch; no violation. */
START_TEST(dev_chain_ends_batch)
{
	struct penv e;
	struct pring_chain ch[4];
	struct pring_seg seg[4];
	struct pring_sg sg[3] = {
		{ penv_addr(0), 8, 0 }, { penv_addr(8), 8, 0 }, { penv_addr(16), 8, 1 },
	};

	penv_init(&e, 8, _i & 1, false, false);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, sg, 3, NULL), 1);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, sg, 3, NULL), 1);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 4), 1);
	ck_assert_uint_eq(penv_errs(&e.v.stats), 0);
	ck_assert_uint_eq(pring_dev_base(&e.v), 0x8000 | 3);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch + 1, 3, seg, 3), 1);
	ck_assert_uint_eq(ch[1].ndesc, 3);
	ck_assert_uint_eq(e.v.pending, 2);
	ck_assert_uint_eq(e.v.pending_desc, 6);
	/* max_segs 0 is a caller's empty array, not a violation either. */
	ck_assert_int_eq(pring_drv_post_chain(&e.d, sg, 1, NULL), 1);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 0), 0);
	ck_assert_uint_eq(e.v.broken, 0);
	penv_fini(&e);
}
END_TEST

/* Driver end: the device writes a used entry at slot 0 after we posted ids. */
static void drv_case(int i, uint16_t posted, bool write, uint16_t id, uint32_t len, uint16_t flags,
		     enum pring_err err)
{
	struct penv e;
	void *c[8];

	penv_init(&e, 4, i & 1, (i >> 1) & 1, false);
	for (uint16_t k = 0; k < posted; k++)
		ck_assert_uint_eq(penv_post1(&e, 0, 64, write, NULL), 1);
	penv_put_used(&e, 0, id, len, flags, 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, c, NULL, 8), 0);
	assert_drv_broken(&e, err);
	assert_usable_after_reset(&e);
	penv_fini(&e);
}

START_TEST(drv_bad_id)
{
	drv_case(_i, 2, false, 4, 0, US(1), PRING_ERR_ID);
	drv_case(_i, 2, false, 0xffff, 0, US(1), PRING_ERR_ID);
}
END_TEST
START_TEST(drv_never_posted) { drv_case(_i, 2, false, 3, 0, US(1), PRING_ERR_NOT_OUTSTANDING); }
END_TEST
START_TEST(drv_nothing_outstanding) { drv_case(_i, 0, false, 0, 0, US(1), PRING_ERR_NOT_OUTSTANDING); }
END_TEST
START_TEST(drv_len_beyond_posted)
{
	drv_case(_i, 1, true, 0, 65, US(1) | PRING_DESC_F_WRITE, PRING_ERR_LEN);
	/* Read-only buffer: any written length is too much. */
	drv_case(_i, 1, false, 0, 1, US(1) | PRING_DESC_F_WRITE, PRING_ERR_LEN);
}
END_TEST

/* Completing an id a second time. */
START_TEST(drv_already_reaped)
{
	struct penv e;
	void *c[8];
	uint16_t first;

	penv_init(&e, 4, _i & 1, (_i >> 1) & 1, false);
	ck_assert_uint_eq(penv_post1(&e, 0, 64, false, NULL), 1);
	ck_assert_uint_eq(penv_post1(&e, 0, 64, false, NULL), 1);
	first = e.l.avail[0].id;
	penv_put_used(&e, 0, first, 0, US(1), 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, c, NULL, 8), 1);
	penv_put_used(&e, 1, first, 0, US(1), 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, c, NULL, 8), 0);
	assert_drv_broken(&e, PRING_ERR_NOT_OUTSTANDING);
	assert_usable_after_reset(&e);
	penv_fini(&e);
}
END_TEST

/* Entries validated before the violation in the same call are still handed back. */
START_TEST(drv_violation_mid_batch)
{
	struct penv e;
	void *c[8];

	penv_init(&e, 4, _i & 1, (_i >> 1) & 1, false);
	ck_assert_uint_eq(penv_post1(&e, 0, 64, false, (void *)1), 1);
	ck_assert_uint_eq(penv_post1(&e, 0, 64, false, (void *)2), 1);
	penv_put_used(&e, 0, e.l.avail[0].id, 0, US(1), 1);
	penv_put_used(&e, 1, 7, 0, US(1), 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, c, NULL, 8), 1);
	ck_assert_ptr_eq(c[0], (void *)1);
	assert_drv_broken(&e, PRING_ERR_ID);
	assert_usable_after_reset(&e);
	penv_fini(&e);
}
END_TEST

/* Without WRITE a used length is reserved: ignored, not an error (spec 2.7.8). */
START_TEST(drv_len_ignored_without_write)
{
	struct penv e;
	void *c[2];
	uint32_t len[2] = { 7, 7 };

	penv_init(&e, 4, _i & 1, (_i >> 1) & 1, false);
	ck_assert_uint_eq(penv_post1(&e, 0, 64, false, NULL), 1);
	penv_put_used(&e, 0, e.l.avail[0].id, 12345, US(1), 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, c, len, 2), 1);
	ck_assert_uint_eq(len[0], 0);
	ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
	penv_fini(&e);
}
END_TEST

/* Violations keep counting across resets, by reason. */
START_TEST(counters_accumulate)
{
	struct penv e;
	struct pring_chain ch[4];
	struct pring_seg seg[8];

	penv_init(&e, 4, _i & 1, false, false);
	for (int k = 0; k < 3; k++) {
		inj_indirect(&e);
		ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 8), 0);
		penv_reset(&e);
	}
	ck_assert_uint_eq(e.v.stats.err[PRING_ERR_FLAGS], 3);
	ck_assert_uint_eq(e.v.stats.resets, 3);
	penv_fini(&e);
}
END_TEST

static Suite *validate_suite(void)
{
	Suite *s = suite_create("pring_validate");
	TCase *t = tcase_create("validate");

	tcase_add_loop_test(t, dev_bad_id, 0, 2);
	tcase_add_loop_test(t, dev_chain_bad_last_id, 0, 2);
	tcase_add_loop_test(t, dev_len_zero, 0, 2);
	tcase_add_loop_test(t, dev_addr_outside, 0, 2);
	tcase_add_loop_test(t, dev_indirect, 0, 2);
	tcase_add_loop_test(t, dev_read_after_write, 0, 2);
	tcase_add_loop_test(t, dev_member_not_avail, 0, 2);
	tcase_add_loop_test(t, dev_chain_longer_than_ring, 0, 2);
	tcase_add_loop_test(t, dev_chain_longer_than_max_segs, 0, 2);
	tcase_add_loop_test(t, dev_len_sum_overflow, 0, 2);
	tcase_add_loop_test(t, dev_overrun, 0, 2);
	tcase_add_loop_test(t, dev_chain_ends_batch, 0, 2);
	tcase_add_loop_test(t, dev_flat_overrun, 0, 2);
	tcase_add_loop_test(t, dev_flat_mixed, 0, 2);
	tcase_add_loop_test(t, drv_bad_id, 0, 4);
	tcase_add_loop_test(t, drv_never_posted, 0, 4);
	tcase_add_loop_test(t, drv_nothing_outstanding, 0, 4);
	tcase_add_loop_test(t, drv_len_beyond_posted, 0, 4);
	tcase_add_loop_test(t, drv_already_reaped, 0, 4);
	tcase_add_loop_test(t, drv_len_ignored_without_write, 0, 4);
	tcase_add_loop_test(t, drv_violation_mid_batch, 0, 4);
	tcase_add_loop_test(t, counters_accumulate, 0, 2);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(validate_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
