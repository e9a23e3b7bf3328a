#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""A stand-in for a libFuzzer harness, for test_vm2vm_fuzz.py: it burns CPU
for -max_total_time seconds (or the FAKE_BURN seconds of CPU, if set), prints
the final statistics libFuzzer prints, and on SIGINT prints them at once and
exits 72, as libFuzzer does. With FAKE_FINDING set it writes a crash file
(FAKE_FINDING=slow: a slow-unit file) under -artifact_prefix and exits 1.
Given a file instead of options, it replays it as libFuzzer does: it prints
'Executed <file> in FAKE_REPLAY_MS ms' (default 2). With -merge=1 OUT IN it
copies each distinct content of IN once into OUT, named by its SHA-1 as
libFuzzer names inputs (FAKE_MERGE_FAIL set: it fails, as a crashing input
makes libFuzzer's merge fail)."""

import hashlib
import os
import signal
import sys
import time

args = {a.split('=')[0]: a.split('=', 1)[1] for a in sys.argv[1:] if a.startswith('-') and '=' in a}
execs = 0


def final(code):
    print(f'stat::number_of_executed_units: {execs}')
    print('#1 DONE cov: 42 ft: 1')
    sys.stdout.flush()
    sys.exit(code)


signal.signal(signal.SIGINT, lambda s, f: final(72))
if args.get('-merge') == '1':
    out, src = [a for a in sys.argv[1:] if not a.startswith('-')][:2]
    if os.environ.get('FAKE_MERGE_FAIL'):
        print('==1==ERROR: fake crash during merge')
        sys.exit(1)
    for f in sorted(os.listdir(src)):
        with open(os.path.join(src, f), 'rb') as i:
            data = i.read()
        with open(os.path.join(out, hashlib.sha1(data).hexdigest()), 'wb') as o:
            o.write(data)
    sys.exit(0)
if len(sys.argv) == 2 and os.path.isfile(sys.argv[1]):
    print(f'Executed {sys.argv[1]} in {os.environ.get("FAKE_REPLAY_MS", "2")} ms')
    sys.exit(0)
if os.environ.get('FAKE_FINDING'):
    kind = 'slow-unit-' if os.environ['FAKE_FINDING'] == 'slow' else 'crash-'
    with open(args['-artifact_prefix'] + kind + 'fake', 'w') as f:
        f.write('x')
    os.environ.pop('FAKE_FINDING')
    execs = 7
    final(1)
burn = float(os.environ.get('FAKE_BURN', '0'))
end = time.monotonic() + int(args.get('-max_total_time', '1'))
runs = int(args.get('-runs', '0'))
while time.monotonic() < end:
    if burn and time.process_time() >= burn:
        break
    execs += 1
    if runs and execs >= runs:
        break
final(0)
