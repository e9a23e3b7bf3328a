/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Attach and detach our queues to the front-end's vrings as the vhost-user state changes. */

#include "vp_ring.h"

/*
 * Every change to the port's state (started, the state machine, the rings,
 * the memory table) happens between these two: one control-side actor at a
 * time (ctl_lock: the control thread against dev_start/stop), and no burst
 * inside any queue. The wait for a burst to leave is bounded by one burst:
 * the datapath never blocks (calls go out through vp_call.c, which cannot).
 */
void
vp_quiesce(struct vp_internals *in)
{
	uint16_t i;

	pthread_mutex_lock(&in->ctl_lock);
	for (i = 0; i < in->max_queue_pairs; i++) {
		burst_gate_close(&in->rxq[i].gate);
		burst_gate_close(&in->txq[i].gate);
	}
}

void
vp_resume(struct vp_internals *in)
{
	uint16_t i;

	for (i = 0; i < in->max_queue_pairs; i++) {
		burst_gate_open(&in->rxq[i].gate);
		burst_gate_open(&in->txq[i].gate);
	}
	pthread_mutex_unlock(&in->ctl_lock);
}

/* Report where the ring stopped to the state machine (for GET_VRING_BASE). */
static void
save_base(struct vp_internals *in, struct vp_queue *q)
{
	uint16_t base;

	if (q->packed)
		base = pring_dev_base(&q->r.packed);
	else
		base = vp_split_base(&q->r.split);
	vhost_be_save_base(&in->be, q->vring, base);
}

/* Stop serving a ring whose memory is still mapped: hand back stashed buffers first. */
static void
stop_ring(struct vp_internals *in, struct vp_queue *q)
{
	vp_tx_stash_flush(q);
	save_base(in, q);
	vp_queue_detach(q);
}

void
vp_queue_detach(struct vp_queue *q)
{
	q->running = 0;
	q->st_nr = q->st_used = 0;
	q->st_segs = 0;
	q->call_fd = -1;
	q->doorbell = NULL;
}

/* The front-end is gone: forget every ring without touching its memory. Caller has quiesced the port. */
void
vp_detach_all(struct vp_internals *in)
{
	uint16_t i;

	for (i = 0; i < in->max_queue_pairs; i++) {
		vp_queue_detach(&in->rxq[i]);
		vp_queue_detach(&in->txq[i]);
	}
}

/*
 * vhost_be_ops.pre_handle of both transports (ctx = the port): GET_VRING_BASE
 * stops a ring, so stop ours first and the reply says where it really stopped.
 * The caller has quiesced the port.
 */
void
vp_pre_handle(void *ctx, const struct vhost_msg_decoded *msg)
{
	struct vp_internals *in = ctx;
	uint32_t index = msg->payload.state.index;

	if (msg->hdr.request != VHOST_USER_GET_VRING_BASE || index >= vhost_be_nr_vrings(&in->be))
		return;
	vp_queue_sync(in, (index & 1) ? &in->rxq[index / 2] : &in->txq[index / 2], false);
}

static int
attach_split(struct vp_internals *in, struct vp_queue *q, const struct vhost_be_vring *v)
{
	void *desc = in->transport->uva(in, v->desc_addr, 16ULL * v->num);
	void *avail = in->transport->uva(in, v->avail_addr, 6 + 2ULL * v->num);
	void *used = in->transport->uva(in, v->used_addr, 6 + 8ULL * v->num);

	if (desc == NULL || avail == NULL || used == NULL)
		return -1;
	/*
	 * The state machine checked the alignment of the user addresses, but a
	 * region whose user address and local address are aligned differently
	 * shifts them here (the socket transport refuses such a table when it
	 * maps it; this check holds for every transport). The rings are accessed with atomics, which need
	 * natural alignment (some CPUs fault otherwise): refuse, as pring does
	 * for packed rings.
	 */
	if (((uintptr_t)desc & 15) || ((uintptr_t)avail & 1) || ((uintptr_t)used & 3))
		return -1;
	vp_split_init(&q->r.split, desc, avail, used, (uint16_t)v->num, &in->gpa,
		      vhost_be_vring_avail_base(v),
		      vhost_be_has(&in->be, VIRTIO_F_EVENT_IDX));
	return 0;
}

static int
attach_packed(struct vp_internals *in, struct vp_queue *q, const struct vhost_be_vring *v)
{
	uint16_t base = vhost_be_vring_avail_base(v);
	struct pring_layout l;

	l.avail = in->transport->uva(in, v->desc_addr, 16ULL * v->num);
	l.used = l.avail;
	l.drv_event = in->transport->uva(in, v->avail_addr, 4);
	l.dev_event = in->transport->uva(in, v->used_addr, 4);
	l.size = (uint16_t)v->num;
	if (l.avail == NULL || l.drv_event == NULL || l.dev_event == NULL || v->num > UINT16_MAX)
		return -1;
	if (pring_dev_init(&q->r.packed, &l, &in->gpa, base & 0x7fff, (base >> 15) & 1,
			   vhost_be_has(&in->be, VIRTIO_F_EVENT_IDX)) < 0)
		return -1;
	/* We poll: the front-end need not kick. */
	pring_dev_set_event(&q->r.packed, PRING_EVENT_DISABLE);
	return 0;
}

static void
start_ring(struct vp_internals *in, struct vp_queue *q)
{
	const struct vhost_be_vring *v = &in->be.vring[q->vring];
	int rc;

	q->packed = vhost_be_packed(&in->be);
	q->mrg_rxbuf = vhost_be_has(&in->be, VIRTIO_NET_F_MRG_RXBUF);
	q->in_order = vhost_be_has(&in->be, VIRTIO_F_IN_ORDER);
	rc = q->packed ? attach_packed(in, q, v) : attach_split(in, q, v);
	if (rc < 0) {
		VP_PEER_LOG(in, ERR, "port %u: cannot attach vring %u", in->port_id, q->vring);
		return;
	}
	q->gen = v->gen;
	q->mem_gen = in->be.mem_gen;
	q->call_fd = v->call_fd;
	q->doorbell = NULL;
	if (v->call_doorbell && in->transport->call_doorbell != NULL)
		q->doorbell = in->transport->call_doorbell(in, q->vring);
	q->st_nr = q->st_used = 0;
	q->st_segs = 0;
	q->broken_seen = 0;
	q->running = 1;
	VP_LOG(DEBUG, "port %u: vring %u running (%s, size %u, base 0x%x)", in->port_id, q->vring,
	       q->packed ? "packed" : "split", v->num, v->base);
}

/* Caller has quiesced the port. @p want: the application side is ready for this queue. */
void
vp_queue_sync(struct vp_internals *in, struct vp_queue *q, bool want)
{
	const struct vhost_be_vring *v = &in->be.vring[q->vring];

	want = want && vhost_be_vring_ready(&in->be, q->vring);
	if (q->running && (!want || q->gen != v->gen || q->mem_gen != in->be.mem_gen))
		stop_ring(in, q);
	if (!q->running && want)
		start_ring(in, q);
}

/* Caller has quiesced the port. */
void
vp_sync_all(struct vp_internals *in)
{
	uint16_t i;

	for (i = 0; i < in->max_queue_pairs; i++) {
		vp_queue_sync(in, &in->rxq[i], in->started && in->rxq[i].mb_pool != NULL);
		vp_queue_sync(in, &in->txq[i], in->started);
	}
}

/*
 * The memory table is about to be replaced: stop every running ring while
 * its memory is still mapped (stashed tx buffers are handed back into the
 * old ring, bases saved); the rings resume on the new table.
 * Caller has quiesced the port.
 */
void
vp_stop_all(struct vp_internals *in)
{
	uint16_t i;

	for (i = 0; i < in->max_queue_pairs; i++) {
		if (in->rxq[i].running)
			stop_ring(in, &in->rxq[i]);
		if (in->txq[i].running)
			stop_ring(in, &in->txq[i]);
	}
}

/*
 * A ring the datapath found broken and we have not acted on yet. Polled by
 * the control thread, so it leaves the datapath alone: running, packed and
 * broken_seen change only under ctl_lock (which keeps dev_start/stop out),
 * and the broken flag is read as vp_ring_broken says.
 */
bool
vp_any_broken(struct vp_internals *in)
{
	uint16_t i;
	bool broken = false;

	pthread_mutex_lock(&in->ctl_lock);
	for (i = 0; i < in->max_queue_pairs; i++) {
		struct vp_queue *q[2] = { &in->rxq[i], &in->txq[i] };
		int k;

		for (k = 0; k < 2; k++) {
			if (q[k]->running && vp_ring_broken(q[k]) && !q[k]->broken_seen) {
				q[k]->broken_seen = 1;
				broken = true;
			}
		}
	}
	pthread_mutex_unlock(&in->ctl_lock);
	return broken;
}

const struct pring_stats *
vp_queue_ring_stats(const struct vp_queue *q)
{
	return q->packed ? &q->r.packed.stats : &q->r.split.stats;
}
