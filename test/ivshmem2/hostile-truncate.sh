#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# A host peer that passes traffic and then truncates the link file to 0
# bytes: dpdk-testpmd (peer 0) must survive the SIGBUS, count it
# (shm_faults), take the link down, and link up with a good peer (a second
# testpmd as peer 1) on the same file afterwards, receiving its frames.
# usage: hostile-truncate.sh BUILD_DIR HOSTILE_PEER_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
iv2_init "$1"
peer=$2

iv2_start p0 '0@1,1@0' "id=0" --forward-mode=rxonly --nb-cores=1
iv2_cmd p0 start
for _ in $(seq 1 50); do [ -s "$IV2_SHM" ] && break; sleep 0.1; done
timeout -s KILL 60 taskset -c 0 "$peer" "$IV2_SHM" 10000 truncate > "$IV2_TMP/peer.log" 2>&1
rc=$?
cat "$IV2_TMP/peer.log"
[ $rc = 0 ] || iv2_fail "hostile peer exited with $rc"
sleep 1
kill -0 "${IV2_PID[p0]}" 2>/dev/null || iv2_fail "testpmd died when the link file was truncated"
faults=$(iv2_xstat p0 shm_faults)
echo "shm_faults: $faults"
[ "${faults:-0}" -ge 1 ] || iv2_fail "the truncation was not counted"
[ "$(iv2_link p0)" = down ] || iv2_fail "link still up after the truncation"
rx0=$(iv2_stat p0 RX-packets)

iv2_start p1 '0@0,1@1' "id=1" --forward-mode=txonly --nb-cores=1
iv2_cmd p1 start
for _ in $(seq 1 50); do [ "$(iv2_link p0)" = up ] && break; sleep 0.2; done
[ "$(iv2_link p0)" = up ] || iv2_fail "no link with a good peer after the truncation"
sleep 1
rx1=$(iv2_stat p0 RX-packets)
echo "RX-packets: $rx0 after the attack, $rx1 with the good peer"
[ "$rx1" -gt "$rx0" ] || iv2_fail "no frames from the good peer"
iv2_cmd p1 stop
iv2_quit p1
iv2_cmd p0 stop
iv2_quit p0
echo "PASS: truncated link file"
