/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */
#ifndef PING_PONG_STATS_H
#define PING_PONG_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Value at quantile q (0..1) of n sorted samples, nearest rank. */
uint64_t pp_quantile(const uint64_t *sorted, size_t n, double q);

/* Sorts the samples in place. */
void pp_sort(uint64_t *v, size_t n);

#endif
