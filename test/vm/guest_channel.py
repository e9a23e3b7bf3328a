#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""vm_guest_channel: the kit's command channel returns each command's exit
status and output exactly, over one long-lived guest (no NICs, one boot):
statuses 0/3/255, stderr merged, output that mimics the channel's own
markers, binary bytes, a large output compared with the host's, a command
killed at its timeout (137) with the channel still usable after it, and
the busybox applets the vm tests rely on."""

import hashlib
import shutil
import sys

from vmtest import BOOT_TIMEOUT, log, require_qemu, vm2vm_guest, workdir

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
        rc, out = g.run('for a in ' + ' '.join(APPLETS) + '; do busybox $a --help >/dev/null 2>&1'
                        ' || [ $? = 1 ] || echo missing $a; command -v $a || echo missing $a;'
                        ' done | grep missing', timeout=30)
        expect('applets present', out, '')
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
