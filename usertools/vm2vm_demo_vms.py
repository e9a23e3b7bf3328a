# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""vm2vm-demo --vms: dpdk-vm2vm-switch between two real QEMU guests.

Two guests (Debian's kernel, virtio_net, busybox; usertools/vm2vm_guest)
each get a vhost-user virtio-net NIC served by one net_vhost_pci port of the
switch. They ping each other both ways; the switch learns both MACs. The
demo prints what the guests printed and the switch's summary, then removes
every process, socket and hugepage file it made.
"""

import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import vm2vm_guest

GUESTS = (('A', '10.0.0.1'), ('B', '10.0.0.2'))


def say(msg):
    print(f'vm2vm-demo: {msg}', flush=True)


class VmDemo:
    def __init__(self, switch, drivers, pings, keep_logs):
        self.switch_bin = switch
        self.so = os.path.join(drivers, 'librte_net_vhost_pci.so')
        self.pings = pings
        self.keep_logs = keep_logs
        self.dir = tempfile.mkdtemp(prefix='vm2vm-demo-vms-', dir='/tmp')
        self.prefix = f'sw-demo-vms-{os.getpid()}'
        self.socks = [os.path.join(self.dir, f'vm{n}.sock') for n, _ in GUESTS]
        self.switch = None
        self.guests = []

    def start_switch(self):
        argv = ['stdbuf', '-oL', self.switch_bin, '--no-pci', '-m', '256',
                '--lcores', '0@0,1@1', '--file-prefix', self.prefix,
                '--log-level', 'lib.eal:error', '-d', self.so]
        for i, s in enumerate(self.socks):
            argv += ['--vdev', f'net_vhost_pci{i},iface={s}']
        argv += ['--', '--stats-period', '10', '--total-num-mbufs', '8192']
        self.switch_log = os.path.join(self.dir, 'switch.log')
        self.switch = subprocess.Popen(argv, stdout=open(self.switch_log, 'w'),
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not all(os.path.exists(s) for s in self.socks):
            if self.switch.poll() is not None or time.monotonic() > deadline:
                sys.exit('vm2vm-demo: the switch did not start:\n' + open(self.switch_log).read())
            time.sleep(0.2)
        say(f'switch up: ports 0 and 1 are net_vhost_pci, sockets in {self.dir}')

    def start_guests(self):
        image = vm2vm_guest.build_image(lambda m: say(m))
        for (name, ip), sock in zip(GUESTS, self.socks):
            nic = vm2vm_guest.Nic(socket=sock, ip=f'{ip}/24')
            g = vm2vm_guest.Guest(f'vm{name}', self.dir, nics=[nic], image=image)
            g.start()
            self.guests.append(g)
        for g in self.guests:
            g.wait_ready(240)
            say(f'guest {g.name} ({g.nics[0].mac}) booted in {g.boot_seconds:.1f} s '
                f'({g.accel})')

    def ping_both_ways(self):
        results = []
        for src, (dst_name, dst_ip) in ((self.guests[0], GUESTS[1]), (self.guests[1], GUESTS[0])):
            rc, out = src.run(f'ping -c {self.pings} -i 0.2 -W 3 {dst_ip}', timeout=120)
            print(f'--- {src.name} pings vm{dst_name} ({dst_ip}):')
            print('\n'.join(out.strip().splitlines()[-3:]))
            m = re.search(r'(\d+) packets transmitted, (\d+) packets received', out)
            results.append((int(m.group(2)) if m else 0))
        return results

    def stop_switch(self):
        if self.switch and self.switch.poll() is None:
            self.switch.send_signal(signal.SIGINT)
            try:
                self.switch.wait(20)
            except subprocess.TimeoutExpired:
                self.switch.kill()
                self.switch.wait()
        text = open(self.switch_log, errors='replace').read()
        return text.split('==== final stats ====')[-1]

    def cleanup(self):
        for g in self.guests:
            g.kill()
        if self.switch and self.switch.poll() is None:
            self.switch.kill()
            self.switch.wait()
        for f in glob.glob(f'/dev/hugepages/{self.prefix}map_*'):
            os.unlink(f)
        shutil.rmtree(f'/var/run/dpdk/{self.prefix}', ignore_errors=True)
        if self.keep_logs:
            say(f'logs kept in {self.dir}')
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def run(self):
        say('switch with two net_vhost_pci ports, two QEMU guests (Linux virtio_net) on them')
        try:
            self.start_switch()
            self.start_guests()
            received = self.ping_both_ways()
            for g in self.guests:
                g.stop()
            final = self.stop_switch()
        finally:
            self.cleanup()
        ports = re.findall(r'port (\d+) \((.*?)\), link \w+\n  switch: rx (\d+)  tx (\d+)', final)
        learned = re.search(r'learned (\d+)', final)
        print('\n==== vm2vm-demo --vms summary ====')
        for (name, ip), got in zip(GUESTS, received):
            print(f'vm{name} ({ip}): {got} of {self.pings} pings answered')
        for p, dev, rx, tx in ports:
            print(f'switch port {p} ({dev}): rx {rx}, tx {tx}')
        print(f'FDB learned {learned.group(1) if learned else "?"} MACs')
        ok = all(r == self.pings for r in received)
        print('the guests reached each other through the switch' if ok
              else 'pings were lost: see the logs (--keep-logs)')
        return ok
