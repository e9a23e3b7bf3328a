#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# examples/ivshmem2-integrity across a link: sequence-numbered, checksummed
# frames of 60-9000 bytes (multi-segment mbufs, chained descriptors) on
# every queue; the receiver must get each one, intact and in order.
# usage: integrity.sh BUILD_DIR QUEUES [extra vdev args for the receiver]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
iv2_init "$1"
queues=$2 extra=${3:+,$3} count=20000
bin=$(cd "$1" && pwd)/examples/ivshmem2-integrity/ivshmem2-integrity
[ -x "$bin" ] || iv2_fail "$bin not built"

run() {
	local name=$1 core=$2 vdev=$3
	shift 3
	"$bin" --lcores "0@$core" --no-pci --file-prefix "$IV2_TAG-$name" -m 128 --huge-unlink \
		--vdev "net_ivshmem2_0,shm=$IV2_SHM,queues=$queues,$vdev" \
		-- --count $count --queues "$queues" --timeout 60 "$@" > "$IV2_TMP/$name.log" 2>&1
}

run rx 1 "id=0$extra" --role rx &
rx_pid=$!
IV2_PID[rx]=$rx_pid
IV2_LOG[rx]=$IV2_TMP/rx.log
run tx 0 "id=1" --role tx &
tx_pid=$!
IV2_PID[tx]=$tx_pid
IV2_LOG[tx]=$IV2_TMP/tx.log
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
echo "PASS: integrity, $queues queue(s)${3:+ ($3)}"
