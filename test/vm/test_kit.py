# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Unit tests of the guest kit's pure parts (no QEMU): the cpio writer, as
busybox's own cpio reads it back; module load order; QEMU arguments; the
CLI's NIC syntax; the command channel's recovery (a lost RUN line, a lost
or damaged answer) and the QMP client, against scripted peers on unix
sockets."""

import base64
import json
import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'usertools'))

from vm2vm_guest import channel, cpio, dpdk, kernel, qemu, qmp  # noqa: E402
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

    def test_qmp_socket(self):
        a = qemu.command(self.img, 'tcg', 512, 2, '/con', '/cmd', [], qmp_sock='/q')
        self.assertIn('unix:/q,server=on,wait=off', a)
        self.assertNotIn('-qmp', qemu.command(self.img, 'tcg', 512, 2, '/con', '/cmd', []))

    def test_ivshmem_plain(self):
        shm = qemu.Shm('/dev/hugepages/f', 16 << 20, slot=0x11)
        a = ' '.join(qemu.command(self.img, 'tcg', 512, 2, '/con', '/cmd', [], shms=[shm]))
        self.assertIn('memory-backend-file,id=shm0,share=on,mem-path=/dev/hugepages/f,'
                      'size=16777216', a)
        self.assertIn('ivshmem-plain,memdev=shm0,addr=0x11', a)
        self.assertEqual(shm.pci_addr, '0000:00:11.0')
        with self.assertRaises(ValueError):       # QEMU asserts a power-of-two BAR
            qemu.shm_args(0, qemu.Shm('/f', 10 << 20))


class ChannelRecoveryTest(unittest.TestCase):
    """The channel against a scripted guest that speaks init.sh's protocol and
    loses one line or damages one answer: each command still runs once and
    its answer comes back whole."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, 'c.sock')
        self.chan = channel.Channel(self.path)
        self.old = channel.SILENCE_S, channel.ANSWER_SLACK_S
        channel.SILENCE_S, channel.ANSWER_SLACK_S = 0.3, 2
        self.ran = []
        self.silences = 0

    def tearDown(self):
        channel.SILENCE_S, channel.ANSWER_SLACK_S = self.old
        self.chan.close()
        self.guest.join(5)
        self.dir.cleanup()

    def start(self, fault):
        self.guest = threading.Thread(target=self.scripted_guest, args=(fault,), daemon=True)
        self.guest.start()

    def scripted_guest(self, fault):
        kept = {}
        with socket.socket(socket.AF_UNIX) as s, s.makefile('rb') as f:
            s.connect(self.path)
            for line in f:
                words = line.split()
                if len(words) < 2:
                    continue
                verb, n = words[0], int(words[1])
                if verb == b'RUN':
                    if fault == 'lose-run' and not self.ran and 'lost' not in kept:
                        kept['lost'] = True          # as if the line never came
                        continue
                    self.ran.append(base64.b64decode(words[3]).decode())
                    out = base64.b64encode(b'ok\n')
                    kept[n] = b'@@VM2VM-BEGIN %d@@ %s @@VM2VM-END %d 0 3@@\n' % (n, out, n)
                    if fault == 'lose-answer' and len(self.ran) == 1:
                        continue
                    if fault == 'damage' and len(self.ran) == 1:
                        s.sendall(kept[n].replace(out, out[:-1]))
                        continue
                    if fault != 'deaf':
                        s.sendall(kept[n])
                elif verb == b'RESEND' and fault != 'deaf':
                    s.sendall(kept.get(n, b'@@VM2VM-UNKNOWN %d@@\n' % n))

    def on_silence(self):
        self.silences += 1

    def run_twice(self):
        for cmd in ('echo one', 'echo two'):
            self.assertEqual(self.chan.run(cmd, 1, lambda: True, self.on_silence), (0, 'ok\n'))
        self.assertEqual(self.ran, ['echo one', 'echo two'])     # each ran once

    def test_answer_lost(self):
        self.start('lose-answer')
        self.run_twice()
        self.assertEqual((self.chan.resends, self.chan.unknowns, self.chan.damaged), (1, 0, 0))
        self.assertGreaterEqual(self.silences, 1)

    def test_run_line_lost(self):
        self.start('lose-run')
        self.run_twice()
        self.assertEqual((self.chan.resends, self.chan.unknowns), (1, 1))

    def test_damaged_answer(self):
        self.start('damage')
        self.run_twice()
        self.assertEqual((self.chan.resends, self.chan.damaged), (1, 1))
        self.assertEqual(self.silences, 0)      # asked again at once, no silence

    def test_deaf_guest_times_out(self):
        self.start('deaf')
        with self.assertRaises(TimeoutError):
            self.chan.run('echo one', 1, lambda: True, self.on_silence)
        self.assertEqual(self.chan.resends, 1)  # one RESEND per silence, not one per poll
        self.chan.close()       # the guest thread sees EOF and ends


class QmpTest(unittest.TestCase):
    """qmp.execute against a scripted QMP server: greeting, negotiation,
    events between answers, errors."""

    def serve(self, answers):
        d = tempfile.mkdtemp()
        path = os.path.join(d, 'q.sock')
        srv = socket.socket(socket.AF_UNIX)
        srv.bind(path)
        srv.listen(1)
        self.got = []

        def run():
            conn, _ = srv.accept()
            with conn, conn.makefile('rwb') as f:
                f.write(b'{"QMP": {"version": {}, "capabilities": []}}\n')
                f.flush()
                for a in answers:
                    line = f.readline()
                    if not line:
                        return
                    if a is None:           # a wedged QEMU: read, never answer
                        f.read()
                        return
                    self.got.append(json.loads(line)['execute'])
                    f.write(a.encode() + b'\n')
                    f.flush()
            srv.close()

        t = threading.Thread(target=run, daemon=True)
        t.start()
        return path, t

    def test_stop_cont_skips_events(self):
        path, t = self.serve(['{"return": {}}',
                              '{"event": "STOP"}\n{"return": {}}',
                              '{"return": {}}\n{"event": "RESUME"}'])
        self.assertEqual(qmp.execute(path, ['stop', 'cont']), [{}, {}])
        t.join(5)
        self.assertEqual(self.got, ['qmp_capabilities', 'stop', 'cont'])

    def test_error_raises(self):
        path, t = self.serve(['{"return": {}}', '{"error": {"class": "X", "desc": "no"}}'])
        with self.assertRaisesRegex(qmp.QmpError, 'stop: no'):
            qmp.execute(path, ['stop'])
        t.join(5)

    def test_silent_qemu_times_out(self):
        path, t = self.serve(['{"return": {}}', None])
        with self.assertRaises(TimeoutError):
            qmp.execute(path, ['stop'], timeout=0.5)


class DpdkStageTest(unittest.TestCase):
    """The 'dpdk' flavour's tree: libraries at the host's paths, EAL's driver
    directory with real files and sonames, the library directory linking
    into it (one file per library, whichever way it is loaded)."""

    @unittest.skipUnless(os.path.exists(dpdk.TESTPMD), 'dpdk-testpmd not installed')
    def test_testpmd_tree(self):
        with tempfile.TemporaryDirectory() as d:
            st = dpdk.Stage(d)
            st.binary(dpdk.TESTPMD, dpdk.TESTPMD)
            st.plugins(['librte_mempool_ring'])
            root = lambda p: os.path.join(d, p.lstrip('/'))  # noqa: E731
            self.assertTrue(os.access(root(dpdk.TESTPMD), os.X_OK))
            pmds = root(st.pmds)
            ring = [n for n in os.listdir(pmds) if n.startswith('librte_mempool_ring.so.')]
            self.assertTrue(any(not os.path.islink(os.path.join(pmds, n)) for n in ring), ring)
            for name, path in dpdk.ldd(dpdk.TESTPMD).items():
                guest = os.path.join(dpdk.LIBDIR, name) if '/dpdk/pmds-' in path else (
                    name if name.startswith('/') else path)
                self.assertTrue(os.path.exists(root(guest)), f'{name} missing at {guest}')
                if '/dpdk/pmds-' in path:
                    self.assertTrue(os.path.islink(root(guest)))
            self.assertEqual(sorted(st.trees()), sorted('/' + x for x in os.listdir(d)))

    def test_guest_scripts(self):
        self.assertIn('echo 64 > /proc/sys/vm/nr_hugepages', dpdk.prepare_script(64))
        self.assertIn('chmod 755 /', dpdk.prepare_script(64))
        b = dpdk.bind_script('0000:00:10.0', 'vfio-pci')
        self.assertIn('enable_unsafe_noiommu_mode', b)
        self.assertIn('echo vfio-pci > /sys/bus/pci/devices/0000:00:10.0/driver_override', b)


if __name__ == '__main__':
    unittest.main()
