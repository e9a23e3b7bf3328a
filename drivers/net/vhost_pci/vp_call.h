/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Used-buffer notifications through the front-end's call eventfd, in a way
 * the front-end cannot turn into a blocking write (see vp_call.c).
 */

#ifndef VP_CALL_H
#define VP_CALL_H

#include <stdbool.h>

/** Per queue: the kernel AIO context that signals the call eventfd. */
struct vp_call {
	unsigned long aio; /**< aio_context_t; 0 = none (fall back to a guarded write) */
};

/** True when @p fd is an eventfd: the only kind of kick/call/err fd we accept. */
bool vp_fd_is_eventfd(int fd);

/** Control path: set up @p c. @return 0, or -1 (signalling then falls back, see vp_call.c). */
int vp_call_open(struct vp_call *c);
/** Control path: release @p c. */
void vp_call_close(struct vp_call *c);

/** Datapath: add 1 to eventfd @p efd without ever blocking. @return true when signalled. */
bool vp_call_signal(struct vp_call *c, int efd);

#endif /* VP_CALL_H */
