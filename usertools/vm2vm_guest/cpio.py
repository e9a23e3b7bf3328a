# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""The "newc" cpio format the Linux kernel unpacks as an initramfs.

Written here rather than by cpio(1) because Debian does not install cpio by
default, and the kit must build on a fresh machine from Debian packages only.
"""

import stat

_MAGIC = b'070701'
_TRAILER = 'TRAILER!!!'


def _pad4(n):
    return (4 - n % 4) % 4


def _entry(ino, name, mode, data, nlink):
    name_b = name.encode() + b'\0'
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_b), 0]
    head = _MAGIC + b''.join(b'%08X' % f for f in fields)
    out = head + name_b + b'\0' * _pad4(len(head) + len(name_b))
    return out + data + b'\0' * _pad4(len(data))


def archive(entries):
    """Return the cpio bytes for entries: (path without leading /, mode, data).

    mode carries the file type (stat.S_IFDIR, S_IFREG, S_IFLNK); a symlink's
    data is its target. All files are owned by root and dated 0, so the same
    inputs give the same bytes (the cache key depends on that).
    """
    out = []
    for ino, (name, mode, data) in enumerate(entries, start=1):
        nlink = 2 if stat.S_ISDIR(mode) else 1
        out.append(_entry(ino, name, mode, data, nlink))
    out.append(_entry(0, _TRAILER, 0, b'', 1))
    return b''.join(out)
