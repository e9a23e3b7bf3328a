# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""QEMU command lines for the test guest: machine, memory, serial ports and
vhost-user virtio-net NICs. Pure functions, so tests can check them without
running QEMU."""

import os
import shutil
from dataclasses import dataclass
from typing import Optional

# VM2VM_QEMU runs another build (e.g. a newer QEMU) instead of the distribution's.
QEMU = (os.environ.get('VM2VM_QEMU') or shutil.which('qemu-system-x86_64')
        or '/usr/bin/qemu-system-x86_64')


@dataclass
class Nic:
    """One vhost-user virtio-net NIC.

    server: QEMU listens on socket (the back-end connects as a client);
    otherwise QEMU connects to the back-end, retrying every second.
    ip: 'ADDR/LEN' set by the guest's init; mtu: set by init too (host_mtu
    only advertises a maximum through VIRTIO_NET_F_MTU).
    """
    socket: str
    server: bool = False
    queues: int = 1
    packed: bool = False
    mrg_rxbuf: bool = True
    host_mtu: Optional[int] = None
    mac: Optional[str] = None
    ip: Optional[str] = None
    mtu: Optional[int] = None


@dataclass
class Shm:
    """QEMU's ivshmem-plain device on a host file (hugetlbfs or /dev/shm): the
    guest sees 1AF4:1110 at pci_addr with BAR2 = the file's first size bytes.
    size must be a power of two (QEMU asserts it) and at most the file's size;
    QEMU creates the file when it does not exist."""
    path: str
    size: int
    slot: int = 0x10

    @property
    def pci_addr(self):
        return f'0000:00:{self.slot:02x}.0'


def shm_args(i, shm):
    if shm.size <= 0 or shm.size & (shm.size - 1):
        raise ValueError(f'ivshmem size {shm.size} is not a power of two')
    return ['-object', f'memory-backend-file,id=shm{i},share=on,mem-path={shm.path},'
            f'size={shm.size}',
            '-device', f'ivshmem-plain,memdev=shm{i},addr={shm.slot:#x}']


def default_mac(guest_no, nic_no):
    return f'52:54:00:{guest_no >> 8 & 0xff:02x}:{guest_no & 0xff:02x}:{nic_no + 1:02x}'


def nic_args(i, nic, accel):
    chardev = f'socket,id=vu{i},path={nic.socket}'
    chardev += ',server=on,wait=off' if nic.server else ',reconnect=1'
    dev = f'virtio-net-pci,netdev=n{i},mac={nic.mac},romfile='
    if accel == 'tcg':
        # No MSI-X under TCG: with vectors QEMU 7.2 segfaults in virtio-pci's
        # irqfd set-up when the guest driver probes a vhost-user device
        # (TCG has no irqfd; the fallback path crashes). INTx works.
        dev += ',vectors=0'
    if nic.queues > 1:
        dev += ',mq=on'
    if nic.packed:
        dev += ',packed=on'
    if not nic.mrg_rxbuf:
        dev += ',mrg_rxbuf=off'
    if nic.host_mtu:
        dev += f',host_mtu={nic.host_mtu}'
    return ['-chardev', chardev,
            '-netdev', f'vhost-user,id=n{i},chardev=vu{i},queues={nic.queues}',
            '-device', dev]


def kernel_cmdline(nics, extra=''):
    args = ['console=ttyS0', 'panic=-1', 'loglevel=4']
    for nic in nics:
        spec = f'{nic.mac},{nic.ip or ""}' + (f',{nic.mtu}' if nic.mtu else '')
        args.append(f'vm2vm.if={spec}')
    return ' '.join(args + ([extra] if extra else []))


def command(image, accel, mem_mb, smp, console_log, channel_sock, nics, append_extra='',
            shms=(), qmp_sock=None):
    """argv for one guest. ttyS0 -> console_log; ttyS1 -> channel_sock
    (a unix socket the host listens on, so nothing the guest says is lost);
    qmp_sock: QEMU listens there for QMP (see qmp.py)."""
    cpu = 'host' if accel == 'kvm' else 'max'
    argv = [QEMU, '-machine', f'pc,accel={accel}', '-cpu', cpu, '-m', str(mem_mb),
            '-smp', str(smp),
            # vhost-user back-ends map guest memory: it must be a shared fd.
            '-object', f'memory-backend-memfd,id=mem,size={mem_mb}M,share=on',
            '-numa', 'node,memdev=mem',
            '-display', 'none', '-nodefaults', '-no-user-config', '-monitor', 'none',
            '-no-reboot',
            '-kernel', image.kernel, '-initrd', image.initrd,
            '-append', kernel_cmdline(nics, append_extra),
            '-chardev', f'file,id=con,path={console_log}', '-serial', 'chardev:con']
    if channel_sock:
        argv += ['-chardev', f'socket,id=cmd,path={channel_sock}', '-serial', 'chardev:cmd']
    if qmp_sock:
        argv += ['-qmp', f'unix:{qmp_sock},server=on,wait=off']
    for i, nic in enumerate(nics):
        argv += nic_args(i, nic, accel)
    for i, shm in enumerate(shms):
        argv += shm_args(i, shm)
    return argv
