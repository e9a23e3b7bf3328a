# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Command line of vm2vm-perf."""

import argparse
import os
import shlex
import shutil
import sys
import time

from . import machine, report, scenarios
from .procs import Interrupted, Session
from .record import Record

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORDER = ['link', 'backend', 'switch', 'latency']

DEFAULTS = {'sizes': [64, 512, 1518, 9000], 'reps': 3, 'duration': 10.0, 'warmup': 10.0,
            'interval': 1.0, 'lat_count': 100000, 'lat_sizes': [64]}
# Quarter-second samples: the steady-state check needs two consecutive
# rates, so the shortest warm-up is 0.5 s, and a 1.5 s window has 6 rates.
QUICK = {'sizes': [64], 'reps': 1, 'duration': 1.5, 'warmup': 3.0, 'interval': 0.25,
         'lat_count': 20000, 'lat_sizes': [64]}


# Largest frame the vectorized front-end takes: one 2048-byte mbuf, less the header.
VECTORIZED_MAX_FRAME = 1518


class Config:
    """Everything a scenario needs to know, resolved from the options."""

    def __init__(self, args):
        preset = QUICK if args.quick else DEFAULTS
        pick = lambda v, k: preset[k] if v is None else v  # noqa: E731
        self.sizes = pick(args.sizes, 'sizes')
        self.reps = pick(args.reps, 'reps')
        self.duration = pick(args.duration, 'duration')
        self.warmup = pick(args.warmup, 'warmup')
        self.interval = pick(args.interval, 'interval')
        self.loop = not args.no_loop
        self.lat_count = pick(args.latency_count, 'lat_count')
        self.lat_sizes = pick(args.latency_sizes, 'lat_sizes')
        self.lat_warmup = args.latency_warmup
        self.lat_burst = args.latency_burst
        self.queues = args.queues
        self.ring = args.ring
        self.cpus = args.cpus
        self.mem = args.mem
        self.systems = args.systems or []
        self.variants = args.variant or []
        self.cases = args.cases or []
        self.counters = args.counters
        if self.counters == 'stats':
            # testpmd prints its counters once a second: shorter intervals would see no change
            self.interval = max(self.interval, 1.0)
        self.build = os.path.abspath(args.build)
        self.testpmd = args.testpmd
        self.ping_pong = os.path.join(self.build, 'examples', 'ping-pong', 'dpdk-ping-pong')
        self.switch = os.path.join(self.build, 'app', 'vm2vm-switch', 'dpdk-vm2vm-switch')
        self.xcore_probe = os.path.join(self.build, 'test', 'perf', 'vm2vm-xcore-probe')
        self.quick = args.quick
        self.frontend = args.frontend

    def pmd_so(self, name):
        return os.path.join(self.build, 'drivers', 'librte_net_%s.so' % name)

    def as_dict(self):
        return {k: v for k, v in vars(self).items()}


def _int_list(text):
    try:
        return [int(x) for x in text.replace(' ', ',').split(',') if x]
    except ValueError:
        raise argparse.ArgumentTypeError('expected numbers separated by commas: %r' % text)


def _cpus(text):
    v = _int_list(text)
    if len(v) != 2 or v[0] == v[1]:
        raise argparse.ArgumentTypeError('expected two different CPUs, e.g. 0,1')
    return v


def _interval(text):
    v = float(text)
    if not 0.1 <= v <= 10:
        raise argparse.ArgumentTypeError('interval: 0.1 to 10 seconds')
    return v


def _ring(text):
    v = int(text)
    if v < 64 or v > 4096 or v & (v - 1):
        raise argparse.ArgumentTypeError('ring size: a power of 2 in 64..4096')
    return v


def _variant(text):
    name, sep, build = text.partition('=')
    if not sep or not name or not build or not name.replace('-', '').replace('_', '').isalnum():
        raise argparse.ArgumentTypeError('expected NAME=BUILD_DIR (NAME: letters, digits, - _): %r'
                                         % text)
    build = os.path.abspath(build)
    if not os.path.isdir(os.path.join(build, 'drivers')):
        raise argparse.ArgumentTypeError('%s: no drivers/ directory (not a vm2vm build)' % build)
    return name, build


def _cost_cases(text):
    v = [x for x in text.split(',') if x]
    bad = [x for x in v if x not in scenarios.COST_CASE_KEYS]
    if not v or bad:
        raise argparse.ArgumentTypeError('cases: %s, not %r' % (','.join(scenarios.COST_CASE_KEYS),
                                                                text))
    return v


def parser():
    p = argparse.ArgumentParser(
        prog='vm2vm-perf',
        description='Side-by-side throughput and latency of vm2vm against DPDK memif, '
                    'net_vhost, testpmd and OVS-DPDK (see doc/guides/perf.md).')
    p.add_argument('scenario', choices=ORDER + ['cost', 'all'],
                   help='link: ivshmem2 vs memif (one-way, io loop); backend: vhost_pci vs '
                        'net_vhost; switch: PVP loop; latency: ping-pong round trips; cost: CPU '
                        'cost per packet of each end, per transport (io loop, echo, receive); '
                        'all: link, backend, switch and latency in turn')
    p.add_argument('--sizes', type=_int_list, help='frame sizes in bytes (default 64,512,1518,9000)')
    p.add_argument('--reps', type=int, help='repetitions (default 3)')
    p.add_argument('--duration', type=float, help='measured seconds per run (default 10)')
    p.add_argument('--warmup', type=float,
                   help='at most this many seconds waiting for a steady rate (default 10)')
    p.add_argument('--interval', type=_interval,
                   help='seconds between counter samples, each giving one rate (default 1; '
                        '--quick 0.25)')
    p.add_argument('--no-loop', action='store_true',
                   help="link: skip the 'io loop' case (one process forwarding over both ends "
                        "of a link, packets per CPU-second)")
    p.add_argument('--queues', type=int, default=1, help='queue pairs per port (default 1)')
    p.add_argument('--ring', type=_ring, default=1024, help='ring/descriptor count (default 1024)')
    p.add_argument('--cpus', type=_cpus, default=[0, 1],
                   help='RX,TX: CPU of the receiving (or pong, or tester) forwarding lcore and of '
                        'the sending (or ping, or switch) one; main lcores go on the other '
                        '(default 0,1)')
    p.add_argument('--systems', type=lambda t: [x for x in t.split(',') if x],
                   help='only these systems (their anchors are kept), e.g. ivshmem2-zc,vhost_pci')
    p.add_argument('--variant', type=_variant, action='append', metavar='NAME=BUILD',
                   help='also run every system that loads our PMDs with the PMDs of another '
                        'build directory, as SYSTEM@NAME beside the original (an A/B of two '
                        'builds in one run); repeatable')
    p.add_argument('--cases', type=_cost_cases,
                   help='cost: only these cases, of %s' % ','.join(scenarios.COST_CASE_KEYS))
    p.add_argument('--quick', action='store_true',
                   help='a short run (under a minute for all): 64 B, 1 repetition, 1.5 s '
                        'windows sampled every 0.25 s')
    p.add_argument('--output', metavar='DIR', help='write results.csv, results.json and PNG plots')
    p.add_argument('--latency-sizes', type=_int_list, help='ping-pong frame sizes (default 64)')
    p.add_argument('--latency-count', type=int, help='round trips per run (default 100000)')
    p.add_argument('--latency-warmup', type=int, default=1000,
                   help='round trips discarded first (default 1000)')
    p.add_argument('--latency-burst', type=int, default=1, help='frames in flight (default 1)')
    p.add_argument('--frontend', choices=['scalar', 'vectorized'], default='scalar',
                   help='net_virtio_user datapath in backend and latency: scalar (default, as '
                        'the anchors) or vectorized (AVX-512 packed path; frames up to 1518 B)')
    p.add_argument('--mem', type=int, default=256, help='hugepage MB per process (default 256)')
    p.add_argument('--counters', choices=['telemetry', 'stats'], default='telemetry',
                   help='read RX counters from DPDK telemetry or testpmd --stats-period output')
    p.add_argument('--build', default=os.path.join(ROOT, 'build'), help='vm2vm build directory')
    p.add_argument('--testpmd', default=shutil.which('dpdk-testpmd') or '/usr/bin/dpdk-testpmd')
    p.add_argument('--keep-logs', action='store_true', help='keep the process logs (path printed)')
    p.add_argument('--plan', action='store_true',
                   help='print how many runs the options make and about how long they take, '
                        'then exit without running anything')
    return p


def hugepages_free_mb(meminfo=None):
    h = machine.hugepage_info(meminfo)
    try:
        return int(h['HugePages_Free']) * int(h['Hugepagesize'].split()[0]) // 1024
    except (KeyError, ValueError, IndexError):
        return None


def check_prereqs(cfg, names):
    """Problems that stop a run before it starts, as messages."""
    problems = []
    if os.geteuid() != 0:
        problems.append('run as root (hugepages, /var/run/dpdk)')
    if not os.access(cfg.testpmd, os.X_OK):
        problems.append('%s not found (run usertools/vm2vm-setup)' % cfg.testpmd)
    need = []
    if {'link', 'latency', 'cost'} & set(names):
        need.append(cfg.pmd_so('ivshmem2'))
    if {'backend', 'latency', 'cost'} & set(names):
        need.append(cfg.pmd_so('vhost_pci'))
    if 'latency' in names:
        need.append(cfg.ping_pong)
    if 'switch' in names:
        need.append(cfg.switch)
    for f in need:
        if not os.path.exists(f):
            problems.append('%s missing: build first (meson setup build && ninja -C build)' % f)
    free = hugepages_free_mb()
    if free is not None and free < 2 * cfg.mem:
        problems.append('%d MB of hugepages free, each run needs 2 x --mem %d MB '
                        '(lower --mem, or reserve more with usertools/vm2vm-setup)'
                        % (free, cfg.mem))
    if cfg.frontend == 'vectorized' and {'backend', 'latency', 'cost'} & set(names):
        problems += vectorized_problems(cfg, names)
    if max(cfg.cpus) >= (os.cpu_count() or 1):
        problems.append('--cpus %s: this machine has %d CPUs' % (cfg.cpus, os.cpu_count()))
    return problems


def vectorized_problems(cfg, names, cpuinfo=None):
    """Why --frontend vectorized cannot run here: virtio-user silently falls
    back to its scalar path without AVX-512F, and with mergeable buffers off
    (the vectorized receive path needs that) a frame must fit one mbuf."""
    problems = []
    if 'avx512f' not in machine.cpu_flags(cpuinfo):
        problems.append('--frontend vectorized: this CPU has no AVX-512F')
    sizes = (cfg.sizes if {'backend', 'cost'} & set(names) else []) + \
        (cfg.lat_sizes if 'latency' in names else [])
    big = sorted({z for z in sizes if z > VECTORIZED_MAX_FRAME})
    if big:
        problems.append('--frontend vectorized: frames up to %d B (mergeable buffers off), '
                        'not %s' % (VECTORIZED_MAX_FRAME, ','.join(map(str, big))))
    return problems


def plan_text(cfg, names, have_ovs):
    rows = scenarios.plan(cfg, names, have_ovs)
    total = sum(r[1] for r in rows)
    typ = sum(r[2] for r in rows)
    worst = sum(r[3] for r in rows)
    parts = ', '.join('%s %d' % (r[0], r[1]) for r in rows)
    return '%d runs (%s), about %s, at most %s%s' % (
        total, parts, _minutes(typ), _minutes(worst),
        '' if have_ovs or 'switch' not in names else ' (OVS-DPDK not installed: not counted)')


def _minutes(sec):
    return '%d s' % round(sec) if sec < 120 else '%.0f min' % (sec / 60)


def main(argv=None):
    args = parser().parse_args(argv)
    cfg = Config(args)
    names = ORDER if args.scenario == 'all' else [args.scenario]
    plan = plan_text(cfg, names, 'switch' in names and bool(scenarios.find_ovs()))
    if args.plan:
        print(plan)
        return 0
    problems = check_prereqs(cfg, names)
    if problems:
        for m in problems:
            print('vm2vm-perf: ' + m, file=sys.stderr)
        return 2
    plots_ok = True
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        plots_ok = report.have_matplotlib()
        if not plots_ok:
            print('vm2vm-perf: matplotlib is missing (Debian: apt-get install python3-matplotlib, '
                  'or run usertools/vm2vm-setup): CSV and JSON only, no plots', file=sys.stderr)
    print('vm2vm-perf: ' + plan, file=sys.stderr, flush=True)
    t0 = time.monotonic()
    rec = Record()
    pinning = {'rx_or_pong_or_tester_cpu': cfg.cpus[0], 'tx_or_ping_or_switch_cpu': cfg.cpus[1]}
    info = machine.describe(pinning)
    interrupted = False
    with Session(keep_logs=args.keep_logs) as session:
        try:
            for n in names:
                scenarios.SCENARIOS[n](cfg, session, rec)
        except (Interrupted, KeyboardInterrupt):
            interrupted = True
            print('\nvm2vm-perf: interrupted, cleaning up', file=sys.stderr)
        if args.keep_logs:
            print('vm2vm-perf: logs in %s' % session.workdir, file=sys.stderr)
    summary = rec.summary()
    print('machine: %s, %s CPUs, DPDK %s, hugepages %s, pinning %s' % (
        info['cpu_model'], info['cpus'], info['dpdk_version'], info['hugepage_size'],
        '%d,%d' % tuple(cfg.cpus)))
    print(report.table(summary))
    for n in rec.notes:
        print('note: ' + n)
    for line in report.conditions_text(rec.xcore_range()):
        print('note: ' + line)
    if args.output:
        report.write_csv(os.path.join(args.output, 'results.csv'), summary)
        elapsed = time.monotonic() - t0
        command = ' '.join(['usertools/vm2vm-perf'] + [shlex.quote(a) for a in
                                                     (sys.argv[1:] if argv is None else argv)])
        info = dict(info, command=command, elapsed_s=round(elapsed, 1))
        report.write_json(os.path.join(args.output, 'results.json'), info, cfg.as_dict(), rec,
                          summary)
        with open(os.path.join(args.output, 'results.md'), 'w') as f:
            f.write(report.markdown(info, summary, command, elapsed, len(rec.rows),
                                    len(rec.failures()), rec.xcore_range()))
        files = ['results.csv', 'results.json', 'results.md']
        if plots_ok:
            files += [os.path.basename(f) for f in report.plots(args.output, summary)]
        print('written to %s: %s' % (args.output, ', '.join(files)))
    if interrupted:
        return 130
    return 1 if rec.failures() else 0
