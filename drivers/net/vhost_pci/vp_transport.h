/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * What the ethdev asks of the transport that carries a port's vhost-user
 * session (the unix socket, vp_socket.c; the virtio-vhost-user device,
 * vp_vvu_*.c), and the one way back: a transport reports link changes
 * through the callback the ethdev registered when it created the port.
 * Neither side calls the other's functions by name.
 */

#ifndef VP_TRANSPORT_H
#define VP_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

struct vp_internals;

struct vp_transport_ops {
	const char *name;
	/** The port is closing: stop the control thread, drop the front-end, release the device. */
	void (*close)(struct vp_internals *in);
	/** A front-end is attached (socket connected, MASTER_UP seen). */
	bool (*frontend_present)(const struct vp_internals *in);
	/** Where [uaddr, uaddr + len) of front-end memory is mapped here, or NULL. */
	void *(*uva)(const struct vp_internals *in, uint64_t uaddr, uint64_t len);
	/** The doorbell that signals vring @p vring's calls, or NULL: calls go to its call fd. */
	volatile uint16_t *(*call_doorbell)(const struct vp_internals *in, uint16_t vring);
};

/** Link-change callback type: the transport changed what the link state depends on. */
typedef void (*vp_link_changed_cb)(struct vp_internals *in);

#endif /* VP_TRANSPORT_H */
