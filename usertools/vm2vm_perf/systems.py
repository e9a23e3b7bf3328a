# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""The systems under test: for each, the vdev strings and EAL options of
the two ends (server: the side that listens or creates the link; client:
the side that connects), and the anchor it is compared with."""

import math
from dataclasses import dataclass, field


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


def select(systems, wanted):
    """Keep the systems named in wanted; anchors stay when a system compared
    with them is kept, so every ratio has its reference. A scenario none of
    whose systems is named runs in full (so `all --systems x` narrows only
    the scenarios that have x)."""
    keep = set(wanted or []) & {s.name for s in systems}
    if not keep:
        return systems
    for s in systems:
        if s.name in keep and s.anchor:
            keep.add(s.anchor)
    return [s for s in systems if s.name in keep]
