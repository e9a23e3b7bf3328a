# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Helpers for the net_ivshmem2 integration tests: run interactive
# dpdk-testpmd processes fed through FIFOs, wait for lines in their logs,
# read counters, and clean everything up (processes, FIFOs, the link file,
# EAL's runtime directories of this run; EAL's own hugepage files are
# unlinked at start with --huge-unlink).
#
# usage: source lib.sh; iv2_init BUILD_DIR

TESTPMD=${TESTPMD:-/usr/bin/dpdk-testpmd}
IV2_RUNDIR=/var/run/dpdk   # EAL's runtime directory for root
declare -A IV2_PID IV2_FD IV2_LOG

iv2_fail() {
	echo "FAIL: $*" >&2
	for n in "${!IV2_LOG[@]}"; do
		echo "---- last lines of $n (${IV2_LOG[$n]})" >&2
		tail -n 25 "${IV2_LOG[$n]}" >&2
	done
	exit 1
}

iv2_skip() {
	echo "SKIP: $*"
	exit 77
}

iv2_cleanup() {
	local n
	for n in "${!IV2_PID[@]}"; do
		kill -9 "${IV2_PID[$n]}" 2>/dev/null
	done
	wait 2>/dev/null
	rm -f "$IV2_SHM"
	[ -n "${IV2_TMP:-}" ] && rm -rf "$IV2_TMP"
	# EAL leaves /var/run/dpdk/<file-prefix>/ behind: remove ours, and only ours
	# (every process of this run has the prefix $IV2_TAG-<name>).
	if [ -n "${IV2_TAG:-}" ]; then
		rm -rf "$IV2_RUNDIR/$IV2_TAG"-*
	fi
	return 0
}

# iv2_init BUILD_DIR: checks, temp dir, link file name, cleanup trap.
iv2_init() {
	local build=$1
	IV2_SO=$(cd "$build" && pwd)/drivers/librte_net_ivshmem2.so
	[ "$(id -u)" = 0 ] || iv2_skip "needs root"
	[ -x "$TESTPMD" ] || iv2_skip "$TESTPMD not installed"
	[ -f "$IV2_SO" ] || iv2_fail "$IV2_SO not built"
	grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts || iv2_skip "no hugetlbfs on /dev/hugepages"
	[ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 64 ] || iv2_skip "fewer than 64 free hugepages"
	# IV2_TAG_PREFIX lets a caller give its processes a recognisable file-prefix.
	IV2_TAG=${IV2_TAG_PREFIX:-iv2t}$$
	IV2_TMP=$(mktemp -d)
	IV2_SHM=${IV2_SHM:-/dev/hugepages/$IV2_TAG-link}
	trap iv2_cleanup EXIT
}

# iv2_start NAME LCORES VDEV_ARGS [testpmd args...]: interactive testpmd, port 0 = our vdev.
iv2_start() {
	local name=$1 lcores=$2 vdev=$3 fd
	shift 3
	mkfifo "$IV2_TMP/$name.in"
	IV2_LOG[$name]=$IV2_TMP/$name.log
	stdbuf -oL -eL "$TESTPMD" --lcores "$lcores" --no-pci --file-prefix "$IV2_TAG-$name" -m 128 --huge-unlink \
		-d "$IV2_SO" --vdev "net_ivshmem2_0,shm=$IV2_SHM,$vdev" \
		--log-level=pmd.net.ivshmem2,info \
		-- -i --total-num-mbufs=8192 --disable-link-check --no-mlockall "$@" \
		< "$IV2_TMP/$name.in" > "${IV2_LOG[$name]}" 2>&1 &
	IV2_PID[$name]=$!
	exec {fd}> "$IV2_TMP/$name.in"
	IV2_FD[$name]=$fd
}

# iv2_cmd NAME "testpmd command"
iv2_cmd() {
	echo "$2" >&"${IV2_FD[$1]}" || iv2_fail "$1 is gone (command '$2')"
}

# iv2_wait NAME REGEX COUNT SECONDS: wait until REGEX matched COUNT lines of the log.
iv2_wait() {
	local name=$1 re=$2 count=$3 end=$((SECONDS + $4))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(grep -a -c -E "$re" "${IV2_LOG[$name]}")" -ge "$count" ] && return 0
		kill -0 "${IV2_PID[$name]}" 2>/dev/null || iv2_fail "$name exited while waiting for '$re'"
		sleep 0.2
	done
	iv2_fail "$name: '$re' not seen $count times in $4 s"
}

# iv2_link_events NAME: link state change events testpmd reported so far.
iv2_link_events() {
	grep -a -c -E 'Port 0: link state change event' "${IV2_LOG[$1]}"
}

# iv2_stat NAME FIELD: value of FIELD (e.g. RX-packets) from a fresh 'show port stats 0'.
iv2_stat() {
	local name=$1 field=$2 before
	before=$(grep -a -c -E "$field:" "${IV2_LOG[$name]}")
	iv2_cmd "$name" "show port stats 0"
	iv2_wait "$name" "$field:" $((before + 1)) 10
	grep -a -o -E "$field: *[0-9]+" "${IV2_LOG[$name]}" | tail -n 1 | grep -o -E '[0-9]+$'
}

# iv2_xstat NAME NAME_OF_XSTAT: value from a fresh 'show port xstats 0'.
iv2_xstat() {
	local name=$1 x=$2 before
	before=$(grep -a -c -E "^$x: " "${IV2_LOG[$name]}")
	iv2_cmd "$name" "show port xstats 0"
	iv2_wait "$name" "^$x: " $((before + 1)) 10
	grep -a -E "^$x: [0-9]+" "${IV2_LOG[$name]}" | tail -n 1 | grep -o -E '[0-9]+$'
}

# iv2_link NAME: "up" or "down" from 'show port info 0'.
iv2_link() {
	local name=$1 before
	before=$(grep -a -c -E 'Link status: ' "${IV2_LOG[$name]}")
	iv2_cmd "$name" "show port info 0"
	iv2_wait "$name" 'Link status: ' $((before + 1)) 10
	grep -a -o -E 'Link status: [a-z]+' "${IV2_LOG[$name]}" | tail -n 1 | awk '{print $3}'
}

# iv2_mbufs_in_use NAME: objects of mb_pool_0 not in the pool or its caches.
iv2_mbufs_in_use() {
	local name=$1 before
	before=$(grep -a -c -E 'common_pool_count=' "${IV2_LOG[$name]}")
	iv2_cmd "$name" "dump_mempool mb_pool_0"
	iv2_wait "$name" 'common_pool_count=' $((before + 1)) 10
	awk '/^mempool <mb_pool_0>/ {s=""; c=""; p=""} /^  size=/ {split($1,a,"="); s=a[2]}
	     /total_cache_count=/ {split($1,a,"="); c=a[2]} /common_pool_count=/ {split($1,a,"="); p=a[2]}
	     END {print s - c - p}' "${IV2_LOG[$name]}"
}

# iv2_quit NAME: graceful exit, bounded; fails if testpmd crashed.
iv2_quit() {
	local name=$1 rc
	iv2_cmd "$name" "quit"
	for _ in $(seq 1 100); do
		kill -0 "${IV2_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "${IV2_PID[$name]}" 2>/dev/null && iv2_fail "$name did not quit"
	wait "${IV2_PID[$name]}"
	rc=$?
	unset "IV2_PID[$name]"
	exec {IV2_FD[$name]}>&-
	[ "$rc" = 0 ] || iv2_fail "$name exited with status $rc"
}

# iv2_kill9 NAME: what a crash looks like to the peer.
iv2_kill9() {
	local name=$1
	kill -9 "${IV2_PID[$name]}"
	wait "${IV2_PID[$name]}" 2>/dev/null
	unset "IV2_PID[$name]"
	exec {IV2_FD[$name]}>&-
	rm -f "$IV2_TMP/$name.in"
}
