#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""The classic PVP front-end with DPDK in the guest: the guest's net_virtio
PMD (uio_pci_generic) on a vhost-user virtio-net-pci device drives the
host's net_vhost_pci in a stock dpdk-testpmd. The guest generates (flowgen:
it transmits and also receives), the host echoes with macswap; frames are
counted both ways on both sides.

usage: pvp_guest.py split|packed
"""

import os
import re
import shutil
import sys
import time

import iv_plain
from vmtest import TESTPMD, log, require_qemu, vm2vm_guest, workdir
from vp_backend import VP_SO, DpdkProcess, VpTestpmd, eal_args, violations

MIN_FRAMES = 10000
TRAFFIC_S = 3          # a TCG guest's DPDK passes MIN_FRAMES in well under a second
VIRTIO_NET = ('0x1af4', '0x1000')      # QEMU's transitional virtio-net-pci
VIRTIO_F_RING_PACKED = 34


class Failed(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failed(what)
    log(f'ok: {what}')


class VpEcho(VpTestpmd):
    """dpdk-testpmd on net_vhost_pci echoing every frame (macswap)."""

    def __init__(self, tag, wdir, sock):
        argv = [TESTPMD] + eal_args(tag) + ['-d', VP_SO, '--vdev', f'net_vhost_pci0,iface={sock}',
                                            '--', '-i', '--auto-start', '--forward-mode=macswap',
                                            '--total-num-mbufs=16384']
        DpdkProcess.__init__(self, tag, wdir, argv, [sock])
        self.wait_for(r'testpmd> ', 60)
        self.wait_sockets()

    def port_stats(self):
        text = self.query('show port stats 0')
        return {k: int(v) for k, v in re.findall(r'(RX-packets|TX-packets): (\d+)', text)}


def run(ring, wdir, img, parts):
    sock = os.path.join(wdir, 'vp.sock')
    host = VpEcho(f'pvp-{ring}', wdir, sock)
    parts.append(host)
    nic = vm2vm_guest.Nic(socket=sock, packed=(ring == 'packed'))
    g = iv_plain.GuestPort(f'pvp-{ring}', wdir, img, [], nics=[nic])
    parts.append(g)
    g.boot()
    addrs = g.find_pci(*VIRTIO_NET)
    expect(len(addrs) == 1, f'one virtio-net device in the guest ({addrs})')
    g.bind(addrs[0])                      # from the kernel's virtio-pci to uio_pci_generic
    base = host.port_stats()              # what the guest kernel sent before, and its echoes
    g.start_testpmd('flowgen', '', eal=f'-l 0,1 -m 64 --file-prefix pvp -a {addrs[0]} '
                     '--log-level pmd.net.virtio.init:debug')
    g.wait_log('link state change event|Start|packet forwarding', 120)
    host.wait_link(True, timeout=120)
    time.sleep(TRAFFIC_S)
    totals, text = g.stop_testpmd()
    hs = {k: v - base.get(k, 0) for k, v in host.port_stats().items()}
    log(f'guest TX {totals["TX-packets"]} RX {totals["RX-packets"]}; '
        f'host RX {hs["RX-packets"]} TX {hs["TX-packets"]}')
    expect(hs['RX-packets'] >= MIN_FRAMES, f'host received {hs["RX-packets"]} frames')
    expect(totals['TX-packets'] >= hs['RX-packets'], 'guest sent at least as many')
    expect(totals['RX-packets'] >= MIN_FRAMES, f'guest received {totals["RX-packets"]} echoes')
    expect(hs['TX-packets'] >= totals['RX-packets'], 'host sent at least as many')
    xs = host.xstats()
    expect(not violations(xs), f'no protocol or ring violations ({violations(xs)})')
    m = re.search(r'features after negotiate = ([0-9a-f]+)', text)
    feats = int(m.group(1), 16) if m else 0
    expect(m is not None and bool(feats >> VIRTIO_F_RING_PACKED & 1) == (ring == 'packed'),
           f'{ring} ring negotiated by the guest PMD (features {feats:#x})')


def main(ring):
    if ring not in ('split', 'packed'):
        sys.exit('usage: pvp_guest.py split|packed')
    require_qemu()
    img = iv_plain.image()
    wdir = workdir('pvp-' + ring)
    parts = []
    try:
        run(ring, wdir, img, parts)
        log(f'PASS: pvp {ring}')
        return 0
    except (Failed, RuntimeError, vm2vm_guest.GuestError) as e:
        log(f'FAIL: pvp {ring}: {e}')
        for p in parts:
            if isinstance(p, DpdkProcess):
                log('host log tail:\n' + p.output()[-3000:])
        return 1
    finally:
        for p in reversed(parts):
            p.kill() if isinstance(p, iv_plain.GuestPort) else p.stop()
        shutil.rmtree(wdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
