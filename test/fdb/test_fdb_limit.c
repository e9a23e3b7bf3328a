/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* The per-port limit on learned MACs: reached, freed by aging, flushes and
 * deletes, MAC moves adjusting both ports, many learners for one port. */

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "fdb.h"
#include "test_fdb.h"

static uint64_t
mac_n(uint32_t n)
{
	return test_fdb_mac(0x11, n);
}

struct per_port {
	uint32_t learned[8];
	uint32_t statics;
};

static int
per_port_cb(const struct fdb_entry_info *e, void *arg)
{
	struct per_port *p = arg;

	if (e->is_static)
		p->statics++;
	else if (e->port < 8)
		p->learned[e->port]++;
	return 0;
}

/* The counters agree with what is in the table, port by port, for the
 * @p nb counted ports. */
static void
ck_counts_match(const struct fdb *f, uint16_t nb)
{
	struct per_port p = { { 0 }, 0 };

	fdb_walk(f, per_port_cb, &p);
	for (uint16_t i = 0; i < nb; i++)
		ck_assert_msg(fdb_port_count(f, i) == p.learned[i], "port %u: count %u, table %u",
			      i, fdb_port_count(f, i), p.learned[i]);
}

START_TEST(set_limit_args)
{
	struct fdb *f = fdb_create(64);

	ck_assert_int_eq(fdb_set_port_limit(f, 0, 4), -EINVAL);
	ck_assert_uint_eq(fdb_port_limit(f), 0);
	ck_assert_uint_eq(fdb_port_count(f, 0), 0);
	/* Entries already there are counted. */
	fdb_learn(f, mac_n(1), 1, 0, NULL);
	fdb_learn(f, mac_n(2), 1, 0, NULL);
	fdb_learn(f, mac_n(3), 3, 0, NULL);
	fdb_add_static(f, mac_n(4), 1);
	ck_assert_int_eq(fdb_set_port_limit(f, 8, 2), 0);
	ck_assert_uint_eq(fdb_port_limit(f), 2);
	ck_assert_uint_eq(fdb_port_count(f, 1), 2);
	ck_assert_uint_eq(fdb_port_count(f, 3), 1);
	ck_assert_uint_eq(fdb_port_count(f, 100), 0);
	ck_assert_int_eq(fdb_learn(f, mac_n(5), 1, 0, NULL), FDB_LEARN_LIMIT);
	ck_counts_match(f, 8);
	fdb_free(f);
}
END_TEST

START_TEST(limit_reached)
{
	struct fdb *f = fdb_create(1024);
	struct fdb_stats st = { 0 };

	ck_assert_int_eq(fdb_set_port_limit(f, 4, 3), 0);
	for (uint32_t i = 0; i < 3; i++)
		ck_assert_int_eq(fdb_learn(f, mac_n(i), 1, 0, &st), FDB_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, mac_n(3), 1, 0, &st), FDB_LEARN_LIMIT);
	ck_assert_int_eq(fdb_learn(f, mac_n(4), 1, 0, &st), FDB_LEARN_LIMIT);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(3), NULL), FDB_PORT_NONE);
	ck_assert_uint_eq(st.limit, 2);
	ck_assert_uint_eq(st.learned, 3);
	ck_assert_uint_eq(st.full, 0);
	ck_assert_uint_eq(fdb_port_count(f, 1), 3);
	/* Known MACs of a port at its limit are still refreshed. */
	ck_assert_int_eq(fdb_learn(f, mac_n(0), 1, 5, &st), FDB_LEARN_KNOWN);
	ck_assert_uint_eq(st.refreshed, 1);
	/* Other ports are not affected; ports beyond the counted ones are unlimited. */
	for (uint32_t i = 10; i < 13; i++)
		ck_assert_int_eq(fdb_learn(f, mac_n(i), 2, 0, &st), FDB_LEARN_NEW);
	for (uint32_t i = 20; i < 30; i++)
		ck_assert_int_eq(fdb_learn(f, mac_n(i), 4, 0, &st), FDB_LEARN_NEW);
	ck_assert_uint_eq(fdb_port_count(f, 4), 0);
	/* Static entries are the operator's: not counted, allowed at the limit. */
	ck_assert_int_eq(fdb_add_static(f, mac_n(50), 1), 0);
	ck_assert_uint_eq(fdb_port_count(f, 1), 3);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(50), NULL), 1);
	ck_counts_match(f, 4);
	fdb_free(f);
}
END_TEST

START_TEST(limit_freed)
{
	struct fdb *f = fdb_create(1024);

	ck_assert_int_eq(fdb_set_port_limit(f, 4, 2), 0);
	/* ... by aging */
	fdb_learn(f, mac_n(1), 1, 0, NULL);
	fdb_learn(f, mac_n(2), 1, 8, NULL);
	ck_assert_int_eq(fdb_learn(f, mac_n(3), 1, 8, NULL), FDB_LEARN_LIMIT);
	ck_assert_uint_eq(fdb_age(f, 10, 5), 1);
	ck_assert_uint_eq(fdb_port_count(f, 1), 1);
	ck_assert_int_eq(fdb_learn(f, mac_n(3), 1, 10, NULL), FDB_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, mac_n(4), 1, 10, NULL), FDB_LEARN_LIMIT);
	/* ... by a port flush, which leaves other ports' counts alone */
	fdb_learn(f, mac_n(20), 2, 10, NULL);
	ck_assert_uint_eq(fdb_flush_port(f, 1), 2);
	ck_assert_uint_eq(fdb_port_count(f, 1), 0);
	ck_assert_uint_eq(fdb_port_count(f, 2), 1);
	ck_assert_int_eq(fdb_learn(f, mac_n(4), 1, 10, NULL), FDB_LEARN_NEW);
	ck_assert_int_eq(fdb_learn(f, mac_n(5), 1, 10, NULL), FDB_LEARN_NEW);
	/* ... by a delete */
	ck_assert_int_eq(fdb_del(f, mac_n(4)), 0);
	ck_assert_uint_eq(fdb_port_count(f, 1), 1);
	/* ... by a static entry taking a learned one over */
	ck_assert_int_eq(fdb_add_static(f, mac_n(5), 3), 0);
	ck_assert_uint_eq(fdb_port_count(f, 1), 0);
	ck_assert_uint_eq(fdb_port_count(f, 3), 0);
	/* ... by a whole flush */
	fdb_learn(f, mac_n(6), 1, 10, NULL);
	fdb_learn(f, mac_n(7), 1, 10, NULL);
	ck_assert_int_eq(fdb_learn(f, mac_n(8), 1, 10, NULL), FDB_LEARN_LIMIT);
	ck_assert_uint_eq(fdb_flush(f, false), 3);
	ck_assert_uint_eq(fdb_port_count(f, 1), 0);
	ck_assert_uint_eq(fdb_port_count(f, 2), 0);
	ck_assert_int_eq(fdb_learn(f, mac_n(8), 1, 10, NULL), FDB_LEARN_NEW);
	ck_counts_match(f, 4);
	fdb_free(f);
}
END_TEST

START_TEST(limit_and_moves)
{
	struct fdb *f = fdb_create(1024);
	struct fdb_stats st = { 0 };

	ck_assert_int_eq(fdb_set_port_limit(f, 4, 2), 0);
	fdb_learn(f, mac_n(1), 1, 0, &st);
	ck_assert_int_eq(fdb_learn(f, mac_n(1), 2, 0, &st), FDB_LEARN_MOVED);
	ck_assert_uint_eq(fdb_port_count(f, 1), 0);
	ck_assert_uint_eq(fdb_port_count(f, 2), 1);
	/* A port at its limit takes no MAC over: the entry stays, and its time
	 * is not refreshed by the refused move, so it still ages out. */
	fdb_learn(f, mac_n(2), 1, 0, &st);
	fdb_learn(f, mac_n(3), 1, 0, &st);
	ck_assert_int_eq(fdb_learn(f, mac_n(1), 1, 50, &st), FDB_LEARN_LIMIT);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(1), NULL), 2);
	ck_assert_uint_eq(st.moves, 1);
	ck_assert_uint_eq(st.limit, 1);
	ck_assert_uint_eq(fdb_port_count(f, 1), 2);
	ck_assert_uint_eq(fdb_port_count(f, 2), 1);
	fdb_learn(f, mac_n(2), 1, 50, &st);
	fdb_learn(f, mac_n(3), 1, 50, &st);
	ck_assert_uint_eq(fdb_age(f, 60, 30), 1);
	ck_assert_uint_eq(fdb_lookup(f, mac_n(1), NULL), FDB_PORT_NONE);
	ck_assert_uint_eq(fdb_port_count(f, 2), 0);
	/* Moving out of a full port makes room on it. */
	ck_assert_int_eq(fdb_learn(f, mac_n(2), 3, 60, &st), FDB_LEARN_MOVED);
	ck_assert_uint_eq(fdb_port_count(f, 1), 1);
	ck_assert_uint_eq(fdb_port_count(f, 3), 1);
	ck_assert_int_eq(fdb_learn(f, mac_n(9), 1, 60, &st), FDB_LEARN_NEW);
	/* A static entry pins a MAC whatever the limits say. */
	fdb_add_static(f, mac_n(30), 2);
	ck_assert_int_eq(fdb_learn(f, mac_n(30), 1, 60, &st), FDB_LEARN_STATIC);
	ck_counts_match(f, 4);
	fdb_free(f);
}
END_TEST

#define RACE_THREADS 4
#define RACE_MACS 3000
#define RACE_LIMIT 1000

struct race {
	struct fdb *f;
	uint32_t first;
	uint32_t new_ok;
};

/* Each thread learns its own MACs plus MACs every thread also learns, all
 * on port 1: exactly RACE_LIMIT of them may get in. */
static void *
race_learner(void *arg)
{
	struct race *r = arg;

	for (uint32_t i = 0; i < RACE_MACS; i++) {
		uint32_t n = i % 2 ? r->first + i : i;

		r->new_ok += fdb_learn(r->f, mac_n(n), 1, 0, NULL) == FDB_LEARN_NEW;
	}
	return NULL;
}

START_TEST(limit_concurrent)
{
	struct fdb *f = fdb_create(16 * RACE_MACS);
	struct race r[RACE_THREADS];
	pthread_t t[RACE_THREADS];
	struct per_port p = { { 0 }, 0 };
	uint32_t new_total = 0;

	ck_assert_int_eq(fdb_set_port_limit(f, 8, RACE_LIMIT), 0);
	for (int i = 0; i < RACE_THREADS; i++) {
		r[i] = (struct race){ .f = f, .first = 100000 * (uint32_t)(i + 1) };
		ck_assert_int_eq(pthread_create(&t[i], NULL, race_learner, &r[i]), 0);
	}
	for (int i = 0; i < RACE_THREADS; i++) {
		pthread_join(t[i], NULL);
		new_total += r[i].new_ok;
	}
	fdb_walk(f, per_port_cb, &p);
	ck_assert_uint_eq(p.learned[1], fdb_port_count(f, 1));
	ck_assert_uint_le(p.learned[1], RACE_LIMIT);
	/* A duplicate cleared after the last attempt can leave room: top up
	 * alone, then the port holds exactly the limit. */
	for (uint32_t n = 900000; fdb_learn(f, mac_n(n), 1, 0, NULL) == FDB_LEARN_NEW; n++)
		;
	memset(&p, 0, sizeof(p));
	fdb_walk(f, per_port_cb, &p);
	ck_assert_uint_eq(p.learned[1], RACE_LIMIT);
	ck_assert_uint_eq(fdb_port_count(f, 1), RACE_LIMIT);
	/* Duplicates two threads inserted at once were cleared and counted back. */
	ck_assert_uint_ge(new_total, RACE_LIMIT);
	ck_assert_uint_eq(fdb_flush_port(f, 1), RACE_LIMIT);
	ck_assert_uint_eq(fdb_port_count(f, 1), 0);
	fdb_free(f);
}
END_TEST

TCase *
test_fdb_limit_tcase(void)
{
	TCase *tc = tcase_create("port_limit");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, set_limit_args);
	tcase_add_test(tc, limit_reached);
	tcase_add_test(tc, limit_freed);
	tcase_add_test(tc, limit_and_moves);
	tcase_add_test(tc, limit_concurrent);
	return tc;
}
