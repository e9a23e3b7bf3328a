/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Whole-table operations run by the control thread: aging, flushes, walks. */

#include "fdb_table.h"

/*
 * Visit every slot; clear those @p pred selects. Clearing is a CAS against
 * the word we read, so an entry a learner just moved or refreshed into a
 * new MAC is left alone.
 */
static uint32_t
fdb_sweep(struct fdb *f, bool (*pred)(const struct fdb_entry *e, uint64_t w, const void *arg),
	  const void *arg)
{
	uint32_t n = 0;

	for (uint32_t b = 0; b < f->nb_buckets; b++) {
		for (unsigned int i = 0; i < FDB_BUCKET_SLOTS; i++) {
			struct fdb_entry *e = &f->buckets[b].e[i];
			uint64_t w = fdb_load_word(e);

			if (w == 0 || !pred(e, w, arg))
				continue;
			if (__atomic_compare_exchange_n(&e->word, &w, 0, false, __ATOMIC_RELEASE,
							__ATOMIC_RELAXED)) {
				fdb_count_removed(f, w);
				n++;
			}
		}
	}
	return n;
}

static bool
fdb_pred_port(const struct fdb_entry *e, uint64_t w, const void *arg)
{
	(void)e;
	return !(w & FDB_W_STATIC) && fdb_word_port(w) == *(const uint16_t *)arg;
}

uint32_t
fdb_flush_port(struct fdb *fdb, uint16_t port)
{
	return fdb_sweep(fdb, fdb_pred_port, &port);
}

static bool
fdb_pred_all(const struct fdb_entry *e, uint64_t w, const void *arg)
{
	(void)e;
	return *(const bool *)arg || !(w & FDB_W_STATIC);
}

uint32_t
fdb_flush(struct fdb *fdb, bool with_static)
{
	return fdb_sweep(fdb, fdb_pred_all, &with_static);
}

struct fdb_age_arg {
	uint32_t now;
	uint32_t max_age;
};

static bool
fdb_pred_old(const struct fdb_entry *e, uint64_t w, const void *arg)
{
	const struct fdb_age_arg *a = arg;
	/* Unsigned difference: correct across clock wrap-around. */
	uint32_t age = a->now - __atomic_load_n(&e->seen, __ATOMIC_RELAXED);

	return !(w & FDB_W_STATIC) && age > a->max_age;
}

uint32_t
fdb_age(struct fdb *fdb, uint32_t now, uint32_t max_age)
{
	struct fdb_age_arg a = { .now = now, .max_age = max_age };

	return fdb_sweep(fdb, fdb_pred_old, &a);
}

uint32_t
fdb_count(const struct fdb *fdb)
{
	uint32_t n = 0;

	for (uint32_t b = 0; b < fdb->nb_buckets; b++)
		for (unsigned int i = 0; i < FDB_BUCKET_SLOTS; i++)
			n += fdb_load_word(&fdb->buckets[b].e[i]) != 0;
	return n;
}

int
fdb_walk(const struct fdb *fdb, int (*cb)(const struct fdb_entry_info *e, void *arg), void *arg)
{
	for (uint32_t b = 0; b < fdb->nb_buckets; b++) {
		for (unsigned int i = 0; i < FDB_BUCKET_SLOTS; i++) {
			const struct fdb_entry *e = &fdb->buckets[b].e[i];
			uint64_t w = fdb_load_word(e);
			struct fdb_entry_info info;
			int r;

			if (w == 0)
				continue;
			info.mac = fdb_word_mac(w);
			info.port = fdb_word_port(w);
			info.is_static = (w & FDB_W_STATIC) != 0;
			info.seen = __atomic_load_n(&e->seen, __ATOMIC_RELAXED);
			r = cb(&info, arg);
			if (r != 0)
				return r;
		}
	}
	return 0;
}
