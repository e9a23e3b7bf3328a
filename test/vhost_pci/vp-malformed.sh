#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Hostile front-end, one validation rule per run: vp_bad_client sends a
# message breaking rule CASE over a real unix socket to net_vhost_pci in
# dpdk-testpmd and asserts that we close the connection and that testpmd is
# alive. Then a well-formed session must still connect and have one packet
# taken, and the port's xstats must show the violation counted.
# usage: vp-malformed.sh BAD_CLIENT CASE
set -u
client=$1 case=$2
. "$(dirname "$0")/vp-lib.sh"
vp_skip_unless_ready

xstat=$("$client" --xstat "$case") || vp_fail "vp_bad_client has no case $case"
sock="$VP_TMP/vp.sock"
fifo="$VP_TMP/cmd"
mkfifo "$fifo"
exec 3<> "$fifo" # held open read-write so opening it below does not block
# interactive testpmd: ports up; forwarding on so datapath rules are enforced
VP_STDIN=$fifo vp_ours ours 60 "iface=$sock" -- -i --forward-mode=rxonly --total-num-mbufs=4096
vp_wait_file "$sock" 15 || vp_fail "our socket never appeared"
pid=$VP_PID_ours
echo "start" >&3
vp_wait_log "$VP_TMP/ours.log" "$VP_FWD_STARTED" 1 15 "$pid" || vp_fail "forwarding did not start"

rc=0
"$client" "$sock" "$pid" "$case" || rc=1
"$client" "$sock" "$pid" good || { rc=1; echo "FAIL: a valid front-end was refused after $case"; }
# testpmd runs its commands in order: the xstats are printed before it quits
echo "show port xstats 0" >&3
echo "quit" >&3
exec 3>&-
wait "$pid"
VP_PIDS=()
kill -0 "$pid" 2>/dev/null && vp_fail "testpmd did not quit"
grep -q "Segmentation\|Aborted" "$VP_TMP/ours.log" && vp_fail "testpmd crashed"
n=$(awk -v k="$xstat:" '$1 == k {print $2}' "$VP_TMP/ours.log")
echo "$xstat: ${n:-missing}"
[ "${n:-0}" -ge 1 ] || { rc=1; echo "FAIL: violation not counted in $xstat"; }
if [ "$case" = ring_buffer_addr ]; then
	n=$(awk '$1 == "rx_q0_ring_bad_addr:" {print $2}' "$VP_TMP/ours.log")
	echo "rx_q0_ring_bad_addr: ${n:-missing}"
	[ "${n:-0}" -ge 1 ] || { rc=1; echo "FAIL: ring bad_addr not counted"; }
fi
n=$(awk '$1 == "frontend_connects:" {print $2}' "$VP_TMP/ours.log")
[ "${n:-0}" -ge 2 ] || { rc=1; echo "FAIL: frontend_connects ${n:-missing}, want >= 2"; }
[ $rc = 0 ] && echo PASS
exit $rc
