#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""net_ivshmem2 in real QEMU guests over QEMU's ivshmem-plain device: the
guest's dpdk-testpmd (our .so with -d, uio_pci_generic) and a host
dpdk-testpmd on the host flavour of the same hugetlbfs file, or two guests.
One scenario per run; every one counts frames on both sides.

usage: iv_guest.py SCENARIO
  guest-host   guest-tx, then guest-rx (the host switches forwarding mode), then
               integrity guest -> host, all with one guest: the host testpmd
               quits under a live guest, which must keep the file (CI runs this)
  guest-tx     guest txonly -> host rxonly
  guest-rx     host txonly -> guest rxonly
  kill         guest QEMU SIGKILLed mid-traffic: host link down within the
               heartbeat timeout, no mbuf kept; a new guest brings it up again
  two-guests   guest A txonly -> guest B rxonly on two queues, no host process
  integrity    examples/ivshmem2-integrity, guest sends, host checks
  bad-inputs   BAR too small, sizes that do not add up, a file laid out by
               another configuration: clear errors, links stay down, no crash
  garbage      test/ivshmem2's hostile peer on the host against the guest's
               testpmd: random ring and header bytes, lying descriptors; the
               guest survives, counts them, and the link recovers
"""

import os
import re
import shutil
import subprocess
import sys
import time

import iv_plain
from iv_plain import GUEST_SIZES, SHM_SIZE, GuestPort, HostPort, make_file, shm_path
from vmtest import log, remove_dpdk_leftovers, require_qemu, vm2vm_guest, workdir
from vp_backend import eal_args

MIN_FRAMES = 10000
# How long traffic runs before it is counted: DPDK in a TCG guest moves millions
# of frames a second here, so even a hundredth of that passes MIN_FRAMES at once.
TRAFFIC_S = 3
HEARTBEAT_S = 3          # IV2_HEARTBEAT_TIMEOUT_MS
LINK_TIMEOUT = 180       # guest EAL start-up under TCG on a loaded machine


class Failed(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Failed(what)
    log(f'ok: {what}')


class Scenario:
    def __init__(self, name, wdir, img):
        self.name = name
        self.wdir = wdir
        self.img = img
        self.shm = shm_path(name)
        self.hosts = []
        self.guests = []
        self.files = [self.shm]

    def host(self, fwd, **kw):
        h = HostPort(f'ivp-{self.name}-{len(self.hosts)}', self.wdir, self.shm, fwd, **kw)
        self.hosts.append(h)
        return h

    def guest(self, tag, shms=None, driver='uio_pci_generic'):
        shms = shms or [vm2vm_guest.Shm(self.shm, SHM_SIZE)]
        g = GuestPort(f'{self.name}-{tag}', self.wdir, self.img, shms, driver=driver)
        self.guests.append(g)
        return g.boot()

    def close(self):
        for g in self.guests:
            g.kill()
        for h in self.hosts:
            h.stop()
        for f in self.files:
            if os.path.exists(f):
                os.unlink(f)


def check_clean_host(h):
    xs = h.xstats()
    expect(xs.get('ring_protocol_errors', 0) == 0 and xs.get('peer_incompatible', 0) == 0,
           f'host: no ring protocol errors, peer compatible ({xs.get("ring_protocol_errors")},'
           f' {xs.get("peer_incompatible")})')
    return xs


def guest_tx(s, h=None, g=None):
    h = h or s.host('rxonly')
    g = g or s.guest('g')
    g.start_testpmd('txonly', f'id=1,{GUEST_SIZES}')
    h.wait_link(True, timeout=LINK_TIMEOUT)
    g.wait_log('link state change event', 60)
    probe = g.wait_log('ivshmem-plain flavour', 30)
    expect('BAR2 16777216 bytes (state 2097152, rw 2097152, out 6291456)' in probe,
           'guest laid the host\'s sections out over BAR2: ' + probe.strip().split('): ')[-1])
    time.sleep(TRAFFIC_S)
    totals, text = g.stop_testpmd()
    expect('read-only' not in text, 'the peer\'s section is read-only in the guest\'s mapping')
    h.wait_link(False, timeout=30)
    rx = h.port_stats()['RX-packets']
    log(f'guest TX-packets {totals["TX-packets"]}, host RX-packets {rx}')
    expect(rx >= MIN_FRAMES, f'host received {rx} frames (>= {MIN_FRAMES})')
    expect(totals['TX-packets'] >= rx, f'guest sent {totals["TX-packets"]} >= {rx} received')
    check_clean_host(h)


def guest_rx(s, h=None, g=None):
    h = h or s.host('txonly')
    g = g or s.guest('g')
    base = h.port_stats()['TX-packets']
    g.start_testpmd('rxonly', f'id=1,{GUEST_SIZES}')
    h.wait_link(True, timeout=LINK_TIMEOUT)
    time.sleep(TRAFFIC_S)
    totals, _ = g.stop_testpmd()
    h.wait_link(False, timeout=30)
    tx = h.port_stats()['TX-packets'] - base
    log(f'host TX-packets {tx}, guest RX-packets {totals["RX-packets"]}')
    expect(totals['RX-packets'] >= MIN_FRAMES,
           f'guest received {totals["RX-packets"]} frames (>= {MIN_FRAMES})')
    expect(tx >= totals['RX-packets'], f'host sent {tx} >= {totals["RX-packets"]} received')
    check_clean_host(h)


def guest_host(s):
    h = s.host('rxonly')
    g = s.guest('g')
    guest_tx(s, h, g)
    h.query('stop')
    h.query('set fwd txonly')
    h.query('start')
    h.query('clear port stats all')
    guest_rx(s, h, g)
    # The guest's sender first (waiting for the link: the host port is
    # stopped): the host testpmd then quits under a live guest and must
    # leave the file for the next host process.
    h.query('stop')
    h.query('port stop 0')
    integrity_run(s, g, 10000, 'rx', before_host=lambda: quit_host(s, h))


def quit_host(s, h):
    h.stop()
    s.hosts.remove(h)
    expect(os.path.exists(s.shm), 'the host left the file in place under a live guest')


def kill(s):
    h = s.host('rxonly')
    pid = h.proc.pid
    baseline = h.mbufs_in_use()
    a = s.guest('a')
    a.start_testpmd('txonly', f'id=1,{GUEST_SIZES}')
    h.wait_link(True, timeout=LINK_TIMEOUT)
    time.sleep(TRAFFIC_S)
    rx1 = h.port_stats()['RX-packets']
    expect(rx1 > 0, f'{rx1} frames received from guest a')
    a.kill()                                    # SIGKILL to QEMU, mid-traffic
    dt = h.wait_link_timed(False, timeout=HEARTBEAT_S + 30)
    log(f'host link down {dt:.1f} s after SIGKILL')
    expect(dt <= HEARTBEAT_S + 10, f'link down after {dt:.1f} s (heartbeat {HEARTBEAT_S} s)')
    time.sleep(1)
    in_use = h.mbufs_in_use()
    expect(in_use == baseline, f'host mbufs in use back to {baseline} (now {in_use})')
    b = s.guest('b')
    b.start_testpmd('txonly', f'id=1,{GUEST_SIZES}')
    h.wait_link(True, timeout=LINK_TIMEOUT)
    time.sleep(TRAFFIC_S)
    totals, _ = b.stop_testpmd()
    h.wait_link(False, timeout=30)
    rx2 = h.port_stats()['RX-packets'] - rx1
    log(f'guest b TX-packets {totals["TX-packets"]}, host RX-packets since {rx2}')
    expect(rx2 >= MIN_FRAMES, f'{rx2} frames from the new guest (>= {MIN_FRAMES})')
    expect(h.alive() and h.proc.pid == pid, 'the host process was never restarted')
    xs = h.xstats()
    expect(xs.get('peer_resets', 0) >= 1, f'{xs.get("peer_resets")} peer resets counted')
    expect(xs.get('ring_protocol_errors', 0) == 0, 'no ring protocol errors')
    in_use = h.mbufs_in_use()
    expect(in_use == baseline, f'host mbufs in use back to {baseline} (now {in_use})')
    for g in s.guests:
        g.kill()
    h.stop()
    expect(not os.path.exists(s.shm), 'the link file is removed once no peer is left')


def two_guests(s):
    make_file(s.shm)
    a = s.guest('a')
    b = s.guest('b')
    # two queue pairs (16 MiB holds two), both served by the one forwarding lcore;
    # b receives zero-copy (mbufs pointing into a's section, through its BAR)
    queues = '--rxq=2 --txq=2'
    b.start_testpmd('rxonly', f'id=1,queues=2,zero_copy=1,{GUEST_SIZES}', extra=queues)
    a.start_testpmd('txonly', f'id=0,queues=2,{GUEST_SIZES}', extra=queues)
    b.wait_log('link state change event', LINK_TIMEOUT)
    a.wait_log('link state change event', 60)
    time.sleep(TRAFFIC_S)
    ta, _ = a.stop_testpmd()
    tb, text = b.stop_testpmd()
    per_q = GuestPort.stream_rx(text)
    log(f'guest a TX-packets {ta["TX-packets"]}, guest b RX-packets {tb["RX-packets"]} '
        f'(per queue {per_q})')
    expect(tb['RX-packets'] >= MIN_FRAMES, f'guest b received {tb["RX-packets"]} frames')
    expect(ta['TX-packets'] >= tb['RX-packets'], 'guest a sent at least as many')
    expect(sorted(per_q) == [0, 1] and min(per_q.values()) > 0,
           f'both queues carried frames ({per_q})')


def integrity_run(s, g, count, host_role, before_host=None):
    """ivshmem2-integrity on both sides; the receiver checks every frame.
    The guest's side starts first; before_host() runs before the host's."""
    guest_role = 'tx' if host_role == 'rx' else 'rx'
    host_log = os.path.join(s.wdir, f'integrity-host-{host_role}.log')
    argv = [iv_plain.INTEGRITY] + eal_args('ivp-integ') + [
        '--vdev', f'net_ivshmem2_0,shm={s.shm},id=0,{iv_plain.HOST_SIZES}', '--',
        '--role', host_role, '--count', str(count), '--timeout', '240']
    argv[argv.index('--lcores') + 1] = '0@1'
    dev = g.shms[0]
    g.g.check(f'cd /tmp; ( {iv_plain.GUEST_INTEGRITY} {g.eal(dev, f"id=1,{GUEST_SIZES}", "it")}'
              f' -- --role {guest_role} --count {count} --timeout 240 > /tmp/it.log 2>&1;'
              ' echo "guest exit $?" >> /tmp/it.log ) & echo $! > /tmp/it.pid', timeout=30)
    g.wait_log('Configuring|link|EAL: Probe PCI', 120, tag='it')
    if before_host:
        time.sleep(2)          # the guest's heartbeat is running
        before_host()
    with open(host_log, 'w') as f:
        host = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT)
    try:
        rc = host.wait(300)
        g.g.run('for i in $(seq 240); do kill -0 $(cat /tmp/it.pid) 2>/dev/null || break; '
                'sleep 0.5; done', timeout=150)
    finally:
        if host.poll() is None:
            host.kill()
            host.wait()
        remove_dpdk_leftovers(argv[argv.index('--file-prefix') + 1])
    with open(host_log, errors='replace') as f:
        text = f.read()
    gtext = g.log_text('it')
    for line in (text + gtext).splitlines():
        if line.startswith('integrity') or line.startswith('guest exit'):
            log(line)
    rx_text = text if host_role == 'rx' else gtext
    expect(rc == 0 and 'guest exit 0' in gtext, f'host exited {rc}, guest: '
           + gtext.strip().splitlines()[-1])
    expect(f' {count} ok, 0 lost, 0 corrupt, 0 reordered' in rx_text,
           f'{count} frames guest {guest_role} -> host {host_role} intact and in order')


def integrity(s):
    if not os.access(iv_plain.INTEGRITY, os.X_OK):
        raise Failed(f'{iv_plain.INTEGRITY} not built')
    g = s.guest('g')
    integrity_run(s, g, 10000, 'rx')
    integrity_run(s, g, 10000, 'tx')


def bad_inputs(s):
    small = shm_path('small')
    s.files.append(small)
    make_file(small, 4 << 20)
    # a host peer on a file laid out for 512-slot rings
    h = s.host('rxonly', devargs=iv_plain.HOST_SIZES + ',ring_size=512')
    g = s.guest('g', shms=[vm2vm_guest.Shm(small, 4 << 20, slot=0x10),
                           vm2vm_guest.Shm(s.shm, SHM_SIZE, slot=0x11)])
    small_dev, layout_dev = g.shms

    # 1. BAR2 of 4 MiB cannot hold two sections of 1024 x 2048 B
    g.start_testpmd('rxonly', 'id=1', dev=small_dev, tag='small')
    g.wait_log('too small|No probed', 120, tag='small')
    expect('too small for 1 queues x 1024 slots x 2048 B' in g.log_text('small'),
           'too small a BAR refused with a message that says why')
    g.end_testpmd('small')
    # 2. sizes that do not add up to the BAR (the host's sizes not given)
    g.start_testpmd('rxonly', 'id=1,state_size=4K', dev=layout_dev, tag='sizes')
    g.wait_log('but state_size|No probed', 120, tag='sizes')
    expect('give the sizes the other peer uses' in g.log_text('sizes'),
           'sizes that do not add up to the BAR refused with a message')
    g.end_testpmd('sizes')
    # 3. the host's layout has 512-slot rings, the guest's 1024: rejected, link down
    g.start_testpmd('rxonly', f'id=1,{GUEST_SIZES}', dev=layout_dev, tag='layout')
    g.wait_log('peer section rejected', LINK_TIMEOUT, tag='layout')
    h.wait_for(r'peer section rejected \(ring size\)', 60)
    time.sleep(3)
    expect(not h.link_up(), 'host link stays down')
    expect(g.running('layout'), 'guest testpmd still running')
    expect(h.xstats().get('peer_incompatible', 0) > 0, 'host counted the incompatible peer')
    g.stop_testpmd('layout')
    # 4. dpdk-vm2vm-switch in mac mode on a zero-copy port of the PCI flavour: mac mode
    # rewrites frames in place, and these point into the peer's section, mapped read-only
    # in the guest. It must refuse to start, as it does for the host flavour.
    sw_eal = g.eal(layout_dev, f'id=1,{GUEST_SIZES},ring_size=512,zero_copy=1', 'sw')
    rc, out = g.g.run(f'cd /tmp; {iv_plain.GUEST_SWITCH} {sw_eal} -d {iv_plain.GUEST_SO} '
                      '-- --forward-mode mac < /dev/null', timeout=60)
    log(f'switch, mac mode, zero_copy=1 (PCI flavour): exit {rc}: '
        + ' | '.join(out.strip().splitlines()[-2:]))
    expect(rc == 2 and 'receives into the peer\'s read-only memory (zero_copy=1)' in out,
           'the switch refuses mac mode on a zero-copy port of the PCI flavour')
    expect(h.alive() and g.g.alive(), 'neither side crashed')


def garbage(s):
    good = 20000
    make_file(s.shm)
    g = s.guest('g')
    # the hostile peer's layout: state 2 MiB, no R/W section, the rest split in two
    # The counters, printed every second, say what the attacks did: the log
    # lines about them are rate-limited (lib/peer_log), the counters are not.
    g.start_testpmd('rxonly', 'id=0,state_size=2M',
                    extra='--stats-period 1 --display-xstats ring_protocol_errors,peer_incompatible')
    g.wait_log('packet forwarding', 120)
    log(f'hostile peer: {iv_plain.HOSTILE} {s.shm} {good}')
    r = subprocess.run(['taskset', '-c', '0', iv_plain.HOSTILE, s.shm, str(good)],
                       capture_output=True, text=True, timeout=400)
    for line in r.stdout.splitlines():
        log(f'  peer: {line}')
    expect(g.running(), 'guest testpmd survived the attacks')
    time.sleep(3)   # a stats period after the last attack
    totals, text = g.stop_testpmd()

    def last(name):
        v = re.findall(r'^\s*%s\s+(\d+)' % name, text, re.M)
        return int(v[-1]) if v else 0
    resets, rejected = last('ring_protocol_errors'), last('peer_incompatible')
    lines = len(re.findall(r'iv2_[a-z_]+\(\): port 0: (?:peer|link|the peer|shared)', text))
    log(f'guest RX-packets {totals["RX-packets"]}, ring_protocol_errors {resets}, '
        f'peer_incompatible {rejected}, {lines} peer-caused log lines')
    expect(r.returncode == 0, f'hostile peer exited {r.returncode}: the link recovered and '
           'its good frames were taken' + ('' if r.returncode == 0 else '\n' + r.stderr))
    expect(totals['RX-packets'] >= 2 * good, f'guest received {totals["RX-packets"]} frames'
           f' (>= {2 * good} good ones)')
    expect(resets >= 5, f'{resets} ring protocol violations reset the link')
    expect(rejected >= 1, 'the bad header was rejected')
    expect(lines <= 2 * 21, f'{lines} peer-caused log lines (rate limit: 20 per 10 s)')


SCENARIOS = {'guest-host': guest_host, 'guest-tx': guest_tx, 'guest-rx': guest_rx, 'kill': kill,
             'two-guests': two_guests, 'integrity': integrity, 'bad-inputs': bad_inputs,
             'garbage': garbage}


def main(name):
    if name not in SCENARIOS:
        sys.exit(f'unknown scenario {name!r}; one of {", ".join(SCENARIOS)}')
    require_qemu()
    img = iv_plain.image()
    log(f'dpdk image {img.initrd}: {os.path.getsize(img.initrd) >> 10} KiB')
    wdir = workdir('ivp-' + name)
    s = Scenario(name, wdir, img)
    try:
        SCENARIOS[name](s)
        log(f'PASS: {name}')
        return 0
    except (Failed, RuntimeError, vm2vm_guest.GuestError) as e:
        log(f'FAIL: {name}: {e}')
        for h in s.hosts:
            log(f'{h.tag} log tail:\n' + h.output()[-3000:])
        return 1
    finally:
        s.close()
        shutil.rmtree(wdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
