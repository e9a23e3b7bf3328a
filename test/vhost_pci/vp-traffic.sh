#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Traffic between net_vhost_pci (server, in dpdk-testpmd via -d) and DPDK's
# net_virtio_user (in a second dpdk-testpmd), asserted from testpmd's stats.
# usage: vp-traffic.sh rx|tx|io PACKED(0|1) QUEUES(1|2) MRG(0|1) [TXPKTS [small]]
#   small: the front-end keeps 2 KiB mbufs, so jumbo frames we send must be
#   spread over several of its buffers (MRG_RXBUF) and arrive multi-segment.
#   rx: front-end txonly → our rxonly; tx: our txonly → front-end rxonly;
#   io: both io --tx-first (traffic both ways).
set -u
dir=$1 packed=$2 queues=$3 mrg=$4 txpkts=${5:-64} small=${6:-}
. "$(dirname "$0")/vp-lib.sh"
vp_skip_unless_ready

sock="$VP_TMP/vp.sock"
qargs=()
pktlen=$(( ${txpkts//,/+} ))
# testpmd checks --txpkts against the mbuf size given before it
[ "$pktlen" -gt 1500 ] && qargs+=(--mbuf-size=10240 --max-pkt-len=9018 --total-num-mbufs=8192)
qargs+=(--rxq="$queues" --txq="$queues" --txpkts="$txpkts" --stats-period 2)
pargs=("${qargs[@]}")
[ -n "$small" ] && pargs=(--max-pkt-len=9018 --enable-scatter --rxq="$queues" --txq="$queues" --stats-period 2)
case $dir in
rx) ours=rxonly; peer=txonly; first=() ;;
tx) ours=txonly; peer=rxonly; first=() ;;
io) ours=io; peer=io; first=(--tx-first) ;;
*) vp_fail "direction $dir" ;;
esac
cq=""
[ "$queues" -gt 1 ] && cq=",cq=1"

vp_ours ours 10 "iface=$sock,queues=$queues" -- --forward-mode=$ours "${qargs[@]}" "${first[@]}"
vp_wait_file "$sock" 10 || vp_fail "our socket never appeared"
if [ "$dir" = io ]; then
	# --tx-first turns testpmd's link-status interrupt off: it polls the link
	# for up to 9 s before it forwards, so it starts once the front-end is there
	sleep 1
else
	vp_wait_log "$VP_TMP/ours.log" "$VP_FWD_STARTED" 1 10 "$VP_PID_ours" || vp_fail "we did not start forwarding"
fi
vp_peer peer 4 "path=$sock,packed_vq=$packed,queues=$queues,mrg_rxbuf=$mrg$cq" -- \
	--forward-mode=$peer "${pargs[@]}" "${first[@]}"
vp_wait "$VP_PID_peer"; peer_rc=$?
# The peer's run is the measurement: stop ours now rather than at its timeout
# (timeout passes SIGINT on; testpmd prints its totals as at the timeout).
kill -INT "$VP_PID_ours" 2>/dev/null
vp_wait "$VP_PID_ours"; ours_rc=$?
VP_PIDS=()

our_rx=$(vp_acc "$VP_TMP/ours.log" RX); our_tx=$(vp_acc "$VP_TMP/ours.log" TX)
peer_rx=$(vp_acc "$VP_TMP/peer.log" RX); peer_tx=$(vp_acc "$VP_TMP/peer.log" TX)
echo "ours: rx=${our_rx:-?} tx=${our_tx:-?} (rc $ours_rc); virtio-user: rx=${peer_rx:-?} tx=${peer_tx:-?} (rc $peer_rc)"
[ -n "$our_rx" ] && [ -n "$peer_rx" ] || { tail -40 "$VP_TMP/ours.log"; vp_fail "no statistics"; }
grep -q "link up" "$VP_TMP/ours.log" || vp_fail "our link never came up"
grep -qi "segmentation\|refused\|violation" "$VP_TMP/ours.log" && { grep -i "segmentation\|refused\|violation" "$VP_TMP/ours.log"; vp_fail "errors in our log"; }
min=10000
case $dir in
rx) [ "$our_rx" -ge $min ] || vp_fail "we received $our_rx < $min"
    [ "$our_rx" -le "$peer_tx" ] || vp_fail "we received more than was sent" ;;
tx) [ "$peer_rx" -ge $min ] || vp_fail "front-end received $peer_rx < $min"
    [ "$peer_rx" -le "$our_tx" ] || vp_fail "front-end received more than we sent" ;;
io) [ "$our_rx" -ge $min ] && [ "$peer_rx" -ge $min ] || vp_fail "io: too little traffic" ;;
esac
# Frame size seen by the receiver: its NIC statistics' bytes per packet.
if [ "$dir" != io ]; then
	log="$VP_TMP/ours.log"; [ "$dir" = tx ] && log="$VP_TMP/peer.log"
	avg=$(awk '$1 == "RX-packets:" && $5 == "RX-bytes:" && $2 > 0 {p=$2; b=$6} END {if (p) print int(b / p)}' "$log")
	echo "receiver: ${avg:-?} bytes per packet (sent $pktlen)"
	[ "${avg:-0}" = "$pktlen" ] || vp_fail "frames arrived with ${avg:-?} bytes, $pktlen sent"
fi
if [ "$queues" -gt 1 ]; then
	log="$VP_TMP/ours.log"; [ "$dir" = tx ] && log="$VP_TMP/peer.log"
	for q in $(seq 0 $((queues - 1))); do
		n=$(vp_queue_rx "$log" "$q")
		echo "receiver queue $q: ${n:-?}"
		[ -n "$n" ] && [ "$n" -gt 0 ] || vp_fail "no traffic on queue $q"
	done
fi
echo PASS
