#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Both PMDs loaded into one dpdk-testpmd (-d each .so), a vdev of each,
# forwarding io between them; a second testpmd is the peer of both (the
# other end of the ivshmem2 link and DPDK's net_virtio_user on the socket).
# Frames must cross both PMDs both ways: with the .so files exporting their
# internals, the second one loaded would run the first one's lib/pring.
#   installed: no -d at all; the PMDs must come from DPDK's driver directory
#   (the package test runs this after installing the package).
# usage: two-pmds.sh BUILD_DIR [installed]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../ovs/ovs-lib.sh"
t_init "$1"
load_iv2=(-d "$IV2_SO") load_vp=(-d "$VP_SO")
if [ "${2:-}" = installed ]; then
	load_iv2=() load_vp=()
fi
min=2000
shm=/dev/hugepages/$T_TAG-link
sock=$T_TMP/vp.sock

# "both": port 0 net_ivshmem2, port 1 net_vhost_pci, io forwarding 0 <-> 1.
tp_start both '0@1,1@1' "${load_iv2[@]}" "${load_vp[@]}" \
	--vdev "net_ivshmem2_0,shm=$shm,id=0,ring_size=256" --vdev "net_vhost_pci0,iface=$sock" \
	-- --forward-mode=io
# "peer": port 0 the ivshmem2 link's other end, port 1 net_virtio_user.
tp_start peer '0@0,1@0' "${load_iv2[@]}" --single-file-segments \
	--vdev "net_ivshmem2_0,shm=$shm,id=1,ring_size=256" \
	--vdev "net_virtio_user0,path=$sock,packed_vq=1" -- --forward-mode=io
grep -a -E 'Configuring Port 1' "${TP_LOG[both]}" > /dev/null || t_fail "both: second port missing"
# Every end up first: a tx_first burst sent into a link that is not up yet
# is dropped, and with nothing else generating, its loop stays empty.
for p in 0 1; do
	tp_wait_link both $p 30
	tp_wait_link peer $p 30
done
tp_cmd both start
tp_cmd peer "start tx_first"
for p in 0 1; do
	for d in RX TX; do
		v=$(t_grow both $p $d $min 30) || t_fail "both: port $p $d $v (< $min)"
		echo "both: port $p ($( [ $p = 0 ] && echo net_ivshmem2 || echo net_vhost_pci)) $d-packets $v"
	done
done
for p in 0 1; do
	v=$(t_grow peer $p RX $min 10) || t_fail "peer: port $p RX $v"
	echo "peer: port $p RX-packets $v"
done
tp_quit peer
tp_quit both
echo PASS
