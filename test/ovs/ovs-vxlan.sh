#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Two "hosts" on one machine: two OVS-DPDK instances, each in its own network
# namespace with its own database, EAL file-prefix and PMD core, joined by a
# veth pair that carries a VXLAN tunnel (OVS userspace tunnelling: the veth is
# a system port of br-phy, the tunnel endpoint address is on br-phy's internal
# port, br-int holds the vxlan port and the VM ports).
#   host A: br-int has a net_ivshmem2 port; its peer is a dpdk-testpmd.
#   host B: br-int has a net_vhost_pci port; its front-end is net_virtio_user.
# Frames cross the tunnel both ways; the counters of every hop are printed.
# Only addresses of the namespaces made here are used (172.31.254.0/24).
# usage: ovs-vxlan.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/ovs-lib.sh"
ovs_init "$1"
command -v ip > /dev/null || t_skip "no ip (iproute2)"
[ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 400 ] || t_skip "fewer than 400 free hugepages"
min=1000
MAC_A=02:00:00:00:0a:01 MAC_B=02:00:00:00:0b:01
IP_A=172.31.254.1 IP_B=172.31.254.2
shm=/dev/hugepages/$T_TAG-link
sock=$T_TMP/vp.sock
ns_a=vm2vmA$$ ns_b=vm2vmB$$
veth_a=vxa$$ veth_b=vxb$$

ip netns add "$ns_a" && T_NETNS+=("$ns_a") || t_fail "ip netns add"
ip netns add "$ns_b" && T_NETNS+=("$ns_b") || t_fail "ip netns add"
ip link add "$veth_a" type veth peer name "$veth_b" && T_LINKS+=("$veth_a") || t_fail "veth"
ip link set "$veth_a" netns "$ns_a"
ip link set "$veth_b" netns "$ns_b"

# host NAME NS CPU VETH IP REMOTE_IP: OVS with br-phy (uplink) and br-int (tunnel).
host() {
	local name=$1 ns=$2 cpu=$3 veth=$4 ip=$5 remote=$6
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "$veth" up
	ovs_start "$name" "$cpu" "$ns"
	ovs_vsctl "$name" add-br br-phy -- set Bridge br-phy datapath_type=netdev \
		-- add-port br-phy "$veth" || t_fail "$name: br-phy"
	ovs_vsctl "$name" add-br br-int -- set Bridge br-int datapath_type=netdev \
		-- add-port br-int vx0 -- set Interface vx0 type=vxlan options:remote_ip="$remote" \
		options:key=42 || t_fail "$name: br-int"
	ip -n "$ns" addr add "$ip/24" dev br-phy
	ip -n "$ns" link set br-phy up
	ovs_appctl "$name" ovs/route/add "$remote/24" br-phy > /dev/null ||
		t_fail "$name: ovs/route/add"
}

host A "$ns_a" 1 "$veth_a" $IP_A $IP_B
host B "$ns_b" 0 "$veth_b" $IP_B $IP_A
ovs_vsctl A add-port br-int iv0 -- set Interface iv0 type=dpdk \
	"options:dpdk-devargs=net_ivshmem2_0,shm=$shm,id=0,ring_size=256" || t_fail "A: add-port iv0"
ovs_vsctl B add-port br-int vp0 -- set Interface vp0 type=dpdk \
	"options:dpdk-devargs=net_vhost_pci0,iface=$sock" || t_fail "B: add-port vp0"
ovs_check_port A iv0
ovs_check_port B vp0
ovs_check_port A vx0
ovs_check_port B vx0

# The peers need no network namespace: the link is the shared file, the socket.
tp_start A '0@0,1@0' -d "$IV2_SO" \
	--vdev "net_ivshmem2_0,shm=$shm,id=1,ring_size=256,mac=$MAC_A" -- --eth-peer=0,$MAC_B
tp_start B '0@1,1@1' --single-file-segments \
	--vdev "net_virtio_user0,path=$sock,mac=$MAC_B,packed_vq=1" -- --eth-peer=0,$MAC_A
ovs_wait_link A iv0 up 30
ovs_wait_link B vp0 up 30

# Each OVS resolves the other's tunnel address by ARP over the veth when the
# first frame enters the tunnel; flow() allows for that.

flow() {
	local from=$1 to=$2 rx0 rx1 tx
	rx0=$(tp_stat "$to" 0 RX)
	tp_cmd "$to" "set fwd rxonly"
	tp_cmd "$to" start
	tp_cmd "$from" "set fwd txonly"
	tp_cmd "$from" start
	rx1=$(t_grow "$to" 0 RX $((rx0 + min)) 40) ||
		t_fail "$from -> $to: $to received $((rx1 - rx0)) frames in 40 s (< $min)"
	tp_cmd "$from" stop
	tp_cmd "$to" stop
	sleep 1
	tx=$(tp_stat "$from" 0 TX)
	echo "$from -> $to: $from sent $tx, $to received $((rx1 - rx0))"
}
flow A B
flow B A
# Every hop, each direction: OVS's counters (refreshed every 5 s).
hops=("A iv0 rx_packets" "A vx0 tx_packets" "A $veth_a tx_packets" "B $veth_b rx_packets"
      "B vx0 rx_packets" "B vp0 tx_packets"
      "B vp0 rx_packets" "B vx0 tx_packets" "B $veth_b tx_packets" "A $veth_a rx_packets"
      "A vx0 rx_packets" "A iv0 tx_packets")
for h in "${hops[@]}"; do
	set -- $h
	v=$(ovs_wait_stat "$1" "$2" "$3" $min 15) || t_fail "host $1: $2 $3 is $v (< $min)"
	printf 'host %s: %-10s %-11s %s\n' "$1" "$2" "$3" "$v"
done
echo "host A datapath flows:"
ovs_appctl A dpctl/dump-flows | grep -o -E 'actions:.*tnl_(push|pop).{0,60}' | sort -u | head -n 4
echo "host A tunnel neighbours:"
ovs_appctl A tnl/neigh/show | sed -n '3,$p'
grep -E '\|(ERR|EMER)\|' "${OVS_DIR[A]}/vswitchd.log" "${OVS_DIR[B]}/vswitchd.log" &&
	t_fail "errors in OVS's logs"
echo PASS
