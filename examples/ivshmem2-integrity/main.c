/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * ivshmem2-integrity: send sequence-numbered, checksummed frames of 60 to
 * 9000 bytes across a link (port 0) and verify every one on the other side.
 *
 *   ivshmem2-integrity [EAL args] -- --role tx|rx [--count N] [--queues Q]
 *                      [--min B] [--max B] [--timeout S] [--tx-pool] [--until-link-down]
 *
 * Each queue carries its own sequence; frame n on a queue has a length and
 * payload that are functions of n, so the receiver checks length, content
 * (CRC), loss and order per queue. The sender backs off when the ring is
 * full (no loss by overload) and stays attached until the receiver leaves,
 * so nothing in flight is thrown away. Exit status 0 only if the receiver
 * got all N frames of every queue intact and in order.
 *
 * --tx-pool (sender, port with tx_pool=): frames that fit one buffer are
 * built straight in mbufs of the queue's zero-copy TX pool
 * (rte_pmd_ivshmem2_tx_pool_get), the others in ordinary chains; once the
 * link is down every pool mbuf must be back in its pool. With
 * --until-link-down the link going down (the receiver killed) ends the run
 * early and is not a failure; the pools must be full all the same.
 */

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "rte_pmd_ivshmem2.h"

#define INTEG_ETHERTYPE 0x88B5 /* IEEE local experimental */
#define INTEG_MAGIC 0x49544731u
#define INTEG_MAX_FRAME 9000
#define INTEG_MAX_QUEUES 8
#define INTEG_BURST 32
#define INTEG_SEG 2048

struct integ_hdr {
	struct rte_ether_hdr eth;
	uint32_t magic;
	uint16_t queue;
	uint16_t len;
	uint64_t seq;
	uint32_t crc; /* over the bytes after this header */
} __rte_packed __rte_aligned(2);

struct integ_opts {
	int tx; /**< 1: send, 0: receive, -1: not given */
	uint64_t count;
	uint16_t queues;
	uint32_t min;
	uint32_t max;
	unsigned int timeout;
	bool tx_pool;         /**< build frames in the TX pool when they fit */
	bool until_link_down; /**< the link going down ends the run (peer killed) */
};

struct integ_rxstat {
	uint64_t expect;
	uint64_t ok;
	uint64_t lost;
	uint64_t corrupt;
	uint64_t reordered;
};

static volatile bool quit;

static void
integ_signal(int sig)
{
	(void)sig;
	quit = true;
}

static uint32_t
integ_len(const struct integ_opts *o, uint64_t seq)
{
	return o->min + (uint32_t)((seq * 7919u) % (o->max - o->min + 1));
}

/* Write frame @p seq of queue @p q into @p buf; returns its length. */
static uint32_t
integ_build(const struct integ_opts *o, uint16_t q, uint64_t seq, uint8_t *buf)
{
	struct integ_hdr *h = (struct integ_hdr *)buf;
	uint32_t len = integ_len(o, seq), i;

	memset(&h->eth.dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	memset(&h->eth.src_addr, 0x02, RTE_ETHER_ADDR_LEN);
	h->eth.ether_type = rte_cpu_to_be_16(INTEG_ETHERTYPE);
	h->magic = INTEG_MAGIC;
	h->queue = q;
	h->len = (uint16_t)len;
	h->seq = seq;
	for (i = sizeof(*h); i < len; i++)
		buf[i] = (uint8_t)(seq * 131 + i * 31 + q);
	h->crc = rte_hash_crc(buf + sizeof(*h), len - sizeof(*h), 0);
	return len;
}

/* An mbuf chain of INTEG_SEG-byte segments holding @p len bytes of @p buf. */
static struct rte_mbuf *
integ_mbuf(struct rte_mempool *mp, const uint8_t *buf, uint32_t len)
{
	struct rte_mbuf *head = NULL, *prev = NULL;
	uint32_t off = 0;

	while (off < len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t n = RTE_MIN(len - off, (uint32_t)INTEG_SEG);

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		memcpy(rte_pktmbuf_mtod(m, void *), buf + off, n);
		m->data_len = (uint16_t)n;
		if (head == NULL) {
			head = m;
		} else {
			prev->next = m;
			head->nb_segs++;
		}
		prev = m;
		off += n;
	}
	head->pkt_len = len;
	return head;
}

static bool
integ_link_wait(uint16_t port, bool up, unsigned int seconds)
{
	uint64_t end = rte_get_timer_cycles() + seconds * rte_get_timer_hz();
	struct rte_eth_link link;

	while (!quit && rte_get_timer_cycles() < end) {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == up)
			return true;
		rte_delay_ms(10);
	}
	return false;
}

static uint64_t
integ_xstat(const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(0, name, &id) == 0)
		rte_eth_xstats_get_by_id(0, &id, &v, 1);
	return v;
}

/* Frame @p seq of queue @p q built in place in a TX pool mbuf, or NULL when it does not fit. */
static struct rte_mbuf *
integ_pool_mbuf(const struct integ_opts *o, struct rte_mempool *pool, uint16_t q, uint64_t seq)
{
	struct rte_mbuf *m;
	uint32_t len;

	if (pool == NULL ||
	    integ_len(o, seq) > (uint32_t)(rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM))
		return NULL;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return NULL;
	len = integ_build(o, q, seq, rte_pktmbuf_mtod(m, uint8_t *));
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

/* Every pool mbuf must be home once the link is down. @return 0 when they are. */
static int
integ_pools_check(const struct integ_opts *o, struct rte_mempool *const *pool)
{
	int bad = 0;
	uint16_t q;

	for (q = 0; q < o->queues && o->tx_pool; q++) {
		unsigned int avail = rte_mempool_avail_count(pool[q]);

		printf("integrity tx: queue %u TX pool: %u of %u mbufs back\n", q, avail, pool[q]->size);
		bad |= avail != pool[q]->size;
	}
	if (o->tx_pool)
		printf("integrity tx: tx_zc_pkts %" PRIu64 ", tx_zc_reaped %" PRIu64
		       ", tx_zc_released %" PRIu64 "\n", integ_xstat("tx_zc_pkts"),
		       integ_xstat("tx_zc_reaped"), integ_xstat("tx_zc_released"));
	return bad;
}

static bool
integ_link_up_now(void)
{
	struct rte_eth_link link;

	return rte_eth_link_get_nowait(0, &link) == 0 && link.link_status;
}

static int
integ_tx(const struct integ_opts *o, struct rte_mempool *mp)
{
	static uint8_t buf[INTEG_MAX_FRAME];
	struct rte_mempool *pool[INTEG_MAX_QUEUES] = { NULL };
	uint64_t seq[INTEG_MAX_QUEUES] = { 0 }, sent = 0, total = o->count * o->queues;
	uint64_t end = rte_get_timer_cycles() + o->timeout * rte_get_timer_hz();
	bool lost_link = false;
	uint16_t q;

	for (q = 0; q < o->queues && o->tx_pool; q++) {
		pool[q] = rte_pmd_ivshmem2_tx_pool_get(0, q);
		if (pool[q] == NULL) {
			fprintf(stderr, "integrity tx: no TX pool on queue %u: %s\n", q,
				rte_strerror(rte_errno));
			return 1;
		}
	}
	if (!integ_link_wait(0, true, o->timeout)) {
		fprintf(stderr, "integrity tx: link did not come up\n");
		return 1;
	}
	while (!quit && sent < total && rte_get_timer_cycles() < end) {
		if (o->until_link_down && (sent & 1023) == 0 && !integ_link_up_now()) {
			lost_link = true;
			break;
		}
		for (q = 0; q < o->queues; q++) {
			struct rte_mbuf *m;

			if (seq[q] == o->count)
				continue;
			m = integ_pool_mbuf(o, pool[q], q, seq[q]);
			if (m == NULL)
				m = integ_mbuf(mp, buf, integ_build(o, q, seq[q], buf));
			if (m == NULL)
				continue;
			/* Ring full: retry the same frame, never drop it. */
			while (!quit && rte_eth_tx_burst(0, q, &m, 1) == 0 &&
			       rte_get_timer_cycles() < end)
				;
			seq[q]++;
			sent++;
		}
	}
	printf("integrity tx: %" PRIu64 " frames sent on %u queues%s\n", sent, o->queues,
	       lost_link ? ", then the link went down" : "");
	/* Stay attached until the receiver is done with what is in flight. */
	integ_link_wait(0, false, o->timeout);
	if (integ_pools_check(o, pool) != 0) {
		fprintf(stderr, "integrity tx: TX pool mbufs missing after the link went down\n");
		return 1;
	}
	return sent == total || lost_link ? 0 : 1;
}

static void
integ_check(const struct integ_opts *o, uint16_t q, struct rte_mbuf *m, struct integ_rxstat *st)
{
	static uint8_t buf[INTEG_MAX_FRAME];
	const struct integ_hdr *h;
	uint32_t len = m->pkt_len;

	if (len < sizeof(*h) || len > INTEG_MAX_FRAME) {
		st->corrupt++;
		return;
	}
	h = rte_pktmbuf_read(m, 0, len, buf);
	if (h == NULL || h->eth.ether_type != rte_cpu_to_be_16(INTEG_ETHERTYPE) ||
	    h->magic != INTEG_MAGIC || h->queue != q || h->len != len ||
	    integ_len(o, h->seq) != len ||
	    h->crc != rte_hash_crc((const uint8_t *)h + sizeof(*h), len - sizeof(*h), 0)) {
		st->corrupt++;
		return;
	}
	if (h->seq < st->expect) {
		st->reordered++;
		return;
	}
	st->lost += h->seq - st->expect;
	st->expect = h->seq + 1;
	st->ok++;
}

static int
integ_rx(const struct integ_opts *o)
{
	struct integ_rxstat st[INTEG_MAX_QUEUES];
	struct rte_mbuf *pkts[INTEG_BURST];
	uint64_t end = rte_get_timer_cycles() + o->timeout * rte_get_timer_hz();
	uint16_t q, n, i, done = 0;
	int bad = 0;

	memset(st, 0, sizeof(st));
	while (!quit && done < o->queues && rte_get_timer_cycles() < end) {
		for (q = 0, done = 0; q < o->queues; q++) {
			n = rte_eth_rx_burst(0, q, pkts, INTEG_BURST);
			for (i = 0; i < n; i++)
				integ_check(o, q, pkts[i], &st[q]);
			rte_pktmbuf_free_bulk(pkts, n);
			done += st[q].expect >= o->count;
		}
	}
	for (q = 0; q < o->queues; q++) {
		printf("integrity rx: queue %u: %" PRIu64 " ok, %" PRIu64 " lost, %" PRIu64
		       " corrupt, %" PRIu64 " reordered, %" PRIu64 " missing at the end\n",
		       q, st[q].ok, st[q].lost, st[q].corrupt, st[q].reordered,
		       o->count > st[q].expect ? o->count - st[q].expect : 0);
		bad |= st[q].ok != o->count || st[q].lost || st[q].corrupt || st[q].reordered;
	}
	printf("integrity rx: %s\n", bad ? "FAIL" : "PASS");
	return bad;
}

static int
integ_parse(int argc, char **argv, struct integ_opts *o)
{
	static const struct option lo[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "queues", required_argument, NULL, 'q' },
		{ "min", required_argument, NULL, 'a' },
		{ "max", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "tx-pool", no_argument, NULL, 'p' },
		{ "until-link-down", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct integ_opts){ .count = 100000, .queues = 1, .min = 60,
				  .max = INTEG_MAX_FRAME, .timeout = 60 };
	o->tx = -1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r': o->tx = strcmp(optarg, "tx") == 0; break;
		case 'n': o->count = strtoull(optarg, NULL, 0); break;
		case 'q': o->queues = (uint16_t)atoi(optarg); break;
		case 'a': o->min = (uint32_t)atoi(optarg); break;
		case 'b': o->max = (uint32_t)atoi(optarg); break;
		case 't': o->timeout = (unsigned int)atoi(optarg); break;
		case 'p': o->tx_pool = true; break;
		case 'd': o->until_link_down = true; break;
		default: return -1;
		}
	}
	if (o->queues < 1 || o->queues > INTEG_MAX_QUEUES || o->min < sizeof(struct integ_hdr) ||
	    o->max > INTEG_MAX_FRAME || o->min > o->max || o->count == 0)
		return -1;
	return 0;
}

static int
integ_port_init(const struct integ_opts *o, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = {
		.rxmode = { .mtu = INTEG_MAX_FRAME - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN,
			    .offloads = RTE_ETH_RX_OFFLOAD_SCATTER },
		.txmode = { .offloads = RTE_ETH_TX_OFFLOAD_MULTI_SEGS },
	};
	uint16_t q;

	if (rte_eth_dev_count_avail() < 1)
		return -1;
	if (rte_eth_dev_configure(0, o->queues, o->queues, &conf) < 0)
		return -1;
	for (q = 0; q < o->queues; q++) {
		if (rte_eth_rx_queue_setup(0, q, 0, rte_socket_id(), NULL, mp) < 0 ||
		    rte_eth_tx_queue_setup(0, q, 0, rte_socket_id(), NULL) < 0)
			return -1;
	}
	return rte_eth_dev_start(0);
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp;
	struct integ_opts o;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "integrity: EAL init failed\n");
		return 2;
	}
	if (integ_parse(argc - ret, argv + ret, &o) < 0 || o.tx < 0) {
		fprintf(stderr, "usage: %s [EAL args] -- --role tx|rx [--count N] [--queues Q]"
			" [--min B] [--max B] [--timeout S] [--tx-pool] [--until-link-down]\n", argv[0]);
		return 2;
	}
	signal(SIGINT, integ_signal);
	signal(SIGTERM, integ_signal);
	mp = rte_pktmbuf_pool_create("integ", 16383, 256, 0, INTEG_SEG + RTE_PKTMBUF_HEADROOM,
				     rte_socket_id());
	if (mp == NULL || integ_port_init(&o, mp) < 0) {
		fprintf(stderr, "integrity: port 0 set-up failed\n");
		return 2;
	}
	ret = o.tx ? integ_tx(&o, mp) : integ_rx(&o);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return ret;
}
