#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Instructions per frame, per function, of dpdk-zc-loop's forwarding lcore
# under callgrind (zcl_lcore only: EAL start-up and link set-up are not
# counted), for net_ivshmem2 (ZCL_IV2_ARGS, as compare.sh) or net_memif
# client zero-copy. The divisor is the RESULT line's total= (frames received
# since the loop started). Instruction counts need neither the lock nor a
# quiet machine; Debian's net_memif has no symbols, so its functions show as
# addresses (doc/guides/perf.md names them).
# usage: callgrind.sh BUILD_DIR iv2|memif SIZE [dpdk-zc-loop options, e.g. --fwd]
# Root, hugepages on /dev/hugepages; writes callgrind.out.zcl-* in the
# current directory. Copy BUILD_DIR first if you rebuild meanwhile:
# replacing a .so under a running valgrind crashes it.
set -uo pipefail
[ $# -ge 3 ] || { sed -n 4,16p "$0"; exit 2; }
build=$(cd "$1" && pwd)
kind=$2 size=$3
shift 3
tag=zclcg$$
out=$PWD/callgrind.out.zcl-$kind-$size
log=$out.log
shm=/dev/hugepages/$tag-link
sock=/tmp/$tag-memif.sock
iv2args=${ZCL_IV2_ARGS:-zero_copy=1,tx_pool=512}
# memif runs without --huge-unlink (its zero-copy client shares the page files): remove them too
trap 'rm -f "$shm" "$sock" /dev/hugepages/$tag-*; rm -rf /var/run/dpdk/$tag-*' EXIT
case $kind in
iv2) eal=(--file-prefix "$tag-iv2" -m 256 --huge-unlink -d "$build/drivers/librte_net_ivshmem2.so"
	  --vdev "net_ivshmem2_0,shm=$shm,id=0,$iv2args" --vdev "net_ivshmem2_1,shm=$shm,id=1,$iv2args") ;;
memif) eal=(--file-prefix "$tag-mif" -m 256 --single-file-segments
	  --vdev "net_memif0,role=server,socket=$sock,rsize=10"
	  --vdev "net_memif1,role=client,socket=$sock,rsize=10,zero-copy=yes") ;;
*) echo "callgrind.sh: iv2 or memif, not $kind" >&2; exit 2 ;;
esac
rm -f "$out" "$out".*
valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=zcl_lcore \
	"$build/examples/zc-loop/dpdk-zc-loop" --lcores 0@1,1@0 --no-pci --log-level lib.eal:error \
	"${eal[@]}" -- --size "$size" --time 3 --warmup 0.5 "$@" > "$log" 2>&1 &
pid=$!
# The loop runs 3.5 s of wall time (slowly, under valgrind); then the ports close.
for _ in $(seq 1 180); do grep -q '^RESULT' "$log" && break; kill -0 $pid 2>/dev/null || break; sleep 1; done
for _ in $(seq 1 20); do kill -0 $pid 2>/dev/null || break; sleep 1; done
if kill -0 $pid 2>/dev/null; then
	# Seen at close under valgrind: rte_eal_alarm_cancel spinning on the
	# alarm thread. The loop is over: dump what was counted, then end it.
	callgrind_control -d $pid > /dev/null 2>&1
	sleep 3
	kill -9 $pid
	mv "$out.1" "$out"
fi
wait $pid 2>/dev/null
total=$(sed -n 's/^RESULT.* total=\([0-9]*\).*/\1/p' "$log")
[ -n "$total" ] || { echo "callgrind.sh: no RESULT, see $log" >&2; exit 1; }
callgrind_annotate --inclusive=no "$out" 2>/dev/null | awk -v t="$total" -v k="$kind $size ${*:-}" '
	/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%s: %.1f instructions per frame (%d frames)\n", k, $1 / t, t }
	/:/ && !/PROGRAM|^--|Profile|Events|Trigger|Timerange|Thresholds|cache:/ {
		x = $1; gsub(",", "", x); if (x + 0 > 0 && x / t >= 0.5) {
			f = $NF; if (f ~ /^\[/) f = $(NF - 1); sub(/^.*:/, "", f); printf "  %7.1f  %s\n", x / t, f } }'
