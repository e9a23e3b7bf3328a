#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""A QEMU guest (the guest kit, usertools/vm2vm_guest) on a vhost-user socket
served by someone else (here: OVS's net_vhost_pci port) pings an address.

usage: guest_ping.py WORKDIR SOCKET GUEST_IP/LEN PEER_IP [COUNT]
Exit 0 when every ping was answered, 77 when no guest can run here, 1 otherwise.
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'usertools'))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'vm'))

import vm2vm_guest  # noqa: E402
from vmtest import BOOT_TIMEOUT, log, require_qemu  # noqa: E402


def main(workdir, sock, ip, peer, count=10):
    require_qemu()
    image = vm2vm_guest.build_image(log)
    # QEMU connects to the socket (OVS's port listens) and retries each second.
    nic = vm2vm_guest.Nic(socket=sock, ip=ip, packed=True)
    g = vm2vm_guest.Guest('ovs-guest', workdir, nics=[nic], image=image, log=log)
    try:
        g.start()
        g.wait_ready(BOOT_TIMEOUT)
        rc, out = g.run(f'ping -c {count} -i 0.2 -W 3 {peer}', timeout=60 + 3 * count)
        log(out.strip())
        m = re.search(r'(\d+) packets transmitted, (\d+) packets received', out)
        got = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        if got != (count, count):
            log(f'FAIL: guest -> {peer}: {got[1]} of {count} pings answered')
            return 1
        log(f'guest -> {peer}: {count} of {count} pings answered')
        return 0
    except vm2vm_guest.GuestError as e:
        log(f'FAIL: {e}')
        return 1
    finally:
        g.kill()


if __name__ == '__main__':
    a = sys.argv[1:]
    if len(a) < 4:
        sys.exit(__doc__)
    sys.exit(main(a[0], a[1], a[2], a[3], int(a[4]) if len(a) > 4 else 10))
