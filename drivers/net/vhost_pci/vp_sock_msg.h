/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * vhost-user socket framing, apart from the control thread so that unit
 * tests and fuzzers can drive it over a socketpair. Plain C: no DPDK.
 */

#ifndef VP_SOCK_MSG_H
#define VP_SOCK_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vhost_msg.h"

/** Close the first @p n of @p fds (negative entries skipped). */
void vp_close_fds(const int *fds, unsigned int n);

/**
 * Receive one message into @p buf. @return bytes (header + the payload the
 * header announces, or just the header when that is too large to be valid),
 * 0 on orderly close, -1 on error, -2 when the peer sent part of a message
 * and stopped (or closed). Fds arrive with the header only; any that
 * come later, or more than we have room for, make the fd count wrong.
 * @p fds has room for VHOST_MSG_MAX_FDS.
 */
ssize_t vp_recv_msg(int fd, uint8_t *buf, size_t cap, int *fds, unsigned int *nfds,
		    bool *fd_overflow);

#endif /* VP_SOCK_MSG_H */
