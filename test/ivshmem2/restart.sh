#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Peer crash and restart: peer 1 is killed with SIGKILL mid-traffic and
# started again, twice. The survivor (peer 0) must report link down then up
# (LSC events and 'show port info'), carry traffic again, never crash, and
# end with its mbuf pool back at the baseline.
#   rx: the survivor receives (rxonly), the victim generates (txonly)
#   tx: the survivor generates, the victim receives
# usage: restart.sh BUILD_DIR rx|tx [extra vdev args for the survivor]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
iv2_init "$1"
role=$2 extra=${3:+,$3}
min=20000
if [ "$role" = rx ]; then m0=rxonly m1=txonly ctr=RX-packets; else m0=txonly m1=rxonly ctr=TX-packets; fi

start_gen() {
	iv2_start p1 '0@0,1@1' "id=1" --forward-mode=$m1 --txpkts=64 --nb-cores=1
}

iv2_start p0 '0@1,1@0' "id=0$extra" --forward-mode=$m0 --txpkts=64 --nb-cores=1
start_gen
iv2_wait p0 'Port 0: link state change event' 1 30
iv2_wait p1 'Port 0: link state change event' 1 30
iv2_cmd p0 start
iv2_cmd p1 start
sleep 1 # min is passed in a fraction of it
iv2_cmd p0 stop
sleep 0.5
base=$(iv2_mbufs_in_use p0)
rx=$(iv2_stat p0 $ctr)
echo "survivor: $rx packets, $base mbufs in use at baseline"
[ "${rx:-0}" -ge $min ] || iv2_fail "no traffic before the crash ($rx)"
iv2_cmd p0 start

for round in 1 2; do
	events=$(iv2_link_events p0)
	iv2_kill9 p1
	iv2_wait p0 'Port 0: link state change event' $((events + 1)) 10
	[ "$(iv2_link p0)" = down ] || iv2_fail "round $round: link still up after the peer was killed"
	down=$(iv2_xstat p0 peer_state)
	echo "round $round: peer killed, link down, peer_state $down"
	rx_before=$(iv2_stat p0 $ctr)
	start_gen
	iv2_wait p0 'Port 0: link state change event' $((events + 2)) 30
	[ "$(iv2_link p0)" = up ] || iv2_fail "round $round: link not up after the peer came back"
	iv2_wait p1 'Port 0: link state change event' 1 30
	iv2_cmd p1 start
	sleep 1
	rx_after=$(iv2_stat p0 $ctr)
	echo "round $round: peer back, link up, $((rx_after - rx_before)) packets since"
	[ $((rx_after - rx_before)) -ge $min ] || iv2_fail "round $round: no traffic after the restart"
done

iv2_cmd p1 stop
iv2_cmd p0 stop
sleep 0.5
now=$(iv2_mbufs_in_use p0)
echo "survivor: $now mbufs in use at the end (baseline $base)"
[ "$now" = "$base" ] || iv2_fail "mbuf pool not back to baseline: $now in use, $base before"
resets=$(iv2_xstat p0 peer_resets)
[ "${resets:-0}" -ge 2 ] || iv2_fail "peer_resets = $resets, expected >= 2"
iv2_quit p1
iv2_quit p0
[ -e "$IV2_SHM" ] && iv2_fail "link file $IV2_SHM left behind"
echo "PASS: restart, survivor $role${3:+ ($3)}"
