#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Multi-process test: the switch with two VM ports (net_memif servers) and
two peer processes (dpdk-testpmd, memif clients, mac mode, --tx-first,
each other's MAC as --eth-peer). Asserted through the switch's telemetry
and counters: both MACs learned on the right ports, traffic both ways; then
peer B is killed (a VM dying): its port goes down and loses its FDB
entries while the switch keeps running; B restarts and traffic resumes.

usage: multiprocess.py SWITCH_BINARY
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from swtest import check, cleanup_prefix, telemetry

MACS = ['02:00:00:00:0a:01', '02:00:00:00:0b:01']
TESTPMD = shutil.which('dpdk-testpmd') or '/usr/bin/dpdk-testpmd'


class Test:
    def __init__(self, binary):
        self.binary = binary
        self.tag = str(os.getpid())
        self.dir = tempfile.mkdtemp(prefix='sw-mp-')
        self.prefixes = []
        self.procs = []

    def prefix(self, name):
        p = f'sw-mp-{name}-{self.tag}'
        self.prefixes.append(p)
        return p

    def sock(self, i):
        return f'/vm2vm-sw-mp-{self.tag}-{i}.sock'

    def start_switch(self):
        self.sw_prefix = self.prefix('switch')
        cmd = [self.binary, '--no-pci', '-m', '128', '--huge-unlink', '--lcores', '0@0,1@1',
               '--file-prefix', self.sw_prefix, '--log-level', 'lib.eal:error']
        for i in range(2):
            cmd += ['--vdev', f'net_memif{i},role=server,id=0,socket={self.sock(i)}']
        cmd += ['--', '--run-time', '14', '--total-num-mbufs', '16384', '--rxd', '512',
                '--txd', '512']
        self.sw_out = open(os.path.join(self.dir, 'switch.log'), 'w+')
        self.sw = subprocess.Popen(cmd, stdout=self.sw_out, stderr=subprocess.STDOUT)
        self.procs.append(self.sw)

    def start_peer(self, i, n=0):
        cmd = [TESTPMD, '--no-pci', '--in-memory', '-m', '64', '--lcores', '0@0,1@0',
               '--file-prefix', self.prefix(f'vm{i}-{n}'), '--log-level', 'lib.eal:error',
               '--vdev', f'net_memif0,role=client,id=0,socket={self.sock(i)},mac={MACS[i]}',
               '--', '--forward-mode=mac', f'--eth-peer=0,{MACS[1 - i]}', '--tx-first',
               '--burst=64', '--stats-period', '100', '--total-num-mbufs=4096']
        log = open(os.path.join(self.dir, f'vm{i}-{n}.log'), 'w')
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def log(self):
        self.sw_out.flush()
        with open(self.sw_out.name) as f:
            return f.read()

    def wait_for(self, what, pred, secs):
        end = time.time() + secs
        while time.time() < end:
            try:
                v = pred()
                if v:
                    return v
            except (OSError, KeyError, ValueError):
                pass
            time.sleep(0.25)
        raise AssertionError(f'timed out waiting for {what}\n--- switch log\n{self.log()}')

    def port_rx(self, port):
        return telemetry(self.sw_prefix, '/vm2vm/stats')[f'port_{port}']['rx']

    def fdb(self):
        return telemetry(self.sw_prefix, '/vm2vm/fdb')['entries']

    def run(self):
        self.start_switch()
        self.wait_for('the switch', lambda: 'lcore map' in self.log(), 15)
        self.start_peer(0)
        peer_b = self.start_peer(1)
        self.wait_for('traffic on both ports',
                      lambda: self.port_rx(0) > 500 and self.port_rx(1) > 500, 10)
        entries = self.fdb()
        check(any(e.startswith(f'{MACS[0]} port 0 learned') for e in entries),
              f'A not learned on port 0: {entries}')
        check(any(e.startswith(f'{MACS[1]} port 1 learned') for e in entries),
              f'B not learned on port 1: {entries}')
        lc = telemetry(self.sw_prefix, '/vm2vm/lcores')
        check(lc['lcore_1']['rx_queues'] == '(0,0),(1,0)', f'lcore map in telemetry: {lc}')
        check(lc['lcore_1']['fdb_hits'] > 0, 'no FDB hits')

        # VM B dies: its port goes down and its MAC leaves the FDB; the switch lives on.
        peer_b.kill()
        peer_b.wait()
        self.wait_for('port 1 down with its FDB entry flushed',
                      lambda: re.search(r'port 1: link down, 1 FDB entries flushed', self.log()),
                      8)
        check(not any(e.startswith(MACS[1]) for e in self.fdb()), 'B still in the FDB')
        check(self.sw.poll() is None, 'the switch died with its peer')

        # VM B comes back: link up, traffic again.
        before = self.port_rx(1)
        self.start_peer(1, 1)
        self.wait_for('traffic after B restarted', lambda: self.port_rx(1) > before + 500, 10)

        rc = self.sw.wait(timeout=30)
        out = self.log()
        print(out)
        check(rc == 0, f'switch exit status {rc}')
        check('==== final stats ====' in out, 'no final stats')

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for pre in self.prefixes:
            cleanup_prefix(pre)
        shutil.rmtree(self.dir, ignore_errors=True)


if __name__ == '__main__':
    if os.geteuid() != 0:
        print('multiprocess.py: needs root (hugepages)')
        sys.exit(77)
    t = Test(sys.argv[1])
    try:
        t.run()
    finally:
        t.cleanup()
    print('PASS')
