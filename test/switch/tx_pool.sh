#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# dpdk-vm2vm-switch between two net_ivshmem2 links (A: switch port 0,
# B: switch port 1), both with tx_pool=: in io and mac modes each rx queue
# receives into the TX pool of the port its frames leave by, so they leave
# in place. examples/ivshmem2-integrity sends 480 sequence-numbered, checksummed
# frames of 60-1500 bytes A -> B, then B -> A (the peers are restarted with
# the roles swapped); every frame must arrive intact and in order, and each
# switch port's tx_zc_pkts must equal the frames the switch sent on it.
#   on:    as above; and at the command line, "set fwd l2learn" is refused
#   off:   --no-tx-pool: the same frames, and tx_zc_pkts must stay 0
#   small: --burst 256, for which tx_pool=512 is too small: the switch says
#          so, names the devarg to raise, falls back, and tx_zc_pkts stays 0
# usage: tx_pool.sh BUILD_DIR io|mac on|off|small
set -uo pipefail
here=$(cd "$(dirname "$0")/../ivshmem2" && pwd)
source "$here/lib.sh"
iv2_init "$1"
build=$(cd "$1" && pwd) mode=$2 variant=$3
# A switch drops what a full queue or an empty pool cannot take, as any switch does;
# fewer frames per direction than the destination's pool (512) and copy buffers (512)
# hold can never be dropped, so the receiver can demand every one.
count=480
sw=$build/app/vm2vm-switch/dpdk-vm2vm-switch
integ=$build/examples/ivshmem2-integrity/ivshmem2-integrity
[ -x "$sw" ] || iv2_fail "$sw not built"
[ -x "$integ" ] || iv2_fail "$integ not built"
link_a=$IV2_SHM-a link_b=$IV2_SHM-b
trap 'iv2_cleanup; rm -f "$link_a" "$link_b"' EXIT

pool=tx_pool=512 swargs=()
case $variant in
on) ;;
off) swargs+=(--no-tx-pool) ;;
small) swargs+=(--burst 256) ;; # 2 x (256 + 32) mbufs needed per pool
*) iv2_fail "variant '$variant': on, off or small" ;;
esac

IV2_LOG[sw]=$IV2_TMP/sw.log
"$sw" --lcores 0@0,1@1 --no-pci --file-prefix "$IV2_TAG-sw" -m 256 --huge-unlink -d "$IV2_SO" \
	--vdev "net_ivshmem2_0,shm=$link_a,id=1,$pool" --vdev "net_ivshmem2_1,shm=$link_b,id=1,$pool" \
	-- --forward-mode "$mode" "${swargs[@]}" > "${IV2_LOG[sw]}" 2>&1 &
IV2_PID[sw]=$!
iv2_wait sw '^lcore map' 1 30

case $variant in
on)
	iv2_wait sw 'port 0 rx queue 0: receives into the TX pool of port 1 queue 0' 1 1
	iv2_wait sw 'port 1 rx queue 0: receives into the TX pool of port 0 queue 0' 1 1 ;;
off)
	iv2_wait sw 'shared pool \(--no-tx-pool\)' 1 1 ;;
small)
	iv2_wait sw 'port 0 rx queue 0: shared pool: .* has 512 mbufs, 576 needed .* raise tx_pool= of port 1' 1 1
	iv2_wait sw 'port 1 rx queue 0: shared pool: .* raise tx_pool= of port 0' 1 1 ;;
esac
grep -q 'receives into the TX pool' "${IV2_LOG[sw]}" && [ "$variant" != on ] &&
	iv2_fail "a TX pool is used with variant $variant"

# integrity NAME LINK ROLE CORE: one peer of the switch (id=0 on LINK).
integrity() {
	local name=$1 link=$2 role=$3 core=$4
	IV2_LOG[$name]=$IV2_TMP/$name.log
	exec "$integ" --lcores "0@$core" --no-pci --file-prefix "$IV2_TAG-$name" -m 128 --huge-unlink \
		-d "$IV2_SO" --vdev "net_ivshmem2_0,shm=$link,id=0" \
		-- --role "$role" --count $count --min 60 --max 1500 --timeout 30 > "${IV2_LOG[$name]}" 2>&1
}

# sw_lines REGEX: lines of the switch's log matching REGEX so far.
sw_lines() {
	grep -a -c -E "$1" "${IV2_LOG[sw]}"
}

# direction NAME FROM_LINK FROM_PORT TO_LINK TO_PORT: $count frames FROM -> switch -> TO,
# checked at TO. The sender starts once the switch sees the receiver (its port up):
# frames sent before would be dropped for a peer that is not there yet.
direction() {
	local name=$1 from=$2 from_port=$3 to=$4 to_port=$5 rc ups downs
	IV2_LOG[$name-rx]=$IV2_TMP/$name-rx.log
	IV2_LOG[$name-tx]=$IV2_TMP/$name-tx.log
	ups=$(sw_lines "^port $to_port: link up")
	integrity "$name-rx" "$to" rx 1 &
	IV2_PID[$name-rx]=$!
	iv2_wait sw "^port $to_port: link up" $((ups + 1)) 30
	integrity "$name-tx" "$from" tx 0 &
	IV2_PID[$name-tx]=$!
	wait "${IV2_PID[$name-rx]}"
	rc=$?
	unset "IV2_PID[$name-rx]"
	# The sender stays attached until its peer (the switch) leaves: enough now.
	downs=$(sw_lines "^port $from_port: link down")
	kill -9 "${IV2_PID[$name-tx]}" 2>/dev/null
	wait "${IV2_PID[$name-tx]}" 2>/dev/null
	unset "IV2_PID[$name-tx]"
	grep -a '^integrity' "${IV2_LOG[$name-rx]}"
	[ "$rc" = 0 ] || iv2_fail "$name: receiver failed ($rc)"
	grep -q " $count ok, 0 lost, 0 corrupt, 0 reordered" "${IV2_LOG[$name-rx]}" ||
		iv2_fail "$name: frames lost or damaged through the switch"
	# Both peers gone before the next direction reuses their links with swapped roles.
	iv2_wait sw "^port $from_port: link down" $((downs + 1)) 30
}

direction a2b "$link_a" 0 "$link_b" 1
direction b2a "$link_b" 1 "$link_a" 0

kill -INT "${IV2_PID[sw]}"
wait "${IV2_PID[sw]}"
rc=$?
unset 'IV2_PID[sw]'
[ "$rc" = 0 ] || iv2_fail "switch exited with status $rc"
final=$IV2_TMP/final.txt
sed -n '/==== final stats ====/,$p' "${IV2_LOG[sw]}" > "$final"
for p in 0 1; do
	# The port's block: from "port P (" to the next "port " or "lcore " line.
	block=$(awk -v p="$p" '$1 == "port" && $2 == p { on = 1; print; next }
			       on && ($1 == "port" || $1 == "lcore") { on = 0 } on' "$final")
	tx=$(echo "$block" | grep -o -E 'switch: rx [0-9]+  tx [0-9]+' | awk '{print $5}')
	zc=$(echo "$block" | grep -o -E 'tx in place \(tx_zc_pkts\) [0-9]+' | awk '{print $5}')
	echo "port $p: switch tx ${tx:-?}, tx_zc_pkts ${zc:-?}"
	[ "${tx:-0}" = $count ] || iv2_fail "port $p: the switch sent ${tx:-none} frames, $count expected"
	if [ "$variant" = on ]; then
		[ "${zc:-0}" = "$tx" ] || iv2_fail "port $p: ${zc:-no} frames left in place of $tx sent"
	else
		[ "${zc:-x}" = 0 ] || iv2_fail "port $p: tx_zc_pkts ${zc:-missing}, 0 expected ($variant)"
	fi
done
if [ "$variant" = on ]; then
	# l2learn would send pool frames to other ports while they lie in the
	# destination's output section, readable by its peer: refused at run time.
	IV2_LOG[swi]=$IV2_TMP/swi.log
	printf 'set fwd l2learn\nset fwd %s\nquit\n' "$mode" |
		timeout 60 "$sw" --lcores 0@0,1@1 --no-pci --file-prefix "$IV2_TAG-swi" -m 256 \
		--huge-unlink -d "$IV2_SO" --vdev "net_ivshmem2_0,shm=$link_a,id=1,$pool" \
		--vdev "net_ivshmem2_1,shm=$link_b,id=1,$pool" -- --forward-mode "$mode" -i \
		> "${IV2_LOG[swi]}" 2>&1
	grep -q 'refused: rx queues receive into the TX pools' "${IV2_LOG[swi]}" ||
		iv2_fail "set fwd l2learn was not refused with rx queues on TX pools"
	grep -q "forwarding mode: $mode" "${IV2_LOG[swi]}" || iv2_fail "set fwd $mode refused"
fi
echo "PASS: switch $mode mode, TX pool $variant: $count frames each way intact"
