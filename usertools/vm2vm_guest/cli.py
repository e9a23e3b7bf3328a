# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""vm2vm-guest command line: build the image, or boot a guest and run one
command in it."""

import argparse
import os
import shutil
import sys
import tempfile

from . import accel, image
from .guest import Guest, GuestError
from .qemu import Nic


def _say(msg):
    print(f'vm2vm-guest: {msg}', flush=True)


def parse_nic(spec):
    """SOCKET[,server][,queues=N][,packed][,mrg_rxbuf=off][,host_mtu=N][,mtu=N]
    [,mac=M][,ip=ADDR/LEN]"""
    parts = spec.split(',')
    nic = Nic(socket=parts[0])
    for p in parts[1:]:
        k, _, v = p.partition('=')
        if k == 'server':
            nic.server = True
        elif k == 'packed':
            nic.packed = True
        elif k == 'mrg_rxbuf' and v == 'off':
            nic.mrg_rxbuf = False
        elif k in ('queues', 'host_mtu', 'mtu'):
            setattr(nic, k, int(v))
        elif k in ('mac', 'ip'):
            setattr(nic, k, v)
        else:
            raise argparse.ArgumentTypeError(f'unknown NIC option {p!r}')
    return nic


def cmd_build(args):
    img = image.ensure(_say)
    _say(f'kernel {img.kernel}')
    _say(f'initrd {img.initrd}')
    if args.probe:
        accel.choose(img, _say)
    return 0


def cmd_run(args):
    if not args.command:
        _say('nothing to run: vm2vm-guest run [--nic ...] -- CMD')
        return 2
    workdir = args.workdir or tempfile.mkdtemp(prefix='vm2vm-guest-')
    g = Guest('guest', workdir, nics=args.nic, mem_mb=args.mem, smp=args.smp,
              log=_say if args.verbose else (lambda m: None))
    try:
        with g:
            g.wait_ready(args.boot_timeout)
            if args.verbose:
                _say(f'booted in {g.boot_seconds:.1f} s ({g.accel}); console: {g.console_log}')
            rc, out = g.run(' '.join(args.command), args.timeout)
    except GuestError as e:
        print(e, file=sys.stderr)
        return 125
    sys.stdout.write(out)
    if not args.workdir and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return rc


def main(argv=None):
    ap = argparse.ArgumentParser(prog='vm2vm-guest', description=__doc__)
    sub = ap.add_subparsers(dest='what', required=True)
    b = sub.add_parser('build', help='build the guest image (idempotent)')
    b.add_argument('--probe', action='store_true', help='also decide KVM or TCG now')
    b.set_defaults(func=cmd_build)
    r = sub.add_parser('run', help='boot a guest, run CMD in it, exit with its status')
    r.add_argument('--nic', type=parse_nic, action='append', default=[],
                   help=parse_nic.__doc__.replace('\n', ' '))
    r.add_argument('--mem', type=int, default=512, help='MiB (default 512)')
    r.add_argument('--smp', type=int, default=None)
    r.add_argument('--timeout', type=int, default=120, help='for CMD, seconds')
    r.add_argument('--boot-timeout', type=int, default=180)
    r.add_argument('--workdir', help='keep console and QEMU logs here')
    r.add_argument('--keep', action='store_true', help='keep the temporary workdir')
    r.add_argument('-v', '--verbose', action='store_true')
    r.add_argument('command', nargs=argparse.REMAINDER)
    r.set_defaults(func=cmd_run)
    args = ap.parse_args(argv)
    if getattr(args, 'command', None) and args.command[0] == '--':
        args.command = args.command[1:]
    return args.func(args)
