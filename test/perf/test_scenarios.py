# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Orchestration (alternation, failures, per-run clean-up), systems,
command lines, the summary and the outputs, with fake runs."""

import csv
import json
import os
import tempfile
import unittest
from unittest import mock

from vm2vm_perf import cli, machine, record, report, scenarios, systems
from vm2vm_perf.procs import StartError


def cfg_for(argv):
    """A configuration as the command line makes it, without the cross-core
    probe: it is a real program spinning two CPUs before every run, 1.4 s a
    run on a loaded host, which made these tests time out (TestConditions
    covers the probe with a fake)."""
    cfg = cli.Config(cli.parser().parse_args(argv))
    cfg.xcore_probe = None
    return cfg


class FakeSession:
    def __init__(self):
        self.ended = 0
        self.tag = 'pf1'
        self.seq = 0

    def prefix(self, role):
        self.seq += 1
        return 'pf1-%s%d' % (role, self.seq)

    def path(self, name, in_huge=False):
        return ('/huge/' if in_huge else '/w/') + name

    def end_run(self):
        self.ended += 1


def res(mpps, steady=True):
    return {'median': mpps * 1e6, 'mean': mpps * 1e6, 'rates': [mpps * 1e6], 'steady': steady,
            'warmup_s': 2}


class TestOrchestration(unittest.TestCase):
    def test_link_alternates_and_cleans_each_run(self):
        cfg = cfg_for(['link', '--reps', '2', '--sizes', '64,1518', '--no-loop'])
        order = []
        value = {'ivshmem2-copy': 10, 'memif-copy': 5, 'ivshmem2-zc': 12, 'memif-zc': 6}

        def fake(cfg_, session, system, size, direction):
            order.append(system.name)
            if system.name == 'memif-zc' and size == 1518:
                raise StartError('memif server exited')
            return res(value[system.name])
        sess = FakeSession()
        rec = record.Record(log=None)
        with mock.patch.object(scenarios, 'run_oneway', fake):
            scenarios.link(cfg, sess, rec)
        self.assertEqual(len(order), 16)
        self.assertEqual(sess.ended, 16)
        # rep 1 starts with ivshmem2-copy, rep 2 with the next system
        self.assertEqual(order[0], 'ivshmem2-copy')
        self.assertEqual(order[8], 'memif-copy')
        summ = {(s['size'], s['system']): s for s in rec.summary()}
        self.assertAlmostEqual(summ[(64, 'ivshmem2-copy')]['ratios']['memif-copy'], 2.0)
        self.assertEqual(summ[(1518, 'memif-zc')]['failed'], 2)
        self.assertIsNone(summ[(1518, 'memif-zc')]['median'])
        self.assertEqual(summ[(1518, 'ivshmem2-zc')]['ratios'], {})
        self.assertEqual(len(rec.failures()), 2)

    def test_link_loop_case_per_cpu_second(self):
        cfg = cfg_for(['link', '--quick'])
        ran = []

        def loop(cfg_, session, system, size):
            ran.append(('loop', system.name))
            if system.name == 'memif-zc':
                raise StartError('no packets forwarded')
            return res(30 if system.name.startswith('ivshmem2') else 20)
        sess = FakeSession()
        rec = record.Record(log=None)
        with mock.patch.object(scenarios, 'run_oneway', lambda *a: res(5)), \
                mock.patch.object(scenarios, 'run_loop', loop):
            scenarios.link(cfg, sess, rec)
        self.assertEqual(len(ran), 4)
        self.assertEqual(sess.ended, 8)
        summ = {(s['case'], s['system']): s for s in rec.summary()}
        self.assertEqual(summ[('one-way', 'memif-copy')]['metric'], 'Mpps')
        loop_copy = summ[(scenarios.LOOP_CASE, 'ivshmem2-copy')]
        self.assertEqual(loop_copy['metric'], 'Mpkt/CPU-s')
        self.assertAlmostEqual(loop_copy['ratios']['memif-copy'], 1.5)
        # a case all of whose runs failed keeps its metric
        failed = summ[(scenarios.LOOP_CASE, 'memif-zc')]
        self.assertEqual((failed['metric'], failed['failed'], failed['median']),
                         ('Mpkt/CPU-s', 1, None))
        runs = [r for r in rec.rows if r['case'] == scenarios.LOOP_CASE and 'value' in r]
        self.assertTrue(all('samples_mpkt_per_cpu_s' in r for r in runs))

    def test_latency_all_failed_keeps_percentile_rows(self):
        rec = record.Record(log=None)

        def boom(*a):
            raise StartError('pong exited')
        with mock.patch.object(scenarios, 'run_pingpong', boom):
            scenarios.latency(cfg_for(['latency', '--systems', 'vhost_pci']), FakeSession(), rec)
        metrics = {s['metric'] for s in rec.summary()}
        self.assertEqual(metrics, {'rtt_p50_us', 'rtt_p99_us', 'rtt_p999_us', 'rtt_max_us'})

    def test_backend_both_directions(self):
        cfg = cfg_for(['backend', '--quick'])
        seen = []

        def fake(cfg_, session, system, size, direction):
            seen.append((system.name, direction))
            return res(2 if system.name == 'vhost_pci' else 1)
        rec = record.Record(log=None)
        with mock.patch.object(scenarios, 'run_oneway', fake):
            scenarios.backend(cfg, FakeSession(), rec)
        self.assertEqual(sorted(seen), [('net_vhost', 'c2s'), ('net_vhost', 's2c'),
                                        ('vhost_pci', 'c2s'), ('vhost_pci', 's2c')])
        cases = {s['case'] for s in rec.summary()}
        self.assertEqual(cases, {'virtio-user->backend', 'backend->virtio-user'})

    def test_frontend_vectorized_vdev_and_eal(self):
        scalar = systems.backend_systems(cfg_for(['backend']), '/w/s')[0].client
        self.assertNotIn('vectorized', scalar.vdevs[0])
        self.assertNotIn('--force-max-simd-bitwidth=512', scalar.eal)
        for s in systems.backend_systems(cfg_for(['backend', '--frontend', 'vectorized']), '/w/s'):
            self.assertIn(',vectorized=1,in_order=1,mrg_rxbuf=0', s.client.vdevs[0])
            self.assertIn('--force-max-simd-bitwidth=512', s.client.eal)
            self.assertNotIn('vectorized', s.server.vdevs[0])

    def test_frontend_vectorized_refusals(self):
        avx = 'flags\t\t: fpu sse2 avx2 avx512f avx512bw\n'
        plain = 'flags\t\t: fpu sse2 avx2\n'
        ok = cfg_for(['backend', '--frontend', 'vectorized', '--sizes', '64,1518'])
        self.assertEqual(cli.vectorized_problems(ok, ['backend'], avx), [])
        self.assertEqual(len(cli.vectorized_problems(ok, ['backend'], plain)), 1)
        self.assertIn('AVX-512F', cli.vectorized_problems(ok, ['backend'], plain)[0])
        big = cfg_for(['backend', '--frontend', 'vectorized'])  # default sizes include 9000
        msg = cli.vectorized_problems(big, ['backend'], avx)
        self.assertEqual(len(msg), 1)
        self.assertIn('9000', msg[0])
        self.assertNotIn('512,', msg[0])
        # latency sizes count only when latency runs
        lat = cfg_for(['all', '--frontend', 'vectorized', '--sizes', '64',
                       '--latency-sizes', '64,2000'])
        self.assertEqual(cli.vectorized_problems(lat, ['backend'], avx), [])
        self.assertIn('2000', cli.vectorized_problems(lat, ['backend', 'latency'], avx)[0])

    def test_latency_percentiles_and_ratio(self):
        cfg = cfg_for(['latency', '--systems', 'vhost_pci'])
        p = {'vhost_pci': 1.0, 'net_vhost': 2.0}

        def fake(cfg_, session, system, size):
            v = p[system.name]
            return {'samples': 100, 'lost': 0, 'p50': v, 'p99': 2 * v, 'p999': 3 * v,
                    'max': 4 * v, 'min': v / 2, 'mean': v}
        rec = record.Record(log=None)
        with mock.patch.object(scenarios, 'run_pingpong', fake):
            scenarios.latency(cfg, FakeSession(), rec)
        summ = {(s['system'], s['metric']): s for s in rec.summary()}
        self.assertEqual(len(summ), 8)
        self.assertAlmostEqual(summ[('vhost_pci', 'rtt_p99_us')]['median'], 2.0)
        self.assertAlmostEqual(summ[('vhost_pci', 'rtt_p50_us')]['ratios']['net_vhost'], 0.5)

    def test_switch_systems_filter(self):
        rec = record.Record(log=None)
        ran = []

        def fake(c, s, n, z, v):
            ran.append(n)
            self.assertEqual(v, '/usr/sbin/ovs-vswitchd')
            return res(3)
        with mock.patch.object(scenarios, 'find_ovs', lambda: '/usr/sbin/ovs-vswitchd'), \
                mock.patch.object(scenarios, 'run_pvp', fake):
            scenarios.switch(cfg_for(['switch', '--quick', '--systems', 'vm2vm-io']),
                             FakeSession(), rec)
            self.assertEqual(sorted(ran), ['testpmd', 'vm2vm-io'])
            ran.clear()
            scenarios.switch(cfg_for(['switch', '--quick', '--systems', 'memif-zc']),
                             FakeSession(), rec)
            self.assertEqual(sorted(ran), ['ovs', 'testpmd', 'vm2vm'])

    def test_switch_without_ovs_notes_it(self):
        cfg = cfg_for(['switch', '--quick'])
        rec = record.Record(log=None)
        with mock.patch.object(scenarios, 'find_ovs', lambda: None), \
                mock.patch.object(scenarios.shutil, 'which', lambda name: None), \
                mock.patch.object(scenarios, 'run_pvp', lambda c, s, n, z, v: res(3)):
            scenarios.switch(cfg, FakeSession(), rec)
        names = {r['system'] for r in rec.rows}
        self.assertEqual(names, {'vm2vm', 'testpmd'})
        self.assertTrue(any('OVS' in n for n in rec.notes))
        vm = [s for s in rec.summary() if s['system'] == 'vm2vm'][0]
        self.assertEqual(vm['ratios'], {'testpmd': 1.0})


class TestCommandLines(unittest.TestCase):
    def test_systems_and_anchor_selection(self):
        cfg = cfg_for(['link', '--queues', '2', '--ring', '512'])
        s = systems.link_systems(cfg, '/dev/hugepages/pf1-link', '/w/m.sock')
        self.assertEqual([x.name for x in systems.select(s, ['ivshmem2-zc'])],
                         ['ivshmem2-zc', 'memif-zc'])
        # naming only systems of other scenarios leaves this one whole
        self.assertEqual(len(systems.select(s, ['vhost_pci'])), 4)
        self.assertEqual(len(systems.select(s, [])), 4)
        zc = s[2]
        self.assertIn('zero_copy=1', zc.server.vdevs[0])
        self.assertIn('queues=2,ring_size=512', zc.server.vdevs[0])
        self.assertIn('-d', zc.server.eal)
        self.assertIn('rsize=9', s[1].server.vdevs[0])
        self.assertIn('--single-file-segments', s[3].client.eal)

    def test_testpmd_argv_pinning(self):
        cfg = cfg_for(['link', '--cpus', '1,0'])
        end = systems.End(['net_null0'], ['-d', '/b/x.so'])
        argv = scenarios.testpmd_argv(cfg, 'pf1-srv1', 0, 1, end, 'rxonly', 64)
        self.assertEqual(argv[argv.index('--lcores') + 1], '0@0,1@1')
        self.assertEqual(argv[argv.index('--file-prefix') + 1], 'pf1-srv1')
        self.assertIn('--no-pci', argv)
        self.assertLess(argv.index('-d'), argv.index('--'))
        self.assertIn('--forward-mode=rxonly', argv)

    def test_stats_period_only_for_stats_counters(self):
        end = systems.End(['net_null0'])
        for counters, want in (('telemetry', False), ('stats', True)):
            cfg = cfg_for(['link', '--counters', counters])
            argv = scenarios.testpmd_argv(cfg, 'pf1-srv1', 0, 1, end, 'rxonly', 64)
            self.assertEqual('--stats-period' in argv, want, counters)

    def test_loop_end_renames_the_second_port(self):
        cfg = cfg_for(['link'])
        s = {x.name: x for x in systems.link_systems(cfg, '/huge/pf1-link', '/w/m.sock')}
        e = scenarios.loop_end(s['memif-zc'])
        self.assertEqual([v.split(',')[0] for v in e.vdevs], ['net_memif0', 'net_memif1'])
        self.assertIn('role=client', e.vdevs[1])
        self.assertIn('zero-copy=yes', e.vdevs[1])
        self.assertEqual(e.eal, ['--single-file-segments'])
        e = scenarios.loop_end(s['ivshmem2-zc'])
        self.assertEqual([v.split(',')[0] for v in e.vdevs], ['net_ivshmem2_0', 'net_ivshmem2_1'])
        self.assertTrue(e.vdevs[1].endswith('id=1,zero_copy=1'))
        self.assertEqual(e.eal.count('-d'), 1)

    def test_run_loop_command_and_cpu_clock(self):
        cfg = cfg_for(['link', '--quick', '--cpus', '1,0'])
        link = systems.link_systems(cfg, '/huge/pf1-link', '/w/m.sock')[0]
        seen = {}

        class D:
            proc = mock.Mock()
            proc.alive.return_value = True

        def fake_start(session, name, argv, prefix, nb_ports):
            seen.update(argv=argv, nb_ports=nb_ports)
            return D()

        def fake_measure(read, duration, warmup, interval, cpu):
            seen.update(interval=interval, cpu=cpu)
            return res(seen.get('value', 25))
        with mock.patch.object(scenarios, 'start', fake_start), \
                mock.patch.object(scenarios, 'wait_links', lambda d, ports: None), \
                mock.patch.object(scenarios, 'thread_cpu', lambda d: 'cpu-clock'), \
                mock.patch.object(scenarios, 'measure_rate', fake_measure):
            r = scenarios.run_loop(cfg, FakeSession(), link, 64)
            self.assertEqual(r['median'], 25e6)
            argv = seen['argv']
            self.assertEqual(seen['nb_ports'], 2)
            self.assertEqual((seen["cpu"], seen["interval"]), ("cpu-clock", 0.25))
            self.assertEqual(argv[argv.index('--lcores') + 1], '0@0,1@1')
            self.assertIn('--forward-mode=io', argv)
            self.assertIn('--tx-first', argv)
            self.assertNotIn('--disable-link-check', argv)
            self.assertEqual(argv.count('--vdev'), 2)
            seen['value'] = 0
            with self.assertRaises(StartError):
                scenarios.run_loop(cfg, FakeSession(), link, 64)

    def test_ovs_mtu_for_jumbo_frames_only(self):
        self.assertEqual(scenarios.ovs_port_options(64), [])
        self.assertEqual(scenarios.ovs_port_options(1518), [])
        self.assertEqual(scenarios.ovs_port_options(9000), ['mtu_request=8986'])

    def test_find_ovs_wants_dpdk(self):
        versions = {'/usr/sbin/ovs-vswitchd': 'ovs-vswitchd (Open vSwitch) 3.1.0\n',
                    scenarios.OVS_DPDK_BINARIES[0]:
                        'ovs-vswitchd-dpdk (Open vSwitch) 3.1.0\nDPDK 22.11.11\n'}

        def run(argv, **kw):
            return mock.Mock(stdout=versions[argv[0]])
        which = lambda name: '/usr/sbin/ovs-vswitchd'  # noqa: E731
        # the alternative points at the plain build: the DPDK one is used
        self.assertEqual(scenarios.find_ovs(run, which, lambda p: p in versions),
                         scenarios.OVS_DPDK_BINARIES[0])
        # only the plain build: none, and the note says why
        self.assertIsNone(scenarios.find_ovs(run, which, lambda p: p == '/usr/sbin/ovs-vswitchd'))
        self.assertIn('no DPDK support', scenarios.ovs_missing_note(which))
        self.assertIn('not installed', scenarios.ovs_missing_note(lambda name: None))
        versions['/usr/sbin/ovs-vswitchd'] += 'DPDK 22.11.11\n'
        self.assertEqual(scenarios.find_ovs(run, which, lambda p: True), '/usr/sbin/ovs-vswitchd')

    def test_plan_counts_runs_and_time(self):
        cfg = cfg_for(['all', '--quick'])
        rows = {r[0]: r for r in scenarios.plan(cfg, cli.ORDER, have_ovs=False)}
        self.assertEqual({n: r[1] for n, r in rows.items()},
                         {'link': 8, 'backend': 4, 'switch': 2, 'latency': 6})
        for n, k, typical, worst in rows.values():
            self.assertLessEqual(typical, worst)
        # the default matrix: 4 sizes, 3 repetitions, OVS adds a third switch
        cfg = cfg_for(['all'])
        rows = {r[0]: r[1] for r in scenarios.plan(cfg, cli.ORDER, have_ovs=True)}
        self.assertEqual(rows, {'link': 96, 'backend': 48, 'switch': 36, 'latency': 18})
        cfg = cfg_for(['link', '--no-loop', '--systems', 'ivshmem2-zc', '--reps', '2'])
        self.assertEqual(scenarios.plan(cfg, ['link'], False)[0][1], 2 * 2 * 4)
        text = cli.plan_text(cfg_for(['all', '--quick']), cli.ORDER, False)
        self.assertTrue(text.startswith('20 runs (link 8, backend 4, switch 2, latency 6)'), text)
        self.assertIn('OVS-DPDK not installed', text)

    def test_plan_option_runs_nothing(self):
        with mock.patch.object(cli, 'check_prereqs') as pre, \
                mock.patch('sys.stdout') as out:
            self.assertEqual(cli.main(['all', '--plan']), 0)
        pre.assert_not_called()
        self.assertIn('runs', ''.join(c.args[0] for c in out.write.call_args_list))

    def test_jumbo_frames_are_chains(self):
        self.assertEqual(scenarios.txpkts_args(64), ['--txpkts=64'])
        a = scenarios.txpkts_args(9000)
        self.assertEqual(a[0], '--txpkts=2048,2048,2048,2048,808')
        self.assertEqual(sum(int(x) for x in a[0].split('=')[1].split(',')), 9000)

    def test_rotated(self):
        self.assertEqual(scenarios.rotated([1, 2, 3], 4), [2, 3, 1])

    def test_quick_preset_and_overrides(self):
        c = cfg_for(['all', '--quick', '--sizes', '512'])
        self.assertEqual((c.sizes, c.reps, c.duration, c.interval), ([512], 1, 1.5, 0.25))
        self.assertTrue(c.loop)
        c = cfg_for(['link'])
        self.assertEqual(c.sizes, [64, 512, 1518, 9000])
        self.assertEqual(c.interval, 1.0)
        c = cfg_for(['link', '--quick', '--interval', '1', '--no-loop'])
        self.assertEqual((c.interval, c.loop), (1.0, False))
        with self.assertRaises(SystemExit), mock.patch('sys.stderr'):
            cfg_for(['link', '--interval', '0.01'])
        self.assertEqual(cfg_for(['link', '--quick', '--counters', 'stats']).interval, 1.0)
        with self.assertRaises(SystemExit), mock.patch('sys.stderr'):
            cfg_for(['link', '--ring', '1000'])
        with self.assertRaises(SystemExit), mock.patch('sys.stderr'):
            cfg_for(['link', '--cpus', '1,1'])


class TestOutputs(unittest.TestCase):
    def make(self):
        rec = record.Record(log=None)
        a = systems.System('a', 'System A', 'b', None, None)
        b = systems.System('b', 'System B', '', None, None)
        for rep, (x, y) in enumerate([(10, 5), (12, 4), (11, 6)]):
            rec.throughput('link', 'one-way', 64, a, rep, res(x))
            rec.throughput('link', 'one-way', 64, b, rep, res(y, steady=False))
        return rec

    def test_summary_median_minmax_ratio(self):
        s = {x['system']: x for x in self.make().summary()}
        self.assertEqual((s['a']['median'], s['a']['min'], s['a']['max']), (11, 10, 12))
        self.assertAlmostEqual(s['a']['ratios']['b'], 11 / 5)
        self.assertEqual(s['a']['ratios_per_rep']['b'], [10 / 5, 12 / 4, 11 / 6])
        self.assertEqual(s['b']['ratios_per_rep'], {})
        self.assertEqual(s['b']['reps'], 3)

    def test_table_csv_json(self):
        rec = self.make()
        summ = rec.summary()
        t = report.table(summ)
        self.assertIn('2.20x b', t)
        self.assertIn('10.00 - 12.00', t)
        with tempfile.TemporaryDirectory() as d:
            report.write_csv(os.path.join(d, 'r.csv'), summ)
            report.write_json(os.path.join(d, 'r.json'), {'cpus': 2}, {'reps': 3}, rec, summ)
            with open(os.path.join(d, 'r.csv')) as f:
                rows = list(csv.DictReader(f))
            self.assertEqual(rows[0]['system'], 'a')
            self.assertEqual(rows[0]['ratios'], 'b=2.2000')
            self.assertEqual(float(rows[1]['median']), 5.0)
            with open(os.path.join(d, 'r.json')) as f:
                j = json.load(f)
            self.assertEqual(len(j['runs']), 6)
            self.assertEqual(len(j['notes']), 3)   # b never steady, noted per rep

    def test_markdown_results_section(self):
        rec = record.Record(log=None)
        iv = systems.System('ivshmem2-copy', 'net_ivshmem2 copy', 'memif-copy', None, None)
        mf = systems.System('memif-copy', 'net_memif copy', '', None, None)
        for rep, (x, y) in enumerate([(10, 5), (12, 4), (11, 6)]):
            rec.throughput('link', 'one-way', 64, iv, rep, res(x))
            rec.throughput('link', 'one-way', 64, mf, rep, res(y))
            rec.throughput('link', 'io loop', 64, iv, rep, res(30), metric='Mpkt/CPU-s')
            rec.throughput('link', 'io loop', 64, mf, rep, res(20), metric='Mpkt/CPU-s')
            for sysm, v in ((iv, 1.0), (mf, 2.0)):
                rec.latency('latency', 'round trip', 64, sysm, rep,
                            {'samples': 10, 'p50': v, 'p99': 2 * v, 'p999': 3 * v, 'max': 4 * v})
        md = report.markdown({'date': '2026-12-02T05:00:00', 'cpu_model': 'Xeon', 'cpus': 2,
                              'dpdk_version': '22.11', 'hugepage_size': '2048 kB',
                              'pinning': {'rx': 0, 'tx': 1}},
                             rec.summary(), 'usertools/vm2vm-perf all', 125, 12, 0)
        self.assertIn('Measured on 2026-12-02 with', md)
        self.assertIn('usertools/vm2vm-perf all\n', md)
        self.assertIn('The run took 2 min 5 s: 12 runs, 0 failed.', md)
        self.assertIn('| link, one-way | 64 | net_ivshmem2 copy | 11.00 (10.00–12.00) | '
                      'net_memif copy | 5.00 (4.00–6.00) | 2.20× | ≥ 2.0× |', md)
        self.assertIn('| link, io loop | 64 | net_ivshmem2 copy | 30.00 (30.00–30.00) |', md)
        self.assertIn('| 64 | net_ivshmem2 copy | 1.00 | 2.00 | 3.00 | 4.00 | '
                      'net_memif copy 2.00 / 4.00 |', md)

    @unittest.skipUnless(report.have_matplotlib(), 'matplotlib not installed')
    def test_plots(self):
        rec = self.make()
        a = systems.System('a', 'System A', 'b', None, None)
        rec.throughput('link', 'io loop', 64, a, 0, res(30), metric='Mpkt/CPU-s')
        with tempfile.TemporaryDirectory() as d:
            files = report.plots(d, rec.summary())
            self.assertEqual([os.path.basename(f) for f in files],
                             ['throughput-link-one-way.png', 'throughput-link-io-loop.png'])
            self.assertGreater(os.path.getsize(files[0]), 1000)


class TestPrereqs(unittest.TestCase):
    def test_hugepages_free(self):
        self.assertEqual(cli.hugepages_free_mb('HugePages_Free:     300\n'
                                               'Hugepagesize:       2048 kB\n'), 600)
        self.assertIsNone(cli.hugepages_free_mb('MemTotal: 1 kB\n'))

    def test_missing_build_reported(self):
        cfg = cfg_for(['latency', '--build', '/nonexistent'])
        problems = cli.check_prereqs(cfg, ['latency'])
        self.assertTrue(any('dpdk-ping-pong missing' in p for p in problems))
        self.assertTrue(any('librte_net_vhost_pci.so missing' in p for p in problems))


class TestMachine(unittest.TestCase):
    def test_parsers(self):
        self.assertEqual(machine.cpu_model('processor\t: 0\nmodel name\t: Xeon Foo\n'),
                         'Xeon Foo')
        h = machine.hugepage_info('HugePages_Total:    1024\nHugepagesize:       2048 kB\n')
        self.assertEqual(h['Hugepagesize'], '2048 kB')
        d = machine.describe({'rx': 0})
        for k in ('cpu_model', 'cpus', 'dpdk_version', 'hugepage_size', 'pinning'):
            self.assertIn(k, d)


class TestConditions(unittest.TestCase):
    """The cross-core probe taken before each run, and what the report says of it."""

    def test_parse_probe_output(self):
        self.assertEqual(machine.parse_xcore('xcore_rtt_ns median=66.5 min=64.8 max=71.6 '
                                             'samples=9\n'), 66.5)
        self.assertIsNone(machine.parse_xcore('usage: ...\n'))
        self.assertIsNone(machine.parse_xcore('xcore_rtt_ns median=fast\n'))
        self.assertIsNone(machine.parse_xcore(None))

    def test_probe_run_and_failures(self):
        calls = []

        def run(argv, **kw):
            calls.append(argv)
            return mock.Mock(returncode=0, stdout='xcore_rtt_ns median=80.0 min=1 max=2\n')
        with tempfile.NamedTemporaryFile() as f:
            os.chmod(f.name, 0o700)
            self.assertEqual(machine.xcore_rtt(f.name, [0, 1], run=run), 80.0)
            self.assertEqual(calls, [[f.name, '0', '1']])
            self.assertIsNone(machine.xcore_rtt(
                f.name, [0, 1], run=lambda a, **kw: mock.Mock(returncode=2, stdout='')))
        self.assertIsNone(machine.xcore_rtt('/nonexistent/probe', [0, 1], run=run))
        self.assertEqual(len(calls), 1)   # a missing probe is not run

    def test_each_run_carries_the_probe_taken_before_it(self):
        cfg = cfg_for(['link', '--reps', '1', '--sizes', '64', '--no-loop'])
        readings = iter([60.0, 300.0, None, 70.0])
        with mock.patch.object(machine, 'xcore_rtt', lambda probe, cpus: next(readings)), \
                mock.patch.object(scenarios, 'run_oneway', lambda *a: res(10)):
            rec = record.Record(log=None)
            scenarios.link(cfg, FakeSession(), rec)
        got = [r.get('xcore_rtt_ns') for r in rec.rows]
        self.assertEqual(got, [60.0, 300.0, None, 70.0])
        self.assertEqual(rec.xcore_range(), (60.0, 70.0, 300.0))
        summ = {s['system']: s for s in rec.summary()}
        self.assertEqual(summ['memif-copy']['xcore_rtt_ns'], 300.0)
        self.assertIsNone(summ['ivshmem2-zc']['xcore_rtt_ns'])

    def test_report_warns_when_the_host_moved_the_vcpus(self):
        self.assertEqual(report.conditions_text(None), [])
        steady = report.conditions_text((60.0, 65.0, 80.0))
        self.assertEqual(len(steady), 1)
        self.assertIn('median 65 ns (60 - 80)', steady[0])
        moved = report.conditions_text((60.0, 70.0, 300.0))
        self.assertEqual(len(moved), 2)
        self.assertIn('moved the vCPUs', moved[1])
        self.assertIn('5.0x', moved[1])
        md = report.markdown({'date': '2026-12-02', 'pinning': {}}, [], 'cmd', 1, 0, 0,
                             (60.0, 70.0, 300.0))
        self.assertIn('Cross-core cache-line round trip before each run: median 70 ns', md)
        self.assertIn('The host moved the vCPUs', md)

    def test_csv_has_the_probe(self):
        rec = record.Record(log=None)
        a = systems.System('a', 'System A', '', None, None)
        rec.conditions(66.25)
        rec.throughput('link', 'one-way', 64, a, 0, res(10))
        with tempfile.TemporaryDirectory() as d:
            report.write_csv(os.path.join(d, 'r.csv'), rec.summary())
            with open(os.path.join(d, 'r.csv')) as f:
                rows = list(csv.DictReader(f))
        self.assertEqual(rows[0]['xcore_rtt_ns'], '66.2')


class FakeProc:
    def __init__(self, name, events, log=''):
        self.name, self.events, self.log = name, events, log

    def freeze(self):
        self.events.append(('freeze', self.name))

    def interrupt(self):
        self.events.append(('interrupt', self.name))
        self.log += 'CPU cycles/packet=61.50 (total cycles=615 / total rxonly packets=10)\n'

    def log_text(self):
        return self.log

    def log_tail(self):
        return self.log

    def alive(self):
        return True


class TestReceiverCost(unittest.TestCase):
    """The receiver's busy cycles per packet: collected at the end of a one-way
    run, summarised as its own metric with ratios, reported in results.md."""

    def test_parse(self):
        from vm2vm_perf.counters import parse_busy_cycles
        text = ('  CPU cycles/packet=12.00 (total cycles=12 / total rxonly packets=1)\n'
                '  CPU cycles/packet=58.27 (total cycles=1 / total rxonly packets=2) at 2600 MHz')
        self.assertEqual(parse_busy_cycles(text), 58.27)
        self.assertIsNone(parse_busy_cycles('RX-packets: 5\n'))
        self.assertIsNone(parse_busy_cycles(None))

    def test_sender_frozen_before_the_receiver_stops(self):
        ev = []
        rx, tx = FakeProc('rx', ev), FakeProc('tx', ev)
        got = scenarios.receiver_busy_cycles(rx, [tx], wait=lambda cond, t: cond())
        self.assertEqual(got, 61.5)
        self.assertEqual(ev, [('freeze', 'tx'), ('interrupt', 'rx')])
        silent = FakeProc('rx', [])
        silent.interrupt = lambda: None
        self.assertIsNone(scenarios.receiver_busy_cycles(silent, [], wait=lambda c, t: c()))

    def test_only_the_receiver_counts_cycles(self):
        cfg = cfg_for(['link'])
        end = systems.End(['net_null0'])
        self.assertNotIn('--record-core-cycles',
                         scenarios.testpmd_argv(cfg, 'p', 0, 1, end, 'txonly', 64))
        self.assertIn('--record-core-cycles',
                      scenarios.testpmd_argv(cfg, 'p', 0, 1, end, 'rxonly', 64, busy_cycles=True))
        self.assertIn('--record-burst-stats',
                      scenarios.testpmd_argv(cfg, 'p', 0, 1, end, 'rxonly', 64, busy_cycles=True))
        self.assertNotIn('--record-burst-stats',
                         scenarios.testpmd_argv(cfg, 'p', 0, 1, end, 'txonly', 64))
        seen = []

        def fake_start(session, name, argv, prefix, nb_ports):
            seen.append((name, '--record-core-cycles' in argv, argv))
            return mock.Mock(proc=FakeProc(name, []))
        sysm = systems.System('x', 'X', '', systems.End(['a']), systems.End(['b']))
        with mock.patch.object(scenarios, 'start', fake_start), \
                mock.patch.object(scenarios, 'wait_links', lambda *a: None), \
                mock.patch.object(scenarios, 'rx_reader', lambda *a: None), \
                mock.patch.object(scenarios, 'measure_rate', lambda *a, **k: res(10)), \
                mock.patch.object(scenarios, 'receiver_busy_cycles', lambda rx, others: 42.0):
            for direction, receiver in (('c2s', 'server-x'), ('s2c', 'client-x')):
                seen.clear()
                r = scenarios.run_oneway(cfg, FakeSession(), sysm, 64, direction)
                self.assertEqual(r['rx_cycles_per_pkt'], 42.0)
                self.assertEqual([n for n, flag, a in seen if flag], [receiver], direction)
                rxargv = [a for n, f, a in seen if f][0]
                self.assertIn('--forward-mode=rxonly', rxargv)

    def test_parse_idle_bursts(self):
        from vm2vm_perf.counters import parse_idle_burst_pct
        text = ('  RX-bursts : 85240451 [98% of 0 pkts + 1% of 32 pkts + 1% of other]\n'
                '  TX-bursts : 0 [0% of 0 pkts]\n'
                '  TX-bursts : 9000 [3% of 0 pkts + 97% of 32 pkts]\n'
                '  TX-bursts : 8000 [4% of 0 pkts + 96% of 32 pkts]\n')
        self.assertEqual(parse_idle_burst_pct(text, 'TX'), 4)
        self.assertEqual(parse_idle_burst_pct(text, 'RX'), 98)
        self.assertIsNone(parse_idle_burst_pct('  TX-bursts : 0 [0% of 0 pkts]\n', 'TX'))
        self.assertIsNone(parse_idle_burst_pct(None, 'RX'))

    def test_sender_interrupted_receiver_left_running(self):
        ev = []
        tx = FakeProc('tx', ev)
        self.assertEqual(scenarios.sender_busy_cycles(tx, wait=lambda c, t: c()), 61.5)
        self.assertEqual(ev, [('interrupt', 'tx')])
        silent = FakeProc('tx', [])
        silent.interrupt = lambda: None
        self.assertIsNone(scenarios.sender_busy_cycles(silent, wait=lambda c, t: c()))

    def test_out_of_the_backend_counts_the_sender(self):
        cfg = cfg_for(['cost'])
        seen = []

        def fake_start(session, name, argv, prefix, nb_ports):
            seen.append((name, '--record-core-cycles' in argv, argv))
            log = '  TX-bursts : 100 [7% of 0 pkts + 93% of 32 pkts]\n'
            return mock.Mock(proc=FakeProc(name, [], log))
        sysm = systems.System('x', 'X', '', systems.End(['a']), systems.End(['b']))
        with mock.patch.object(scenarios, 'start', fake_start), \
                mock.patch.object(scenarios, 'wait_links', lambda *a: None), \
                mock.patch.object(scenarios, 'rx_reader', lambda *a: None), \
                mock.patch.object(scenarios, 'measure_rate', lambda *a, **k: res(10)), \
                mock.patch.object(scenarios, 'receiver_busy_cycles',
                                  lambda rx, others: self.fail('receiver read')), \
                mock.patch.object(scenarios, 'sender_busy_cycles', lambda tx: 77.0):
            r = scenarios.run_oneway(cfg, FakeSession(), sysm, 64, scenarios.S2C_TX)
        self.assertEqual((r['tx_cycles_per_pkt'], r['tx_idle_burst_pct']), (77.0, 7))
        self.assertNotIn('rx_cycles_per_pkt', r)
        self.assertEqual([n for n, flag, a in seen if flag], ['server-x'])
        self.assertIn('--forward-mode=txonly', [a for n, f, a in seen if f][0])
        rec = record.Record(log=None)
        rec.throughput('cost', 'out of the back-end', 64, sysm, 0, r)
        self.assertEqual(rec.rows[0]['tx_idle_burst_pct'], 7)
        self.assertEqual(len(rec.notes), 1)
        self.assertIn('7% of the sender', rec.notes[0])
        rec.throughput('cost', 'out of the back-end', 64, sysm, 1, dict(r, tx_idle_burst_pct=2))
        self.assertEqual(len(rec.notes), 1)
        self.assertNotIn('TX bursts sending nothing %',
                         {s['metric'] for s in rec.summary()})

    def test_summary_ratio_and_markdown(self):
        rec = record.Record(log=None)
        iv = systems.System('ivshmem2-zc', 'net_ivshmem2 zero-copy RX', 'memif-zc', None, None)
        mf = systems.System('memif-zc', 'net_memif client zero-copy', '', None, None)
        for rep, (a, b) in enumerate([(50.0, 100.0), (60.0, 90.0), (55.0, 110.0)]):
            rec.throughput('link', 'one-way', 64, iv, rep, dict(res(20), rx_cycles_per_pkt=a))
            rec.throughput('link', 'one-way', 64, mf, rep, dict(res(10), rx_cycles_per_pkt=b))
            rec.throughput('link', 'io loop', 64, iv, rep, res(30), metric='Mpkt/CPU-s')
        summ = {(s['case'], s['system'], s['metric']): s for s in rec.summary()}
        c = summ[('one-way', 'ivshmem2-zc', 'rx-cycles/pkt')]
        self.assertEqual((c['median'], c['min'], c['max'], c['reps']), (55.0, 50.0, 60.0, 3))
        self.assertAlmostEqual(c['ratios']['memif-zc'], 55.0 / 100.0)
        self.assertEqual(c['ratios_per_rep']['memif-zc'], [0.5, 60.0 / 90.0, 0.5])
        self.assertNotIn(('io loop', 'ivshmem2-zc', 'rx-cycles/pkt'), summ)
        self.assertAlmostEqual(summ[('one-way', 'ivshmem2-zc', 'Mpps')]['ratios']['memif-zc'], 2.0)
        md = report.markdown({'date': '2026-12-02', 'pinning': {}}, rec.summary(), 'cmd', 1, 9, 0)
        self.assertIn('| link, one-way | 64 | net_ivshmem2 zero-copy RX | 55.00 (50.00–60.00) | '
                      'net_memif client zero-copy | 100.00 (90.00–110.00) | 0.55× |', md)
        self.assertIn('rx-cycles/pkt', report.table(rec.summary()))


class TestVariants(unittest.TestCase):
    """--variant NAME=BUILD: every system loading our PMDs gets a twin loading
    another build's, compared with the same anchor; --cases narrows cost."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.other = os.path.join(self.tmp.name, 'b')
        os.makedirs(os.path.join(self.other, 'drivers'))

    def tearDown(self):
        self.tmp.cleanup()

    def test_twins_load_the_other_build(self):
        cfg = cfg_for(['cost', '--build', '/b/main', '--variant', 'E=' + self.other])
        s = systems.select(systems.backend_systems(cfg, '/w/v.sock'), ['vhost_pci'],
                           cfg.variants)
        self.assertEqual([x.name for x in s], ['vhost_pci', 'vhost_pci@E', 'net_vhost'])
        twin = s[1]
        self.assertEqual(twin.anchor, 'net_vhost')
        so = twin.server.eal[twin.server.eal.index('-d') + 1]
        self.assertEqual(so, os.path.join(self.other, 'drivers', 'librte_net_vhost_pci.so'))
        # the original is untouched, and the anchor (DPDK's own PMD) gets no twin
        self.assertEqual(s[0].server.eal[s[0].server.eal.index('-d') + 1],
                         '/b/main/drivers/librte_net_vhost_pci.so')
        link = systems.select(systems.link_systems(cfg, '/dev/hugepages/l', '/w/m.sock'), [],
                              cfg.variants)
        self.assertEqual([x.name for x in link],
                         ['ivshmem2-copy', 'ivshmem2-copy@E', 'memif-copy', 'ivshmem2-zc',
                          'ivshmem2-zc@E', 'memif-zc'])
        both = [x for x in link if x.name == 'ivshmem2-copy@E'][0]
        self.assertIn(os.path.join(self.other, 'drivers', 'librte_net_ivshmem2.so'),
                      both.client.eal)

    def test_bad_variant_and_cases_refused(self):
        for bad in (['--variant', 'E'], ['--variant', '=x'], ['--variant', 'E=/nonexistent'],
                    ['--variant', 'a b=' + self.other], ['--cases', 'into,sideways'],
                    ['--cases', ',']):
            with self.assertRaises(SystemExit, msg=bad), \
                    mock.patch('sys.stderr', new=open(os.devnull, 'w')):
                cli.parser().parse_args(['cost'] + bad)

    def test_cases_narrow_cost_and_its_plan(self):
        cfg = cfg_for(['cost', '--reps', '1', '--sizes', '64', '--systems', 'vhost_pci',
                       '--cases', 'into', '--variant', 'E=' + self.other])
        ran = []

        def oneway(cfg_, session, system, size, direction):
            ran.append((direction, system.name))
            return dict(res(3), rx_cycles_per_pkt=50.0 if system.name == 'vhost_pci@E'
                        else 100.0)
        rec = record.Record(log=None)
        with mock.patch.object(scenarios, 'run_oneway', oneway), \
                mock.patch.object(scenarios, 'run_echo', lambda *a: self.fail('echo ran')), \
                mock.patch.object(scenarios, 'run_loop', lambda *a: self.fail('loop ran')):
            scenarios.cost(cfg, FakeSession(), rec)
        self.assertEqual(sorted(ran), [('c2s', 'net_vhost'), ('c2s', 'vhost_pci'),
                                       ('c2s', 'vhost_pci@E')])
        self.assertEqual(cli.plan_text(cfg, ['cost'], False).split()[0], '3')
        summ = {(x['system'], x['metric']): x for x in rec.summary()}
        self.assertAlmostEqual(summ[('vhost_pci@E', 'rx-cycles/pkt')]['ratios']['net_vhost'],
                               0.5)


class TestCostView(unittest.TestCase):
    """The 'cost' scenario: which runs it makes, each end's cycles read while
    both run, per-repetition ratios in the table, the Markdown and plots."""

    def test_cases_and_systems(self):
        cfg = cfg_for(['cost', '--reps', '2', '--sizes', '64'])
        ran = []

        def loop(cfg_, session, system, size):
            ran.append(('loop', system.name))
            return res(30 if system.name.startswith('ivshmem2') else 20)

        def echo(cfg_, session, system, size):
            ran.append(('echo', system.name))
            ours = system.name in ('ivshmem2-copy', 'ivshmem2-zc', 'vhost_pci')
            return dict(res(2), server_cycles_per_pkt=300.0 if ours else 600.0,
                        client_cycles_per_pkt=400.0)

        def oneway(cfg_, session, system, size, direction):
            ran.append(('oneway-' + direction, system.name))
            if direction == scenarios.S2C_TX:
                return dict(res(3), tx_cycles_per_pkt=120.0 if system.name == 'vhost_pci'
                            else 200.0)
            return dict(res(3), rx_cycles_per_pkt=100.0 if system.name == 'vhost_pci' else 200.0)
        sess = FakeSession()
        rec = record.Record(log=None)
        with mock.patch.object(scenarios, 'run_loop', loop), \
                mock.patch.object(scenarios, 'run_echo', echo), \
                mock.patch.object(scenarios, 'run_oneway', oneway):
            scenarios.cost(cfg, sess, rec)
        per_rep = 4 + 4 + 2 + 2 + 2
        self.assertEqual(len(ran), 2 * per_rep)
        self.assertEqual(sess.ended, 2 * per_rep)
        self.assertEqual({n for k, n in ran if k == 'loop'},
                         {'ivshmem2-copy', 'memif-copy', 'ivshmem2-zc', 'memif-zc'})
        self.assertEqual({n for k, n in ran if k == 'oneway-c2s'}, {'vhost_pci', 'net_vhost'})
        self.assertEqual({n for k, n in ran if k == 'oneway-' + scenarios.S2C_TX},
                         {'vhost_pci', 'net_vhost'})
        self.assertEqual(len([1 for k, n in ran if k == 'echo']), 2 * 6)
        self.assertEqual(cli.plan_text(cfg, ['cost'], False).split()[0], str(2 * per_rep))
        summ = {(s['case'], s['system'], s['metric']): s for s in rec.summary()}
        s = summ[('back-end echo', 'vhost_pci', 'server-cycles/pkt')]
        self.assertAlmostEqual(s['ratios']['net_vhost'], 0.5)
        self.assertEqual(s['ratios_per_rep']['net_vhost'], [0.5, 0.5])
        self.assertAlmostEqual(
            summ[('back-end echo', 'vhost_pci', 'client-cycles/pkt')]['ratios']['net_vhost'], 1.0)
        self.assertAlmostEqual(
            summ[('into the back-end', 'vhost_pci', 'rx-cycles/pkt')]['ratios']['net_vhost'], 0.5)
        self.assertAlmostEqual(
            summ[('out of the back-end', 'vhost_pci', 'tx-cycles/pkt')]['ratios']['net_vhost'],
            0.6)
        self.assertNotIn(('out of the back-end', 'vhost_pci', 'rx-cycles/pkt'), summ)
        self.assertAlmostEqual(
            summ[('link io loop', 'ivshmem2-copy', 'Mpkt/CPU-s')]['ratios']['memif-copy'], 1.5)
        table = report.table(rec.summary())
        self.assertIn('0.50x net_vhost (0.50 0.50)', table)
        md = report.markdown({'date': '2026-12-05', 'pinning': {}}, rec.summary(), 'cmd', 1,
                             2 * per_rep, 0)
        self.assertIn('| back-end echo | 64 | net_vhost_pci | server-cycles/pkt | '
                      '300.00 (300.00–300.00) | net_vhost (librte_vhost) | '
                      '600.00 (600.00–600.00) | 0.50× | 0.50, 0.50 |', md)
        self.assertIn('| link io loop | 64 | net_ivshmem2 copy | Mpkt/CPU-s | '
                      '30.00 (30.00–30.00) | net_memif copy | 20.00 (20.00–20.00) | 1.50× '
                      '| 1.50, 1.50 |', md)
        # the cost view leads: before any other table
        self.assertLess(md.index('Cost per packet'), md.index('| back-end echo'))
        if report.have_matplotlib():
            with tempfile.TemporaryDirectory() as d:
                files = [os.path.basename(f) for f in report.plots(d, rec.summary())]
                for m in ('Mpkt-CPU-s', 'server-cycles-pkt', 'client-cycles-pkt',
                          'rx-cycles-pkt', 'tx-cycles-pkt'):
                    self.assertIn('cost-%s.png' % m, files)

    def test_echo_reads_each_end_while_it_runs(self):
        class Interactive:
            def __init__(self, cycles):
                self.text, self.sent, self.cycles = 'CPU cycles/packet=1.00 (old)\n', [], cycles

            def log_text(self):
                return self.text

            def send(self, cmd):
                self.sent.append(cmd)
                if cmd == 'show fwd stats all\n' and self.cycles is not None:
                    self.text += '  CPU cycles/packet=%.2f (total cycles=1 / total io packets=1)\n' \
                        % self.cycles
                return True
        p = Interactive(123.5)
        self.assertEqual(scenarios.fwd_busy_cycles(p, wait=lambda c, t: c()), 123.5)
        self.assertEqual(p.sent, ['show fwd stats all\n'])
        # an old line in the log is not taken for an answer
        self.assertIsNone(scenarios.fwd_busy_cycles(Interactive(None), wait=lambda c, t: c()))

    def test_echo_run_starts_both_interactive_and_reads_both(self):
        cfg = cfg_for(['cost'])
        started = {}

        def fake_start(session, name, argv, prefix, nb_ports):
            p = FakeProc(name, [])
            p.sent = []
            p.send = lambda cmd, p=p: p.sent.append(cmd) or True
            started[name.split('-')[0]] = (argv, p)
            return mock.Mock(proc=p)
        sysm = systems.System('x', 'X', '', systems.End(['a']), systems.End(['b']))
        with mock.patch.object(scenarios, 'start', fake_start), \
                mock.patch.object(scenarios, 'wait_links', lambda *a: None), \
                mock.patch.object(scenarios, 'rx_reader', lambda *a: None), \
                mock.patch.object(scenarios, 'measure_rate', lambda *a, **k: res(2)), \
                mock.patch.object(scenarios, 'fwd_busy_cycles',
                                  lambda p: 10.0 if p.name.startswith('server') else 20.0):
            r = scenarios.run_echo(cfg, FakeSession(), sysm, 64)
        self.assertEqual((r['server_cycles_per_pkt'], r['client_cycles_per_pkt']), (10.0, 20.0))
        for end in ('server', 'client'):
            argv = started[end][0]
            for flag in ('-i', '--port-topology=loop', '--record-core-cycles',
                         '--forward-mode=io'):
                self.assertIn(flag, argv, end)
        self.assertEqual(started['server'][1].sent, ['start\n'])
        self.assertEqual(started['client'][1].sent, ['start tx_first %d\n' % scenarios.ECHO_BURSTS])
        with mock.patch.object(scenarios, 'start', fake_start), \
                mock.patch.object(scenarios, 'wait_links', lambda *a: None), \
                mock.patch.object(scenarios, 'rx_reader', lambda *a: None), \
                mock.patch.object(scenarios, 'measure_rate', lambda *a, **k: res(0)):
            with self.assertRaises(StartError):
                scenarios.run_echo(cfg, FakeSession(), sysm, 64)


if __name__ == '__main__':
    unittest.main()
