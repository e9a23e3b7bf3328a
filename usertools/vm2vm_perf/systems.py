# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""The systems under test: for each, the vdev strings and EAL options of
the two ends (server: the side that listens or creates the link; client:
the side that connects), and the anchor it is compared with."""

import math
import os
from dataclasses import dataclass, field, replace


@dataclass
class End:
    vdevs: list
    eal: list = field(default_factory=list)   # extra EAL options (-d, --single-file-segments)
    socket: str = ''   # a unix socket this end creates; the other end starts once it exists


@dataclass
class System:
    name: str
    label: str
    anchor: str      # name of the system this one is compared with ('' for anchors)
    server: End
    client: End


def _memif_rsize(ring):
    return max(1, min(14, int(math.log2(ring))))


def link_systems(cfg, shm, memif_sock):
    """ivshmem2 copy and zero-copy RX against memif copy and client zero-copy."""
    iv2 = ['-d', cfg.pmd_so('ivshmem2')]
    common = 'shm=%s,queues=%d,ring_size=%d' % (shm, cfg.queues, cfg.ring)
    rs = _memif_rsize(cfg.ring)
    msrv = 'net_memif0,role=server,socket=%s,rsize=%d' % (memif_sock, rs)
    mcli = 'net_memif0,role=client,socket=%s,rsize=%d' % (memif_sock, rs)
    sfs = ['--single-file-segments']
    return [
        System('ivshmem2-copy', 'net_ivshmem2 copy', 'memif-copy',
               End(['net_ivshmem2_0,%s,id=0' % common], iv2),
               End(['net_ivshmem2_0,%s,id=1' % common], iv2)),
        System('memif-copy', 'net_memif copy', '',
               End([msrv]), End([mcli], sfs)),
        System('ivshmem2-zc', 'net_ivshmem2 zero-copy RX', 'memif-zc',
               End(['net_ivshmem2_0,%s,id=0,zero_copy=1' % common], iv2),
               End(['net_ivshmem2_0,%s,id=1,zero_copy=1' % common], iv2)),
        System('memif-zc', 'net_memif client zero-copy', '',
               End([msrv]), End([mcli + ',zero-copy=yes'], sfs)),
    ]


def backend_systems(cfg, sock):
    """net_vhost_pci against net_vhost, both served to net_virtio_user (packed)."""
    vdev = 'net_virtio_user0,path=%s,packed_vq=1,queue_size=%d,queues=%d' % (
        sock, min(cfg.ring, 1024), cfg.queues)
    eal = ['--single-file-segments']
    if cfg.frontend == 'vectorized':
        # The AVX-512 packed path: it lifts the front-end's own ceiling, so the
        # back-ends' cost shows. EAL caps SIMD at 256 bits unless told otherwise.
        vdev += ',vectorized=1,in_order=1,mrg_rxbuf=0'
        eal.append('--force-max-simd-bitwidth=512')
    fe = End([vdev], eal)
    return [
        System('vhost_pci', 'net_vhost_pci', 'net_vhost',
               End(['net_vhost_pci0,iface=%s,queues=%d' % (sock, cfg.queues)],
                   ['-d', cfg.pmd_so('vhost_pci')], sock), fe),
        System('net_vhost', 'net_vhost (librte_vhost)', '',
               End(['net_vhost0,iface=%s,queues=%d' % (sock, cfg.queues)], [], sock), fe),
    ]


def select(systems, wanted, variants=()):
    """Keep the systems named in wanted; anchors stay when a system compared
    with them is kept, so every ratio has its reference. A scenario none of
    whose systems is named runs in full (so `all --systems x` narrows only
    the scenarios that have x). variants: (name, build directory) pairs,
    each adding a twin of every kept system that loads one of our PMDs."""
    keep = set(wanted or []) & {s.name for s in systems}
    if keep:
        for s in systems:
            if s.name in keep and s.anchor:
                keep.add(s.anchor)
        systems = [s for s in systems if s.name in keep]
    out = []
    for s in systems:
        out.append(s)
        out += [twin for twin in (variant_of(s, n, d) for n, d in variants) if twin]
    return out


def _swap_pmd(end, build):
    """end with every -d of one of our PMDs loading build's copy instead, or
    None if it loads none."""
    eal, hit = list(end.eal), False
    for i in range(len(eal) - 1):
        if eal[i] == '-d' and os.path.basename(eal[i + 1]).startswith('librte_net_'):
            eal[i + 1] = os.path.join(build, 'drivers', os.path.basename(eal[i + 1]))
            hit = True
    return replace(end, eal=eal) if hit else None


def variant_of(system, name, build):
    """The same system with our PMDs taken from another build (an A/B of two
    builds in one run), named SYSTEM@NAME and compared with the same anchor;
    None for a system that loads none of our PMDs (the anchors)."""
    server, client = _swap_pmd(system.server, build), _swap_pmd(system.client, build)
    if server is None and client is None:
        return None
    return replace(system, name='%s@%s' % (system.name, name),
                   label='%s @%s' % (system.label, name),
                   server=server or system.server, client=client or system.client)
