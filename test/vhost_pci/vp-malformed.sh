#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Hostile front-end: for every validation rule, vp_bad_client sends a message
# breaking it over a real unix socket to net_vhost_pci in dpdk-testpmd and
# asserts the connection is closed and testpmd is alive; afterwards the
# port's xstats must show each violation counted.
# usage: vp-malformed.sh BAD_CLIENT
set -u
client=$1
. "$(dirname "$0")/vp-lib.sh"
vp_skip_unless_ready

sock="$VP_TMP/vp.sock"
fifo="$VP_TMP/cmd"
mkfifo "$fifo"
exec 3<> "$fifo" # held open read-write so opening it below does not block
# interactive testpmd: ports up, forwarding off until we say "start"
VP_STDIN=$fifo vp_ours ours 90 "iface=$sock" -- -i --forward-mode=rxonly
vp_wait_file "$sock" 15 || vp_fail "our socket never appeared"
pid=$VP_PID_ours

"$client" "$sock" "$pid" truncated flags unsupported_request payload_size fd_count too_many_fds \
	features protocol_features region_count region_range map queue_index ring_size \
	ring_addr ring_base ring_flags mtu state
rc=$?
# a front-end that breaks a ring rule is caught by the datapath, so forward
echo "start" >&3
sleep 1
"$client" "$sock" "$pid" ring_buffer_addr || rc=1
echo "show port xstats 0" >&3
sleep 1
echo "quit" >&3
exec 3>&-
wait "$pid"
VP_PIDS=()
kill -0 "$pid" 2>/dev/null && vp_fail "testpmd did not quit"
grep -q "Segmentation\|Aborted" "$VP_TMP/ours.log" && vp_fail "testpmd crashed"
for x in truncated flags unsupported_request payload_size fd_count features protocol_features \
	 region_count region_range map queue_index ring_size ring_addr ring_base ring_flags mtu state; do
	n=$(awk -v k="vhost_violation_$x:" '$1 == k {print $2}' "$VP_TMP/ours.log")
	echo "vhost_violation_$x: ${n:-missing}"
	[ "${n:-0}" -ge 1 ] || { rc=1; echo "FAIL: violation $x not counted"; }
done
n=$(awk '$1 == "ring_violation_disconnects:" {print $2}' "$VP_TMP/ours.log")
echo "ring_violation_disconnects: ${n:-missing}"
[ "${n:-0}" -ge 1 ] || { rc=1; echo "FAIL: ring violation not counted"; }
n=$(awk '$1 == "rx_q0_ring_bad_addr:" {print $2}' "$VP_TMP/ours.log")
echo "rx_q0_ring_bad_addr: ${n:-missing}"
[ "${n:-0}" -ge 1 ] || { rc=1; echo "FAIL: ring bad_addr not counted"; }
[ $rc = 0 ] && echo PASS
exit $rc
