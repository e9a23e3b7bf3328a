/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Per-port rate limit for log lines a front-end can cause (see vp_peer_log.h). */

#include <rte_cycles.h>

#include "vp_internal.h"

bool
vp_peer_log_allow(struct vp_peer_log *l, uint16_t port)
{
	uint64_t now = rte_get_timer_cycles();

	if (now >= l->window_end) {
		if (l->dropped)
			VP_LOG(WARNING, "port %u: %u more front-end log lines suppressed in %d s",
			       port, l->dropped, VP_PEER_LOG_WINDOW_S);
		l->window_end = now + rte_get_timer_hz() * VP_PEER_LOG_WINDOW_S;
		l->used = 0;
		l->dropped = 0;
	}
	if (l->used < VP_PEER_LOG_BURST) {
		l->used++;
		return true;
	}
	l->dropped++;
	return false;
}
