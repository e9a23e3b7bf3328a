# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Process orchestration and clean-up with stand-in processes and directories."""

import os
import signal
import sys
import tempfile
import time
import unittest

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

    def test_wait_for(self):
        calls = []
        self.assertEqual(procs.wait_for(lambda: calls.append(1) or len(calls) >= 3 and 'ok',
                                        5, interval=0.01), 'ok')
        self.assertIsNone(procs.wait_for(lambda: False, 0.05, interval=0.01))


if __name__ == '__main__':
    unittest.main()
