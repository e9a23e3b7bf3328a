#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# One hostile-front-end attack (vp_attack ATTACK) against net_vhost_pci in
# dpdk-testpmd; afterwards testpmd must be alive, a well-formed front-end
# must pass a packet on the same port without restarting anything, and the
# port's xstats must show what the attack did (XSTAT>=MIN, XSTAT<=MAX; the
# name 'log' stands for the number of lines testpmd logged).
# usage: vp-attack.sh ATTACK_BIN BAD_CLIENT_BIN ATTACK [XSTAT>=MIN|XSTAT<=MAX...]
set -u
attack=$1 client=$2 case=$3
shift 3
. "$(dirname "$0")/vp-lib.sh"
vp_skip_unless_ready

sock="$VP_TMP/vp.sock"
fifo="$VP_TMP/cmd"
mkfifo "$fifo"
exec 3<> "$fifo" # held open read-write so opening it below does not block
mode=rxonly
case $case in mem_swap_tx) mode=txonly ;; esac # attacks on our tx need us sending
VP_STDIN=$fifo vp_ours ours 60 "iface=$sock" -- -i --forward-mode=$mode --total-num-mbufs=4096
vp_wait_file "$sock" 15 || vp_fail "our socket never appeared"
pid=$VP_PID_ours
echo "start" >&3
vp_wait_log "$VP_TMP/ours.log" "$VP_FWD_STARTED" 1 15 "$pid" || vp_fail "forwarding did not start"

rc=0
"$attack" "$sock" "$pid" "$case" || rc=1
if [ $mode != rxonly ]; then # the good front-end needs us receiving
	printf 'stop\nset fwd rxonly\nstart\n' >&3
	vp_wait_log "$VP_TMP/ours.log" "$VP_FWD_STARTED" 2 15 "$pid" || { rc=1; echo "FAIL: forwarding did not restart"; }
fi
"$client" "$sock" "$pid" good || { rc=1; echo "FAIL: a valid front-end was refused after $case"; }
# testpmd runs its commands in order: the xstats are printed before it quits
echo "show port xstats 0" >&3
echo "quit" >&3
exec 3>&-
# bounded: a wedged testpmd is killed by vp_start's timeout
wait "$pid"
st=$?
VP_PIDS=()
[ "$st" = 0 ] || { rc=1; echo "FAIL: testpmd did not quit cleanly (status $st)"; }
grep -q "Segmentation\|Aborted\|Bus error" "$VP_TMP/ours.log" && { rc=1; echo "FAIL: testpmd crashed"; }
for want in "$@"; do
	case $want in
	*'>='*) name=${want%>=*} op=-ge lim=${want#*>=} ;;
	*) name=${want%<=*} op=-le lim=${want#*<=} ;;
	esac
	if [ "$name" = log ]; then # lines in testpmd's log, ours included
		n=$(wc -l < "$VP_TMP/ours.log")
	else
		n=$(awk -v k="$name:" '$1 == k {print $2}' "$VP_TMP/ours.log")
	fi
	echo "$name: ${n:-missing} (want $want)"
	[ -n "$n" ] && [ "$n" "$op" "$lim" ] || { rc=1; echo "FAIL: $name"; }
done
[ $rc = 0 ] && echo PASS
exit $rc
