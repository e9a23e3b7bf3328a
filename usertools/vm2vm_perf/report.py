# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Output: the terminal table, CSV, JSON and PNG plots."""

import csv
import importlib.util
import json
import os

from .record import COST_METRICS, CYCLES_METRIC

YLABELS = {'Mpps': 'Mpps (median, bars: min - max)',
           'Mpkt/CPU-s': 'M packets per CPU-second (median, bars: min - max)'}

CSV_FIELDS = ['scenario', 'case', 'size', 'system', 'label', 'metric', 'median', 'min', 'max',
              'reps', 'failed', 'ratios', 'xcore_rtt_ns']

# A spread of the cross-core probe above this (max / min) means the host
# moved the vCPUs during the session: rates measured at different times
# were not measured in the same conditions.
XCORE_SPREAD = 1.5


def conditions_text(xrange):
    """Lines on the cross-core probe (see test/perf/xcore_probe.c); [] without it."""
    if not xrange:
        return []
    lo, mid, hi = xrange
    lines = ['cross-core cache-line round trip before each run: median %.0f ns (%.0f - %.0f)'
             % (mid, lo, hi)]
    if lo > 0 and hi / lo > XCORE_SPREAD:
        lines.append('the host moved the vCPUs during this session (round trip %.0f - %.0f ns, '
                     '%.1fx): trust the per-repetition ratios (systems run back to back) more '
                     'than the medians, and the medians more than absolute rates'
                     % (lo, hi, hi / lo))
    return lines


def _num(v):
    return '-' if v is None else '%.2f' % v


def ratios_text(ratios, per_rep=None):
    """'1.52x memif-copy (1.48 1.52 1.60)': the ratio of the medians, then
    each repetition's own ratio (the systems ran back to back) when there
    are several."""
    out = []
    for a, v in ratios.items():
        reps = (per_rep or {}).get(a) or []
        out.append('%.2fx %s%s' % (v, a, ' (%s)' % ' '.join('%.2f' % x for x in reps)
                                   if len(reps) > 1 else ''))
    return ' '.join(out) or '-'


def table(summary):
    """Plain-text table, one block per scenario and case."""
    lines = []
    current = None
    for s in summary:
        block = (s['scenario'], s['case'])
        if block != current:
            current = block
            lines.append('')
            lines.append('%s, %s' % block)
            lines.append('%6s  %-28s %-12s %9s %21s %5s  %s' % (
                'size', 'system', 'metric', 'median', 'min - max', 'reps', 'ratio to anchor'))
        lines.append('%6d  %-28s %-12s %9s %21s %5s  %s' % (
            s['size'], s['label'][:28], s['metric'], _num(s['median']),
            '%s - %s' % (_num(s['min']), _num(s['max'])),
            '%d%s' % (s['reps'], '!' if s['failed'] else ''),
            ratios_text(s['ratios'], s.get('ratios_per_rep'))))
    return '\n'.join(lines)


def write_csv(path, summary):
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction='ignore')
        w.writeheader()
        for s in summary:
            row = dict(s)
            row['ratios'] = ';'.join('%s=%.4f' % (a, v) for a, v in s['ratios'].items())
            for k in ('median', 'min', 'max'):
                row[k] = '' if s[k] is None else '%.4f' % s[k]
            x = s.get('xcore_rtt_ns')
            row['xcore_rtt_ns'] = '' if x is None else '%.1f' % x
            w.writerow(row)


def write_json(path, machine, config, record, summary):
    with open(path, 'w') as f:
        json.dump({'machine': machine, 'config': config, 'notes': record.notes,
                   'summary': summary, 'runs': record.rows}, f, indent=1)


# The targets of the project's plan, per (system, anchor): throughput
# ratios (higher is better). Printed beside the measured ratio in results.md.
TARGETS = {('ivshmem2-copy', 'memif-copy'): 2.0, ('ivshmem2-zc', 'memif-zc'): 2.0,
           ('vhost_pci', 'net_vhost'): 1.3, ('vm2vm', 'testpmd'): 0.9, ('vm2vm', 'ovs'): 1.5}


def _range(s):
    if s['median'] is None:
        return 'failed'
    if s['reps'] == 1:
        return '%.2f' % s['median']
    return '%.2f (%.2f–%.2f)' % (s['median'], s['min'], s['max'])


def _reps(n):
    return '1 repetition' if n == 1 else '%d repetitions' % n


def _anchor_rows(entries, index):
    """(cells, entry, anchor) for each entry beside each anchor it has a figure
    for; cells: scenario and case, size, system, figure, anchor, its figure, ratio."""
    for s in entries:
        for a in s['anchor'].split(','):
            ref = index.get((s['scenario'], s['case'], s['size'], a, s['metric']))
            if not ref:
                continue
            ratio = s['ratios'].get(a)
            cells = '%s, %s | %d | %s | %s | %s | %s | %s' % (
                s['scenario'], s['case'], s['size'], s['label'], _range(s), ref['label'],
                _range(ref), '%.2f×' % ratio if ratio else '-')
            yield cells, s, a


def duration_text(sec):
    m, s = divmod(int(round(sec)), 60)
    return '%d min %d s' % (m, s) if m else '%d s' % s


def markdown(machine, summary, command, elapsed, nb_runs, nb_failed, xrange=None):
    """The 'Results' section of doc/guides/perf.md as Markdown: how the
    figures were made, a throughput table (one row per system and anchor)
    and a latency table."""
    index = {(s['scenario'], s['case'], s['size'], s['system'], s['metric']): s for s in summary}
    reps = max([s['reps'] + s['failed'] for s in summary] or [0])
    lines = ['Measured on %s with' % machine.get('date', '?')[:10], '', '```sh', command, '```', '',
             'as root on %s (%s CPUs, DPDK %s, %s hugepages, pinning %s). The run took %s: '
             '%d runs, %d failed.' % (
                 machine.get('cpu_model'), machine.get('cpus'), machine.get('dpdk_version'),
                 machine.get('hugepage_size'),
                 ','.join(str(v) for v in (machine.get('pinning') or {}).values()),
                 duration_text(elapsed), nb_runs, nb_failed), '']
    cond = conditions_text(xrange)
    if cond:
        lines += [' '.join(c[0].upper() + c[1:] + '.' for c in cond), '']
    lines += cost_markdown(summary, index)
    summary = [s for s in summary if s['scenario'] != 'cost']
    tput = [s for s in summary if s['metric'] in YLABELS and s['anchor']]
    if tput:
        lines += ['Throughput, median of %s (min–max), systems taking turns; `io loop` in '
                  'million packets per CPU-second, the rest in Mpps:' % _reps(reps), '',
                  '| scenario, case | size | system | figure | anchor | anchor figure | ratio '
                  '| target |', '|---|---|---|---|---|---|---|---|']
        for cells, s, a in _anchor_rows(tput, index):
            target = TARGETS.get((s['system'], a))
            lines.append('| %s | %s |' % (cells, '≥ %.1f×' % target if target else ''))
        lines.append('')
    cost = [s for s in summary if s['metric'] == CYCLES_METRIC and s['anchor']]
    if cost:
        lines += ['Receiver cost, busy cycles per packet (testpmd `--record-core-cycles`: cycles '
                  'of the bursts that returned packets over those packets), median of %s; a '
                  'ratio below 1 is cheaper than the anchor:' % _reps(reps), '',
                  '| scenario, case | size | system | cycles | anchor | anchor cycles | ratio |',
                  '|---|---|---|---|---|---|---|']
        for cells, s, a in _anchor_rows(cost, index):
            lines.append('| %s |' % cells)
        lines.append('')
    lat = [s for s in summary if s['metric'] == 'rtt_p50_us']
    if lat:
        lines += ['Round-trip latency, µs, median of %s:' % _reps(reps), '',
                  '| size | transport | p50 | p99 | p99.9 | max | anchor p50 / p99 |',
                  '|---|---|---|---|---|---|---|']
        for s in lat:
            def val(system, m):
                x = index.get((s['scenario'], s['case'], s['size'], system, m))
                return '-' if not x or x['median'] is None else '%.2f' % x['median']
            cells = [val(s['system'], m) for m in
                     ('rtt_p50_us', 'rtt_p99_us', 'rtt_p999_us', 'rtt_max_us')]
            anchor = ''
            if s['anchor']:
                ref = index.get((s['scenario'], s['case'], s['size'], s['anchor'], 'rtt_p50_us'))
                anchor = '%s %s / %s' % (ref['label'] if ref else s['anchor'],
                                         val(s['anchor'], 'rtt_p50_us'),
                                         val(s['anchor'], 'rtt_p99_us'))
            lines.append('| %d | %s | %s | %s |' % (s['size'], s['label'], ' | '.join(cells),
                                                    anchor))
        lines.append('')
    return '\n'.join(lines)


COST_WORDS = {'Mpkt/CPU-s': 'M packets per CPU-second (higher is cheaper)',
              'Mpps': 'Mpps (context only)',
              'rx-cycles/pkt': 'receiver busy cycles per packet',
              'server-cycles/pkt': 'server end busy cycles per packet (RX + TX)',
              'client-cycles/pkt': 'client end busy cycles per packet (RX + TX)',
              'tx-cycles/pkt': 'sender busy cycles per packet (TX alone)'}


def cost_markdown(summary, index):
    """The cost view ('cost' scenario) as Markdown: per case, size and
    system, each cost figure against its anchor with the ratio of the
    medians and every repetition's own ratio."""
    rows = [s for s in summary if s['scenario'] == 'cost' and s['anchor'] and
            (s['metric'] in COST_METRICS.values() or s['metric'] == 'Mpkt/CPU-s')]
    if not rows:
        return []
    lines = ['Cost per packet: `Mpkt/CPU-s` higher is cheaper, `cycles/pkt` (testpmd '
             '`--record-core-cycles`, cycles of the bursts that moved packets over those '
             'packets) lower is cheaper. Ratio: system / anchor, of the medians, then per '
             'repetition (the two ran back to back):', '',
             '| case | size | system | metric | figure | anchor | anchor figure | ratio '
             '| per repetition |', '|---|---|---|---|---|---|---|---|---|']
    for s in rows:
        for a in s['anchor'].split(','):
            ref = index.get((s['scenario'], s['case'], s['size'], a, s['metric']))
            if not ref:
                continue
            ratio = s['ratios'].get(a)
            reps = s.get('ratios_per_rep', {}).get(a) or []
            lines.append('| %s | %d | %s | %s | %s | %s | %s | %s | %s |' % (
                s['case'], s['size'], s['label'], s['metric'], _range(s), ref['label'],
                _range(ref), '%.2f×' % ratio if ratio else '-',
                ', '.join('%.2f' % x for x in reps) or '-'))
    lines.append('')
    return lines


def cost_plots(outdir, summary, plt):
    """One PNG per cost metric: each system's ratio to its anchor per frame
    size, one bar per repetition (1.0 drawn: at parity)."""
    written = []
    by_metric = {}
    for s in summary:
        if s['scenario'] == 'cost' and s['anchor'] and s.get('ratios_per_rep') and \
                (s['metric'] in COST_METRICS.values() or s['metric'] == 'Mpkt/CPU-s'):
            by_metric.setdefault(s['metric'], []).append(s)
    for metric, entries in by_metric.items():
        bars = []   # (label, [per-rep ratios])
        for s in entries:
            for a, reps in s['ratios_per_rep'].items():
                bars.append(('%s / %s\n%s, %d B' % (s['system'], a, s['case'], s['size']),
                             reps))
        if not bars:
            continue
        nrep = max(len(r) for _, r in bars)
        fig, ax = plt.subplots(figsize=(max(7, 1.3 * len(bars)), 4.5))
        width = 0.8 / max(1, nrep)
        for k in range(nrep):
            xs = [j + (k - nrep / 2 + 0.5) * width for j in range(len(bars))]
            ys = [r[k] if k < len(r) else 0 for _, r in bars]
            ax.bar(xs, ys, width, label='repetition %d' % (k + 1))
        ax.axhline(1.0, color='black', linewidth=0.8)
        ax.set_xticks(range(len(bars)))
        ax.set_xticklabels([b[0] for b in bars], fontsize=7)
        ax.set_ylabel('ratio to anchor, %s' % COST_WORDS.get(metric, metric))
        ax.set_title('cost: %s' % metric)
        ax.grid(True, axis='y', alpha=0.3)
        ax.legend(fontsize=7)
        name = os.path.join(outdir, 'cost-%s.png' % _slug(metric))
        fig.tight_layout()
        fig.savefig(name, dpi=100)
        plt.close(fig)
        written.append(name)
    return written


def have_matplotlib():
    return importlib.util.find_spec('matplotlib') is not None


def plots(outdir, summary):
    """PNG files: throughput (Mpps, or per CPU-second for the io loop) vs
    packet size per system (one per scenario and case), latency
    percentiles per system (one per frame size). Returns the files written."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    written = cost_plots(outdir, summary, plt)
    tput = {}
    lat = {}
    for s in summary:
        if s['median'] is None:
            continue
        if s['metric'] in YLABELS:
            tput.setdefault((s['scenario'], s['case']), {}).setdefault(s['label'], []).append(s)
        elif s['metric'].startswith('rtt_'):
            lat.setdefault(s['size'], {}).setdefault(s['label'], {})[s['metric']] = s
    for (scenario, case), by_sys in tput.items():
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for label, pts in by_sys.items():
            pts.sort(key=lambda p: p['size'])
            x = [p['size'] for p in pts]
            y = [p['median'] for p in pts]
            err = [[p['median'] - p['min'] for p in pts], [p['max'] - p['median'] for p in pts]]
            ax.errorbar(x, y, yerr=err, marker='o', capsize=3, label=label)
        ax.set_xscale('log')
        ax.set_xticks(sorted({p['size'] for pts in by_sys.values() for p in pts}))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.get_xaxis().set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_ylim(bottom=0)
        ax.set_xlabel('frame size (bytes)')
        ax.set_ylabel(YLABELS[next(iter(by_sys.values()))[0]['metric']])
        ax.set_title('%s: %s' % (scenario, case))
        ax.grid(True, alpha=0.3)
        ax.legend()
        name = os.path.join(outdir, 'throughput-%s-%s.png' % (scenario, _slug(case)))
        fig.tight_layout()
        fig.savefig(name, dpi=100)
        plt.close(fig)
        written.append(name)
    metrics = [('rtt_p50_us', 'p50'), ('rtt_p99_us', 'p99'), ('rtt_p999_us', 'p99.9'),
               ('rtt_max_us', 'max')]
    for size, by_sys in lat.items():
        labels = list(by_sys)
        fig, ax = plt.subplots(figsize=(max(7, 1.4 * len(labels)), 4.5))
        width = 0.8 / len(metrics)
        for i, (m, mlabel) in enumerate(metrics):
            xs = [j + (i - len(metrics) / 2 + 0.5) * width for j in range(len(labels))]
            ys = [by_sys[lb][m]['median'] if m in by_sys[lb] else 0 for lb in labels]
            ax.bar(xs, ys, width, label=mlabel)
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=20, ha='right')
        ax.set_yscale('log')
        ax.set_ylabel('round trip (us, median of repetitions)')
        ax.set_title('ping-pong round trip, %d B frames' % size)
        ax.grid(True, axis='y', alpha=0.3)
        ax.legend()
        name = os.path.join(outdir, 'latency-%d.png' % size)
        fig.tight_layout()
        fig.savefig(name, dpi=100)
        plt.close(fig)
        written.append(name)
    return written


def _slug(text):
    return ''.join(c if c.isalnum() else '-' for c in text).strip('-')
