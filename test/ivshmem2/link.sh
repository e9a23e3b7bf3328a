#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Two dpdk-testpmd processes (the distribution's, our PMD loaded with -d)
# on one net_ivshmem2 link over hugetlbfs. Asserts the link comes up on
# both sides and packets flow on every queue.
#   txonly: peer 1 generates, peer 0 receives (rxonly)
#   io:     both forward in io mode, peer 1 starts with tx_first
# With FWD_CORES = 2 each process forwards with two lcores, one per queue
# (queues are never shared between lcores; the PMD takes no lock).
# usage: link.sh BUILD_DIR txonly|io QUEUES [extra vdev args] [FWD_CORES]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
iv2_init "$1"
mode=$2 queues=$3 extra=${4:+,$4} cores=${5:-1}
min=20000

if [ "$mode" = txonly ]; then m0=rxonly m1=txonly; else m0=io m1=io; fi
qargs="--rxq=$queues --txq=$queues --nb-cores=$cores"
if [ "$cores" = 2 ]; then l0='0@1,1@0,2@1' l1='0@0,1@1,2@0'; else l0='0@1,1@0' l1='0@0,1@1'; fi
# Either peer may start first: io runs start peer 1 (which then creates the file).
if [ "$mode" = io ]; then
	iv2_start p1 "$l1" "id=1,queues=$queues$extra" --forward-mode=$m1 $qargs --txpkts=64
	sleep 1
	iv2_start p0 "$l0" "id=0,queues=$queues$extra" --forward-mode=$m0 $qargs
else
	iv2_start p0 "$l0" "id=0,queues=$queues$extra" --forward-mode=$m0 $qargs
	iv2_start p1 "$l1" "id=1,queues=$queues$extra" --forward-mode=$m1 $qargs --txpkts=64
fi
iv2_wait p0 'Port 0: link state change event' 1 30
iv2_wait p1 'Port 0: link state change event' 1 30
[ "$(iv2_link p0)" = up ] || iv2_fail "p0 link not up"
[ "$(iv2_link p1)" = up ] || iv2_fail "p1 link not up"

iv2_cmd p0 start
if [ "$mode" = io ]; then iv2_cmd p1 "start tx_first"; else iv2_cmd p1 start; fi
sleep 1 # millions of frames a second here: min is passed in a fraction of it
rx0=$(iv2_stat p0 RX-packets)
tx1=$(iv2_stat p1 TX-packets)
echo "p0 RX-packets $rx0, p1 TX-packets $tx1"
[ "${rx0:-0}" -ge $min ] || iv2_fail "p0 received $rx0 packets (< $min)"
[ "${tx1:-0}" -ge $min ] || iv2_fail "p1 sent $tx1 packets (< $min)"
if [ "$mode" = io ]; then
	rx1=$(iv2_stat p1 RX-packets)
	tx0=$(iv2_stat p0 TX-packets)
	echo "p1 RX-packets $rx1, p0 TX-packets $tx0"
	[ "${rx1:-0}" -ge $min ] || iv2_fail "p1 received $rx1 packets in the loop"
	[ "${tx0:-0}" -ge $min ] || iv2_fail "p0 forwarded $tx0 packets in the loop"
fi
for ((q = 0; q < queues; q++)); do
	n=$(iv2_xstat p0 "rx_q${q}_packets")
	echo "p0 rx queue $q: $n packets"
	[ "${n:-0}" -gt 0 ] || iv2_fail "p0 queue $q received nothing"
done
bad=$(iv2_xstat p0 ring_protocol_errors)
[ "$bad" = 0 ] || iv2_fail "ring protocol errors on an honest link: $bad"

iv2_cmd p0 stop
iv2_cmd p1 stop
iv2_quit p1
iv2_wait p0 'Port 0: link state change event' 2 10
[ "$(iv2_link p0)" = down ] || iv2_fail "p0 link still up after p1 quit"
iv2_quit p0
[ -e "$IV2_SHM" ] && iv2_fail "link file $IV2_SHM left behind"
echo "PASS: $mode, $queues queue(s), $cores forwarding lcore(s)"
