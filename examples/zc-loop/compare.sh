#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# dpdk-zc-loop on net_ivshmem2 (zero-copy TX pool + zero-copy RX) and on
# net_memif (client zero-copy, the program's pool), taking turns, REPS
# repetitions per size; prints Mpkt per CPU-second of each and the ratio
# per repetition. Root, hugepages on /dev/hugepages.
# usage: compare.sh BUILD_DIR [REPS] [SIZES...]   (default 3, 64 512 1518)
set -uo pipefail
build=$(cd "$1" && pwd)
reps=${2:-3}
shift $(( $# >= 2 ? 2 : 1 ))
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(64 512 1518)
bin=$build/examples/zc-loop/dpdk-zc-loop
so=$build/drivers/librte_net_ivshmem2.so
tag=zcl$$
shm=/dev/hugepages/$tag-link
sock=/tmp/$tag-memif.sock
time=${ZCL_TIME:-5}
# ZCL_IV2_ARGS: net_ivshmem2's devargs under test (both ends).
iv2args=${ZCL_IV2_ARGS:-zero_copy=1,tx_pool=512}
# ZCL_ARGS: options of dpdk-zc-loop for both (e.g. --fwd).
read -r -a zclargs <<< "${ZCL_ARGS:-}"
# memif runs without --huge-unlink (its zero-copy client shares the page files): remove them too
trap 'rm -f "$shm" "$sock" /dev/hugepages/$tag-*; rm -rf /var/run/dpdk/$tag-*' EXIT

run_iv2() {
	"$bin" --lcores 0@1,1@0 --no-pci --file-prefix "$tag-iv2" -m 256 --huge-unlink \
		--log-level lib.eal:error -d "$so" \
		--vdev "net_ivshmem2_0,shm=$shm,id=0,$iv2args" \
		--vdev "net_ivshmem2_1,shm=$shm,id=1,$iv2args" \
		-- --size "$1" --time "$time" "${zclargs[@]}" 2>&1 | grep '^RESULT'
}

run_memif() {
	"$bin" --lcores 0@1,1@0 --no-pci --file-prefix "$tag-mif" -m 256 --single-file-segments \
		--log-level lib.eal:error \
		--vdev "net_memif0,role=server,socket=$sock,rsize=10" \
		--vdev "net_memif1,role=client,socket=$sock,rsize=10,zero-copy=yes" \
		-- --size "$1" --time "$time" "${zclargs[@]}" 2>&1 | grep '^RESULT'
}

fig() { sed -n 's/.*mpkt_per_cpu_s=\([0-9.]*\).*/\1/p' <<< "$1"; }

for size in "${sizes[@]}"; do
	for rep in $(seq 1 "$reps"); do
		# Take turns: odd repetitions start with ivshmem2, even ones with memif.
		if [ $((rep % 2)) = 1 ]; then a=$(run_iv2 "$size"); b=$(run_memif "$size")
		else b=$(run_memif "$size"); a=$(run_iv2 "$size"); fi
		ia=$(fig "$a") mb=$(fig "$b")
		printf 'size %4d rep %d %s: ivshmem2 (%s) %7s  memif zc %7s  ratio %s\n' "$size" "$rep" "${ZCL_ARGS:-gen}" "$iv2args" \
			"${ia:-FAIL}" "${mb:-FAIL}" \
			"$(awk -v a="${ia:-0}" -v b="${mb:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
	done
done
