# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""A minimal QMP client: connect to QEMU's -qmp unix socket, negotiate, run
commands, close. Every step is bounded by a timeout, so a wedged QEMU cannot
wedge the test that asks it something."""

import json
import socket
import time


class QmpError(Exception):
    pass


def execute(path, commands, timeout=5.0):
    """Run each QMP command name (or dict) in order; their 'return' values.
    Raises QmpError on an 'error' answer, OSError/TimeoutError on the socket."""
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        buf = b''

        def answer():
            nonlocal buf
            while True:
                line, sep, rest = buf.partition(b'\n')
                if sep:
                    buf = rest
                    msg = json.loads(line)
                    # Asynchronous events (STOP, RESUME, ...) are not answers.
                    if 'event' not in msg:
                        return msg
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError('QMP: no answer in time')
                s.settimeout(left)
                data = s.recv(65536)
                if not data:
                    raise QmpError('QMP: QEMU closed the socket')
                buf += data

        if 'QMP' not in answer():
            raise QmpError('QMP: no greeting')
        out = []
        for cmd in ['qmp_capabilities'] + list(commands):
            req = cmd if isinstance(cmd, dict) else {'execute': cmd}
            s.sendall(json.dumps(req).encode() + b'\n')
            msg = answer()
            if 'error' in msg:
                raise QmpError(f'QMP {req["execute"]}: {msg["error"].get("desc", msg["error"])}')
            out.append(msg.get('return'))
        return out[1:]
