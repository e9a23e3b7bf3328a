#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# A real QEMU guest (Linux virtio-net, the guest kit) on an OVS-DPDK
# net_vhost_pci port pings a peer on a net_ivshmem2 port of the same bridge:
# the peer is a dpdk-testpmd with our ivshmem2 .so in icmpecho mode (it
# answers ARP and ICMP echo). OVS runs with its defaults (NORMAL action,
# 2048 descriptors).
# usage: ovs-guest.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/ovs-lib.sh"
ovs_init "$1"
[ -x /usr/bin/qemu-system-x86_64 ] || t_skip "no qemu-system-x86_64 (usertools/vm2vm-setup)"
shm=/dev/hugepages/$T_TAG-link
sock=$T_TMP/vp.sock
br=vmg$$

ovs_start sw 1
ovs_vsctl sw add-br "$br" -- set Bridge "$br" datapath_type=netdev || t_fail "add-br"
ovs_vsctl sw add-port "$br" iv0 -- set Interface iv0 type=dpdk \
	"options:dpdk-devargs=net_ivshmem2_0,shm=$shm,id=0,ring_size=256" || t_fail "add-port iv0"
ovs_vsctl sw add-port "$br" vp0 -- set Interface vp0 type=dpdk \
	"options:dpdk-devargs=net_vhost_pci0,iface=$sock" || t_fail "add-port vp0"
ovs_check_port sw iv0
ovs_check_port sw vp0

tp_start A '0@0,1@0' -d "$IV2_SO" --vdev "net_ivshmem2_0,shm=$shm,id=1,ring_size=256" \
	-- --forward-mode=icmpecho
tp_cmd A start
ovs_wait_link sw iv0 up 30

python3 "$here/guest_ping.py" "$T_TMP" "$sock" 10.0.0.1/24 10.0.0.2 10
rc=$?
[ $rc = 77 ] && t_skip "no guest can run here"
[ $rc = 0 ] || t_fail "the guest's pings through OVS were not answered"
rx_vp=$(ovs_wait_stat sw vp0 rx_packets 11 15) || t_fail "OVS: vp0 received $rx_vp"
tx_iv=$(ovs_wait_stat sw iv0 tx_packets 11 15) || t_fail "OVS: iv0 sent $tx_iv"
echo "OVS: vp0 (guest) rx $rx_vp, iv0 (icmpecho peer) tx $tx_iv rx $(ovs_iface sw iv0 statistics:rx_packets)"
echo "peer: RX $(tp_stat A 0 RX) TX $(tp_stat A 0 TX)"
echo PASS
