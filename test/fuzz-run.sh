#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run one libFuzzer harness for a bounded time (VM2VM_FUZZ_SECONDS, default 20).
# usage: fuzz-run.sh HARNESS [SEED_DIR] [extra libFuzzer flags...]
# The corpus grows in the build tree next to the harness; a crash, leak or
# sanitizer report makes libFuzzer exit 1 (its default, 77, would read as SKIP
# to meson), which fails the test. The corpus a long campaign kept for this
# harness (fuzz_campaign/state/<harness>/corpus, see usertools/vm2vm-fuzz
# --save; VM2VM_FUZZ_KEPT names another state directory) is replayed with the
# seeds, read-only: every input the campaign kept stays a test.
set -euo pipefail
# A sanitizer report must stop the run (UBSan only prints by default).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_odr_violation=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
bin=$1; shift
corpus="$(dirname "$bin")/corpus-$(basename "$bin")"
mkdir -p "$corpus"
seeds=()
if [ $# -gt 0 ] && [ -d "$1" ]; then seeds=("$1"); shift; fi
kept="${VM2VM_FUZZ_KEPT:-$(dirname "$0")/fuzz_campaign/state}/$(basename "$bin")/corpus"
if [ -d "$kept" ]; then seeds+=("$kept"); fi
exec "$bin" -max_total_time="${VM2VM_FUZZ_SECONDS:-20}" -print_final_stats=1 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-rss_limit_mb=2048 -artifact_prefix="$(dirname "$bin")/" "$@" "$corpus" "${seeds[@]}"
