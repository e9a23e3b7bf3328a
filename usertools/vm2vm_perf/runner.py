# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Starting DPDK processes of one run and checking they came up: the
process is alive, its telemetry socket lists the ports, links are up."""

import os

from .counters import (Telemetry, TelemetryError, parse_schedstat, parse_stat_cpu,
                       telemetry_path, testpmd_rx_totals)
from .procs import StartError, wait_for


class Dpdk:
    """A started DPDK process with its telemetry client."""

    def __init__(self, proc, telemetry, prefix):
        self.proc = proc
        self.tel = telemetry
        self.prefix = prefix

    def rx_packets(self, ports):
        return sum(int(self.tel.stats(p).get('ipackets', 0)) for p in ports)


def eal_args(prefix, lcores, mem, extra):
    return ['--lcores', lcores, '--no-pci', '--file-prefix', prefix, '-m', str(mem),
            '--log-level', 'lib.eal:error'] + list(extra)


def start(session, name, argv, prefix, nb_ports, timeout=20.0):
    """Spawn argv and wait until its telemetry lists nb_ports ports."""
    proc = session.spawn(name, argv)
    path = telemetry_path(session.runtime_dir, prefix)

    def ready():
        if not proc.alive():
            raise StartError('%s exited with status %s:\n%s'
                             % (name, proc.returncode(), proc.log_tail()))
        if not os.path.exists(path):
            return None
        try:
            tel = Telemetry(path)
        except TelemetryError:
            return None
        try:
            if len(tel.ports()) >= nb_ports:
                return tel
        except TelemetryError:
            pass
        tel.close()
        return None

    tel = wait_for(ready, timeout)
    if tel is None:
        raise StartError('%s: %d port(s) not seen in %.0f s:\n%s'
                         % (name, nb_ports, timeout, proc.log_tail()))
    return Dpdk(proc, tel, prefix)


def wait_links(dpdk, ports, timeout=15.0):
    def up():
        if not dpdk.proc.alive():
            raise StartError('%s exited with status %s:\n%s'
                             % (dpdk.proc.name, dpdk.proc.returncode(), dpdk.proc.log_tail()))
        try:
            return all(dpdk.tel.link_up(p) for p in ports)
        except TelemetryError:
            return False   # exited meanwhile (seen on the next call) or busy: ask again
    if not wait_for(up, timeout):
        raise StartError('%s: link of port(s) %s not up in %.0f s:\n%s'
                         % (dpdk.proc.name, ports, timeout, dpdk.proc.log_tail()))


def wait_path(path, proc, timeout=15.0):
    def exists():
        if not proc.alive():
            raise StartError('%s exited with status %s:\n%s'
                             % (proc.name, proc.returncode(), proc.log_tail()))
        return os.path.exists(path)
    if not wait_for(exists, timeout):
        raise StartError('%s: %s not created in %.0f s' % (proc.name, path, timeout))


def _died(dpdk, what):
    rc = dpdk.proc.returncode()
    return StartError('%s: %s%s:\n%s' % (dpdk.proc.name, what,
                                         '' if rc is None else ' (exited with status %s)' % rc,
                                         dpdk.proc.log_tail()))


def rx_reader(dpdk, ports, source):
    """A function returning the cumulative RX packets of ports: from
    telemetry, or from testpmd's --stats-period output (source 'stats').
    A process that stops answering fails the run (StartError)."""
    if source == 'stats':
        def from_log():
            totals = testpmd_rx_totals(dpdk.proc.log_text(), ports)
            return totals[-1] if totals else 0
        return from_log

    def from_telemetry():
        try:
            return dpdk.rx_packets(ports)
        except TelemetryError as e:
            raise _died(dpdk, 'telemetry stopped answering: %s' % e)
    return from_telemetry


def thread_cpu(dpdk, comm='rte-worker-1', proc_root='/proc', hz=None):
    """A function returning the CPU seconds used so far by the thread of
    dpdk's process named comm (EAL names lcore N's thread rte-worker-N):
    from schedstat (ns), or from stat (clock ticks) without it."""
    task = os.path.join(proc_root, str(dpdk.proc.pid), 'task')
    path = None
    try:
        for tid in sorted(os.listdir(task)):
            try:
                with open(os.path.join(task, tid, 'comm')) as f:
                    if f.read().strip() == comm:
                        path = os.path.join(task, tid)
                        break
            except OSError:
                continue
    except OSError:
        pass
    if path is None:
        raise _died(dpdk, 'no thread %s' % comm)
    hz = hz or os.sysconf('SC_CLK_TCK')

    def read():
        try:
            with open(os.path.join(path, 'schedstat')) as f:
                return parse_schedstat(f.read())
        except (OSError, ValueError, IndexError):
            pass
        try:
            with open(os.path.join(path, 'stat')) as f:
                return parse_stat_cpu(f.read(), hz)
        except (OSError, ValueError, IndexError):
            raise _died(dpdk, 'thread %s is gone' % comm)
    return read
