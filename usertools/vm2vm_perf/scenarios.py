# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""The measurements: one-way throughput over a link (link, backend), the
PVP loop through a switch (switch), and ping-pong round trips (latency).
Each run starts its processes, checks they came up, measures, and ends
with session.end_run() so nothing of it survives into the next run."""

import os
import shutil
import subprocess
import time

from . import machine
from . import systems as sysdefs
from .counters import measure_rate, parse_busy_cycles, parse_idle_burst_pct, parse_pingpong
from .record import CLIENT_CYCLES_KEY, SERVER_CYCLES_KEY, TX_CYCLES_KEY
from .procs import StartError, wait_for
from .runner import eal_args, rx_reader, start, thread_cpu, wait_links, wait_path

MAC0 = '02:00:00:00:00:01'
MAC1 = '02:00:00:00:00:02'
SEG = 2048   # testpmd's default mbuf data room: larger frames go out as chains


def txpkts_args(size):
    if size <= SEG:
        return ['--txpkts=%d' % size]
    segs = [SEG] * (size // SEG) + ([size % SEG] if size % SEG else [])
    return ['--txpkts=' + ','.join(str(s) for s in segs), '--tx-offloads=0x8000']


def stats_args(cfg):
    """testpmd prints its stats each second only when they are the counters
    (--stats-period also makes it sleep a second at a time, and act on
    SIGINT only at the end of that second)."""
    return ['--stats-period', '1'] if cfg.counters == 'stats' else []


def testpmd_argv(cfg, prefix, main_cpu, fwd_cpu, end, mode, size, busy_cycles=False):
    """busy_cycles: have testpmd count the cycles of its bursts (rxonly and
    io: those that received packets; txonly: every one) and how many packets
    each burst moved (two TSC reads and one increment per burst), printed
    when it stops."""
    argv = [cfg.testpmd] + eal_args(prefix, '0@%d,1@%d' % (main_cpu, fwd_cpu), cfg.mem, end.eal)
    for v in end.vdevs:
        argv += ['--vdev', v]
    argv += ['--', '--forward-mode=' + mode, '--nb-cores=1', '--rxq=%d' % cfg.queues,
             '--txq=%d' % cfg.queues, '--rxd=%d' % cfg.ring, '--txd=%d' % cfg.ring,
             '--no-mlockall', '--total-num-mbufs=16384',
             '--disable-link-check'] + stats_args(cfg) + txpkts_args(size)
    if busy_cycles:
        argv += ['--record-core-cycles', '--record-burst-stats']
    return argv


def rotated(items, k):
    """items starting at position k, so no system always runs first."""
    k %= max(1, len(items))
    return items[k:] + items[:k]


# One-way, server (the back-end) txonly into client rxonly, the cost read
# at the sender: what sending alone costs the back-end.
S2C_TX = 's2c-tx'


def run_oneway(cfg, session, system, size, direction):
    """Client -> server ('c2s') or server -> client ('s2c', S2C_TX), txonly
    into rxonly; the receiver's RX rate in packets per second, and the
    receiver's busy cycles per packet (S2C_TX: the sender's, with the share
    of its TX bursts that sent nothing)."""
    rx_cpu, tx_cpu = cfg.cpus
    c2s = direction == 'c2s'
    tx_cost = direction == S2C_TX
    # The receiver's forwarding lcore runs on rx_cpu, the generator's on tx_cpu.
    srv_fwd, cli_fwd = (rx_cpu, tx_cpu) if c2s else (tx_cpu, rx_cpu)
    sp = session.prefix('srv')
    server = start(session, 'server-' + system.name,
                   testpmd_argv(cfg, sp, cli_fwd, srv_fwd, system.server,
                                'rxonly' if c2s else 'txonly', size,
                                busy_cycles=c2s or tx_cost), sp, 1)
    if system.server.socket:
        wait_path(system.server.socket, server.proc)
    cp = session.prefix('cli')
    client = start(session, 'client-' + system.name,
                   testpmd_argv(cfg, cp, srv_fwd, cli_fwd, system.client,
                                'txonly' if c2s else 'rxonly', size,
                                busy_cycles=not (c2s or tx_cost)), cp, 1)
    wait_links(server, [0])
    wait_links(client, [0])
    rx = server if c2s else client
    res = measure_rate(rx_reader(rx, [0], cfg.counters), cfg.duration, cfg.warmup,
                       interval=cfg.interval)
    for d in (server, client):
        if not d.proc.alive():
            raise StartError('%s died during the measurement:\n%s'
                             % (d.proc.name, d.proc.log_tail()))
    if tx_cost:
        res[TX_CYCLES_KEY] = sender_busy_cycles(server.proc)
        res['tx_idle_burst_pct'] = parse_idle_burst_pct(server.proc.log_text(), 'TX')
        return res
    res['rx_cycles_per_pkt'] = receiver_busy_cycles(rx.proc, [(client if c2s else server).proc])
    return res


def sender_busy_cycles(tx, timeout=5.0, wait=wait_for):
    """The sender's busy cycles per packet (testpmd txonly counts every
    burst, including those the receiver had no room for, over the packets
    sent). SIGINT the sender while its receiver keeps draining: freezing the
    receiver first would make the sender's last bursts fail and count. Only
    for back-ends: virtio-user handles its back-end leaving. None if the
    line does not come."""
    tx.interrupt()
    return wait(lambda: parse_busy_cycles(tx.log_text()), timeout)


def receiver_busy_cycles(rx, others, timeout=5.0, wait=wait_for):
    """The receiver's busy cycles per packet: what receiving costs its core,
    whatever rate the pair ran at. testpmd prints them only when it stops,
    so freeze the sender first (it never sees the receiver leave: DPDK
    22.11's memif crashes handling that mid-burst), then SIGINT the
    receiver and read its log. None if the line does not come."""
    for p in others:
        p.freeze()
    rx.interrupt()
    return wait(lambda: parse_busy_cycles(rx.log_text()), timeout)


def loop_end(system):
    """Both ends of a link in one process: the client's vdevs renamed to
    the next port (net_memif0 -> net_memif1), EAL options of both."""
    def bump(vdev):
        name, sep, rest = vdev.partition(',')
        stem = name.rstrip('0123456789')
        return '%s%d%s%s' % (stem, int(name[len(stem):] or 0) + 1, sep, rest)
    eal = list(system.server.eal)
    if system.client.eal != system.server.eal:
        eal += system.client.eal
    return sysdefs.End(system.server.vdevs + [bump(v) for v in system.client.vdevs], eal)


def run_loop(cfg, session, system, size):
    """One dpdk-testpmd, io forwarding (--tx-first) between the two ends of
    one link on one lcore: packets forwarded (RX of both ports) per
    CPU-second of that lcore, i.e. the cost of one TX plus one RX, whatever
    else runs on its CPU."""
    rx_cpu, tx_cpu = cfg.cpus
    p = session.prefix('loop')
    argv = testpmd_argv(cfg, p, tx_cpu, rx_cpu, loop_end(system), 'io', size)
    # testpmd's link check (up to 9 s) holds the --tx-first burst until both
    # links are up: a burst sent earlier is dropped and nothing circulates.
    argv = [a for a in argv if a != '--disable-link-check'] + ['--tx-first']
    d = start(session, 'loop-' + system.name, argv, p, 2)
    wait_links(d, [0, 1])
    res = measure_rate(rx_reader(d, [0, 1], cfg.counters), cfg.duration, cfg.warmup,
                       interval=cfg.interval, cpu=thread_cpu(d))
    if not d.proc.alive():
        raise StartError('%s died during the measurement:\n%s' % (d.proc.name, d.proc.log_tail()))
    if not res['median']:
        raise StartError('%s: no packets forwarded (the --tx-first burst was lost?):\n%s'
                         % (d.proc.name, d.proc.log_tail()))
    return res


LOOP_CASE = 'io loop'
LOOP_METRIC = 'Mpkt/CPU-s'
# Bursts the echo's client sends first (start tx_first N): frames in flight
# between the two ends, enough for full bursts at both.
ECHO_BURSTS = 8


def fwd_busy_cycles(proc, timeout=5.0, wait=wait_for):
    """Ask an interactive testpmd run with --record-core-cycles for its
    forwarding stats while it runs ('show fwd stats all'): its busy cycles
    per packet so far, or None. Nothing stops, so neither end ever handles
    its peer leaving mid-burst."""
    before = len(proc.log_text())
    if not proc.send('show fwd stats all\n'):
        return None
    return wait(lambda: parse_busy_cycles(proc.log_text()[before:]), timeout)


def run_echo(cfg, session, system, size):
    """Two interactive testpmd processes forwarding io: the server sends every
    frame back out of the port it came in on (--port-topology=loop), the
    client likewise after it started with ECHO_BURSTS bursts. The figure is
    the server's RX rate; with it, each end's busy cycles per packet (one
    receive plus one send; testpmd counts only bursts that moved packets),
    read while both run."""
    rx_cpu, tx_cpu = cfg.cpus
    extra = ['-i', '--port-topology=loop']
    sp = session.prefix('srv')
    argv = testpmd_argv(cfg, sp, tx_cpu, rx_cpu, system.server, 'io', size, busy_cycles=True)
    server = start(session, 'server-' + system.name, argv + extra, sp, 1)
    if system.server.socket:
        wait_path(system.server.socket, server.proc)
    cp = session.prefix('cli')
    argv = testpmd_argv(cfg, cp, rx_cpu, tx_cpu, system.client, 'io', size, busy_cycles=True)
    client = start(session, 'client-' + system.name, argv + extra, cp, 1)
    wait_links(server, [0])
    wait_links(client, [0])
    server.proc.send('start\n')
    client.proc.send('start tx_first %d\n' % ECHO_BURSTS)
    res = measure_rate(rx_reader(server, [0], cfg.counters), cfg.duration, cfg.warmup,
                       interval=cfg.interval)
    for d in (server, client):
        if not d.proc.alive():
            raise StartError('%s died during the measurement:\n%s'
                             % (d.proc.name, d.proc.log_tail()))
    if not res['median']:
        raise StartError('%s: no frames came back (the first bursts were lost?):\n%s'
                         % (client.proc.name, client.proc.log_tail()))
    res[SERVER_CYCLES_KEY] = fwd_busy_cycles(server.proc)
    res[CLIENT_CYCLES_KEY] = fwd_busy_cycles(client.proc)
    return res


def probe(cfg, record):
    """Read the cross-core round trip just before a run: on a shared host it
    tells whether the runs being compared were made in the same conditions."""
    record.conditions(machine.xcore_rtt(cfg.xcore_probe, cfg.cpus))


def _throughput(cfg, session, record, scenario, systems, cases):
    """cases: (case, direction) for run_oneway, (case, ECHO) for run_echo,
    or (case, None) for run_loop."""
    for rep in range(cfg.reps):
        for size in cfg.sizes:
            for case, direction in cases:
                metric = LOOP_METRIC if direction is None else 'Mpps'
                for s in rotated(systems, rep):
                    probe(cfg, record)
                    try:
                        if direction is None:
                            res = run_loop(cfg, session, s, size)
                        elif direction == ECHO:
                            res = run_echo(cfg, session, s, size)
                        else:
                            res = run_oneway(cfg, session, s, size, direction)
                        record.throughput(scenario, case, size, s, rep, res, metric=metric)
                    except StartError as e:
                        record.failure(scenario, case, size, s, rep, str(e), metric=metric)
                    finally:
                        session.end_run()


def link_cases(cfg):
    return [('one-way', 'c2s')] + ([(LOOP_CASE, None)] if cfg.loop else [])


BACKEND_CASES = [('virtio-user->backend', 'c2s'), ('backend->virtio-user', 's2c')]


def link(cfg, session, record):
    shm = session.path('link', in_huge=True)
    systems = sysdefs.select(sysdefs.link_systems(cfg, shm, session.path('memif.sock')),
                             cfg.systems, cfg.variants)
    _throughput(cfg, session, record, 'link', systems, link_cases(cfg))


def backend(cfg, session, record):
    systems = sysdefs.select(sysdefs.backend_systems(cfg, session.path('vhost.sock')),
                             cfg.systems, cfg.variants)
    _throughput(cfg, session, record, 'backend', systems, BACKEND_CASES)


ECHO = 'echo'
# The cost view: what a packet costs each end, per transport. Link: the io
# loop (one lcore does one TX and one RX per packet) and the echo (each
# process's lcore receives and sends back every packet). Back-end: the echo
# (the back-end's lcore against the same virtio-user front-end) and the
# receive-only cost of packets coming into the back-end, and the send-only
# cost of packets going out of it. (An io loop of a
# back-end and virtio-user in one process is impossible with net_vhost:
# DPDK 22.11's net_vhost creates its socket only once its port starts and
# virtio-user's server mode blocks its probe until a peer connects.)
COST_LINK_CASES = [('link ' + LOOP_CASE, None), ('link echo', ECHO)]
COST_BACKEND_CASES = [('back-end echo', ECHO), ('into the back-end', 'c2s'),
                      ('out of the back-end', S2C_TX)]
# --cases: a short name for each cost case
COST_CASE_KEYS = {'loop': 'link ' + LOOP_CASE, 'link-echo': 'link echo', 'echo': 'back-end echo',
                  'into': 'into the back-end', 'out': 'out of the back-end'}


def cost_cases(cfg, cases):
    """cases narrowed to --cases (all when it names none)."""
    if not cfg.cases:
        return cases
    wanted = {COST_CASE_KEYS[k] for k in cfg.cases}
    return [c for c in cases if c[0] in wanted]


def cost_systems(cfg, session):
    link_ = sysdefs.select(sysdefs.link_systems(cfg, session.path('cost-link', in_huge=True),
                                                session.path('cost-memif.sock')),
                           cfg.systems, cfg.variants)
    back = sysdefs.select(sysdefs.backend_systems(cfg, session.path('cost-vhost.sock')),
                          cfg.systems, cfg.variants)
    return link_, back


def cost(cfg, session, record):
    link_, back = cost_systems(cfg, session)
    _throughput(cfg, session, record, 'cost', link_, cost_cases(cfg, COST_LINK_CASES))
    _throughput(cfg, session, record, 'cost', back, cost_cases(cfg, COST_BACKEND_CASES))


# ---------------------------------------------------------------- latency

def run_pingpong(cfg, session, system, size):
    rx_cpu, tx_cpu = cfg.cpus
    pp = session.prefix('pong')
    argv = [cfg.ping_pong] + eal_args(pp, '0@%d' % rx_cpu, cfg.mem, system.server.eal)
    for v in system.server.vdevs:
        argv += ['--vdev', v]
    pong = start(session, 'pong-' + system.name, argv + ['--', '--role', 'pong'], pp, 1)
    if system.server.socket:
        wait_path(system.server.socket, pong.proc)
    ip = session.prefix('ping')
    argv = [cfg.ping_pong] + eal_args(ip, '0@%d' % tx_cpu, cfg.mem, system.client.eal)
    for v in system.client.vdevs:
        argv += ['--vdev', v]
    argv += ['--', '--role', 'ping', '--size', str(size), '--count', str(cfg.lat_count),
             '--warmup', str(cfg.lat_warmup), '--burst', str(cfg.lat_burst),
             '--run-time', str(cfg.duration)]
    ping = session.spawn('ping-' + system.name, argv)
    deadline = time.monotonic() + cfg.duration + 40
    while ping.alive() and time.monotonic() < deadline:
        if not pong.proc.alive():
            raise StartError('%s exited:\n%s' % (pong.proc.name, pong.proc.log_tail()))
        time.sleep(0.05)
    if ping.alive():
        raise StartError('%s did not finish in time:\n%s' % (ping.name, ping.log_tail()))
    res = parse_pingpong(ping.log_text())
    if ping.returncode() != 0 or not res or not res.get('samples'):
        raise StartError('%s failed (status %s):\n%s'
                         % (ping.name, ping.returncode(), ping.log_tail()))
    return res


def latency_systems(cfg, shm, memif_sock, vhost_sock):
    return sysdefs.select(sysdefs.link_systems(cfg, shm, memif_sock) +
                          sysdefs.backend_systems(cfg, vhost_sock), cfg.systems, cfg.variants)


def latency(cfg, session, record):
    systems = latency_systems(cfg, session.path('lat-link', in_huge=True),
                              session.path('lat-memif.sock'), session.path('lat-vhost.sock'))
    for rep in range(cfg.reps):
        for size in cfg.lat_sizes:
            for s in rotated(systems, rep):
                probe(cfg, record)
                try:
                    record.latency('latency', 'round trip', size, s, rep,
                                   run_pingpong(cfg, session, s, size))
                except StartError as e:
                    record.failure('latency', 'round trip', size, s, rep, str(e),
                                   metric='rtt_us')
                finally:
                    session.end_run()


# ---------------------------------------------------------------- switch (PVP)

def _vhost_ports(s0, s1):
    return ['--vdev', 'net_vhost0,iface=%s,queues=1' % s0,
            '--vdev', 'net_vhost1,iface=%s,queues=1' % s1]


def _start_switch(cfg, session, name, s0, s1):
    """Starts the switch under test with two vhost-user server ports."""
    tester_cpu, sw_cpu = cfg.cpus
    p = session.prefix('sw')
    lcores = '0@%d,1@%d' % (tester_cpu, sw_cpu)
    if name in ('vm2vm', 'vm2vm-io'):
        argv = [cfg.switch] + eal_args(p, lcores, cfg.mem, []) + _vhost_ports(s0, s1) + [
            '--', '--rxd', '1024', '--txd', '1024', '--burst', '32',
            '--total-num-mbufs', '16384', '--stats-period', '3600']
        if name == 'vm2vm-io':
            argv += ['--forward-mode', 'io']
    else:
        argv = [cfg.testpmd] + eal_args(p, lcores, cfg.mem, []) + _vhost_ports(s0, s1) + [
            '--', '--forward-mode=io', '--nb-cores=1', '--rxd=1024', '--txd=1024',
            '--no-mlockall', '--total-num-mbufs=16384']
    sw = start(session, 'switch-' + name, argv, p, 2)
    wait_path(s0, sw.proc)
    wait_path(s1, sw.proc)
    return sw


OVS_DPDK_BINARIES = ['/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk']


def find_ovs(run=None, which=None, exists=None):
    """The ovs-vswitchd built with DPDK, or None. Debian's
    openvswitch-switch-dpdk installs one beside the plain ovs-vswitchd and
    may leave the ovs-vswitchd alternative on the plain one, which has no
    dpdkvhostuserclient ports; the tool uses the DPDK one directly and
    never changes the alternative."""
    run, which, exists = run or subprocess.run, which or shutil.which, exists or os.path.exists
    for b in [which('ovs-vswitchd')] + OVS_DPDK_BINARIES:
        if not b or not exists(b):
            continue
        try:
            out = run([b, '--version'], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        if 'DPDK' in out:
            return b
    return None


def ovs_missing_note(which=None):
    if (which or shutil.which)('ovs-vswitchd'):
        return ('switch: ovs-vswitchd has no DPDK support and no ovs-vswitchd-dpdk was found '
                '(apt-get install openvswitch-switch-dpdk): compared with testpmd only')
    return 'switch: OVS-DPDK not installed (no ovs-vswitchd): compared with testpmd only'


def ovs_port_options(size):
    """Interface columns for frames of @size bytes (without CRC). OVS drops
    frames above 1518 bytes at its default MTU, so jumbo runs ask for an MTU
    that fits the frame; standard sizes keep OVS's defaults (mbuf sizing
    follows the MTU, and a larger one would cost OVS at small frames)."""
    return ['mtu_request=%d' % (size - 14)] if size > 1518 else []


def _start_ovs(cfg, session, s0, s1, vswitchd, size=64):
    """OVS-DPDK with its own database and run directory (the host's OVS, if
    any, is untouched): a netdev bridge, two dpdkvhostuserclient ports,
    NORMAL action."""
    tester_cpu, sw_cpu = cfg.cpus
    d = session.path('ovs')
    os.makedirs(d, exist_ok=True)
    env = dict(os.environ, OVS_RUNDIR=d, OVS_LOGDIR=d, OVS_DBDIR=d)
    db = 'unix:%s/db.sock' % d

    def run(*argv):
        subprocess.run(argv, env=env, check=True, capture_output=True, timeout=30)

    def stop():
        for ctl in ('ovs-vswitchd.ctl', 'ovsdb-server.ctl'):
            subprocess.run(['ovs-appctl', '-t', os.path.join(d, ctl), 'exit'], env=env,
                           capture_output=True, timeout=30)
    session.on_cleanup(stop)
    schema = '/usr/share/openvswitch/vswitch.ovsschema'
    run('ovsdb-tool', 'create', d + '/conf.db', schema)
    run('ovsdb-server', d + '/conf.db', '--remote=punix:%s/db.sock' % d,
        '--pidfile=%s/ovsdb.pid' % d, '--unixctl=%s/ovsdb-server.ctl' % d, '--detach',
        '--log-file=%s/ovsdb.log' % d)
    vs = ['ovs-vsctl', '--db=' + db, '--no-wait']
    run(*vs, 'init')
    mask = hex(1 << sw_cpu)
    run(*vs, 'set', 'Open_vSwitch', '.', 'other_config:dpdk-init=true',
        'other_config:dpdk-lcore-mask=' + mask, 'other_config:pmd-cpu-mask=' + mask,
        'other_config:dpdk-socket-mem=%d' % cfg.mem,
        'other_config:dpdk-extra=--file-prefix=%s --no-pci' % session.prefix('ovs'))
    run(vswitchd, db, '--pidfile=%s/vswitchd.pid' % d,
        '--unixctl=%s/ovs-vswitchd.ctl' % d, '--detach', '--log-file=%s/vswitchd.log' % d)
    run(*vs, 'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev')
    for i, s in enumerate((s0, s1)):
        run(*vs, 'add-port', 'br0', 'vh%d' % i, '--', 'set', 'Interface', 'vh%d' % i,
            'type=dpdkvhostuserclient', 'options:vhost-server-path=' + s,
            *ovs_port_options(size))


def run_pvp(cfg, session, name, size, vswitchd=None):
    tester_cpu, sw_cpu = cfg.cpus
    s0, s1 = session.path('pvp0.sock'), session.path('pvp1.sock')
    server = 0
    if name == 'ovs':
        _start_ovs(cfg, session, s0, s1, vswitchd, size)
        server = 1
    else:
        _start_switch(cfg, session, name, s0, s1)
    tp = session.prefix('tester')
    argv = [cfg.testpmd] + eal_args(tp, '0@%d,1@%d' % (sw_cpu, tester_cpu), cfg.mem,
                                    ['--single-file-segments'])
    for i, (s, mac) in enumerate(((s0, MAC0), (s1, MAC1))):
        argv += ['--vdev', 'net_virtio_user%d,path=%s,packed_vq=1,queue_size=256,mac=%s,'
                 'server=%d' % (i, s, mac, server)]
    argv += ['--', '--forward-mode=io', '--tx-first', '--nb-cores=1', '--burst=32',
             '--rxd=256', '--txd=256', '--eth-peer=0,' + MAC1, '--eth-peer=1,' + MAC0,
             '--no-mlockall', '--total-num-mbufs=16384'] + stats_args(cfg) + txpkts_args(size)
    tester = start(session, 'tester-' + name, argv, tp, 2)
    wait_links(tester, [0, 1], timeout=30)
    return measure_rate(rx_reader(tester, [0, 1], cfg.counters), cfg.duration, cfg.warmup,
                        interval=cfg.interval)


SWITCH_LABELS = {'vm2vm': 'dpdk-vm2vm-switch l2learn', 'vm2vm-io': 'dpdk-vm2vm-switch io',
                 'testpmd': 'dpdk-testpmd io', 'ovs': 'OVS-DPDK NORMAL'}
# Our switch is compared with both references; OVS with testpmd io.
SWITCH_ANCHORS = {'vm2vm': 'testpmd,ovs', 'vm2vm-io': 'testpmd,ovs', 'testpmd': '',
                  'ovs': 'testpmd'}


def switch_names(cfg, have_ovs):
    names = ['vm2vm', 'testpmd'] + (['ovs'] if have_ovs else [])
    if set(cfg.systems) & set(names + ['vm2vm-io']):
        names = [n for n in names + ['vm2vm-io'] if n in cfg.systems or n == 'testpmd']
    return names


def switch(cfg, session, record):
    vswitchd = find_ovs()
    if not vswitchd:
        record.note(ovs_missing_note())
    names = switch_names(cfg, bool(vswitchd))
    for rep in range(cfg.reps):
        for size in cfg.sizes:
            for n in rotated(names, rep):
                s = sysdefs.System(n, SWITCH_LABELS[n], SWITCH_ANCHORS[n], None, None)
                probe(cfg, record)
                try:
                    record.throughput('switch', 'PVP', size, s, rep,
                                      run_pvp(cfg, session, n, size, vswitchd))
                except (StartError, OSError, subprocess.SubprocessError) as e:
                    record.failure('switch', 'PVP', size, s, rep, str(e))
                finally:
                    session.end_run()


SCENARIOS = {'link': link, 'backend': backend, 'switch': switch, 'latency': latency,
             'cost': cost}

# Seconds a run takes besides its warm-up and window (starting, link-up,
# stopping, clean-up; measured on an idle 2-vCPU guest), and a ping-pong
# run in all, plus its round trips.
RUN_OVERHEAD = {'link': 0.5, 'backend': 0.9, 'switch': 1.5, 'ovs': 3.5, 'latency': 0.8,
                'cost': 0.8}
RTT_S = 2e-6


def plan(cfg, names, have_ovs):
    """What the scenarios named will run: a list of (scenario, runs,
    typical seconds, longest seconds). Typical: the rate settles after
    three samples; longest: every warm-up lasts --warmup."""
    x = '/x'
    out = []
    for n in names:
        if n == 'latency':
            k = len(latency_systems(cfg, x, x, x)) * len(cfg.lat_sizes) * cfg.reps
            each = RUN_OVERHEAD['latency'] + (cfg.lat_count + cfg.lat_warmup) * RTT_S
            out.append((n, k, k * each, k * (RUN_OVERHEAD['latency'] + cfg.duration)))
            continue
        extra = 0.0
        if n == 'cost':
            x_ = sysdefs.select(sysdefs.link_systems(cfg, x, x), cfg.systems, cfg.variants)
            b_ = sysdefs.select(sysdefs.backend_systems(cfg, x), cfg.systems, cfg.variants)
            k = len(x_) * len(cost_cases(cfg, COST_LINK_CASES)) + \
                len(b_) * len(cost_cases(cfg, COST_BACKEND_CASES))
        elif n == 'link':
            k = len(sysdefs.select(sysdefs.link_systems(cfg, x, x), cfg.systems,
                                   cfg.variants)) * len(link_cases(cfg))
        elif n == 'backend':
            k = len(sysdefs.select(sysdefs.backend_systems(cfg, x), cfg.systems,
                                   cfg.variants)) * len(BACKEND_CASES)
        else:
            names_ = switch_names(cfg, have_ovs)
            k = len(names_)
            extra = ('ovs' in names_) * (RUN_OVERHEAD['ovs'] - RUN_OVERHEAD['switch'])
        k *= len(cfg.sizes) * cfg.reps
        extra *= len(cfg.sizes) * cfg.reps
        base = RUN_OVERHEAD[n] + cfg.duration
        out.append((n, k, k * (base + min(cfg.warmup, 3 * cfg.interval)) + extra,
                    k * (base + cfg.warmup) + extra))
    return out
