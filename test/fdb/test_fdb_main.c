/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */
#include <stdlib.h>

#include "test_fdb.h"

int
main(void)
{
	Suite *s = suite_create("fdb");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, test_fdb_basic_tcase());
	suite_add_tcase(s, test_fdb_maint_tcase());
	suite_add_tcase(s, test_fdb_concurrent_tcase());
	suite_add_tcase(s, test_fdb_limit_tcase());
	suite_add_tcase(s, test_fdb_static_race_tcase());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
