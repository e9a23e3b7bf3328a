# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Results as they come in (one row per repetition), and their summary:
median and min-max over repetitions, and the ratio to each anchor."""

import sys

from .counters import median

LAT_METRICS = ('p50', 'p99', 'p999', 'max')
# A one-way run's receiver cost: testpmd's busy cycles per packet (lower is cheaper)
CYCLES_KEY = 'rx_cycles_per_pkt'
CYCLES_METRIC = 'rx-cycles/pkt'
# An echo run's cost at each end: busy cycles per packet received and sent back
SERVER_CYCLES_KEY = 'server_cycles_per_pkt'
CLIENT_CYCLES_KEY = 'client_cycles_per_pkt'
# A one-way run's sender cost (the back-end sending): busy cycles per packet sent
TX_CYCLES_KEY = 'tx_cycles_per_pkt'
# Result keys recorded beside a run's rate, and their metric names (all lower is cheaper)
COST_METRICS = {CYCLES_KEY: CYCLES_METRIC, SERVER_CYCLES_KEY: 'server-cycles/pkt',
                CLIENT_CYCLES_KEY: 'client-cycles/pkt', TX_CYCLES_KEY: 'tx-cycles/pkt'}
# What tells how to read a cost figure, kept beside it and printed with the
# run but not summarised: the share of the sender's TX bursts that sent
# nothing (testpmd's txonly counts their cycles too, so a sender held back
# by a slower receiver pays for its futile attempts)
CONTEXT_KEYS = {'tx_idle_burst_pct': 'TX bursts sending nothing %'}
# From this share on, the report says the sender's figure is not its send cost alone
TX_IDLE_NOTE_PCT = 5
# JSON key of a throughput run's per-interval figures, by metric
SAMPLE_KEYS = {'Mpps': 'samples_mpps', 'Mpkt/CPU-s': 'samples_mpkt_per_cpu_s'}


def anchors_of(system_anchor):
    return [a for a in (system_anchor or '').split(',') if a]


class Record:
    def __init__(self, log=sys.stderr):
        self.rows = []
        self.notes = []
        self.log = log
        # cross-core round trip (ns) probed just before the run being recorded
        self.xcore_ns = None

    def _say(self, msg):
        if self.log:
            print(msg, file=self.log, flush=True)

    def note(self, msg):
        self.notes.append(msg)
        self._say('vm2vm-perf: ' + msg)

    def conditions(self, xcore_ns):
        """What the probe read before the next run (None: no probe)."""
        self.xcore_ns = xcore_ns

    def _row(self, scenario, case, size, system, rep):
        r = {'scenario': scenario, 'case': case, 'size': size, 'system': system.name,
             'label': system.label, 'anchor': system.anchor, 'rep': rep + 1}
        if self.xcore_ns is not None:
            r['xcore_rtt_ns'] = self.xcore_ns
        self.xcore_ns = None
        return r

    def xcore_range(self):
        """(min, median, max) of the probes taken before the runs, or None."""
        v = [r['xcore_rtt_ns'] for r in self.rows if 'xcore_rtt_ns' in r]
        return (min(v), median(v), max(v)) if v else None

    def throughput(self, scenario, case, size, system, rep, res, metric='Mpps'):
        """metric: 'Mpps', or 'Mpkt/CPU-s' when res's rates are per CPU-second."""
        r = self._row(scenario, case, size, system, rep)
        r.update({'metric': metric, 'value': res['median'] / 1e6,
                  'mean': res['mean'] / 1e6, 'steady': res['steady'],
                  SAMPLE_KEYS.get(metric, 'samples'): [x / 1e6 for x in res['rates']]})
        for k in ('cpu_s', 'wall_s') + tuple(COST_METRICS) + tuple(CONTEXT_KEYS):
            if res.get(k) is not None:
                r[k] = res[k]
        self.rows.append(r)
        self._say('%s %s %d B %s rep %d: %.2f %s%s%s' % (
            scenario, case, size, system.name, rep + 1, r['value'], metric,
            ''.join(', %s %.1f' % (COST_METRICS[k], r[k]) for k in COST_METRICS if k in r) +
            ''.join(', %s %g' % (CONTEXT_KEYS[k], r[k]) for k in CONTEXT_KEYS if k in r),
            '' if res['steady'] else ' (no steady state before the window)'))
        if not res['steady']:
            self.notes.append('%s %s %d B %s rep %d: rate not steady before the window'
                              % (scenario, case, size, system.name, rep + 1))
        if r.get('tx_idle_burst_pct', 0) >= TX_IDLE_NOTE_PCT:
            self.notes.append('%s %s %d B %s rep %d: %d%% of the sender\'s TX bursts sent nothing '
                              '(the receiver was the slower end): its tx-cycles/pkt counts them '
                              'too' % (scenario, case, size, system.name, rep + 1,
                                       r['tx_idle_burst_pct']))

    def latency(self, scenario, case, size, system, rep, res):
        r = self._row(scenario, case, size, system, rep)
        r.update({'metric': 'rtt_us', 'value': res.get('p50', 0.0)})
        for k in LAT_METRICS + ('min', 'mean', 'samples', 'lost'):
            r[k] = res.get(k, 0)
        self.rows.append(r)
        self._say('%s %d B %s rep %d: p50 %.2f p99 %.2f p99.9 %.2f max %.2f us (%d samples)'
                  % (scenario, size, system.name, rep + 1, r['p50'], r['p99'], r['p999'],
                     r['max'], r['samples']))

    def failure(self, scenario, case, size, system, rep, error, metric='Mpps'):
        """metric: what the run would have measured ('rtt_us' for latency)."""
        r = self._row(scenario, case, size, system, rep)
        r.update({'metric': 'failed', 'unit': metric, 'error': error})
        self.rows.append(r)
        self._say('%s %s %d B %s rep %d: FAILED: %s' % (scenario, case, size, system.name,
                                                       rep + 1, error))

    def failures(self):
        return [r for r in self.rows if r['metric'] == 'failed']

    def summary(self):
        """One entry per (scenario, case, size, system, metric)."""
        groups = {}
        order = []
        for r in self.rows:
            key = (r['scenario'], r['case'], r['size'], r['system'])
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(r)
        out = []
        for key in order:
            rows = groups[key]
            ok = [r for r in rows if r['metric'] != 'failed']
            unit = ok[0]['metric'] if ok else rows[0].get('unit', 'Mpps')
            metrics = LAT_METRICS if unit == 'rtt_us' else ('value',)
            metrics += tuple(k for k in COST_METRICS if any(k in r for r in ok))
            probes = [r['xcore_rtt_ns'] for r in ok if 'xcore_rtt_ns' in r]
            for m in metrics:
                vals = [r[m] for r in ok if m in r]
                by_rep = {r['rep']: r[m] for r in ok if m in r}
                out.append({'scenario': key[0], 'case': key[1], 'size': key[2],
                            'system': key[3], 'label': rows[0]['label'],
                            'anchor': rows[0]['anchor'],
                            'metric': (unit if m == 'value' else COST_METRICS[m]
                                       if m in COST_METRICS else 'rtt_%s_us' % m),
                            'median': median(vals) if vals else None,
                            'min': min(vals) if vals else None,
                            'max': max(vals) if vals else None,
                            'reps': len(vals), 'failed': len(rows) - len(ok),
                            'xcore_rtt_ns': median(probes) if probes else None,
                            'by_rep': by_rep})
        # Group for reading: scenario, then case, then size, systems in the order they ran.
        first = {}
        for i, s in enumerate(out):
            first.setdefault(('s', s['scenario']), i)
            first.setdefault(('c', s['scenario'], s['case']), i)
        out.sort(key=lambda s: (first[('s', s['scenario'])],
                                first[('c', s['scenario'], s['case'])], s['size']))
        index = {(s['scenario'], s['case'], s['size'], s['system'], s['metric']): s
                 for s in out}
        for s in out:
            ratios, per_rep = {}, {}
            for a in anchors_of(s['anchor']):
                ref = index.get((s['scenario'], s['case'], s['size'], a, s['metric']))
                if ref and ref['median'] and s['median'] is not None:
                    ratios[a] = s['median'] / ref['median']
                if ref:
                    # the same repetition ran both back to back: their ratio drifts least
                    per_rep[a] = [s['by_rep'][k] / ref['by_rep'][k] for k in sorted(s['by_rep'])
                                  if ref['by_rep'].get(k)]
            s['ratios'] = ratios
            s['ratios_per_rep'] = per_rep
        for s in out:
            del s['by_rep']
        return out
