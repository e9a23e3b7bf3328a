/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Log lines a front-end can cause (connects, refusals, violations) are
 * rate-limited per port: a front-end looping malformed sessions must not
 * flood the application's log. Counters still count every event.
 */

#ifndef VP_PEER_LOG_H
#define VP_PEER_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "peer_log.h"

/** Control path: may port @p port log one more front-end line now? */
bool vp_peer_log_allow(struct peer_log *l, uint16_t port);

/** VP_LOG for lines the front-end can trigger at will. */
#define VP_PEER_LOG(in, level, fmt, ...) do { \
	if (vp_peer_log_allow(&(in)->peer_log, (in)->port_id)) \
		VP_LOG(level, fmt, ##__VA_ARGS__); \
} while (0)

#endif /* VP_PEER_LOG_H */
