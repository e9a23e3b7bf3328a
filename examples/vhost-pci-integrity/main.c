/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * vhost-pci-integrity: sends sequence-numbered, checksummed frames of 60 to
 * 9000 bytes both ways between two ports (typically net_vhost_pci and DPDK's
 * net_virtio_user connected to it, both in this process) and checks every
 * frame that arrives: length, sequence (no loss, no reordering), contents.
 *
 * usage: dpdk-vhost-pci-integrity [EAL args] -- [--frames N] [--timeout S]
 *        [--min-len B] [--max-len B]
 * Ports 0 and 1 are used. Exit status 0 only if every frame arrived intact.
 */

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#define BURST 32
#define RING_SIZE 256
#define NB_MBUFS 8191
#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental */
#define HDR_LEN (RTE_ETHER_HDR_LEN + 16) /* eth, seq u64, len u32, crc u32 */

struct dir_state {
	uint16_t tx_port, rx_port;
	uint64_t next_seq;     /* next sequence number to build */
	uint64_t expect_seq;   /* next sequence number expected on rx */
	uint64_t received, ok, bad_len, bad_crc, lost, reordered;
	struct rte_mbuf *pending[BURST];
	uint16_t nb_pending;
};

static uint64_t opt_frames = 20000;
static unsigned int opt_timeout = 60;
static uint32_t opt_min = 60, opt_max = 9000;
static volatile int quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* Frame length for a sequence number: cycles through the whole range, odd sizes included. */
static uint32_t
frame_len(uint64_t seq)
{
	uint64_t span = opt_max - opt_min + 1;

	return opt_min + (uint32_t)((seq * 2654435761ULL) % span);
}

static uint8_t
pattern(uint64_t seq, uint32_t off)
{
	return (uint8_t)(seq * 31 + off * 7 + (off >> 8));
}

/* Append @p len bytes of the frame's pattern starting at offset @p off to a mbuf chain. */
static int
fill(struct rte_mempool *mp, struct rte_mbuf *head, uint64_t seq, uint32_t len)
{
	struct rte_mbuf *m = head;
	uint32_t off = 0;

	while (off < len) {
		uint32_t room = rte_pktmbuf_tailroom(m), k, i;
		uint8_t *p;

		if (room == 0) {
			struct rte_mbuf *n = rte_pktmbuf_alloc(mp);

			if (n == NULL || rte_pktmbuf_chain(head, n) < 0) {
				rte_pktmbuf_free(n);
				return -1;
			}
			m = n;
			continue;
		}
		k = RTE_MIN(room, len - off);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)k);
		if (m != head)
			head->pkt_len += k;
		for (i = 0; i < k; i++)
			p[i] = pattern(seq, off + i);
		off += k;
	}
	return 0;
}

/* CRC of the payload after the header, walking the mbuf chain. */
static uint32_t
payload_crc(const struct rte_mbuf *m, uint32_t len)
{
	uint8_t buf[9100];
	const uint8_t *p;

	if (len <= HDR_LEN || len > sizeof(buf))
		return 0;
	p = rte_pktmbuf_read(m, HDR_LEN, len - HDR_LEN, buf);
	return p ? rte_hash_crc(p, len - HDR_LEN, 0xffffffff) : 0;
}

static struct rte_mbuf *
build(struct rte_mempool *mp, struct dir_state *d)
{
	uint64_t seq = d->next_seq;
	uint32_t len = frame_len(seq), crc;
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eh;
	uint8_t *p;

	if (m == NULL)
		return NULL;
	if (fill(mp, m, seq, len) < 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	/* the header goes over the first pattern bytes (the first segment holds at least 64) */
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_eth_macaddr_get(d->tx_port, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ETHERTYPE_TEST);
	p = (uint8_t *)(eh + 1);
	memcpy(p, &seq, 8);
	memcpy(p + 8, &len, 4);
	crc = payload_crc(m, len);
	memcpy(p + 12, &crc, 4);
	d->next_seq++;
	return m;
}

static void
check(struct dir_state *d, struct rte_mbuf *m)
{
	uint8_t hdr[HDR_LEN];
	const uint8_t *p = rte_pktmbuf_read(m, 0, HDR_LEN, hdr);
	uint64_t seq;
	uint32_t len, crc;

	d->received++;
	if (p == NULL || m->pkt_len < HDR_LEN) {
		d->bad_len++;
		return;
	}
	memcpy(&seq, p + RTE_ETHER_HDR_LEN, 8);
	memcpy(&len, p + RTE_ETHER_HDR_LEN + 8, 4);
	memcpy(&crc, p + RTE_ETHER_HDR_LEN + 12, 4);
	if (len != m->pkt_len || len != frame_len(seq)) {
		d->bad_len++;
		return;
	}
	if (crc != payload_crc(m, len)) {
		d->bad_crc++;
		return;
	}
	if (seq < d->expect_seq) {
		d->reordered++;
		return;
	}
	d->lost += seq - d->expect_seq;
	d->expect_seq = seq + 1;
	d->ok++;
}

static void
step(struct rte_mempool *mp, struct dir_state *d)
{
	struct rte_mbuf *rx[BURST];
	uint16_t n, i, sent;

	while (d->nb_pending < BURST && d->next_seq < opt_frames) {
		struct rte_mbuf *m = build(mp, d);

		if (m == NULL)
			break;
		d->pending[d->nb_pending++] = m;
	}
	if (d->nb_pending) {
		sent = rte_eth_tx_burst(d->tx_port, 0, d->pending, d->nb_pending);
		memmove(d->pending, d->pending + sent, (d->nb_pending - sent) * sizeof(d->pending[0]));
		d->nb_pending -= sent;
	}
	n = rte_eth_rx_burst(d->rx_port, 0, rx, BURST);
	for (i = 0; i < n; i++) {
		check(d, rx[i]);
		rte_pktmbuf_free(rx[i]);
	}
}

static int
port_setup(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	int ret;

	ret = rte_eth_dev_info_get(port, &info);
	if (ret < 0)
		return ret;
	conf.rxmode.mtu = RTE_MIN(opt_max - RTE_ETHER_HDR_LEN, (uint32_t)info.max_mtu);
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(port, 0, RING_SIZE, rte_socket_id(), NULL, mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(port, 0, RING_SIZE, rte_socket_id(), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(port);
	return ret;
}

static int
wait_link(uint16_t port, unsigned int seconds)
{
	struct rte_eth_link link;
	unsigned int i;

	for (i = 0; i < seconds * 10 && !quit; i++) {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return 0;
		rte_delay_ms(100);
	}
	return -1;
}

static void
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "frames", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "min-len", required_argument, NULL, 'm' },
		{ "max-len", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f': opt_frames = strtoull(optarg, NULL, 0); break;
		case 't': opt_timeout = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'm': opt_min = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'M': opt_max = (uint32_t)strtoul(optarg, NULL, 0); break;
		default: rte_exit(EXIT_FAILURE, "bad arguments\n");
		}
	}
	if (opt_min < 64 - 4 || opt_max > 9000 || opt_min > opt_max)
		rte_exit(EXIT_FAILURE, "lengths must satisfy 60 <= min <= max <= 9000\n");
	if (opt_min < HDR_LEN)
		opt_min = HDR_LEN;
}

static int
report(const char *name, const struct dir_state *d)
{
	printf("%s: sent %" PRIu64 " received %" PRIu64 " ok %" PRIu64 " bad_len %" PRIu64
	       " bad_crc %" PRIu64 " lost %" PRIu64 " reordered %" PRIu64 "\n", name, d->next_seq,
	       d->received, d->ok, d->bad_len, d->bad_crc, d->lost, d->reordered);
	return d->ok == opt_frames && d->received == opt_frames ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct dir_state ab = { .tx_port = 0, .rx_port = 1 }, ba = { .tx_port = 1, .rx_port = 0 };
	struct rte_mempool *mp;
	uint64_t deadline;
	int ret, bad;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed\n");
	parse_args(argc - ret, argv + ret);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rte_eth_dev_count_avail() < 2)
		rte_exit(EXIT_FAILURE, "need two ports\n");
	mp = rte_pktmbuf_pool_create("integrity", NB_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL)
		rte_exit(EXIT_FAILURE, "mbuf pool\n");
	if (port_setup(0, mp) < 0 || port_setup(1, mp) < 0)
		rte_exit(EXIT_FAILURE, "port setup failed\n");
	if (wait_link(0, 10) < 0 || wait_link(1, 10) < 0)
		rte_exit(EXIT_FAILURE, "link did not come up\n");
	printf("frames %" PRIu64 " each way, %u..%u bytes\n", opt_frames, opt_min, opt_max);
	deadline = rte_get_timer_cycles() + (uint64_t)opt_timeout * rte_get_timer_hz();
	while (!quit && rte_get_timer_cycles() < deadline &&
	       (ab.expect_seq < opt_frames || ba.expect_seq < opt_frames)) {
		step(mp, &ab);
		step(mp, &ba);
	}
	bad = report("port0->port1", &ab) | report("port1->port0", &ba);
	rte_pktmbuf_free_bulk(ab.pending, ab.nb_pending);
	rte_pktmbuf_free_bulk(ba.pending, ba.nb_pending);
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	rte_eth_dev_close(1);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	printf("%s\n", bad ? "FAIL" : "PASS");
	return bad;
}
