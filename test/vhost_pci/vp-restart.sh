#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# The front-end is killed (SIGKILL) and restarted: our link must go down and
# up again, traffic must resume, and nothing of the dead front-end may stay
# behind in our process (no mapping of its hugepage file, no extra fd, no
# mbuf: our testpmd's pool must be back to its free count from before the
# first front-end). We forward io, so both our rx and tx paths hold mbufs.
# usage: vp-restart.sh server|client PACKED(0|1)
#   server: we listen, virtio-user connects; client: virtio-user listens
#   (server=1) and we reconnect to it.
set -u
mode=$1 packed=$2
. "$(dirname "$0")/vp-lib.sh"
vp_skip_unless_ready

sock="$VP_TMP/vp.sock"
ours_args="iface=$sock"
peer_args="path=$sock,packed_vq=$packed"
if [ "$mode" = client ]; then
	ours_args+=",client=1"
	peer_args+=",server=1"
fi
fds() { ls "/proc/$1/fd" | wc -l; }
peer_maps() { grep -c "$1" "/proc/$2/maps"; }

fifo="$VP_TMP/cmd"
mkfifo "$fifo"
exec 3<> "$fifo" # held open read-write so opening it below does not block
rx_now() {
	echo "show port stats 0" >&3
	sleep 0.5
	awk '$1 == "RX-packets:" {n=$2} END {print n+0}' "$VP_TMP/ours.log"
}
# Wait up to 10 s for our port's last link event to be "down" once a front-end
# has gone (its set-up may toggle the link, so counting events would not do).
# The port reports it after the session's memory, fds and mbufs are released.
link_went_down() {
	local i
	for i in $(seq 1 100); do
		[ "$(grep -a -o -E 'port 0: link (up|down)' "$VP_TMP/ours.log" | tail -1)" = "port 0: link down" ] &&
			return 0
		sleep 0.1
	done
	return 1
}
# interactive, so the pool can be asked for (dump_mempool)
VP_STDIN=$fifo vp_ours ours 40 "$ours_args" -- -i --forward-mode=io --total-num-mbufs=8192
if [ "$mode" = server ]; then
	vp_wait_file "$sock" 10 || vp_fail "our socket never appeared"
fi
echo "start" >&3
vp_wait_log "$VP_TMP/ours.log" "$VP_FWD_STARTED" 1 20 "$VP_PID_ours" || vp_fail "testpmd did not start forwarding"
pid=$(vp_child "$VP_PID_ours")
[ -n "$pid" ] || vp_fail "testpmd did not start"
base_fds=$(fds "$pid")
base_free=$(vp_pool_query "$VP_TMP/ours.log")
[ -n "$base_free" ] || vp_fail "no pool count from dump_mempool"

vp_peer peerA 30 "$peer_args" -- --forward-mode=txonly --stats-period 1
vp_wait_log "$VP_TMP/ours.log" "link up" 1 15 "$pid" || vp_fail "link did not come up with the first front-end"
sleep 1 # traffic flowing for the pool count below
busy_free=$(vp_pool_query "$VP_TMP/ours.log")
maps_a=$(peer_maps "vp$$peerA" "$pid")
[ "$maps_a" -gt 0 ] || vp_fail "the first front-end's memory was never mapped"
kill -KILL "$(vp_child "$VP_PID_peerA")" "$VP_PID_peerA"
wait "$VP_PID_peerA" 2>/dev/null
link_went_down || vp_fail "link did not go down when the front-end died"
left=$(peer_maps "vp$$peerA" "$pid")
now_fds=$(fds "$pid")
echo "after kill: $left mapping(s) of the dead front-end (had $maps_a), fds $now_fds (baseline $base_fds)"
[ "$left" = 0 ] || vp_fail "mappings of the dead front-end remain"
[ "$now_fds" -le "$base_fds" ] || vp_fail "fds leaked: $now_fds > $base_fds"
kill -0 "$pid" || vp_fail "testpmd died with its front-end"
now_free=$(vp_pool_query "$VP_TMP/ours.log")
echo "mbufs free: $base_free before, ${busy_free:-?} with traffic, $now_free after the kill"
[ "$now_free" = "$base_free" ] || vp_fail "mbufs leaked: $now_free free, baseline $base_free"
rm -rf "/dev/hugepages/vp$$peerA"* "/var/run/dpdk/vp$$peerA"
[ "$mode" = client ] && rm -f "$sock"

rx_before=$(rx_now)
vp_peer peerB 8 "$peer_args" -- --forward-mode=txonly --stats-period 1
wait "$VP_PID_peerB"
link_went_down || vp_fail "link did not go down when the second front-end left"
rx_after=$(rx_now)
ups=$(grep -c "link up" "$VP_TMP/ours.log")
downs=$(grep -c "link down" "$VP_TMP/ours.log")
echo "rx before restart $rx_before, after $rx_after; link up x$ups, down x$downs"
[ "$rx_after" -gt $((rx_before + 10000)) ] || vp_fail "traffic did not resume"
[ "$ups" -ge 2 ] && [ "$downs" -ge 2 ] || vp_fail "link did not follow the front-end"
now_fds=$(fds "$pid")
[ "$now_fds" -le "$base_fds" ] || vp_fail "fds leaked after the second front-end: $now_fds > $base_fds"
now_free=$(vp_pool_query "$VP_TMP/ours.log")
echo "mbufs free after the second front-end left: $now_free (baseline $base_free)"
[ "$now_free" = "$base_free" ] || vp_fail "mbufs leaked after the second front-end: $now_free free, baseline $base_free"
echo "quit" >&3
exec 3>&-
wait "$VP_PID_ours"
VP_PIDS=()
grep -q "Segmentation\|Aborted" "$VP_TMP/ours.log" && vp_fail "testpmd crashed"
echo PASS
