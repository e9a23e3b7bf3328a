# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Pieces of the ivshmem-plain tests (iv_guest.py): the link file, a host
dpdk-testpmd on the host flavour of it, and DPDK in a guest that sees the
same file as QEMU's ivshmem-plain device."""

import os
import re
import time

from vmtest import BOOT_TIMEOUT, TESTPMD, log, vm2vm_guest
from vm2vm_guest import dpdk
from vp_backend import ROOT, DpdkProcess, VpTestpmd, eal_args

BUILD = os.path.join(ROOT, 'build')
IV2_SO = os.environ.get('IV2_SO') or os.path.join(BUILD, 'drivers', 'librte_net_ivshmem2.so')
INTEGRITY = os.environ.get('IV2_INTEGRITY') or os.path.join(
    BUILD, 'examples', 'ivshmem2-integrity', 'ivshmem2-integrity')
HOSTILE = os.environ.get('IV2_HOSTILE') or os.path.join(
    BUILD, 'test', 'ivshmem2', 'ivshmem2-hostile-peer')
SWITCH = os.environ.get('VM2VM_SWITCH') or os.path.join(
    BUILD, 'app', 'vm2vm-switch', 'dpdk-vm2vm-switch')
GUEST_SO = '/opt/vm2vm/librte_net_ivshmem2.so'
GUEST_INTEGRITY = '/opt/vm2vm/ivshmem2-integrity'
GUEST_SWITCH = '/opt/vm2vm/dpdk-vm2vm-switch'

# QEMU wants a power-of-two BAR; on 2 MiB hugepages every section is a
# multiple of 2 MiB: 2 + 2 + 2 x 6 = 16 MiB. The guest derives out_size
# from the BAR.
SHM_SIZE = 16 << 20
HOST_SIZES = 'state_size=2M,rw_size=2M,out_size=6M'
GUEST_SIZES = 'state_size=2M,rw_size=2M'
GUEST_HUGEPAGES = 64


def shm_path(tag):
    # not *map_*: EAL deletes unlocked hugetlbfs files named like its own
    return f'/dev/hugepages/vm2vm-ivp-{tag}-{os.getpid()}'


def make_file(path, size=SHM_SIZE):
    """A zeroed link file, for links with no host process to create it."""
    with open(path, 'w') as f:
        os.ftruncate(f.fileno(), size)


def image():
    return dpdk.build_image(log, files={GUEST_SO: IV2_SO, GUEST_INTEGRITY: INTEGRITY,
                                        GUEST_SWITCH: SWITCH})


class HostPort(VpTestpmd):
    """Interactive dpdk-testpmd on net_ivshmem2's host flavour (peer 0)."""

    def __init__(self, tag, wdir, shm, fwd, devargs=HOST_SIZES, peer_id=0):
        argv = [TESTPMD] + eal_args(tag) + [
            '-d', IV2_SO, '--vdev', f'net_ivshmem2_0,shm={shm},id={peer_id},{devargs}',
            # 'type,level': the 'type:level' form did not reach a type that a -d
            # plugin registers (seen with DPDK 22.11.11)
            '--log-level', 'pmd.net.ivshmem2,7',
            '--', '-i', '--auto-start', f'--forward-mode={fwd}', '--txpkts=64',
            '--total-num-mbufs=16384', '--disable-link-check']
        DpdkProcess.__init__(self, tag, wdir, argv)
        self.wait_for(r'testpmd> ', 60)

    def port_stats(self):
        text = self.query('show port stats 0')
        return {k: int(v) for k, v in re.findall(r'(RX-packets|TX-packets): (\d+)', text)}

    def wait_link_timed(self, up, timeout):
        """wait_link, returning how long it took."""
        t0 = time.monotonic()
        self.wait_link(up, timeout=timeout)
        return time.monotonic() - t0


class GuestPort:
    """A guest with ivshmem-plain devices, prepared for DPDK, that runs
    dpdk-testpmd (non-interactive, in the background) on one of them."""

    def __init__(self, name, wdir, img, shms, nics=(), driver='uio_pci_generic'):
        self.g = vm2vm_guest.Guest(name, wdir, image=img, smp=2, mem_mb=512, shms=shms,
                                   nics=nics, log=log)
        self.shms = shms
        self.name = name
        self.driver = driver        # uio_pci_generic or vfio-pci (no-IOMMU mode)

    def boot(self):
        self.g.start()
        self.g.wait_ready(BOOT_TIMEOUT)
        log(f'{self.name} ready in {self.g.boot_seconds:.1f} s')
        self.g.check(dpdk.prepare_script(GUEST_HUGEPAGES), timeout=60)
        for s in self.shms:
            self.bind(s.pci_addr)
        return self

    def bind(self, addr):
        drv = self.g.check(dpdk.bind_script(addr, self.driver), timeout=60).strip()
        if drv != self.driver:
            raise RuntimeError(f'{addr} bound to {drv!r}')

    def find_pci(self, vendor, device):
        """PCI addresses of the guest's devices with these IDs ('0x1af4', '0x1000')."""
        out = self.g.check('for d in /sys/bus/pci/devices/*; do '
                           f'[ "$(cat $d/vendor)" = {vendor} ] && [ "$(cat $d/device)" = {device} ]'
                           ' && basename $d; done; true', timeout=30)
        return out.split()

    def eal(self, dev, devargs, prefix='g'):
        return (f'-l 0,1 -m 64 --file-prefix {prefix} -a {dev.pci_addr},{devargs} '
                '--log-level pmd.net.ivshmem2,7')

    def start_testpmd(self, fwd, devargs, dev=None, tag='tp', eal=None, extra=''):
        """testpmd in the background; @eal replaces the ivshmem device and our -d plugin,
        @extra is added to testpmd's own options."""
        dev = dev or (self.shms[0] if self.shms else None)
        eal = eal or f'{self.eal(dev, devargs, tag)} -d {GUEST_SO}'
        cmd = (f'cd /tmp; dpdk-testpmd {eal} '
               f'-- --forward-mode={fwd} --txpkts=64 --total-num-mbufs=4096 --stats-period 10 '
               f'{extra} > /tmp/{tag}.log 2>&1 & echo $! > /tmp/{tag}.pid')
        self.g.check(cmd, timeout=30)

    def log_text(self, tag='tp'):
        return self.g.run(f'cat /tmp/{tag}.log', timeout=30)[1]

    def wait_log(self, pattern, timeout, tag='tp'):
        """Wait until @pattern (grep -E) is in the log; the matching lines."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                rc, out = self.g.run(f'grep -aE "{pattern}" /tmp/{tag}.log', timeout=30)
            except vm2vm_guest.GuestError:
                # A TCG guest on a loaded host may miss one answer while its
                # testpmd starts; a dead or wedged one misses them all.
                if not self.g.alive() or time.monotonic() >= deadline:
                    raise
                continue
            if rc == 0:
                return out
            time.sleep(2)
        raise RuntimeError(f'{self.name}: no {pattern!r} in {tag}.log after {timeout} s:\n'
                           + self.log_text(tag)[-3000:])

    def running(self, tag='tp'):
        return self.g.run(f'kill -0 $(cat /tmp/{tag}.pid)', timeout=30)[0] == 0

    def end_testpmd(self, tag='tp'):
        """SIGINT, and wait until it has exited (it frees its hugepages)."""
        self.g.run(f'kill -INT $(cat /tmp/{tag}.pid); '
                   f'for i in $(seq 120); do kill -0 $(cat /tmp/{tag}.pid) 2>/dev/null || break; '
                   'sleep 0.5; done', timeout=90)

    def stop_testpmd(self, tag='tp'):
        """end_testpmd; the totals testpmd printed."""
        self.end_testpmd(tag)
        text = self.log_text(tag)
        acc = text.split('Accumulated forward statistics')[-1]
        totals = {k: int(v) for k, v in re.findall(r'(RX-packets|TX-packets): (\d+)', acc)}
        if 'Bye' not in text or not totals:
            raise RuntimeError(f'{self.name}: testpmd did not exit cleanly:\n{text[-3000:]}')
        return totals, text

    @staticmethod
    def stream_rx(text):
        """{RX queue: RX-packets} from testpmd's per-stream totals (several streams only)."""
        return {int(q): int(n) for q, n in re.findall(
            r'RX Port= *\d+/Queue= *(\d+) -> TX Port= *\d+/Queue= *\d+ -+\s*RX-packets: *(\d+)',
            text)}

    def kill(self):
        self.g.kill()
