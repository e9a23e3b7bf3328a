# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""KVM or TCG, decided by booting a guest once.

/dev/kvm opening proves nothing: on hosts whose KVM is a nested or
paravirtual module (kvm_pvm here) QEMU fails with "failed to set MSR 0x10a"
or hangs silently after SeaBIOS. So the kit boots its own kernel under KVM
with vm2vm.probe=1 (init prints VM2VM-PROBE-OK and powers off) and caches
the verdict per host kernel, QEMU binary and guest kernel.
VM2VM_GUEST_ACCEL=kvm|tcg overrides it.
"""

import json
import os
import platform
import subprocess
import tempfile
import time

from . import qemu
from .image import cache_root

PROBE_SECONDS = 30      # a KVM boot takes ~1 s; TCG here 5-20 s, but that is not probed


def _key(image):
    st = os.stat(qemu.QEMU)
    return f'{platform.release()}|{qemu.QEMU}:{st.st_size}:{int(st.st_mtime)}|{image.version}'


def _cache_file():
    return os.path.join(cache_root(), 'accel.json')


def probe_kvm(image, timeout=PROBE_SECONDS):
    """(works, reason): boot image under KVM and wait for the probe marker."""
    with tempfile.TemporaryDirectory(prefix='vm2vm-kvm-probe-') as d:
        log = os.path.join(d, 'console.log')
        argv = qemu.command(image, 'kvm', 128, 1, log, None, [], 'vm2vm.probe=1')
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
            err = p.stderr.strip().splitlines()
        except subprocess.TimeoutExpired:
            err = [f'no power-off within {timeout} s']
        with open(log, errors='replace') as f:
            ok = 'VM2VM-PROBE-OK' in f.read()
        if ok:
            return True, f'guest booted under KVM in {time.monotonic() - t0:.1f} s'
        return False, (err[-1] if err else 'guest did not reach userspace')


def choose(image, log=lambda msg: None):
    forced = os.environ.get('VM2VM_GUEST_ACCEL')
    if forced in ('kvm', 'tcg'):
        return forced
    if forced:
        raise ValueError(f'VM2VM_GUEST_ACCEL={forced}: want kvm or tcg')
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        return 'tcg'
    key = _key(image)
    try:
        with open(_cache_file()) as f:
            cached = json.load(f)
        if cached.get('key') == key:
            log(f"accelerator: {cached['accel']} (cached; KVM probe: {cached.get('reason')})")
            return cached['accel']
    except (OSError, ValueError):
        pass
    works, reason = probe_kvm(image)
    accel = 'kvm' if works else 'tcg'
    log(f'accelerator: {accel} (KVM probe: {reason})')
    tmp = _cache_file() + f'.{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump({'key': key, 'accel': accel, 'reason': reason}, f)
    os.replace(tmp, _cache_file())
    return accel
