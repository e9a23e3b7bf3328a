/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Argument parsing of dpdk-vm2vm-switch: every flag and every error. */

#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sw_config.h"

static struct sw_config cfg;
static char err[512];

/* Parse a NULL-terminated list of arguments (program name added). */
static int
parse(const char *first, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"dpdk-vm2vm-switch";
	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return sw_args_parse(argc, argv, &cfg, err, sizeof(err));
}

/* Expect an error whose message contains @p needle. */
#define ck_fail_with(needle, ...) do { \
	ck_assert_int_eq(parse(__VA_ARGS__, NULL), -1); \
	ck_assert_msg(strstr(err, needle) != NULL, "error '%s' lacks '%s'", err, needle); \
} while (0)

#define ck_ok(...) do { \
	int r_ = parse(__VA_ARGS__, NULL); \
	ck_assert_msg(r_ == 0, "unexpected error: %s", err); \
} while (0)

START_TEST(defaults)
{
	ck_assert_int_eq(parse(NULL), 0);
	ck_assert_uint_eq(cfg.nb_cores, 0);
	ck_assert_uint_eq(cfg.rxq, 1);
	ck_assert_uint_eq(cfg.txq, 0);
	ck_assert_uint_eq(cfg.rxd, 1024);
	ck_assert_uint_eq(cfg.txd, 1024);
	ck_assert_uint_eq(cfg.burst, 32);
	ck_assert_uint_eq(cfg.portmask, 0);
	ck_assert_uint_eq(cfg.stats_period, 0);
	ck_assert(!cfg.interactive);
	ck_assert_int_eq(cfg.fwd_mode, SW_FWD_L2LEARN);
	ck_assert_uint_eq(cfg.mbuf_size, 2176);
	ck_assert_uint_eq(cfg.max_pkt_len, 1518);
	ck_assert_uint_eq(cfg.fdb_size, 65536);
	ck_assert_uint_eq(cfg.fdb_aging_time, 300);
	ck_assert_uint_eq(cfg.fdb_port_limit, 0);
	ck_assert(cfg.flood_unknown);
	ck_assert(cfg.flood_multicast);
	ck_assert(cfg.rx_tx_pool);
	ck_assert_uint_eq(cfg.nb_map, 0);
	ck_assert_uint_eq(cfg.nb_static, 0);
}
END_TEST

START_TEST(help)
{
	ck_assert_int_eq(parse("--help", NULL), 1);
	ck_assert_int_eq(parse("-h", NULL), 1);
}
END_TEST

START_TEST(numeric_flags)
{
	ck_ok("--nb-cores", "2", "--rxq", "4", "--txq", "3", "--rxd", "512", "--txd", "256",
	      "--burst", "64", "--stats-period", "5", "--mbuf-size", "4096",
	      "--total-num-mbufs", "16384", "--max-pkt-len", "3000", "--fdb-size", "1000",
	      "--fdb-aging-time", "0", "--run-time", "9");
	ck_assert_uint_eq(cfg.nb_cores, 2);
	ck_assert_uint_eq(cfg.rxq, 4);
	ck_assert_uint_eq(cfg.txq, 3);
	ck_assert_uint_eq(cfg.rxd, 512);
	ck_assert_uint_eq(cfg.txd, 256);
	ck_assert_uint_eq(cfg.burst, 64);
	ck_assert_uint_eq(cfg.stats_period, 5);
	ck_assert_uint_eq(cfg.mbuf_size, 4096);
	ck_assert_uint_eq(cfg.total_num_mbufs, 16384);
	ck_assert_uint_eq(cfg.max_pkt_len, 3000);
	ck_assert_uint_eq(cfg.fdb_size, 1000);
	ck_assert_uint_eq(cfg.fdb_aging_time, 0);
	ck_assert_uint_eq(cfg.run_time, 9);
	/* --opt=value spelling, as testpmd accepts */
	ck_ok("--rxq=2", "--burst=16");
	ck_assert_uint_eq(cfg.rxq, 2);
	ck_assert_uint_eq(cfg.burst, 16);
}
END_TEST

START_TEST(numeric_errors)
{
	static const char *const bad[][2] = {
		{ "--nb-cores", "0" }, { "--nb-cores", "x" }, { "--rxq", "0" }, { "--rxq", "65" },
		{ "--txq", "-1" }, { "--rxd", "16" }, { "--rxd", "20000" }, { "--txd", "1k" },
		{ "--burst", "0" }, { "--burst", "513" }, { "--stats-period", "0" },
		{ "--mbuf-size", "100" }, { "--mbuf-size", "70000" },
		{ "--total-num-mbufs", "10" }, { "--max-pkt-len", "63" },
		{ "--fdb-size", "4" }, { "--fdb-aging-time", "99999999" }, { "--run-time", "0" },
		{ "--rxq", "" }, { "--rxq", " 1" }, { "--rxq", "+1" }, { "--burst", "18446744073709551617" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse(bad[i][0], bad[i][1], NULL), -1);
		ck_assert_msg(strstr(err, bad[i][0]) != NULL, "error '%s' does not name %s", err,
			      bad[i][0]);
	}
}
END_TEST

START_TEST(portmask)
{
	ck_ok("--portmask", "0x5");
	ck_assert_uint_eq(cfg.portmask, 5);
	ck_ok("--portmask", "ff");
	ck_assert_uint_eq(cfg.portmask, 0xff);
	ck_fail_with("--portmask", "--portmask", "0");
	ck_fail_with("--portmask", "--portmask", "0xg");
}
END_TEST

START_TEST(interactive_and_modes)
{
	ck_ok("-i");
	ck_assert(cfg.interactive);
	ck_ok("--interactive");
	ck_assert(cfg.interactive);
	ck_ok("--forward-mode", "io");
	ck_assert_int_eq(cfg.fwd_mode, SW_FWD_IO);
	ck_ok("--forward-mode=mac");
	ck_assert_int_eq(cfg.fwd_mode, SW_FWD_MAC);
	ck_ok("--forward-mode", "l2learn");
	ck_assert_int_eq(cfg.fwd_mode, SW_FWD_L2LEARN);
	ck_fail_with("not one of", "--forward-mode", "rxonly");
	ck_assert_str_eq(sw_fwd_mode_name(SW_FWD_MAC), "mac");
	ck_assert_ptr_null(sw_fwd_mode_name(SW_FWD_NB));
}
END_TEST

START_TEST(flood_flags)
{
	ck_ok("--no-flood");
	ck_assert(!cfg.flood_unknown);
	ck_assert(cfg.flood_multicast);
	ck_ok("--no-mcast-flood");
	ck_assert(cfg.flood_unknown);
	ck_assert(!cfg.flood_multicast);
	ck_fail_with("takes no value", "--no-flood=1");
}
END_TEST

START_TEST(tx_pool_flag)
{
	ck_ok("--forward-mode", "io");
	ck_assert(cfg.rx_tx_pool);
	ck_ok("--no-tx-pool", "--forward-mode", "io");
	ck_assert(!cfg.rx_tx_pool);
	ck_assert_int_eq(cfg.fwd_mode, SW_FWD_IO);
	ck_fail_with("takes no value", "--no-tx-pool=0");
}
END_TEST

START_TEST(fdb_port_limit)
{
	ck_ok("--fdb-port-limit", "100");
	ck_assert_uint_eq(cfg.fdb_port_limit, 100);
	ck_ok("--fdb-port-limit=0");
	ck_assert_uint_eq(cfg.fdb_port_limit, 0);
	/* Up to the table size, which is checked whichever option comes first. */
	ck_ok("--fdb-port-limit", "65536");
	ck_assert_uint_eq(cfg.fdb_port_limit, 65536);
	ck_ok("--fdb-port-limit", "4096", "--fdb-size", "4096");
	ck_fail_with("--fdb-port-limit 65537 is larger than --fdb-size 65536",
		     "--fdb-port-limit", "65537");
	ck_fail_with("larger than --fdb-size 1000", "--fdb-port-limit", "1001", "--fdb-size",
		     "1000");
	ck_fail_with("larger than --fdb-size 8", "--fdb-size", "8", "--fdb-port-limit", "9");
	ck_fail_with("--fdb-port-limit: '16777217' is not a number in 0..16777216",
		     "--fdb-port-limit", "16777217");
	ck_fail_with("--fdb-port-limit", "--fdb-port-limit", "-1");
	ck_fail_with("--fdb-port-limit", "--fdb-port-limit", "ten");
	ck_fail_with("--fdb-port-limit", "--fdb-port-limit", "");
	ck_fail_with("needs a value", "--fdb-port-limit");
}
END_TEST

START_TEST(fdb_static)
{
	ck_ok("--fdb-static", "02:00:00:00:00:0a@1", "--fdb-static", "AA:bb:cc:dd:ee:f0@0");
	ck_assert_uint_eq(cfg.nb_static, 2);
	ck_assert_uint_eq(cfg.statics[0].port, 1);
	ck_assert_uint_eq(cfg.statics[0].mac[5], 0x0a);
	ck_assert_uint_eq(cfg.statics[1].mac[0], 0xaa);
	ck_fail_with("MAC@PORT", "--fdb-static", "02:00:00:00:00:0a");
	ck_fail_with("bad MAC", "--fdb-static", "02:00:00:00:0a@1");
	ck_fail_with("bad MAC", "--fdb-static", "02:00:00:00:00:0g@1");
	ck_fail_with("multicast", "--fdb-static", "01:00:5e:00:00:01@1");
	ck_fail_with("port must be", "--fdb-static", "02:00:00:00:00:0a@64");
	ck_fail_with("port must be", "--fdb-static", "02:00:00:00:00:0a@");
	ck_fail_with("not in --portmask", "--portmask", "0x3", "--fdb-static",
		     "02:00:00:00:00:0a@2");
}
END_TEST

START_TEST(eth_peer)
{
	ck_ok("--eth-peer", "1,02:00:00:00:00:01");
	ck_assert(cfg.peers[1].set);
	ck_assert(!cfg.peers[0].set);
	ck_assert_uint_eq(cfg.peers[1].mac[5], 1);
	ck_fail_with("PORT,MAC", "--eth-peer", "02:00:00:00:00:01");
	ck_fail_with("port must be", "--eth-peer", "99,02:00:00:00:00:01");
	ck_fail_with("bad MAC", "--eth-peer", "1,zz");
}
END_TEST

START_TEST(lcore_map)
{
	ck_ok("--lcore-map", "(1,0,0),(1,1,0),(2,0,1),( 2 , 1 , 1 )", "--rxq", "2");
	ck_assert_uint_eq(cfg.nb_map, 4);
	ck_assert_uint_eq(cfg.map[2].lcore, 2);
	ck_assert_uint_eq(cfg.map[2].port, 0);
	ck_assert_uint_eq(cfg.map[2].queue, 1);
	ck_assert_uint_eq(cfg.map[3].queue, 1);
	ck_fail_with("expected (lcore,port,queue)", "--lcore-map", "1,0,0");
	ck_fail_with("expected (lcore,port,queue)", "--lcore-map", "(1,0)");
	ck_fail_with("unexpected ','", "--lcore-map", "(1,0,0),");
	ck_fail_with("expected (lcore,port,queue)", "--lcore-map", "(1,64,0)");
	ck_fail_with("expected (lcore,port,queue)", "--lcore-map", "(5000,0,0)");
	ck_fail_with("unexpected", "--lcore-map", "(1,0,0)x");
	ck_fail_with("empty", "--lcore-map", "");
	ck_fail_with("mapped twice", "--lcore-map", "(1,0,0),(2,0,0)");
	ck_fail_with("--rxq is 1", "--lcore-map", "(1,0,1)");
	ck_fail_with("not in --portmask", "--portmask", "1", "--lcore-map", "(1,1,0)");
	ck_fail_with("--nb-cores is 1", "--nb-cores", "1", "--lcore-map", "(1,0,0),(2,1,0)");
	ck_fail_with("--txq is 1", "--txq", "1", "--lcore-map", "(1,0,0),(2,1,0)");
	ck_ok("--nb-cores", "2", "--txq", "2", "--lcore-map", "(1,0,0),(2,1,0)");
}
END_TEST

START_TEST(inconsistent)
{
	ck_fail_with("fewer than --nb-cores", "--nb-cores", "2", "--txq", "1");
	ck_fail_with("does not fit --mbuf-size", "--max-pkt-len", "9000");
	ck_ok("--max-pkt-len", "9000", "--mbuf-size", "9128");
	ck_fail_with("does not fit", "--max-pkt-len", "9001", "--mbuf-size", "9128");
	ck_fail_with("--interactive", "-i", "--stats-period", "1");
	ck_fail_with("--interactive", "-i", "--run-time", "1");
}
END_TEST

START_TEST(unknown)
{
	ck_fail_with("unknown option '--bogus'", "--bogus");
	ck_fail_with("unknown option", "-x");
	ck_fail_with("needs a value", "--rxq");
	ck_fail_with("unexpected argument 'extra'", "extra");
	/* a later error still fails after good options */
	ck_fail_with("unknown option", "--rxq", "2", "--nope");
}
END_TEST

START_TEST(mac_parse)
{
	uint8_t m[6];

	ck_assert_int_eq(sw_mac_parse("00:11:22:33:44:55", m), 0);
	ck_assert_uint_eq(m[5], 0x55);
	ck_assert_int_eq(sw_mac_parse("00:11:22:33:44:5", m), -1);
	ck_assert_int_eq(sw_mac_parse("00:11:22:33:44:555", m), -1);
	ck_assert_int_eq(sw_mac_parse("00-11-22-33-44-55", m), -1);
	ck_assert_int_eq(sw_mac_parse(" 0:11:22:33:44:55", m), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("switch-args");
	TCase *tc = tcase_create("args");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, help);
	tcase_add_test(tc, numeric_flags);
	tcase_add_test(tc, numeric_errors);
	tcase_add_test(tc, portmask);
	tcase_add_test(tc, interactive_and_modes);
	tcase_add_test(tc, flood_flags);
	tcase_add_test(tc, tx_pool_flag);
	tcase_add_test(tc, fdb_port_limit);
	tcase_add_test(tc, fdb_static);
	tcase_add_test(tc, eth_peer);
	tcase_add_test(tc, lcore_map);
	tcase_add_test(tc, inconsistent);
	tcase_add_test(tc, unknown);
	tcase_add_test(tc, mac_parse);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
