# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""What the results were measured on."""

import os
import platform
import subprocess
import time


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ''


def cpu_model(cpuinfo=None):
    text = cpuinfo if cpuinfo is not None else _read('/proc/cpuinfo')
    for line in text.splitlines():
        if line.startswith('model name'):
            return line.split(':', 1)[1].strip()
    return platform.processor() or 'unknown'


def cpu_flags(cpuinfo=None):
    text = cpuinfo if cpuinfo is not None else _read('/proc/cpuinfo')
    for line in text.splitlines():
        if line.startswith('flags'):
            return set(line.split(':', 1)[1].split())
    return set()


def hugepage_info(meminfo=None):
    text = meminfo if meminfo is not None else _read('/proc/meminfo')
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(':')
        if k in ('Hugepagesize', 'HugePages_Total', 'HugePages_Free'):
            out[k] = v.strip()
    return out


def dpdk_version():
    for cmd in (['pkg-config', '--modversion', 'libdpdk'],
                ['dpkg-query', '-W', '-f=${Version}', 'dpdk']):
        try:
            v = subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if v:
            return v
    return 'unknown'


def parse_xcore(text):
    """The median round trip (ns) from vm2vm-xcore-probe's output, or None."""
    for line in (text or '').splitlines():
        if line.startswith('xcore_rtt_ns '):
            for field in line.split()[1:]:
                k, _, v = field.partition('=')
                if k == 'median':
                    try:
                        return float(v)
                    except ValueError:
                        return None
    return None


def xcore_rtt(probe, cpus, run=subprocess.run):
    """Cache-line round trip between the two measuring CPUs, in ns, or None
    when the probe is not built or fails. It takes about 15 ms."""
    if not probe or not os.access(probe, os.X_OK):
        return None
    try:
        out = run([probe, str(cpus[0]), str(cpus[1])], capture_output=True, text=True,
                  timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_xcore(out.stdout) if out.returncode == 0 else None


def describe(pinning):
    huge = hugepage_info()
    return {
        'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
        'host': platform.node(),
        'kernel': platform.release(),
        'cpu_model': cpu_model(),
        'cpus': os.cpu_count(),
        'dpdk_version': dpdk_version(),
        'hugepage_size': huge.get('Hugepagesize', 'unknown'),
        'hugepages_total': huge.get('HugePages_Total', 'unknown'),
        'hugepages_free': huge.get('HugePages_Free', 'unknown'),
        'pinning': pinning,
    }
