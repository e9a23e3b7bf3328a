# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""vm2vm's QEMU guest kit: a small Debian-kernel + busybox guest with
vhost-user virtio-net NICs and a command channel (doc/guides/qemu.md)."""

from .guest import Guest, GuestError
from .image import ensure as build_image
from .qemu import Nic

__all__ = ['Guest', 'GuestError', 'Nic', 'build_image']
