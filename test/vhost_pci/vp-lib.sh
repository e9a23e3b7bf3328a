# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Helpers for the net_vhost_pci integration tests: start our PMD in the
# distribution's dpdk-testpmd (loaded with -d) and DPDK's net_virtio_user in a
# second one, pinned, bounded, cleaned up on exit.
# Needs: VP_SO (our .so), root, hugepages.

TESTPMD=${TESTPMD:-/usr/bin/dpdk-testpmd}
VP_SO=${VP_SO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/drivers/librte_net_vhost_pci.so}
VP_TMP=$(mktemp -d /tmp/vp-test.XXXXXX)
VP_PIDS=()
VP_PREFIXES=()

vp_fail() { echo "FAIL: $*" >&2; exit 1; }

vp_cleanup() {
	local p i alive=()
	for p in "${VP_PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null && alive+=("$p")
	done
	# up to 0.5 s to quit on SIGINT (a test that waited for its testpmds waits no more)
	for i in 1 2 3 4 5; do
		[ ${#alive[@]} -gt 0 ] || break
		sleep 0.1
		for p in "${!alive[@]}"; do
			kill -0 "${alive[$p]}" 2>/dev/null || unset "alive[$p]"
		done
	done
	for p in "${alive[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${VP_PREFIXES[@]}"; do
		rm -rf "/dev/hugepages/${p}"* "/var/run/dpdk/${p}"
	done
	[ -n "${VP_KEEP:-}" ] || rm -rf "$VP_TMP"
}
trap vp_cleanup EXIT

vp_skip_unless_ready() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	[ -x "$TESTPMD" ] || { echo "SKIP: no $TESTPMD"; exit 77; }
	[ -f "$VP_SO" ] || vp_fail "no PMD at $VP_SO"
	grep -q hugetlbfs /proc/mounts || { echo "SKIP: no hugetlbfs"; exit 77; }
}

# vp_start NAME SECONDS LCORES VDEV EAL_EXTRA -- TESTPMD_ARGS...: background testpmd, log in
# $VP_TMP/NAME.log, stdin from $VP_STDIN (default /dev/null)
vp_start() {
	local name=$1 secs=$2 lcores=$3 vdev=$4 extra=$5
	shift 5
	[ "$1" = "--" ] && shift
	local prefix="vp$$${name}"
	VP_PREFIXES+=("$prefix")
	# line-buffered, so interactive answers reach the log while testpmd runs
	# shellcheck disable=SC2086
	timeout -s INT -k 5 "$secs" stdbuf -oL "$TESTPMD" --lcores "$lcores" --no-pci --file-prefix="$prefix" \
		-m 256 $extra --vdev "$vdev" -- --nb-cores=1 --no-mlockall "$@" \
		< "${VP_STDIN:-/dev/null}" > "$VP_TMP/$name.log" 2>&1 &
	local pid=$!
	VP_PIDS+=("$pid")
	eval "VP_PID_${name}=$pid"
}

vp_ours() { # NAME SECONDS DEVARGS -- testpmd args
	local name=$1 secs=$2 devargs=$3
	shift 3
	vp_start "$name" "$secs" '0@1,1@0' "net_vhost_pci0,$devargs" "-d $VP_SO" "$@"
}

vp_peer() { # NAME SECONDS DEVARGS -- testpmd args
	local name=$1 secs=$2 devargs=$3
	shift 3
	vp_start "$name" "$secs" '0@0,1@1' "net_virtio_user0,$devargs" "--single-file-segments" "$@"
}

# The testpmd under a vp_start'ed timeout.
vp_child() { pgrep -P "$1" | head -1; }

# Wait until FILE exists (socket) or SECONDS pass.
vp_wait_file() {
	local i
	for i in $(seq 1 $(( $2 * 10 ))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# Wait until PATTERN (grep -E) has appeared COUNT times in LOG, for up to
# SECONDS; status 1 on timeout, or at once when PID (the testpmd writing LOG)
# has exited.
vp_wait_log() { # LOG PATTERN COUNT SECONDS PID
	local n end=$((SECONDS + $4))
	while n=$(grep -a -c -E "$2" "$1" 2>/dev/null); [ "${n:-0}" -lt "$3" ]; do
		kill -0 "$5" 2>/dev/null || return 1
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# testpmd's line for a 'start' of forwarding
VP_FWD_STARTED='packet forwarding - ports='

# Wait for a process to exit; status in $?
vp_wait() { wait "$1"; }

# Accumulated RX-packets / TX-packets from a testpmd log.
vp_acc() { # LOG RX|TX
	awk -v k="$2-packets:" '/Accumulated forward statistics/ {f=1} f && $1 == k {print $2; exit}' "$1"
}

# RX-packets of the forwarding stream that receives on queue Q.
vp_queue_rx() { # LOG Q
	awk -v q="Queue= $2 ->" 'index($0, "Forward Stats for RX Port= 0/" q) {f=1; next} f && $1 == "RX-packets:" {print $2; exit}' "$1"
}

# Mbufs free in testpmd's pool mb_pool_0 (ring plus lcore caches), from a
# dump_mempool that the caller asked for on fd 3; reads the last dump in LOG.
vp_pool_free() { # LOG
	awk '/^mempool </ {p = index($0, "<mb_pool_0>") > 0; if (p) {c = ""; r = ""}}
	     p && /total_cache_count=/ {split($1, a, "="); c = a[2]}
	     p && /common_pool_count=/ {split($1, a, "="); r = a[2]}
	     END {if (c != "" && r != "") print c + r}' "$1"
}

# Ask the interactive testpmd on fd 3 for its pool and print the free count
# from the new dump (asks again, up to 10 s, while testpmd is still starting).
vp_pool_query() { # LOG
	local i n before
	before=$(grep -c '^mempool <mb_pool_0>' "$1")
	for i in $(seq 1 10); do
		echo "dump_mempool" >&3
		sleep 1
		n=$(grep -c '^mempool <mb_pool_0>' "$1")
		if [ "$n" -gt "$before" ]; then
			sleep 0.2 # the rest of the dump
			vp_pool_free "$1"
			return
		fi
	done
}
