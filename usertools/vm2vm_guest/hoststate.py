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


def describe(qemu_pid, interval=1.0, top=6):
    """Text lines on the host's state over @interval seconds."""
    lines = []
    try:
        with open('/proc/loadavg') as f:
            lines.append('host load average: ' + ' '.join(f.read().split()[:3]))
    except OSError:
        pass
    t0, p0 = _threads(qemu_pid), _processes()
    time.sleep(interval)
    t1, p1 = _threads(qemu_pid), _processes()
    scale = 100.0 / (_TICK * interval)
    if t1:
        lines.append(f'QEMU {qemu_pid} threads (name state cpu% over {interval:g} s):')
        for tid, (comm, state, ticks) in sorted(t1.items(), key=lambda kv: int(kv[0])):
            before = t0.get(tid, (comm, state, ticks))[2]
            lines.append(f'  {tid} {comm} {state} {(ticks - before) * scale:.0f}%')
    busy = sorted(((ticks - p0[pid][2]) * scale, pid, comm)
                  for pid, (comm, _, ticks) in p1.items() if pid in p0)[::-1][:top]
    lines.append('busiest processes: ' +
                 ', '.join(f'{comm}[{pid}] {cpu:.0f}%' for cpu, pid, comm in busy if cpu > 0))
    return lines
