/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * dpdk-ping-pong: round-trip latency over one port of any PMD.
 *
 * --role pong reflects every frame it receives, unchanged (zero-copy RX
 * mbufs of net_ivshmem2 are read-only, so nothing is written into them).
 * --role ping sends --burst frames at a time, each carrying a run id, a
 * sequence number and the TSC at transmission, waits for all of them to come
 * back (or --timeout-us), and records TSC(now) - TSC(sent) per frame. The
 * first --warmup round trips are discarded. At the end it prints percentiles
 * in microseconds, and a machine-readable line starting with "RESULT".
 *
 * On a net_ivshmem2 port with tx_pool= (its zero-copy TX pool, found with
 * dlsym as doc/guides/nics/ivshmem2.md says), ping builds its frames in
 * the pool and pong receives into it, so neither copies a frame on the way
 * out (pong with zero_copy=1 falls back to its own pool: zero-copy RX
 * cannot take the TX pool). Other ports, or --no-tx-pool: the program's pool.
 *
 * usage: dpdk-ping-pong [EAL args] -- --role ping|pong [--port N]
 *        [--size B] [--count N] [--warmup N] [--burst N] [--timeout-us U]
 *        [--run-time S] [--link-timeout S] [--no-tx-pool]
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "rte_pmd_ivshmem2.h"
#include "stats.h"

#define RING_SIZE 512
#define NB_MBUFS 4095
#define MAX_BURST 32
#define ETHERTYPE_PP 0x88b5 /* IEEE local experimental */
#define PP_MAGIC 0x50504e47u /* "PPNG" */

struct pp_payload {
	uint32_t magic;
	uint32_t run;
	uint64_t seq;
	uint64_t tsc;
} __rte_packed;

#define PP_MIN_SIZE (RTE_ETHER_HDR_LEN + (int)sizeof(struct pp_payload))

enum role { ROLE_NONE, ROLE_PING, ROLE_PONG };

static enum role opt_role = ROLE_NONE;
static uint16_t opt_port;
static uint32_t opt_size = 64;
static uint64_t opt_count = 100000;
static uint64_t opt_warmup = 1000;
static unsigned int opt_burst = 1;
static uint64_t opt_timeout_us = 100000;
static double opt_run_time;
static unsigned int opt_link_timeout = 20;
static bool opt_no_tx_pool;
static volatile int quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL args] -- --role ping|pong [--port N] [--size B] [--count N]\n"
	       "       [--warmup N] [--burst N] [--timeout-us U] [--run-time S] [--link-timeout S]\n"
	       "       [--no-tx-pool]\n",
	       prog);
}

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"role", required_argument, NULL, 'r'},
		{"port", required_argument, NULL, 'p'},
		{"size", required_argument, NULL, 's'},
		{"count", required_argument, NULL, 'c'},
		{"warmup", required_argument, NULL, 'w'},
		{"burst", required_argument, NULL, 'b'},
		{"timeout-us", required_argument, NULL, 't'},
		{"run-time", required_argument, NULL, 'T'},
		{"link-timeout", required_argument, NULL, 'l'},
		{"no-tx-pool", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (strcmp(optarg, "ping") == 0)
				opt_role = ROLE_PING;
			else if (strcmp(optarg, "pong") == 0)
				opt_role = ROLE_PONG;
			else
				goto bad;
			break;
		case 'p':
			if (parse_u64(optarg, 0, RTE_MAX_ETHPORTS - 1, &v) < 0)
				goto bad;
			opt_port = (uint16_t)v;
			break;
		case 's':
			if (parse_u64(optarg, PP_MIN_SIZE, 9600, &v) < 0)
				goto bad;
			opt_size = (uint32_t)v;
			break;
		case 'c':
			if (parse_u64(optarg, 1, 100000000, &opt_count) < 0)
				goto bad;
			break;
		case 'w':
			if (parse_u64(optarg, 0, 100000000, &opt_warmup) < 0)
				goto bad;
			break;
		case 'b':
			if (parse_u64(optarg, 1, MAX_BURST, &v) < 0)
				goto bad;
			opt_burst = (unsigned int)v;
			break;
		case 't':
			if (parse_u64(optarg, 1, 10000000, &opt_timeout_us) < 0)
				goto bad;
			break;
		case 'T':
			opt_run_time = strtod(optarg, NULL);
			if (opt_run_time <= 0)
				goto bad;
			break;
		case 'l':
			if (parse_u64(optarg, 0, 3600, &v) < 0)
				goto bad;
			opt_link_timeout = (unsigned int)v;
			break;
		case 'n':
			opt_no_tx_pool = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			goto bad;
		}
	}
	if (opt_role == ROLE_NONE || optind != argc) {
		fprintf(stderr, "ping-pong: --role ping|pong is required\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "ping-pong: bad option value '%s' (see --help)\n", optarg ? optarg : "");
	return -1;
}

/* RX from @p rx_mp, or @p mp when the driver refuses it. */
static int
port_init(uint16_t port, struct rte_mempool *mp, struct rte_mempool *rx_mp)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = RING_SIZE, nb_txd = RING_SIZE;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	if (opt_size > RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN &&
	    info.max_rx_pktlen >= opt_size + RTE_ETHER_CRC_LEN)
		conf.rxmode.mtu = opt_size - RTE_ETHER_HDR_LEN;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	ret = rte_eth_rx_queue_setup(port, 0, nb_rxd, rte_eth_dev_socket_id(port), NULL, rx_mp);
	if (ret != 0 && rx_mp != mp)
		ret = rte_eth_rx_queue_setup(port, 0, nb_rxd, rte_eth_dev_socket_id(port), NULL, mp);
	else if (ret == 0 && rx_mp != mp)
		printf("ping-pong: port %u receives into its zero-copy TX pool %s\n", port, rx_mp->name);
	if (ret != 0)
		return ret;
	ret = rte_eth_tx_queue_setup(port, 0, nb_txd, rte_eth_dev_socket_id(port), NULL);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		return ret;
	rte_eth_promiscuous_enable(port);
	return 0;
}

static int
wait_link(uint16_t port)
{
	struct rte_eth_link link;
	uint64_t end = rte_get_timer_cycles() + (uint64_t)opt_link_timeout * rte_get_timer_hz();

	while (!quit) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
			return 0;
		if (rte_get_timer_cycles() > end)
			return -1;
		rte_delay_ms(10);
	}
	return -1;
}

/* Pong: send back whatever arrives; what the tx queue refuses is freed. */
static void
run_pong(uint16_t port)
{
	struct rte_mbuf *pkts[MAX_BURST];
	uint64_t reflected = 0, dropped = 0, end = 0;
	uint16_t n, sent;

	if (opt_run_time > 0)
		end = rte_get_timer_cycles() + (uint64_t)(opt_run_time * rte_get_timer_hz());
	printf("ping-pong: pong ready on port %u\n", port);
	fflush(stdout);
	while (!quit && (end == 0 || rte_get_timer_cycles() < end)) {
		n = rte_eth_rx_burst(port, 0, pkts, MAX_BURST);
		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(port, 0, pkts, n);
		reflected += sent;
		if (sent < n) {
			dropped += n - sent;
			rte_pktmbuf_free_bulk(&pkts[sent], n - sent);
		}
	}
	printf("ping-pong: pong reflected %" PRIu64 " dropped %" PRIu64 "\n", reflected, dropped);
}

static struct rte_mbuf *
build_frame(struct rte_mempool *mp, const struct rte_ether_addr *src, uint32_t run)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)opt_size);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, opt_size);
	eth = (struct rte_ether_hdr *)p;
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(src, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(ETHERTYPE_PP);
	((struct pp_payload *)(eth + 1))->magic = PP_MAGIC;
	((struct pp_payload *)(eth + 1))->run = run;
	return m;
}

/* Reads the payload of a returned frame; 0 if it is one of ours (this run). */
static int
read_payload(struct rte_mbuf *m, uint32_t run, struct pp_payload *out)
{
	const struct pp_payload *pl;
	struct pp_payload copy;

	if (rte_pktmbuf_pkt_len(m) < PP_MIN_SIZE)
		return -1;
	pl = rte_pktmbuf_read(m, RTE_ETHER_HDR_LEN, sizeof(copy), &copy);
	if (pl == NULL || pl->magic != PP_MAGIC || pl->run != run)
		return -1;
	*out = *pl;
	return 0;
}

static void
print_results(uint64_t *rtt, uint64_t n, uint64_t lost, uint64_t stray)
{
	double us = 1e6 / (double)rte_get_tsc_hz();
	double sum = 0;
	uint64_t i;

	pp_sort(rtt, n);
	for (i = 0; i < n; i++)
		sum += (double)rtt[i];
	printf("ping-pong: %" PRIu64 " round trips of %u B frames, %" PRIu64 " lost, %" PRIu64
	       " stray\n", n, opt_size, lost, stray);
	printf("  rtt us: min %.2f  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  mean %.2f\n",
	       pp_quantile(rtt, n, 0) * us, pp_quantile(rtt, n, 0.5) * us,
	       pp_quantile(rtt, n, 0.9) * us, pp_quantile(rtt, n, 0.99) * us,
	       pp_quantile(rtt, n, 0.999) * us, pp_quantile(rtt, n, 1) * us,
	       n ? sum / (double)n * us : 0.0);
	printf("RESULT samples=%" PRIu64 " lost=%" PRIu64 " size=%u burst=%u min=%.3f p50=%.3f "
	       "p90=%.3f p99=%.3f p999=%.3f max=%.3f mean=%.3f\n", n, lost, opt_size, opt_burst,
	       pp_quantile(rtt, n, 0) * us, pp_quantile(rtt, n, 0.5) * us,
	       pp_quantile(rtt, n, 0.9) * us, pp_quantile(rtt, n, 0.99) * us,
	       pp_quantile(rtt, n, 0.999) * us, pp_quantile(rtt, n, 1) * us,
	       n ? sum / (double)n * us : 0.0);
}

/*
 * Ping: one round of --burst frames at a time. Losses count only once the
 * first frame has come back (the pong may start polling after we do).
 */
static int
run_ping(uint16_t port, struct rte_mempool *mp)
{
	struct rte_mbuf *tx[MAX_BURST], *rx[MAX_BURST];
	struct rte_ether_addr mac;
	struct pp_payload pl;
	uint64_t *rtt, n = 0, seen = 0, lost = 0, stray = 0, seq = 0;
	uint64_t hz = rte_get_tsc_hz(), timeout = opt_timeout_us * hz / 1000000, end = 0;
	uint32_t run = (uint32_t)rte_rand() | 1;
	unsigned int i, back;
	uint16_t k, got, sent;
	uint64_t t0, now;

	rtt = calloc(opt_count, sizeof(*rtt));
	if (rtt == NULL)
		return -1;
	rte_eth_macaddr_get(port, &mac);
	if (opt_run_time > 0)
		end = rte_get_tsc_cycles() + (uint64_t)(opt_run_time * (double)hz);
	while (!quit && n < opt_count && (end == 0 || rte_get_tsc_cycles() < end)) {
		for (i = 0; i < opt_burst; i++) {
			tx[i] = build_frame(mp, &mac, run);
			if (tx[i] == NULL) {
				rte_pktmbuf_free_bulk(tx, i);
				fprintf(stderr, "ping-pong: mbuf pool empty\n");
				free(rtt);
				return -1;
			}
		}
		t0 = rte_rdtsc();
		for (i = 0; i < opt_burst; i++) {
			struct pp_payload *p = rte_pktmbuf_mtod_offset(tx[i], struct pp_payload *,
								      RTE_ETHER_HDR_LEN);
			p->seq = seq + i;
			p->tsc = t0;
		}
		sent = rte_eth_tx_burst(port, 0, tx, (uint16_t)opt_burst);
		if (sent < opt_burst)
			rte_pktmbuf_free_bulk(&tx[sent], opt_burst - sent);
		back = 0;
		while (back < sent && !quit) {
			got = rte_eth_rx_burst(port, 0, rx, MAX_BURST);
			now = rte_rdtsc();
			for (k = 0; k < got; k++) {
				if (read_payload(rx[k], run, &pl) == 0 && pl.seq >= seq &&
				    pl.seq < seq + sent) {
					back++;
					if (seen++ >= opt_warmup && n < opt_count)
						rtt[n++] = now - pl.tsc;
				} else {
					stray++;
				}
			}
			if (got)
				rte_pktmbuf_free_bulk(rx, got);
			if (now - t0 > timeout)
				break;
		}
		if (seen > 0)
			lost += sent - back;
		seq += opt_burst;
	}
	print_results(rtt, n, lost, stray);
	free(rtt);
	return n > 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp, *tx_mp;
	uint32_t data_room;
	int ret, rc = 0;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "ping-pong: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"dpdk-ping-pong";
	if (parse_args(argc, argv) < 0) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (!rte_eth_dev_is_valid_port(opt_port)) {
		fprintf(stderr, "ping-pong: no port %u (%u ports)\n", opt_port,
			rte_eth_dev_count_avail());
		rte_eal_cleanup();
		return 1;
	}
	data_room = RTE_MAX(opt_size, (uint32_t)RTE_MBUF_DEFAULT_DATAROOM) +
		    RTE_PKTMBUF_HEADROOM;
	mp = rte_pktmbuf_pool_create("pp_pool", NB_MBUFS, 256, 0, (uint16_t)data_room,
				     rte_socket_id());
	tx_mp = mp;
	/* Frames that fit one buffer of the port's zero-copy TX pool are built or received there. */
	if (mp != NULL && !opt_no_tx_pool && opt_size <= RTE_MBUF_DEFAULT_DATAROOM) {
		struct rte_mempool *txp = rte_pmd_ivshmem2_tx_pool_find(opt_port, 0);

		if (txp != NULL &&
		    opt_size <= (uint32_t)(rte_pktmbuf_data_room_size(txp) - RTE_PKTMBUF_HEADROOM)) {
			tx_mp = txp;
			printf("ping-pong: frames from the zero-copy TX pool %s\n", txp->name);
		}
	}
	if (mp == NULL || port_init(opt_port, mp, opt_role == ROLE_PONG ? tx_mp : mp) != 0) {
		fprintf(stderr, "ping-pong: port %u set-up failed\n", opt_port);
		rte_eal_cleanup();
		return 1;
	}
	if (wait_link(opt_port) != 0) {
		fprintf(stderr, "ping-pong: link of port %u not up after %u s\n", opt_port,
			opt_link_timeout);
		rc = 1;
	} else if (opt_role == ROLE_PONG) {
		run_pong(opt_port);
	} else if (run_ping(opt_port, tx_mp) != 0) {
		rc = 1;
	}
	rte_eth_dev_stop(opt_port);
	rte_eth_dev_close(opt_port);
	rte_eal_cleanup();
	return rc;
}
