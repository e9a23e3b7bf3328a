/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * The EAL a datapath fuzz harness runs in: one lcore, no hugepages, no PCI,
 * no shared configuration, its own file prefix, quiet unless FUZZ_VP_TRACE
 * is set, on the CPUs the harness was started with (../fuzz_eal_affinity.h).
 * libFuzzer runs the harness many times on one machine (and CI
 * beside the campaign), so nothing may be left behind: the runtime directory
 * EAL creates even with --no-shconf is removed as soon as EAL is up (nothing
 * in it is used after init with --no-shconf and --no-telemetry). At exit it
 * would be too late: libFuzzer ends an interrupted run (a paused campaign)
 * and a finding with _Exit, which runs no exit handler.
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

#include "../fuzz_eal_affinity.h"

static void
fz_eal_cleanup(void)
{
	rte_eal_cleanup();
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
	if (fz_eal_init_unpinned((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "%s: EAL: %s\n", name, rte_strerror(rte_errno));
		exit(EXIT_FAILURE);
	}
	rmdir(rte_eal_get_runtime_dir());
	atexit(fz_eal_cleanup);
	return trace;
}

#endif /* VP_FUZZ_EAL_H */
