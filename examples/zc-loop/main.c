/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * dpdk-zc-loop: what a frame costs a transport at its best, zero-copy
 * transmit included, measured in packets per CPU-second of one lcore.
 *
 * Ports 0 and 1 are the two ends of one link in this process. The one
 * forwarding lcore generates frames on each port and receives them on the
 * other, in both directions at once: per frame one allocation, one header
 * write (14 B Ethernet + 8 B sequence), one TX, one RX, one read of the
 * sequence, one free. Frames come from the port's zero-copy TX pool when the
 * driver offers one (net_ivshmem2 with tx_pool=, found with dlsym as its
 * guide says), otherwise from the program's pool (net_memif: a client with
 * zero-copy=yes sends the program's mbufs in place). At most --window
 * frames per direction are in flight, so every frame sent is received.
 *
 * --fwd instead forwards, as testpmd's io mode with --tx-first: --window
 * frames per direction are generated once, then every frame received on
 * one port is sent out of the other. Each port's RX queue takes its mbufs
 * from the other port's TX pool when there is one, so a frame received by
 * copy is sent on without a second copy (net_ivshmem2 then runs copy RX:
 * zero-copy RX cannot take a pool of pinned buffers, and its mbufs point
 * into the peer's section, which a TX would copy anyway).
 *
 * The figure is frames received per second of the lcore's thread CPU time
 * (CLOCK_THREAD_CPUTIME_ID, read twice per measurement, never per frame),
 * which stays meaningful when other work shares the CPU.
 *
 * usage: dpdk-zc-loop [EAL args] -- [--size B] [--time S] [--warmup S]
 *        [--window N] [--ring N] [--no-tx-pool] [--fwd]
 * prints: "RESULT mpkt_per_cpu_s=X pkts=N cpu_s=Y zc_pool=0|1 size=B bad=N total=N"
 * (total: frames received since the loop started, warm-up included: the
 * divisor for instruction counts of the whole loop, e.g. under callgrind)
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "rte_pmd_ivshmem2.h"

#define ZCL_BURST 32
#define ZCL_NB_MBUF 16383
#define ZCL_SEG 2048

struct zcl_opts {
	uint32_t size;
	double time;
	double warmup;
	uint32_t window;
	uint16_t ring;
	bool no_tx_pool;
	bool fwd;
};

struct zcl_dir {
	uint16_t tx_port;
	uint16_t rx_port;
	struct rte_mempool *pool; /**< where frames of this direction are built */
	uint64_t seq;
	uint64_t sent;
	uint64_t rcvd;
	uint64_t bad;
};

static volatile bool quit;
static struct zcl_opts opts = { .size = 64, .time = 5, .warmup = 1, .window = 128, .ring = 1024 };
static struct zcl_dir dirs[2];
static bool zc_pool;

static void
zcl_signal(int sig)
{
	(void)sig;
	quit = true;
}

static double
zcl_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Allocate, fill and send up to a burst, within the window. */
static void
zcl_send(struct zcl_dir *d, uint32_t size, uint32_t window)
{
	struct rte_mbuf *m[ZCL_BURST];
	uint64_t room = window - (d->sent - d->rcvd);
	unsigned int n = (unsigned int)RTE_MIN(room, (uint64_t)ZCL_BURST), i;
	uint16_t sent;

	if (n == 0 || rte_pktmbuf_alloc_bulk(d->pool, m, n) != 0)
		return;
	for (i = 0; i < n; i++) {
		uint8_t *p = rte_pktmbuf_mtod(m[i], uint8_t *);

		memset(p, 0xff, RTE_ETHER_ADDR_LEN);
		memset(p + RTE_ETHER_ADDR_LEN, 0x02, RTE_ETHER_ADDR_LEN);
		p[12] = 0x88;
		p[13] = 0xb5;
		memcpy(p + RTE_ETHER_HDR_LEN, &d->seq, sizeof(d->seq));
		d->seq++;
		m[i]->data_len = (uint16_t)size;
		m[i]->pkt_len = size;
	}
	sent = rte_eth_tx_burst(d->tx_port, 0, m, (uint16_t)n);
	d->sent += sent;
	if (sent < n) {
		/* Not sent: the sequence numbers go back too. */
		d->seq -= n - sent;
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	}
}

/* Receive a burst: read each frame's sequence, free. */
static void
zcl_recv(struct zcl_dir *d)
{
	struct rte_mbuf *m[ZCL_BURST];
	uint16_t n = rte_eth_rx_burst(d->rx_port, 0, m, ZCL_BURST), i;

	for (i = 0; i < n; i++) {
		uint64_t seq;

		memcpy(&seq, rte_pktmbuf_mtod_offset(m[i], uint8_t *, RTE_ETHER_HDR_LEN), sizeof(seq));
		d->bad += seq != d->rcvd + i;
	}
	d->rcvd += n;
	rte_pktmbuf_free_bulk(m, n);
}

/* --fwd: every frame received on one port goes out of the other. */
static void
zcl_forward(struct zcl_dir *d)
{
	struct rte_mbuf *m[ZCL_BURST];
	uint16_t n = rte_eth_rx_burst(d->rx_port, 0, m, ZCL_BURST), sent;

	if (n == 0)
		return;
	d->rcvd += n;
	sent = rte_eth_tx_burst(d->tx_port, 0, m, n);
	if (sent < n) {
		d->bad += n - sent;
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	}
}

static int
zcl_lcore(void *arg)
{
	uint64_t hz = rte_get_timer_hz(), start, warm_end, end;
	uint64_t pkts0 = 0, now, iter = 0;
	double cpu0 = 0;
	bool measuring = false;
	unsigned int k;

	(void)arg;
	start = rte_get_timer_cycles();
	warm_end = start + (uint64_t)(opts.warmup * (double)hz);
	end = warm_end + (uint64_t)(opts.time * (double)hz);
	while (!quit) {
		if (opts.fwd) {
			/*
			 * As testpmd io: what port 1 - k receives goes out of port k.
			 * The first --window frames are generated here, between
			 * receives: a memif client refills its zero-copy RX ring only
			 * in its RX burst, and the server cannot send before that.
			 */
			for (k = 0; k < 2; k++) {
				if (dirs[k].sent < opts.window)
					zcl_send(&dirs[k], opts.size, opts.window);
				zcl_forward(&dirs[k]);
			}
		} else {
			for (k = 0; k < 2; k++)
				zcl_send(&dirs[k], opts.size, opts.window);
			for (k = 0; k < 2; k++)
				zcl_recv(&dirs[k]);
		}
		if ((++iter & 0xff) != 0)
			continue;
		now = rte_get_timer_cycles();
		if (!measuring && now >= warm_end) {
			measuring = true;
			pkts0 = dirs[0].rcvd + dirs[1].rcvd;
			cpu0 = zcl_thread_cpu();
		} else if (measuring && now >= end) {
			break;
		}
	}
	if (measuring) {
		uint64_t pkts = dirs[0].rcvd + dirs[1].rcvd - pkts0;
		double cpu = zcl_thread_cpu() - cpu0;

		printf("RESULT mpkt_per_cpu_s=%.3f pkts=%" PRIu64 " cpu_s=%.3f zc_pool=%d size=%u"
		       " bad=%" PRIu64 " total=%" PRIu64 "\n", cpu > 0 ? (double)pkts / cpu / 1e6 : 0.0,
		       pkts, cpu, zc_pool, opts.size, dirs[0].bad + dirs[1].bad,
		       dirs[0].rcvd + dirs[1].rcvd);
		fflush(stdout); /* seen even if the process is then killed (e.g. under valgrind) */
	}
	quit = true;
	return 0;
}

static int
zcl_parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "size", required_argument, NULL, 's' },
		{ "time", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "window", required_argument, NULL, 'n' },
		{ "ring", required_argument, NULL, 'r' },
		{ "no-tx-pool", no_argument, NULL, 'p' },
		{ "fwd", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': opts.size = (uint32_t)atoi(optarg); break;
		case 't': opts.time = atof(optarg); break;
		case 'w': opts.warmup = atof(optarg); break;
		case 'n': opts.window = (uint32_t)atoi(optarg); break;
		case 'r': opts.ring = (uint16_t)atoi(optarg); break;
		case 'p': opts.no_tx_pool = true; break;
		case 'f': opts.fwd = true; break;
		default: return -1;
		}
	}
	if (opts.size < RTE_ETHER_HDR_LEN + 8 || opts.size > ZCL_SEG - RTE_PKTMBUF_HEADROOM ||
	    opts.window == 0 || opts.time <= 0)
		return -1;
	return 0;
}

/* RX from @p rx_pool, or @p mp when the driver refuses it (net_ivshmem2 zero-copy RX). */
static int
zcl_port_init(uint16_t port, struct rte_mempool *rx_pool, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };

	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0)
		return -1;
	if (rte_eth_rx_queue_setup(port, 0, opts.ring, rte_socket_id(), NULL, rx_pool) < 0) {
		if (rx_pool == mp ||
		    rte_eth_rx_queue_setup(port, 0, opts.ring, rte_socket_id(), NULL, mp) < 0)
			return -1;
		rx_pool = mp;
	}
	printf("zc-loop: port %u receives into %s\n", port, rx_pool->name);
	if (rte_eth_tx_queue_setup(port, 0, opts.ring, rte_socket_id(), NULL) < 0)
		return -1;
	return rte_eth_dev_start(port);
}

static bool
zcl_links_up(unsigned int seconds)
{
	uint64_t end = rte_get_timer_cycles() + seconds * rte_get_timer_hz();
	struct rte_eth_link l0, l1;

	while (!quit && rte_get_timer_cycles() < end) {
		if (rte_eth_link_get_nowait(0, &l0) == 0 && rte_eth_link_get_nowait(1, &l1) == 0 &&
		    l0.link_status && l1.link_status)
			return true;
		rte_delay_ms(10);
	}
	return false;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	unsigned int lcore;
	uint16_t k;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		return 2;
	if (zcl_parse(argc - ret, argv + ret) < 0 || rte_eth_dev_count_avail() < 2) {
		fprintf(stderr, "usage: %s [EAL args, two ports: the ends of one link] -- [--size B]"
			" [--time S] [--warmup S] [--window N] [--ring N] [--no-tx-pool]\n", argv[0]);
		return 2;
	}
	lcore = rte_get_next_lcore(-1, 1, 0);
	if (lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "zc-loop: needs a second lcore\n");
		return 2;
	}
	signal(SIGINT, zcl_signal);
	signal(SIGTERM, zcl_signal);
	mp = rte_pktmbuf_pool_create("zcl", ZCL_NB_MBUF, 256, 0, ZCL_SEG + RTE_PKTMBUF_HEADROOM,
				     rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "zc-loop: no mbuf pool\n");
		return 2;
	}
	for (k = 0; k < 2; k++) {
		struct rte_mempool *pool = opts.no_tx_pool ? NULL : rte_pmd_ivshmem2_tx_pool_find(k, 0);

		dirs[k].tx_port = k;
		dirs[k].rx_port = (uint16_t)(1 - k);
		dirs[k].pool = pool != NULL ? pool : mp;
		zc_pool = pool != NULL;
		printf("zc-loop: port %u sends from %s\n", k, dirs[k].pool->name);
	}
	/* --fwd: port k's RX feeds port 1 - k's TX, so it takes that port's pool. */
	if (zcl_port_init(0, opts.fwd ? dirs[1].pool : mp, mp) < 0 ||
	    zcl_port_init(1, opts.fwd ? dirs[0].pool : mp, mp) < 0) {
		fprintf(stderr, "zc-loop: port set-up failed\n");
		return 2;
	}
	if (!zcl_links_up(20)) {
		fprintf(stderr, "zc-loop: links did not come up\n");
		return 1;
	}
	rte_eal_remote_launch(zcl_lcore, NULL, lcore);
	rte_eal_mp_wait_lcore();
	for (k = 0; k < 2; k++) {
		rte_eth_dev_stop(k);
		rte_eth_dev_close(k);
	}
	rte_eal_cleanup();
	return 0;
}
