/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Table creation, lookup and learning: the parts forwarding lcores call. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdb_table.h"

/* How often a learner retries after losing a race for a slot. */
#define FDB_LEARN_RETRIES 8

struct fdb *
fdb_create(uint32_t entries)
{
	struct fdb *f;
	uint32_t nb = 2, shift = 63;

	if (entries == 0 || entries > (UINT32_C(1) << 30))
		return NULL;
	while (nb * FDB_BUCKET_SLOTS < entries) {
		nb <<= 1;
		shift--;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->buckets = aligned_alloc(64, (size_t)nb * sizeof(struct fdb_bucket));
	if (f->buckets == NULL) {
		free(f);
		return NULL;
	}
	memset(f->buckets, 0, (size_t)nb * sizeof(struct fdb_bucket));
	f->nb_buckets = nb;
	f->bucket_shift = shift;
	return f;
}

void
fdb_free(struct fdb *fdb)
{
	if (fdb == NULL)
		return;
	free(fdb->buckets);
	free(fdb->counts);
	free(fdb);
}

uint32_t
fdb_capacity(const struct fdb *fdb)
{
	return fdb->nb_buckets * FDB_BUCKET_SLOTS;
}

int
fdb_set_port_limit(struct fdb *fdb, uint16_t nb_ports, uint32_t limit)
{
	struct fdb_port_count *c;

	if (nb_ports == 0 || nb_ports > FDB_PORT_MAX + 1)
		return -EINVAL;
	c = aligned_alloc(64, (size_t)nb_ports * sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	memset(c, 0, (size_t)nb_ports * sizeof(*c));
	for (uint32_t b = 0; b < fdb->nb_buckets; b++) {
		for (unsigned int i = 0; i < FDB_BUCKET_SLOTS; i++) {
			uint64_t w = fdb_load_word(&fdb->buckets[b].e[i]);

			if (w != 0 && !(w & FDB_W_STATIC) && fdb_word_port(w) < nb_ports)
				c[fdb_word_port(w)].n++;
		}
	}
	free(fdb->counts);
	fdb->counts = c;
	fdb->nb_counted = nb_ports;
	fdb->port_limit = limit;
	return 0;
}

uint32_t
fdb_port_limit(const struct fdb *fdb)
{
	return fdb->port_limit;
}

uint32_t
fdb_port_count(const struct fdb *fdb, uint16_t port)
{
	const uint32_t *c = fdb_port_ctr(fdb, port);

	return c != NULL ? __atomic_load_n(c, __ATOMIC_RELAXED) : 0;
}

/* Slot @p i (0..7) of the two candidate buckets of a MAC. */
static inline struct fdb_entry *
fdb_slot(const struct fdb *f, uint32_t b1, uint32_t b2, unsigned int i)
{
	uint32_t b = i < FDB_BUCKET_SLOTS ? b1 : b2;

	return &f->buckets[b].e[i % FDB_BUCKET_SLOTS];
}

static inline uint16_t
fdb_find_in(const struct fdb *f, uint64_t mac, uint32_t b1, uint32_t b2)
{
	for (unsigned int i = 0; i < 2 * FDB_BUCKET_SLOTS; i++) {
		uint64_t w = fdb_load_word(fdb_slot(f, b1, b2, i));

		if (w != 0 && fdb_word_mac(w) == mac)
			return fdb_word_port(w);
	}
	return FDB_PORT_NONE;
}

static inline uint16_t
fdb_find(const struct fdb *f, uint64_t mac)
{
	return fdb_find_in(f, mac, fdb_hash1(f, mac), fdb_hash2(f, mac));
}

uint16_t
fdb_lookup(const struct fdb *fdb, uint64_t mac, struct fdb_stats *st)
{
	uint16_t port = fdb_find(fdb, mac);

	if (st != NULL) {
		if (port == FDB_PORT_NONE)
			st->misses++;
		else
			st->hits++;
	}
	return port;
}

/* Largest batch looked up with its buckets prefetched together. */
#define FDB_BULK_CHUNK 64

void
fdb_lookup_bulk(const struct fdb *fdb, const uint64_t *macs, uint16_t *ports, unsigned int n,
		struct fdb_stats *st)
{
	uint32_t b1[FDB_BULK_CHUNK], b2[FDB_BULK_CHUNK];
	uint64_t hits = 0;

	for (unsigned int base = 0; base < n; base += FDB_BULK_CHUNK) {
		unsigned int m = n - base < FDB_BULK_CHUNK ? n - base : FDB_BULK_CHUNK;
		const uint64_t *mc = macs + base;
		uint16_t *pc = ports + base;

		/* Hash and prefetch the whole chunk first, so the cache misses overlap;
		 * a run of one MAC is hashed once. */
		for (unsigned int i = 0; i < m; i++) {
			uint64_t h;

			if (i > 0 && mc[i] == mc[i - 1]) {
				b1[i] = b1[i - 1];
				b2[i] = b2[i - 1];
				continue;
			}
			h = fdb_mix(mc[i]);

			b1[i] = (uint32_t)(h >> fdb->bucket_shift);
			b2[i] = (uint32_t)h & (fdb->nb_buckets - 1);
			if (b2[i] == b1[i])
				b2[i] ^= 1;
			__builtin_prefetch(&fdb->buckets[b1[i]]);
			__builtin_prefetch(&fdb->buckets[b2[i]]);
		}
		for (unsigned int i = 0; i < m; i++) {
			/* Bursts often carry runs of one destination. */
			if (i > 0 && mc[i] == mc[i - 1])
				pc[i] = pc[i - 1];
			else
				pc[i] = fdb_find_in(fdb, mc[i], b1[i], b2[i]);
			hits += pc[i] != FDB_PORT_NONE;
		}
	}
	if (st != NULL) {
		st->hits += hits;
		st->misses += n - hits;
	}
}

/*
 * Which copy of a MAC dedupe keeps: a static one before any learned one
 * (a learner that raced fdb_add_static() into another free slot must not
 * drop the static copy), then the lower slot. Lower rank wins.
 */
static inline unsigned int
fdb_rank(uint64_t w, unsigned int slot)
{
	return (w & FDB_W_STATIC ? 0 : 2 * FDB_BUCKET_SLOTS) + slot;
}

/*
 * Two inserters racing for different free slots (learners, or a learner and
 * fdb_add_static()) can both insert the same MAC. After inserting, keep the
 * best-ranked copy and clear the others; every inserter does this, and none
 * clears a copy unless it saw a better one, so the table converges to one
 * copy and a static one is never lost to a learned one. Until the last
 * inserter is done, lookups may briefly see a learned copy in a lower slot.
 */
static void
fdb_dedupe(struct fdb *f, uint64_t mac, uint32_t b1, uint32_t b2)
{
	unsigned int best = UINT32_MAX;

	for (unsigned int i = 0; i < 2 * FDB_BUCKET_SLOTS; i++) {
		uint64_t w = fdb_load_word(fdb_slot(f, b1, b2, i));

		if (w != 0 && fdb_word_mac(w) == mac && fdb_rank(w, i) < best)
			best = fdb_rank(w, i);
	}
	for (unsigned int i = 0; i < 2 * FDB_BUCKET_SLOTS; i++) {
		struct fdb_entry *e = fdb_slot(f, b1, b2, i);
		uint64_t w = fdb_load_word(e);

		/* A failed CAS reloads w: a learner may have just moved the copy,
		 * and a learned copy left in a lower slot would shadow the static. */
		while (w != 0 && fdb_word_mac(w) == mac && fdb_rank(w, i) > best) {
			if (__atomic_compare_exchange_n(&e->word, &w, 0, false, __ATOMIC_RELEASE,
							__ATOMIC_RELAXED)) {
				fdb_count_removed(f, w);
				break;
			}
		}
	}
}

/*
 * Find @p mac in its two buckets: on return *found is its slot (or NULL)
 * with *fw its word, and *empty a free slot (or NULL) in the less loaded
 * of the two buckets, which keeps buckets balanced (two-choice hashing).
 */
static void
fdb_scan(struct fdb *f, uint64_t mac, uint32_t b1, uint32_t b2, struct fdb_entry **found,
	 uint64_t *fw, struct fdb_entry **empty)
{
	struct fdb_entry *free_in[2] = { NULL, NULL };
	unsigned int used[2] = { 0, 0 };

	*found = NULL;
	for (unsigned int i = 0; i < 2 * FDB_BUCKET_SLOTS; i++) {
		struct fdb_entry *e = fdb_slot(f, b1, b2, i);
		uint64_t w = fdb_load_word(e);
		unsigned int b = i / FDB_BUCKET_SLOTS;

		if (w == 0) {
			if (free_in[b] == NULL)
				free_in[b] = e;
		} else if (fdb_word_mac(w) == mac) {
			*found = e;
			*fw = w;
			return;
		} else {
			used[b]++;
		}
	}
	*empty = used[1] < used[0] ? free_in[1] : free_in[0];
	if (*empty == NULL)
		*empty = free_in[1];
}

/* Publish a new word in an empty slot. The time is stored first so an ager
 * that sees the word also sees a fresh time (release/acquire on word). */
static bool
fdb_claim(struct fdb_entry *e, uint64_t w, uint32_t now)
{
	uint64_t expect = 0;

	__atomic_store_n(&e->seen, now, __ATOMIC_RELAXED);
	return __atomic_compare_exchange_n(&e->word, &expect, w, false, __ATOMIC_RELEASE,
					   __ATOMIC_RELAXED);
}

/*
 * The MAC is already present in @p e with word @p w: refresh or move it.
 * A move needs room on @p port: *held says it is reserved already (from an
 * earlier attempt); the entry takes the reservation over when the move
 * succeeds, and the old port gets its room back.
 */
static int
fdb_learn_existing(struct fdb *f, struct fdb_entry *e, uint64_t w, uint64_t mac, uint16_t port,
		   uint32_t now, bool *held, struct fdb_stats *st)
{
	if (w & FDB_W_STATIC)
		return fdb_word_port(w) == port ? FDB_LEARN_KNOWN : FDB_LEARN_STATIC;
	if (fdb_word_port(w) == port) {
		/* Write only when the time changed: keeps the line shared. */
		if (__atomic_load_n(&e->seen, __ATOMIC_RELAXED) != now) {
			__atomic_store_n(&e->seen, now, __ATOMIC_RELAXED);
			if (st != NULL)
				st->refreshed++;
		}
		return FDB_LEARN_KNOWN;
	}
	/* Before touching the time: a refused move must not keep the old entry alive. */
	if (!*held) {
		if (!fdb_count_reserve(f, port))
			return FDB_LEARN_LIMIT;
		*held = true;
	}
	__atomic_store_n(&e->seen, now, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&e->word, &w, fdb_word(mac, port, 0), false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return -1; /* raced: retry */
	*held = false;
	fdb_count_removed(f, w);
	if (st != NULL)
		st->moves++;
	return FDB_LEARN_MOVED;
}

/*
 * Room on the port is reserved before a new entry is published or an entry
 * moved in, and kept across retries; it is given back on every way out
 * that did not use it.
 */
enum fdb_learn_result
fdb_learn(struct fdb *fdb, uint64_t mac, uint16_t port, uint32_t now, struct fdb_stats *st)
{
	enum fdb_learn_result res = FDB_LEARN_FULL;
	bool held = false;
	uint32_t b1, b2;

	if (port > FDB_PORT_MAX || fdb_mac_is_group(mac) || mac >> 48 != 0)
		return FDB_LEARN_INVALID;
	b1 = fdb_hash1(fdb, mac);
	b2 = fdb_hash2(fdb, mac);
	for (int attempt = 0; attempt < FDB_LEARN_RETRIES; attempt++) {
		struct fdb_entry *found, *empty;
		uint64_t w = 0;
		int r;

		fdb_scan(fdb, mac, b1, b2, &found, &w, &empty);
		if (found != NULL) {
			r = fdb_learn_existing(fdb, found, w, mac, port, now, &held, st);
			if (r >= 0) {
				res = (enum fdb_learn_result)r;
				goto out;
			}
			continue;
		}
		if (empty == NULL)
			break;
		if (!held) {
			if (!fdb_count_reserve(fdb, port)) {
				res = FDB_LEARN_LIMIT;
				goto out;
			}
			held = true;
		}
		if (fdb_claim(empty, fdb_word(mac, port, 0), now)) {
			held = false;
			fdb_dedupe(fdb, mac, b1, b2);
			if (st != NULL)
				st->learned++;
			return FDB_LEARN_NEW;
		}
	}
	if (st != NULL)
		st->full++;
out:
	if (held)
		fdb_count_release(fdb, port);
	if (res == FDB_LEARN_LIMIT && st != NULL)
		st->limit++;
	return res;
}

int
fdb_add_static(struct fdb *fdb, uint64_t mac, uint16_t port)
{
	uint32_t b1, b2;
	uint64_t nw = fdb_word(mac, port, 1);

	if (port > FDB_PORT_MAX || fdb_mac_is_group(mac) || mac >> 48 != 0)
		return -EINVAL;
	b1 = fdb_hash1(fdb, mac);
	b2 = fdb_hash2(fdb, mac);
	for (int attempt = 0; attempt < FDB_LEARN_RETRIES; attempt++) {
		struct fdb_entry *found, *empty;
		uint64_t w = 0;

		fdb_scan(fdb, mac, b1, b2, &found, &w, &empty);
		if (found != NULL) {
			if (__atomic_compare_exchange_n(&found->word, &w, nw, false,
							__ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
				fdb_count_removed(fdb, w);
				/* A learner may have put a copy in a slot the scan had passed. */
				fdb_dedupe(fdb, mac, b1, b2);
				return 0;
			}
			continue;
		}
		if (empty == NULL)
			return -ENOSPC;
		if (fdb_claim(empty, nw, 0)) {
			fdb_dedupe(fdb, mac, b1, b2);
			return 0;
		}
	}
	return -ENOSPC;
}

int
fdb_del(struct fdb *fdb, uint64_t mac)
{
	uint32_t b1 = fdb_hash1(fdb, mac), b2 = fdb_hash2(fdb, mac);
	int ret = -ENOENT;

	for (unsigned int i = 0; i < 2 * FDB_BUCKET_SLOTS; i++) {
		struct fdb_entry *e = fdb_slot(fdb, b1, b2, i);
		uint64_t w = fdb_load_word(e);

		if (w != 0 && fdb_word_mac(w) == mac &&
		    __atomic_compare_exchange_n(&e->word, &w, 0, false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED)) {
			fdb_count_removed(fdb, w);
			ret = 0;
		}
	}
	return ret;
}
