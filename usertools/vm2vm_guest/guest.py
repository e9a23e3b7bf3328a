# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""One QEMU guest: start, wait until its command loop is up, run commands,
power off or kill. Always reaps its QEMU, even if the caller dies: QEMU gets
SIGKILL through PR_SET_PDEATHSIG when this process exits."""

import ctypes
import itertools
import os
import signal
import subprocess
import time

from . import accel as accel_mod
from . import hoststate
from . import image as image_mod
from . import qemu
from . import qmp
from . import channel as channel_mod
from .channel import Channel, ChannelError
from .qemu import Nic

_guest_numbers = itertools.count(1)
SLOW_ANSWER_S = 10
PR_SET_PDEATHSIG = 1


class GuestError(Exception):
    pass


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the process that started it exits."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Guest:
    """A guest with vhost-user NICs (see Nic). workdir holds console.log,
    qemu.log and the channel socket; it must exist and its path must be short
    (unix socket paths are limited to 107 bytes)."""

    def __init__(self, name, workdir, nics=(), mem_mb=512, smp=None, image=None,
                 accel=None, log=lambda msg: None, shms=()):
        self.name = name
        self.workdir = workdir
        self.nics = list(nics)
        self.shms = list(shms)      # ivshmem-plain devices (qemu.Shm)
        no = next(_guest_numbers) + (os.getpid() & 0xff) * 256
        for i, nic in enumerate(self.nics):
            nic.mac = nic.mac or qemu.default_mac(no, i)
        self.mem_mb = mem_mb
        # One vCPU per queue pair lets the guest spread its queues.
        self.smp = smp or max([1] + [n.queues for n in self.nics])
        self.image = image
        self.accel = accel
        self.log = log
        self.console_log = os.path.join(workdir, f'{name}.console.log')
        self.qemu_log = os.path.join(workdir, f'{name}.qemu.log')
        self.sock = os.path.join(workdir, f'{name}.cmd.sock')
        self.qmp_sock = os.path.join(workdir, f'{name}.qmp.sock')
        self.kicks = 0
        self.proc = None
        self.chan = None
        self.boot_seconds = None

    def start(self):
        self.image = self.image or image_mod.ensure(self.log)
        self.accel = self.accel or accel_mod.choose(self.image, self.log)
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.chan = Channel(self.sock)
        argv = qemu.command(self.image, self.accel, self.mem_mb, self.smp, self.console_log,
                            self.sock, self.nics, shms=self.shms, qmp_sock=self.qmp_sock)
        with open(self.qemu_log, 'w') as f:
            f.write(' '.join(argv) + '\n')
            f.flush()
            self.t0 = time.monotonic()
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=f,
                                         stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        self.log(f'{self.name}: QEMU pid {self.proc.pid} ({self.accel})')
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _diagnose(self, what, timed_out=False):
        tail = ''
        if timed_out and self.alive():
            tail += '\n--- host state\n' + '\n'.join(hoststate.describe(self.proc.pid))
            tail += '\n--- QEMU state\n' + self._qemu_state()
            if self.chan is not None:
                # Part of an answer here means bytes were lost on the way, not a stall.
                tail += (f'\n--- channel: {self.chan.resends} RESEND(s), {self.chan.damaged} '
                         f'damaged answer(s); unmatched input (tail): {self.chan.buf[-300:]!r}')
        for path in (self.qemu_log, self.console_log):
            try:
                with open(path, errors='replace') as f:
                    lines = f.read().splitlines()[-15:]
                tail += f'\n--- {path} (tail)\n' + '\n'.join(lines)
            except OSError:
                pass
        return GuestError(f'{self.name}: {what}{tail}')

    def _qemu_state(self):
        """What QEMU says of the vCPUs (halted or not, interrupts enabled or
        not, where), the interrupt counts and the channel's chardev, so a
        guest that stopped answering shows which side stopped."""
        hmp = [{'execute': 'human-monitor-command', 'arguments': {'command-line': c}}
               for c in ('info registers -a', 'info irq')]
        try:
            regs, irqs, chardevs = qmp.execute(self.qmp_sock, hmp + ['query-chardev'])
        except (OSError, TimeoutError, qmp.QmpError, ValueError) as e:
            return f'QMP: {e}'
        keep = [ln.strip() for ln in regs.splitlines()
                if ln.startswith(('CPU#', 'RIP=', 'RAX=')) or 'HLT=' in ln]
        counts = ' '.join(''.join(ln.split()) if ln.strip()[:1].isdigit() else '| ' + ln.strip()
                          for ln in irqs.splitlines() if ln.strip())
        cmd = [c for c in chardevs if c.get('label') == 'cmd']
        return '\n'.join(keep + [f'IRQ counts: {counts}', f'channel chardev: {cmd}'])

    def wait_ready(self, timeout=120):
        try:
            self.chan.wait_ready(timeout, self.alive)
        except (TimeoutError, ChannelError) as e:
            raise self._diagnose(f'not ready: {e}', isinstance(e, TimeoutError)) from None
        self.boot_seconds = time.monotonic() - self.t0
        self.log(f'{self.name}: ready after {self.boot_seconds:.1f} s')
        return self.boot_seconds

    def run(self, cmd, timeout=60):
        """Run cmd with sh in the guest: (exit status, stdout+stderr).
        The guest kills cmd after timeout seconds (status 137)."""
        t0 = time.monotonic()
        before = (self.chan.resends, self.chan.unknowns, self.chan.damaged)
        try:
            answer = self.chan.run(cmd, timeout, self.alive, self.kick)
        except (TimeoutError, ChannelError) as e:
            raise self._diagnose(f'command {cmd!r}: {e}', isinstance(e, TimeoutError)) from None
        took = time.monotonic() - t0
        if took > SLOW_ANSWER_S:
            # Logged so that a later timeout has a history: a guest that
            # slows down before it stops answering, or one that stalls at once.
            r, u, d = (a - b for a, b in zip(
                (self.chan.resends, self.chan.unknowns, self.chan.damaged), before))
            # RESEND with no UNKNOWN: the answer (or the guest) was stuck, not the RUN line.
            self.log(f'{self.name}: slow answer, {took:.1f} s ({r} RESEND, {u} UNKNOWN, '
                     f'{d} damaged): {cmd[:80]!r}')
        return answer

    def kick(self):
        """Called when a command has been silent for channel.SILENCE_S.
        Under TCG a guest now and then stops answering with every QEMU
        thread asleep (seen on loaded 2-CPU hosts with QEMU 7.2, rarely;
        a periodic guest tick does not prevent it; see doc/guides/qemu.md,
        "Command channel"). The channel sends RESEND itself; this wakes
        every vCPU (QMP stop and cont: each vCPU thread re-checks its
        pending interrupts) and gives the guest's UART a receive interrupt
        (an empty line, which its command loop ignores). Both are harmless
        to a guest that was merely busy. Logged, so a run shows how often."""
        self.kicks += 1
        state = hoststate.summary(self.proc.pid) if self.alive() else 'QEMU gone'
        try:
            qmp.execute(self.qmp_sock, ['stop', 'cont'])
            how = 'QMP stop/cont and an empty line'
        except (OSError, TimeoutError, qmp.QmpError, ValueError) as e:
            how = f'an empty line (QMP: {e})'
        try:
            self.chan.nudge()
        except OSError:
            pass
        self.log(f'{self.name}: silent for {channel_mod.SILENCE_S:g} s, kick {self.kicks} ({how}); {state}')

    def check(self, cmd, timeout=60):
        """run(), raising GuestError unless the status is 0; returns the output."""
        rc, out = self.run(cmd, timeout)
        if rc != 0:
            raise GuestError(f'{self.name}: {cmd!r} exited {rc}:\n{out}')
        return out

    def stop(self, timeout=30):
        """Clean power-off; SIGKILL if the guest does not go within timeout."""
        # Only a guest whose command loop is up can power itself off.
        if self.alive() and self.chan is not None and self.boot_seconds is not None:
            try:
                self.chan.poweroff(timeout, self.alive)
                self.proc.wait(timeout)
            except (TimeoutError, ChannelError, OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        if self.chan is not None:
            self.chan.close()
            self.chan = None
        for path in (self.sock, self.qmp_sock):
            if os.path.exists(path):
                os.unlink(path)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


__all__ = ['Guest', 'GuestError', 'Nic']
