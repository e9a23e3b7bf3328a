#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""net_vhost_pci with real QEMU guests (Linux virtio_net), one scenario per
run. The back-end is stock dpdk-testpmd with our PMD loaded with -d,
answering pings (icmpecho). Every scenario asserts on what the guest printed
and on our counters: no protocol or ring violation, and the mbuf pool back
to where it was before the guest came.

usage: vp_guest.py SCENARIO
  ping-{split,packed}-{mrg,nomrg}  20 pings, the ring type and MRG_RXBUF as named
  mq-{2,4}                         N queue pairs, traffic on every queue (packed / split)
  jumbo-{split,packed}             host_mtu=9000, 8972-byte pings both ways
  server                           QEMU listens (server=on), we connect (client=1)
  rebind                           guest driver unbound and bound again, twice
  restart                          QEMU SIGKILLed mid-traffic and started again
"""

import os
import shutil
import sys

from vmtest import BOOT_TIMEOUT, log, ping_received, require_qemu, vm2vm_guest, workdir
from vp_backend import VpTestpmd, queue_packets, violations

PINGS = 20
VIRTIO_NET_F_MRG_RXBUF = 15
VIRTIO_F_RING_PACKED = 34


class Failed(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failed(what)
    log(f'ok: {what}')


def pings(guest, n=PINGS, size=None, cpu=None, interval='0.2'):
    cmd = f'ping -c {n} -i {interval} -W 3' + (f' -s {size}' if size else '') + ' 10.0.0.2'
    if cpu is not None:
        cmd = f'taskset {1 << cpu} {cmd}'
    rc, out = guest.run(cmd, timeout=60 + 3 * n)
    tx, rx = ping_received(out)
    expect((tx, rx) == (n, n), f'{rx} of {n} pings answered' + (f' ({size} B)' if size else '')
           + (f' from CPU {cpu}' if cpu is not None else ''))


def features(guest):
    bits = guest.check('cat /sys/bus/virtio/devices/virtio0/features').strip()
    return {i for i, b in enumerate(bits) if b == '1'}


class Scenario:
    def __init__(self, name, wdir, image):
        self.name = name
        self.wdir = wdir
        self.image = image
        self.sock = os.path.join(wdir, 'vp.sock')
        self.pmd = None
        self.guests = []

    def backend(self, **kw):
        self.pmd = VpTestpmd('vp-' + self.name, self.wdir, [self.sock], **kw)
        self.baseline = self.pmd.mbufs_in_use()
        log(f'mbufs in use before the guest: {self.baseline}')
        return self.pmd

    def guest(self, tag='g', wait=True, **nic_kw):
        nic_kw.setdefault('ip', '10.0.0.1/24')
        nic = vm2vm_guest.Nic(socket=self.sock, **nic_kw)
        g = vm2vm_guest.Guest(f'{self.name}-{tag}', self.wdir, nics=[nic], image=self.image,
                              log=log)
        self.guests.append(g)
        g.start()
        if wait:
            self.wait_guest(g)
        return g

    @staticmethod
    def wait_guest(g):
        g.wait_ready(BOOT_TIMEOUT)
        log(f'{g.name} ready in {g.boot_seconds:.1f} s')

    def check_counters(self):
        """No violation; and, once every guest is gone and the link down, no mbuf kept."""
        xs = self.pmd.xstats()
        expect(not violations(xs), f'no protocol or ring violations ({violations(xs)})')
        expect(xs.get('vhost_messages', 0) > 0, f'{xs.get("vhost_messages")} messages handled')
        return xs

    def check_no_leak(self):
        for g in self.guests:
            g.kill()
        self.pmd.wait_link(False)
        in_use = self.pmd.mbufs_in_use()
        expect(in_use == self.baseline, f'mbufs in use back to {self.baseline} (now {in_use})')

    def close(self):
        for g in self.guests:
            g.kill()
        if self.pmd:
            self.pmd.stop()


def ping_case(s, ring, mrg):
    s.backend()
    g = s.guest(packed=(ring == 'packed'), mrg_rxbuf=(mrg == 'mrg'))
    f = features(g)
    expect((VIRTIO_F_RING_PACKED in f) == (ring == 'packed'), f'{ring} ring negotiated')
    expect((VIRTIO_NET_F_MRG_RXBUF in f) == (mrg == 'mrg'), f'MRG_RXBUF {mrg}')
    s.pmd.wait_link(True)
    pings(g)
    s.check_counters()
    s.check_no_leak()


def mq_case(s, queues):
    s.backend(queues=queues)
    g = s.guest(queues=queues, packed=(queues == 2))
    s.pmd.wait_link(True)
    # XPS: a CPU sends on its own queue; the echo comes back on the same queue index.
    for cpu in range(queues):
        pings(g, n=5, cpu=cpu)
    xs = s.check_counters()
    for q in range(queues):
        rx, tx = queue_packets(xs, 'rx', q), queue_packets(xs, 'tx', q)
        expect(rx > 0 and tx > 0, f'queue {q}: {rx} received, {tx} sent')
    s.check_no_leak()


def jumbo_case(s, ring):
    s.backend(mtu=9000)
    # packed also without mergeable buffers: the guest then posts big chained buffers
    g = s.guest(packed=(ring == 'packed'), mrg_rxbuf=(ring == 'split'), host_mtu=9000, mtu=9000)
    expect(g.check('cat /sys/class/net/eth0/mtu').strip() == '9000', 'guest MTU 9000')
    s.pmd.wait_link(True)
    pings(g, n=10, size=8972)
    pings(g, n=5)
    xs = s.check_counters()
    expect(xs.get('rx_q0_bytes', 0) > 10 * 9000, f'{xs.get("rx_q0_bytes")} bytes received')
    s.check_no_leak()


def server_case(s):
    # QEMU listens first and finishes starting only once we have connected
    g = s.guest(server=True, packed=True, wait=False)
    s.backend(client=True)
    s.wait_guest(g)
    s.pmd.wait_link(True)
    pings(g)
    s.check_counters()
    s.check_no_leak()


def rebind_case(s):
    s.backend()
    g = s.guest(packed=True)
    s.pmd.wait_link(True)
    pings(g, n=5)
    for i in range(2):
        g.check('echo virtio0 > /sys/bus/virtio/drivers/virtio_net/unbind')
        s.pmd.wait_link(False)
        g.check('echo virtio0 > /sys/bus/virtio/drivers/virtio_net/bind; sleep 1; '
                'ip addr add 10.0.0.1/24 dev eth0; ip link set eth0 up')
        s.pmd.wait_link(True)
        pings(g, n=5)
    s.check_counters()
    s.check_no_leak()


def restart_case(s):
    s.backend()
    g = s.guest('a')
    s.pmd.wait_link(True)
    pings(g, n=5)
    # traffic in flight when QEMU dies
    g.run('ping -i 0.01 -c 100000 10.0.0.2 > /dev/null 2>&1 &')
    g.kill()
    s.pmd.wait_link(False)
    g2 = s.guest('b', packed=True)            # the new QEMU may choose another ring type
    s.pmd.wait_link(True)
    pings(g2)
    xs = s.check_counters()
    expect(xs.get('frontend_connects') == 2, f'{xs.get("frontend_connects")} connects')
    expect(xs.get('frontend_disconnects', 0) >= 1,
           f'{xs.get("frontend_disconnects")} disconnects')
    s.check_no_leak()


def run(name, s):
    parts = name.split('-')
    if parts[0] == 'ping':
        return ping_case(s, parts[1], parts[2])
    if parts[0] == 'mq':
        return mq_case(s, int(parts[1]))
    if parts[0] == 'jumbo':
        return jumbo_case(s, parts[1])
    cases = {'server': server_case, 'rebind': rebind_case, 'restart': restart_case}
    if name not in cases:
        sys.exit(f'unknown scenario {name!r}')
    return cases[name](s)


def main(name):
    require_qemu()
    image = vm2vm_guest.build_image(log)
    wdir = workdir('vp-' + name)
    s = Scenario(name, wdir, image)
    try:
        run(name, s)
        log(f'PASS: {name}')
        return 0
    except (Failed, RuntimeError, vm2vm_guest.GuestError) as e:
        log(f'FAIL: {name}: {e}')
        if s.pmd:
            log('back-end log tail:\n' + s.pmd.output()[-4000:])
        return 1
    finally:
        s.close()
        shutil.rmtree(wdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
