#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""vm_guest_channel: the kit's command channel returns each command's exit
status and output exactly, over one long-lived guest (no NICs, one boot):
statuses 0/3/255, stderr merged, output that mimics the channel's own
markers, binary bytes, a large output compared with the host's, a command
killed at its timeout (137) with the channel still usable after it, the
recovery from a RUN line or an answer lost on the way (each command still
runs once), the busybox applets the vm tests rely on, and a clean power-off."""

import hashlib
import re
import shutil
import sys
import time

from vmtest import BOOT_TIMEOUT, log, require_qemu, vm2vm_guest, workdir
from vm2vm_guest import channel  # noqa: E402 (vmtest puts usertools on the path)

# Applets the vm tests use in the guest (doc/guides/qemu.md lists them).
APPLETS = ['ip', 'ping', 'nc', 'dd', 'md5sum', 'sha256sum', 'taskset', 'timeout', 'seq',
           'base64', 'sleep']

failures = []


def expect(what, got, want):
    if got != want:
        failures.append(what)
        log(f'FAIL {what}: got {got!r}, want {want!r}')
    else:
        log(f'ok   {what}')


class Lossy:
    """Stands between the channel and its socket and loses, once, the first
    RUN line sent, or everything received up to the end of the first answer
    (which the serial line delivers in pieces of any size)."""

    def __init__(self, conn, lose):
        self.conn, self.lose = conn, lose
        self.dropped = b''

    def sendall(self, data):
        if self.lose == 'run' and data.startswith(b'RUN '):
            self.lose = None
            return None
        return self.conn.sendall(data)

    def recv(self, size):
        data = self.conn.recv(size)
        if self.lose != 'answer':
            return data
        self.dropped += data
        m = re.search(rb'@@VM2VM-END \d+ \d+ \d+@@', self.dropped)
        if m:
            self.lose = None
            data = self.dropped[m.end():]
        # never b'': that would read as the guest closing
        return data if m and data else b'x'

    def __getattr__(self, name):
        return getattr(self.conn, name)


def lossy_run(g, lose):
    """echo a line into a file and count the file's lines: 1 when it ran once."""
    real = g.chan.conn
    g.chan.conn = Lossy(real, lose)
    before = g.chan.resends
    try:
        got = g.run(f'echo x >> /tmp/{lose}.count; wc -l < /tmp/{lose}.count', timeout=20)
    finally:
        g.chan.conn = real
    return got[0], got[1].strip(), g.chan.resends - before


def main():
    require_qemu()
    wdir = workdir('chan')
    g = vm2vm_guest.Guest('chan', wdir, mem_mb=256, log=log)
    try:
        g.start()
        g.wait_ready(BOOT_TIMEOUT)
        expect('status 0, stdout', g.run('echo hello'), (0, 'hello\n'))
        expect('status 3, stderr merged', g.run('echo out; echo err >&2; exit 3'),
               (3, 'out\nerr\n'))
        expect('status 255', g.run('exit 255'), (255, ''))
        fake = '@@VM2VM-END 1 0@@ @@VM2VM-READY@@'
        expect('output mimicking markers', g.run(f"echo '{fake}'"), (0, fake + '\n'))
        expect('quotes and newlines in the command', g.run('printf "%s\\n" "a b" \'c"d\''),
               (0, 'a b\nc"d\n'))
        rc, out = g.run('printf "\\001\\377\\000x" | od -An -tx1')
        expect('binary bytes', (rc, out.split()), (0, ['01', 'ff', '00', '78']))
        want = ''.join(f'{i}\n' for i in range(1, 20001))
        rc, out = g.run('seq 1 20000', timeout=60)
        expect('108 KiB of output', (rc, hashlib.md5(out.encode()).hexdigest()),
               (0, hashlib.md5(want.encode()).hexdigest()))
        rc, _ = g.run('sleep 30', timeout=2)
        expect('killed at its timeout', rc, 137)
        expect('channel usable after a kill', g.run('echo after'), (0, 'after\n'))
        raw = g.chan
        raw.conn.sendall(b'RESEND 99999\n')
        expect('RESEND of an id never sent: UNKNOWN',
               bool(raw._read_until(rb'@@VM2VM-UNKNOWN 99999@@', time.monotonic() + 30,
                                    g.alive)), True)
        old = channel.SILENCE_S
        channel.SILENCE_S = 3
        try:
            expect('a lost RUN line: sent again after UNKNOWN, ran once',
                   lossy_run(g, 'run'), (0, '1', 1))
            expect('a lost answer: sent again on RESEND, ran once',
                   lossy_run(g, 'answer'), (0, '1', 1))
        finally:
            channel.SILENCE_S = old
        rc, out = g.run('for a in ' + ' '.join(APPLETS) + '; do busybox $a --help >/dev/null 2>&1'
                        ' || [ $? = 1 ] || echo missing $a; command -v $a || echo missing $a;'
                        ' done | grep missing', timeout=30)
        expect('applets present', out, '')
        g.stop()
        expect('clean power-off (QEMU exit status)', g.proc.returncode, 0)
    finally:
        g.stop()
        shutil.rmtree(wdir, ignore_errors=True)
    if failures:
        log(f'FAIL: {len(failures)} check(s): {", ".join(failures)}')
        return 1
    log('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main())
