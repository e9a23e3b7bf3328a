/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Unit tests of the ivshmem-plain flavour without EAL or a guest: devargs
 * (id required, shm refused, sizes optional) and the layout over a BAR
 * (anonymous memory here): where the sections land for each peer ID, the
 * derived output section size, and the refusals with the reason logged.
 */

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <check.h>

#include "ivshmem2_plain.h"

int ivshmem2_logtype;

#define MIB (1ull << 20)

static char logbuf[8192];

static void
log_capture(void)
{
	FILE *fp;

	memset(logbuf, 0, sizeof(logbuf));
	fp = fmemopen(logbuf, sizeof(logbuf) - 1, "w");
	ck_assert_ptr_nonnull(fp);
	setvbuf(fp, NULL, _IONBF, 0);
	rte_openlog_stream(fp);
}

static uint8_t *
bar(uint64_t len)
{
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(m, MAP_FAILED);
	return m;
}

static void
config(struct iv2_config *c, const char *args)
{
	ck_assert_int_eq(iv2_devargs_parse_flavour(args, c, IV2_ARGS_PLAIN), 0);
}

START_TEST(devargs_plain)
{
	struct iv2_config c;

	config(&c, "id=1,state_size=2M,rw_size=2M");
	ck_assert_int_eq(c.id, 1);
	ck_assert_uint_eq(c.state_size, 2 * MIB);
	ck_assert_uint_eq(c.rw_size, 2 * MIB);
	ck_assert_uint_eq(c.out_size, 0); /* derived from the BAR at attach */
	log_capture();
	ck_assert_int_lt(iv2_devargs_parse_flavour("queues=2", &c, IV2_ARGS_PLAIN), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "missing id=0|1"));
	ck_assert_int_lt(iv2_devargs_parse_flavour("id=0,shm=/dev/shm/x", &c, IV2_ARGS_PLAIN), 0);
	ck_assert_int_lt(iv2_devargs_parse_flavour("id=0,out_size=1M", &c, IV2_ARGS_PLAIN), 0);
	ck_assert_int_lt(iv2_devargs_parse_flavour("id=2", &c, IV2_ARGS_PLAIN), 0);
}
END_TEST

/* The host flavour's file on 2 MiB pages: 2 + 2 + 2 x 6 = 16 MiB. */
START_TEST(layout_matches_host_file)
{
	uint64_t len = 16 * MIB;
	uint8_t *m = bar(len);
	struct iv2_config c;
	struct iv2_dev d;
	int id;

	for (id = 0; id < 2; id++) {
		config(&c, id ? "id=1,state_size=2M,rw_size=2M" : "id=0,state_size=2M,rw_size=2M");
		ck_assert_int_eq(iv2_plain_attach(&d, m, len, &c), 0);
		ck_assert_uint_eq(c.out_size, 6 * MIB);
		ck_assert_uint_eq(d.out_size, 6 * MIB);
		ck_assert_ptr_eq((const void *)d.state_table, m);
		ck_assert_ptr_eq(d.out_own, m + 4 * MIB + (uint64_t)id * 6 * MIB);
		ck_assert_ptr_eq(d.out_peer, m + 4 * MIB + (uint64_t)(1 - id) * 6 * MIB);
		ck_assert_uint_eq(d.peer_id, 1 - id);
		ck_assert_ptr_null(d.ops->doorbell);      /* nobody to ring: both poll */
		ck_assert(d.ops->peer_attached(&d));     /* the heartbeat decides */
		/* our state goes into our own entry of the table, nowhere else */
		d.ops->state_write(&d, IV2_STATE_READY);
		ck_assert_uint_eq(((uint32_t *)m)[id], IV2_STATE_READY);
		ck_assert_uint_eq(iv2_dev_peer_state(&d), 0);
		d.ops->close(&d);
		ck_assert_uint_eq(((uint32_t *)m)[id], IV2_STATE_RESET);
		mprotect(m, len, PROT_READ | PROT_WRITE); /* undo the peer section's protection */
	}
	munmap(m, len);
}
END_TEST

START_TEST(refusals)
{
	struct iv2_config c;
	struct iv2_dev d;
	uint8_t *m = bar(16 * MIB);

	log_capture();
	config(&c, "id=1");
	ck_assert_int_lt(iv2_plain_attach(&d, NULL, 0, &c), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "BAR2 is missing"));

	/* 4 MiB: two sections of 1024 x 2048 B do not fit */
	log_capture();
	config(&c, "id=1");
	ck_assert_int_lt(iv2_plain_attach(&d, m, 4 * MIB, &c), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "too small for 1 queues x 1024 slots x 2048 B"));
	ck_assert_ptr_null(d.ops);

	/* explicit sizes that do not add up to the BAR */
	log_capture();
	config(&c, "id=0,state_size=2M,out_size=6M");
	ck_assert_int_lt(iv2_plain_attach(&d, m, 16 * MIB, &c), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "give the sizes the other peer uses"));

	/* state and R/W sections larger than the BAR */
	log_capture();
	config(&c, "id=0,state_size=8M,rw_size=8M");
	ck_assert_int_lt(iv2_plain_attach(&d, m, 16 * MIB, &c), 0);
	ck_assert_ptr_nonnull(strstr(logbuf, "too small for state_size"));

	/* the derived size is page-aligned: 4 KiB state + 16 MiB BAR leaves 8 MiB - 2 KiB each */
	config(&c, "id=0");
	ck_assert_int_lt(iv2_plain_attach(&d, m, 16 * MIB, &c), 0);
	config(&c, "id=0,rw_size=4K");
	ck_assert_int_eq(iv2_plain_attach(&d, m, 16 * MIB, &c), 0);
	ck_assert_uint_eq(d.out_size, 8 * MIB - 4096);
	d.ops->close(&d);
	munmap(m, 16 * MIB);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ivshmem2-plain");
	TCase *tc = tcase_create("plain");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, devargs_plain);
	tcase_add_test(tc, layout_matches_host_file);
	tcase_add_test(tc, refusals);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
