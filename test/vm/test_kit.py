# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Unit tests of the guest kit's pure parts (no QEMU): the cpio writer, as
busybox's own cpio reads it back; module load order; QEMU arguments; the
CLI's NIC syntax."""

import os
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'usertools'))

from vm2vm_guest import cpio, kernel, qemu  # noqa: E402
from vm2vm_guest.cli import parse_nic  # noqa: E402
from vm2vm_guest.image import Image  # noqa: E402
from vm2vm_guest.initramfs import Initramfs  # noqa: E402


class CpioTest(unittest.TestCase):
    @unittest.skipUnless(os.path.exists('/bin/busybox'), 'busybox not installed')
    def test_busybox_extracts_what_we_wrote(self):
        fs = Initramfs()
        fs.add_file('etc/a/b.txt', b'hello\n', 0o600)
        fs.add_file('odd', b'123', 0o755)           # length not a multiple of 4
        fs.add_symlink('bin/sh', '/bin/busybox')
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, 'i.cpio.gz')
            fs.write(out)
            root = os.path.join(d, 'x')
            os.mkdir(root)
            subprocess.run(f'busybox zcat {out} | busybox cpio -id', shell=True, cwd=root,
                           check=True, capture_output=True)
            with open(os.path.join(root, 'etc/a/b.txt'), 'rb') as f:
                self.assertEqual(f.read(), b'hello\n')
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(root, 'etc/a/b.txt')).st_mode),
                             0o600)
            with open(os.path.join(root, 'odd'), 'rb') as f:
                self.assertEqual(f.read(), b'123')
            self.assertEqual(os.readlink(os.path.join(root, 'bin/sh')), '/bin/busybox')

    def test_same_input_same_bytes(self):
        e = [('a', stat.S_IFREG | 0o644, b'x')]
        self.assertEqual(cpio.archive(e), cpio.archive(e))
        self.assertTrue(cpio.archive(e).startswith(b'070701'))


class LoadOrderTest(unittest.TestCase):
    def test_dependencies_first_once(self):
        deps = {'virtio_net': b'depends=net_failover,virtio\0', 'net_failover': b'depends=failover\0',
                'failover': b'depends=\0', 'virtio': b'depends=virtio_ring\0',
                'virtio_ring': b'name=virtio_ring\0'}
        with tempfile.TemporaryDirectory() as d:
            mods = {}
            for n, info in deps.items():
                mods[n] = os.path.join(d, n + '.ko')
                with open(mods[n], 'wb') as f:
                    f.write(b'\x7fELF junk\0' + info)
            order = kernel.load_order(mods, ['virtio_net', 'virtio'])
        self.assertEqual(sorted(order), sorted(deps))
        for n in order:
            for dep in kernel._depends(deps[n]):
                self.assertLess(order.index(dep), order.index(n))


class QemuArgsTest(unittest.TestCase):
    img = Image('v', '/k', '/i', '/c')

    def argv(self, accel, nic):
        nic.mac = nic.mac or '52:54:00:00:00:01'
        return ' '.join(qemu.command(self.img, accel, 512, 2, '/con', '/cmd', [nic]))

    def test_tcg_has_no_msix_vectors(self):
        self.assertIn('vectors=0', self.argv('tcg', qemu.Nic('/s')))
        self.assertNotIn('vectors=0', self.argv('kvm', qemu.Nic('/s')))

    def test_nic_options(self):
        a = self.argv('tcg', qemu.Nic('/s', server=True, queues=2, packed=True, mrg_rxbuf=False,
                                      host_mtu=9000, ip='10.0.0.1/24', mtu=9000))
        for want in ('server=on,wait=off', 'queues=2', 'mq=on', 'packed=on', 'mrg_rxbuf=off',
                     'host_mtu=9000', 'vm2vm.if=52:54:00:00:00:01,10.0.0.1/24,9000',
                     'memory-backend-memfd,id=mem,size=512M,share=on', 'node,memdev=mem'):
            self.assertIn(want, a)
        self.assertIn('reconnect=1', self.argv('tcg', qemu.Nic('/s')))

    def test_cli_nic_syntax(self):
        n = parse_nic('/s,server,queues=2,packed,mrg_rxbuf=off,host_mtu=9000,ip=10.0.0.1/24')
        self.assertEqual((n.socket, n.server, n.queues, n.packed, n.mrg_rxbuf, n.host_mtu, n.ip),
                         ('/s', True, 2, True, False, 9000, '10.0.0.1/24'))
        with self.assertRaises(Exception):
            parse_nic('/s,bogus')


if __name__ == '__main__':
    unittest.main()
