# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""usertools/vm2vm-fuzz against fake_harness.py: ledgers, goals, findings,
pausing with a signal, CPU charged per harness with --jobs, and a campaign
saved to a kept directory and restored on another machine."""

import contextlib
import importlib.machinery
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, '..', '..', 'usertools', 'vm2vm-fuzz')
FAKE = os.path.join(HERE, 'fake_harness.py')


def load_tool():
    loader = importlib.machinery.SourceFileLoader('vm2vm_fuzz', TOOL)
    spec = importlib.util.spec_from_loader('vm2vm_fuzz', loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


class Campaign(unittest.TestCase):
    def setUp(self):
        self.fz = load_tool()
        self.dir = tempfile.mkdtemp(prefix='vm2vm-fuzz-test-')
        self.env = mock.patch.dict(os.environ, {})
        self.env.start()

    def tearDown(self):
        self.env.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_main(self, argv, hs, run_one=None):
        """The command's main() with @p argv over the harnesses @p hs (no
        build), @p run_one in place of the real one if given; @return its status."""
        patches = [mock.patch.object(self.fz, 'setup_build', lambda b: None),
                   mock.patch.object(self.fz, 'harnesses', lambda b: hs),
                   mock.patch.object(sys, 'argv', ['vm2vm-fuzz', '--corpus', self.dir] + argv)]
        if run_one is not None:
            patches.append(mock.patch.object(self.fz, 'run_one', run_one))
        with contextlib.ExitStack() as stack:
            devnull = stack.enter_context(open(os.devnull, 'w'))
            patches.append(mock.patch('sys.stdout', new=devnull))
            for p in patches:
                stack.enter_context(p)
            return self.fz.main()

    def ledger(self, name):
        with open(os.path.join(self.dir, name, 'ledger.json')) as f:
            return json.load(f)

    def test_run_adds_to_ledger(self):
        for _ in range(2):
            execs, units, cov, new, allf, led = self.fz.run_one('h', FAKE, None, [], 1, self.dir)
            self.assertGreater(execs, 0)
            self.assertEqual(cov, '42')
            self.assertEqual(new, [])
        led = self.ledger('h')
        self.assertEqual(len(led['runs']), 2)
        self.assertEqual(led['executions'], sum(r['executions'] for r in led['runs']))
        self.assertGreater(led['cpu_seconds'], 0)

    def test_goal_stops_at_missing_executions(self):
        execs = self.fz.run_one('h', FAKE, None, [], 30, self.dir, max_execs=1000)[0]
        self.assertEqual(execs, 1000)
        self.assertTrue(self.fz.done(self.ledger('h'), 1000, 0))
        self.assertFalse(self.fz.done(self.ledger('h'), 1001, 0))

    def test_progress_orders_the_furthest_from_goal_first(self):
        self.fz.run_one('ahead', FAKE, None, [], 30, self.dir, max_execs=900)
        self.fz.run_one('behind', FAKE, None, [], 30, self.dir, max_execs=100)
        led = {n: self.ledger(n) for n in ('ahead', 'behind')}
        self.assertAlmostEqual(self.fz.progress(led['ahead'], 1000, 0), 0.9)
        self.assertAlmostEqual(self.fz.progress(led['behind'], 1000, 0), 0.1)
        # whichever goal is nearer counts; never past 1
        self.assertEqual(self.fz.progress({'executions': 5, 'cpu_seconds': 50}, 1000, 100), 0.5)
        self.assertEqual(self.fz.progress({'executions': 5000, 'cpu_seconds': 0}, 1000, 100), 1.0)
        # and a campaign starts with the one further behind, whatever the listing order
        calls = []

        def record(name, *args, **kw):
            calls.append(name)
            return 0, 0, '42', [], [], self.fz.read_ledger(self.dir, name)
        hs = [('ahead', FAKE, None, []), ('behind', FAKE, None, [])]
        self.assertEqual(self.run_main(['--seconds', '1', '--goal-execs', '1000'], hs, record), 0)
        self.assertEqual(calls, ['behind', 'ahead'])

    def test_turn_stops_at_the_missing_cpu_seconds(self):
        for n in ('near', 'edge', 'far'):
            os.makedirs(os.path.join(self.dir, n, 'corpus'))
        self.fz.add_to_ledger(self.dir, 'near', 0, 95.0, '1')    # 5 s short of 100
        self.fz.add_to_ledger(self.dir, 'edge', 0, 99.6, '1')    # under a second short
        self.fz.add_to_ledger(self.dir, 'far', 0, 10.0, '1')
        got = {}

        def record(name, binary, seeds, extra, seconds, *args, **kw):
            got[name] = seconds
            return 0, 0, '42', [], [], self.fz.read_ledger(self.dir, name)
        hs = [(n, FAKE, None, []) for n in ('near', 'edge', 'far')]
        for goal, want in (('100', {'near': 5, 'edge': 1, 'far': 30}),
                           ('0', {'near': 30, 'edge': 30, 'far': 30})):
            got.clear()
            self.assertEqual(self.run_main(['--seconds', '30', '--goal-cpu', goal], hs, record), 0)
            self.assertEqual(got, want, f'--goal-cpu {goal}')

    def test_finding_is_kept_and_reported(self):
        os.environ['FAKE_FINDING'] = '1'
        new, allf = self.fz.run_one('h', FAKE, None, [], 1, self.dir)[3:5]
        self.assertEqual(new, ['crash-fake'])
        self.assertEqual(allf, ['crash-fake'])
        self.assertTrue(os.path.exists(os.path.join(self.dir, 'h', 'findings', 'crash-fake')))

    def test_slow_unit_fast_alone_is_the_loads(self):
        os.environ['FAKE_FINDING'] = 'slow'
        with open(os.devnull, 'w') as devnull, mock.patch('sys.stdout', new=devnull):
            new, allf = self.fz.run_one('h', FAKE, None, [], 1, self.dir)[3:5]
        self.assertEqual((new, allf), ([], []))
        self.assertTrue(os.path.exists(os.path.join(self.dir, 'h', 'findings',
                                                    'slow-under-load', 'slow-unit-fake')))

    def test_slow_unit_slow_alone_stays_a_finding(self):
        os.environ['FAKE_FINDING'] = 'slow'
        os.environ['FAKE_REPLAY_MS'] = '4000'
        new, allf = self.fz.run_one('h', FAKE, None, [], 1, self.dir)[3:5]
        self.assertEqual((new, allf), (['slow-unit-fake'], ['slow-unit-fake']))

    def test_signal_pauses_and_keeps_executions(self):
        got = {}

        def run():
            got['r'] = self.fz.run_one('h', FAKE, None, [], 60, self.dir)
        t = threading.Thread(target=run)
        start = time.monotonic()
        t.start()
        time.sleep(1.5)
        self.fz.Stop.handler(signal.SIGTERM, None)
        t.join(30)
        self.assertFalse(t.is_alive())
        self.assertLess(time.monotonic() - start, 30)
        self.assertGreater(got['r'][0], 0)          # the interrupted run's executions
        self.assertEqual(self.ledger('h')['executions'], got['r'][0])
        self.assertEqual(got['r'][3], [])            # an interruption is not a finding

    def put(self, name, sub, files):
        d = os.path.join(self.dir, name, sub)
        os.makedirs(d, exist_ok=True)
        for f, data in files.items():
            with open(os.path.join(d, f), 'w') as o:
                o.write(data)

    def campaign_to_save(self):
        """A harness 'h' with one run in its ledger, a corpus of three inputs
        (two alike) and one open finding; @return the kept directory to use."""
        self.fz.run_one('h', FAKE, None, [], 1, self.dir)
        self.put('h', 'corpus', {'u1': 'abc', 'u2': 'abc', 'u3': 'xyz'})
        self.put('h', 'findings', {'crash-1': 'boom'})
        return os.path.join(self.dir, 'kept')

    def test_save_keeps_ledger_findings_and_minimized_corpus(self):
        keep = self.campaign_to_save()
        hs = [('h', FAKE, None, [])]
        self.assertEqual(self.run_main(['--save', keep], hs), 0)
        with open(os.path.join(keep, 'h', 'ledger.json')) as f:
            self.assertEqual(json.load(f), self.ledger('h'))
        self.assertEqual(len(os.listdir(os.path.join(keep, 'h', 'corpus'))), 2)
        self.assertEqual(os.listdir(os.path.join(keep, 'h', 'findings')), ['crash-1'])
        # the finding fixed (moved away) and saved again: no longer kept
        os.rename(os.path.join(self.dir, 'h', 'findings', 'crash-1'),
                  os.path.join(self.dir, 'h', 'crash-1.fixed'))
        self.assertEqual(self.run_main(['--save', keep], hs), 0)
        self.assertFalse(os.path.exists(os.path.join(keep, 'h', 'findings')))
        self.assertFalse(os.path.exists(os.path.join(keep, 'h', 'corpus.merging')))

    def test_failed_merge_leaves_the_kept_copy_as_it_was(self):
        keep = self.campaign_to_save()
        hs = [('h', FAKE, None, [])]
        self.assertEqual(self.run_main(['--save', keep], hs), 0)
        kept = sorted(os.listdir(os.path.join(keep, 'h', 'corpus')))
        self.put('h', 'corpus', {'u4': 'new'})
        os.environ['FAKE_MERGE_FAIL'] = '1'
        self.assertEqual(self.run_main(['--save', keep], hs), 1)
        self.assertEqual(sorted(os.listdir(os.path.join(keep, 'h', 'corpus'))), kept)
        self.assertFalse(os.path.exists(os.path.join(keep, 'h', 'corpus.merging')))

    def test_restore_goes_on_with_the_kept_campaign(self):
        keep = self.campaign_to_save()
        self.assertEqual(self.run_main(['--save', keep], [('h', FAKE, None, [])]), 0)
        kept = self.ledger('h')
        # a new machine: an empty corpus directory
        shutil.rmtree(os.path.join(self.dir, 'h'))
        self.assertEqual(self.run_main(['--restore', keep], []), 0)
        self.assertEqual(self.ledger('h'), kept)
        self.assertEqual(len(os.listdir(os.path.join(self.dir, 'h', 'corpus'))), 2)
        self.assertEqual(os.listdir(os.path.join(self.dir, 'h', 'findings')), ['crash-1'])
        execs = self.fz.run_one('h', FAKE, None, [], 1, self.dir)[0]
        led = self.ledger('h')
        self.assertEqual(led['executions'], kept['executions'] + execs)
        self.assertEqual(len(led['runs']), 2)

    def test_restore_keeps_a_ledger_already_there(self):
        keep = self.campaign_to_save()
        self.assertEqual(self.run_main(['--save', keep], [('h', FAKE, None, [])]), 0)
        self.fz.run_one('h', FAKE, None, [], 1, self.dir)
        newer = self.ledger('h')
        self.assertEqual(self.run_main(['--restore', keep], []), 0)
        self.assertEqual(self.ledger('h'), newer)

    def test_save_replaces_findings_a_save_cut_short_left(self):
        keep = self.campaign_to_save()
        os.makedirs(os.path.join(keep, 'h', 'findings.new'))
        with open(os.path.join(keep, 'h', 'findings.new', 'crash-stale'), 'w') as f:
            f.write('old')
        self.assertEqual(self.run_main(['--save', keep], [('h', FAKE, None, [])]), 0)
        self.assertEqual(os.listdir(os.path.join(keep, 'h', 'findings')), ['crash-1'])
        self.assertFalse(os.path.exists(os.path.join(keep, 'h', 'findings.new')))

    def test_restore_refuses_a_kept_ledger_it_cannot_read(self):
        keep = self.campaign_to_save()
        self.assertEqual(self.run_main(['--save', keep], [('h', FAKE, None, [])]), 0)
        shutil.copytree(os.path.join(keep, 'h'), os.path.join(keep, 'g'))
        for bad in ('{"executions": 12', '[]', '{"executions": "12", "cpu_seconds": 1, "runs": []}'):
            with open(os.path.join(keep, 'g', 'ledger.json'), 'w') as f:
                f.write(bad)
            shutil.rmtree(os.path.join(self.dir, 'h'), ignore_errors=True)
            self.assertEqual(self.run_main(['--restore', keep], []), 1, bad)
            self.assertFalse(os.path.exists(os.path.join(self.dir, 'g', 'ledger.json')), bad)
            # the other harness is restored all the same
            self.assertEqual(self.ledger('h')['runs'][0]['executions'],
                             self.ledger('h')['executions'])

    def test_ci_run_replays_the_kept_corpus(self):
        # test/fuzz-run.sh (CI's bounded run) hands libFuzzer the campaign's
        # kept corpus after the seeds, and its own corpus first (the one
        # libFuzzer writes to); no kept corpus, no extra directory
        bindir = os.path.join(self.dir, 'bin')
        os.makedirs(bindir)
        harness = os.path.join(bindir, 'h_fuzz')
        with open(harness, 'w') as f:
            f.write('#!/bin/sh\nprintf "%s\\n" "$@"\n')
        os.chmod(harness, 0o755)
        seeds = os.path.join(self.dir, 'seeds')
        os.makedirs(seeds)
        run = os.path.join(HERE, '..', 'fuzz-run.sh')
        env = dict(os.environ, VM2VM_FUZZ_KEPT=os.path.join(self.dir, 'state'))

        def args():
            return subprocess.run([run, harness, seeds, '-x=1'], env=env, check=True,
                                  capture_output=True, text=True).stdout.split('\n')[:-1]
        plain = args()
        self.assertEqual(plain[-2:], [os.path.join(bindir, 'corpus-h_fuzz'), seeds])
        kept = os.path.join(self.dir, 'state', 'h_fuzz', 'corpus')
        os.makedirs(kept)
        self.assertEqual(args(), plain + [kept])

    def test_until_done_runs_turns_until_every_goal_is_reached(self):
        # a 1 s turn gives a harness about 1 CPU s: a goal of 1.5 takes two turns
        hs = [('a', FAKE, None, []), ('b', FAKE, None, [])]
        self.assertEqual(self.run_main(['--seconds', '1', '--jobs', '2', '--goal-cpu', '1.5',
                                        '--until-done'], hs), 0)
        for n in ('a', 'b'):
            self.assertGreaterEqual(self.ledger(n)['cpu_seconds'], 1.5, n)
            self.assertGreaterEqual(len(self.ledger(n)['runs']), 2, n)

    def test_without_until_done_one_round(self):
        hs = [('a', FAKE, None, [])]
        self.assertEqual(self.run_main(['--seconds', '1', '--goal-cpu', '1.5'], hs), 0)
        self.assertEqual(len(self.ledger('a')['runs']), 1)
        self.assertLess(self.ledger('a')['cpu_seconds'], 1.5)

    def test_until_done_stops_when_a_turn_runs_nothing(self):
        # harnesses that fail at once must not make it loop for ever
        calls = []

        def nothing(name, *args, **kw):
            calls.append(name)
            return 0, 0, '?', [], [], self.fz.read_ledger(self.dir, name)
        hs = [('a', FAKE, None, []), ('b', FAKE, None, [])]
        self.assertEqual(self.run_main(['--goal-cpu', '10', '--until-done'], hs, nothing), 0)
        self.assertEqual(sorted(calls), ['a', 'b'])

    def test_a_job_does_not_wait_for_a_longer_turn(self):
        # 'long' reaches the goal in one 1.5 s turn, 'short' needs three turns of
        # 0.1 s: the other job runs all of them while 'long' runs (in rounds, the
        # second would wait for the end of 'long''s), one at a time
        turns = []

        def turn(name, *args, **kw):
            os.makedirs(os.path.join(self.dir, name, 'corpus'), exist_ok=True)
            start = time.monotonic()
            time.sleep(1.5 if name == 'long' else 0.1)
            turns.append((name, start, time.monotonic()))
            led = self.fz.add_to_ledger(self.dir, name, 1, 3.0 if name == 'long' else 1.0, '1')
            return 1, 0, '1', [], [], led
        hs = [('long', FAKE, None, []), ('short', FAKE, None, [])]
        self.assertEqual(self.run_main(['--goal-cpu', '3', '--jobs', '2', '--until-done'],
                                       hs, turn), 0)
        short = sorted(t for t in turns if t[0] == 'short')
        (long_turn,) = [t for t in turns if t[0] == 'long']
        self.assertEqual(len(short), 3)
        self.assertLess(short[-1][2], long_turn[2])
        for before, after in zip(short, short[1:]):
            self.assertLessEqual(before[2], after[1])     # never two turns at once

    def test_ledger_names_the_commit_the_harnesses_were_built_from_and_the_machine(self):
        # the build's own source tree, not the tree of the vm2vm-fuzz that runs it
        src = os.path.join(self.dir, 'src')
        os.makedirs(src)
        git = ['git', '-C', src, '-c', 'user.name=t', '-c', 'user.email=t@t']
        subprocess.run(git + ['init', '-q'], check=True)
        with open(os.path.join(src, 'f'), 'w') as f:
            f.write('1')
        subprocess.run(git + ['add', 'f'], check=True)
        subprocess.run(git + ['commit', '-qm', 'c'], check=True)
        head = subprocess.run(git + ['rev-parse', '--short', 'HEAD'], check=True,
                              capture_output=True, text=True).stdout.strip()
        build = os.path.join(self.dir, 'build')
        os.makedirs(os.path.join(build, 'meson-info'))
        with open(os.path.join(build, 'meson-info', 'meson-info.json'), 'w') as f:
            json.dump({'directories': {'source': src, 'build': build}}, f)
        self.assertEqual(self.fz.source_commit(build), head)
        with open(os.path.join(src, 'f'), 'w') as f:
            f.write('2')
        self.assertEqual(self.fz.source_commit(build), head + '-dirty')
        self.assertEqual(self.fz.source_commit(os.path.join(self.dir, 'nobuild')), '?')
        hs = [('h', FAKE, None, [])]
        self.assertEqual(self.run_main(['--build', build, '--seconds', '1'], hs), 0)
        run = self.ledger('h')['runs'][-1]
        self.assertEqual(run['commit'], head + '-dirty')
        self.assertTrue(run['machine'].endswith(f' x{os.cpu_count()}'), run['machine'])
        self.assertNotIn('?', run['machine'])

    def test_output_into_a_closed_pipe_ends_quietly(self):
        # `vm2vm-fuzz --table | grep -q open`: grep leaves at the first match
        os.makedirs(os.path.join(self.dir, 'h'))
        self.fz.add_to_ledger(self.dir, 'h', 0, 1.0, '1')
        r, w = os.pipe()
        os.close(r)
        p = subprocess.run([sys.executable, TOOL, '--corpus', self.dir, '--table'],
                           stdout=w, stderr=subprocess.PIPE, text=True, timeout=60)
        os.close(w)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, '')

    def test_until_done_wants_a_goal(self):
        with self.assertRaises(SystemExit) as e:
            self.run_main(['--until-done'], [('a', FAKE, None, [])])
        self.assertIn('--goal', str(e.exception.code))

    def test_jobs_charge_each_harness_its_own_cpu(self):
        # each fake burns 1 s of CPU and stops: summing the children's CPU
        # (what RUSAGE_CHILDREN would give) would charge the later one about 2 s
        os.environ['FAKE_BURN'] = '1.0'
        hs = [('a', FAKE, None, []), ('b', FAKE, None, [])]
        self.assertEqual(self.run_main(['--seconds', '60', '--jobs', '2'], hs), 0)
        for n in ('a', 'b'):
            cpu = self.ledger(n)['cpu_seconds']
            self.assertGreaterEqual(cpu, 0.9, n)
            self.assertLessEqual(cpu, 1.5, n)


if __name__ == '__main__':
    unittest.main()
