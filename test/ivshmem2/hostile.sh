#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Hostile peer: dpdk-testpmd (rxonly) is peer 0; ivshmem2-hostile-peer is
# peer 1 and alternates good traffic with garbage and lying descriptors.
# The PMD must not crash, must count the violations, must refuse a bad
# layout, and must bring the link back and receive the good frames. The
# attacks run three times over: the lines they cause in testpmd's log stay
# within the per-port rate limit (lib/peer_log) while the counters count all.
# usage: hostile.sh BUILD_DIR HOSTILE_PEER_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
iv2_init "$1"
peer=$2 good=50000 rounds=3

iv2_start p0 '0@1,1@0' "id=0" --forward-mode=rxonly --nb-cores=1
iv2_cmd p0 start
for _ in $(seq 1 50); do [ -s "$IV2_SHM" ] && break; sleep 0.1; done
timeout -s KILL 120 taskset -c 0 "$peer" "$IV2_SHM" $good $rounds > "$IV2_TMP/peer.log" 2>&1
rc=$?
cat "$IV2_TMP/peer.log"
kill -0 "${IV2_PID[p0]}" 2>/dev/null || iv2_fail "testpmd died under attack"
[ $rc = 0 ] || iv2_fail "hostile peer exited with $rc (link did not recover or frames were lost)"
grep -q 'bad layout version *: peer refused RUN' "$IV2_TMP/peer.log" || iv2_fail "bad layout accepted"
rx=$(iv2_stat p0 RX-packets)
errs=$(iv2_xstat p0 ring_protocol_errors)
incompat=$(iv2_xstat p0 peer_incompatible)
bad=$(iv2_xstat p0 rx_drop_bad_desc)
echo "testpmd: RX-packets $rx, ring_protocol_errors $errs, peer_incompatible $incompat, rx_drop_bad_desc $bad"
[ "${rx:-0}" -ge $((2 * good)) ] || iv2_fail "good frames lost: $rx < $((2 * good))"
[ "${errs:-0}" -ge 5 ] || iv2_fail "violations not counted ($errs)"
[ "${incompat:-0}" -ge 1 ] || iv2_fail "bad layout not counted"
[ "${bad:-0}" -ge 1 ] || iv2_fail "WRITE descriptor not counted as bad"
# The attacks took well under the 10 s window, and each took the link down
# and up (testpmd prints every link event): our PMD's lines about the peer
# (state, link, resets, violations) stay within 20, plus the "suppressed"
# notice if a second window opened.
events=$(grep -c 'link state change event' "${IV2_LOG[p0]}")
lines=$(grep -c -E '^(testpmd> )?iv2_[a-z_]+\(\): port 0: (peer|link|the peer|shared)' "${IV2_LOG[p0]}")
echo "peer-caused log lines: $lines for $events link events, $errs ring violations"
[ "$events" -gt 30 ] || iv2_fail "too few link events ($events) to test the log limit"
[ "$lines" -le 21 ] || iv2_fail "log flooded: $lines peer-caused lines"
iv2_cmd p0 stop
iv2_quit p0
echo "PASS: hostile peer"
