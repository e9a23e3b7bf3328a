# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""The 'dpdk' image flavour: the distribution's dpdk-testpmd in the guest,
with the shared libraries it needs, EAL's driver directory reduced to the
few drivers a guest uses, and vm2vm's own binaries; plus the shell that
prepares a booted guest for DPDK (hugepages, binding a PCI device).

The libraries keep the host's paths, and the driver directory keeps its
layout (files in pmds-NN, symlinks to them in the library directory): EAL
loads every driver in that directory at start-up, and a library loaded once
through a symlink and once through the directory must be the same file, or
it would register its drivers twice.
"""

import glob
import os
import re
import shutil
import subprocess
import tempfile

from . import image

TESTPMD = '/usr/bin/dpdk-testpmd'
LIBDIR = '/usr/lib/x86_64-linux-gnu'
# Drivers EAL must find without -d: mempools (ring), the PCI and vdev buses,
# and virtio for a guest that drives a vhost-user NIC with DPDK.
PLUGINS = ('librte_mempool_ring', 'librte_bus_pci', 'librte_bus_vdev', 'librte_net_virtio')
GUEST_BIN = '/opt/vm2vm'


def pmd_dir():
    """EAL's driver directory of the installed DPDK (/usr/lib/<triplet>/dpdk/pmds-NN)."""
    dirs = sorted(glob.glob(os.path.join(LIBDIR, 'dpdk', 'pmds-*')))
    if not dirs:
        raise RuntimeError(f'no DPDK driver directory under {LIBDIR}/dpdk: install dpdk')
    return dirs[-1]


def ldd(path):
    """{name: host path} of every library @path needs, and the interpreter."""
    out = subprocess.run(['ldd', path], capture_output=True, text=True, check=True).stdout
    libs = {}
    for line in out.splitlines():
        m = re.match(r'\s*(\S+) => (/\S+)', line)
        if m:
            libs[m.group(1)] = m.group(2)
            continue
        m = re.match(r'\s*(/\S+) \(0x', line)        # the interpreter: ld-linux
        if m:
            libs[m.group(1)] = m.group(1)
    return libs


class Stage:
    """A directory tree laid out as the guest's /, built from host files."""

    def __init__(self, root):
        self.root = root
        self.pmds = pmd_dir()

    def _path(self, guest_path):
        return os.path.join(self.root, guest_path.lstrip('/'))

    def copy(self, guest_path, src, mode=None):
        dst = self._path(guest_path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst):
            shutil.copyfile(src, dst)       # follows symlinks: the real file
            os.chmod(dst, mode if mode is not None else os.stat(src).st_mode & 0o755)

    def symlink(self, guest_path, target):
        dst = self._path(guest_path)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.lexists(dst):
            os.symlink(target, dst)

    def library(self, name, host_path):
        real = os.path.realpath(host_path)
        if real.startswith(self.pmds + '/'):
            # EAL loads the directory's *.so and *.so.<ABI> (e.g. .so.23.0)
            # files: keep the real name, and the soname as a link to it.
            base = os.path.basename(real)
            self.copy(f'{self.pmds}/{base}', real)
            if name != base:
                self.symlink(f'{self.pmds}/{name}', base)
            rel = os.path.relpath(self.pmds, LIBDIR)
            self.symlink(f'{LIBDIR}/{name}', f'{rel}/{name}')
        elif name.startswith('/'):
            self.copy(name, real)            # the interpreter, at its own path
        else:
            self.copy(host_path, real)

    def binary(self, guest_path, host_path):
        """A program or a -d plugin with everything it links."""
        self.copy(guest_path, host_path, 0o755)
        for name, path in ldd(host_path).items():
            self.library(name, path)

    def plugins(self, names):
        for n in names:
            found = sorted(glob.glob(os.path.join(self.pmds, n + '.so.[0-9]*')))
            sonames = [f for f in found if re.search(r'\.so\.\d+$', f)]
            if sonames:
                self.library(os.path.basename(sonames[0]), sonames[0])
                for name, path in ldd(sonames[0]).items():
                    self.library(name, path)

    def trees(self):
        """{guest dir: host dir} for image.ensure, one per top-level directory."""
        return {'/' + d: os.path.join(self.root, d) for d in sorted(os.listdir(self.root))}


def build_image(log=lambda msg: None, files=None, plugins=PLUGINS):
    """The 'dpdk' flavour Image: dpdk-testpmd, @plugins, and @files
    ({guest path: host path}, e.g. our PMD's .so under /opt/vm2vm), each with
    the libraries it links. Cached like the base image; rebuilt when any of
    these files changes."""
    if not os.path.exists(TESTPMD):
        raise RuntimeError(f'{TESTPMD} not installed (usertools/vm2vm-setup installs dpdk)')
    with tempfile.TemporaryDirectory(prefix='vm2vm-dpdk-stage-') as root:
        st = Stage(root)
        st.binary(TESTPMD, TESTPMD)
        # glibc dlopens it for pthread_cancel (EAL cancels its threads at exit)
        for path in glob.glob('/lib/x86_64-linux-gnu/libgcc_s.so.1'):
            st.library(os.path.basename(path), path)
        st.plugins(plugins)
        for guest_path, host_path in sorted((files or {}).items()):
            st.binary(guest_path, host_path)
        return image.ensure(log, flavour='dpdk', trees=st.trees())


def prepare_script(pages):
    """Shell for a booted guest: reserve @pages 2 MiB pages, mount hugetlbfs,
    make EAL's runtime directory's parent (busybox's / has no /var), and
    close / to others (the initramfs root is world-writable, and EAL refuses
    -d plugins below a world-writable directory)."""
    return ('chmod 755 /; mkdir -p /var/run; '
            f'echo {pages} > /proc/sys/vm/nr_hugepages; '
            'mkdir -p /dev/hugepages; '
            'grep -q " /dev/hugepages " /proc/mounts || '
            'mount -t hugetlbfs nodev /dev/hugepages; '
            'test "$(cat /proc/sys/vm/nr_hugepages)" -ge ' + str(pages))


def bind_script(pci_addr, driver='uio_pci_generic'):
    """Shell for a booted guest: bind @pci_addr to uio_pci_generic or vfio-pci.

    vfio-pci without an IOMMU needs no-IOMMU mode (unsafe: no DMA isolation;
    ivshmem does no DMA), which the kit's Debian kernel lacks (no
    CONFIG_VFIO_NOIOMMU): there, use uio_pci_generic. The kit's init has
    loaded the modules already.
    """
    dev = f'/sys/bus/pci/devices/{pci_addr}'
    pre = ''
    if driver == 'vfio-pci':
        # Debian's 6.1 kernel is built without CONFIG_VFIO_NOIOMMU: say so
        noiommu = '/sys/module/vfio/parameters/enable_unsafe_noiommu_mode'
        pre = (f'[ -e {noiommu} ] || {{ echo "kernel without vfio no-IOMMU mode'
               f' (CONFIG_VFIO_NOIOMMU)"; exit 1; }}; echo 1 > {noiommu}; ')
    return (pre +
            f'test -e {dev} || {{ echo "no PCI device {pci_addr}"; exit 1; }}; '
            f'if [ -e {dev}/driver ]; then echo {pci_addr} > {dev}/driver/unbind; fi; '
            f'echo {driver} > {dev}/driver_override; '
            f'echo {pci_addr} > /sys/bus/pci/drivers_probe; '
            f'basename "$(readlink {dev}/driver)"')
