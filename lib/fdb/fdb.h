/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * fdb: the switch's MAC learning table (forwarding database).
 *
 * Many forwarding lcores look up and learn at the same time; a control
 * thread ages, flushes and adds static entries. Nothing takes a lock.
 *
 * Layout: 2^n buckets of four 16-byte entries, so a bucket is one cache
 * line. A MAC hashes to two buckets (two independent multiplicative
 * hashes); it lives in one of their eight slots. Each entry keeps the MAC,
 * the port and the static flag in one 64-bit word that is read and written
 * atomically, so a reader sees either the old or the new (mac, port) pair,
 * never a torn mix; the last-seen time sits beside it in the same line.
 *
 * Removing an entry only clears its word: lookups always scan both buckets,
 * so there are no tombstones and no probe chains to repair.
 *
 * Statistics are kept by the caller (one struct fdb_stats per lcore) so
 * that counting never makes lcores share a written cache line.
 *
 * Per-port limit (fdb_set_port_limit()): the table counts the learned
 * entries of each port in an atomic counter on a cache line of its own.
 * The counters change only when an entry appears, moves or goes (never on
 * lookups or refreshes), so the datapath pays nothing in steady state.
 * Learning reserves room on the port first (add, and take it back if that
 * went over the limit), so a port never holds more than the limit even
 * with several lcores learning for it at once; whoever clears or moves an
 * entry away with a successful compare-and-swap gives its port the room
 * back. Static entries are not counted.
 */

#ifndef VM2VM_FDB_H
#define VM2VM_FDB_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Returned by lookups when the MAC is not in the table. */
#define FDB_PORT_NONE UINT16_MAX
/** Largest port number the table can store. */
#define FDB_PORT_MAX 0x7ffe
/** Slots per bucket (one cache line of 16-byte entries). */
#define FDB_BUCKET_SLOTS 4

/** Per-caller counters; each lcore passes its own. Any pointer may be NULL. */
struct fdb_stats {
	uint64_t hits;      /**< lookups that found the MAC */
	uint64_t misses;    /**< lookups that did not */
	uint64_t learned;   /**< new entries inserted by learning */
	uint64_t moves;     /**< entries whose port changed (MAC moved) */
	uint64_t full;      /**< learning failed: both buckets full */
	uint64_t refreshed; /**< timestamps refreshed */
	uint64_t limit;     /**< learning refused: the port is at its limit */
};

/** What fdb_learn() did. */
enum fdb_learn_result {
	FDB_LEARN_KNOWN = 0,   /**< already there on this port */
	FDB_LEARN_NEW,         /**< inserted */
	FDB_LEARN_MOVED,       /**< was on another port; moved */
	FDB_LEARN_STATIC,      /**< a static entry pins it elsewhere: not moved */
	FDB_LEARN_FULL,        /**< no free slot */
	FDB_LEARN_INVALID,     /**< multicast source or port out of range */
	FDB_LEARN_LIMIT,       /**< the port is at its limit: not learned, not moved */
};

/** One entry as reported by fdb_walk(). */
struct fdb_entry_info {
	uint64_t mac;        /**< MAC key, see fdb_mac_key() */
	uint16_t port;       /**< output port */
	bool is_static;      /**< never aged, never moved, kept by port flush */
	uint32_t seen;       /**< last time learned or refreshed (caller's clock) */
};

/** Opaque table. */
struct fdb;

/**
 * Turn 6 MAC bytes (as on the wire) into the 48-bit key used everywhere
 * here: the bytes in memory order, little-endian, so bit 0 is the
 * group (multicast) bit of the first byte.
 */
static inline uint64_t
fdb_mac_key(const uint8_t mac[6])
{
	return (uint64_t)mac[0] | (uint64_t)mac[1] << 8 | (uint64_t)mac[2] << 16 |
	       (uint64_t)mac[3] << 24 | (uint64_t)mac[4] << 32 | (uint64_t)mac[5] << 40;
}

/** Inverse of fdb_mac_key(). */
static inline void
fdb_key_mac(uint64_t key, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(key >> (8 * i));
}

/** True for broadcast and multicast keys. */
static inline bool
fdb_mac_is_group(uint64_t key)
{
	return key & 1;
}

/**
 * Create a table with room for at least @p entries (rounded up to a power of
 * two, at least 8). The table is cache-line aligned and zeroed.
 * @return NULL on bad size or out of memory.
 */
struct fdb *fdb_create(uint32_t entries);

/** Free a table (NULL is fine). No lookups may run concurrently. */
void fdb_free(struct fdb *fdb);

/** Number of slots. */
uint32_t fdb_capacity(const struct fdb *fdb);

/**
 * Count the learned entries of ports 0..@p nb_ports-1 and allow each at most
 * @p limit of them (0: count, but no limit). Ports from @p nb_ports up are
 * neither counted nor limited. Entries already in the table are counted.
 * Call before learning starts: not safe against concurrent learners.
 * @return 0, -EINVAL (nb_ports 0 or above FDB_PORT_MAX + 1) or -ENOMEM.
 */
int fdb_set_port_limit(struct fdb *fdb, uint16_t nb_ports, uint32_t limit);

/** The limit set by fdb_set_port_limit() (0: none). */
uint32_t fdb_port_limit(const struct fdb *fdb);

/**
 * Learned entries of @p port (a snapshot), or 0 when the port is not
 * counted. Static entries are not included.
 */
uint32_t fdb_port_count(const struct fdb *fdb, uint16_t port);

/** Output port of @p mac, or FDB_PORT_NONE. Lock-free, any thread. */
uint16_t fdb_lookup(const struct fdb *fdb, uint64_t mac, struct fdb_stats *st);

/**
 * Look up @p n MACs; ports[i] gets the port or FDB_PORT_NONE. Prefetches
 * the buckets of the whole batch first. Lock-free, any thread.
 */
void fdb_lookup_bulk(const struct fdb *fdb, const uint64_t *macs, uint16_t *ports,
		     unsigned int n, struct fdb_stats *st);

/**
 * Learn that @p mac was seen on @p port at time @p now (any monotonic clock
 * the caller also uses for fdb_age()). Safe from many threads at once.
 * A port at its limit learns no new MAC and takes no MAC over from another
 * port (FDB_LEARN_LIMIT); a refused move leaves the entry and its time as
 * they were, so it still ages out.
 */
enum fdb_learn_result fdb_learn(struct fdb *fdb, uint64_t mac, uint16_t port, uint32_t now,
				struct fdb_stats *st);

/**
 * Add or replace a static entry: never aged, not moved by learning, not
 * removed by fdb_flush_port(). @return 0, -EINVAL (group MAC, bad port) or
 * -ENOSPC.
 */
int fdb_add_static(struct fdb *fdb, uint64_t mac, uint16_t port);

/** Remove @p mac (static or not). @return 0 or -ENOENT. */
int fdb_del(struct fdb *fdb, uint64_t mac);

/** Remove the learned (non-static) entries of @p port. @return how many. */
uint32_t fdb_flush_port(struct fdb *fdb, uint16_t port);

/** Remove every learned entry, and static ones too if asked. @return how many. */
uint32_t fdb_flush(struct fdb *fdb, bool with_static);

/**
 * Remove learned entries not seen for more than @p max_age (same clock as
 * fdb_learn()). @return how many.
 */
uint32_t fdb_age(struct fdb *fdb, uint32_t now, uint32_t max_age);

/** Entries in use (a snapshot; may be stale by the time it returns). */
uint32_t fdb_count(const struct fdb *fdb);

/**
 * Call @p cb for each entry (a best-effort snapshot while others write).
 * Stops early and returns the callback's value if it is non-zero.
 */
int fdb_walk(const struct fdb *fdb, int (*cb)(const struct fdb_entry_info *e, void *arg),
	     void *arg);

#ifdef __cplusplus
}
#endif

#endif /* VM2VM_FDB_H */
