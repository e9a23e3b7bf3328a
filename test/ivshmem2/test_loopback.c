/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Datapath and life-cycle unit tests in one process: both peers of a link
 * are net_ivshmem2 ports of this process (host flavour on /dev/shm, EAL
 * without hugepages), so they run under ASan/UBSan. Two links: A (copy on
 * both sides) and B (zero-copy receiver).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <ethdev_driver.h>

#include "ivshmem2.h"
#include "runtime_dir.h"

#define RING 256
#define NB_MBUF 4095

static uint16_t a0, a1, b0, b1;
static struct rte_mempool *mp;
static char shm_a[64], shm_b[64];
static uint32_t lsc_events[RTE_MAX_ETHPORTS];

static int
lsc_cb(uint16_t port, enum rte_eth_event_type type, void *arg, void *ret)
{
	(void)type;
	(void)arg;
	(void)ret;
	__atomic_add_fetch(&lsc_events[port], 1, __ATOMIC_RELAXED);
	return 0;
}

static bool
link_is(uint16_t port, bool up, unsigned int ms)
{
	struct rte_eth_link l;
	unsigned int t;

	for (t = 0; t < ms; t += 10) {
		if (rte_eth_link_get_nowait(port, &l) == 0 && l.link_status == up)
			return true;
		rte_delay_ms(10);
	}
	return false;
}

static int
port_setup(uint16_t port)
{
	struct rte_eth_conf conf = { .rxmode = { .mtu = 9000 } };

	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, RING, 0, NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, RING, 0, NULL) < 0)
		return -1;
	rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC, lsc_cb, NULL);
	return rte_eth_dev_start(port);
}

/* A frame of @p len bytes, in segments of at most @p seg bytes, with a pattern from @p seed. */
static struct rte_mbuf *
frame(uint32_t len, uint32_t seg, uint32_t seed)
{
	struct rte_mbuf *head = NULL, *prev = NULL;
	uint32_t off = 0;

	while (off < len) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t n = RTE_MIN(len - off, seg), i;
		uint8_t *p;

		ck_assert_ptr_nonnull(m);
		p = rte_pktmbuf_mtod(m, uint8_t *);
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)(seed + (off + i) * 7);
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
frame_ok(const struct rte_mbuf *m, uint32_t len, uint32_t seed)
{
	static uint8_t buf[16384];
	const uint8_t *p;
	uint32_t i;

	if (m->pkt_len != len)
		return false;
	p = rte_pktmbuf_read(m, 0, len, buf);
	for (i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

static uint64_t
xstat(uint16_t port, const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) == 0)
		rte_eth_xstats_get_by_id(port, &id, &v, 1);
	return v;
}

/* Receive up to @p want frames within @p ms. */
static uint16_t
rx_wait(uint16_t port, struct rte_mbuf **pkts, uint16_t want, unsigned int ms)
{
	uint16_t got = 0;
	unsigned int t;

	for (t = 0; t < ms && got < want; t++) {
		got += rte_eth_rx_burst(port, 0, pkts + got, want - got);
		if (got < want)
			rte_delay_ms(1);
	}
	return got;
}

START_TEST(link_comes_up)
{
	ck_assert(link_is(a0, true, 10000));
	ck_assert(link_is(a1, true, 10000));
	ck_assert(link_is(b0, true, 10000));
	ck_assert(link_is(b1, true, 10000));
	ck_assert_uint_ge(lsc_events[a0], 1);
	ck_assert_uint_ge(lsc_events[a1], 1);
	ck_assert_uint_eq(xstat(a0, "local_state"), 3);
	ck_assert_uint_eq(xstat(a0, "peer_state"), 3);
}
END_TEST

/* Sizes from 60 to 16000 bytes, single and multi-segment, both directions. */
START_TEST(frames_both_ways)
{
	static const uint32_t sizes[] = { 60, 64, 1514, 2048, 2049, 4000, 9000, 9018, 16000 };
	static const uint32_t segs[] = { 2048, 1000, 100 };
	struct rte_mbuf *tx[1], *rx[4];
	uint16_t dir, i, k;

	for (dir = 0; dir < 2; dir++) {
		uint16_t src = dir ? a0 : a1, dst = dir ? a1 : a0;

		for (i = 0; i < RTE_DIM(sizes); i++) {
			for (k = 0; k < RTE_DIM(segs); k++) {
				uint32_t seed = i * 31 + k;

				tx[0] = frame(sizes[i], segs[k], seed);
				ck_assert_uint_eq(rte_eth_tx_burst(src, 0, tx, 1), 1);
				ck_assert_uint_eq(rx_wait(dst, rx, 1, 2000), 1);
				ck_assert_msg(frame_ok(rx[0], sizes[i], seed),
					      "frame of %u B (segments of %u) corrupted", sizes[i], segs[k]);
				rte_pktmbuf_free(rx[0]);
			}
		}
	}
	ck_assert_uint_eq(xstat(a0, "ring_protocol_errors"), 0);
}
END_TEST

START_TEST(oversize_dropped)
{
	struct rte_mbuf *m = frame(16385, 2048, 1), *rx[1];
	uint64_t before = xstat(a1, "tx_drop_oversize");

	ck_assert_uint_eq(rte_eth_tx_burst(a1, 0, &m, 1), 1);
	ck_assert_uint_eq(xstat(a1, "tx_drop_oversize"), before + 1);
	ck_assert_uint_eq(rx_wait(a0, rx, 1, 100), 0);
}
END_TEST

/* Without a receiver the ring fills; nothing is lost of what was accepted. */
START_TEST(ring_full_backpressure)
{
	struct rte_mbuf *tx[32], *rx[32];
	uint64_t accepted = 0, got = 0, full0 = xstat(a1, "tx_drop_ring_full");
	uint16_t n, i;
	int round;

	for (round = 0; round < 2 * RING / 32; round++) {
		for (i = 0; i < 32; i++)
			tx[i] = frame(64, 2048, (uint32_t)(accepted + i));
		n = rte_eth_tx_burst(a1, 0, tx, 32);
		rte_pktmbuf_free_bulk(tx + n, 32 - n);
		accepted += n;
	}
	ck_assert_uint_eq(accepted, RING);
	ck_assert_uint_gt(xstat(a1, "tx_drop_ring_full"), full0);
	while ((n = rx_wait(a0, rx, 32, 200)) != 0) {
		for (i = 0; i < n; i++)
			ck_assert(frame_ok(rx[i], 64, (uint32_t)(got + i)));
		got += n;
		rte_pktmbuf_free_bulk(rx, n);
	}
	ck_assert_uint_eq(got, accepted);
}
END_TEST

/*
 * With one-frame batches (ping-pong) every frame has its own used entry in
 * the peer's section. Once half the ring is in flight, a TX burst of n
 * frames takes back at most 2n buffers, never the whole backlog at once
 * (a run of cache-line misses that showed as a 10 us p99.9), and still
 * keeps up: every frame is accepted.
 */
START_TEST(tx_reap_is_bounded)
{
	struct iv2_txq *q = rte_eth_devices[a1].data->tx_queues[0];
	struct rte_mbuf *m, *rx[1];
	uint16_t before, after;
	unsigned int i;

	for (i = 0; i < 3 * RING; i++) {
		before = pring_drv_free_count(&q->ring);
		m = frame(64, 2048, i);
		ck_assert_uint_eq(rte_eth_tx_burst(a1, 0, &m, 1), 1);
		after = pring_drv_free_count(&q->ring);
		if (before < q->reap_below)
			/* two reaped (the peer has completed all but the newest), one posted */
			ck_assert_uint_eq(after, before + 1);
		else
			ck_assert_uint_eq(after, before - 1);
		ck_assert_uint_eq(rx_wait(a0, rx, 1, 2000), 1);
		ck_assert(frame_ok(rx[0], 64, i));
		rte_pktmbuf_free(rx[0]);
	}
}
END_TEST

/* A peer that stops takes the link down; it comes back when the peer starts again. */
START_TEST(peer_stop_start)
{
	struct rte_mbuf *m, *rx[1];
	uint32_t ev = __atomic_load_n(&lsc_events[a0], __ATOMIC_RELAXED);
	uint64_t drops;

	ck_assert_int_eq(rte_eth_dev_stop(a1), 0);
	ck_assert(link_is(a0, false, 5000));
	ck_assert_uint_gt(__atomic_load_n(&lsc_events[a0], __ATOMIC_RELAXED), ev);
	drops = xstat(a0, "tx_drop_peer_down");
	m = frame(64, 2048, 5);
	ck_assert_uint_eq(rte_eth_tx_burst(a0, 0, &m, 1), 1);
	ck_assert_uint_eq(xstat(a0, "tx_drop_peer_down"), drops + 1);
	ck_assert_int_eq(rte_eth_dev_start(a1), 0);
	ck_assert(link_is(a0, true, 10000));
	ck_assert(link_is(a1, true, 10000));
	m = frame(100, 2048, 9);
	ck_assert_uint_eq(rte_eth_tx_burst(a1, 0, &m, 1), 1);
	ck_assert_uint_eq(rx_wait(a0, rx, 1, 2000), 1);
	ck_assert(frame_ok(rx[0], 100, 9));
	rte_pktmbuf_free(rx[0]);
	ck_assert_uint_ge(xstat(a0, "peer_resets"), 1);
}
END_TEST

/*
 * Zero-copy: the sender's buffers come back only once the application frees
 * the mbufs; until then the ring fills.
 */
START_TEST(zero_copy_defers_completion)
{
	struct rte_mbuf *tx[32], *held[RING], *rx[32];
	uint16_t n, i, got = 0;
	uint64_t sent = 0;

	/* Small frames are copied even in zero-copy mode. */
	tx[0] = frame(100, 2048, 3);
	ck_assert_uint_eq(rte_eth_tx_burst(b1, 0, tx, 1), 1);
	ck_assert_uint_eq(rx_wait(b0, rx, 1, 2000), 1);
	ck_assert(!RTE_MBUF_HAS_EXTBUF(rx[0]));
	ck_assert(frame_ok(rx[0], 100, 3));
	rte_pktmbuf_free(rx[0]);

	for (i = 0; i < 32; i++)
		tx[i] = frame(600, 2048, i);
	ck_assert_uint_eq(rte_eth_tx_burst(b1, 0, tx, 32), 32);
	got = rx_wait(b0, held, 32, 2000);
	ck_assert_uint_eq(got, 32);
	for (i = 0; i < 32; i++) {
		ck_assert(RTE_MBUF_HAS_EXTBUF(held[i]));
		ck_assert(frame_ok(held[i], 600, i));
	}
	/* Held: only RING - 32 more fit. */
	while (sent < RING) {
		for (i = 0; i < 32; i++)
			tx[i] = frame(64, 2048, i);
		n = rte_eth_tx_burst(b1, 0, tx, 32);
		rte_pktmbuf_free_bulk(tx + n, 32 - n);
		sent += n;
		if (n < 32)
			break;
		/* Drain what arrives but keep the first 32 held. */
		while ((n = rte_eth_rx_burst(b0, 0, rx, 32)) != 0)
			rte_pktmbuf_free_bulk(rx, n);
	}
	ck_assert_uint_lt(sent, RING);
	/* Free the held mbufs: completions flow, the sender has room again. */
	rte_pktmbuf_free_bulk(held, 32);
	for (i = 0; i < 10; i++) {
		while ((n = rte_eth_rx_burst(b0, 0, rx, 32)) != 0)
			rte_pktmbuf_free_bulk(rx, n);
		rte_delay_ms(1);
	}
	for (i = 0; i < 32; i++)
		tx[i] = frame(64, 2048, i);
	n = rte_eth_tx_burst(b1, 0, tx, 32);
	rte_pktmbuf_free_bulk(tx + n, 32 - n);
	ck_assert_uint_eq(n, 32);
	while ((n = rx_wait(b0, rx, 32, 200)) != 0)
		rte_pktmbuf_free_bulk(rx, n);
	/* One more burst writes the completions of what was just freed. */
	rte_eth_rx_burst(b0, 0, rx, 32);
}
END_TEST

/* Every segment's bytes lie inside its own buffer. */
static bool
segs_in_room(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if ((uint32_t)m->data_off + m->data_len > m->buf_len)
			return false;
	return true;
}

/*
 * A pool with less data room than the small-frame copy threshold (256 B):
 * zero-copy RX must not copy a 200-byte frame into a 128-byte room (it
 * overflowed into the next mbuf with the peer's bytes).
 */
START_TEST(zero_copy_small_mbufs)
{
	struct rte_mempool *small;
	struct rte_mbuf *tx, *rx;

	small = rte_pktmbuf_pool_create("lb_small", 511, 0, 0, 128 + RTE_PKTMBUF_HEADROOM, 0);
	ck_assert_ptr_nonnull(small);
	ck_assert_int_eq(rte_eth_dev_stop(b0), 0);
	ck_assert_int_eq(rte_eth_rx_queue_setup(b0, 0, RING, 0, NULL, small), 0);
	ck_assert_int_eq(rte_eth_dev_start(b0), 0);
	ck_assert(link_is(b0, true, 5000));
	tx = frame(200, 2048, 9);
	ck_assert_uint_eq(rte_eth_tx_burst(b1, 0, &tx, 1), 1);
	ck_assert_uint_eq(rx_wait(b0, &rx, 1, 2000), 1);
	ck_assert(segs_in_room(rx));
	ck_assert(frame_ok(rx, 200, 9));
	rte_pktmbuf_free(rx);
	/* completions of the freed frame, then back to the big pool */
	rte_eth_rx_burst(b0, 0, &rx, 1);
	ck_assert_int_eq(rte_eth_dev_stop(b0), 0);
	ck_assert_int_eq(rte_eth_rx_queue_setup(b0, 0, RING, 0, NULL, mp), 0);
	ck_assert_int_eq(rte_eth_dev_start(b0), 0);
	ck_assert(link_is(b0, true, 5000));
	rte_mempool_free(small);
}
END_TEST

/*
 * A TX ring the peer broke (bad used entries) takes nothing: frames handed
 * to it are dropped and counted, never counted as sent; then the control
 * path resets the link and it comes back.
 */
START_TEST(broken_tx_ring_counts_drops)
{
	struct iv2_txq *q = rte_eth_devices[a1].data->tx_queues[0];
	struct rte_eth_stats before, after;
	struct rte_mbuf *tx[8];
	uint64_t down0 = xstat(a1, "tx_drop_peer_down");
	uint16_t i;

	ck_assert(link_is(a1, true, 5000));
	ck_assert_int_eq(rte_eth_stats_get(a1, &before), 0);
	q->ring.broken = 1; /* what pring_drv_reap does when the peer lies */
	for (i = 0; i < 8; i++)
		tx[i] = frame(100, 2048, i);
	ck_assert_uint_eq(rte_eth_tx_burst(a1, 0, tx, 8), 8);
	ck_assert_int_eq(rte_eth_stats_get(a1, &after), 0);
	ck_assert_uint_eq(after.opackets, before.opackets);
	ck_assert_uint_eq(xstat(a1, "tx_drop_peer_down"), down0 + 8);
	ck_assert(link_is(a1, true, 5000));
}
END_TEST

START_TEST(stats_and_xstats)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_stats st;
	int n, i, found = 0;

	ck_assert_int_eq(rte_eth_stats_get(a0, &st), 0);
	ck_assert_uint_gt(st.ipackets, 0);
	ck_assert_uint_eq(st.ipackets, st.q_ipackets[0]);
	/* The host flavour has no doorbell and no interrupt, although frames went both ways. */
	ck_assert_uint_gt(st.opackets, 0);
	ck_assert_uint_eq(xstat(a0, "tx_doorbells"), 0);
	ck_assert_uint_eq(xstat(a1, "tx_doorbells"), 0);
	ck_assert_uint_eq(xstat(a0, "state_interrupts"), 0);
	n = rte_eth_xstats_get_names(a0, NULL, 0);
	ck_assert_int_gt(n, 20);
	names = calloc((size_t)n, sizeof(*names));
	ck_assert_int_eq(rte_eth_xstats_get_names(a0, names, (unsigned int)n), n);
	for (i = 0; i < n; i++)
		found += strcmp(names[i].name, "rx_ring_err_bad_addr") == 0 ||
			 strcmp(names[i].name, "tx_drop_ring_full") == 0 ||
			 strcmp(names[i].name, "peer_state") == 0;
	free(names);
	ck_assert_int_eq(found, 3);
	ck_assert_int_eq(rte_eth_stats_reset(a0), 0);
	ck_assert_int_eq(rte_eth_stats_get(a0, &st), 0);
	ck_assert_uint_eq(st.ipackets, 0);
}
END_TEST

static Suite *
loopback_suite(void)
{
	Suite *s = suite_create("ivshmem2-loopback");
	TCase *tc = tcase_create("link");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, link_comes_up);
	tcase_add_test(tc, frames_both_ways);
	tcase_add_test(tc, oversize_dropped);
	tcase_add_test(tc, ring_full_backpressure);
	tcase_add_test(tc, tx_reap_is_bounded);
	tcase_add_test(tc, peer_stop_start);
	tcase_add_test(tc, zero_copy_defers_completion);
	tcase_add_test(tc, zero_copy_small_mbufs);
	tcase_add_test(tc, broken_tx_ring_counts_drops);
	tcase_add_test(tc, stats_and_xstats);
	suite_add_tcase(s, tc);
	return s;
}

static int
setup(void)
{
	char va[160], vb[160], vc[160], vd[160], prefix[64];
	char *argv[] = { "loopback", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--no-telemetry", prefix, "--vdev", va, "--vdev", vb, "--vdev", vc,
			 "--vdev", vd, "--log-level=pmd.net.ivshmem2:warning", NULL };

	snprintf(shm_a, sizeof(shm_a), "/dev/shm/iv2-unit-%d-a", getpid());
	snprintf(shm_b, sizeof(shm_b), "/dev/shm/iv2-unit-%d-b", getpid());
	snprintf(prefix, sizeof(prefix), "--file-prefix=iv2unit%d", getpid());
	snprintf(va, sizeof(va), "net_ivshmem2_a0,shm=%s,id=0,ring_size=%d", shm_a, RING);
	snprintf(vb, sizeof(vb), "net_ivshmem2_a1,shm=%s,id=1,ring_size=%d", shm_a, RING);
	snprintf(vc, sizeof(vc), "net_ivshmem2_b0,shm=%s,id=0,ring_size=%d,zero_copy=1", shm_b, RING);
	snprintf(vd, sizeof(vd), "net_ivshmem2_b1,shm=%s,id=1,ring_size=%d", shm_b, RING);
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("lb", NB_MBUF, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM, 0);
	if (mp == NULL ||
	    rte_eth_dev_get_port_by_name("net_ivshmem2_a0", &a0) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ivshmem2_a1", &a1) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ivshmem2_b0", &b0) != 0 ||
	    rte_eth_dev_get_port_by_name("net_ivshmem2_b1", &b1) != 0)
		return -1;
	return port_setup(a0) | port_setup(a1) | port_setup(b0) | port_setup(b1);
}

int
main(void)
{
	struct vm2vm_runtime_dir rd;
	SRunner *sr;
	int failed;
	uint16_t p;

	if (setup() != 0) {
		fprintf(stderr, "loopback: set-up failed\n");
		return EXIT_FAILURE;
	}
	vm2vm_runtime_dir_note(&rd);
	sr = srunner_create(loopback_suite());
	/* EAL threads do not survive fork(): run in this process. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	RTE_ETH_FOREACH_DEV(p) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_mempool_free(mp);
	rte_eal_cleanup();
	vm2vm_runtime_dir_remove(&rd);
	/* The last peer out removes the link file. */
	if (access(shm_a, F_OK) == 0 || access(shm_b, F_OK) == 0) {
		fprintf(stderr, "loopback: link file left behind\n");
		unlink(shm_a);
		unlink(shm_b);
		failed++;
	}
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
