#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# A process that holds the link file's set-up lock (byte 0) and never lets
# go must not hang dpdk-testpmd: probe fails within a bounded time with a
# clear error, close finishes (leaving the file), and once the lock is free
# two peers link up on the same file.
# usage: setup-lock.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
iv2_init "$1"

holder_pid=
hold() { # a POSIX record lock on byte 0 conflicts with the PMD's OFD lock
	# The log is truncated by the background child, maybe after the wait below
	# looks: an earlier holder's "held" must not be read as this one's.
	rm -f "$IV2_TMP/holder.log"
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, 0)
print("held", flush=True)
time.sleep(60)' "$IV2_SHM" > "$IV2_TMP/holder.log" 2>&1 &
	holder_pid=$!
	IV2_PID[holder]=$holder_pid # killed by the cleanup if we fail
	for _ in $(seq 1 50); do grep -q held "$IV2_TMP/holder.log" && return; sleep 0.1; done
	iv2_fail "the lock holder did not start"
}
release() { kill "$holder_pid"; wait "$holder_pid" 2>/dev/null; unset "IV2_PID[holder]"; }

# 1. probe while the lock is held: a bounded wait and a clear error
hold
iv2_start p0 '0@1,1@0' "id=0" --forward-mode=rxonly --nb-cores=1
iv2_wait p0 'set-up lock .* held by another process' 1 15
echo "probe gave up: $(grep -a -m1 'set-up lock' "${IV2_LOG[p0]}")"
iv2_kill9 p0
release
rm -f "$IV2_SHM"

# 2. with the lock free, two peers link up
iv2_start p0 '0@1,1@0' "id=0" --forward-mode=rxonly --nb-cores=1
iv2_start p1 '0@0,1@1' "id=1" --forward-mode=txonly --nb-cores=1
iv2_wait p0 'testpmd> ' 1 20
iv2_wait p1 'testpmd> ' 1 20
for _ in $(seq 1 50); do [ "$(iv2_link p0)" = up ] && break; sleep 0.2; done
[ "$(iv2_link p0)" = up ] || iv2_fail "link did not come up once the lock was free"

# 3. close while the lock is held: bounded, the file stays
iv2_quit p1
hold
start=$SECONDS
iv2_quit p0
echo "close took $((SECONDS - start)) s with the lock held"
grep -a -q 'set-up lock not available' "${IV2_LOG[p0]}" || iv2_fail "close did not report the held lock"
release
echo "PASS: set-up lock"
