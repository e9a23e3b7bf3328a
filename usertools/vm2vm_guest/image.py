# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""The guest image: kernel + initramfs in the cache, built once.

Layout under the cache root ($VM2VM_GUEST_CACHE, default
/var/cache/vm2vm-guest):
    <kernel version>/kernel/            vmlinuz, modules/, modules.order
    <kernel version>/initramfs-<key>.cpio.gz
    <kernel version>/lock               serialises concurrent builds
The key hashes everything the initramfs is made from (this package's
sources, the busybox binary, the modules), so changing the kit rebuilds it.
"""

import fcntl
import hashlib
import os
import subprocess
from dataclasses import dataclass

from . import kernel
from .initramfs import Initramfs

BUSYBOX = '/bin/busybox'
_HERE = os.path.dirname(os.path.abspath(__file__))
# What the initramfs is made by; a change in any of them rebuilds it.
_IMAGE_SOURCES = ('init.sh', 'image.py', 'initramfs.py', 'cpio.py', 'kernel.py')


def cache_root():
    return os.environ.get('VM2VM_GUEST_CACHE', '/var/cache/vm2vm-guest')


@dataclass
class Image:
    version: str
    kernel: str
    initrd: str
    cache_dir: str


def _kit_hash(kdir, modules):
    h = hashlib.sha256()
    for name in _IMAGE_SOURCES:
        with open(os.path.join(_HERE, name), 'rb') as f:
            h.update(name.encode() + b'\0' + f.read())
    for path in [BUSYBOX] + [os.path.join(kdir, 'modules', m + '.ko') for m in modules]:
        with open(path, 'rb') as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()[:16]


def busybox_applets():
    """Applet paths busybox installs ('bin/sh', 'sbin/insmod', ...)."""
    out = subprocess.run([BUSYBOX, '--list-full'], capture_output=True, text=True,
                         check=True).stdout
    return out.split()


def _static(path):
    with open(path, 'rb') as f:
        head = f.read(1 << 16)
    return b'ld-linux' not in head and b'/lib64/ld' not in head


def compose(kdir, modules, extra=None):
    """The initramfs contents: busybox, /init, modules; extra(fs) may add more."""
    if not _static(BUSYBOX):
        raise RuntimeError(f'{BUSYBOX} is not static: install busybox-static')
    fs = Initramfs()
    for d in ('dev', 'proc', 'sys', 'tmp', 'run', 'root', 'etc/vm2vm'):
        fs.add_dir(d)
    fs.add_host_file('bin/busybox', BUSYBOX, 0o755)
    for applet in busybox_applets():
        if applet != 'bin/busybox':
            fs.add_symlink(applet, '/bin/busybox')
    fs.add_host_file('init', os.path.join(_HERE, 'init.sh'), 0o755)
    fs.add_file('etc/vm2vm/modules', ('\n'.join(modules) + '\n').encode())
    for m in modules:
        fs.add_host_file(f'lib/modules/{m}.ko', os.path.join(kdir, 'modules', m + '.ko'), 0o644)
    if extra:
        extra(fs)
    return fs


def ensure(log=lambda msg: None, version=None):
    """Build what is missing and return the Image. Safe to call concurrently."""
    version = version or os.environ.get('VM2VM_GUEST_KERNEL') or kernel.package_version()
    cdir = os.path.join(cache_root(), version)
    os.makedirs(cdir, exist_ok=True)
    with open(os.path.join(cdir, 'lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kdir, modules = kernel.prepare(cdir, log)
        key = _kit_hash(kdir, modules)
        initrd = os.path.join(cdir, f'initramfs-{key}.cpio.gz')
        if os.path.exists(initrd):
            log(f'initramfs up to date: {initrd}')
        else:
            size = compose(kdir, modules).write(initrd)
            log(f'built {initrd} ({size >> 10} KiB)')
            for old in os.listdir(cdir):
                if old.startswith('initramfs-') and os.path.join(cdir, old) != initrd:
                    os.unlink(os.path.join(cdir, old))
                    log(f'removed stale {old}')
    return Image(version, os.path.join(kdir, 'vmlinuz'), initrd, cdir)
