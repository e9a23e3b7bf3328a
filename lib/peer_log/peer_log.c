/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Per-port rate limit for peer-caused log lines (see peer_log.h). */

#include "peer_log.h"

bool
peer_log_allow(struct peer_log *l, uint64_t now, uint64_t hz, uint32_t *suppressed)
{
	*suppressed = 0;
	if (now >= l->window_end) {
		*suppressed = l->dropped;
		l->window_end = now + hz * PEER_LOG_WINDOW_S;
		l->used = 0;
		l->dropped = 0;
	}
	if (l->used < PEER_LOG_BURST) {
		l->used++;
		return true;
	}
	l->dropped++;
	return false;
}
