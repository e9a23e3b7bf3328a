/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* vhost-user back-end state machine: one handler per request. */

#include <string.h>

#include "vhost_be.h"

#define BIT(n) (1ULL << (n))
#define MTU_MIN 68

static void
close_fd(struct vhost_be *be, int *fd)
{
	if (*fd >= 0)
		be->ops->close_fd(be->ctx, *fd);
	*fd = -1;
}

static void
vring_clear(struct vhost_be *be, struct vhost_be_vring *v)
{
	uint32_t gen = v->gen;

	close_fd(be, &v->kick_fd);
	close_fd(be, &v->call_fd);
	close_fd(be, &v->err_fd);
	memset(v, 0, sizeof(*v));
	v->kick_fd = v->call_fd = v->err_fd = -1;
	v->gen = gen + 1;
}

void
vhost_be_init(struct vhost_be *be, const struct vhost_be_config *cfg,
	      const struct vhost_be_ops *ops, void *ctx)
{
	unsigned int i;

	memset(be, 0, sizeof(*be));
	be->cfg = *cfg;
	if (be->cfg.max_queue_pairs == 0)
		be->cfg.max_queue_pairs = 1;
	if (be->cfg.max_queue_pairs > VHOST_BE_MAX_QUEUE_PAIRS)
		be->cfg.max_queue_pairs = VHOST_BE_MAX_QUEUE_PAIRS;
	be->cfg.features |= BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	be->ops = ops;
	be->ctx = ctx;
	for (i = 0; i < VHOST_BE_MAX_VRINGS; i++)
		be->vring[i].kick_fd = be->vring[i].call_fd = be->vring[i].err_fd = -1;
}

void
vhost_be_reset(struct vhost_be *be)
{
	unsigned int i;

	for (i = 0; i < VHOST_BE_MAX_VRINGS; i++)
		vring_clear(be, &be->vring[i]);
	be->features = 0;
	be->protocol_features = 0;
	be->features_set = 0;
	be->owner = 0;
	be->mtu = 0;
	memset(&be->mem, 0, sizeof(be->mem));
	be->mem_gen++;
}

static void
bump_all(struct vhost_be *be)
{
	unsigned int i;

	for (i = 0; i < VHOST_BE_MAX_VRINGS; i++)
		be->vring[i].gen++;
}

static bool
any_started(const struct vhost_be *be)
{
	unsigned int i;

	for (i = 0; i < VHOST_BE_MAX_VRINGS; i++)
		if (be->vring[i].started)
			return true;
	return false;
}

bool
vhost_be_vring_ready(const struct vhost_be *be, uint16_t q)
{
	const struct vhost_be_vring *v;

	if (q >= vhost_be_nr_vrings(be) || !be->features_set || be->mem.nregions == 0)
		return false;
	v = &be->vring[q];
	return v->started && v->enabled &&
	       vhost_mem_check_vring(&be->mem, v, vhost_be_packed(be)) == VHOST_MSG_OK;
}

void
vhost_be_save_base(struct vhost_be *be, uint16_t q, uint16_t avail)
{
	if (q >= VHOST_BE_MAX_VRINGS)
		return;
	be->vring[q].base = avail;
	if (vhost_be_packed(be))
		be->vring[q].base |= (uint32_t)avail << 16;
}

/*
 * A ring position the front-end gave, checked once the ring type and size
 * are known. Packed (QEMU's encoding, vhost-user.rst "SET_VRING_BASE"): both
 * halves are an index below the ring size plus a wrap counter; we resume at
 * the avail half. Split: a free-running 16-bit avail index.
 */
static enum vhost_msg_err
check_base(uint32_t base, uint32_t num, bool packed)
{
	if (!packed)
		return base > 0xffff ? VHOST_ERR_RING_BASE : VHOST_MSG_OK;
	if ((base & 0x7fff) >= num || ((base >> 16) & 0x7fff) >= num)
		return VHOST_ERR_RING_BASE;
	return VHOST_MSG_OK;
}

/* Per-request handlers. Each returns VHOST_MSG_OK or the violation. */

struct ctx {
	struct vhost_be *be;
	const struct vhost_msg_decoded *msg;
	const int *fds;
	unsigned int nfds;
	struct vhost_msg *reply;
	size_t *reply_len;
	uint32_t *actions;
};

static void
reply_u64(struct ctx *c, uint64_t v)
{
	*c->reply_len = vhost_msg_reply_u64(c->reply, c->msg->hdr.request, v);
	*c->actions |= VHOST_BE_ACT_REPLY;
}

static enum vhost_msg_err
h_set_features(struct ctx *c)
{
	struct vhost_be *be = c->be;
	uint64_t v = c->msg->payload.u64;
	unsigned int i;

	if ((v & ~be->cfg.features) != 0 || !(v & BIT(VIRTIO_F_VERSION_1)))
		return VHOST_ERR_FEATURES;
	/* QEMU sends SET_FEATURES once per queue pair: the same value changes nothing */
	if (be->features_set && v == be->features)
		return VHOST_MSG_OK;
	if (be->features_set && any_started(be))
		return VHOST_ERR_STATE;
	be->features = v;
	be->features_set = 1;
	/* Without protocol features a ring is enabled as soon as it exists. */
	if (!(v & BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
		for (i = 0; i < VHOST_BE_MAX_VRINGS; i++)
			be->vring[i].enabled = 1;
	bump_all(be);
	*c->actions |= VHOST_BE_ACT_VRING;
	return VHOST_MSG_OK;
}

static enum vhost_msg_err
h_set_protocol_features(struct ctx *c)
{
	uint64_t v = c->msg->payload.u64;

	if ((v & ~c->be->cfg.protocol_features) != 0)
		return VHOST_ERR_PROTOCOL_FEATURES;
	c->be->protocol_features = v;
	return VHOST_MSG_OK;
}

static enum vhost_msg_err
h_set_mem_table(struct ctx *c)
{
	struct vhost_be *be = c->be;
	struct vhost_mem_table m;
	enum vhost_msg_err e;

	memcpy(&m, &c->msg->payload.mem, sizeof(m));
	e = vhost_mem_check(&m);
	if (e != VHOST_MSG_OK)
		return e;
	if (be->ops->map_mem(be->ctx, &m, be->cfg.fdless ? NULL : c->fds) < 0)
		return VHOST_ERR_MAP;
	be->mem = m;
	be->mem_gen++;
	bump_all(be);
	*c->actions |= VHOST_BE_ACT_MEM | VHOST_BE_ACT_VRING;
	return VHOST_MSG_OK;
}

/* The vring a state/addr message names, or NULL when out of range. */
static struct vhost_be_vring *
vring_of(struct ctx *c, uint32_t index)
{
	if (index >= vhost_be_nr_vrings(c->be))
		return NULL;
	return &c->be->vring[index];
}

static enum vhost_msg_err
h_set_vring_num(struct ctx *c)
{
	const struct vhost_vring_state *s = &c->msg->payload.state;
	struct vhost_be_vring *v = vring_of(c, s->index);
	uint32_t num = s->num;

	if (v == NULL)
		return VHOST_ERR_QUEUE_INDEX;
	if (num == 0 || num > VHOST_MAX_RING_SIZE)
		return VHOST_ERR_RING_SIZE;
	if (c->be->features_set && !vhost_be_packed(c->be) && (num & (num - 1)) != 0)
		return VHOST_ERR_RING_SIZE;
	if (v->started)
		return VHOST_ERR_STATE;
	v->num = num;
	v->gen++;
	return VHOST_MSG_OK;
}

static enum vhost_msg_err
h_set_vring_addr(struct ctx *c)
{
	const struct vhost_vring_addr *a = &c->msg->payload.addr;
	struct vhost_be_vring *v = vring_of(c, a->index);

	if (v == NULL)
		return VHOST_ERR_QUEUE_INDEX;
	if (a->flags != 0) /* VHOST_VRING_F_LOG: we never offer LOG_ALL */
		return VHOST_ERR_RING_FLAGS;
	if (v->started)
		return VHOST_ERR_STATE;
	v->desc_addr = a->desc_user_addr;
	v->avail_addr = a->avail_user_addr;
	v->used_addr = a->used_user_addr;
	v->addr_set = 1;
	v->gen++;
	/* Check now when everything needed is known; always checked again at kick. */
	if (c->be->features_set && c->be->mem.nregions != 0 && v->num != 0)
		return vhost_mem_check_vring(&c->be->mem, v, vhost_be_packed(c->be));
	return VHOST_MSG_OK;
}

static enum vhost_msg_err
h_set_vring_base(struct ctx *c)
{
	const struct vhost_vring_state *s = &c->msg->payload.state;
	struct vhost_be_vring *v = vring_of(c, s->index);

	if (v == NULL)
		return VHOST_ERR_QUEUE_INDEX;
	/* Checked now when the ring type is known, and again at kick in any case. */
	if (c->be->features_set &&
	    check_base(s->num, v->num ? v->num : 0x8000, vhost_be_packed(c->be)) != VHOST_MSG_OK)
		return VHOST_ERR_RING_BASE;
	if (v->started)
		return VHOST_ERR_STATE;
	v->base = s->num;
	v->gen++;
	return VHOST_MSG_OK;
}

static enum vhost_msg_err
h_get_vring_base(struct ctx *c)
{
	const struct vhost_vring_state *s = &c->msg->payload.state;
	struct vhost_be_vring *v = vring_of(c, s->index);

	if (v == NULL)
		return VHOST_ERR_QUEUE_INDEX;
	/* The ring stops; the caller saved where its datapath stopped before calling us. */
	v->started = 0;
	close_fd(c->be, &v->kick_fd);
	v->gen++;
	*c->reply_len = vhost_msg_reply_state(c->reply, VHOST_USER_GET_VRING_BASE, s->index, v->base);
	*c->actions |= VHOST_BE_ACT_REPLY | VHOST_BE_ACT_VRING;
	return VHOST_MSG_OK;
}

/* KICK/CALL/ERR: index in bits 7..0, NOFD in bit 8, nothing else. */
static enum vhost_msg_err
vring_file(struct ctx *c, struct vhost_be_vring **vp, int *fd)
{
	uint64_t u = c->msg->payload.u64;

	*fd = c->nfds ? c->fds[0] : -1;
	if (u & ~(uint64_t)(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD_MASK))
		return VHOST_ERR_RING_FLAGS;
	*vp = vring_of(c, (uint32_t)(u & VHOST_USER_VRING_IDX_MASK));
	return *vp == NULL ? VHOST_ERR_QUEUE_INDEX : VHOST_MSG_OK;
}

static enum vhost_msg_err
h_set_vring_kick(struct ctx *c)
{
	struct vhost_be *be = c->be;
	struct vhost_be_vring *v;
	enum vhost_msg_err e;
	int fd;

	e = vring_file(c, &v, &fd);
	if (e != VHOST_MSG_OK)
		return e;
	/* Kick is the front-end's "ring ready": everything must be in place. */
	if (!be->features_set || be->mem.nregions == 0)
		return VHOST_ERR_STATE;
	e = vhost_mem_check_vring(&be->mem, v, vhost_be_packed(be));
	if (e == VHOST_MSG_OK)
		e = check_base(v->base, v->num, vhost_be_packed(be));
	if (e != VHOST_MSG_OK)
		return e;
	close_fd(be, &v->kick_fd);
	v->kick_fd = fd;
	v->started = 1;
	v->gen++;
	*c->actions |= VHOST_BE_ACT_VRING;
	return VHOST_MSG_OK;
}

static enum vhost_msg_err
h_set_vring_call_err(struct ctx *c, bool call)
{
	struct vhost_be_vring *v;
	enum vhost_msg_err e;
	int fd;

	e = vring_file(c, &v, &fd);
	if (e != VHOST_MSG_OK)
		return e;
	if (call) {
		close_fd(c->be, &v->call_fd);
		v->call_fd = fd;
		v->call_doorbell = c->be->cfg.fdless &&
				   !(c->msg->payload.u64 & VHOST_USER_VRING_NOFD_MASK);
		v->gen++;
		*c->actions |= VHOST_BE_ACT_VRING;
	} else {
		close_fd(c->be, &v->err_fd);
		v->err_fd = fd;
	}
	return VHOST_MSG_OK;
}

static enum vhost_msg_err
h_set_vring_enable(struct ctx *c)
{
	const struct vhost_vring_state *s = &c->msg->payload.state;
	struct vhost_be_vring *v = vring_of(c, s->index);

	if (v == NULL)
		return VHOST_ERR_QUEUE_INDEX;
	/*
	 * We always offer PROTOCOL_FEATURES, and QEMU enables rings on our
	 * GET_FEATURES answer, before its SET_FEATURES. Only a front-end that
	 * acked features without it may not use this request.
	 */
	if (c->be->features_set && !vhost_be_has(c->be, VHOST_USER_F_PROTOCOL_FEATURES))
		return VHOST_ERR_PROTOCOL_FEATURES;
	if (s->num > 1)
		return VHOST_ERR_RING_FLAGS;
	v->enabled = (uint8_t)s->num;
	v->gen++;
	*c->actions |= VHOST_BE_ACT_VRING;
	return VHOST_MSG_OK;
}

static enum vhost_msg_err
h_net_set_mtu(struct ctx *c)
{
	uint64_t mtu = c->msg->payload.u64;

	if (!(c->be->protocol_features & BIT(VHOST_USER_PROTOCOL_F_NET_MTU)))
		return VHOST_ERR_PROTOCOL_FEATURES;
	if (mtu < MTU_MIN || mtu > c->be->cfg.max_mtu)
		return VHOST_ERR_MTU;
	c->be->mtu = (uint16_t)mtu;
	return VHOST_MSG_OK;
}

static enum vhost_msg_err
dispatch(struct ctx *c)
{
	struct vhost_be *be = c->be;

	switch (c->msg->hdr.request) {
	case VHOST_USER_GET_FEATURES:
		reply_u64(c, be->cfg.features);
		return VHOST_MSG_OK;
	case VHOST_USER_SET_FEATURES:
		return h_set_features(c);
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		reply_u64(c, be->cfg.protocol_features);
		return VHOST_MSG_OK;
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		return h_set_protocol_features(c);
	case VHOST_USER_GET_QUEUE_NUM:
		reply_u64(c, be->cfg.max_queue_pairs);
		return VHOST_MSG_OK;
	case VHOST_USER_SET_OWNER:
		be->owner = 1;
		return VHOST_MSG_OK;
	case VHOST_USER_RESET_OWNER:
		vhost_be_reset(be);
		*c->actions |= VHOST_BE_ACT_RESET | VHOST_BE_ACT_MEM | VHOST_BE_ACT_VRING;
		return VHOST_MSG_OK;
	case VHOST_USER_SET_MEM_TABLE:
		return h_set_mem_table(c);
	case VHOST_USER_SET_VRING_NUM:
		return h_set_vring_num(c);
	case VHOST_USER_SET_VRING_ADDR:
		return h_set_vring_addr(c);
	case VHOST_USER_SET_VRING_BASE:
		return h_set_vring_base(c);
	case VHOST_USER_GET_VRING_BASE:
		return h_get_vring_base(c);
	case VHOST_USER_SET_VRING_KICK:
		return h_set_vring_kick(c);
	case VHOST_USER_SET_VRING_CALL:
		return h_set_vring_call_err(c, true);
	case VHOST_USER_SET_VRING_ERR:
		return h_set_vring_call_err(c, false);
	case VHOST_USER_SET_VRING_ENABLE:
		return h_set_vring_enable(c);
	case VHOST_USER_NET_SET_MTU:
		return h_net_set_mtu(c);
	default:
		return VHOST_ERR_UNSUPPORTED;
	}
}

/* Fds the handler did not keep: SET_MEM_TABLE's, and everything after a failure. */
static void
close_unkept(struct vhost_be *be, const int *fds, unsigned int nfds, bool kept_first)
{
	unsigned int i;

	for (i = kept_first ? 1 : 0; i < nfds; i++)
		if (fds[i] >= 0)
			be->ops->close_fd(be->ctx, fds[i]);
}

static bool
keeps_fd(uint32_t request)
{
	return request == VHOST_USER_SET_VRING_KICK || request == VHOST_USER_SET_VRING_CALL ||
	       request == VHOST_USER_SET_VRING_ERR;
}

enum vhost_msg_err
vhost_be_handle(struct vhost_be *be, const void *buf, size_t len,
		const int *fds, unsigned int nfds,
		struct vhost_msg *reply, size_t *reply_len, uint32_t *actions)
{
	struct vhost_msg_decoded msg;
	struct ctx c = { be, &msg, fds, nfds, reply, reply_len, actions };
	enum vhost_msg_err e;

	*actions = 0;
	*reply_len = 0;
	/* One copy into local storage: every field is read from here only. */
	memset(&msg, 0, sizeof(msg));
	if (len >= VHOST_MSG_HDR_SIZE) {
		size_t plen = len - VHOST_MSG_HDR_SIZE;

		memcpy(&msg.hdr, buf, VHOST_MSG_HDR_SIZE);
		memcpy(&msg.payload, (const uint8_t *)buf + VHOST_MSG_HDR_SIZE,
		       plen < sizeof(msg.payload) ? plen : sizeof(msg.payload));
	}
	e = be->cfg.fdless ? vhost_msg_check_nofd(buf, len, nfds) : vhost_msg_check(buf, len, nfds);
	if (e == VHOST_MSG_OK && be->ops->pre_handle != NULL)
		be->ops->pre_handle(be->ctx, &msg);
	if (e == VHOST_MSG_OK)
		e = dispatch(&c);
	close_unkept(be, fds, nfds, e == VHOST_MSG_OK && keeps_fd(msg.hdr.request) && nfds == 1);
	if (e != VHOST_MSG_OK) {
		be->err[e]++;
		*actions &= ~(uint32_t)VHOST_BE_ACT_REPLY;
		/* With REPLY_ACK, say "failed" before the caller closes the connection. */
		if ((msg.hdr.flags & VHOST_USER_NEED_REPLY) &&
		    (be->protocol_features & BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK)) &&
		    e != VHOST_ERR_TRUNCATED && e != VHOST_ERR_FLAGS) {
			reply_u64(&c, 1);
		}
		return e;
	}
	be->msgs++;
	if ((msg.hdr.flags & VHOST_USER_NEED_REPLY) && !(*actions & VHOST_BE_ACT_REPLY) &&
	    (be->protocol_features & BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK)))
		reply_u64(&c, 0);
	return VHOST_MSG_OK;
}
