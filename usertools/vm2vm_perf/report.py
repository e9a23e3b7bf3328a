# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Output: the terminal table, CSV, JSON and PNG plots."""

import csv
import importlib.util
import json
import os

YLABELS = {'Mpps': 'Mpps (median, bars: min - max)',
           'Mpkt/CPU-s': 'M packets per CPU-second (median, bars: min - max)'}

CSV_FIELDS = ['scenario', 'case', 'size', 'system', 'label', 'metric', 'median', 'min', 'max',
              'reps', 'failed', 'ratios']


def _num(v):
    return '-' if v is None else '%.2f' % v


def ratios_text(ratios):
    return ' '.join('%.2fx %s' % (v, a) for a, v in ratios.items()) or '-'


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
            '%d%s' % (s['reps'], '!' if s['failed'] else ''), ratios_text(s['ratios'])))
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
            w.writerow(row)


def write_json(path, machine, config, record, summary):
    with open(path, 'w') as f:
        json.dump({'machine': machine, 'config': config, 'notes': record.notes,
                   'summary': summary, 'runs': record.rows}, f, indent=1)


def have_matplotlib():
    return importlib.util.find_spec('matplotlib') is not None


def plots(outdir, summary):
    """PNG files: throughput (Mpps, or per CPU-second for the io loop) vs
    packet size per system (one per scenario and case), latency percentiles per system (one per frame size).
    Returns the files written."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    written = []
    tput = {}
    lat = {}
    for s in summary:
        if s['median'] is None:
            continue
        if s['metric'] in YLABELS:
            tput.setdefault((s['scenario'], s['case']), {}).setdefault(s['label'], []).append(s)
        else:
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
