/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Unit tests for the split-ring device engine: normal use, then one test per ring rule. */

#include <check.h>
#include <stdlib.h>

#include "split_test_util.h"

static struct split_fixture f;
static struct pring_chain c[T_SIZE];
static struct pring_seg sg[64];

static void
setup(void)
{
	sf_init(&f, T_SIZE, false);
}

START_TEST(chain_and_complete)
{
	uint32_t written = 77;

	sf_set_desc(&f, 3, 12, VP_VRING_DESC_F_NEXT, 5);
	sf_set_desc(&f, 5, 100, VP_VRING_DESC_F_WRITE, 0);
	sf_post(&f, 3);
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 64), 1);
	ck_assert_uint_eq(c[0].id, 3);
	ck_assert_uint_eq(c[0].ndesc, 2);
	ck_assert_uint_eq(c[0].rlen, 12);
	ck_assert_uint_eq(c[0].wlen, 100);
	ck_assert_ptr_eq(sg[0].ptr, f.mem + T_BUFS + 3 * 256);
	ck_assert(sg[1].write);
	ck_assert_uint_eq(vp_split_peek(&f.s, c + 1, T_SIZE, sg, 64), 0);
	vp_split_complete(&f.s, c, 1, &written);
	ck_assert_uint_eq(sf_used(&f)->idx, 1);
	ck_assert_uint_eq(sf_used(&f)->ring[0].id, 3);
	ck_assert_uint_eq(sf_used(&f)->ring[0].len, 77);
	ck_assert_uint_eq(vp_split_base(&f.s), 1);
	/* we ask not to be kicked */
	ck_assert_uint_eq(sf_used(&f)->flags, VP_VRING_USED_F_NO_NOTIFY);
}
END_TEST

START_TEST(calls_follow_suppression)
{
	sf_set_desc(&f, 0, 64, 0, 0);
	sf_post(&f, 0);
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 64), 1);
	vp_split_complete(&f.s, c, 1, NULL);
	ck_assert(vp_split_need_call(&f.s));
	ck_assert(!vp_split_need_call(&f.s)); /* nothing new */
	sf_avail(&f)->flags = VP_VRING_AVAIL_F_NO_INTERRUPT;
	sf_post(&f, 0);
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 64), 1);
	vp_split_complete(&f.s, c, 1, NULL);
	ck_assert(!vp_split_need_call(&f.s));
}
END_TEST

START_TEST(event_idx_calls)
{
	sf_init(&f, T_SIZE, true);
	sf_set_desc(&f, 0, 64, 0, 0);
	sf_avail(&f)->ring[T_SIZE] = 1; /* used_event: call once used idx passes 1 */
	sf_post(&f, 0);
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 64), 1);
	vp_split_complete(&f.s, c, 1, NULL);
	ck_assert(!vp_split_need_call(&f.s));
	sf_post(&f, 0);
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 64), 1);
	vp_split_complete(&f.s, c, 1, NULL);
	ck_assert(vp_split_need_call(&f.s));
}
END_TEST

static void
expect_broken(enum pring_err e)
{
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 64), 0);
	ck_assert(f.s.broken);
	ck_assert_uint_eq(f.s.stats.err[e], 1);
	/* stays broken */
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 64), 0);
}

START_TEST(rule_avail_idx_jump)
{
	sf_avail(&f)->idx = T_SIZE + 1;
	expect_broken(PRING_ERR_ID);
}
END_TEST

START_TEST(rule_head_out_of_range)
{
	sf_post(&f, T_SIZE);
	expect_broken(PRING_ERR_ID);
}
END_TEST

START_TEST(rule_next_out_of_range)
{
	sf_set_desc(&f, 0, 64, VP_VRING_DESC_F_NEXT, 200);
	sf_post(&f, 0);
	expect_broken(PRING_ERR_ID);
}
END_TEST

START_TEST(rule_loop)
{
	sf_set_desc(&f, 0, 64, VP_VRING_DESC_F_NEXT, 1);
	sf_set_desc(&f, 1, 64, VP_VRING_DESC_F_NEXT, 0);
	sf_post(&f, 0);
	expect_broken(PRING_ERR_CHAIN);
}
END_TEST

START_TEST(rule_indirect)
{
	sf_set_desc(&f, 0, 64, VP_VRING_DESC_F_INDIRECT, 0);
	sf_post(&f, 0);
	expect_broken(PRING_ERR_FLAGS);
}
END_TEST

START_TEST(rule_read_after_write)
{
	sf_set_desc(&f, 0, 64, VP_VRING_DESC_F_WRITE | VP_VRING_DESC_F_NEXT, 1);
	sf_set_desc(&f, 1, 64, 0, 0);
	sf_post(&f, 0);
	expect_broken(PRING_ERR_FLAGS);
}
END_TEST

START_TEST(rule_zero_len)
{
	sf_set_desc(&f, 0, 0, 0, 0);
	sf_post(&f, 0);
	expect_broken(PRING_ERR_LEN);
}
END_TEST

START_TEST(rule_addr_outside)
{
	sf_set_desc(&f, 0, 64, 0, 0);
	sf_desc(&f, 0)->addr = T_GPA + T_MEM - 32; /* crosses the end */
	sf_post(&f, 0);
	expect_broken(PRING_ERR_ADDR);
}
END_TEST

START_TEST(rule_chain_longer_than_caller_accepts)
{
	uint16_t i;

	for (i = 0; i < 5; i++)
		sf_set_desc(&f, i, 16, i < 4 ? VP_VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	sf_post(&f, 0);
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 4), 0);
	ck_assert(f.s.broken);
	ck_assert_uint_eq(f.s.stats.err[PRING_ERR_CHAIN], 1);
}
END_TEST

START_TEST(chain_that_does_not_fit_ends_batch)
{
	sf_set_desc(&f, 0, 16, 0, 0);
	sf_set_desc(&f, 1, 16, VP_VRING_DESC_F_NEXT, 2);
	sf_set_desc(&f, 2, 16, 0, 0);
	sf_post(&f, 0);
	sf_post(&f, 1);
	/* room for 2 segments in a 2-segment array: the second chain does not fit, no violation */
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 2), 1);
	ck_assert(!f.s.broken);
	vp_split_complete(&f.s, c, 1, NULL);
	ck_assert_uint_eq(vp_split_peek(&f.s, c, T_SIZE, sg, 2), 1);
	ck_assert_uint_eq(c[0].ndesc, 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vp_split");
	TCase *tc = tcase_create("split");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, chain_and_complete);
	tcase_add_test(tc, calls_follow_suppression);
	tcase_add_test(tc, event_idx_calls);
	tcase_add_test(tc, rule_avail_idx_jump);
	tcase_add_test(tc, rule_head_out_of_range);
	tcase_add_test(tc, rule_next_out_of_range);
	tcase_add_test(tc, rule_loop);
	tcase_add_test(tc, rule_indirect);
	tcase_add_test(tc, rule_read_after_write);
	tcase_add_test(tc, rule_zero_len);
	tcase_add_test(tc, rule_addr_outside);
	tcase_add_test(tc, rule_chain_longer_than_caller_accepts);
	tcase_add_test(tc, chain_that_does_not_fit_ends_batch);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
