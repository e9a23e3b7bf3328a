/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Both PMDs driven the way OVS-DPDK 3.1 drives a type=dpdk port (ovs_calls.c),
 * in one EAL process without hugepages, so this runs under ASan/UBSan too:
 * OVS's default 2048 descriptors and every other sane count are accepted,
 * the queue-count retry, LSC interrupt mode, jumbo MTU on reconfigure, xstats
 * as OVS reads them, and del-port/add-port (close, remove, probe again).
 * One ivshmem2 link (both peers here) carries frames after OVS's set-up.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "ovs_calls.h"
#include "runtime_dir.h"

#define RING 256

static struct rte_mempool *mp;
static char shm[64], sock[64];
static char iv_args[2][160], vp_args[160];

static uint16_t
port_of(const char *name)
{
	uint16_t port = RTE_MAX_ETHPORTS;

	rte_eth_dev_get_port_by_name(name, &port);
	return port;
}

static void
init_ok(uint16_t port, const struct ovs_port_request *req, struct ovs_port_result *res)
{
	int ret = ovs_port_init(port, mp, req, res);

	ck_assert_msg(ret == 0, "port %u: %s failed: %s", port,
		      res->failed_call ? res->failed_call : "?", strerror(-ret));
}

static bool
link_up(uint16_t port, unsigned int ms)
{
	struct rte_eth_link l;
	unsigned int t;

	for (t = 0; t < ms; t += 10) {
		if (rte_eth_link_get_nowait(port, &l) == 0 && l.link_status == RTE_ETH_LINK_UP)
			return true;
		rte_delay_ms(10);
	}
	return false;
}

/* @n 64-byte frames from @from, received on @to within a second. */
static unsigned int
pass_frames(uint16_t from, uint16_t to, unsigned int n)
{
	struct rte_mbuf *tx[32], *rx[32];
	unsigned int i, sent, got = 0, t;

	ck_assert_uint_le(n, 32);
	for (i = 0; i < n; i++) {
		tx[i] = rte_pktmbuf_alloc(mp);
		ck_assert_ptr_nonnull(tx[i]);
		memset(rte_pktmbuf_append(tx[i], 64), (int)i, 64);
	}
	sent = rte_eth_tx_burst(from, 0, tx, (uint16_t)n);
	rte_pktmbuf_free_bulk(tx + sent, n - sent);
	for (t = 0; t < 1000 && got < sent; t++) {
		uint16_t k = rte_eth_rx_burst(to, 0, rx, 32);

		rte_pktmbuf_free_bulk(rx, k);
		got += k;
		if (k == 0)
			rte_delay_ms(1);
	}
	return got;
}

/* The failure: OVS asks for 2048 descriptors, ivshmem2 has 256 slots. */
START_TEST(ivshmem2_default_descriptors)
{
	struct ovs_port_request req = ovs_port_request_default();
	struct ovs_port_result res;
	uint16_t a0 = port_of("net_ivshmem2_0"), a1 = port_of("net_ivshmem2_1");

	init_ok(a0, &req, &res);
	/* one queue pair on the link: OVS's second txq is clamped away */
	ck_assert_int_eq(res.n_rxq, 1);
	ck_assert_int_eq(res.n_txq, 1);
	init_ok(a1, &req, &res);
	ck_assert(link_up(a0, 3000));
	ck_assert(link_up(a1, 3000));
	ck_assert_uint_eq(pass_frames(a1, a0, 32), 32);
	ck_assert_uint_eq(pass_frames(a0, a1, 32), 32);
}
END_TEST

START_TEST(vhost_pci_default_descriptors)
{
	struct ovs_port_request req = ovs_port_request_default();
	struct ovs_port_result res;

	init_ok(port_of("net_vhost_pci0"), &req, &res);
	ck_assert_int_eq(res.n_rxq, 1);
	ck_assert_int_eq(res.n_txq, 1);
}
END_TEST

/* Every power of two OVS accepts for n_rxq_desc/n_txq_desc, and the odd counts others pass. */
START_TEST(any_sane_count)
{
	static const uint16_t counts[] = { 1, 64, 255, 256, 512, 1024, 2048, 4096, 32768 };
	const char *names[] = { "net_ivshmem2_0", "net_vhost_pci0" };
	struct ovs_port_request req = ovs_port_request_default();
	struct ovs_port_result res;
	unsigned int i, k;

	for (k = 0; k < RTE_DIM(names); k++) {
		uint16_t port = port_of(names[k]);

		for (i = 0; i < RTE_DIM(counts); i++) {
			req.rxq_size = counts[i];
			req.txq_size = counts[RTE_DIM(counts) - 1 - i];
			ck_assert_msg(ovs_port_reconfigure(port, mp, &req, &res) == 0,
				      "%s: %u/%u descriptors: %s failed", names[k], req.rxq_size,
				      req.txq_size, res.failed_call);
		}
		/* past the largest virtqueue is refused, by ethdev from our limits */
		rte_eth_dev_stop(port);
		ck_assert_int_eq(rte_eth_rx_queue_setup(port, 0, 32769, 0, NULL, mp), -EINVAL);
		ck_assert_int_eq(rte_eth_tx_queue_setup(port, 0, 65535, 0, NULL), -EINVAL);
		/* 0 means the driver's default */
		ck_assert_int_eq(rte_eth_rx_queue_setup(port, 0, 0, 0, NULL, mp), 0);
		ck_assert_int_eq(rte_eth_tx_queue_setup(port, 0, 0, 0, NULL), 0);
		ck_assert_int_eq(rte_eth_dev_start(port), 0);
	}
}
END_TEST

/* options:n_rxq=4 on a one-pair link: OVS clamps to dev_info's maxima. */
START_TEST(queue_counts_clamped)
{
	struct ovs_port_request req = ovs_port_request_default();
	struct ovs_port_result res;
	uint16_t port = port_of("net_ivshmem2_0");

	req.n_rxq = 4;
	req.n_txq = 5;
	ck_assert_int_eq(ovs_port_reconfigure(port, mp, &req, &res), 0);
	ck_assert_int_eq(res.n_rxq, 1);
	ck_assert_int_eq(res.n_txq, 1);
	/* Asking configure for more than the maximum fails; OVS never does. */
	rte_eth_dev_stop(port);
	ck_assert_int_lt(rte_eth_dev_configure(port, 2, 1, &(struct rte_eth_conf){ 0 }), 0);
	ck_assert_int_eq(ovs_port_reconfigure(port, mp, &req, &res), 0);
}
END_TEST

/* options:dpdk-lsc-interrupt=true: configure must accept intr_conf.lsc. */
START_TEST(lsc_interrupt_mode)
{
	const char *names[] = { "net_ivshmem2_0", "net_ivshmem2_1", "net_vhost_pci0" };
	struct ovs_port_request req = ovs_port_request_default();
	struct ovs_port_result res;
	unsigned int k;

	req.lsc_interrupt = true;
	for (k = 0; k < RTE_DIM(names); k++)
		ck_assert_msg(ovs_port_reconfigure(port_of(names[k]), mp, &req, &res) == 0,
			      "%s: %s failed", names[k], res.failed_call);
	/* In LSC mode OVS reads the link without polling: the PMD keeps it current. */
	ck_assert(link_up(port_of("net_ivshmem2_0"), 3000));
	ck_assert_uint_eq(pass_frames(port_of("net_ivshmem2_0"), port_of("net_ivshmem2_1"), 8), 8);
}
END_TEST

/* mtu_request=9000 on a reconfigure: scatter asked (we offer it), MTU set. */
START_TEST(jumbo_mtu_reconfigure)
{
	const char *names[] = { "net_ivshmem2_0", "net_ivshmem2_1", "net_vhost_pci0" };
	struct ovs_port_request req = ovs_port_request_default();
	struct ovs_port_result res;
	unsigned int k;
	uint16_t mtu;

	req.mtu = 9000;
	for (k = 0; k < RTE_DIM(names); k++) {
		uint16_t port = port_of(names[k]);

		ck_assert_msg(ovs_port_reconfigure(port, mp, &req, &res) == 0, "%s: %s failed",
			      names[k], res.failed_call);
		ck_assert_int_eq(rte_eth_dev_get_mtu(port, &mtu), 0);
		ck_assert_uint_eq(mtu, 9000);
	}
	req.mtu = OVS_DEFAULT_MTU;
	for (k = 0; k < RTE_DIM(names); k++)
		ck_assert_int_eq(ovs_port_reconfigure(port_of(names[k]), mp, &req, &res), 0);
}
END_TEST

/* OVS keys xstats by name and fetches them by id: names unique, ids = index. */
static void
check_xstats(uint16_t port, const char *label)
{
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	uint64_t *ids, *byid;
	int n, i, j, custom = 0;

	n = rte_eth_xstats_get_names(port, NULL, 0);
	ck_assert_int_gt(n, 0);
	names = calloc((size_t)n, sizeof(*names));
	vals = calloc((size_t)n, sizeof(*vals));
	ids = calloc((size_t)n, sizeof(*ids));
	byid = calloc((size_t)n, sizeof(*byid));
	ck_assert_int_eq(rte_eth_xstats_get_names(port, names, (unsigned int)n), n);
	ck_assert_int_eq(rte_eth_xstats_get(port, vals, (unsigned int)n), n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(vals[i].id == (uint64_t)i, "%s: xstat %d has id %" PRIu64, label, i,
			      vals[i].id);
		ck_assert_msg(names[i].name[0] != '\0', "%s: xstat %d has no name", label, i);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(names[i].name, names[j].name) != 0,
				      "%s: xstat name %s twice", label, names[i].name);
		custom += ovs_xstat_is_custom(names[i].name);
		ids[i] = (uint64_t)i;
	}
	ck_assert_int_eq(rte_eth_xstats_get_by_id(port, ids, byid, (unsigned int)n), n);
	/* OVS shows these in the Interface's statistics column. */
	ck_assert_msg(custom >= 4, "%s: only %d xstats OVS would show", label, custom);
	free(names);
	free(vals);
	free(ids);
	free(byid);
}

START_TEST(xstats_as_ovs_reads_them)
{
	check_xstats(port_of("net_ivshmem2_0"), "ivshmem2");
	check_xstats(port_of("net_vhost_pci0"), "vhost_pci");
}
END_TEST

/* Calls OVS makes whose "not supported" it handles: none may fail otherwise. */
START_TEST(optional_calls)
{
	const char *names[] = { "net_ivshmem2_0", "net_vhost_pci0" };
	struct rte_eth_fc_conf fc;
	unsigned int k;
	int ret;

	for (k = 0; k < RTE_DIM(names); k++) {
		uint16_t port = port_of(names[k]);

		ret = rte_eth_dev_flow_ctrl_get(port, &fc);
		ck_assert_msg(ret == -ENOTSUP, "%s: flow_ctrl_get %d", names[k], ret);
		ret = rte_eth_dev_set_link_up(port);
		ck_assert_msg(ret == 0 || ret == -ENOTSUP, "%s: set_link_up %d", names[k], ret);
		ret = rte_eth_dev_set_link_down(port);
		ck_assert_msg(ret == 0 || ret == -ENOTSUP, "%s: set_link_down %d", names[k], ret);
	}
}
END_TEST

/* del-port then add-port: close and remove, then rte_dev_probe with the same devargs. */
START_TEST(del_port_add_port)
{
	const char *names[] = { "net_ivshmem2_0", "net_vhost_pci0" };
	const char *args[] = { iv_args[0], vp_args };
	struct ovs_port_request req = ovs_port_request_default();
	struct ovs_port_result res;
	unsigned int k, round;

	for (k = 0; k < RTE_DIM(names); k++) {
		for (round = 0; round < 2; round++) {
			ck_assert_int_eq(ovs_port_destroy(port_of(names[k])), 0);
			ck_assert_uint_eq(port_of(names[k]), RTE_MAX_ETHPORTS);
			ck_assert_msg(rte_dev_probe(args[k]) == 0, "%s: probe again", names[k]);
			ck_assert_uint_lt(port_of(names[k]), RTE_MAX_ETHPORTS);
			init_ok(port_of(names[k]), &req, &res);
		}
	}
	ck_assert(link_up(port_of("net_ivshmem2_0"), 3000));
	ck_assert_uint_eq(pass_frames(port_of("net_ivshmem2_1"), port_of("net_ivshmem2_0"), 16), 16);
}
END_TEST

static Suite *
ovs_calls_suite(void)
{
	Suite *s = suite_create("ovs-calls");
	TCase *tc = tcase_create("ovs");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ivshmem2_default_descriptors);
	tcase_add_test(tc, vhost_pci_default_descriptors);
	tcase_add_test(tc, any_sane_count);
	tcase_add_test(tc, queue_counts_clamped);
	tcase_add_test(tc, lsc_interrupt_mode);
	tcase_add_test(tc, jumbo_mtu_reconfigure);
	tcase_add_test(tc, xstats_as_ovs_reads_them);
	tcase_add_test(tc, optional_calls);
	tcase_add_test(tc, del_port_add_port);
	suite_add_tcase(s, tc);
	return s;
}

static int
setup(void)
{
	char prefix[64];
	char *argv[] = { "ovs-calls", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--no-telemetry", prefix, "--vdev", iv_args[0], "--vdev", iv_args[1],
			 "--vdev", vp_args, "--log-level=pmd.net.*:warning", NULL };

	snprintf(shm, sizeof(shm), "/dev/shm/vm2vm-ovs-calls-%d", getpid());
	snprintf(sock, sizeof(sock), "/tmp/vm2vm-ovs-calls-%d.sock", getpid());
	snprintf(prefix, sizeof(prefix), "--file-prefix=ovscalls%d", getpid());
	snprintf(iv_args[0], sizeof(iv_args[0]), "net_ivshmem2_0,shm=%s,id=0,ring_size=%d", shm,
		 RING);
	snprintf(iv_args[1], sizeof(iv_args[1]), "net_ivshmem2_1,shm=%s,id=1,ring_size=%d", shm,
		 RING);
	snprintf(vp_args, sizeof(vp_args), "net_vhost_pci0,iface=%s", sock);
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	mp = rte_pktmbuf_pool_create("ovs", 8191, 0, 0, 9216 + RTE_PKTMBUF_HEADROOM, 0);
	return mp == NULL || port_of("net_ivshmem2_0") == RTE_MAX_ETHPORTS ||
	       port_of("net_ivshmem2_1") == RTE_MAX_ETHPORTS ||
	       port_of("net_vhost_pci0") == RTE_MAX_ETHPORTS ? -1 : 0;
}

int
main(void)
{
	struct vm2vm_runtime_dir rd;
	SRunner *sr;
	int failed;
	uint16_t p;

	if (setup() != 0) {
		fprintf(stderr, "ovs-calls: set-up failed\n");
		return EXIT_FAILURE;
	}
	vm2vm_runtime_dir_note(&rd);
	sr = srunner_create(ovs_calls_suite());
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
	unlink(shm);
	unlink(sock);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
