#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# examples/ivshmem2-integrity across a link: sequence-numbered, checksummed
# frames of 60-9000 bytes (multi-segment mbufs, chained descriptors) on
# every queue; the receiver must get each one, intact and in order.
# With sender vdev args holding tx_pool=, the sender builds the frames that
# fit one buffer in its zero-copy TX pool (--tx-pool) and checks that every
# pool mbuf is back once the link is down; with "kill" the receiver is
# killed with SIGKILL mid-run instead, and only that check decides.
# usage: integrity.sh BUILD_DIR QUEUES [extra vdev args for the receiver]
#                     [extra vdev args for the sender] [kill]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
iv2_init "$1"
queues=$2 extra=${3:+,$3} txextra=${4:+,$4} kill=${5:-} count=20000
txflags=()
[[ "$txextra" == *tx_pool=* ]] && txflags+=(--tx-pool)
[ "$kill" = kill ] && { count=100000000; txflags+=(--until-link-down); }
bin=$(cd "$1" && pwd)/examples/ivshmem2-integrity/ivshmem2-integrity
[ -x "$bin" ] || iv2_fail "$bin not built"

run() {
	local name=$1 core=$2 vdev=$3
	shift 3
	# exec: the background job's PID is the program's, so kill -9 reaches it.
	exec "$bin" --lcores "0@$core" --no-pci --file-prefix "$IV2_TAG-$name" -m 128 --huge-unlink \
		--vdev "net_ivshmem2_0,shm=$IV2_SHM,queues=$queues,$vdev" \
		-- --count $count --queues "$queues" --timeout 60 "$@" > "$IV2_TMP/$name.log" 2>&1
}

run rx 1 "id=0$extra" --role rx &
rx_pid=$!
IV2_PID[rx]=$rx_pid
IV2_LOG[rx]=$IV2_TMP/rx.log
run tx 0 "id=1$txextra" --role tx "${txflags[@]}" &
tx_pid=$!
IV2_PID[tx]=$tx_pid
IV2_LOG[tx]=$IV2_TMP/tx.log
if [ "$kill" = kill ]; then
	# Frames flowing (the receiver's ring is in use) before the receiver dies.
	sleep 4
	kill -0 $rx_pid 2>/dev/null || iv2_fail "receiver exited before it was killed"
	kill -9 $rx_pid
	wait $rx_pid 2>/dev/null
	wait $tx_pid
	tx_rc=$?
	unset 'IV2_PID[rx]' 'IV2_PID[tx]'
	grep -a '^integrity' "$IV2_TMP/tx.log"
	[ $tx_rc = 0 ] || iv2_fail "sender failed ($tx_rc): TX pool mbufs lost after kill -9 of the receiver"
	grep -q 'then the link went down' "$IV2_TMP/tx.log" || iv2_fail "the sender did not see the link go down"
	zc=$(grep -a -o -E 'tx_zc_pkts [0-9]+' "$IV2_TMP/tx.log" | grep -o -E '[0-9]+$')
	[ "${zc:-0}" -gt 1000 ] || iv2_fail "few frames were posted in place (${zc:-none})"
	# The survivor removes the file once it leaves; the receiver's hugepage files went with --huge-unlink.
	[ -e "$IV2_SHM" ] && iv2_fail "link file left behind"
	echo "PASS: TX pool full after kill -9 of the zero-copy receiver"
	exit 0
fi
wait $rx_pid
rx_rc=$?
wait $tx_pid
tx_rc=$?
unset 'IV2_PID[rx]' 'IV2_PID[tx]'
grep -a '^integrity' "$IV2_TMP/rx.log" "$IV2_TMP/tx.log"
[ $rx_rc = 0 ] || iv2_fail "receiver failed ($rx_rc)"
[ $tx_rc = 0 ] || iv2_fail "sender failed ($tx_rc)"
grep -q '^integrity rx: PASS' "$IV2_TMP/rx.log" || iv2_fail "receiver did not verify"
[ "$(grep -c ' 20000 ok, 0 lost, 0 corrupt, 0 reordered' "$IV2_TMP/rx.log")" = "$queues" ] ||
	iv2_fail "not every queue got all frames intact"
[ -e "$IV2_SHM" ] && iv2_fail "link file left behind"
if [ ${#txflags[@]} -gt 0 ]; then
	grep -q 'TX pool mbufs missing' "$IV2_TMP/tx.log" && iv2_fail "TX pool mbufs lost"
	zc=$(grep -a -o -E 'tx_zc_pkts [0-9]+' "$IV2_TMP/tx.log" | grep -o -E '[0-9]+$')
	[ "${zc:-0}" -gt 0 ] || iv2_fail "no frame was posted in place"
fi
echo "PASS: integrity, $queues queue(s)${3:+ ($3)}${4:+ (sender $4)}"
