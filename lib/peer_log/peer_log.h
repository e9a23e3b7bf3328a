/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * A rate limit for the log lines a peer can cause at will (connects,
 * refusals, ring violations, resets): a peer looping malformed sessions must
 * not flood the application's log. Counters elsewhere still count every
 * event; only the lines are limited.
 *
 * Control path only, one limiter per port, used under the port's control
 * lock (no atomics). Plain C without DPDK: the caller gives the time, so the
 * limiter is tested with a fake clock.
 */

#ifndef PEER_LOG_H
#define PEER_LOG_H

#include <stdbool.h>
#include <stdint.h>

#define PEER_LOG_BURST 20       /**< lines per window */
#define PEER_LOG_WINDOW_S 10    /**< window length in seconds */

struct peer_log {
	uint64_t window_end;    /**< in the caller's clock units */
	uint32_t used;          /**< lines allowed in this window */
	uint32_t dropped;       /**< lines suppressed in this window */
};

/**
 * May one more peer-caused line be logged at @p now (in units of which
 * @p hz make a second)? At most PEER_LOG_BURST lines per PEER_LOG_WINDOW_S.
 *
 * @param suppressed
 *   Set to the number of lines suppressed in the window that just ended
 *   when this call opens a new one, else 0: the caller says so in its log
 *   before the line it is now allowed.
 */
bool peer_log_allow(struct peer_log *l, uint64_t now, uint64_t hz, uint32_t *suppressed);

#endif /* PEER_LOG_H */
