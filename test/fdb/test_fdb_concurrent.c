/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Many threads learning, moving and looking up at once, plus an ager; with
 * and without a per-port limit, whose counters must match the table. */

#include <pthread.h>
#include <stdbool.h>

#include "fdb.h"
#include "test_fdb.h"

#define NB_WRITERS 3
#define NB_READERS 2
#define NB_MACS 2000
#define ROUNDS 200

struct shared {
	struct fdb *f;
	bool stop;
	uint64_t bad;        /* lookups that returned an impossible port */
	uint64_t lookups;
};

static uint64_t
mac_n(uint32_t n)
{
	return test_fdb_mac(0xaa, n);
}

/* Each writer learns every MAC on port (round % 2) + 10: MACs keep moving
 * between ports 10 and 11, and all writers insert the same MACs at once. */
static void *
writer(void *arg)
{
	struct shared *s = arg;
	struct fdb_stats st = { 0 };

	for (uint32_t r = 0; r < ROUNDS; r++)
		for (uint32_t i = 0; i < NB_MACS; i++)
			fdb_learn(s->f, mac_n(i), (uint16_t)(10 + r % 2), r, &st);
	return NULL;
}

/* Readers see each MAC absent (aged or not yet learned) or on 10 or 11;
 * the static MAC always on 7. Anything else is a torn or corrupted read. */
static void *
reader(void *arg)
{
	struct shared *s = arg;
	uint64_t bad = 0, n = 0;
	uint64_t macs[32];
	uint16_t ports[32];

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < NB_MACS; i += 32) {
			for (uint32_t j = 0; j < 32; j++)
				macs[j] = mac_n((i + j) % NB_MACS);
			fdb_lookup_bulk(s->f, macs, ports, 32, NULL);
			for (uint32_t j = 0; j < 32; j++)
				bad += ports[j] != FDB_PORT_NONE && ports[j] != 10 && ports[j] != 11;
			bad += fdb_lookup(s->f, mac_n(NB_MACS + 1), NULL) != 7;
			n += 33;
		}
	}
	__atomic_fetch_add(&s->bad, bad, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->lookups, n, __ATOMIC_RELAXED);
	return NULL;
}

static void *
ager(void *arg)
{
	struct shared *s = arg;
	uint32_t t = 0;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
		fdb_age(s->f, t++ % ROUNDS, 3);
	return NULL;
}

struct dup_check {
	uint32_t seen[NB_MACS];
	uint32_t other;
	uint32_t on_port[2]; /* learned entries on ports 10 and 11 */
};

static int
count_cb(const struct fdb_entry_info *e, void *arg)
{
	struct dup_check *d = arg;
	uint32_t n = (uint32_t)((e->mac >> 24) & 0xff) << 16 | (uint32_t)((e->mac >> 32) & 0xff) << 8 |
		     (uint32_t)(e->mac >> 40);

	if (n < NB_MACS && (e->mac & 0xffffff) == mac_n(0)) {
		d->seen[n]++;
		if (e->port == 10 || e->port == 11)
			d->on_port[e->port - 10]++;
	} else
		d->other++;
	return 0;
}

/* @p limit: learned MACs allowed per port (0: counted, unlimited). */
static void
run(bool with_ager, uint32_t limit)
{
	struct shared s = { .f = fdb_create(NB_MACS * 4) };
	pthread_t w[NB_WRITERS], r[NB_READERS], a;
	static struct dup_check d;

	ck_assert_ptr_nonnull(s.f);
	ck_assert_int_eq(fdb_add_static(s.f, mac_n(NB_MACS + 1), 7), 0);
	ck_assert_int_eq(fdb_set_port_limit(s.f, 16, limit), 0);
	for (int i = 0; i < NB_READERS; i++)
		ck_assert_int_eq(pthread_create(&r[i], NULL, reader, &s), 0);
	if (with_ager)
		ck_assert_int_eq(pthread_create(&a, NULL, ager, &s), 0);
	for (int i = 0; i < NB_WRITERS; i++)
		ck_assert_int_eq(pthread_create(&w[i], NULL, writer, &s), 0);
	for (int i = 0; i < NB_WRITERS; i++)
		pthread_join(w[i], NULL);
	__atomic_store_n(&s.stop, true, __ATOMIC_RELEASE);
	for (int i = 0; i < NB_READERS; i++)
		pthread_join(r[i], NULL);
	if (with_ager)
		pthread_join(a, NULL);
	ck_assert_uint_eq(s.bad, 0);
	ck_assert_uint_gt(s.lookups, 0);

	/* Without aging every MAC is present exactly once; with it, at most once. */
	for (uint32_t i = 0; i < NB_MACS; i++)
		d.seen[i] = 0;
	d.other = 0;
	d.on_port[0] = d.on_port[1] = 0;
	fdb_walk(s.f, count_cb, &d);
	ck_assert_uint_eq(d.other, 1); /* the static entry */
	for (int p = 0; p < 2; p++) {
		ck_assert_uint_eq(fdb_port_count(s.f, (uint16_t)(10 + p)), d.on_port[p]);
		if (limit != 0)
			ck_assert_uint_le(d.on_port[p], limit);
	}
	ck_assert_uint_eq(fdb_port_count(s.f, 7), 0);
	for (uint32_t i = 0; i < NB_MACS; i++) {
		if (with_ager || limit != 0)
			ck_assert_uint_le(d.seen[i], 1);
		else
			ck_assert_uint_eq(d.seen[i], 1);
	}
	ck_assert_uint_eq(fdb_lookup(s.f, mac_n(NB_MACS + 1), NULL), 7);
	fdb_free(s.f);
}

START_TEST(concurrent_learn_lookup)
{
	run(false, 0);
}
END_TEST

START_TEST(concurrent_learn_lookup_age)
{
	run(true, 0);
}
END_TEST

/* Moves between two ports that cannot both hold every MAC. */
START_TEST(concurrent_learn_lookup_age_limit)
{
	run(false, NB_MACS * 3 / 4);
	run(true, NB_MACS * 3 / 4);
}
END_TEST

TCase *
test_fdb_concurrent_tcase(void)
{
	TCase *tc = tcase_create("concurrent");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, concurrent_learn_lookup);
	tcase_add_test(tc, concurrent_learn_lookup_age);
	tcase_add_test(tc, concurrent_learn_lookup_age_limit);
	return tc;
}
