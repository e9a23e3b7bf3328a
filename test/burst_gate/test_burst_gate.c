/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* lib/burst_gate: a closed gate keeps bursts out, and close waits for the one inside. */

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include "burst_gate.h"

START_TEST(closed_gate_refuses)
{
	struct burst_gate g = { 0 };

	ck_assert(!burst_gate_enter(&g));
	ck_assert_uint_eq(g.in_burst, 0); /* backing out leaves nothing behind */
	burst_gate_open(&g);
	ck_assert(burst_gate_enter(&g));
	ck_assert_uint_eq(g.in_burst, 1);
	burst_gate_leave(&g);
	ck_assert_uint_eq(g.in_burst, 0);
	burst_gate_close(&g); /* nobody inside: returns at once */
	ck_assert(!burst_gate_enter(&g));
}
END_TEST

/*
 * A datapath thread and a control thread take turns on one plain (not
 * atomic) field: the datapath only between enter and leave, the control
 * path only between close and open. Each checks that it found the field
 * as the other must have left it.
 */
#define ROUNDS 5000

struct shared {
	struct burst_gate g;
	volatile int stop;
	int owner;               /* 0 free, 1 datapath, 2 control: plain on purpose */
	unsigned long overlaps;  /* the datapath found the control path inside */
	unsigned long bursts;
};

static void *
datapath(void *arg)
{
	struct shared *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		if (!burst_gate_enter(&s->g))
			continue;
		if (s->owner != 0)
			s->overlaps++;
		s->owner = 1;
		__atomic_store_n(&s->bursts, s->bursts + 1, __ATOMIC_RELAXED);
		s->owner = 0;
		burst_gate_leave(&s->g);
	}
	return NULL;
}

START_TEST(close_excludes_bursts)
{
	struct shared s = { .owner = 0 };
	unsigned long ctl_overlaps = 0;
	pthread_t t;
	int i, k;

	burst_gate_open(&s.g);
	ck_assert_int_eq(pthread_create(&t, NULL, datapath, &s), 0);
	for (i = 0; i < ROUNDS; i++) {
		unsigned long seen = __atomic_load_n(&s.bursts, __ATOMIC_RELAXED);

		/* let the datapath in at least once between two closes */
		while (__atomic_load_n(&s.bursts, __ATOMIC_RELAXED) == seen)
			sched_yield();
		burst_gate_close(&s.g);
		if (s.owner != 0)
			ctl_overlaps++;
		s.owner = 2;
		for (k = 0; k < 1000; k++)
			__asm__ volatile("" ::: "memory");
		if (s.owner != 2)
			ctl_overlaps++;
		s.owner = 0;
		burst_gate_open(&s.g);
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	ck_assert_uint_eq(ctl_overlaps, 0);
	ck_assert_uint_eq(s.overlaps, 0);
	ck_assert_uint_ge(s.bursts, ROUNDS); /* the datapath did run between closes */
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("burst_gate");
	TCase *tc = tcase_create("gate");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 50);
	tcase_add_test(tc, closed_gate_refuses);
	tcase_add_test(tc, close_excludes_bursts);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
