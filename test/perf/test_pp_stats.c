/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* dpdk-ping-pong's percentiles: nearest rank over sorted samples. */

#include <stdio.h>
#include <stdlib.h>

#include "stats.h"

static int failures;

static void
expect(const char *what, uint64_t got, uint64_t want)
{
	if (got != want) {
		printf("FAIL %s: got %llu, want %llu\n", what, (unsigned long long)got,
		       (unsigned long long)want);
		failures++;
	}
}

int
main(void)
{
	uint64_t v[1000];
	uint64_t one[1] = {42};
	uint64_t small[4] = {40, 10, 30, 20};
	size_t i;

	/* 1000 samples 1..1000, shuffled deterministically */
	for (i = 0; i < 1000; i++)
		v[i] = (i * 617) % 1000 + 1;
	pp_sort(v, 1000);
	for (i = 0; i < 1000; i++)
		expect("sorted", v[i], i + 1);
	expect("p0", pp_quantile(v, 1000, 0), 1);
	expect("p50", pp_quantile(v, 1000, 0.5), 500);
	expect("p99", pp_quantile(v, 1000, 0.99), 990);
	expect("p99.9", pp_quantile(v, 1000, 0.999), 999);
	expect("max", pp_quantile(v, 1000, 1), 1000);

	expect("single p50", pp_quantile(one, 1, 0.5), 42);
	expect("single p99.9", pp_quantile(one, 1, 0.999), 42);
	expect("empty", pp_quantile(v, 0, 0.5), 0);

	pp_sort(small, 4);
	expect("4 p50", pp_quantile(small, 4, 0.5), 20);
	expect("4 p51", pp_quantile(small, 4, 0.51), 30);
	expect("4 p99", pp_quantile(small, 4, 0.99), 40);

	if (failures == 0)
		printf("ping-pong percentiles: ok\n");
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
