# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""An initramfs under construction: a set of files, directories and symlinks
that is written out as a gzipped cpio.

Callers add what the guest needs; DPDK in the guest later is one more
add_tree() call (binaries, libraries) on the same object.
"""

import gzip
import os
import stat

from . import cpio


class Initramfs:
    def __init__(self):
        self._entries = {}          # path -> (mode, data)

    def _parents(self, path):
        parts = path.split('/')[:-1]
        for i in range(1, len(parts) + 1):
            d = '/'.join(parts[:i])
            self._entries.setdefault(d, (stat.S_IFDIR | 0o755, b''))

    def add_dir(self, path, mode=0o755):
        path = path.strip('/')
        self._parents(path)
        self._entries[path] = (stat.S_IFDIR | mode, b'')

    def add_file(self, path, data, mode=0o644):
        path = path.strip('/')
        self._parents(path)
        self._entries[path] = (stat.S_IFREG | mode, data)

    def add_host_file(self, path, src, mode=None):
        with open(src, 'rb') as f:
            data = f.read()
        self.add_file(path, data, mode if mode is not None else os.stat(src).st_mode & 0o777)

    def add_symlink(self, path, target):
        path = path.strip('/')
        self._parents(path)
        self._entries[path] = (stat.S_IFLNK | 0o777, target.encode())

    def add_tree(self, dest, src):
        """Copy the host directory src (files, dirs, symlinks) to dest."""
        for root, dirs, files in os.walk(src):
            rel = os.path.relpath(root, src)
            base = dest.strip('/') if rel == '.' else f"{dest.strip('/')}/{rel}"
            self.add_dir(base)
            for n in dirs + files:
                p = os.path.join(root, n)
                if os.path.islink(p):
                    self.add_symlink(f'{base}/{n}', os.readlink(p))
                elif os.path.isfile(p):
                    self.add_host_file(f'{base}/{n}', p)

    def paths(self):
        return sorted(self._entries)

    def write(self, out_path):
        """Write the gzipped cpio (parents before children, sorted)."""
        entries = [(p, m, d) for p, (m, d) in sorted(self._entries.items())]
        blob = gzip.compress(cpio.archive(entries), compresslevel=6, mtime=0)
        tmp = out_path + '.tmp'
        with open(tmp, 'wb') as f:
            f.write(blob)
        os.replace(tmp, out_path)
        return len(blob)
