/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * The QEMU ivshmem-plain flavour of net_ivshmem2: QEMU's original ivshmem
 * device (1AF4:1110, revision 1), whose BAR2 is a host file mapped into the
 * guest. The BAR carries exactly the host flavour's file layout, so a guest
 * and a host process (or two guests) on the same file are peers. The device
 * has no state register, peer ID or peer presence: the state table is plain
 * shared memory, the ID comes from devargs and the heartbeat alone says
 * whether the peer is alive.
 */

#ifndef IVSHMEM2_PLAIN_H
#define IVSHMEM2_PLAIN_H

#include <stdint.h>

#include "ivshmem2.h"

/** QEMU's ivshmem (plain and doorbell variants). */
#define IV2_PLAIN_VENDOR   0x1AF4
#define IV2_PLAIN_DEVICE   0x1110
/** Revision 1; the 2019 ivshmem 2.0 RFC reused the IDs with revision 2. */
#define IV2_PLAIN_REVISION 1

/**
 * Lay the sections out over @p len bytes at @p mem (BAR2) for @p cfg (id,
 * state_size, rw_size, out_size; out_size 0 = the rest of the memory split
 * in two, written back to @p cfg). Fills @p d with the plain device ops.
 * @return 0, or -EINVAL with the reason logged (memory too small for the
 * queues, sizes that do not add up to the BAR).
 */
int iv2_plain_attach(struct iv2_dev *d, uint8_t *mem, uint64_t len, struct iv2_config *cfg);

#endif /* IVSHMEM2_PLAIN_H */
