# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Back-ends the vm suite runs against real guests: stock dpdk-testpmd with
our net_vhost_pci loaded with -d (interactive, so a test can read xstats,
link state and the mbuf pool while it runs), and dpdk-vm2vm-switch."""

import glob
import os
import re
import shutil
import subprocess
import time

from vmtest import TESTPMD, log

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
VP_SO = os.environ.get('VP_SO') or os.path.join(ROOT, 'build', 'drivers',
                                                 'librte_net_vhost_pci.so')
SWITCH = os.environ.get('VM2VM_SWITCH') or os.path.join(ROOT, 'build', 'app', 'vm2vm-switch',
                                                        'dpdk-vm2vm-switch')
# testpmd's "show port stats" ends with a rule of '#': a sentinel after a query.
STATS_END = re.compile(r'\n  #{60,}\n')


class DpdkProcess:
    """A DPDK process with its own file prefix, output in a log file, and
    everything it leaves (hugepage files, runtime dir, sockets) removed."""

    def __init__(self, tag, wdir, argv, sockets=(), stdin=subprocess.PIPE):
        self.tag = tag
        self.sockets = list(sockets)
        self.log_path = os.path.join(wdir, f'{tag}.log')
        self.out = open(self.log_path, 'w+')
        # line-buffered: the tests read the log while the process runs
        argv = ['stdbuf', '-oL', '-eL'] + argv
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=self.out,
                                     stderr=subprocess.STDOUT)
        log(f'{tag} pid {self.proc.pid}: {" ".join(argv)}')

    def output(self):
        if not self.out.closed:
            self.out.flush()
        with open(self.log_path, errors='replace') as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def wait_for(self, pattern, timeout, start=0):
        """Wait until @pattern appears in the log after offset @start; the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.compile(pattern).search(self.output(), start)
            if m:
                return m
            if not self.alive():
                raise RuntimeError(f'{self.tag} exited {self.proc.returncode}:\n'
                                   f'{self.output()[-3000:]}')
            time.sleep(0.2)
        raise RuntimeError(f'{self.tag}: no {pattern!r} after {timeout} s:\n'
                           f'{self.output()[-3000:]}')

    def wait_sockets(self, timeout=60):
        deadline = time.monotonic() + timeout
        while not all(os.path.exists(s) for s in self.sockets):
            if not self.alive() or time.monotonic() > deadline:
                raise RuntimeError(f'{self.tag} is not listening:\n{self.output()[-3000:]}')
            time.sleep(0.2)

    def stop(self, sig_first=True):
        if self.alive():
            try:
                if sig_first:
                    self.proc.send_signal(2)
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        prefix = f'vm-{self.tag}-{os.getpid()}'
        for f in glob.glob(f'/dev/hugepages/{prefix}map_*'):
            os.unlink(f)
        shutil.rmtree(f'/var/run/dpdk/{prefix}', ignore_errors=True)
        for s in self.sockets:
            if os.path.exists(s):
                os.unlink(s)


def eal_args(tag, lcores='0@1,1@0', mem=256):
    return ['--no-pci', '-m', str(mem), '--lcores', lcores,
            '--file-prefix', f'vm-{tag}-{os.getpid()}', '--log-level', 'lib.eal:error']


class VpTestpmd(DpdkProcess):
    """dpdk-testpmd answering pings (icmpecho) on net_vhost_pci ports.
    client: we connect to QEMU's socket (QEMU server=on)."""

    def __init__(self, tag, wdir, sockets, queues=1, client=False, mtu=None):
        argv = [TESTPMD] + eal_args(tag) + ['-d', VP_SO]
        for i, s in enumerate(sockets):
            argv += ['--vdev', f'net_vhost_pci{i},iface={s},queues={queues}'
                     + (',client=1' if client else '')]
        argv += ['--', '-i', '--auto-start', '--forward-mode=icmpecho', f'--rxq={queues}',
                 f'--txq={queues}', '--nb-cores=1', '--total-num-mbufs=16384']
        if mtu:
            argv += [f'--max-pkt-len={mtu + 18}']
        super().__init__(tag, wdir, argv, [] if client else sockets)
        self.wait_for(r'testpmd> ', 60)
        if not client:
            self.wait_sockets()

    def query(self, cmd, timeout=30):
        """Output of interactive @cmd (followed by a stats sentinel)."""
        start = len(self.output())
        self.proc.stdin.write(f'{cmd}\nshow port stats 0\n'.encode())
        self.proc.stdin.flush()
        end = self.wait_for(STATS_END.pattern, timeout, start)
        return self.output()[start:end.end()]

    def xstats(self, port=0):
        text = self.query(f'show port xstats {port}')
        return {k: int(v) for k, v in re.findall(r'^(\w+): (\d+)$', text, re.M)}

    def link_up(self, port=0):
        text = self.query(f'show port info {port}')
        m = re.search(r'Link status: (\w+)', text)
        return m is not None and m.group(1) == 'up'

    def wait_link(self, up, port=0, timeout=60):
        deadline = time.monotonic() + timeout
        while self.link_up(port) != up:
            if time.monotonic() > deadline:
                raise RuntimeError(f'port {port} link not {"up" if up else "down"} '
                                   f'after {timeout} s')
            time.sleep(0.5)

    def mbufs_in_use(self):
        """mbufs of testpmd's pool neither in the pool nor in a per-lcore cache."""
        text = self.query('dump_mempool')
        size = int(re.search(r'\n  size=(\d+)', text).group(1))
        cached = int(re.search(r'total_cache_count=(\d+)', text).group(1))
        common = int(re.search(r'common_pool_count=(\d+)', text).group(1))
        return size - cached - common

    def stop(self, sig_first=True):
        if self.alive():
            try:
                self.proc.stdin.write(b'quit\n')
                self.proc.stdin.flush()
                self.proc.wait(20)
            except (OSError, subprocess.TimeoutExpired):
                pass
        super().stop(sig_first)


def violations(xs):
    """Counters that must stay 0 with an honest front-end: protocol and ring violations."""
    bad = {k: v for k, v in xs.items()
           if v and (k.startswith('vhost_violation_') or '_ring_bad' in k
                     or k == 'ring_violation_disconnects' or k.endswith('_not_outstanding'))}
    return bad


def queue_packets(xs, direction, q):
    return xs.get(f'{direction}_q{q}_packets', 0)


class Switch(DpdkProcess):
    """dpdk-vm2vm-switch (l2learn) over the given vdevs, stats every few seconds."""

    def __init__(self, tag, wdir, vdevs, sockets=(), mtu=None, extra_eal=()):
        argv = [SWITCH] + eal_args(tag, lcores='0@0,1@1', mem=512) + ['-d', VP_SO]
        argv += list(extra_eal)
        for v in vdevs:
            argv += ['--vdev', v]
        argv += ['--', '--stats-period', '5', '--total-num-mbufs', '16384']
        if mtu:
            argv += ['--max-pkt-len', str(mtu + 18), '--mbuf-size', str(mtu + 18 + 256)]
        super().__init__(tag, wdir, argv, sockets, stdin=subprocess.DEVNULL)
        self.wait_for(r'lcore map', 60)
        self.wait_sockets()

    def final_stats(self):
        self.stop()
        return self.output().split('==== final stats ====')[-1]
