/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Per-port rate limit for log lines a front-end can cause (see vp_peer_log.h). */

#include <rte_cycles.h>

#include "vp_internal.h"

bool
vp_peer_log_allow(struct peer_log *l, uint16_t port)
{
	uint32_t suppressed;
	bool ok = peer_log_allow(l, rte_get_timer_cycles(), rte_get_timer_hz(), &suppressed);

	if (suppressed)
		VP_LOG(WARNING, "port %u: %u more front-end log lines suppressed in %d s",
		       port, suppressed, PEER_LOG_WINDOW_S);
	return ok;
}
