/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * rte_eal_init() pins the calling thread to its main lcore's CPU: CPU 0 for
 * every fuzz harness that starts EAL. A harness fuzzes on that one thread,
 * so two of them side by side (vm2vm-fuzz --jobs 2, meson running the fuzz
 * suite in parallel) shared CPU 0 while the other CPUs idled: half the
 * executions for the same wall time. The harness starts EAL through this and
 * keeps the CPUs it was started with; it runs no other lcore, so EAL's
 * record of lcore 0's CPU is never used for placement.
 */

#ifndef VM2VM_FUZZ_EAL_AFFINITY_H
#define VM2VM_FUZZ_EAL_AFFINITY_H

#include <pthread.h>
#include <sched.h>

#include <rte_eal.h>

/* rte_eal_init(@p argc, @p argv), the calling thread's affinity unchanged; @return its result. */
static inline int
fz_eal_init_unpinned(int argc, char **argv)
{
	cpu_set_t cpus;
	int got = pthread_getaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	int ret = rte_eal_init(argc, argv);

	if (ret >= 0 && got == 0)
		pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	return ret;
}

#endif /* VM2VM_FUZZ_EAL_AFFINITY_H */
