/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */
#ifndef VM2VM_TEST_FDB_H
#define VM2VM_TEST_FDB_H

#include <stdint.h>

#include <check.h>

#include "fdb.h"

/* A locally administered unicast MAC numbered @p n; @p tag keeps each test's MACs apart. */
static inline uint64_t
test_fdb_mac(uint8_t tag, uint32_t n)
{
	uint8_t m[6] = { 0x02, tag, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
			 (uint8_t)n };

	return fdb_mac_key(m);
}

TCase *test_fdb_basic_tcase(void);
TCase *test_fdb_maint_tcase(void);
TCase *test_fdb_concurrent_tcase(void);
TCase *test_fdb_limit_tcase(void);
TCase *test_fdb_static_race_tcase(void);

#endif
