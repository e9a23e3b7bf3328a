/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * peer_mem_guard: a registered mapping whose file is truncated reads as
 * zeros and raises its fault flag; an unregistered one still reaches the
 * SIGBUS handler installed before the guard.
 */

#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <check.h>

#include "peer_mem_guard.h"

#define LEN (64 * 1024)

static sigjmp_buf jb;
static volatile int prev_calls;

static void
prev_handler(int sig)
{
	(void)sig;
	prev_calls++;
	siglongjmp(jb, 1);
}

static uint8_t *
truncated_mapping(void)
{
	int fd = memfd_create("guard-test", 0);
	uint8_t *p;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, LEN), 0);
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	memset(p, 0x5a, LEN);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	close(fd);
	return p;
}

START_TEST(registered_fault_recovered)
{
	volatile uint32_t fault = 0;
	uint8_t *p = truncated_mapping();
	uint64_t before = peer_mem_guard_faults();
	int h = peer_mem_guard_add(p, LEN, &fault);

	ck_assert_int_ge(h, 0);
	ck_assert_uint_eq(*(volatile uint8_t *)(p + LEN / 2), 0);
	p[100] = 1; /* writable afterwards */
	ck_assert_uint_eq(fault, 1);
	ck_assert_uint_eq(peer_mem_guard_faults(), before + 1);
	peer_mem_guard_del(h);
	munmap(p, LEN);
}
END_TEST

START_TEST(other_faults_chained)
{
	volatile uint32_t fault = 0;
	uint8_t *p = truncated_mapping(), *q = truncated_mapping();
	int h = peer_mem_guard_add(q, LEN, &fault); /* registered: not the one we touch */

	ck_assert_int_ge(h, 0);
	if (sigsetjmp(jb, 1) == 0)
		(void)*(volatile uint8_t *)p;
	ck_assert_int_eq(prev_calls, 1);
	ck_assert_uint_eq(fault, 0);
	peer_mem_guard_del(h);
	munmap(p, LEN);
	munmap(q, LEN);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("peer_mem_guard");
	TCase *tc = tcase_create("sigbus");
	SRunner *sr;
	int failed;

	signal(SIGBUS, prev_handler); /* installed before the guard's, which must chain to it */
	tcase_add_test(tc, registered_fault_recovered);
	tcase_add_test(tc, other_faults_chained);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
