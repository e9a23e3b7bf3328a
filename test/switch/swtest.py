# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""Helpers for the switch's integration tests: pcap files written and read
with the struct module, frames with a numbered tag, and running the switch
on net_pcap ports with a unique file prefix and pinned lcores."""

import atexit
import os
import shutil
import struct
import subprocess
import tempfile

PCAP_MAGIC = 0xa1b2c3d4
ETHERTYPE_TEST = b'\x88\xb5'  # IEEE local experimental


def mac(s):
    return bytes(int(x, 16) for x in s.split(':'))


def frame(dst, src, tag, size=64):
    """An Ethernet frame dst <- src carrying @tag (2 bytes) after the type."""
    b = mac(dst) + mac(src) + ETHERTYPE_TEST + struct.pack('>H', tag)
    return b + bytes((tag + i) & 0xff for i in range(size - len(b)))


def tag_of(fr):
    return struct.unpack('>H', fr[14:16])[0]


def write_pcap(path, frames):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', PCAP_MAGIC, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack('<IIII', 1, i, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    assert magic in (PCAP_MAGIC, 0xa1b23c4d), f'{path}: not a pcap file'
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames


class Run:
    """The switch on N net_pcap ports, input frames per port."""

    def __init__(self, binary, name, inputs, sw_args=(), eal_args=()):
        self.dir = tempfile.mkdtemp(prefix=f'sw-{name}-')
        self.binary = binary
        self.name = name
        self.prefix = f'sw-test-{name}-{os.getpid()}'
        atexit.register(self.cleanup)
        self.eal = ['--no-pci', '--no-huge', '-m', '128', '--lcores', '0@0,1@1',
                    '--file-prefix', self.prefix, '--log-level', 'lib.eal:error']
        self.eal += list(eal_args)
        for i, frames in enumerate(inputs):
            rx, tx = self.path(f'in{i}.pcap'), self.path(f'out{i}.pcap')
            write_pcap(rx, frames)
            self.eal += ['--vdev', f'net_pcap{i},rx_pcap={rx},tx_pcap={tx}']
        self.args = ['--total-num-mbufs', '8192', '--rxd', '256', '--txd', '256'] + list(sw_args)
        self.nports = len(inputs)

    def cleanup(self):
        cleanup_prefix(self.prefix)
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, f):
        return os.path.join(self.dir, f)

    def cmd(self):
        return [self.binary] + self.eal + ['--'] + self.args

    def run(self, timeout=40, stdin_script=None):
        if stdin_script is None:
            p = subprocess.run(self.cmd() + ['--run-time', '1'], capture_output=True,
                               text=True, timeout=timeout)
            self.out, self.err, self.rc = p.stdout, p.stderr, p.returncode
        else:
            self.out, self.err, self.rc = run_interactive(self.cmd() + ['-i'], stdin_script,
                                                          timeout)
        self.log()
        return self

    def log(self):
        print(f'$ {" ".join(self.cmd())}\n--- stdout\n{self.out}--- stderr\n{self.err}'
              f'--- exit status {self.rc}')

    def output(self, port):
        return read_pcap(self.path(f'out{port}.pcap'))

    def tags(self, port):
        return [tag_of(fr) for fr in self.output(port)]

    def snapshot(self):
        """Tags sent on every port so far, kept in self.snap (the switch's
        net_pcap ports flush their tx file after every burst)."""
        self.snap = [self.tags(p) for p in range(self.nports)]


class Wait:
    """A script step: wait until the switch has printed @text @count times
    in all (e.g. the prompt, "forwarding stopped"), however loaded the
    machine is."""

    def __init__(self, text, count=1, timeout=30):
        self.text, self.count, self.timeout = text, count, timeout


def run_interactive(cmd, script, timeout):
    """Feed (delay_seconds, step) pairs to the command line once the first
    prompt is out. A step is a command line, a Wait, or a Python callable
    (called in between, to look at tx files or telemetry)."""
    import threading
    import time
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out, err = bytearray(), bytearray()
    cond = threading.Condition()

    def reader(stream, buf):
        while True:
            chunk = os.read(stream.fileno(), 65536)
            with cond:
                buf.extend(chunk)
                cond.notify_all()
            if not chunk:
                return

    def wait(w):
        with cond:
            ok = cond.wait_for(lambda: out.count(w.text.encode()) >= w.count or p.poll() is not None,
                               timeout=w.timeout)
        check(ok and out.count(w.text.encode()) >= w.count,
              f'switch did not print "{w.text}" {w.count} times')

    threads = [threading.Thread(target=reader, args=(s, b), daemon=True)
               for s, b in ((p.stdout, out), (p.stderr, err))]
    for t in threads:
        t.start()
    try:
        wait(Wait('vm2vm-switch> '))  # EAL and ports are up
        for delay, step in script:
            time.sleep(delay)
            if isinstance(step, Wait):
                wait(step)
            elif callable(step):
                step()
            else:
                p.stdin.write((step + '\n').encode())
                p.stdin.flush()
        p.stdin.close()
        p.wait(timeout=timeout)
    except Exception:
        p.kill()
        p.wait()
        raise
    finally:
        for t in threads:
            t.join(timeout=5)
        if p.returncode is None or p.returncode != 0:
            print(f'--- partial stdout\n{out.decode(errors="replace")}\n--- partial stderr\n'
                  f'{err.decode(errors="replace")}')
    return out.decode(errors='replace'), err.decode(errors='replace'), p.returncode


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def telemetry(prefix, cmd, timeout=5):
    """One telemetry command against the DPDK process with file prefix @prefix."""
    import json
    import socket
    path = f'/var/run/dpdk/{prefix}/dpdk_telemetry.v2'
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.recv(16384)  # greeting
        s.send(cmd.encode())
        return json.loads(s.recv(65536).decode())[cmd.split(',')[0]]
    finally:
        s.close()


def cleanup_prefix(prefix):
    import glob
    import shutil
    for f in glob.glob(f'/dev/hugepages/{prefix}map_*'):
        os.unlink(f)
    shutil.rmtree(f'/var/run/dpdk/{prefix}', ignore_errors=True)
