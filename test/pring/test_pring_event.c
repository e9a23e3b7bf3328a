/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Event suppression decisions (virtio 1.1 §2.7.10), both directions. */

#include <check.h>
#include <stdlib.h>

#include "pring_env.h"

static void set_raw(struct pring_event *ev, uint16_t off, bool wrap, uint16_t flags)
{
	ev->off_wrap = (uint16_t)(off | (wrap ? 0x8000 : 0));
	ev->flags = flags;
}

START_TEST(kick_without_event_idx)
{
	struct penv e;

	penv_init(&e, 4, _i, true, false);
	ck_assert(!pring_drv_need_kick(&e.d)); /* nothing posted yet */
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(pring_drv_need_kick(&e.d));
	ck_assert(!pring_drv_need_kick(&e.d)); /* nothing new since */
	pring_dev_set_event(&e.v, PRING_EVENT_DISABLE);
	ck_assert_uint_eq(e.l.dev_event->flags, PRING_EVENT_DISABLE);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(!pring_drv_need_kick(&e.d));
	/* DESC without EVENT_IDX negotiated is written as ENABLE. */
	pring_dev_set_event(&e.v, PRING_EVENT_DESC);
	ck_assert_uint_eq(e.l.dev_event->flags, PRING_EVENT_ENABLE);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(pring_drv_need_kick(&e.d));
	/* A peer writing DESC although not negotiated, or the reserved value: notify. */
	set_raw(e.l.dev_event, 3, true, PRING_EVENT_DESC);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(pring_drv_need_kick(&e.d));
	penv_roundtrip(&e, 0);
	set_raw(e.l.dev_event, 0, false, 3);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(pring_drv_need_kick(&e.d));
	/* Reserved upper bits are ignored. */
	e.l.dev_event->flags = 0xfffc | PRING_EVENT_DISABLE;
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(!pring_drv_need_kick(&e.d));
	penv_fini(&e);
}
END_TEST

START_TEST(kick_event_idx)
{
	struct penv e;

	penv_init(&e, 4, _i, true, true);
	/* Device asks for a kick once slot 0 (wrap 1) is available. */
	pring_dev_set_event(&e.v, PRING_EVENT_DESC);
	ck_assert_uint_eq(e.l.dev_event->flags, PRING_EVENT_DESC);
	ck_assert_uint_eq(e.l.dev_event->off_wrap, 0x8000);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(pring_drv_need_kick(&e.d));
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(!pring_drv_need_kick(&e.d)); /* slot 1: not asked for */
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 2);
	/* Event at slot 3: a batch over slots 2-3 crosses it. */
	pring_dev_set_event(&e.v, PRING_EVENT_DESC);
	ck_assert_uint_eq(e.l.dev_event->off_wrap, 0x8000 | 2);
	set_raw(e.l.dev_event, 3, true, PRING_EVENT_DESC);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(!pring_drv_need_kick(&e.d));
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(pring_drv_need_kick(&e.d));
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 2);
	/* Now at slot 0 wrap 0. Event at slot 1 of the *following* lap (wrap 1): not yet. */
	set_raw(e.l.dev_event, 1, true, PRING_EVENT_DESC);
	for (int k = 0; k < 4; k++) {
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
		ck_assert(!pring_drv_need_kick(&e.d));
		ck_assert_uint_eq(penv_roundtrip(&e, 0), 1);
	}
	/* Next lap, wrap 1: slot 0 no, slot 1 yes. */
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(!pring_drv_need_kick(&e.d));
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(pring_drv_need_kick(&e.d));
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 2);
	/* A batch wrapping the ring end (slots 2, 3, 0) crossing an event at slot 0 wrap 0. */
	set_raw(e.l.dev_event, 0, false, PRING_EVENT_DESC);
	for (int k = 0; k < 3; k++)
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(pring_drv_need_kick(&e.d));
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 3);
	/* An offset that names no slot: notify rather than stall. */
	set_raw(e.l.dev_event, 4, true, PRING_EVENT_DESC);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert(pring_drv_need_kick(&e.d));
	penv_fini(&e);
}
END_TEST

START_TEST(call_decisions)
{
	struct penv e;

	penv_init(&e, 6, _i, false, true);
	ck_assert(!pring_dev_need_call(&e.v)); /* nothing completed */
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 1);
	ck_assert(pring_dev_need_call(&e.v)); /* ENABLE by default */
	pring_drv_set_event(&e.d, PRING_EVENT_DISABLE);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 1);
	ck_assert(!pring_dev_need_call(&e.v));
	/* Driver wants a call once the entry at its next used slot (2) is written. */
	pring_drv_set_event(&e.d, PRING_EVENT_DESC);
	ck_assert_uint_eq(e.l.drv_event->off_wrap, 0x8000 | 2);
	ck_assert_uint_eq(e.l.drv_event->flags, PRING_EVENT_DESC);
	for (int k = 0; k < 3; k++)
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	{
		struct pring_chain ch[4];
		struct pring_seg seg[4];

		ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 4), 3);
		pring_dev_complete(&e.v, ch, 1, NULL);
		ck_assert(pring_dev_need_call(&e.v));
		pring_dev_complete(&e.v, ch + 1, 2, NULL);
		ck_assert(!pring_dev_need_call(&e.v)); /* slots 3-4: past the event */
	}
	penv_fini(&e);
}
END_TEST

START_TEST(set_event_enable_after_disable)
{
	struct penv e;

	penv_init(&e, 4, _i, true, true);
	pring_drv_set_event(&e.d, PRING_EVENT_DISABLE);
	ck_assert_uint_eq(e.l.drv_event->flags, PRING_EVENT_DISABLE);
	pring_drv_set_event(&e.d, PRING_EVENT_ENABLE);
	ck_assert_uint_eq(e.l.drv_event->flags, PRING_EVENT_ENABLE);
	/* Out-of-range modes from the caller become ENABLE (never lose a notification). */
	pring_drv_set_event(&e.d, 7);
	ck_assert_uint_eq(e.l.drv_event->flags, PRING_EVENT_ENABLE);
	pring_dev_set_event(&e.v, 3);
	ck_assert_uint_eq(e.l.dev_event->flags, PRING_EVENT_ENABLE);
	penv_fini(&e);
}
END_TEST

static Suite *event_suite(void)
{
	Suite *s = suite_create("pring_event");
	TCase *t = tcase_create("event");

	tcase_add_loop_test(t, kick_without_event_idx, 0, 2);
	tcase_add_loop_test(t, kick_event_idx, 0, 2);
	tcase_add_loop_test(t, call_decisions, 0, 2);
	tcase_add_loop_test(t, set_event_enable_after_disable, 0, 2);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(event_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
