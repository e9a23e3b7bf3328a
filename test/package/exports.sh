#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# Each PMD shared object exports nothing but its version node and its public
# rte_pmd_* API (net_ivshmem2: rte_pmd_ivshmem2_tx_pool_get, which must be
# there): otherwise two PMDs in one process bind to each other's copies of
# lib/pring and lib/vhost_msg.
# usage: exports.sh PMD.so...
set -u
status=0
for so in "$@"; do
	[ -f "$so" ] || { echo "FAIL: $so not built"; exit 1; }
	# Versioned names print as name@@VM2VM_PMD: judge the name.
	all=$(nm -D --defined-only "$so" | awk '{print $NF}' | sed 's/@.*//')
	syms=$(grep -v -x -E 'VM2VM_PMD|rte_pmd_[a-z0-9_]+' <<< "$all")
	n=$(wc -l <<< "$all")
	if [ -n "$syms" ]; then
		echo "FAIL: $(basename "$so") exports $(wc -l <<< "$syms") symbols it should not:"
		head -n 20 <<< "$syms"
		status=1
	elif [ "$(basename "$so")" = librte_net_ivshmem2.so ] &&
	     ! grep -q -x rte_pmd_ivshmem2_tx_pool_get <<< "$all"; then
		# The public API (rte_pmd_ivshmem2.h) must stay reachable with dlsym().
		echo "FAIL: $(basename "$so") does not export rte_pmd_ivshmem2_tx_pool_get"
		status=1
	else
		echo "$(basename "$so"): $n defined dynamic symbol(s), none but the version node/rte_pmd_*"
	fi
done
[ $status = 0 ] && echo PASS
exit $status
