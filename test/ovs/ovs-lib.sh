# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Helpers for the OVS-DPDK tests: private OVS instances (own database, run
# directory, log and EAL file-prefix under the test's temporary directory,
# optionally in a network namespace), interactive dpdk-testpmd peers fed
# through FIFOs, bounded waits, and a clean-up that removes every process,
# namespace, veth, hugepage file and EAL runtime directory the test made
# (and nothing else: all carry the test's tag).
#
# usage: source ovs-lib.sh; ovs_init BUILD_DIR

TESTPMD=${TESTPMD:-/usr/bin/dpdk-testpmd}
OVS_VSWITCHD=${OVS_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
declare -A TP_PID TP_FD TP_LOG OVS_DIR OVS_NS
T_NETNS=()
T_LINKS=()

t_fail() {
	local n
	echo "FAIL: $*" >&2
	for n in "${!TP_LOG[@]}"; do
		echo "---- last lines of testpmd $n" >&2
		tail -n 15 "${TP_LOG[$n]}" >&2
	done
	for n in "${!OVS_DIR[@]}"; do
		echo "---- last lines of ovs-vswitchd $n" >&2
		grep -v -E '\|(INFO|DBG)\|' "${OVS_DIR[$n]}/vswitchd.log" 2>/dev/null | tail -n 15 >&2
		tail -n 10 "${OVS_DIR[$n]}/vswitchd.log" >&2
	done
	exit 1
}

t_skip() {
	echo "SKIP: $*"
	exit 77
}

# t_in NAME CMD...: CMD in OVS instance NAME's namespace (if it has one).
t_in() {
	local ns=${OVS_NS[$1]:-}
	shift
	if [ -n "$ns" ]; then ip netns exec "$ns" "$@"; else "$@"; fi
}

t_cleanup() {
	local n pid ns l
	for n in "${!TP_PID[@]}"; do
		kill -9 "${TP_PID[$n]}" 2>/dev/null
	done
	for n in "${!OVS_DIR[@]}"; do
		t_in "$n" ovs-appctl -t "${OVS_DIR[$n]}/vswitchd.ctl" --timeout=5 exit >/dev/null 2>&1
		t_in "$n" ovs-appctl -t "${OVS_DIR[$n]}/ovsdb.ctl" --timeout=5 exit >/dev/null 2>&1
		for pid in "${OVS_DIR[$n]}"/*.pid; do
			[ -f "$pid" ] && kill -9 "$(cat "$pid" 2>/dev/null)" 2>/dev/null
		done
	done
	wait 2>/dev/null
	for l in "${T_LINKS[@]}"; do
		ip link del "$l" 2>/dev/null
	done
	for ns in "${T_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${T_TAG:-}" ]; then
		rm -rf /var/run/dpdk/"$T_TAG"* /dev/hugepages/"$T_TAG"*
	fi
	[ -n "${T_TMP:-}" ] && [ -z "${T_KEEP:-}" ] && rm -rf "$T_TMP"
	return 0
}

# t_init BUILD_DIR: prerequisites of the testpmd peers (or skip), tag,
# temporary directory, clean-up trap.
t_init() {
	local build
	build=$(cd "$1" && pwd)
	IV2_SO=$build/drivers/librte_net_ivshmem2.so
	VP_SO=$build/drivers/librte_net_vhost_pci.so
	[ "$(id -u)" = 0 ] || t_skip "needs root"
	[ -x "$TESTPMD" ] || t_skip "no $TESTPMD"
	[ -f "$IV2_SO" ] && [ -f "$VP_SO" ] || t_fail "PMDs not built in $build/drivers"
	grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts || t_skip "no hugetlbfs on /dev/hugepages"
	[ "$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)" -ge 256 ] ||
		t_skip "fewer than 256 free hugepages"
	T_TAG=vmovs$$
	T_TMP=$(mktemp -d /tmp/vm2vm-ovs.XXXXXX)
	trap t_cleanup EXIT
}

# ovs_init BUILD_DIR: t_init, and OVS-DPDK is installed.
ovs_init() {
	[ -x "$OVS_VSWITCHD" ] || t_skip "no $OVS_VSWITCHD (apt-get install openvswitch-switch-dpdk)"
	t_init "$1"
}

# ovs_start NAME PMD_CPU [NETNS]: a private OVS-DPDK with both our PMDs
# loaded (-d), one PMD thread pinned on PMD_CPU, its main lcore on the
# other CPU. Nothing of the system's OVS (database, run dir, log) is used.
ovs_start() {
	local name=$1 cpu=$2 ns=${3:-} d main
	d=$T_TMP/ovs-$name
	mkdir -p "$d"
	OVS_DIR[$name]=$d
	OVS_NS[$name]=$ns
	main=$(( cpu == 0 ? 1 : 0 ))
	ovsdb-tool create "$d/conf.db" "$OVS_SCHEMA" || t_fail "ovsdb-tool create"
	t_in "$name" env OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" \
		ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$d/ovsdb.pid" \
		--unixctl="$d/ovsdb.ctl" --detach --log-file="$d/ovsdb.log" -vconsole:off 2>>"$d/console.log" ||
		t_fail "$name: ovsdb-server did not start"
	ovs_vsctl "$name" --no-wait init
	ovs_vsctl "$name" --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-lcore-mask="$(printf '0x%x' $((1 << main)))" \
		other_config:pmd-cpu-mask="$(printf '0x%x' $((1 << cpu)))" \
		other_config:dpdk-socket-mem=256 other_config:dpdk-socket-limit=256 \
		"other_config:dpdk-extra=--no-pci --file-prefix=$T_TAG-$name -d $IV2_SO -d $VP_SO"
	# OVS_RUNDIR: bridge management sockets go here, not to /var/run/openvswitch.
	t_in "$name" env OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" \
		timeout 60 "$OVS_VSWITCHD" "unix:$d/db.sock" --pidfile="$d/vswitchd.pid" \
		--unixctl="$d/vswitchd.ctl" --detach --log-file="$d/vswitchd.log" -vconsole:off 2>>"$d/console.log" ||
		t_fail "$name: ovs-vswitchd did not start"
	grep -q -- '--in-memory' "$d/vswitchd.log" || t_fail "$name: OVS did not add --in-memory to EAL"
}

ovs_vsctl() {
	local name=$1
	shift
	t_in "$name" ovs-vsctl --db="unix:${OVS_DIR[$name]}/db.sock" --timeout=30 "$@"
}

ovs_appctl() {
	local name=$1
	shift
	t_in "$name" ovs-appctl -t "${OVS_DIR[$name]}/vswitchd.ctl" --timeout=30 "$@"
}

ovs_ofctl() {
	local name=$1
	shift
	t_in "$name" env OVS_RUNDIR="${OVS_DIR[$name]}" ovs-ofctl --timeout=30 "$@"
}

ovs_pid() { cat "${OVS_DIR[$1]}/vswitchd.pid"; }

# ovs_iface NAME IFACE COLUMN[:KEY]: one value of the Interface record, unquoted.
ovs_iface() {
	ovs_vsctl "$1" get Interface "$2" "$3" | tr -d '"'
}

# ovs_wait_stat NAME IFACE KEY MIN SECONDS: OVS refreshes the statistics
# column every 5 s (stats-update-interval's minimum); prints the value.
ovs_wait_stat() {
	local end=$((SECONDS + $5)) v
	while :; do
		v=$(ovs_iface "$1" "$2" "statistics:$3" 2>/dev/null)
		[ "${v:-0}" -ge "$4" ] && break
		[ "$SECONDS" -lt "$end" ] || break
		sleep 1
	done
	echo "${v:-0}"
	[ "${v:-0}" -ge "$4" ]
}

# ovs_wait_link NAME IFACE up|down SECONDS
ovs_wait_link() {
	local end=$((SECONDS + $4))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(ovs_iface "$1" "$2" link_state 2>/dev/null)" = "$3" ] && return 0
		sleep 0.5
	done
	t_fail "$1: $2 link not $3 after $4 s"
}

# ovs_check_port NAME IFACE: the port exists with no error.
ovs_check_port() {
	local err
	err=$(ovs_vsctl "$1" get Interface "$2" error)
	[ "$err" = "[]" ] || t_fail "$1: $2: $err"
	[ "$(ovs_iface "$1" "$2" ofport)" -gt 0 ] || t_fail "$1: $2 has no OpenFlow port"
}

# tp_start NAME LCORES [EAL args...] -- [testpmd args...]: interactive testpmd.
tp_start() {
	local name=$1 lcores=$2 eal=() fd
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do eal+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	rm -f "$T_TMP/$name.in"
	mkfifo "$T_TMP/$name.in"
	TP_LOG[$name]=$T_TMP/tp-$name.log
	stdbuf -oL -eL "$TESTPMD" --lcores "$lcores" --no-pci --file-prefix "$T_TAG-tp-$name" \
		-m 128 "${eal[@]}" -- -i --total-num-mbufs=4096 --no-mlockall \
		--disable-link-check "$@" < "$T_TMP/$name.in" >> "${TP_LOG[$name]}" 2>&1 &
	TP_PID[$name]=$!
	exec {fd}> "$T_TMP/$name.in"
	TP_FD[$name]=$fd
	t_wait_log "$name" 'testpmd> ' 1 30
}

tp_cmd() {
	echo "$2" >&"${TP_FD[$1]}" || t_fail "testpmd $1 is gone (command '$2')"
}

# t_wait_log NAME REGEX COUNT SECONDS: REGEX matched COUNT lines of testpmd NAME's log.
t_wait_log() {
	local name=$1 re=$2 count=$3 end=$((SECONDS + $4))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(grep -a -c -E "$re" "${TP_LOG[$name]}")" -ge "$count" ] && return 0
		kill -0 "${TP_PID[$name]}" 2>/dev/null || t_fail "testpmd $name exited waiting for '$re'"
		sleep 0.2
	done
	t_fail "testpmd $name: '$re' not seen $count times in $4 s"
}

# tp_stat NAME PORT RX|TX: packets from a fresh 'show port stats PORT'.
tp_stat() {
	local name=$1 port=$2 dir=$3 before
	before=$(grep -a -c "NIC statistics for port $port " "${TP_LOG[$name]}")
	tp_cmd "$name" "show port stats $port"
	t_wait_log "$name" "NIC statistics for port $port " $((before + 1)) 10
	sleep 0.3 # the rest of the block
	awk -v p="NIC statistics for port $port " -v k="$dir-packets:" \
		'index($0, p) {f=1; v=""} f && $1 == k {v=$2; f=0} END {print v}' "${TP_LOG[$name]}"
}

# tp_wait_link NAME PORT SECONDS: 'show port info PORT' reports the link up.
# Traffic started before both ends are up is dropped (counted as TX errors),
# and a tx_first burst lost that way never comes back.
tp_wait_link() {
	local name=$1 port=$2 end=$((SECONDS + $3)) before st
	while [ "$SECONDS" -lt "$end" ]; do
		before=$(grep -a -c "Infos for port $port " "${TP_LOG[$name]}")
		tp_cmd "$name" "show port info $port"
		t_wait_log "$name" "Infos for port $port " $((before + 1)) 10
		sleep 0.3 # the rest of the block
		st=$(awk -v p="Infos for port $port " 'index($0, p) {f=1; v=""} f && /^Link status:/ {v=$3; f=0} END {print v}' "${TP_LOG[$name]}")
		[ "$st" = up ] && return 0
		sleep 0.5
	done
	t_fail "testpmd $name: port $port link not up after $3 s"
}

# tp_kill9 NAME: what a crash looks like to OVS.
tp_kill9() {
	local name=$1
	kill -9 "${TP_PID[$name]}" 2>/dev/null
	wait "${TP_PID[$name]}" 2>/dev/null
	unset "TP_PID[$name]"
	exec {TP_FD[$name]}>&-
	rm -rf /var/run/dpdk/"$T_TAG-tp-$name"
}

# tp_quit NAME: graceful, bounded.
tp_quit() {
	local name=$1 i
	tp_cmd "$name" quit
	for i in $(seq 1 50); do
		kill -0 "${TP_PID[$name]}" 2>/dev/null || break
		sleep 0.2
	done
	tp_kill9 "$name"
}

# t_grow NAME PORT RX|TX MIN SECONDS: wait until the counter reached MIN.
t_grow() {
	local end=$((SECONDS + $5)) v
	while [ "$SECONDS" -lt "$end" ]; do
		v=$(tp_stat "$1" "$2" "$3")
		[ "${v:-0}" -ge "$4" ] && { echo "$v"; return 0; }
		sleep 1
	done
	echo "${v:-0}"
	return 1
}
