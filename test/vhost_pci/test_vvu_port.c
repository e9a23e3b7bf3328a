/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * EXPERIMENTAL virtio-vhost-user flavour, a whole port against an in-memory
 * device model: the ethdev (vp_ethdev.c), the control step (vp_vvu_ctl.c),
 * the transport core (vp_vvu.c) and the shared datapath, with the model
 * playing both the device (rxq/txq, status, BAR 2) and the front-end (its
 * split rings and frames live in the model's BAR 2 shared memory). Only
 * vp_vvu_pci.c (MMIO, EAL's BAR mappings) is left out. EAL runs without
 * hugepages.
 */

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dev_driver.h>
#include <ethdev_driver.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "vp_devargs.h"
#include "vp_internal.h"
#include "vp_vvu.h"
#include "../vhost_msg/vhost_msg_test_util.h"

#define BAR2_LEN (2u << 20)
#define MAXQ 4
#define SHM_OFF 4096               /* ALIGN_UP(2 * (MAXQ + 1), 4096) */
#define GPA 0x40000000ULL
#define UVA 0x7f0000000000ULL
#define REGION (1u << 20)
#define NUM 256
#define RX_BUF 0x80000             /* front-end buffers, region offsets */
#define TX_BUF 0x90000
#define NB_MBUF 1023

struct model {
	uint32_t status;
	uint8_t bar2[BAR2_LEN] __attribute__((aligned(4096)));
	struct pring_dev rx, tx;     /* the device's ends of rxq and txq */
	struct pring_xlate all;      /* device view of the transport's memory */
	uint16_t fe_avail[2];        /* front-end avail index per vring */
};

/* ethdev wants a device with a driver behind every port */
static struct rte_driver model_drv = { .name = "net_vhost_pci_vvu_model" };
static struct rte_device model_dev = { .name = "vvu_model", .driver = &model_drv,
				       .numa_node = SOCKET_ID_ANY };
static struct model *md;
static struct rte_mempool *mp;
static uint16_t port;
static struct vp_internals *in;
static struct vhost_msg m;

static void
model_notify(void *ctx, uint16_t vq)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(vq);
}

static uint8_t *
fe_mem(uint64_t off)
{
	return md->bar2 + SHM_OFF + off;
}

/* Vring q's areas in front-end memory (region offsets). */
static uint64_t ring_off(uint16_t q) { return 0x10000ULL * (q + 1); }

static void
model_send(const void *msg, size_t len)
{
	struct pring_chain c;
	struct pring_seg s[4];
	uint32_t w = (uint32_t)len;

	ck_assert_uint_eq(pring_dev_peek(&md->rx, &c, 1, s, 4), 1);
	ck_assert_uint_ge(c.wlen, len);
	memcpy(s[0].ptr, msg, len);
	pring_dev_complete(&md->rx, &c, 1, &w);
}

/* Run control steps until the port has nothing left to do. */
static void
settle(void)
{
	int i;

	for (i = 0; i < 64 && vvu_pending(in->vvu); i++)
		vp_vvu_ctl_poll(in, false);
	vp_vvu_ctl_poll(in, true);
}

static int
link_up(void)
{
	struct rte_eth_link l;

	ck_assert_int_eq(rte_eth_link_get_nowait(port, &l), 0);
	return l.link_status == RTE_ETH_LINK_UP;
}

/* The front-end's handshake: split rings, calls through doorbells, no kicks. */
static void
frontend_connect(void)
{
	struct vhost_mem_region reg = { GPA, REGION, UVA, 0 };
	uint16_t q;

	memset(fe_mem(0), 0, REGION);
	md->fe_avail[0] = md->fe_avail[1] = 0;
	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, 1ULL << VIRTIO_F_VERSION_1));
	model_send(&m, mk_mem(&m, 1, &reg));
	settle();
	for (q = 0; q < 2; q++) {
		uint64_t o = UVA + ring_off(q);

		model_send(&m, mk_state(&m, VHOST_USER_SET_VRING_NUM, q, NUM));
		model_send(&m, mk_state(&m, VHOST_USER_SET_VRING_BASE, q, 0));
		model_send(&m, mk_addr(&m, q, o, o + 0x1000, o + 0x2000));
		model_send(&m, mk_u64(&m, VHOST_USER_SET_VRING_CALL, q)); /* no NOFD: doorbell */
		model_send(&m, mk_u64(&m, VHOST_USER_SET_VRING_KICK, q | VHOST_USER_VRING_NOFD_MASK));
		settle();
	}
}

/* The front-end offers one buffer at region offset @p off on vring @p q. */
static void
fe_offer(uint16_t q, uint64_t off, uint32_t len, bool writable)
{
	uint8_t *desc = fe_mem(ring_off(q)), *avail = fe_mem(ring_off(q) + 0x1000);
	uint16_t head = md->fe_avail[q] % NUM, idx = (uint16_t)(md->fe_avail[q] + 1);
	uint64_t addr = GPA + off;
	uint16_t flags = writable ? 2 : 0;

	memcpy(desc + 16 * head, &addr, 8);
	memcpy(desc + 16 * head + 8, &len, 4);
	memcpy(desc + 16 * head + 12, &flags, 2);
	memcpy(avail + 4 + 2 * (head % NUM), &head, 2);
	__atomic_store_n((uint16_t *)(avail + 2), idx, __ATOMIC_RELEASE);
	md->fe_avail[q] = idx;
}

static uint16_t
fe_used_idx(uint16_t q)
{
	return __atomic_load_n((uint16_t *)fe_mem(ring_off(q) + 0x2000 + 2), __ATOMIC_ACQUIRE);
}

static uint16_t
doorbell(uint16_t q)
{
	return __atomic_load_n((uint16_t *)md->bar2 + q, __ATOMIC_ACQUIRE);
}

static unsigned int
pool_free(void)
{
	return rte_mempool_avail_count(mp);
}

static void
setup(void)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev *dev;
	struct vvu_dev vd;
	struct vp_args a;

	md = aligned_alloc(4096, sizeof(*md));
	ck_assert_ptr_nonnull(md);
	memset(md, 0, sizeof(*md));
	memset(md->bar2, 0xff, SHM_OFF); /* doorbells: 0xffff until rung */
	dev = rte_eth_dev_allocate("net_vhost_pci_vvu_model");
	ck_assert_ptr_nonnull(dev);
	dev->device = &model_dev;
	dev->data->dev_private = rte_zmalloc("vvu_model", sizeof(*in), RTE_CACHE_LINE_SIZE);
	ck_assert_ptr_nonnull(dev->data->dev_private);
	in = dev->data->dev_private;
	port = dev->data->port_id;
	memset(&a, 0, sizeof(a));
	a.queues = 1;
	snprintf(a.iface, sizeof(a.iface), "model");
	vp_internals_init(in, &a, port, true, &vp_vvu_be_ops, &vp_vvu_transport);
	in->vvu = rte_zmalloc("vvu", sizeof(struct vvu), 64);
	ck_assert_ptr_nonnull(in->vvu);
	vd = (struct vvu_dev){ .status = &md->status, .max_vhost_queues = MAXQ, .bar2 = md->bar2,
			       .bar2_len = BAR2_LEN, .notify = model_notify,
			       .ctx = in };
	ck_assert_int_eq(vvu_start(in->vvu, &vd, &in->be), 0);
	{
		struct pring_layout l;

		md->all.nr = 1;
		md->all.region[0].addr = (uint64_t)(uintptr_t)in->vvu;
		md->all.region[0].len = sizeof(struct vvu);
		md->all.region[0].local = (uint8_t *)in->vvu;
		ck_assert_int_eq(pring_layout_plain(&l, in->vvu->rxq.ring, VVU_QSIZE), 0);
		ck_assert_int_eq(pring_dev_init(&md->rx, &l, &md->all, 0, true, false), 0);
		ck_assert_int_eq(pring_layout_plain(&l, in->vvu->txq.ring, VVU_QSIZE), 0);
		ck_assert_int_eq(pring_dev_init(&md->tx, &l, &md->all, 0, true, false), 0);
	}
	vp_ethdev_setup(dev, in);
	rte_eth_dev_probing_finish(dev);
	memset(&conf, 0, sizeof(conf));
	ck_assert_int_eq(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	ck_assert_int_eq(rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, mp), 0);
	ck_assert_int_eq(rte_eth_tx_queue_setup(port, 0, 256, 0, NULL), 0);
	ck_assert_int_eq(rte_eth_dev_start(port), 0);
	ck_assert(!link_up());
}

static void
teardown(void)
{
	struct vvu *v = in->vvu;

	rte_eth_dev_stop(port);
	rte_eth_dev_close(port); /* releases the port and dev_private */
	rte_free(v);
	free(md);
}

START_TEST(handshake_brings_link_up)
{
	frontend_connect();
	ck_assert(in->vvu->connected);
	ck_assert(link_up());
	ck_assert_uint_eq(in->connects, 1);
	ck_assert(in->rxq[0].running && in->txq[0].running);
	ck_assert(in->txq[0].doorbell == (volatile uint16_t *)md->bar2 + 0);
	ck_assert(in->rxq[0].doorbell == (volatile uint16_t *)md->bar2 + 1);
}
END_TEST

/* Front-end tx (vring 1) → our rx, out of BAR 2; the call rings doorbell 1. */
START_TEST(rx_from_bar2_rings_doorbell)
{
	struct rte_mbuf *pk[4];
	unsigned int free0 = pool_free();
	uint8_t *f = fe_mem(RX_BUF);
	int i;

	frontend_connect();
	memset(f, 0, 12);
	for (i = 0; i < 64; i++)
		f[12 + i] = (uint8_t)(i * 7 + 1);
	fe_offer(1, RX_BUF, 12 + 64, false);
	ck_assert_uint_eq(rte_eth_rx_burst(port, 0, pk, 4), 1);
	ck_assert_uint_eq(pk[0]->pkt_len, 64);
	ck_assert_mem_eq(rte_pktmbuf_mtod(pk[0], uint8_t *), f + 12, 64);
	ck_assert_uint_eq(fe_used_idx(1), 1);
	ck_assert_uint_eq(doorbell(1), 1);
	ck_assert_uint_eq(doorbell(0), 0xffff);
	rte_pktmbuf_free(pk[0]);
	ck_assert_uint_eq(pool_free(), free0);
}
END_TEST

/* Our tx → front-end rx (vring 0): header and frame written into BAR 2, doorbell 0. */
START_TEST(tx_into_bar2_rings_doorbell)
{
	struct rte_mbuf *mb = rte_pktmbuf_alloc(mp);
	uint8_t *f = fe_mem(TX_BUF), *d;
	uint32_t used_len;
	int i;

	frontend_connect();
	ck_assert_ptr_nonnull(mb);
	d = (uint8_t *)rte_pktmbuf_append(mb, 100);
	for (i = 0; i < 100; i++)
		d[i] = (uint8_t)(0xa0 ^ i);
	memset(f, 0xee, 2048);
	fe_offer(0, TX_BUF, 2048, true);
	ck_assert_uint_eq(rte_eth_tx_burst(port, 0, &mb, 1), 1);
	ck_assert_uint_eq(fe_used_idx(0), 1);
	memcpy(&used_len, fe_mem(ring_off(0) + 0x2000 + 4 + 4), 4);
	ck_assert_uint_eq(used_len, 12 + 100);
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(f[12 + i], (uint8_t)(0xa0 ^ i));
	ck_assert_uint_eq(doorbell(0), 0);
}
END_TEST

/* A frame of @p len bytes, byte i = seed ^ i, in one mbuf, or two if @p split is non-zero (at @p split). */
static struct rte_mbuf *
frame(uint32_t len, uint8_t seed, uint32_t split)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp), *m2;
	uint8_t *d;
	uint32_t i;

	ck_assert_ptr_nonnull(m);
	if (split == 0)
		split = len;
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)split);
	for (i = 0; i < split; i++)
		d[i] = (uint8_t)(seed ^ i);
	if (split < len) {
		m2 = rte_pktmbuf_alloc(mp);
		ck_assert_ptr_nonnull(m2);
		d = (uint8_t *)rte_pktmbuf_append(m2, (uint16_t)(len - split));
		for (i = split; i < len; i++)
			d[i - split] = (uint8_t)(seed ^ i);
		ck_assert_int_eq(rte_pktmbuf_chain(m, m2), 0);
	}
	return m;
}

/*
 * Four frames at once (the tx path's batch of four), one of which does not
 * qualify for it: buffer 2 too small (_i 0), buffer 1 read-only (_i 1),
 * frame 1 in two mbufs (_i 2). Exactly what one-by-one placement does:
 * the small or read-only buffer is never written and its frame and the ones
 * after it are dropped as too big (no MRG_RXBUF); the two-mbuf frame
 * arrives whole.
 */
START_TEST(tx_four_one_unfit)
{
	struct rte_mbuf *mb[4];
	uint32_t used_len, want_used = _i == 0 ? 2 : _i == 1 ? 1 : 4;
	uint16_t k, bad = _i == 0 ? 2 : 1;
	uint8_t *f;
	int i;

	frontend_connect();
	for (k = 0; k < 4; k++) {
		memset(fe_mem(TX_BUF + 0x1000u * k), 0xee, 0x1000);
		fe_offer(0, TX_BUF + 0x1000u * k, _i == 0 && k == bad ? 50 : 2048,
			 !(_i == 1 && k == bad));
		mb[k] = frame(100, (uint8_t)(0x10 * (k + 1)), _i == 2 && k == bad ? 60 : 0);
	}
	ck_assert_uint_eq(rte_eth_tx_burst(port, 0, mb, 4), 4);
	ck_assert_uint_eq(fe_used_idx(0), want_used);
	ck_assert_uint_eq(in->txq[0].drop[VP_DROP_TOO_BIG], 4 - want_used);
	for (k = 0; k < want_used; k++) {
		f = fe_mem(TX_BUF + 0x1000u * k);
		memcpy(&used_len, fe_mem(ring_off(0) + 0x2000 + 4 + 8u * k + 4), 4);
		ck_assert_uint_eq(used_len, 12 + 100);
		for (i = 0; i < 100; i++)
			ck_assert_uint_eq(f[12 + i], (uint8_t)((0x10 * (k + 1)) ^ i));
	}
	if (_i != 2) {
		f = fe_mem(TX_BUF + 0x1000u * bad);
		for (i = 0; i < 12 + 100; i++)
			ck_assert_uint_eq(f[i], 0xee);
	}
}
END_TEST

/*
 * A one-segment mbuf whose data_len is beyond its pkt_len (the application's
 * mistake): the fit is checked against what is copied, so nothing lands past
 * the front-end's buffer; the frame goes out as pkt_len says. _i: four at a
 * time (the batch paths) or one.
 */
START_TEST(tx_data_len_beyond_pkt_len)
{
	struct rte_mbuf *mb[4];
	uint16_t k, n = _i == 0 ? 4 : 1;
	uint32_t used_len;
	uint8_t *f, *d;
	int i;

	frontend_connect();
	for (k = 0; k < n; k++) {
		memset(fe_mem(TX_BUF + 0x1000u * k), 0xee, 0x1000);
		fe_offer(0, TX_BUF + 0x1000u * k, 12 + 100, true);
		mb[k] = frame(100, (uint8_t)(0x10 * (k + 1)), 0);
		d = (uint8_t *)rte_pktmbuf_append(mb[k], 200);
		ck_assert_ptr_nonnull(d);
		memset(d, 0x55, 200);
		mb[k]->pkt_len = 100;		/* data_len stays 300 */
	}
	ck_assert_uint_eq(rte_eth_tx_burst(port, 0, mb, n), n);
	ck_assert_uint_eq(fe_used_idx(0), n);
	for (k = 0; k < n; k++) {
		f = fe_mem(TX_BUF + 0x1000u * k);
		memcpy(&used_len, fe_mem(ring_off(0) + 0x2000 + 4 + 8u * k + 4), 4);
		ck_assert_uint_eq(used_len, 12 + 100);
		for (i = 0; i < 100; i++)
			ck_assert_uint_eq(f[12 + i], (uint8_t)((0x10 * (k + 1)) ^ i));
		for (i = 12 + 100; i < 0x1000; i++)
			ck_assert_uint_eq(f[i], 0xee);
	}
}
END_TEST

/* The front-end goes (the device clears both bits): rings detached, link down, no mbuf kept. */
START_TEST(frontend_gone_leaves_nothing)
{
	struct rte_mbuf *pk[4];
	unsigned int free0 = pool_free();

	frontend_connect();
	ck_assert(link_up());
	fe_offer(1, RX_BUF, 12 + 64, false);
	md->status = 0;
	settle();
	ck_assert(!link_up());
	ck_assert_uint_eq(in->disconnects, 1);
	ck_assert(!in->rxq[0].running && !in->txq[0].running);
	ck_assert(in->rxq[0].doorbell == NULL);
	ck_assert_uint_eq(in->gpa.nr, 0);
	ck_assert_uint_eq(in->be.mem.nregions, 0);
	ck_assert_uint_eq(md->status, VVU_STATUS_SLAVE_UP);
	ck_assert_uint_eq(rte_eth_rx_burst(port, 0, pk, 4), 0);
	ck_assert_uint_eq(pool_free(), free0);
	/* the next front-end is served from scratch */
	frontend_connect();
	ck_assert(link_up());
	ck_assert_uint_eq(in->connects, 2);
	fe_offer(1, RX_BUF, 12 + 64, false);
	ck_assert_uint_eq(rte_eth_rx_burst(port, 0, pk, 4), 1);
	rte_pktmbuf_free(pk[0]);
	ck_assert_uint_eq(pool_free(), free0);
}
END_TEST

/* A buffer outside the memory table: the ring stops, the control step drops the front-end. */
START_TEST(ring_violation_disconnects)
{
	struct rte_mbuf *pk[4];
	unsigned int free0 = pool_free();

	frontend_connect();
	fe_offer(1, REGION + 4096, 100, false);
	ck_assert_uint_eq(rte_eth_rx_burst(port, 0, pk, 4), 0);
	vp_vvu_ctl_poll(in, true);
	ck_assert_uint_eq(in->ring_violations, 1);
	ck_assert_uint_eq(md->status & VVU_STATUS_SLAVE_UP, 0);
	ck_assert(!link_up());
	ck_assert(!in->rxq[0].running);
	ck_assert_uint_eq(pool_free(), free0);
	md->status = 0; /* the device drops the front-end */
	settle();
	ck_assert_uint_eq(md->status, VVU_STATUS_SLAVE_UP);
}
END_TEST

/* A message violation through the port: counted in the xstat the socket flavour uses. */
START_TEST(message_violation_counted)
{
	md->status |= VVU_STATUS_MASTER_UP;
	model_send(&m, mk_u64(&m, VHOST_USER_SET_FEATURES, 1ULL << 28)); /* no VERSION_1 */
	vp_vvu_ctl_poll(in, false); /* one step: the next one would set SLAVE_UP again */
	ck_assert_uint_eq(in->be.err[VHOST_ERR_FEATURES], 1);
	ck_assert_uint_eq(md->status & VVU_STATUS_SLAVE_UP, 0);
	{
		struct rte_eth_xstat_name names[512];
		struct rte_eth_xstat xs[512];
		int n = rte_eth_xstats_get_names(port, names, 512), i;
		bool found = false;

		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(rte_eth_xstats_get(port, xs, 512), n);
		for (i = 0; i < n; i++)
			if (strcmp(names[i].name, "vhost_violation_features") == 0) {
				ck_assert_uint_eq(xs[i].value, 1);
				found = true;
			}
		ck_assert(found);
	}
}
END_TEST

static int
eal_setup(void)
{
	char prefix[64];
	char *argv[] = { "vvu_port", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			 "--no-telemetry", prefix, "--log-level=pmd.net.vhost_pci:warning", NULL };

	snprintf(prefix, sizeof(prefix), "--file-prefix=vvuport%d", getpid());
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("vvu_port", NB_MBUF, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM, 0);
	return mp == NULL ? -1 : 0;
}

int
main(void)
{
	Suite *s = suite_create("vp_vvu_port");
	TCase *tc = tcase_create("port");
	char rundir[PATH_MAX];
	SRunner *sr;
	int failed;

	if (eal_setup() != 0) {
		fprintf(stderr, "vvu_port: EAL set-up failed\n");
		return EXIT_FAILURE;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, handshake_brings_link_up);
	tcase_add_test(tc, rx_from_bar2_rings_doorbell);
	tcase_add_test(tc, tx_into_bar2_rings_doorbell);
	tcase_add_loop_test(tc, tx_four_one_unfit, 0, 3);
	tcase_add_loop_test(tc, tx_data_len_beyond_pkt_len, 0, 2);
	tcase_add_test(tc, frontend_gone_leaves_nothing);
	tcase_add_test(tc, ring_violation_disconnects);
	tcase_add_test(tc, message_violation_counted);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* EAL threads do not survive fork(): run in this process. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rte_mempool_free(mp);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir); /* EAL leaves its (empty, --no-shconf) runtime directory behind */
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
