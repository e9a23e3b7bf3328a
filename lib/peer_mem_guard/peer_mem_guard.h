/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * Surviving a peer that truncates shared memory we mapped.
 *
 * Touching a MAP_SHARED mapping beyond the end of its file raises SIGBUS,
 * and a peer can shrink its memfd, hugetlbfs or link file at any moment.
 * Seals (F_SEAL_SHRINK) would prevent that, but hugetlbfs files cannot be
 * sealed, nor can memfds created without MFD_ALLOW_SEALING, and we do not
 * choose how the peer created its memory. So every peer mapping is
 * registered here; a process-wide SIGBUS handler that finds the fault
 * address inside a registered mapping maps anonymous memory over the whole
 * of it (MAP_FIXED: one syscall, async-signal-safe) and raises the owner's
 * fault flag. The faulting access then retries harmlessly on zero pages,
 * and the owner's control path drops the peer and counts it. Faults
 * elsewhere go to whatever handler was installed before us.
 *
 * The registry is a fixed array read by the handler without locks.
 */

#ifndef VM2VM_PEER_MEM_GUARD_H
#define VM2VM_PEER_MEM_GUARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Mappings that can be registered at once, process-wide. */
#define PEER_MEM_GUARD_SLOTS 256

/**
 * Register the mapping [@p base, @p base + @p len) (page-aligned, as mmap
 * returned it). On a fault inside it, *@p fault is set to 1. Installs the
 * SIGBUS handler on first use. @return a handle for peer_mem_guard_del(),
 * or -1 when the registry is full or the handler cannot be installed.
 */
int peer_mem_guard_add(void *base, size_t len, volatile uint32_t *fault);

/** Forget a mapping before unmapping it. Ignores -1. */
void peer_mem_guard_del(int handle);

/** Faults recovered since the process started. */
uint64_t peer_mem_guard_faults(void);

#ifdef __cplusplus
}
#endif

#endif /* VM2VM_PEER_MEM_GUARD_H */
