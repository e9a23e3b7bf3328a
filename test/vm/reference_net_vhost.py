#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""vm_reference_net_vhost: a QEMU guest whose virtio-net NIC is served by
DPDK's own net_vhost in stock dpdk-testpmd (icmpecho) answers 20 of 20
pings. Proves the guest kit against a back-end known to work with QEMU,
so the same test on net_vhost_pci means something.

usage: reference_net_vhost.py split|packed
Fails on any lost ping; skips (77) only when QEMU cannot run here.
"""

import os
import shutil
import sys

from vmtest import (BOOT_TIMEOUT, Testpmd, log, ping_received, require_qemu, vm2vm_guest,
                    workdir)

PINGS = 20


def main(ring):
    require_qemu()
    image = vm2vm_guest.build_image(log)
    wdir = workdir(f'ref-{ring}')
    sock = os.path.join(wdir, 'vhost.sock')
    pmd = guest = None
    try:
        pmd = Testpmd(f'ref-{ring}', wdir, [sock])
        pmd.wait_listening()
        nic = vm2vm_guest.Nic(socket=sock, packed=(ring == 'packed'), ip='10.0.0.1/24')
        guest = vm2vm_guest.Guest(f'ref-{ring}', wdir, nics=[nic], image=image, log=log)
        guest.start()
        guest.wait_ready(BOOT_TIMEOUT)
        # Packed or split as asked: the guest driver's view of the feature.
        feats = guest.check('cat /sys/bus/virtio/devices/virtio0/features')
        packed_bit = feats.strip()[34] == '1'       # VIRTIO_F_RING_PACKED = bit 34
        if packed_bit != (ring == 'packed'):
            log(f'FAIL: guest negotiated features {feats.strip()}, packed={packed_bit}')
            return 1
        rc, out = guest.run(f'ping -c {PINGS} -i 0.2 -W 3 10.0.0.2', timeout=120)
        log(f'ping exit {rc}:\n{out}')
        tx, rx = ping_received(out)
        if (tx, rx) != (PINGS, PINGS):
            log(f'FAIL: {rx} of {tx} pings answered (want {PINGS} of {PINGS})')
            return 1
        log(f'PASS: {rx}/{tx} pings over net_vhost ({ring} ring), boot {guest.boot_seconds:.1f} s')
        return 0
    finally:
        if guest:
            guest.stop()
            log('guest stopped')
        if pmd:
            pmd.stop()
            log('testpmd stopped')
        shutil.rmtree(wdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
