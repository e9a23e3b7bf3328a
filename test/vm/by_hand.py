#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Guest-kit scenarios checked by hand against DPDK's net_vhost (too slow
under TCG for CI): each prints what it measured and ends PASS or FAIL.

usage: by_hand.py two-guests|multiqueue|jumbo|tcp|rebind|all
  two-guests  two guests on two net_vhost ports of one testpmd (io) ping each other
  multiqueue  2 queue pairs, -smp 2, pings sent from each vCPU (so from each Tx queue)
  jumbo       host_mtu=9000 gives the guest MTU 9000; ping -s 8972
  tcp         32 MiB over TCP between two guests (busybox nc), md5 compared, timed
  rebind      unbind and rebind the guest's virtio_net driver, then ping again
"""

import os
import shutil
import sys
import time

from vmtest import BOOT_TIMEOUT, Testpmd, log, ping_received, require_qemu, vm2vm_guest, workdir

Nic = vm2vm_guest.Nic


class Setup:
    """testpmd + guests, all stopped on exit."""

    def __init__(self, tag, nics_per_guest, fwd, queues=1, extra=()):
        self.wdir = workdir(tag)
        self.image = vm2vm_guest.build_image(log)
        socks = [os.path.join(self.wdir, f'vh{i}.sock') for i in range(len(nics_per_guest))]
        self.pmd = Testpmd(tag, self.wdir, socks, fwd=fwd, queues=queues, extra=extra)
        self.guests = []
        self.pmd.wait_listening()
        for i, nic in enumerate(nics_per_guest):
            nic.socket = socks[i]
            g = vm2vm_guest.Guest(f'{tag}{i}', self.wdir, nics=[nic], image=self.image, log=log)
            self.guests.append(g.start())
        for g in self.guests:
            g.wait_ready(BOOT_TIMEOUT)

    def close(self):
        for g in self.guests:
            g.stop()
        self.pmd.stop()
        shutil.rmtree(self.wdir, ignore_errors=True)


def ping(g, dst, n=20, size=56, prefix=''):
    rc, out = g.run(f'{prefix}ping -c {n} -i 0.2 -W 3 -s {size} {dst}', timeout=n + 60)
    tx, rx = ping_received(out)
    log(f'{g.name}: {prefix}ping -s {size} {dst}: {rx}/{tx}')
    return rx == n


def two_guests():
    s = Setup('two', [Nic('', ip='10.0.0.1/24'), Nic('', ip='10.0.0.2/24')], 'io')
    try:
        return ping(s.guests[0], '10.0.0.2') and ping(s.guests[1], '10.0.0.1')
    finally:
        s.close()


def multiqueue():
    s = Setup('mq', [Nic('', queues=2, ip='10.0.0.1/24')], 'icmpecho', queues=2)
    g = s.guests[0]
    try:
        log(g.check('nproc; ls /sys/class/net/eth0/queues'))
        return ping(g, '10.0.0.2', prefix='taskset -c 0 ') and ping(g, '10.0.0.2',
                                                                    prefix='taskset -c 1 ')
    finally:
        s.close()


def jumbo():
    # No guest-side MTU: virtio_net takes it from host_mtu (VIRTIO_NET_F_MTU).
    s = Setup('jumbo', [Nic('', host_mtu=9000, ip='10.0.0.1/24')], 'icmpecho',
              extra=['--max-pkt-len=9018'])
    g = s.guests[0]
    try:
        mtu = g.check('cat /sys/class/net/eth0/mtu').strip()
        log(f'guest MTU {mtu}')
        return mtu == '9000' and ping(g, '10.0.0.2', n=10, size=8972)
    finally:
        s.close()


def tcp():
    s = Setup('tcp', [Nic('', ip='10.0.0.1/24'), Nic('', ip='10.0.0.2/24')], 'io')
    a, b = s.guests
    try:
        want = a.check('dd if=/dev/urandom of=/tmp/s bs=1M count=32 2>/dev/null; md5sum < /tmp/s',
                       timeout=120).split()[0]
        # busybox's nc exits when its stdin ends, so the listener reads a
        # FIFO that a sleeping writer keeps open.
        b.check('mkfifo /tmp/in; (sleep 900 > /tmp/in &);'
                ' nc -l -p 5000 < /tmp/in > /tmp/r 2>/tmp/nc.err & echo $! > /tmp/nc.pid')
        ping(a, '10.0.0.2', n=2)         # ARP resolved before timing
        t0 = time.monotonic()
        rc, out = a.run('nc 10.0.0.2 5000 < /tmp/s', timeout=600)
        sent = time.monotonic() - t0
        b.check('i=0; p=/proc/$(cat /tmp/nc.pid)/status;'
                ' while grep -q \'^State:.*[RS]\' $p 2>/dev/null && [ $i -lt 600 ];'
                ' do sleep 0.2; i=$((i+1)); done', timeout=180)
        got = b.check('ls -l /tmp/r; md5sum < /tmp/r', timeout=60)
        secs = time.monotonic() - t0
        log(f'sender nc exit {rc} after {sent:.1f} s {out.strip()}; receiver: {got.strip()}')
        log(f'32 MiB in {secs:.1f} s wall ({32 * 8 / secs:.1f} Mbit/s)')
        return got.split()[-2] == want
    finally:
        s.close()


def rebind():
    s = Setup('rebind', [Nic('', ip='10.0.0.1/24')], 'icmpecho')
    g = s.guests[0]
    try:
        ok = ping(g, '10.0.0.2', n=5)
        g.check('d=/sys/bus/virtio/drivers/virtio_net; echo virtio0 > $d/unbind;'
                ' ls /sys/class/net; echo virtio0 > $d/bind; sleep 1; ls /sys/class/net;'
                ' ip addr add 10.0.0.1/24 dev eth0; ip link set eth0 up')
        return ok and ping(g, '10.0.0.2')
    finally:
        s.close()


SCENARIOS = {'two-guests': two_guests, 'multiqueue': multiqueue, 'jumbo': jumbo, 'tcp': tcp,
             'rebind': rebind}


def main(which):
    require_qemu()
    names = list(SCENARIOS) if which == 'all' else [which]
    results = {}
    for n in names:
        t0 = time.monotonic()
        try:
            results[n] = SCENARIOS[n]()
        except Exception as e:          # report and go on to the next scenario
            log(f'{n}: {type(e).__name__}: {e}')
            results[n] = False
        log(f'{n}: {"PASS" if results[n] else "FAIL"} ({time.monotonic() - t0:.0f} s)')
    return 0 if all(results.values()) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'all'))
