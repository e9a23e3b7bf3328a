# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Counters: DPDK telemetry (/ethdev/*), testpmd's periodic stats output,
dpdk-ping-pong's RESULT line, and the steady-state rate measurement."""

import json
import os
import re
import socket
import time


class TelemetryError(Exception):
    pass


def telemetry_path(runtime_dir, prefix):
    return os.path.join(runtime_dir, prefix, 'dpdk_telemetry.v2')


class Telemetry:
    """A client of one DPDK process's telemetry socket (protocol v2: a JSON
    greeting, then one JSON reply per command)."""

    def __init__(self, path, timeout=2.0):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
            hello = json.loads(self.sock.recv(65536).decode())
        except (OSError, ValueError) as e:
            self.sock.close()
            raise TelemetryError('%s: %s' % (path, e))
        self.max_len = hello.get('max_output_len', 16384)

    def query(self, cmd):
        try:
            self.sock.send(cmd.encode())
            reply = json.loads(self.sock.recv(self.max_len + 1024).decode())
        except (OSError, ValueError) as e:
            raise TelemetryError('%s %s: %s' % (self.path, cmd, e))
        return reply.get(cmd.split(',')[0])

    def ports(self):
        return self.query('/ethdev/list') or []

    def link_up(self, port):
        r = self.query('/ethdev/link_status,%d' % port) or {}
        return r.get('status') == 'UP'

    def stats(self, port):
        return self.query('/ethdev/stats,%d' % port) or {}

    def close(self):
        self.sock.close()


# testpmd --stats-period output: one block per port and period.
_PORT_RE = re.compile(r'#+ NIC statistics for port (\d+)')
_RXPKT_RE = re.compile(r'RX-packets:\s*(\d+)')
_TXPKT_RE = re.compile(r'TX-packets:\s*(\d+)')
_RXPPS_RE = re.compile(r'Rx-pps:\s*(\d+)')
_TXPPS_RE = re.compile(r'Tx-pps:\s*(\d+)')


def parse_testpmd_stats(text):
    """List of samples, one per port block in the order printed:
    {'port', 'rx_packets', 'tx_packets', 'rx_pps', 'tx_pps'}. Incomplete
    blocks (the process was killed mid-print) are dropped."""
    samples = []
    cur = None
    for line in text.splitlines():
        m = _PORT_RE.search(line)
        if m:
            cur = {'port': int(m.group(1))}
            continue
        if cur is None:
            continue
        for key, rx in (('rx_packets', _RXPKT_RE), ('tx_packets', _TXPKT_RE),
                        ('rx_pps', _RXPPS_RE), ('tx_pps', _TXPPS_RE)):
            m = rx.search(line)
            if m and key not in cur:
                cur[key] = int(m.group(1))
        if all(k in cur for k in ('rx_packets', 'tx_packets', 'rx_pps', 'tx_pps')):
            samples.append(cur)
            cur = None
    return samples


def testpmd_rx_totals(text, ports):
    """Running totals of RX packets summed over ports, one per stats period
    in which every one of the ports printed a block."""
    totals = []
    pending = {}
    for s in parse_testpmd_stats(text):
        if s['port'] not in ports:
            continue
        if s['port'] in pending:
            pending = {}
        pending[s['port']] = s['rx_packets']
        if len(pending) == len(ports):
            totals.append(sum(pending.values()))
            pending = {}
    return totals


_RESULT_RE = re.compile(r'^RESULT (.*)$', re.M)


def parse_pingpong(text):
    """The last RESULT line of dpdk-ping-pong as a dict of numbers, or None."""
    found = _RESULT_RE.findall(text)
    if not found:
        return None
    out = {}
    for item in found[-1].split():
        k, _, v = item.partition('=')
        try:
            out[k] = int(v) if v.isdigit() else float(v)
        except ValueError:
            continue
    return out


_BUSY_CYCLES = re.compile(r'CPU cycles/packet=([0-9]+(?:\.[0-9]+)?)')


def parse_busy_cycles(text):
    """testpmd --record-core-cycles, at stop: 'CPU cycles/packet=58.27 (total
    cycles=... / total rxonly packets=...)'. The last such line (the total
    over all streams), or None."""
    found = _BUSY_CYCLES.findall(text or '')
    return float(found[-1]) if found else None


_BURSTS = re.compile(r'(RX|TX)-bursts : (\d+) \[(\d+)% of 0 pkts')


def parse_idle_burst_pct(text, way):
    """testpmd --record-burst-stats, at stop: 'TX-bursts : 1234 [3% of 0 pkts
    + ...]'. The share (whole per cent, as testpmd prints it) of the last
    such line's bursts of @way ('RX' or 'TX') that moved nothing, or None."""
    found = [int(p) for w, n, p in _BURSTS.findall(text or '') if w == way and int(n)]
    return found[-1] if found else None


def median(values):
    v = sorted(values)
    n = len(v)
    if n == 0:
        return 0.0
    return float(v[n // 2]) if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2.0


def rates(samples):
    """Per-interval rates from [(time, count)] samples; counter resets give no rate."""
    out = []
    for (t0, c0), (t1, c1) in zip(samples, samples[1:]):
        if t1 > t0 and c1 >= c0:
            out.append((c1 - c0) / (t1 - t0))
    return out


def is_steady(rate_list, tolerance=0.15, need=2):
    """The last `need` rates are positive and within tolerance of each other."""
    if len(rate_list) < need:
        return False
    last = rate_list[-need:]
    lo, hi = min(last), max(last)
    return lo > 0 and (hi - lo) <= tolerance * hi


def measure_rate(read, duration, warmup_max, interval=1.0, sleep=time.sleep,
                 clock=time.monotonic, tolerance=0.15, cpu=None):
    """Sample read() (a cumulative packet count) every interval seconds:
    first until the rate is steady (at most warmup_max seconds), then for
    duration seconds. Rates are per second of clock(), or, when cpu is given
    (a function returning the CPU seconds a thread has used so far), per
    CPU-second of that thread, which other load on its CPU does not change.
    Returns the window's median and mean rate, the per-interval rates, and
    whether steady state was reached."""
    def sample():
        t = clock()
        return t, (cpu() if cpu else t), read()

    def points(samples):
        return [(d, c) for _, d, c in samples]

    due = [clock()]

    def tick():
        # samples on a fixed grid: the time a sample takes does not add up
        due[0] += interval
        wait = due[0] - clock()
        if wait > 0:
            sleep(wait)
        else:
            due[0] = clock()   # fell behind (machine busy): carry on from now

    warm = [sample()]
    steady = False
    while clock() - warm[0][0] < warmup_max:
        tick()
        warm.append(sample())
        if is_steady(rates(points(warm)), tolerance):
            steady = True
            break
    window = [warm[-1]]
    while window[-1][0] - window[0][0] < duration - interval / 2:
        tick()
        window.append(sample())
    r = rates(points(window))
    span = window[-1][1] - window[0][1]
    mean = (window[-1][2] - window[0][2]) / span if span > 0 else 0.0
    out = {'median': median(r), 'mean': mean, 'rates': r, 'steady': steady,
           'warmup_s': warm[-1][0] - warm[0][0]}
    if cpu:
        out['cpu_s'] = span
        out['wall_s'] = window[-1][0] - window[0][0]
    return out


def parse_schedstat(text):
    """CPU seconds from /proc/.../schedstat (first field: ns on a CPU)."""
    return int(text.split()[0]) / 1e9


def parse_stat_cpu(text, hz):
    """CPU seconds (utime + stime) from /proc/.../stat; the command name in
    brackets may hold spaces, so fields are counted after the last ')'."""
    f = text[text.rindex(')') + 1:].split()
    return (int(f[11]) + int(f[12])) / float(hz)
