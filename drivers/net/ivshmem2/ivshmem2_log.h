/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

#ifndef IVSHMEM2_LOG_H
#define IVSHMEM2_LOG_H

#include <rte_log.h>

extern int ivshmem2_logtype;
#define IV2_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ivshmem2_logtype, "%s(): " fmt "\n", __func__, ##__VA_ARGS__)

#endif /* IVSHMEM2_LOG_H */
