/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * libFuzzer harness for the EXPERIMENTAL virtio-vhost-user flavour's
 * transport core (issue 12): vp_vvu.c (messages through the device's rxq,
 * replies on its txq, status, BAR 2 regions and doorbells) and the control
 * step vp_vvu_ctl.c over a whole port, against a hostile device played from
 * the fuzz input. The device is an in-memory model, as in test_vvu_port.c:
 * the device ends of rxq and txq (lib/pring, device end), the config status
 * word, and BAR 2 (doorbells, then the front-end's memory). Only
 * vp_vvu_pci.c (MMIO, EAL's BAR mappings) is left out.
 *
 * The device may deliver any message (built from fields or raw bytes) with
 * any used length, flip MASTER_UP or write any status, scribble on the
 * transport's ring memory, write into the front-end memory, and offer
 * front-end buffers to the datapath.
 *
 * Checked after every operation: no mbuf in use; every message the core
 * hands to the state machine lies inside one of its rx buffers; the driver
 * never sets a status bit other than SLAVE_UP; doorbells rung only inside
 * [0, max_vhost_queues); no queue running without a memory table; after a
 * violation the session is gone (SLAVE_UP cleared, nothing running).
 * BAR 2 is a heap allocation of its exact size, and the port's private data
 * and the transport state are heap allocations too: ASan reports any access
 * beyond them.
 *
 * Seam to the driver: vp_internals_init, vp_ethdev_setup, vvu_start,
 * vp_vvu_ctl_poll, vp_rx_burst, vp_tx_burst, and the
 * fields in->vvu (rings, connected), in->be, in->gpa, queue running flags.
 * `fuzz_vp_vvu -seed_dir=DIR` writes the seed corpus.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dev_driver.h>
#include <ethdev_driver.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "vp_devargs.h"
#include "vp_internal.h"
#include "vp_vvu.h"
#include "fuzz_input.h"
#include "fuzz_eal.h"
#include "fuzz_seed.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BAR2_LEN (64u << 10)
#define GPA 0x40000000ULL
#define UVA 0x7f0000000000ULL
#define NUM 64                     /* front-end split rings */
#define FE_LEN 0x8000              /* the front-end's one region, at the start of shared memory */
#define MAX_OPS 256

/* The device: status word, BAR 2, its ends of the transport's two queues. */
struct model {
	uint32_t status;
	uint32_t master_up;          /* MASTER_UP as the device holds it */
	uint32_t junk;               /* other status bits the device itself wrote */
	uint32_t maxq;               /* max_vhost_queues in config */
	uint64_t shm_off;
	uint8_t *bar2;
	struct pring_dev rx, tx;     /* device ends of rxq (to us) and txq (replies) */
	struct pring_xlate all;      /* device view of the transport's memory (identity) */
	uint16_t fe_avail[2];        /* front-end split avail index of vrings 0 and 1 */
	uint64_t ring_off[2];        /* their areas: desc, avail +0x400, used +0x800 */
};

static struct rte_driver model_drv = { .name = "net_vhost_pci_vvu_fuzz" };
static struct rte_device model_dev = { .name = "vvu_fuzz", .driver = &model_drv,
				       .numa_node = SOCKET_ID_ANY };
static struct model md;
static struct rte_mempool *mp;
static struct vp_internals *in;
static uint16_t port;
static bool trace;                   /* FUZZ_VP_TRACE set: one line per burst (seed debugging) */

/* ------------------------------------------------------------ device */

static void
model_notify(void *ctx, uint16_t vq)
{
	RTE_SET_USED(ctx);
	FZ_CHECK(vq <= 1);
}

/*
 * Every message the transport hands to the state machine must lie inside one
 * of its rx buffers (a used length the device inflated must not reach past
 * it). The harness links with --wrap=vhost_be_handle, so the transport's call
 * comes here first.
 */
enum vhost_msg_err __real_vhost_be_handle(struct vhost_be *be, const void *buf, size_t len,
					  int *fds, unsigned int nfds, struct vhost_msg *reply,
					  size_t *reply_len, uint32_t *act);
enum vhost_msg_err __wrap_vhost_be_handle(struct vhost_be *be, const void *buf, size_t len,
					  int *fds, unsigned int nfds, struct vhost_msg *reply,
					  size_t *reply_len, uint32_t *act);

enum vhost_msg_err
__wrap_vhost_be_handle(struct vhost_be *be, const void *buf, size_t len, int *fds,
		       unsigned int nfds, struct vhost_msg *reply, size_t *reply_len, uint32_t *act)
{
	const uint8_t *p = buf, *b0 = in->vvu->rxq.buf[0];

	FZ_CHECK(p >= b0 && p < b0 + sizeof(in->vvu->rxq.buf));
	FZ_CHECK((size_t)(p - b0) % VVU_BUF == 0 && len <= VVU_BUF);
	return __real_vhost_be_handle(be, buf, len, fds, nfds, reply, reply_len, act);
}

/* The device writes status bits it owns; the driver's write may have clobbered MASTER_UP. */
static void
model_assert_status(void)
{
	md.status = (md.status & VVU_STATUS_SLAVE_UP) | md.master_up;
}

/* Deliver @p len bytes of @p msg as one message claiming @p used bytes. @return false: no buffer. */
static bool
model_deliver(const void *msg, size_t len, uint32_t used)
{
	struct pring_chain c;
	struct pring_seg s[4];

	if (pring_dev_peek(&md.rx, &c, 1, s, 4) != 1)
		return false;
	memcpy(s[0].ptr, msg, RTE_MIN(len, (size_t)s[0].len));
	pring_dev_complete(&md.rx, &c, 1, &used);
	return true;
}

/* Take every reply off txq, as the device forwards them to the front-end. */
static void
model_take_replies(void)
{
	struct pring_chain c[VVU_QSIZE];
	struct pring_seg s[VVU_QSIZE];
	uint16_t n = pring_dev_peek(&md.tx, c, VVU_QSIZE, s, VVU_QSIZE), i;

	for (i = 0; i < n; i++)
		FZ_CHECK(c[i].rlen <= VVU_BUF && c[i].wlen == 0);
	pring_dev_complete(&md.tx, c, n, NULL);
}

/* ------------------------------------------------------------ messages */

static const uint32_t requests[] = {
	VHOST_USER_GET_FEATURES, VHOST_USER_SET_FEATURES, VHOST_USER_SET_OWNER,
	VHOST_USER_RESET_OWNER, VHOST_USER_SET_MEM_TABLE, VHOST_USER_SET_VRING_NUM,
	VHOST_USER_SET_VRING_ADDR, VHOST_USER_SET_VRING_BASE, VHOST_USER_GET_VRING_BASE,
	VHOST_USER_SET_VRING_KICK, VHOST_USER_SET_VRING_CALL, VHOST_USER_SET_VRING_ERR,
	VHOST_USER_GET_PROTOCOL_FEATURES, VHOST_USER_SET_PROTOCOL_FEATURES,
	VHOST_USER_GET_QUEUE_NUM, VHOST_USER_SET_VRING_ENABLE, VHOST_USER_NET_SET_MTU,
};

static size_t
msg_hdr(struct vhost_msg *m, uint32_t req, uint32_t size)
{
	memset(m, 0, sizeof(*m));
	m->hdr.request = req;
	m->hdr.flags = VHOST_USER_VERSION;
	m->hdr.size = size;
	return VHOST_MSG_HDR_SIZE + size;
}

/*
 * Region @p i of a table the input shapes: inside the BAR's shared memory, or
 * not quite. Built aside: the payload's regions are not 8-byte aligned.
 */
static void
region_of(struct cur *c, struct vhost_msg *m, uint32_t i)
{
	struct vhost_mem_region r;
	uint8_t f = u8(c);

	r.guest_phys_addr = GPA + 0x100000ULL * i + 8ULL * u8(c);
	r.memory_size = (f & 0x80) ? u32(c) : 4096ULL * (1 + (f & 7));
	r.userspace_addr = UVA + 0x100000ULL * i + 8ULL * u8(c);
	r.mmap_offset = (f & 0x40) ? u32(c) : 64ULL * ((f >> 3) & 7);
	memcpy(&m->payload.mem.regions[i], &r, sizeof(r));
}

/* A message of a known request with fields from the input, or anything at all. */
static size_t
build_msg(struct cur *c, struct vhost_msg *m)
{
	uint8_t k = u8(c), i;
	uint32_t req = (k & 0x80) ? u32(c) : requests[(k & 0x7f) % RTE_DIM(requests)];
	size_t len;

	switch (req) {
	case VHOST_USER_SET_MEM_TABLE:
		len = msg_hdr(m, req, 8 + 32 * (uint32_t)(1 + u8(c) % VHOST_MEMORY_MAX_NREGIONS));
		m->payload.mem.nregions = (m->hdr.size - 8) / 32;
		for (i = 0; i < m->payload.mem.nregions; i++)
			region_of(c, m, i);
		break;
	case VHOST_USER_SET_VRING_ADDR:
		len = msg_hdr(m, req, sizeof(struct vhost_vring_addr));
		m->payload.addr.index = u8(c) % 4;
		m->payload.addr.desc_user_addr = UVA + 16ULL * u16(c);
		m->payload.addr.avail_user_addr = UVA + 2ULL * u16(c);
		m->payload.addr.used_user_addr = UVA + 4ULL * u16(c);
		break;
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		len = msg_hdr(m, req, 8);
		m->payload.state.index = u8(c) % 5;
		m->payload.state.num = u16(c);
		break;
	default:
		len = msg_hdr(m, req, 8);
		m->payload.u64 = u32(c);
		break;
	}
	/* the header as the input overrides it */
	if (k & 0x40)
		m->hdr.flags = u32(c);
	if (k & 0x20) {
		m->hdr.size = u16(c) % 300;
		len = RTE_MIN(VHOST_MSG_HDR_SIZE + (size_t)m->hdr.size, sizeof(*m));
	}
	return len;
}

/* ------------------------------------------------------------ front-end */

static uint8_t *
fe_mem(uint64_t off)
{
	return md.bar2 + md.shm_off + off;
}

/* Where vring @p q's areas are, from the start of the front-end's region (set at connect). */
static uint64_t
ring_off(uint16_t q)
{
	return md.ring_off[q];
}

static void settle(void);

static void
fe_send(const struct vhost_msg *m, size_t len)
{
	model_deliver(m, len, (uint32_t)len);
}

/* The handshake test_vvu_port.c's front-end does: split rings of NUM at ring_off(), doorbells. */
static void
fe_connect(struct cur *c)
{
	struct vhost_msg m;
	struct vhost_mem_region reg = { GPA, FE_LEN, UVA, 0 };
	uint8_t b = u8(c);
	size_t len;
	uint16_t q;

	if (md.shm_off + FE_LEN > BAR2_LEN)
		return; /* doorbells leave no room for it */
	/* the usual layout, or a region of any size and rings anywhere in it (past the BAR even) */
	if (b & 4)
		reg.memory_size = u32(c);
	for (q = 0; q < 2; q++)
		md.ring_off[q] = (b & 8) ? 16ULL * u16(c) : 0x1000ULL * (1 + 2 * q);
	memset(fe_mem(0), 0, FE_LEN);
	md.fe_avail[0] = md.fe_avail[1] = 0;
	md.master_up = VVU_STATUS_MASTER_UP;
	model_assert_status();
	len = msg_hdr(&m, VHOST_USER_SET_FEATURES, 8);
	m.payload.u64 = 1ULL << VIRTIO_F_VERSION_1 | (uint64_t)(b & 1) << VIRTIO_NET_F_MRG_RXBUF;
	fe_send(&m, len);
	len = msg_hdr(&m, VHOST_USER_SET_MEM_TABLE, 8 + 32);
	m.payload.mem.nregions = 1;
	memcpy(&m.payload.mem.regions[0], &reg, sizeof(reg));
	fe_send(&m, len);
	settle();
	for (q = 0; q < 2; q++) {
		uint64_t o = UVA + ring_off(q);

		len = msg_hdr(&m, VHOST_USER_SET_VRING_NUM, 8);
		m.payload.state.index = q;
		m.payload.state.num = NUM;
		fe_send(&m, len);
		len = msg_hdr(&m, VHOST_USER_SET_VRING_BASE, 8);
		m.payload.state.index = q;
		fe_send(&m, len);
		len = msg_hdr(&m, VHOST_USER_SET_VRING_ADDR, sizeof(struct vhost_vring_addr));
		m.payload.addr.index = q;
		m.payload.addr.desc_user_addr = o;
		m.payload.addr.avail_user_addr = o + 0x400;
		m.payload.addr.used_user_addr = o + 0x800;
		fe_send(&m, len);
		len = msg_hdr(&m, VHOST_USER_SET_VRING_CALL, 8);
		m.payload.u64 = q | ((b & 2) ? VHOST_USER_VRING_NOFD_MASK : 0); /* none, or doorbell */
		fe_send(&m, len);
		len = msg_hdr(&m, VHOST_USER_SET_VRING_KICK, 8);
		m.payload.u64 = q | VHOST_USER_VRING_NOFD_MASK;
		fe_send(&m, len);
		settle();
	}
}

/* The front-end offers one buffer of @p len bytes at front-end offset @p off on vring @p q. */
static void
fe_offer(uint16_t q, uint64_t off, uint32_t len, bool writable)
{
	uint8_t *desc = fe_mem(ring_off(q)), *avail = fe_mem(ring_off(q) + 0x400);
	uint16_t head = md.fe_avail[q] % NUM, idx = (uint16_t)(md.fe_avail[q] + 1);
	uint64_t addr = GPA + off;
	uint16_t flags = writable ? 2 : 0;

	if (md.shm_off + ring_off(q) + 0x800 > BAR2_LEN)
		return; /* the front-end put its ring where it has no memory */
	memcpy(desc + 16 * head, &addr, 8);
	memcpy(desc + 16 * head + 8, &len, 4);
	memcpy(desc + 16 * head + 12, &flags, 2);
	memcpy(avail + 4 + 2 * head, &head, 2);
	__atomic_store_n((uint16_t *)(avail + 2), idx, __ATOMIC_RELEASE);
	md.fe_avail[q] = idx;
}

/* ------------------------------------------------------------ port */

/* Control steps until the port has nothing left to do (bounded), taking the replies. */
static void
settle(void)
{
	int i;

	for (i = 0; i < 8 && vvu_pending(in->vvu); i++) {
		model_assert_status();
		vp_vvu_ctl_poll(in, false);
		model_take_replies();
	}
	model_assert_status();
	vp_vvu_ctl_poll(in, true);
	model_take_replies();
}

static void
op_rx(struct cur *c)
{
	struct rte_mbuf *pk[32];
	uint16_t n = vp_rx_burst(&in->rxq[0], pk, (uint16_t)(1 + u8(c) % 32)), i;

	if (trace)
		fprintf(stderr, "rx: %u\n", n);
	for (i = 0; i < n; i++) {
		FZ_CHECK(pk[i]->pkt_len <= in->rxq[0].max_frame);
		rte_pktmbuf_free(pk[i]);
	}
}

static void
op_tx(struct cur *c)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint16_t len = u16(c) % 2000;

	if (m == NULL)
		return;
	if (rte_pktmbuf_append(m, len) == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(rte_pktmbuf_mtod(m, uint8_t *), 0xa5, len);
	if (vp_tx_burst(&in->txq[0], &m, 1) == 0) {
		rte_pktmbuf_free(m);
		m = NULL;
	}
	if (trace)
		fprintf(stderr, "tx: %u\n", m != NULL);
}

/* ------------------------------------------------------------ checks */

static void
check_all(void)
{
	const uint16_t *bell = (const uint16_t *)md.bar2;
	uint64_t i;

	FZ_CHECK(rte_mempool_in_use_count(mp) == 0);
	/* the driver writes SLAVE_UP and nothing else */
	FZ_CHECK((md.status & ~(uint32_t)(VVU_STATUS_SLAVE_UP | VVU_STATUS_MASTER_UP) & ~md.junk) == 0);
	/* doorbell slots past max_vhost_queues, up to the shared memory, are never written */
	for (i = md.maxq; i < md.shm_off / 2; i++)
		FZ_CHECK(bell[i] == 0xffff);
	for (i = 0; i < VP_MAX_QUEUE_PAIRS; i++) {
		if (in->rxq[i].running || in->txq[i].running)
			FZ_CHECK(in->be.mem.nregions != 0 && in->gpa.nr != 0);
	}
}

/* ------------------------------------------------------------ iteration */

enum {
	OP_MSG, OP_MSG_RAW, OP_STATUS, OP_POLL, OP_REPLIES, OP_RING_POKE, OP_CONNECT,
	OP_OFFER, OP_RX, OP_TX, OP_SHM_POKE, OP_MSG2, OP__MAX
};

/*
 * What the device may reach through the addresses in descriptors: the two
 * queues' rings and buffers, the memory the driver gives it, and nothing else
 * of struct vvu. A device that writes anywhere (a descriptor poked to point at
 * the driver's own state, then followed) is not one a driver can defend
 * against. (When the whole of struct vvu was reachable, the campaign's only
 * findings were such a device overwriting vvu.dev.status, read at the next
 * poll: the model's doing, not the driver's.)
 */
static void
model_share(struct vvu *v)
{
	uint8_t *areas[4] = { v->rxq.ring, v->rxq.buf[0], v->txq.ring, v->txq.buf[0] };
	uint64_t lens[4] = { sizeof(v->rxq.ring), sizeof(v->rxq.buf), sizeof(v->txq.ring),
			     sizeof(v->txq.buf) };
	uint32_t i;

	md.all.nr = RTE_DIM(areas);
	for (i = 0; i < RTE_DIM(areas); i++) {
		md.all.region[i].addr = (uint64_t)(uintptr_t)areas[i];
		md.all.region[i].len = lens[i];
		md.all.region[i].local = areas[i];
	}
}

/* Transport and device from scratch: the port's rings detached, its state machine reset. */
static bool
model_reset(struct cur *c)
{
	struct vvu_dev vd;
	struct pring_layout l;
	uint8_t q = u8(c);

	vp_quiesce(in);
	vp_detach_all(in);
	vhost_be_reset(&in->be);
	memset(&in->gpa, 0, sizeof(in->gpa));
	vp_resume(in);
	md.maxq = (q & 0x80) ? 1u + u16(c) : 1u + q % 16;
	md.shm_off = RTE_ALIGN_CEIL(2ULL * (md.maxq + 1), VVU_SHM_ALIGN);
	md.status = 0;
	md.master_up = 0;
	md.junk = 0;
	md.ring_off[0] = 0x1000;
	md.ring_off[1] = 0x3000;
	memset(md.bar2, 0xff, RTE_MIN((uint64_t)BAR2_LEN, md.shm_off));
	if (md.shm_off < BAR2_LEN)
		memset(md.bar2 + md.shm_off, 0, BAR2_LEN - md.shm_off);
	vd = (struct vvu_dev){ .status = &md.status, .max_vhost_queues = md.maxq, .bar2 = md.bar2,
			       .bar2_len = BAR2_LEN, .notify = model_notify,
			       .ctx = in };
	if (vvu_start(in->vvu, &vd, &in->be) != 0) {
		FZ_CHECK(md.shm_off >= BAR2_LEN);
		return false;
	}
	model_share(in->vvu);
	FZ_CHECK(pring_layout_plain(&l, in->vvu->rxq.ring, VVU_QSIZE) == 0);
	FZ_CHECK(pring_dev_init(&md.rx, &l, &md.all, 0, true, false) == 0);
	FZ_CHECK(pring_layout_plain(&l, in->vvu->txq.ring, VVU_QSIZE) == 0);
	FZ_CHECK(pring_dev_init(&md.tx, &l, &md.all, 0, true, false) == 0);
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur c = { data, size };
	struct vhost_msg m;
	int ops;

	if (!model_reset(&c))
		return 0;
	check_all();
	for (ops = 0; ops < MAX_OPS && c.n > 0; ops++) {
		uint8_t op = u8(&c) % OP__MAX;
		size_t len;

		switch (op) {
		case OP_MSG:
		case OP_MSG2:
			len = build_msg(&c, &m);
			/* the used length the device claims: the message's, or anything */
			model_deliver(&m, len, (u8(&c) & 1) ? u16(&c) : (uint32_t)len);
			break;
		case OP_MSG_RAW: {
			uint8_t raw[VVU_BUF];
			uint16_t n = u16(&c) % (VVU_BUF + 1), k;

			for (k = 0; k < n && c.n > 0; k++)
				raw[k] = u8(&c);
			model_deliver(raw, k, k);
			break;
		}
		case OP_STATUS: {
			uint8_t b = u8(&c);

			md.master_up = (b & 1) ? VVU_STATUS_MASTER_UP : 0;
			model_assert_status();
			if (b & 2) { /* a device that writes anything */
				md.status = u32(&c);
				md.junk = md.status & ~(uint32_t)(VVU_STATUS_SLAVE_UP | VVU_STATUS_MASTER_UP);
			}
			break;
		}
		case OP_POLL:
			md.status |= md.master_up; /* what the driver's last write cleared, the device still holds */
			vp_vvu_ctl_poll(in, u8(&c) & 1);
			break;
		case OP_REPLIES:
			model_take_replies();
			break;
		case OP_RING_POKE: {
			/* the device scribbles on the transport's ring memory */
			uint8_t b = u8(&c), n = (uint8_t)(1 + u8(&c) % 16), k;
			uint8_t *ring = (b & 1) ? in->vvu->txq.ring : in->vvu->rxq.ring;
			uint16_t off = u16(&c) % sizeof(in->vvu->rxq.ring);

			for (k = 0; k < n && off + k < sizeof(in->vvu->rxq.ring); k++)
				ring[off + k] = u8(&c);
			break;
		}
		case OP_CONNECT:
			fe_connect(&c);
			break;
		case OP_OFFER: {
			uint8_t b = u8(&c);
			uint16_t off = u16(&c), l = u16(&c);

			fe_offer(b & 1, 0x6000 + off % 0x4000, l % 4096, (b & 1) == 0);
			break;
		}
		case OP_RX:
			op_rx(&c);
			break;
		case OP_TX:
			op_tx(&c);
			break;
		case OP_SHM_POKE: {
			uint16_t off = u16(&c);
			uint8_t n = (uint8_t)(1 + u8(&c) % 16), k;

			for (k = 0; k < n; k++)
				if (md.shm_off + off + k < BAR2_LEN)
					md.bar2[md.shm_off + off + k] = u8(&c);
			break;
		}
		}
		check_all();
	}
	/* the device goes away: the session ends and nothing stays attached */
	md.status = 0;
	md.master_up = 0;
	vp_vvu_ctl_poll(in, true);
	for (ops = 0; ops < VP_MAX_QUEUE_PAIRS; ops++)
		FZ_CHECK(!in->rxq[ops].running && !in->txq[ops].running);
	FZ_CHECK(!in->vvu->connected);
	check_all();
	return 0;
}

/* ------------------------------------------------------------ seeds */

/* Connect, a frame each way, a message from fields, MASTER_UP dropped, connect again. */
static void
seed_session(struct seed *s, unsigned int conn, bool violation)
{
	s->n = 0;
	put8(s, 3);                 /* max_vhost_queues 4 */
	put8(s, OP_CONNECT);
	put8(s, conn);
	put8(s, OP_OFFER);
	put8(s, 1);                 /* vring 1, readable */
	put16(s, 0);
	put16(s, 12 + 64);
	put8(s, OP_RX);
	put8(s, 3);
	put8(s, OP_OFFER);
	put8(s, 0);                 /* vring 0, writable */
	put16(s, 0x1000);
	put16(s, 2048);
	put8(s, OP_TX);
	put16(s, 100);
	put8(s, OP_MSG);
	put8(s, violation ? 1 : 0x20); /* SET_FEATURES 0 (no VERSION_1), or GET_FEATURES */
	put16(s, 0);                /* payload */
	put16(s, 0);
	if (!violation)
		put16(s, 0);        /* header size 0 */
	put8(s, 0);                 /* used length: the message's */
	put8(s, OP_POLL);
	put8(s, 1);
	put8(s, OP_STATUS);
	put8(s, 0);                 /* MASTER_UP gone */
	put8(s, OP_POLL);
	put8(s, 1);
	put8(s, OP_CONNECT);
	put8(s, conn);
}

/* A device that never takes the replies off txq: the 33rd reply finds no room. */
static void
seed_replies_stuck(struct seed *s)
{
	unsigned int i;

	s->n = 0;
	put8(s, 3);
	put8(s, OP_CONNECT);
	put8(s, 0);
	for (i = 0; i < 40; i++) {
		put8(s, OP_MSG);
		put8(s, 0x20);      /* GET_FEATURES, header size 0: a reply each */
		put16(s, 0);
		put16(s, 0);
		put16(s, 0);
		put8(s, 0);
		put8(s, OP_POLL);
		put8(s, 0);
	}
}

static int
make_seeds(const char *dir)
{
	struct seed s;

	seed_replies_stuck(&s);
	if (write_seed(dir, "replies-stuck", &s) < 0)
		return -1;

	seed_session(&s, 0, false);
	if (write_seed(dir, "session-doorbells", &s) < 0)
		return -1;
	seed_session(&s, 3, false);
	if (write_seed(dir, "session-mrg-nocall", &s) < 0)
		return -1;
	seed_session(&s, 0, true);
	return write_seed(dir, "session-violation", &s);
}

/* ------------------------------------------------------------ set-up */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev *dev;
	struct vp_args a;
	int i;

	for (i = 1; i < *argc; i++)
		if (strncmp((*argv)[i], "-seed_dir=", 10) == 0)
			exit(make_seeds((*argv)[i] + 10) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
	trace = fz_eal_init("fuzz_vp_vvu", "fzvvu", "128");
	mp = rte_pktmbuf_pool_create("fzvvu", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	md.bar2 = malloc(BAR2_LEN); /* exact size: ASan catches anything past it */
	dev = rte_eth_dev_allocate("net_vhost_pci_vvu_fuzz");
	if (mp == NULL || md.bar2 == NULL || dev == NULL)
		exit(EXIT_FAILURE);
	dev->device = &model_dev;
	/* heap, not rte_malloc: ASan puts redzones around these two and sees any overflow */
	in = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*in), RTE_CACHE_LINE_SIZE));
	if (in == NULL)
		exit(EXIT_FAILURE);
	memset(in, 0, sizeof(*in));
	dev->data->dev_private = in;
	port = dev->data->port_id;
	memset(&a, 0, sizeof(a));
	a.queues = 2;
	snprintf(a.iface, sizeof(a.iface), "fuzz");
	vp_internals_init(in, &a, port, true, &vp_vvu_be_ops, &vp_vvu_transport);
	in->vvu = aligned_alloc(64, RTE_ALIGN_CEIL(sizeof(struct vvu), 64));
	if (in->vvu == NULL)
		exit(EXIT_FAILURE);
	memset(in->vvu, 0, sizeof(struct vvu));
	vp_ethdev_setup(dev, in);
	rte_eth_dev_probing_finish(dev);
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, 2, 2, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, mp) != 0 ||
	    rte_eth_rx_queue_setup(port, 1, 256, 0, NULL, mp) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 256, 0, NULL) != 0 ||
	    rte_eth_tx_queue_setup(port, 1, 256, 0, NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		exit(EXIT_FAILURE);
	return 0;
}
