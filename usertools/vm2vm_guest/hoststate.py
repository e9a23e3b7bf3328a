# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""What the host was doing when a guest stopped answering: load, each QEMU
thread's state and CPU share, and the busiest processes, over one interval.
A guest that misses an answer is either starved (its vCPU threads get little
CPU while something else runs), wedged inside QEMU (threads asleep), or busy
in itself (vCPU threads at 100 %); these lines tell which."""

import os
import time

_TICK = os.sysconf('SC_CLK_TCK')


def _stat(path):
    """(comm, state, utime + stime in ticks) of /proc/.../stat, or None."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    # comm may hold spaces and parentheses: it ends at the last ')'.
    head, _, rest = text.rpartition(')')
    fields = rest.split()
    return head.split('(', 1)[1], fields[0], int(fields[11]) + int(fields[12])


def _threads(pid):
    out = {}
    try:
        tids = os.listdir(f'/proc/{pid}/task')
    except OSError:
        return out
    for tid in tids:
        s = _stat(f'/proc/{pid}/task/{tid}/stat')
        if s:
            out[tid] = s
    return out


def _processes():
    out = {}
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            s = _stat(f'/proc/{pid}/stat')
            if s:
                out[pid] = s
    return out


def _sample(qemu_pid, interval):
    t0, p0 = _threads(qemu_pid), _processes()
    time.sleep(interval)
    t1, p1 = _threads(qemu_pid), _processes()
    scale = 100.0 / (_TICK * interval)
    threads = [(tid, comm, state, (ticks - t0.get(tid, (comm, state, ticks))[2]) * scale)
               for tid, (comm, state, ticks) in sorted(t1.items(), key=lambda kv: int(kv[0]))]
    busy = sorted(((ticks - p0[pid][2]) * scale, pid, comm)
                  for pid, (comm, _, ticks) in p1.items() if pid in p0)[::-1]
    return threads, busy


def summary(qemu_pid, interval=0.5):
    """One line: QEMU's threads running and their CPU, the busiest processes."""
    threads, busy = _sample(qemu_pid, interval)
    running = sum(1 for t in threads if t[2] == 'R')
    cpu = sum(t[3] for t in threads)
    return (f'QEMU threads {running}/{len(threads)} running, {cpu:.0f}% CPU; busiest: ' +
            ', '.join(f'{comm}[{pid}] {c:.0f}%' for c, pid, comm in busy[:4] if c > 0))


def describe(qemu_pid, interval=1.0, top=6):
    """Text lines on the host's state over @interval seconds."""
    lines = []
    try:
        with open('/proc/loadavg') as f:
            lines.append('host load average: ' + ' '.join(f.read().split()[:3]))
    except OSError:
        pass
    threads, busy = _sample(qemu_pid, interval)
    if threads:
        lines.append(f'QEMU {qemu_pid} threads (name state cpu% over {interval:g} s):')
        lines += [f'  {tid} {comm} {state} {cpu:.0f}%' for tid, comm, state, cpu in threads]
    lines.append('busiest processes: ' +
                 ', '.join(f'{comm}[{pid}] {cpu:.0f}%' for cpu, pid, comm in busy[:top] if cpu > 0))
    return lines
