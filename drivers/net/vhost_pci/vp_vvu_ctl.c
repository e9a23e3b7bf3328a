/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * EXPERIMENTAL virtio-vhost-user flavour: the control step between the
 * transport core (vp_vvu.c) and the port (state machine, rings, link), with
 * no PCI access of its own, so that it runs against an in-memory device
 * model in the unit tests. vp_vvu_pci.c calls it every millisecond.
 */

#include <string.h>

#include "vp_internal.h"
#include "vp_vvu.h"

/* vhost_be_ops.map_mem: the regions are placed in BAR 2; the rings translate through in->gpa. */
static int
vp_vvu_map_mem(void *ctx, const struct vhost_mem_table *m, const int *fds)
{
	struct vp_internals *in = ctx;

	if (vvu_map_mem(in->vvu, m, fds) < 0)
		return -1;
	in->gpa = in->vvu->gpa;
	VP_LOG(INFO, "port %u: %u region(s) in BAR 2", in->port_id, m->nregions);
	return 0;
}

static void
vp_vvu_close_fd(void *ctx, int fd)
{
	/* fd-less transport: the state machine never holds a real fd */
	RTE_SET_USED(ctx);
	RTE_SET_USED(fd);
}

const struct vhost_be_ops vp_vvu_be_ops = {
	.map_mem = vp_vvu_map_mem,
	.close_fd = vp_vvu_close_fd,
	.pre_handle = vp_pre_handle,
};

/* ------------------------------------------------- transport queries */

bool
vp_vvu_frontend_present(const struct vp_internals *in)
{
	return in->vvu != NULL && in->vvu->connected;
}

/* The regions are in BAR 2. */
void *
vp_vvu_uva(const struct vp_internals *in, uint64_t uaddr, uint64_t len)
{
	return vvu_uva(in->vvu, uaddr, len);
}

/* Calls ring the vring's doorbell slot in BAR 2 (vp_vvu.h). */
volatile uint16_t *
vp_vvu_call_doorbell(const struct vp_internals *in, uint16_t vring)
{
	if (vring >= in->vvu->dev.max_vhost_queues)
		return NULL;
	return (volatile uint16_t *)in->vvu->dev.bar2 + vring;
}

/* -------------------------------------------------------- control step */

/* The front-end is gone: rings dropped, translations forgotten. Caller has quiesced the port. */
static void
forget_frontend(struct vp_internals *in)
{
	vp_detach_all(in);
	memset(&in->gpa, 0, sizeof(in->gpa));
	in->disconnects++;
}

static void
poll_device(struct vp_internals *in)
{
	struct vvu *v = in->vvu;
	uint64_t drops;
	uint8_t was;
	int rc;

	vp_quiesce(in);
	was = v->connected;
	drops = v->drops;
	rc = vvu_poll(v);
	if (rc < 0 || v->drops != drops)
		forget_frontend(in);
	else if (!was && v->connected)
		in->connects++;
	vp_sync_all(in);
	vp_resume(in);
	if (rc < 0)
		VP_LOG(ERR, "port %u: front-end broke a message rule: disconnected", in->port_id);
	else if (was != v->connected)
		VP_LOG(NOTICE, "port %u: front-end %s", in->port_id,
		       v->connected ? "connected" : "disconnected");
	in->link_changed(in);
}

static void
ring_violation(struct vp_internals *in)
{
	vp_quiesce(in);
	vvu_disconnect(in->vvu);
	forget_frontend(in);
	in->ring_violations++;
	vp_resume(in);
	VP_LOG(ERR, "port %u: front-end broke a ring rule: disconnected", in->port_id);
	in->link_changed(in);
}

void
vp_vvu_ctl_poll(struct vp_internals *in, bool check_rings)
{
	if (vvu_pending(in->vvu))
		poll_device(in);
	if (check_rings && vp_any_broken(in))
		ring_violation(in);
}

void
vp_vvu_ctl_detach(struct vp_internals *in)
{
	vp_quiesce(in);
	vp_detach_all(in);
	memset(&in->gpa, 0, sizeof(in->gpa));
	vp_resume(in);
}
