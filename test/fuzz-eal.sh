#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A fuzz harness that starts EAL, once EAL is up:
# - still runs on every CPU this script may run on (test/fuzz_eal_affinity.h).
#   EAL pins its caller to the main lcore's one CPU; a harness that let it
#   fails here.
# - has no EAL runtime directory left (DPDK names it after the --file-prefix,
#   which our harnesses end with their pid): libFuzzer
#   ends interrupted runs and findings with _Exit, so a directory still there
#   now stays behind for good.
# usage: fuzz-eal.sh HARNESS
set -euo pipefail
bin=$1
want=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
case $want in
*-*|*,*) ;;
*) echo "SKIP: one CPU ($want) cannot tell a pinned harness from one that is not"; exit 77 ;;
esac
if [ "$(id -u)" = 0 ]; then rundir=/var/run/dpdk; else rundir=${XDG_RUNTIME_DIR:-/tmp}/dpdk; fi
work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/corpus"
"$bin" -max_total_time=120 -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1 &
pid=$!
# libFuzzer prints INITED once LLVMFuzzerInitialize (EAL init) is behind it.
# (EAL's interrupt thread is no sign: EAL starts it before pinning the caller.)
for _ in $(seq 1 600); do
	grep -q INITED "$work/log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.05
done
if ! grep -q INITED "$work/log"; then
	echo "FAIL: $(basename "$bin") never got past its initialisation"; cat "$work/log"; exit 1
fi
got=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/$pid/status 2>/dev/null || true)
left=$(find "$rundir" -maxdepth 1 -name "*$pid" 2>/dev/null || true)
# Looked at: interrupt it (the way a campaign is paused).
kill -INT "$pid" 2>/dev/null || true
wait "$pid" && rc=0 || rc=$?
pid=
fail=0
if [ -z "$got" ]; then
	echo "FAIL: $(basename "$bin") ended before it could be looked at (exit $rc)"
	cat "$work/log"; exit 1
fi
if [ "$got" != "$want" ]; then
	echo "FAIL: $(basename "$bin"), started on CPUs $want, fuzzes on CPU(s) $got once EAL is up"
	fail=1
fi
if [ -n "$left" ]; then
	echo "FAIL: $(basename "$bin") keeps its EAL runtime directory while it fuzzes: $left"
	fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "OK: $(basename "$bin") fuzzes on CPUs $got, as started, with no runtime directory (exit $rc)"
