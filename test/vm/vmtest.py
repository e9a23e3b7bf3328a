# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Shared by the vm suite: skipping when QEMU cannot run, a dpdk-testpmd
back-end with net_vhost ports, and cleanup of everything a test started."""

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'usertools'))

import vm2vm_guest  # noqa: E402
from vm2vm_guest.qemu import QEMU  # noqa: E402

SKIP = 77
TESTPMD = shutil.which('dpdk-testpmd') or '/usr/bin/dpdk-testpmd'
BOOT_TIMEOUT = 240      # TCG on a shared 2-core machine: 5-20 s is usual


def log(msg):
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', flush=True)


def skip(reason):
    print(f'SKIP: {reason}', flush=True)
    sys.exit(SKIP)


def require_qemu():
    """Skip (77) only when a guest cannot run at all on this machine."""
    if not os.access(QEMU, os.X_OK):
        skip(f'{QEMU} not installed (usertools/vm2vm-setup installs qemu-system-x86)')
    if not os.path.exists('/bin/busybox'):
        skip('busybox-static not installed (usertools/vm2vm-setup installs it)')
    if os.geteuid() != 0:
        skip('needs root (hugepages for the DPDK back-end)')


def workdir(tag):
    # Short: unix socket paths are limited to 107 bytes.
    return tempfile.mkdtemp(prefix=f'vm-{tag}-', dir='/tmp')


class Testpmd:
    """dpdk-testpmd with one net_vhost port per socket. server: testpmd
    listens (QEMU is the client), else it connects to QEMU's socket."""

    def __init__(self, tag, wdir, sockets, fwd='icmpecho', queues=1, server=True,
                 extra=()):
        self.prefix = f'vm-{tag}-{os.getpid()}'
        self.sockets = sockets
        self.server = server
        self.out_path = os.path.join(wdir, f'testpmd-{tag}.log')
        cmd = [TESTPMD, '--no-pci', '-m', '256', '--lcores', '0@1,1@0',
               '--file-prefix', self.prefix, '--log-level', 'lib.eal:error']
        for i, s in enumerate(sockets):
            cmd += ['--vdev', f'net_vhost{i},iface={s},queues={queues}'
                    + ('' if server else ',client=1')]
        cmd += ['--', f'--forward-mode={fwd}', f'--rxq={queues}', f'--txq={queues}',
                '--nb-cores=1', '--total-num-mbufs=16384', '--disable-link-check', *extra]
        self.out = open(self.out_path, 'w+')
        # stdin is a pipe kept open: without -i testpmd runs until it reads
        # end-of-file or a newline there.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self.out,
                                     stderr=subprocess.STDOUT)
        log(f'testpmd pid {self.proc.pid}: {" ".join(cmd)}')

    def wait_listening(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f'testpmd exited {self.proc.returncode}:\n{self.output()}')
            if not self.server or all(os.path.exists(s) for s in self.sockets):
                return
            time.sleep(0.2)
        raise RuntimeError(f'testpmd not listening after {timeout} s:\n{self.output()}')

    def output(self):
        self.out.flush()
        with open(self.out_path, errors='replace') as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b'\n')
                self.proc.stdin.close()
                self.proc.wait(20)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        for f in glob.glob(f'/dev/hugepages/{self.prefix}map_*'):
            os.unlink(f)
        shutil.rmtree(f'/var/run/dpdk/{self.prefix}', ignore_errors=True)
        for s in self.sockets:
            if os.path.exists(s):
                os.unlink(s)


def ping_received(output):
    """(transmitted, received) from busybox ping's summary, or (0, 0)."""
    import re
    m = re.search(r'(\d+) packets transmitted, (\d+) packets received', output)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)
