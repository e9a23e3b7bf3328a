# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""The guest image: kernel + initramfs in the cache, built once.

Layout under the cache root ($VM2VM_GUEST_CACHE, default
/var/cache/vm2vm-guest):
    <kernel version>/kernel/            vmlinuz, modules/, modules.order
    <kernel version>/initramfs-<flavour>-<key>.cpio.gz
    <kernel version>/lock               serialises concurrent builds
The key hashes everything the initramfs is made from (this package's
sources, the busybox binary, the modules, any extra trees), so changing the
kit rebuilds it. A flavour is an image with extra trees (e.g. 'dpdk' with a
DPDK build in it); each flavour keeps its own newest initramfs.
"""

import fcntl
import hashlib
import os
import subprocess
import time
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


def _tree_hash(h, trees):
    for dest, src in sorted(trees.items()):
        for root, dirs, files in os.walk(src):
            dirs.sort()
            for n in sorted(files):
                p = os.path.join(root, n)
                h.update(f'{dest}/{os.path.relpath(p, src)}'.encode() + b'\0')
                if os.path.islink(p):
                    h.update(os.readlink(p).encode())
                elif os.path.isfile(p):
                    with open(p, 'rb') as f:
                        h.update(hashlib.sha256(f.read()).digest())


def _kit_hash(kdir, modules, trees):
    h = hashlib.sha256()
    _tree_hash(h, trees)
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


STALE_SECONDS = 24 * 3600


def _evict(cdir, stem, keep, log):
    """Remove this flavour's other initramfs files once unused for a day.

    Not at once: checkouts of different kit versions (worktrees, branches)
    share the cache, and each must not delete an image the other is about
    to boot; ensure() refreshes the mtime of the one it hands out.
    """
    now = time.time()
    for name in os.listdir(cdir):
        path = os.path.join(cdir, name)
        if name.startswith(stem) and path != keep:
            try:
                if now - os.stat(path).st_mtime > STALE_SECONDS:
                    os.unlink(path)
                    log(f'removed {name} (unused for a day)')
            except FileNotFoundError:
                pass


def ensure(log=lambda msg: None, version=None, flavour='base', trees=None):
    """Build what is missing and return the Image. Safe to call concurrently.

    trees: {path in the guest: host directory} copied into the image, e.g.
    {'/opt/dpdk': '/work/dpdk-install'}, under a flavour name of their own.
    """
    trees = trees or {}
    version = version or os.environ.get('VM2VM_GUEST_KERNEL') or kernel.package_version()
    cdir = os.path.join(cache_root(), version)
    os.makedirs(cdir, exist_ok=True)
    with open(os.path.join(cdir, 'lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kdir, modules = kernel.prepare(cdir, log)
        key = _kit_hash(kdir, modules, trees)
        stem = f'initramfs-{flavour}-'
        initrd = os.path.join(cdir, f'{stem}{key}.cpio.gz')
        if os.path.exists(initrd):
            os.utime(initrd)        # in use: not stale for _evict()
            log(f'initramfs up to date: {initrd}')
        else:
            def add_trees(fs):
                for dest, src in trees.items():
                    fs.add_tree(dest, src)
            size = compose(kdir, modules, add_trees).write(initrd)
            log(f'built {initrd} ({size >> 10} KiB)')
        _evict(cdir, stem, initrd, log)
    return Image(version, os.path.join(kdir, 'vmlinuz'), initrd, cdir)
