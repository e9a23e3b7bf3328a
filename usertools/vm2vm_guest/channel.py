# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Host side of the command channel on the guest's ttyS1.

Host -> guest, one line per request:
    RUN <id> <seconds> <base64 of a shell script>
    RESEND <id>
    POWEROFF <id>
Guest -> host:
    @@VM2VM-READY@@                       once, when the loop starts
    @@VM2VM-BEGIN <id>@@ <base64 of stdout+stderr> @@VM2VM-END <id> <status> <bytes>@@
    @@VM2VM-UNKNOWN <id>@@                to RESEND, when RUN <id> never came
    @@VM2VM-BYE <id>@@                    before powering off
Base64 both ways keeps any command and any output (binary, '@@', long
lines) from being mistaken for a marker; the guest kills a command after
<seconds> (status 137) so the channel stays in step. <bytes> is the output's
length, so a damaged answer is not taken for a whole one.

A command the host hears nothing of for SILENCE_S gets one RESEND: the guest
sends its answer again, or UNKNOWN if the RUN line was lost on the way, and
then the host sends the RUN line again (the command never ran, so it runs
once). A busy guest reads the RESEND after the command and answers twice;
the second copy is skipped like any text before a later answer.
"""

import base64
import binascii
import re
import socket
import time


# A command that says nothing for this long may be one whose guest missed a
# wakeup (see Guest.kick); the caller decides what to do about it.
SILENCE_S = 15
# What run() allows beyond the guest's own timeout: a slow serial line.
ANSWER_SLACK_S = 30
# RUN lines sent again (after UNKNOWN) and answers asked again (damaged).
MAX_RESENDS = 3


class ChannelError(Exception):
    pass


class Channel:
    def __init__(self, path):
        self.path = path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(1)
        self.conn = None
        self.buf = b''
        self.next_id = 1
        self.resends = 0      # RESENDs sent (silences, damaged answers)
        self.damaged = 0      # answers whose base64 or length did not check out
        self.unknowns = 0     # RUN lines the guest never got (UNKNOWN to a RESEND)

    def _accept(self, deadline, alive):
        while self.conn is None:
            self._check(deadline, alive)
            self.listener.settimeout(0.2)
            try:
                self.conn, _ = self.listener.accept()
            except socket.timeout:
                continue

    def _check(self, deadline, alive):
        if not alive():
            raise ChannelError('QEMU exited')
        if time.monotonic() > deadline:
            raise TimeoutError('guest did not answer in time')

    def _read_until(self, pattern, deadline, alive, on_silence=None):
        """Read until pattern (bytes regex) matches; return the match and
        drop everything up to its end from the buffer. on_silence() is
        called each time SILENCE_S pass without a byte from the guest."""
        self._accept(deadline, alive)
        rx = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, re.S)
        heard = time.monotonic()
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            self._check(deadline, alive)
            if on_silence is not None and time.monotonic() - heard >= SILENCE_S:
                on_silence()
                heard = time.monotonic()
            self.conn.settimeout(0.2)
            try:
                data = self.conn.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise ChannelError('guest closed the command channel')
            self.buf += data
            heard = time.monotonic()

    def wait_ready(self, timeout, alive):
        self._read_until(rb'@@VM2VM-READY@@', time.monotonic() + timeout, alive)

    def run(self, cmd, timeout, alive, on_silence=None):
        """Run cmd (a shell script) in the guest; return (status, output).
        on_silence() is called whenever the guest has been silent for
        SILENCE_S; the first silence also sends RESEND (see above)."""
        n, self.next_id = self.next_id, self.next_id + 1
        secs = max(1, int(timeout))
        script = base64.b64encode(cmd.encode()).decode()
        line = f'RUN {n} {secs} {script}\n'.encode()
        self._accept(time.monotonic() + secs, alive)
        self.conn.sendall(line)
        answer = rb'@@VM2VM-BEGIN %d@@(.*?)@@VM2VM-END %d (\d+)(?: (\d+))?@@' % (n, n)
        either = re.compile(answer + rb'|@@VM2VM-UNKNOWN %d@@' % n, re.S)
        asked = False

        def ask():
            nonlocal asked
            asked = True
            self.resends += 1
            # The newline first ends whatever part of a line the guest holds.
            self.conn.sendall(b'\nRESEND %d\n' % n)

        def silent():
            if on_silence is not None:
                on_silence()
            if not asked:
                ask()

        # The guest kills the command at secs; allow for a slow serial line.
        deadline = time.monotonic() + secs + ANSWER_SLACK_S
        for _ in range(MAX_RESENDS + 1):
            m = self._read_until(either, deadline, alive, silent)
            if m.group(2) is None:
                # UNKNOWN: the RUN line never arrived whole, so it never ran.
                self.unknowns += 1
                self.conn.sendall(b'\n' + line)
                asked = False
                deadline = time.monotonic() + secs + ANSWER_SLACK_S
                continue
            try:
                out = base64.b64decode(b''.join(m.group(1).split()), validate=True)
            except (binascii.Error, ValueError):
                out = None
            if out is not None and (m.group(3) is None or len(out) == int(m.group(3))):
                return int(m.group(2)), out.decode(errors='replace')
            self.damaged += 1           # damaged on the way: ask again
            ask()
        raise ChannelError(f'command {n}: no whole answer after {MAX_RESENDS} tries')

    def nudge(self):
        """An empty line: the guest's loop reads and ignores it, and its UART
        takes a receive interrupt on the way."""
        if self.conn is not None:
            self.conn.sendall(b'\n')

    def poweroff(self, timeout, alive):
        n, self.next_id = self.next_id, self.next_id + 1
        self.conn.sendall(f'POWEROFF {n}\n'.encode())
        self._read_until(rb'@@VM2VM-BYE %d@@' % n, time.monotonic() + timeout, alive)

    def close(self):
        for s in (self.conn, self.listener):
            if s is not None:
                s.close()
