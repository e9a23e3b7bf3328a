#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""dpdk-vm2vm-switch between real QEMU guests on net_vhost_pci ports.

usage: switch_guests.py SCENARIO
  two-guests  guests A (split ring) and B (packed ring), MTU 9000 on both: pings,
              8972-byte pings, a 32 MiB TCP transfer each way (checksums compared);
              B killed and a new B started while A keeps running
  netns       a guest and a Linux network namespace behind an af_packet port on a
              veth pair (the "NIC" is a real kernel stack): pings and 32 MiB each way
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

from vmtest import BOOT_TIMEOUT, log, ping_received, require_qemu, vm2vm_guest, workdir
from vp_backend import Switch

MIB = 32


class Failed(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failed(what)
    log(f'ok: {what}')


def boot(name, wdir, image, sock, ip, **nic_kw):
    nic = vm2vm_guest.Nic(socket=sock, ip=ip, **nic_kw)
    g = vm2vm_guest.Guest(name, wdir, nics=[nic], image=image, log=log)
    g.start()
    return g


def ping(src, dst_ip, n=10, size=None):
    rc, out = src.run(f'ping -c {n} -i 0.2 -W 3' + (f' -s {size}' if size else '')
                      + f' {dst_ip}', timeout=60 + 3 * n)
    tx, rx = ping_received(out)
    expect((tx, rx) == (n, n), f'{src.name} -> {dst_ip}: {rx} of {n} pings'
           + (f' ({size} B)' if size else ''))


# busybox nc quits when its stdin ends: the listener's stdin is a pipe held open.
LISTEN = '(sleep 600 | nc -l -p {port} > /tmp/rx.{port}) > /dev/null 2>&1 &'


def md5(out):
    m = re.search(r'^([0-9a-f]{32})\b', out, re.M)
    return m.group(1) if m else None


def transfer(sender, receiver, dst_ip, port):
    """MIB random MiB over TCP from @sender to @receiver; checksums must match."""
    receiver.check(LISTEN.format(port=port))
    want = md5(sender.check(f'dd if=/dev/urandom of=/tmp/tx.{port} bs=1M count={MIB} '
                            f'2>/dev/null; md5sum /tmp/tx.{port}'))
    sender.check(f'nc {dst_ip} {port} < /tmp/tx.{port}', timeout=240)
    got = None
    for _ in range(20):     # the listener may still be writing its last bytes
        got = md5(receiver.check(f'md5sum /tmp/rx.{port}'))
        if got == want:
            break
        receiver.run('sleep 0.5')
    expect(want is not None and got == want,
           f'{MIB} MiB {sender.name} -> {receiver.name} over TCP, md5 {got} (sent {want})')


class Namespace:
    """A network namespace on a veth pair; @inside lives in it, @outside stays here."""

    def __init__(self, name, ip):
        self.name = name
        self.inside = f'{name}-i'[:15]
        self.outside = f'{name}-o'[:15]
        self.ip = ip
        self.sh(f'ip netns add {name}')
        self.sh(f'ip link add {self.outside} type veth peer name {self.inside} netns {name}')
        # AF_PACKET sees what the veth carries: no segmentation or checksum
        # offload, or it would get 64 KiB frames with unfinished checksums.
        for dev, ns in ((self.outside, ''), (self.inside, f'ip netns exec {name} ')):
            self.sh(f'{ns}ethtool -K {dev} tx off tso off gso off gro off')
            self.sh(f'{ns}ip link set {dev} up')
        self.sh(f'ip netns exec {name} ip addr add {ip}/24 dev {self.inside}')
        self.sh(f'ip netns exec {name} ip link set lo up')

    @staticmethod
    def sh(cmd, check=True):
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise Failed(f'{cmd}: exit {r.returncode}: {r.stdout}{r.stderr}')
        return r

    def run(self, cmd, timeout=120):
        return self.sh(f'ip netns exec {self.name} {cmd}', check=False)

    def close(self):
        self.sh(f'ip netns pids {self.name} | xargs -r kill -9', check=False)
        self.sh(f'ip link del {self.outside}', check=False)
        self.sh(f'ip netns del {self.name}', check=False)


def two_guests(wdir, image):
    socks = [os.path.join(wdir, f'{x}.sock') for x in 'ab']
    sw = Switch('sw-two', wdir, [f'net_vhost_pci{i},iface={s}' for i, s in enumerate(socks)],
                socks, mtu=9000)
    guests = []
    try:
        jumbo = dict(host_mtu=9000, mtu=9000)
        a = boot('two-a', wdir, image, socks[0], '10.0.0.1/24', **jumbo)
        b = boot('two-b', wdir, image, socks[1], '10.0.0.2/24', packed=True, **jumbo)
        guests += [a, b]
        for g in (a, b):
            g.wait_ready(BOOT_TIMEOUT)
        ping(a, '10.0.0.2')
        ping(b, '10.0.0.1', n=5, size=8972)
        ping(a, '10.0.0.2', n=5, size=8972)
        transfer(a, b, '10.0.0.2', 5001)
        transfer(b, a, '10.0.0.1', 5002)
        # B dies; A and the switch carry on; B restarted (same MAC, as a VM manager
        # restarts it) is served on the same port
        b.kill()
        sw.wait_for(r'port 1: link down', 60)
        rc, _ = a.run('ping -c 2 -W 1 10.0.0.2', timeout=30)
        expect(rc != 0, 'B unreachable while it is down')
        b2 = boot('two-b2', wdir, image, socks[1], '10.0.0.2/24', mac=b.nics[0].mac, **jumbo)
        guests.append(b2)
        b2.wait_ready(BOOT_TIMEOUT)
        ping(a, '10.0.0.2')
        ping(b2, '10.0.0.1', n=5, size=8972)
    finally:
        for g in guests:
            g.kill()
        final = sw.final_stats()
        log('switch final stats:\n' + final)
    runts = re.findall(r'runt=(\d+)', final)
    expect(runts and all(r == '0' for r in runts), 'no runt frames')


def netns(wdir, image):
    sock = os.path.join(wdir, 'g.sock')
    ns = Namespace(f'vmns{os.getpid() % 10000}', '10.0.0.3')
    sw = g = None
    try:
        sw = Switch('sw-ns', wdir, [f'net_vhost_pci0,iface={sock}',
                                    f'net_af_packet1,iface={ns.outside}'], [sock])
        g = boot('ns-g', wdir, image, sock, '10.0.0.1/24', packed=True)
        g.wait_ready(BOOT_TIMEOUT)
        ping(g, ns.ip)
        r = ns.run('busybox ping -c 10 -i 0.2 -W 3 10.0.0.1')
        tx, rx = ping_received(r.stdout)
        expect((tx, rx) == (10, 10), f'namespace -> guest: {rx} of 10 pings ({r.stderr.strip()})')
        # guest -> namespace
        port = 5003
        lst = subprocess.Popen(f'ip netns exec {ns.name} sh -c "sleep 600 | busybox nc -l '
                               f'-p {port} > {wdir}/rx.bin"', shell=True, start_new_session=True)
        try:
            want = md5(g.check(f'dd if=/dev/urandom of=/tmp/tx bs=1M count={MIB} 2>/dev/null;'
                               ' md5sum /tmp/tx'))
            g.check(f'nc {ns.ip} {port} < /tmp/tx', timeout=240)
            got = None
            for _ in range(20):     # the listener may still be writing its last bytes
                got = md5(Namespace.sh(f'md5sum {wdir}/rx.bin').stdout)
                if got == want:
                    break
                time.sleep(0.5)
        finally:
            os.killpg(lst.pid, signal.SIGKILL)
            lst.wait()
        expect(got == want, f'{MIB} MiB guest -> namespace, md5 {got} (sent {want})')
        # namespace -> guest
        g.check(LISTEN.format(port=port + 1))
        Namespace.sh(f'dd if=/dev/urandom of={wdir}/tx.bin bs=1M count={MIB} 2>/dev/null')
        want = md5(Namespace.sh(f'md5sum {wdir}/tx.bin').stdout)
        r = ns.run(f'busybox nc 10.0.0.1 {port + 1} < {wdir}/tx.bin', timeout=240)
        got = None
        for _ in range(20):
            got = md5(g.check(f'md5sum /tmp/rx.{port + 1}'))
            if got == want:
                break
            g.run('sleep 0.5')
        expect(got == want, f'{MIB} MiB namespace -> guest, md5 {got} (sent {want})')
    finally:
        if g:
            g.kill()
        if sw:
            log('switch final stats:\n' + sw.final_stats())
        ns.close()


def main(name):
    require_qemu()
    image = vm2vm_guest.build_image(log)
    wdir = workdir('sw-' + name)
    cases = {'two-guests': two_guests, 'netns': netns}
    if name not in cases:
        sys.exit(f'unknown scenario {name!r}')
    try:
        cases[name](wdir, image)
        log(f'PASS: {name}')
        return 0
    except (Failed, RuntimeError, vm2vm_guest.GuestError) as e:
        log(f'FAIL: {name}: {e}')
        return 1
    finally:
        shutil.rmtree(wdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
