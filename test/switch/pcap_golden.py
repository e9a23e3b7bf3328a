#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""pcap golden tests: frames in from net_pcap rx files, out to tx files.

Within one run the forwarding lcore polls port 0, 1, 2, ... in order and
each input file holds fewer frames than a burst, so all of port 0's
frames are switched before port 1's, and so on: the tests rely on that
order to build up the FDB step by step.

Time passing and a port going down need more than one burst of input:
those scenarios run interactively in phases. "stop" ends a phase (the tx
files are complete then: net_pcap flushes them after every burst), the
test reads the tx files, then "port stop N" / "port start N" (testpmd's
commands) restart a port, which makes net_pcap replay its rx file from
the first frame in the next phase and truncate its tx file; "start" runs
the next phase.

usage: pcap_golden.py SWITCH_BINARY SCENARIO
"""

import re
import sys

from swtest import Run, Wait, check, frame

A, B, C, D = ('02:00:00:00:00:0a', '02:00:00:00:00:0b', '02:00:00:00:00:0c',
              '02:00:00:00:00:0d')
BCAST = 'ff:ff:ff:ff:ff:ff'
MCAST = '01:00:5e:00:00:01'


def expect_tags(run, port, want):
    got = run.tags(port)
    check(got == want, f'port {port}: sent tags {got}, expected {want}')


def stat(run, name):
    m = re.search(rf'\b{name} (\d+)', run.out.split('==== final stats ====')[-1])
    check(m is not None, f'no "{name}" in final stats')
    return int(m.group(1))


def learn_flood_move(binary):
    """Learning, unknown-unicast/broadcast/multicast flooding, no hairpin,
    MAC move, all in one run on four ports."""
    inputs = [
        [frame(B, A, 1), frame(BCAST, A, 2), frame(MCAST, A, 3), frame(A, A, 4)],
        [frame(A, B, 5), frame(C, B, 6)],
        [frame(B, C, 7), frame(C, A, 8)],   # A moves from port 0 to port 2
        [frame(A, D, 9), frame(B, D, 10)],
    ]
    r = Run(binary, 'learn', inputs).run()
    check(r.rc == 0, f'exit status {r.rc}')
    expect_tags(r, 0, [5, 6])           # B->A known; B->C flooded
    expect_tags(r, 1, [1, 2, 3, 7, 10])
    expect_tags(r, 2, [1, 2, 3, 6, 9])  # after the move, D->A goes to port 2 only
    expect_tags(r, 3, [1, 2, 3, 6])
    # Frames leave unchanged.
    check(r.output(1)[0] == inputs[0][0], 'flooded frame altered')
    check(stat(r, 'hairpin') == 2, 'expected 2 hairpin drops (A->A, C->A on C\'s port)')
    final = r.out.split('==== final stats ====')[-1]
    per_port = re.findall(r'port (\d+) \(.*\n  switch: .* hairpin=(\d+)', final)
    check(per_port == [('0', '1'), ('1', '0'), ('2', '1'), ('3', '0')],
          f'hairpin drops per ingress port: {per_port}')
    check(stat(r, 'moves') == 1, 'expected one MAC move')
    check(stat(r, 'learned') == 4, 'expected A, B, C, D learned')
    check(stat(r, 'flooded') == 4, 'expected 4 flooded frames')


def jumbo(binary):
    """9000-byte frames through a switch set up for them, unchanged."""
    big1, big2 = frame(B, A, 1, 9000), frame(A, B, 2, 9000)
    r = Run(binary, 'jumbo', [[big1], [big2]],
            ['--max-pkt-len', '9018', '--mbuf-size', '9216']).run()
    check(r.rc == 0, f'exit status {r.rc}')
    check(r.output(1) == [big1], 'port 1 did not get the flooded 9000-byte frame')
    check(r.output(0) == [big2], 'port 0 did not get the 9000-byte reply')


def flood_control(binary):
    """--no-flood drops unknown unicast, --no-mcast-flood multicast,
    broadcast still floods; a static entry is neither learned over nor moved."""
    inputs = [
        [frame(B, A, 1), frame(C, A, 2), frame(MCAST, A, 3), frame(BCAST, A, 4)],
        [],
        [frame(A, B, 5), frame(B, C, 6)],   # B seen on port 2 but static on 1
    ]
    r = Run(binary, 'flood', inputs,
            ['--no-flood', '--no-mcast-flood', '--fdb-static', f'{B}@1']).run()
    check(r.rc == 0, f'exit status {r.rc}')
    expect_tags(r, 0, [5])
    expect_tags(r, 1, [1, 4, 6])
    expect_tags(r, 2, [4])
    check(stat(r, 'no-flood') == 2, 'expected 2 no-flood drops')
    check(stat(r, 'moves') == 0, 'a static entry moved')


def io_mode(binary):
    """io mode: port pairs, addresses untouched, no learning."""
    r = Run(binary, 'io', [[frame(A, A, 1), frame(B, C, 2)], [frame(D, D, 3)]],
            ['--forward-mode', 'io']).run()
    check(r.rc == 0, f'exit status {r.rc}')
    expect_tags(r, 1, [1, 2])
    expect_tags(r, 0, [3])


def mac_mode(binary):
    """mac mode: the peer MAC and the tx port's MAC are written in."""
    peer = '02:00:00:00:00:99'
    r = Run(binary, 'mac', [[frame(A, B, 1)], []],
            ['--forward-mode', 'mac', '--eth-peer', f'1,{peer}']).run()
    check(r.rc == 0, f'exit status {r.rc}')
    out = r.output(1)
    check(len(out) == 1 and out[0][:6] == bytes.fromhex(peer.replace(':', '')),
          'mac mode did not write the peer MAC')


def aging_and_link_down(binary):
    """Interactive: entries are learned, a port taken down loses its
    entries, the rest age out after --fdb-aging-time."""
    inputs = [[frame(B, A, 1)], [frame(A, B, 2)], [frame(A, C, 3)]]
    # The pcap frames cross within microseconds; 1.5 s leaves room for a loaded machine.
    script = [(0, 'start'), (1.5, 'show fdb'), (0, 'set link-down port 1'),
              (0, Wait('port 1: link down, 1 FDB entries flushed')), (0, 'show fdb'),
              (4.5, 'show fdb'), (0, 'show port info all'),
              (0, 'show port stats all'), (0, 'show lcores'), (0, 'stop'), (0.2, 'quit')]
    r = Run(binary, 'aging', inputs, ['--fdb-aging-time', '2']).run(stdin_script=script)
    check(r.rc == 0, f'exit status {r.rc}')
    tables = re.findall(r'FDB: (\d+) of \d+ entries', r.out)
    check(tables == ['3', '2', '0'], f'FDB sizes {tables}, expected 3, 2 (after link down), 0 (aged)')
    check('port 1: link down, 1 FDB entries flushed' in r.out, 'no flush on link down')
    check(re.search(r'02:00:00:00:00:0b\s+port 1', r.out) is not None, 'B not learned on port 1')
    check('forwarding stopped' in r.out and 'busy cycles/packet' in r.out, 'no lcore stats')
    expect_tags(r, 1, [1])     # A->B flooded
    expect_tags(r, 2, [1])
    expect_tags(r, 0, [2, 3])  # B->A, C->A known


def two_phases(r, port, between):
    """Script: phase 1, tx files read (r.snap), the (delay, command) pairs
    @between, port @port restarted (its rx file replays), phase 2, quit."""
    return ([(0, 'start'), (0.6, 'stop'), (0, Wait('forwarding stopped')), (0, r.snapshot)] +
            list(between) +
            [(0, f'port stop {port}'), (0, f'port start {port}'), (0, Wait(f'port {port} started')),
             (0, 'start'), (0.6, 'stop'), (0, Wait('forwarding stopped', 2)), (0, 'quit')])


def since_snapshot(r):
    """Tags each port sent in phase 2 (a restarted port's file holds only those)."""
    return [r.tags(p)[len(r.snap[p]):] for p in range(r.nports)]


def aging(binary):
    """A learned destination gets its frame on exactly one port; once the
    entry has aged out (--fdb-aging-time 1, 4 s without a frame from it),
    the same frame floods to every other port. The same run with the
    default aging time is the control: still one port."""
    inputs = [[frame(A, B, 1)], [], [frame(B, A, 2)]]  # B on port 0; B<-A from port 2
    for aging_time, phase2, entries in (('1', [[2], [2], []], '0'), ('300', [[2], [], []], '2')):
        r = Run(binary, f'age{aging_time}', inputs, ['--fdb-aging-time', aging_time])
        r.run(stdin_script=two_phases(r, 2, [(4.0, 'show fdb')]))
        check(r.rc == 0, f'exit status {r.rc}')
        check(r.snap == [[2], [1], [1]], f'aging {aging_time}: phase 1 sent {r.snap}, '
              'expected B<-A (tag 2) on port 0 only, A->B (tag 1) flooded to 1 and 2')
        check(r.tags(2) == [], 'port 2 sent frames after its restart')
        got = since_snapshot(r)
        got[2] = r.tags(2)
        check(got == phase2, f'aging {aging_time}: 4 s later port 2\'s frame to B went to '
              f'{got}, expected {phase2}')
        fdb = re.findall(r'FDB: (\d+) of', r.out)
        check(fdb == [entries], f'aging {aging_time}: FDB size after 4 s {fdb}, expected {entries}')


def one_pair_bursts(binary):
    """Bursts whose frames all carry one source/destination pair take the
    one-lookup path: with B known on port 0, a burst of 32 frames B<-A from
    port 2 leaves on port 0 only, all of them, in order; a burst of 32
    frames A<-A (A learned on port 2 itself) is dropped as hairpin, as the
    general path does. --burst 32 makes net_pcap hand over exactly those
    bursts."""
    to_b = [frame(B, A, 100 + i) for i in range(32)]
    to_self = [frame(A, A, 200 + i) for i in range(32)]
    inputs = [[frame(A, B, 1)], [], to_b + to_self]
    r = Run(binary, 'onepair', inputs, ['--burst', '32'])
    r.run(stdin_script=two_phases(r, 2, []))
    check(r.rc == 0, f'exit status {r.rc}')
    got = since_snapshot(r)
    got[2] = r.tags(2)
    check(got == [list(range(100, 132)), [], []],
          f'phase 2 (B known on port 0): sent {got}, expected tags 100..131 on port 0 only')
    check(stat(r, 'hairpin') == 64, f'hairpin drops {stat(r, "hairpin")}, expected 2 x 32')


def link_down_flush(binary):
    """A learned destination gets its frame on exactly one port; after
    "set link-down" on that port its entries are gone, so the same frame
    floods to every other port that is up, and not to the down port."""
    inputs = [[frame(A, B, 1)], [], [frame(B, A, 2)], []]
    r = Run(binary, 'linkdown', inputs)
    r.run(stdin_script=two_phases(r, 2, [(0, 'set link-down port 0')]))
    check(r.rc == 0, f'exit status {r.rc}')
    check(r.snap == [[2], [1], [1], [1]], f'phase 1 sent {r.snap}')
    expect_tags(r, 0, [2])      # down: nothing more
    expect_tags(r, 1, [1, 2])   # B unknown again: flooded
    expect_tags(r, 2, [])       # restarted; the ingress port
    expect_tags(r, 3, [1, 2])
    check(stat(r, 'link-down') == 0, 'a frame was dropped for a down port instead of flooded')
    check('port 0: link down, 1 FDB entries flushed' in r.out, 'no flush on link down')


def port_limit(binary):
    """--fdb-port-limit 2: a third source on port 0 is switched but not
    learned, so frames to it flood; port 1's own learning is unaffected;
    learn-limit counted on port 0 only, in the stats and in telemetry."""
    from swtest import telemetry
    s1, s2, s3 = '02:00:00:00:01:01', '02:00:00:00:01:02', '02:00:00:00:01:03'
    inputs = [
        [frame(BCAST, s1, 1), frame(BCAST, s2, 2), frame(BCAST, s3, 3)],
        [frame(s1, D, 4), frame(s2, D, 5), frame(s3, D, 6)],
        [frame(D, A, 7)],
    ]
    r = Run(binary, 'limit', inputs, ['--fdb-port-limit', '2'])
    tel = {}

    def query():
        import time
        for _ in range(100):  # until all 7 input frames are switched
            tel['stats'] = telemetry(r.prefix, '/vm2vm/stats')
            if tel['stats']['total']['rx'] == 7:
                break
            time.sleep(0.1)
        tel['fdb'] = telemetry(r.prefix, '/vm2vm/fdb')
    r.run(stdin_script=[(0, 'start'), (0.2, query), (0, 'show fdb'), (0, 'show port stats all'),
                        (0, 'stop'), (0, 'quit')])
    check(r.rc == 0, f'exit status {r.rc}')
    expect_tags(r, 0, [4, 5, 6])        # s3 unknown: flooded to 0 and 2
    expect_tags(r, 1, [1, 2, 3, 7])     # every frame from port 0 switched; D known
    expect_tags(r, 2, [1, 2, 3, 6])
    check(re.search(r'02:00:00:00:01:03\s+port', r.out) is None, 's3 learned over the limit')
    check('at most 2 learned per port' in r.out, 'show fdb does not give the limit')
    final = r.out.split('==== final stats ====')[-1]
    per_port = re.findall(r'port (\d+) \(.*\n.*\n  fdb: entries (\d+) \(at most 2\)'
                          r'  learn-limit (\d+)', final)
    check(per_port == [('0', '2', '1'), ('1', '1', '0'), ('2', '1', '0')],
          f'per-port learned/learn-limit: {per_port}')
    lcore = re.search(r'lcore 1:\n.*\n  fdb: hits .* learn-limit (\d+)', final)
    check(lcore is not None and lcore.group(1) == '1', 'lcore learn-limit counter')
    check(tel['fdb']['port_limit'] == 2, f'telemetry fdb: {tel["fdb"]}')
    ports = [(tel['stats'][f'port_{p}']['fdb_learned'], tel['stats'][f'port_{p}']['learn_limit'])
             for p in range(3)]
    check(ports == [(2, 1), (1, 0), (1, 0)], f'telemetry per port (learned, learn_limit): {ports}')
    check(tel['stats']['total']['fdb_learn_limit'] == 1, 'telemetry total fdb_learn_limit')


def cmdline(binary):
    """Interactive commands: mode and lcore map changes only while stopped,
    errors reported without side effects, io mode after "set fwd io"."""
    inputs = [[frame(A, A, 1)], [frame(D, D, 2)]]
    script = [(0, 'set fwd io'), (0, 'set lcore-map (1,0,0)'), (0, 'set lcore-map (0,0,0),(0,1,0)'),
              (0, 'set lcore-map (1,1,0),(1,0,0)'), (0, 'start'), (0.3, 'set fwd mac'),
              (0, 'set lcore-map (1,0,0),(1,1,0)'), (0, 'help'), (0, 'bogus'),
              (0, 'stop'), (0, 'stop'), (0, 'clear fdb'), (0.2, 'quit')]
    r = Run(binary, 'cmdline', inputs).run(stdin_script=script)
    check(r.rc == 0, f'exit status {r.rc}')
    check('forwarding mode: io' in r.out, 'set fwd io not acknowledged')
    check('lcore map not changed: lcore map: rx queue 0 of port 1 has no lcore' in r.out,
          'incomplete map accepted')
    check('main lcore' in r.out, 'map on the main lcore accepted')
    check('rx (port 1, queue 0) (port 0, queue 0)' in r.out, 'new map not shown')
    check(r.out.count('stop forwarding first') == 2, 'changes accepted while running')
    check('forwarding is not running' in r.out, 'second stop not refused')
    check('Bad arguments' in r.out or 'bogus' in r.out, 'unknown command not reported')
    expect_tags(r, 1, [1])   # io mode: port 0 -> 1 even though dst == src
    expect_tags(r, 0, [2])
    # port stop/start: only while stopped; start refused while a port is stopped.
    script = [(0, 'start'), (0.3, 'port stop 1'), (0, 'stop'), (0, 'port stop 7'),
              (0, 'port stop x'), (0, 'port stop 1'), (0, 'port stop 1'), (0, 'start'),
              (0, 'port start all'), (0, 'port start 0'), (0.2, 'start'), (0.3, 'quit')]
    r = Run(binary, 'cmdport', [[frame(B, A, 1)], [frame(A, B, 2)]])
    r.run(stdin_script=script)
    check(r.rc == 0, f'exit status {r.rc}')
    check(r.out.count('stop forwarding first') == 1, 'port stop accepted while running')
    check('port 7 is not in use' in r.out and 'port x is not in use' in r.out,
          'bad port numbers accepted')
    check('port 1 stopped' in r.out and 'port 1 is already stopped' in r.out, 'port stop')
    check("port 1 is stopped: 'port start 1' first" in r.out, 'start with a stopped port')
    check('port 1 started' in r.out and 'port 0 is already started' in r.out, 'port start')
    check('port 1: link down, 1 FDB entries flushed' in r.out, 'stopped port not flushed')
    check(r.out.count('forwarding started') == 2, 'forwarding not restarted')
    expect_tags(r, 0, [2, 2])  # port 1's rx file replayed after its restart; A still known
    expect_tags(r, 1, [])      # its tx file truncated by the restart


def signals(binary):
    """SIGTERM (non-interactive) and SIGINT (interactive) stop cleanly:
    frames switched, final stats printed, tx files complete, exit 0."""
    import signal
    import subprocess
    import time
    for sig, extra in ((signal.SIGTERM, []), (signal.SIGINT, ['-i'])):
        r = Run(binary, f'sig{int(sig)}', [[frame(B, A, 1)], [frame(A, B, 2)]])
        p = subprocess.Popen(r.cmd() + extra, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        # The lcore map is printed once set-up is done and the handlers are in
        # place; waiting for it (not a fixed time) keeps the test exact under load.
        seen = [p.stdout.readline()]
        while seen[-1] and not seen[-1].startswith('lcore map'):
            seen.append(p.stdout.readline())
        check(seen[-1] != '', f'{sig.name}: switch exited before printing its lcore map')
        if extra:
            p.stdin.write('start\n')
            p.stdin.flush()
            while seen[-1] and 'forwarding started' not in seen[-1]:
                seen.append(p.stdout.readline())
        time.sleep(0.5)  # let the pcap frames cross before the stop
        p.send_signal(sig)
        out, r.err = p.communicate(timeout=20)
        r.out = ''.join(seen) + out
        r.rc = p.returncode
        r.log()
        check(r.rc == 0, f'{sig.name}: exit status {r.rc}')
        check('==== final stats ====' in r.out, f'{sig.name}: no final stats')
        expect_tags(r, 1, [1])
        expect_tags(r, 0, [2])


def mac_zero_copy(binary):
    """mac mode rewrites frames in place: refused with a zero-copy ivshmem2
    port, whose received frames lie in the peer's read-only section; the
    same port is accepted in io mode."""
    import os
    so = os.path.join(os.path.dirname(binary), '..', '..', 'drivers', 'librte_net_ivshmem2.so')
    shm = f'/dev/shm/sw-maczc-{os.getpid()}'
    eal = ['-d', os.path.realpath(so), '--vdev', f'net_ivshmem2_9,shm={shm},id=0,zero_copy=1']
    try:
        r = Run(binary, 'maczc', [[], []], ['--forward-mode', 'mac'], eal).run()
        check(r.rc == 2 and 'zero_copy=1' in r.err,
              f'mac mode on a zero-copy port: exit status {r.rc}, expected 2 and a reason')
        r = Run(binary, 'iozc', [[], []], ['--forward-mode', 'io'], eal).run()
        check(r.rc == 0, f'io mode on a zero-copy port: exit status {r.rc}')
    finally:
        if os.path.exists(shm):
            os.unlink(shm)


def bad_args(binary):
    """Bad switch arguments: a message, exit 2, and no port probed (no tx file)."""
    import os
    r = Run(binary, 'badargs', [[], []], ['--rxq', '0'])
    r.run()
    check(r.rc == 2, f'exit status {r.rc}, expected 2')
    check('--rxq' in r.err, 'message does not name the option')
    check(not os.path.exists(r.path('out0.pcap')), 'a port was created despite bad arguments')
    r = Run(binary, 'badmask', [[], []], ['--portmask', '0x4']).run()
    check(r.rc == 2 and 'do not exist' in r.err, 'portmask naming a missing port accepted')
    r = Run(binary, 'badmap', [[], []], ['--lcore-map', '(1,0,0)']).run()
    check(r.rc == 2 and 'rx queue 0 of port 1 has no lcore' in r.err, 'incomplete map accepted')
    r = Run(binary, 'badlcore', [[], []], ['--lcore-map', '(0,0,0),(0,1,0)']).run()
    check(r.rc == 2 and 'main lcore' in r.err, 'map on the main lcore accepted')


SCENARIOS = {f.__name__: f for f in (learn_flood_move, jumbo, flood_control, io_mode,
                                     mac_mode, aging_and_link_down, aging, link_down_flush,
                                     port_limit, one_pair_bursts, cmdline, signals,
                                     bad_args, mac_zero_copy)}

if __name__ == '__main__':
    SCENARIOS[sys.argv[2]](sys.argv[1])
    print('PASS')
