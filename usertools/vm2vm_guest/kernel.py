# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""The guest kernel: Debian's linux-image package, reduced to vmlinuz and the
few modules the guest loads.

Kept in CACHE/<version>/kernel/: vmlinuz, modules/<name>.ko and
modules.order (load order, dependencies first, from each module's
.modinfo). The 70 MB package and its 400 MB unpacked tree are deleted.
"""

import lzma
import os
import re
import shutil
import subprocess
import tempfile

# virtio-net in the guest; their dependencies come from each module's .modinfo.
NET_MODULES = ['virtio_ring', 'virtio', 'virtio_pci_modern_dev', 'virtio_pci_legacy_dev',
               'virtio_pci', 'failover', 'net_failover', 'virtio_net']
# For DPDK in the guest later; kept when the kernel has them.
OPTIONAL_MODULES = ['uio', 'uio_pci_generic', 'vfio', 'vfio_iommu_type1', 'vfio-pci']


def _norm(name):
    return name.replace('-', '_')


def _run(cmd, log, **kw):
    log('$ ' + ' '.join(cmd))
    return subprocess.run(cmd, check=True, **kw)


def package_version():
    """The linux-image-<ver>-amd64 that the linux-image-amd64 metapackage depends on."""
    for attempt in range(2):
        out = subprocess.run(['apt-cache', 'depends', 'linux-image-amd64'], text=True,
                             capture_output=True).stdout
        m = re.search(r'Depends: linux-image-(\S+-amd64)\b', out)
        if m:
            return m.group(1)
        if attempt == 0:
            subprocess.run(['apt-get', 'update', '-q'], check=False, capture_output=True)
    raise RuntimeError('apt-cache does not know linux-image-amd64 (no Debian archive?)')


def _download(version, workdir, log):
    pkg = f'linux-image-{version}'
    for attempt in range(2):
        r = subprocess.run(['apt-get', 'download', '-q', pkg], cwd=workdir,
                           capture_output=True, text=True)
        if r.returncode == 0:
            break
        if attempt == 0:
            log('apt-get download failed; apt-get update and retry')
            subprocess.run(['apt-get', 'update', '-q'], check=False, capture_output=True)
    else:
        raise RuntimeError(f'apt-get download {pkg} failed: {r.stderr.strip()}')
    debs = [f for f in os.listdir(workdir) if f.endswith('.deb')]
    log(f'downloaded {debs[0]} ({os.path.getsize(os.path.join(workdir, debs[0])) >> 20} MiB)')
    return os.path.join(workdir, debs[0])


def _index(moddir):
    """{module name: path} for every module file under moddir."""
    mods = {}
    for root, _, files in os.walk(moddir):
        for f in files:
            m = re.match(r'(.+)\.ko(\.xz)?$', f)
            if m:
                mods[_norm(m.group(1))] = os.path.join(root, f)
    return mods


def _read_module(path):
    opener = lzma.open if path.endswith('.xz') else open
    with opener(path, 'rb') as f:
        return f.read()


def _depends(data):
    """The module's dependencies from its .modinfo "depends=" string.

    The package ships no modules.dep (depmod makes it at install time), but
    each module names what it needs, which is all an insmod order needs.
    """
    m = re.search(rb'(?:^|\0)depends=([^\0]*)\0', data)
    return [_norm(d) for d in m.group(1).decode().split(',') if d] if m else []


def load_order(mods, wanted):
    """wanted and everything they need, each after its dependencies.

    mods maps module names to their files (see _index)."""
    order, seen = [], set()

    def visit(n):
        if n in seen:
            return
        seen.add(n)
        for d in _depends(_read_module(mods[n])):
            visit(d)
        order.append(n)
    for w in wanted:
        visit(_norm(w))
    return order


def prepare(cache_dir, log):
    """Ensure cache_dir/kernel holds vmlinuz, modules/ and modules.order.

    Returns (kernel_dir, module names in load order). Idempotent: a complete
    kernel/ directory (marked by modules.order) is reused as is.
    """
    kdir = os.path.join(cache_dir, 'kernel')
    order_file = os.path.join(kdir, 'modules.order')
    if os.path.exists(order_file):
        with open(order_file) as f:
            return kdir, f.read().split()
    version = os.path.basename(cache_dir)
    shutil.rmtree(kdir, ignore_errors=True)
    os.makedirs(os.path.join(kdir, 'modules'))
    # apt's _apt user must be able to write where it downloads.
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        os.chmod(tmp, 0o755)
        deb = _download(version, tmp, log)
        root = os.path.join(tmp, 'root')
        _run(['dpkg-deb', '-x', deb, root], log)
        os.unlink(deb)
        boot = os.path.join(root, 'boot')
        vmlinuz = next(f for f in os.listdir(boot) if f.startswith('vmlinuz-'))
        shutil.copy(os.path.join(boot, vmlinuz), os.path.join(kdir, 'vmlinuz'))
        moddir = os.path.join(root, 'lib', 'modules', version)
        mods = _index(moddir)
        missing = [m for m in NET_MODULES if _norm(m) not in mods]
        if missing:
            raise RuntimeError(f'kernel {version} lacks modules {missing} (built in?)')
        wanted = NET_MODULES + [m for m in OPTIONAL_MODULES if _norm(m) in mods]
        order = load_order(mods, wanted)
        for n in order:
            with open(os.path.join(kdir, 'modules', n + '.ko'), 'wb') as f:
                f.write(_read_module(mods[n]))
    with open(order_file + '.tmp', 'w') as f:
        f.write('\n'.join(order) + '\n')
    os.replace(order_file + '.tmp', order_file)
    log(f'kernel {version}: vmlinuz and {len(order)} modules: {" ".join(order)}')
    return kdir, order
