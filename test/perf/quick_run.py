#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Integration: a short real `vm2vm-perf link --quick` (one size, one
repetition, 1.5 s windows; one-way Mpps and the io loop per CPU-second)
or `vm2vm-perf latency --quick` (ivshmem2 copy and its memif anchor)
or `vm2vm-perf cost --quick` (ivshmem2 copy, vhost_pci and their anchors)
writes a CSV and a JSON with positive figures and ratios for every system,
records the machine, and leaves nothing behind.
usage: quick_run.py link|latency|cost TOOL BUILD_DIR"""

import csv
import glob
import json
import os
import subprocess
import sys
import tempfile

SCENARIOS = {
    'link': (['--sizes', '64'],
             {'ivshmem2-copy', 'ivshmem2-zc', 'memif-copy', 'memif-zc'}, ['Mpps', 'Mpkt/CPU-s']),
    'latency': (['--systems', 'ivshmem2-copy', '--latency-count', '5000', '--duration', '5'],
                {'ivshmem2-copy', 'memif-copy'}, ['rtt_p50_us']),
    'cost': (['--systems', 'ivshmem2-copy,vhost_pci'], None, None),
}
LINK2 = {'ivshmem2-copy': 'memif-copy', 'memif-copy': None}
BACK2 = {'vhost_pci': 'net_vhost', 'net_vhost': None}
# cost: (case, metric) -> {system: its anchor (None: an anchor)}; every end's
# busy cycles came back while both ends ran
COST = {('link io loop', 'Mpkt/CPU-s'): LINK2,
        ('link echo', 'server-cycles/pkt'): LINK2, ('link echo', 'client-cycles/pkt'): LINK2,
        ('back-end echo', 'server-cycles/pkt'): BACK2,
        ('back-end echo', 'client-cycles/pkt'): BACK2,
        ('into the back-end', 'rx-cycles/pkt'): BACK2}


def check_cost(out):
    with open(os.path.join(out, 'results.csv')) as f:
        rows = [r for r in csv.DictReader(f) if r['scenario'] == 'cost']
    for (case, metric), want in COST.items():
        got = {r['system']: r for r in rows if r['case'] == case and r['metric'] == metric}
        if set(got) != set(want):
            fail('%s %s: systems %s, expected %s' % (case, metric, sorted(got), sorted(want)))
        for name, r in got.items():
            if not float(r['median'] or 0) > 0:
                fail('%s %s %s: %s' % (case, name, metric, r['median']))
            if want[name] and want[name] + '=' not in r['ratios']:
                fail('%s %s %s: no ratio to %s' % (case, name, metric, want[name]))
    with open(os.path.join(out, 'results.md')) as f:
        if 'Cost per packet' not in f.read():
            fail('results.md has no cost table')


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def check_outputs(out, scenario, stderr):
    if scenario == 'cost':
        check_cost(out)
        if 'no plots' not in stderr and not glob.glob(os.path.join(out, 'cost-*.png')):
            fail('no cost plot written and no word about matplotlib')
        return
    extra, systems, metrics = SCENARIOS[scenario]
    with open(os.path.join(out, 'results.csv')) as f:
        all_rows = list(csv.DictReader(f))
    for metric in metrics:
        rows = [r for r in all_rows if r['metric'] == metric]
        got = {row['system']: float(row['median'] or 0) for row in rows}
        if set(got) != systems:
            fail('CSV %s systems %s, expected %s' % (metric, sorted(got), sorted(systems)))
        for name, v in got.items():
            if not v > 0:
                fail('%s: %s %s' % (name, v, metric))
        for row in rows:
            if row['system'].startswith('ivshmem2') and 'memif' not in row['ratios']:
                fail('%s %s has no ratio to its memif anchor' % (row['system'], metric))
    if scenario == 'link':
        # each one-way receiver stopped cleanly enough to print its busy cycles
        cost = {r['system']: r for r in all_rows if r['metric'] == 'rx-cycles/pkt'}
        if set(cost) != systems or not all(float(r['median'] or 0) > 0 for r in cost.values()):
            fail('receiver cycles per packet: %s' % sorted(cost.items()))
        if not all('memif' in r['ratios'] for n, r in cost.items() if n.startswith('ivshmem2')):
            fail('receiver cycles without a ratio to memif: %s' % cost)
    with open(os.path.join(out, 'results.json')) as f:
        j = json.load(f)
    if not j['machine'].get('cpu_model') or not j['machine'].get('dpdk_version'):
        fail('machine not recorded')
    runs = [x for x in j['runs'] if x['scenario'] == scenario]
    if len(runs) != len(systems) * len(metrics) or not all(x.get('value', 0) > 0 for x in runs):
        fail('JSON runs: %s' % runs)
    # the cross-core probe (built with the tests) ran before every run
    if not all(x.get('xcore_rtt_ns', 0) > 0 for x in runs):
        fail('a run without its cross-core probe: %s' % runs)
    if 'no plots' not in stderr and not glob.glob(os.path.join(out, '*.png')):
        fail('no plot written and no word about matplotlib')


def main():
    scenario, tool, build = sys.argv[1:4]
    if os.geteuid() != 0:
        print('SKIP: needs root (hugepages)')
        return 77
    with tempfile.TemporaryDirectory() as out:
        cmd = [tool, scenario, '--quick', '--reps', '1', '--build', build, '--output', out]
        cmd += SCENARIOS[scenario][0]
        print(' '.join(cmd), flush=True)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout, stderr = proc.communicate(timeout=150)
        print(stdout)
        print(stderr)
        if proc.returncode != 0:
            fail('vm2vm-perf exited with %d' % proc.returncode)
        if 'note: cross-core cache-line round trip before each run' not in stdout:
            fail('no word on the cross-core probe')
        check_outputs(out, scenario, stderr)
    tag = 'pf%d-' % proc.pid
    leftovers = (glob.glob('/dev/hugepages/' + tag + '*') +
                 glob.glob('/var/run/dpdk/' + tag + '*'))
    if leftovers:
        fail('left behind: %s' % leftovers)
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
