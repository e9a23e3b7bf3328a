#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""dpdk-dumpcap captures on the switch's ports (the switch calls
rte_pdump_init): two net_pcap ports replaying one frame each forever (sending to lo:
a secondary process cannot attach to a tx_pcap file port), the
capture must hold the switched frames.

usage: dumpcap.py SWITCH_BINARY
"""

import os
import shutil
import signal
import subprocess
import sys
import time

from swtest import check, cleanup_prefix, frame, write_pcap

A, B = '02:00:00:00:00:0a', '02:00:00:00:00:0b'


def main(binary):
    dumpcap = shutil.which('dpdk-dumpcap')
    if dumpcap is None:
        print('dpdk-dumpcap not installed')
        return 77
    # dpdk-dumpcap re-probes the ports from their devargs; it failed to with
    # the rx files in a tempfile.mkdtemp() directory, so use a plain one.
    d = f'/tmp/sw-dumpcap-{os.getpid()}'
    os.makedirs(d, mode=0o755, exist_ok=True)
    prefix = f'sw-test-dumpcap-{os.getpid()}'
    write_pcap(f'{d}/in0.pcap', [frame(B, A, 1)])
    write_pcap(f'{d}/in1.pcap', [frame(A, B, 2)])
    cmd = [binary, '--no-pci', '-m', '128', '--lcores', '0@0,1@1', '--file-prefix', prefix]
    for i in range(2):
        cmd += ['--vdev', f'net_pcap{i},rx_pcap={d}/in{i}.pcap,tx_iface=lo,infinite_rx=1']
    cmd += ['--', '--run-time', '30']
    log = open(f'{d}/switch.log', 'w+')
    sw = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        # A secondary process can attach only once the primary's ports exist.
        for _ in range(100):
            time.sleep(0.2)
            if 'lcore map' in open(log.name).read():
                break
        time.sleep(0.5)
        cap = f'{d}/cap.pcapng'
        p = subprocess.run([dumpcap, f'--file-prefix={prefix}', '-i', 'net_pcap1', '-c', '20',
                            '-w', cap], capture_output=True, text=True, timeout=30)
        print(p.stdout, p.stderr)
        check(p.returncode == 0, f'dpdk-dumpcap exit status {p.returncode}')
        data = open(cap, 'rb').read()
        # Frames on port 1 (received A<-B, sent B<-A): the switched test frames.
        n = (data.count(bytes.fromhex('02000000000a02000000000b88b5')) +
             data.count(bytes.fromhex('02000000000b02000000000a88b5')))
        check(n >= 10, f'only {n} test frames in the capture')
    finally:
        sw.send_signal(signal.SIGTERM)
        sw.wait(timeout=20)
        print(open(log.name).read()[-1500:])
        cleanup_prefix(prefix)
        shutil.rmtree(d, ignore_errors=True)
    check(sw.returncode == 0, f'switch exit status {sw.returncode}')
    print('PASS')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
