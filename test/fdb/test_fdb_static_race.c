/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * A static entry added while a learner inserts the same MAC. The two see
 * the buckets at different moments (other MACs come and go in them), so
 * they can claim different free slots; the static copy must be the one
 * that survives deduplication, in whichever slot it landed.
 *
 * A table of two buckets puts every MAC in the same eight slots, and a
 * filler MAC that the learner adds and removes flips which bucket is the
 * less loaded one, so the two inserters often pick different slots.
 */

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>

#include "fdb.h"
#include "fdb_table.h"
#include "test_fdb.h"

#define RACE_ROUNDS 1000000
#define LEARNED_PORT 1
#define STATIC_PORT 2
#define FILLER_PORT 3

struct race {
	struct fdb *f;
	uint64_t mac;    /* the MAC both sides insert */
	uint64_t filler; /* another MAC in its first bucket */
	bool started;
	bool stop;
};

static uint64_t
mac_n(uint32_t n)
{
	return test_fdb_mac(0xbb, n);
}

/* The data path: learns the MAC on its port while the filler comes and goes. */
static void *
learner(void *arg)
{
	struct race *r = arg;
	uint32_t now = 0;

	__atomic_store_n(&r->started, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		fdb_learn(r->f, r->mac, LEARNED_PORT, now, NULL);
		fdb_learn(r->f, r->filler, FILLER_PORT, now, NULL);
		fdb_learn(r->f, r->mac, LEARNED_PORT, now, NULL);
		fdb_del(r->f, r->filler);
		now++;
	}
	return NULL;
}

struct copies {
	uint64_t mac;
	uint32_t learned;
	uint32_t on_static_port; /* static copies on STATIC_PORT */
	uint32_t other_static;
};

static int
copies_cb(const struct fdb_entry_info *e, void *arg)
{
	struct copies *c = arg;

	if (e->mac != c->mac)
		return 0;
	if (!e->is_static)
		c->learned++;
	else if (e->port == STATIC_PORT)
		c->on_static_port++;
	else
		c->other_static++;
	return 0;
}

static struct copies
count_copies(const struct race *r)
{
	struct copies c = { .mac = r->mac };

	fdb_walk(r->f, copies_cb, &c);
	return c;
}

START_TEST(static_survives_concurrent_learn)
{
	struct race r = { .f = fdb_create(8), .mac = mac_n(1) };
	uint32_t lost = 0, failed = 0;
	struct copies c;
	pthread_t t;

	ck_assert_ptr_nonnull(r.f);
	ck_assert_uint_eq(r.f->nb_buckets, 2);
	/* Counted ports: the learned copies the dedupe clears must give their room back. */
	ck_assert_int_eq(fdb_set_port_limit(r.f, 4, 0), 0);
	for (uint32_t n = 2; r.filler == 0; n++)
		if (fdb_hash1(r.f, mac_n(n)) == fdb_hash1(r.f, r.mac))
			r.filler = mac_n(n);
	ck_assert_int_eq(pthread_create(&t, NULL, learner, &r), 0);
	/* Race from the first round, not after the thread happens to start. */
	while (!__atomic_load_n(&r.started, __ATOMIC_ACQUIRE))
		sched_yield();
	/* Once fdb_add_static() has returned, a static copy must be in the
	 * table whatever the learner does (only fdb_del() may remove it). */
	for (uint32_t i = 0; i < RACE_ROUNDS; i++) {
		fdb_del(r.f, r.mac);
		if (fdb_add_static(r.f, r.mac, STATIC_PORT) != 0) {
			failed++;
			continue;
		}
		c = count_copies(&r);
		lost += c.on_static_port == 0;
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ck_assert_msg(lost == 0, "static entry lost in %u of %u rounds", lost, RACE_ROUNDS);
	ck_assert_uint_eq(failed, 0);

	/* Quiet now: one copy, the static one, and lookups follow it. */
	c = count_copies(&r);
	ck_assert_uint_eq(c.on_static_port, 1);
	ck_assert_uint_eq(c.learned, 0);
	ck_assert_uint_eq(c.other_static, 0);
	ck_assert_uint_eq(fdb_lookup(r.f, r.mac, NULL), STATIC_PORT);
	ck_assert_int_eq(fdb_learn(r.f, r.mac, LEARNED_PORT, 0, NULL), FDB_LEARN_STATIC);
	ck_assert_uint_eq(fdb_port_count(r.f, LEARNED_PORT), 0);
	fdb_free(r.f);
}
END_TEST

TCase *
test_fdb_static_race_tcase(void)
{
	TCase *tc = tcase_create("static_race");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, static_survives_concurrent_learn);
	return tc;
}
