/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Single-threaded behaviour of the FDB: learning, moves, static entries,
 * aging, flushes, capacity limits. */

#include <errno.h>

#include "fdb.h"
#include "test_fdb.h"

static uint64_t
mac_n(uint32_t n)
{
	return test_fdb_mac(0x00, n);
}

START_TEST(key_roundtrip)
{
	uint8_t m[6] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab }, out[6];
	uint64_t k = fdb_mac_key(m);

	ck_assert(fdb_mac_is_group(k));
	fdb_key_mac(k, out);
	ck_assert_mem_eq(m, out, 6);
	ck_assert(!fdb_mac_is_group(mac_n(7)));
	ck_assert_uint_eq(k >> 48, 0);
}
END_TEST

START_TEST(create_rounds_up)
{
	struct fdb *f = fdb_create(100);

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fdb_capacity(f), 128);
	ck_assert_uint_eq(fdb_count(f), 0);
	fdb_free(f);
	f = fdb_create(1);
	ck_assert_uint_eq(fdb_capacity(f), 8);
	fdb_free(f);
	ck_assert_ptr_null(fdb_create(0));
	fdb_free(NULL);
}
END_TEST

START_TEST(learn_then_lookup)
{
	struct fdb *f = fdb_create(1024);
	struct fdb_stats st = { 0 };

	ck_assert_uint_eq(fdb_lookup(f, mac_n(1), &st), FDB_PORT_NONE);
	ck_assert_int_eq(fdb_learn(f, mac_n(1), 3, 10, &st), FDB_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, mac_n(1), 3, 10, &st), FDB_LEARN_KNOWN);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(1), &st), 3);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(2), &st), FDB_PORT_NONE);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.misses, 2);
	ck_assert_uint_eq(st.learned, 1);
	ck_assert_uint_eq(fdb_count(f), 1);
	/* Port 0 and the all-zero MAC are ordinary values. */
	ck_assert_int_eq(fdb_learn(f, 0, 0, 10, NULL), FDB_LEARN_NEW);
	ck_assert_uint_eq(fdb_lookup(f, 0, NULL), 0);
	ck_assert_int_eq(fdb_learn(f, mac_n(9), FDB_PORT_MAX, 10, NULL), FDB_LEARN_NEW);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(9), NULL), FDB_PORT_MAX);
	fdb_free(f);
}
END_TEST

START_TEST(learn_rejects_invalid)
{
	struct fdb *f = fdb_create(64);
	uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	ck_assert_int_eq(fdb_learn(f, fdb_mac_key(bcast), 1, 0, NULL), FDB_LEARN_INVALID);
	ck_assert_int_eq(fdb_learn(f, fdb_mac_key(mcast), 1, 0, NULL), FDB_LEARN_INVALID);
	ck_assert_int_eq(fdb_learn(f, mac_n(1), FDB_PORT_MAX + 1, 0, NULL), FDB_LEARN_INVALID);
	ck_assert_int_eq(fdb_learn(f, UINT64_C(1) << 50, 1, 0, NULL), FDB_LEARN_INVALID);
	ck_assert_int_eq(fdb_add_static(f, fdb_mac_key(bcast), 1), -EINVAL);
	ck_assert_int_eq(fdb_add_static(f, mac_n(1), FDB_PORT_NONE), -EINVAL);
	ck_assert_uint_eq(fdb_count(f), 0);
	fdb_free(f);
}
END_TEST

START_TEST(mac_move)
{
	struct fdb *f = fdb_create(64);
	struct fdb_stats st = { 0 };

	fdb_learn(f, mac_n(5), 1, 0, &st);
	ck_assert_int_eq(fdb_learn(f, mac_n(5), 2, 1, &st), FDB_LEARN_MOVED);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(5), NULL), 2);
	ck_assert_uint_eq(st.moves, 1);
	ck_assert_uint_eq(st.learned, 1);
	ck_assert_uint_eq(fdb_count(f), 1);
	fdb_free(f);
}
END_TEST

START_TEST(static_entries)
{
	struct fdb *f = fdb_create(64);

	ck_assert_int_eq(fdb_add_static(f, mac_n(1), 4), 0);
	ck_assert_int_eq(fdb_learn(f, mac_n(1), 2, 0, NULL), FDB_LEARN_STATIC);
	ck_assert_int_eq(fdb_learn(f, mac_n(1), 4, 0, NULL), FDB_LEARN_KNOWN);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(1), NULL), 4);
	ck_assert_uint_eq(fdb_age(f, 1000000, 1), 0);
	ck_assert_uint_eq(fdb_flush_port(f, 4), 0);
	ck_assert_uint_eq(fdb_flush(f, false), 0);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(1), NULL), 4);
	/* A static entry replaces a learned one and can be replaced itself. */
	fdb_learn(f, mac_n(2), 1, 0, NULL);
	ck_assert_int_eq(fdb_add_static(f, mac_n(2), 3), 0);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(2), NULL), 3);
	ck_assert_int_eq(fdb_add_static(f, mac_n(2), 6), 0);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(2), NULL), 6);
	ck_assert_uint_eq(fdb_count(f), 2);
	ck_assert_uint_eq(fdb_flush(f, true), 2);
	ck_assert_uint_eq(fdb_count(f), 0);
	fdb_free(f);
}
END_TEST

START_TEST(full_table)
{
	struct fdb *f = fdb_create(8); /* two buckets of four */
	struct fdb_stats st = { 0 };
	uint32_t n;

	for (n = 0; n < 8; n++)
		ck_assert_int_eq(fdb_learn(f, mac_n(n), 1, 0, &st), FDB_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, mac_n(100), 1, 0, &st), FDB_LEARN_FULL);
	ck_assert_int_eq(fdb_add_static(f, mac_n(100), 1), -ENOSPC);
	ck_assert_uint_eq(st.full, 1);
	ck_assert_uint_eq(fdb_count(f), 8);
	for (n = 0; n < 8; n++)
		ck_assert_uint_eq(fdb_lookup(f, mac_n(n), NULL), 1);
	/* Room again after a delete. */
	ck_assert_int_eq(fdb_del(f, mac_n(3)), 0);
	ck_assert_int_eq(fdb_del(f, mac_n(3)), -ENOENT);
	ck_assert_int_eq(fdb_learn(f, mac_n(100), 2, 0, &st), FDB_LEARN_NEW);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(100), NULL), 2);
	fdb_free(f);
}
END_TEST

START_TEST(high_load)
{
	/* Two-choice buckets hold most of the table before the first failure. */
	struct fdb *f = fdb_create(65536);
	uint32_t n = 0;

	while (fdb_learn(f, mac_n(n), (uint16_t)(n % 7), 0, NULL) == FDB_LEARN_NEW)
		n++;
	ck_assert_uint_ge(n, 65536 / 2);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_uint_eq(fdb_lookup(f, mac_n(i), NULL), i % 7);
	fdb_free(f);
}
END_TEST

START_TEST(bulk_lookup)
{
	struct fdb *f = fdb_create(256);
	struct fdb_stats st = { 0 };
	uint64_t macs[32];
	uint16_t ports[32];

	for (uint32_t i = 0; i < 32; i++) {
		macs[i] = mac_n(i);
		if (i % 2 == 0)
			fdb_learn(f, macs[i], (uint16_t)i, 0, NULL);
	}
	fdb_lookup_bulk(f, macs, ports, 32, &st);
	for (uint32_t i = 0; i < 32; i++)
		ck_assert_uint_eq(ports[i], i % 2 == 0 ? i : FDB_PORT_NONE);
	ck_assert_uint_eq(st.hits, 16);
	ck_assert_uint_eq(st.misses, 16);
	fdb_free(f);
}
END_TEST

START_TEST(bulk_lookup_runs)
{
	/* Runs of one MAC and more than one prefetch chunk (64). */
	struct fdb *f = fdb_create(256);
	struct fdb_stats st = { 0 };
	uint64_t macs[150];
	uint16_t ports[150];

	fdb_learn(f, mac_n(1), 5, 0, NULL);
	for (uint32_t i = 0; i < 150; i++)
		macs[i] = mac_n(i / 10 % 3); /* 0 (absent), 1 (port 5), 2 (absent) */
	fdb_lookup_bulk(f, macs, ports, 150, &st);
	for (uint32_t i = 0; i < 150; i++)
		ck_assert_uint_eq(ports[i], macs[i] == mac_n(1) ? 5 : FDB_PORT_NONE);
	ck_assert_uint_eq(st.hits, 50);
	ck_assert_uint_eq(st.misses, 100);
	fdb_free(f);
}
END_TEST

TCase *
test_fdb_basic_tcase(void)
{
	TCase *tc = tcase_create("basic");

	tcase_add_test(tc, key_roundtrip);
	tcase_add_test(tc, create_rounds_up);
	tcase_add_test(tc, learn_then_lookup);
	tcase_add_test(tc, learn_rejects_invalid);
	tcase_add_test(tc, mac_move);
	tcase_add_test(tc, static_entries);
	tcase_add_test(tc, full_table);
	tcase_add_test(tc, high_load);
	tcase_add_test(tc, bulk_lookup);
	tcase_add_test(tc, bulk_lookup_runs);
	return tc;
}

START_TEST(aging)
{
	struct fdb *f = fdb_create(64);
	struct fdb_stats st = { 0 };

	fdb_learn(f, mac_n(1), 1, 100, &st);
	fdb_learn(f, mac_n(2), 1, 100, &st);
	fdb_learn(f, mac_n(2), 1, 150, &st); /* refresh */
	ck_assert_uint_eq(st.refreshed, 1);
	ck_assert_uint_eq(fdb_age(f, 200, 100), 0);
	ck_assert_uint_eq(fdb_age(f, 201, 100), 1);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(1), NULL), FDB_PORT_NONE);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(2), NULL), 1);
	ck_assert_uint_eq(fdb_age(f, 251, 100), 1);
	ck_assert_uint_eq(fdb_count(f), 0);
	/* The clock may wrap. */
	fdb_learn(f, mac_n(3), 1, UINT32_MAX - 5, NULL);
	ck_assert_uint_eq(fdb_age(f, 10, 100), 0);
	ck_assert_uint_eq(fdb_age(f, 200, 100), 1);
	fdb_free(f);
}
END_TEST

START_TEST(flush_port)
{
	struct fdb *f = fdb_create(1024);

	for (uint32_t i = 0; i < 100; i++)
		fdb_learn(f, mac_n(i), (uint16_t)(i % 4), 0, NULL);
	fdb_add_static(f, mac_n(1000), 2);
	ck_assert_uint_eq(fdb_flush_port(f, 2), 25);
	ck_assert_uint_eq(fdb_count(f), 76);
	for (uint32_t i = 0; i < 100; i++)
		ck_assert_uint_eq(fdb_lookup(f, mac_n(i), NULL), i % 4 == 2 ? FDB_PORT_NONE : i % 4);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(1000), NULL), 2);
	ck_assert_uint_eq(fdb_flush(f, false), 75);
	ck_assert_uint_eq(fdb_count(f), 1);
	fdb_free(f);
}
END_TEST

struct walk_acc {
	uint32_t n, n_static;
	uint64_t mac_sum;
};

static int
walk_cb(const struct fdb_entry_info *e, void *arg)
{
	struct walk_acc *a = arg;

	a->n++;
	a->n_static += e->is_static;
	a->mac_sum += e->mac + e->port;
	return 0;
}

static int
walk_stop(const struct fdb_entry_info *e, void *arg)
{
	(void)e;
	(void)arg;
	return 42;
}

START_TEST(walk)
{
	struct fdb *f = fdb_create(64);
	struct walk_acc a = { 0 };

	fdb_learn(f, mac_n(1), 1, 7, NULL);
	fdb_learn(f, mac_n(2), 2, 7, NULL);
	fdb_add_static(f, mac_n(3), 3);
	ck_assert_int_eq(fdb_walk(f, walk_cb, &a), 0);
	ck_assert_uint_eq(a.n, 3);
	ck_assert_uint_eq(a.n_static, 1);
	ck_assert_uint_eq(a.mac_sum, mac_n(1) + mac_n(2) + mac_n(3) + 6);
	ck_assert_int_eq(fdb_walk(f, walk_stop, NULL), 42);
	fdb_free(f);
}
END_TEST

TCase *
test_fdb_maint_tcase(void)
{
	TCase *tc = tcase_create("maint");

	tcase_add_test(tc, aging);
	tcase_add_test(tc, flush_port);
	tcase_add_test(tc, walk);
	return tc;
}
