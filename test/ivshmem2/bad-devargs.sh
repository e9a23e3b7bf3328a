#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Bad configurations must fail the probe with a clear reason and create no
# port: missing shm, id 2, both peers id 0, odd or too small sizes, a file
# too small for the layout, a peer started with other sizes, EAL-like names.
# usage: bad-devargs.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
IV2_SHM=/dev/shm/iv2t$$-bad
iv2_init "$1"
n=0

# expect_fail NAME "VDEV ARGS" "REGEX OF THE REASON"
expect_fail() {
	local name=$1 args=$2 re=$3 log=$IV2_TMP/$1.log
	echo quit | timeout 30 "$TESTPMD" --lcores '0@1,1@0' --no-pci --no-huge -m 64 \
		--file-prefix "$IV2_TAG-$name" -d "$IV2_SO" --vdev "net_ivshmem2_0${args:+,$args}" \
		-- -i --total-num-mbufs=2048 > "$log" 2>&1
	grep -a -q -E "$re" "$log" || { cat "$log"; iv2_fail "$name: reason '$re' not reported"; }
	grep -a -q 'failed to initialize net_ivshmem2_0' "$log" || { cat "$log"; iv2_fail "$name: probe did not fail"; }
	grep -a -q 'No probed ethernet devices' "$log" || { cat "$log"; iv2_fail "$name: a port was created"; }
	echo "ok: $name: $(grep -a -o -E "$re" "$log" | head -n 1)"
	n=$((n + 1))
}

expect_fail missing-shm "id=0" 'missing shm='
expect_fail missing-id "shm=$IV2_SHM" 'missing id='
expect_fail id-2 "shm=$IV2_SHM,id=2" 'id=2: must be 0..1'
expect_fail odd-out-size "shm=$IV2_SHM,id=0,out_size=12345" 'must be a multiple of 4096'
expect_fail small-out-size "shm=$IV2_SHM,id=0,out_size=64K" 'out_size=65536 too small'
expect_fail ring-not-pow2 "shm=$IV2_SHM,id=0,ring_size=1000" 'must be a power of two'
expect_fail queues-9 "shm=$IV2_SHM,id=0,queues=9" 'queues=9: must be 1..8'
expect_fail unknown-key "shm=$IV2_SHM,id=0,colour=blue" 'cannot parse'
expect_fail eal-name "shm=/dev/shm/iv2map_0,id=0" "collide with EAL hugepage files"
[ -e "$IV2_SHM" ] && iv2_fail "a rejected configuration left $IV2_SHM behind"

truncate -s 4096 "$IV2_SHM"
expect_fail file-too-small "shm=$IV2_SHM,id=0" 'is 4096 bytes but this layout needs'
rm -f "$IV2_SHM"

# Both peers id 0: the second must be refused while the first is attached.
iv2_start first '0@1,1@0' "id=0"
iv2_wait first '^Port 0: ([0-9A-F]{2}:){5}[0-9A-F]{2}' 1 30 # configured: the file is attached
# iv2_start used hugepages for EAL; the link file itself is on /dev/shm.
expect_fail both-id-0 "shm=$IV2_SHM,id=0" 'id=0 on .* is already attached by another process'
# Second peer with other sizes than the file was created with.
expect_fail size-mismatch "shm=$IV2_SHM,id=1,ring_size=256" 'bytes but this layout needs'
iv2_quit first
[ -e "$IV2_SHM" ] && iv2_fail "link file left behind"
echo "PASS: $n bad configurations refused"
