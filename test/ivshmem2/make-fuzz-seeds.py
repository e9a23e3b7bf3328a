#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Write the seeds of ivshmem2-fuzz-rx (fuzz_rx.c's input format) into DIR.

Each seed: a control byte (bit 0 zero-copy, bits 1..2 bursts between
rewrites, bits 3..5 mbufs held back / 8), then laps of the peer's ring, one
per chunk of 64 packed descriptors, the wrap counter flipping every lap as a
driver's does. Buffers are the 512-byte slots the harness's peer section has.

usage: make-fuzz-seeds.py DIR
"""

import os
import struct
import sys

RING, BUF, BUF_OFF = 64, 512, 8192  # IV2_QUEUE_OFF + iv2_q_buf_off(64) in the harness
F_NEXT, F_AVAIL, F_USED = 1, 1 << 7, 1 << 15


def lap(wrap, chain, sizes):
    """One lap of descriptors: chains of @chain buffers, lengths from @sizes."""
    out = b''
    for slot in range(RING):
        nxt = (slot % chain) != chain - 1
        flags = (F_AVAIL if wrap else F_USED) | (F_NEXT if nxt else 0)
        out += struct.pack('<QIHH', BUF_OFF + slot * BUF, sizes[slot % len(sizes)], slot, flags)
    return out


def seed(zc, bursts, hold, laps, chain, sizes):
    ctl = (1 if zc else 0) | ((bursts - 1) << 1) | (hold << 3)
    return bytes([ctl]) + b''.join(lap(1 - (k & 1), chain, sizes) for k in range(laps))


SEEDS = {
    'copy-singles': seed(False, 2, 0, 1, 1, [60, 512, 200]),
    'copy-chains': seed(False, 2, 0, 1, 4, [512]),
    'zc-singles': seed(True, 2, 0, 1, 1, [60, 512, 200]),
    'zc-chains': seed(True, 2, 0, 1, 4, [512]),
    # three laps: the wrap counter flips twice
    'copy-laps': seed(False, 1, 0, 3, 1, [100, 512]),
    'zc-laps': seed(True, 1, 0, 3, 2, [512, 300]),
    # frames of 129..256 bytes: copied only if they fit the 128-byte mbufs
    'zc-small-frames': seed(True, 1, 0, 2, 1, [200, 256, 129, 64]),
    # mbufs held across bursts and the reset: deferred completion, retired block
    'zc-held': seed(True, 2, 7, 2, 1, [512, 400]),
    'zc-held-chains': seed(True, 3, 4, 3, 2, [512]),
}

if __name__ == '__main__':
    for name, data in SEEDS.items():
        with open(os.path.join(sys.argv[1], name), 'wb') as f:
            f.write(data)
