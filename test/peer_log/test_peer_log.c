/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * peer_log: at most PEER_LOG_BURST lines per window, the count of the
 * suppressed ones handed over when the next window opens, and a quiet peer
 * gets its full burst again.
 */

#include <check.h>
#include <stdlib.h>

#include "peer_log.h"

#define HZ 1000u

static unsigned int
allowed_in(struct peer_log *l, uint64_t now, unsigned int tries, uint32_t *first_suppressed)
{
	unsigned int i, ok = 0;
	uint32_t sup;

	*first_suppressed = UINT32_MAX;
	for (i = 0; i < tries; i++) {
		ok += peer_log_allow(l, now, HZ, &sup);
		if (i == 0)
			*first_suppressed = sup;
		else
			ck_assert_uint_eq(sup, 0);
	}
	return ok;
}

START_TEST(burst_then_silence)
{
	struct peer_log l = {0};
	uint32_t sup;

	ck_assert_uint_eq(allowed_in(&l, 1, 1000, &sup), PEER_LOG_BURST);
	ck_assert_uint_eq(sup, 0);
	/* still inside the window: nothing more */
	ck_assert_uint_eq(allowed_in(&l, 1 + HZ * PEER_LOG_WINDOW_S - 1, 5, &sup), 0);
	/* the next window: a full burst, and the 985 suppressed lines reported once */
	ck_assert_uint_eq(allowed_in(&l, 1 + HZ * PEER_LOG_WINDOW_S, 30, &sup), PEER_LOG_BURST);
	ck_assert_uint_eq(sup, 1000 - PEER_LOG_BURST + 5);
}
END_TEST

START_TEST(quiet_peer_never_limited)
{
	struct peer_log l = {0};
	uint32_t sup;
	uint64_t t;

	/* one line a second for a minute: below the rate, every line passes */
	for (t = 0; t < 60; t++) {
		ck_assert(peer_log_allow(&l, t * HZ, HZ, &sup));
		ck_assert_uint_eq(sup, 0);
	}
}
END_TEST

START_TEST(window_starts_at_first_line)
{
	struct peer_log l = {0};
	uint32_t sup;

	/* a first line late in the clock's life opens its own window */
	ck_assert_uint_eq(allowed_in(&l, 5000000, PEER_LOG_BURST + 3, &sup), PEER_LOG_BURST);
	ck_assert_uint_eq(allowed_in(&l, 5000000 + HZ, 1, &sup), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("peer_log");
	TCase *tc = tcase_create("peer_log");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, burst_then_silence);
	tcase_add_test(tc, quiet_peer_never_limited);
	tcase_add_test(tc, window_starts_at_first_line);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
