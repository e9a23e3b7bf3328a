/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */
#ifndef VM2VM_TEST_FDB_H
#define VM2VM_TEST_FDB_H

#include <check.h>

TCase *test_fdb_basic_tcase(void);
TCase *test_fdb_maint_tcase(void);
TCase *test_fdb_concurrent_tcase(void);
TCase *test_fdb_limit_tcase(void);
TCase *test_fdb_static_race_tcase(void);

#endif
