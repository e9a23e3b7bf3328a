#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
#
# examples/vhost-pci-integrity over a net_vhost_pci ↔ net_virtio_user link in
# one process: sequence-numbered, checksummed frames of 60..9000 bytes both
# ways, every one checked.
# usage: vp-integrity.sh EXAMPLE PACKED(0|1) MRG(0|1) [FRAMES]
set -u
example=$1 packed=$2 mrg=$3 frames=${4:-20000}
. "$(dirname "$0")/vp-lib.sh"
vp_skip_unless_ready
[ -x "$example" ] || vp_fail "no example at $example"

sock="$VP_TMP/vp.sock"
prefix="vp$$int"
VP_PREFIXES+=("$prefix")
max=9000
# without mergeable buffers a frame must fit one front-end buffer (an mbuf)
[ "$mrg" = 0 ] && max=2000
timeout -s INT -k 5 60 "$example" --lcores '0@1' --no-pci --file-prefix="$prefix" -m 256 \
	--single-file-segments \
	--vdev "net_vhost_pci0,iface=$sock" \
	--vdev "net_virtio_user0,path=$sock,packed_vq=$packed,mrg_rxbuf=$mrg" \
	-- --frames "$frames" --min-len 60 --max-len "$max" --timeout 40 > "$VP_TMP/int.log" 2>&1
rc=$?
grep -E "port|frames|PASS|FAIL" "$VP_TMP/int.log" | grep -v "^EAL"
[ $rc = 0 ] || { tail -20 "$VP_TMP/int.log"; vp_fail "integrity check failed (rc $rc)"; }
grep -q "^PASS" "$VP_TMP/int.log" || vp_fail "no PASS line"
echo PASS
