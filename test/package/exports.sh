#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Each PMD shared object exports nothing but its version node (and rte_pmd_*
# API, should one appear): otherwise two PMDs in one process bind to each
# other's copies of lib/pring and lib/vhost_msg.
# usage: exports.sh PMD.so...
set -u
status=0
for so in "$@"; do
	[ -f "$so" ] || { echo "FAIL: $so not built"; exit 1; }
	syms=$(nm -D --defined-only "$so" | awk '{print $NF}' | grep -v -x -E 'VM2VM_PMD|rte_pmd_[a-z0-9_]+')
	n=$(nm -D --defined-only "$so" | wc -l)
	if [ -n "$syms" ]; then
		echo "FAIL: $(basename "$so") exports $(wc -l <<< "$syms") symbols it should not:"
		head -n 20 <<< "$syms"
		status=1
	else
		echo "$(basename "$so"): $n defined dynamic symbol(s), none but the version node/rte_pmd_*"
	fi
done
[ $status = 0 ] && echo PASS
exit $status
