# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Process orchestration and clean-up with stand-in processes and directories."""

import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
import unittest
from unittest import mock

from vm2vm_perf import procs, runner


class SessionCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.huge = os.path.join(self.tmp.name, 'huge')
        self.rt = os.path.join(self.tmp.name, 'run')
        os.makedirs(self.huge)
        os.makedirs(self.rt)

    def tearDown(self):
        self.tmp.cleanup()

    def session(self):
        return procs.Session(huge_dir=self.huge, runtime_dir=self.rt,
                             workdir=tempfile.mkdtemp(dir=self.tmp.name))


class TestCleanup(SessionCase):
    def test_removes_own_files_only(self):
        s = self.session()
        mine = [os.path.join(self.huge, s.prefix('srv') + 'map_0'),
                s.path('link', in_huge=True), s.path('vhost.sock')]
        others = [os.path.join(self.huge, 'other-pfmap_0'), os.path.join(self.huge, 'link')]
        for p in mine + others:
            open(p, 'w').close()
        rtdir = os.path.join(self.rt, s.prefix('cli'))
        os.makedirs(rtdir)
        open(os.path.join(rtdir, 'mp_socket'), 'w').close()
        s.end_run()
        for p in mine + [rtdir]:
            self.assertFalse(os.path.exists(p), p)
        for p in others:
            self.assertTrue(os.path.exists(p), p)
        s.cleanup()
        self.assertFalse(os.path.exists(s.workdir))

    def test_paths_removed_after_every_run(self):
        s = self.session()
        sock = s.path('vhost.sock')   # named once per scenario, used by each of its runs
        for _ in range(3):
            open(sock, 'w').close()   # what a killed vhost-user server leaves
            s.end_run()
            self.assertFalse(os.path.exists(sock))
        s.cleanup()

    def test_processes_stopped_and_logged(self):
        s = self.session()
        p = s.spawn('sleeper', ['sh', '-c', 'echo started; exec sleep 30'])
        time.sleep(0.3)
        self.assertTrue(p.alive())
        t0 = time.monotonic()
        s.end_run()
        self.assertLess(time.monotonic() - t0, 3)
        self.assertFalse(p.alive())
        self.assertIn('started', p.log_text())

    def test_stdin_stays_open_and_stop_is_prompt(self):
        # like testpmd without --stats-period: waits on stdin ("Press enter to exit")
        s = self.session()
        p = s.spawn('reader', ['sh', '-c', 'read x; echo eof'])
        s.spawn('stubborn', ['sh', '-c', 'trap "" INT TERM; sleep 30'])
        time.sleep(0.3)
        self.assertTrue(p.alive())
        t0 = time.monotonic()
        s.stop_all(grace=5)
        self.assertLess(time.monotonic() - t0, 1)
        self.assertFalse(p.alive())
        self.assertEqual(p.returncode(), -signal.SIGKILL)
        self.assertTrue(p.popen.stdin.closed)

    def test_output_line_buffered(self):
        # stdio into a file flushes every 4 KB: a killed process would lose its last lines
        if not procs.shutil.which('stdbuf'):
            self.skipTest('no stdbuf')
        s = self.session()
        p = s.spawn('printer', ['sh', '-c', 'echo hello; exec sleep 30'])
        self.assertEqual(p.argv[:3], [s.stdbuf, '-oL', '-eL'])
        time.sleep(0.3)
        s.end_run()
        self.assertIn('hello', p.log_text())

    def test_all_frozen_before_any_is_killed(self):
        s = self.session()
        seen = []

        class P:
            def __init__(self, name):
                self.name = name

            def freeze(self):
                seen.append(('stop', self.name))

            def kill(self):
                seen.append(('kill', self.name))

            def reap(self, deadline):
                seen.append(('gone', self.name))
        s.procs = [P('server'), P('client')]
        s.stop_all()
        # nobody is killed (and closes its ports) while another still runs
        self.assertEqual(seen, [('stop', 'server'), ('stop', 'client'),
                                ('kill', 'server'), ('kill', 'client'),
                                ('gone', 'server'), ('gone', 'client')])
        self.assertEqual(s.procs, [])

    def test_sigint_ignored_falls_back_to_kill(self):
        s = self.session()
        p = s.spawn('stubborn', ['sh', '-c', 'trap "" INT; echo up; sleep 30'])
        time.sleep(0.3)
        p.stop(grace=0.5)
        self.assertFalse(p.alive())
        self.assertEqual(p.returncode(), -signal.SIGKILL)

    def test_signal_cleans_up(self):
        s = self.session()
        marker = s.path('link', in_huge=True)
        open(marker, 'w').close()
        with self.assertRaises(procs.Interrupted):
            with s:
                p = s.spawn('sleeper', ['sleep', '30'])
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
        self.assertFalse(p.alive())
        self.assertFalse(os.path.exists(marker))
        self.assertFalse(os.path.exists(s.workdir))
        # the previous handler is back
        self.assertNotEqual(signal.getsignal(signal.SIGTERM), s._on_signal)

    def test_cleanup_steps_run_once_in_reverse(self):
        s = self.session()
        seen = []
        s.on_cleanup(lambda: seen.append(1))
        s.on_cleanup(lambda: (seen.append(2), 1 / 0))
        s.end_run()
        s.end_run()
        self.assertEqual(seen, [2, 1])


class TestStart(SessionCase):
    def test_process_that_exits_is_reported_with_log(self):
        s = self.session()
        with self.assertRaises(procs.StartError) as cm:
            runner.start(s, 'bad', ['sh', '-c', 'echo EAL: no such vdev; exit 3'], 'x', 1,
                         timeout=5)
        self.assertIn('no such vdev', str(cm.exception))
        self.assertIn('status 3', str(cm.exception))
        s.cleanup()

    def test_no_telemetry_times_out(self):
        s = self.session()
        t0 = time.monotonic()
        with self.assertRaises(procs.StartError) as cm:
            runner.start(s, 'silent', [sys.executable, '-c', 'import time; time.sleep(30)'],
                         'x', 1, timeout=1)
        self.assertIn('not seen', str(cm.exception))
        self.assertLess(time.monotonic() - t0, 4)
        s.cleanup()

    def test_start_polls_fast(self):
        s = self.session()
        tel = FakeTelemetry(self.rt, 'pf9-srv1')
        p = s.spawn('fake', ['sleep', '30'])
        t0 = time.monotonic()
        with mock.patch.object(s, 'spawn', lambda name, argv: p):
            timer = threading.Timer(0.3, tel.listen)
            timer.start()
            d = runner.start(s, 'fake', [], 'pf9-srv1', 2, timeout=5)
        self.assertLess(time.monotonic() - t0, 0.45)
        runner.wait_links(d, [0, 1], timeout=2)
        read = runner.rx_reader(d, [0, 1], 'telemetry')
        self.assertEqual(read(), 2 * tel.ipackets)
        # a process that stops answering fails the run, it does not crash the tool
        tel.close()
        with self.assertRaises(procs.StartError) as cm:
            read()
        self.assertIn('telemetry stopped answering', str(cm.exception))
        d.tel.close()
        s.cleanup()

    def test_thread_cpu_from_proc(self):
        root = os.path.join(self.tmp.name, 'proc')
        for tid, comm in ((10, 'dpdk-testpmd'), (12, 'rte-worker-1'), (13, 'telemetry-v2')):
            d = os.path.join(root, '10', 'task', str(tid))
            os.makedirs(d)
            with open(os.path.join(d, 'comm'), 'w') as f:
                f.write(comm + '\n')
            with open(os.path.join(d, 'stat'), 'w') as f:
                f.write('%d (%s) R 1 2 3 4 5 6 7 8 9 10 %d 100 0 0\n' % (tid, comm, tid * 100))
        d = mock.Mock()
        d.proc.pid = 10
        cpu = runner.thread_cpu(d, proc_root=root, hz=100)
        self.assertAlmostEqual(cpu(), 13.0)   # stat: (1200 + 100) ticks, no schedstat
        with open(os.path.join(root, '10', 'task', '12', 'schedstat'), 'w') as f:
            f.write('2500000000 0 1\n')
        self.assertAlmostEqual(cpu(), 2.5)
        with self.assertRaises(procs.StartError):
            runner.thread_cpu(d, comm='rte-worker-2', proc_root=root, hz=100)

    def test_wait_for(self):
        calls = []
        self.assertEqual(procs.wait_for(lambda: calls.append(1) or len(calls) >= 3 and 'ok',
                                        5, interval=0.01), 'ok')
        self.assertIsNone(procs.wait_for(lambda: False, 0.05, interval=0.01))


class FakeTelemetry:
    """A DPDK telemetry v2 socket answering /ethdev/list, link_status and stats."""

    def __init__(self, runtime_dir, prefix, nb_ports=2):
        self.dir = os.path.join(runtime_dir, prefix)
        self.nb_ports = nb_ports
        self.ipackets = 1234
        self.sock = None
        self.conns = []

    def listen(self):
        os.makedirs(self.dir, exist_ok=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.bind(os.path.join(self.dir, 'dpdk_telemetry.v2'))
        self.sock.listen(4)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._client, args=(c,), daemon=True).start()

    def _client(self, c):
        c.send(json.dumps({'version': 'fake', 'pid': 1, 'max_output_len': 16384}).encode())
        while True:
            try:
                cmd = c.recv(1024).decode()
            except OSError:
                return
            if not cmd:
                return
            name = cmd.split(',')[0]
            value = {'/ethdev/list': list(range(self.nb_ports)),
                     '/ethdev/link_status': {'status': 'UP'},
                     '/ethdev/stats': {'ipackets': self.ipackets}}.get(name)
            try:
                c.send(json.dumps({name: value}).encode())
            except OSError:
                return

    def close(self):
        for c in [self.sock] + self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()


if __name__ == '__main__':
    unittest.main()
