/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * The EAL a datapath fuzz harness runs in: one lcore, no hugepages, no PCI,
 * no shared configuration, its own file prefix, quiet unless FUZZ_VP_TRACE
 * is set. libFuzzer runs the harness many times on one machine (and CI
 * beside the campaign), so nothing may be left behind: the runtime directory
 * EAL creates even with --no-shconf is removed at exit.
 */

#ifndef VP_FUZZ_EAL_H
#define VP_FUZZ_EAL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>

static char fz_runtime_dir[4096];

static void
fz_eal_cleanup(void)
{
	rte_eal_cleanup();
	rmdir(fz_runtime_dir);
}

/* Start EAL with @p mem_mb of memory; @return whether FUZZ_VP_TRACE asks for traces. */
static inline bool
fz_eal_init(const char *name, const char *prefix_tag, const char *mem_mb)
{
	char prefix[64];
	char *eal[] = { (char *)(uintptr_t)name, "-l", "0", "--no-huge", "-m",
			(char *)(uintptr_t)mem_mb, "--no-pci", "--no-shconf", "--no-telemetry",
			prefix, "--log-level=crit", NULL };
	bool trace = getenv("FUZZ_VP_TRACE") != NULL;

	if (trace)
		eal[RTE_DIM(eal) - 2] = "--log-level=*:debug";
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s%d", prefix_tag, getpid());
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "%s: EAL: %s\n", name, rte_strerror(rte_errno));
		exit(EXIT_FAILURE);
	}
	snprintf(fz_runtime_dir, sizeof(fz_runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(fz_eal_cleanup);
	return trace;
}

#endif /* VP_FUZZ_EAL_H */
