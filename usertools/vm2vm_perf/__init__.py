# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vm2vm authors
"""vm2vm-perf: side-by-side throughput and latency comparisons of vm2vm's
PMDs and switch against DPDK's memif and vhost PMDs, testpmd and OVS-DPDK."""
