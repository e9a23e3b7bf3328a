/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Host flavour of the ivshmem 2.0 device: two processes share one file (on
 * hugetlbfs or /dev/shm) laid out exactly like the device's shared memory:
 * state table, R/W section, output section of peer 0, output section of
 * peer 1, each rounded up to the file system's page size.
 *
 * The device semantics are emulated with open file description locks on
 * the file (advisory, beyond the data they do not touch):
 *   byte 0      setup lock: held while a peer creates/checks the file and
 *               while the last peer removes it;
 *   byte 1 + k  held by peer k for as long as it is attached. The kernel
 *               drops it when the process dies, however it dies, so the
 *               survivor learns with F_OFD_GETLK that the peer is gone even
 *               if it never wrote RESET to its state entry.
 * Our "State register" is our own 32-bit entry of the state table.
 *
 * A guest on the same file through QEMU's ivshmem-plain device holds no
 * lock: a peer that never held one is followed by its heartbeat alone (see
 * iv2_host_peer_attached).
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <rte_malloc.h>

#include "ivshmem2.h"
#include "peer_mem_guard.h"

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

#define IV2_LOCK_SETUP 0
#define IV2_LOCK_PEER(k) (1 + (k))

struct iv2_host {
	int fd;
	void *map;
	size_t map_len;
	int guard;          /**< peer_mem_guard handle: the peer may truncate the file */
	char path[256];
	bool peer_locked;     /**< the current peer holds its lock (a host process) */
	bool peer_lost;       /**< that lock went away: the peer is gone ... */
	uint64_t lost_hb;     /**< ... until its heartbeat moves again (a new peer) */
};

/*
 * How long set-up and close wait for the set-up lock. Honest peers hold it
 * for a few syscalls; any process that can open the file can hold it for
 * ever, so we never wait unbounded (F_OFD_SETLKW).
 */
#define IV2_SETUP_LOCK_WAIT_MS 3000
#define IV2_SETUP_LOCK_POLL_MS 10

static int
iv2_host_lock(int fd, short type, off_t byte, bool wait)
{
	struct flock fl = {
		.l_type = type,
		.l_whence = SEEK_SET,
		.l_start = byte,
		.l_len = 1,
	};
	unsigned int waited = 0;

	for (;;) {
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			return 0;
		if ((errno != EAGAIN && errno != EACCES) || !wait)
			return -errno;
		if (waited >= IV2_SETUP_LOCK_WAIT_MS)
			return -ETIMEDOUT;
		usleep(IV2_SETUP_LOCK_POLL_MS * 1000);
		waited += IV2_SETUP_LOCK_POLL_MS;
	}
}

/* Is anyone (not us) holding byte @p byte? */
static bool
iv2_host_lock_held(int fd, off_t byte)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = byte,
		.l_len = 1,
	};

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return true; /* cannot tell: assume attached, the heartbeat decides */
	return fl.l_type != F_UNLCK;
}

static uint64_t
iv2_host_page(int fd)
{
	struct statfs sfs;
	long pg = sysconf(_SC_PAGESIZE);

	if (fstatfs(fd, &sfs) == 0 && (uint64_t)sfs.f_type == HUGETLBFS_MAGIC)
		return (uint64_t)sfs.f_bsize;
	return pg > 0 ? (uint64_t)pg : 4096;
}

/* Open @p path and take the setup lock on the inode the path names now. */
static int
iv2_host_open_locked(const char *path)
{
	struct stat a, b;
	int fd, ret, tries;

	for (tries = 0; tries < 16; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			ret = -errno;
			IV2_LOG(ERR, "cannot open %s: %s", path, strerror(errno));
			return ret;
		}
		ret = iv2_host_lock(fd, F_WRLCK, IV2_LOCK_SETUP, true);
		if (ret == -ETIMEDOUT) {
			IV2_LOG(ERR, "cannot lock %s: its set-up lock (byte %d) is held by another"
				" process for more than %d ms", path, IV2_LOCK_SETUP,
				IV2_SETUP_LOCK_WAIT_MS);
			close(fd);
			return ret;
		}
		if (ret < 0) {
			IV2_LOG(ERR, "cannot lock %s: %s", path, strerror(-ret));
			close(fd);
			return ret;
		}
		/* The last peer of a link unlinks the file under this lock: retry on a fresh one. */
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			return fd;
		close(fd);
	}
	IV2_LOG(ERR, "%s keeps being replaced", path);
	return -EBUSY;
}

static void
iv2_host_state_write(struct iv2_dev *d, uint32_t state)
{
	volatile uint32_t *own = (volatile uint32_t *)(uintptr_t)&d->state_table[d->id];

	/* Everything we wrote to our section before must be visible before the new state. */
	__atomic_store_n(own, state, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint64_t
iv2_host_peer_heartbeat(const struct iv2_dev *d)
{
	const struct iv2_sect_hdr *ph = (const struct iv2_sect_hdr *)d->out_peer;

	return __atomic_load_n(&ph->heartbeat, __ATOMIC_RELAXED);
}

/*
 * A host peer holds its lock while attached, so a lock that goes away is
 * certain news of its death. A guest (QEMU's ivshmem-plain) holds none: a
 * peer without a lock counts as attached and the life cycle's heartbeat
 * timeout decides, except right after a locked peer died, until someone
 * moves the heartbeat again (the dead peer's entry still says RUN).
 */
static bool
iv2_host_peer_attached(struct iv2_dev *d)
{
	struct iv2_host *h = d->priv;

	if (iv2_host_lock_held(h->fd, IV2_LOCK_PEER(d->peer_id))) {
		h->peer_locked = true;
		h->peer_lost = false;
		return true;
	}
	if (h->peer_locked) {
		h->peer_locked = false;
		h->peer_lost = true;
		h->lost_hb = iv2_host_peer_heartbeat(d);
	}
	if (h->peer_lost && iv2_host_peer_heartbeat(d) == h->lost_hb)
		return false;
	h->peer_lost = false;
	return true;
}

/* Does a lockless peer still increment its heartbeat? Watched for up to IV2_HOST_HB_WATCH_MS. */
#define IV2_HOST_HB_WATCH_MS 200
static bool
iv2_host_peer_beating(const struct iv2_dev *d)
{
	uint64_t hb = iv2_host_peer_heartbeat(d);
	int ms;

	for (ms = 0; ms < IV2_HOST_HB_WATCH_MS; ms += 10) {
		usleep(10000);
		if (iv2_host_peer_heartbeat(d) != hb)
			return true;
	}
	return false;
}

static void
iv2_host_close(struct iv2_dev *d)
{
	struct iv2_host *h = d->priv;
	int ret;

	if (h == NULL)
		return;
	iv2_host_state_write(d, IV2_STATE_RESET);
	/*
	 * The last peer out removes the file, so no hugepage stays behind; but
	 * not under a live guest (no lock, heartbeat moving): its QEMU keeps the
	 * file mapped, and a new host process must find the same file. The
	 * heartbeat is read while the mapping is still guarded.
	 */
	ret = iv2_host_lock(h->fd, F_WRLCK, IV2_LOCK_SETUP, true);
	if (ret == 0 && !iv2_host_lock_held(h->fd, IV2_LOCK_PEER(d->peer_id)) &&
	    !iv2_host_peer_beating(d))
		unlink(h->path);
	else if (ret < 0)
		IV2_LOG(WARNING, "%s: set-up lock not available (%s); the link file is left"
			" in place", h->path, strerror(-ret));
	peer_mem_guard_del(h->guard);
	munmap(h->map, h->map_len);
	close(h->fd);
	rte_free(h);
	memset(d, 0, sizeof(*d));
}

/* As on the device: the peer's output section is read-only for us. */
static void
iv2_host_protect_peer(struct iv2_dev *d)
{
	if (mprotect((void *)(uintptr_t)d->out_peer, d->out_size, PROT_READ) < 0)
		IV2_LOG(WARNING, "cannot make the peer's section read-only: %s", strerror(errno));
}

/*
 * The peer truncated the file and the guard put zero pages in its place:
 * once the file has its size back (we restore it when the peer emptied it,
 * as a new peer would), map it again over the same addresses, so every
 * pointer into it stays valid.
 */
static int
iv2_host_remap(struct iv2_dev *d)
{
	struct iv2_host *h = d->priv;
	struct stat st;
	int ret = 0;

	if (iv2_host_lock(h->fd, F_WRLCK, IV2_LOCK_SETUP, false) < 0)
		return -EAGAIN;
	if (fstat(h->fd, &st) < 0)
		ret = -errno;
	else if (st.st_size == 0 && ftruncate(h->fd, (off_t)h->map_len) < 0)
		ret = -errno;
	else if (st.st_size != 0 && (uint64_t)st.st_size != h->map_len)
		ret = -EINVAL;
	if (ret == 0) {
		__atomic_store_n(&d->mem_fault, 0, __ATOMIC_RELEASE);
		if (mmap(h->map, h->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, h->fd,
			 0) == MAP_FAILED)
			ret = -errno;
		else
			iv2_host_protect_peer(d);
	}
	iv2_host_lock(h->fd, F_UNLCK, IV2_LOCK_SETUP, false);
	return ret;
}

static const struct iv2_dev_ops iv2_host_ops = {
	.state_write = iv2_host_state_write,
	.peer_attached = iv2_host_peer_attached,
	.doorbell = NULL, /* host peers poll: there is nobody to interrupt */
	.close = iv2_host_close,
	.remap = iv2_host_remap,
};

/* Size a new file, or check that an existing one has exactly our layout. */
static int
iv2_host_size(int fd, const char *path, uint64_t total, bool *created)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size == 0) {
		*created = true;
		if (ftruncate(fd, (off_t)total) < 0) {
			IV2_LOG(ERR, "cannot size %s to %" PRIu64 " bytes: %s (enough hugepages?)",
				path, total, strerror(errno));
			return -errno;
		}
		IV2_LOG(INFO, "created %s, %" PRIu64 " bytes", path, total);
		return 0;
	}
	if ((uint64_t)st.st_size != total) {
		IV2_LOG(ERR, "%s is %" PRIu64 " bytes but this layout needs %" PRIu64
			" (peer started with other sizes, or a stale file?)",
			path, (uint64_t)st.st_size, total);
		return -EINVAL;
	}
	return 0;
}

int
iv2_host_open(struct iv2_dev *d, const struct iv2_host_params *p)
{
	struct iv2_host *h;
	uint64_t pg, total;
	bool created = false;
	int fd, ret;

	memset(d, 0, sizeof(*d));
	h = rte_zmalloc("iv2_host", sizeof(*h), 0);
	if (h == NULL)
		return -ENOMEM;
	snprintf(h->path, sizeof(h->path), "%s", p->path);
	fd = iv2_host_open_locked(p->path);
	if (fd < 0) {
		rte_free(h);
		return fd;
	}
	h->fd = fd;
	pg = iv2_host_page(fd);
	d->state_size = RTE_ALIGN_CEIL(p->state_size, pg);
	d->rw_size = RTE_ALIGN_CEIL(p->rw_size, pg);
	d->out_size = RTE_ALIGN_CEIL(p->out_size, pg);
	total = d->state_size + d->rw_size + 2 * d->out_size;

	ret = iv2_host_size(fd, p->path, total, &created);
	if (ret < 0)
		goto fail;
	ret = iv2_host_lock(fd, F_WRLCK, IV2_LOCK_PEER(p->id), false);
	if (ret < 0) {
		IV2_LOG(ERR, "id=%u on %s is already attached by another process", p->id, p->path);
		ret = -EADDRINUSE;
		goto fail;
	}
	h->map = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h->map == MAP_FAILED) {
		ret = -errno;
		IV2_LOG(ERR, "cannot map %s (%" PRIu64 " bytes): %s", p->path, total, strerror(errno));
		goto fail;
	}
	h->map_len = total;
	d->ops = &iv2_host_ops;
	d->flavour = "host";
	d->priv = h;
	d->id = p->id;
	d->peer_id = 1 - p->id;
	d->max_peers = 2;
	d->state_table = (const volatile uint32_t *)h->map;
	d->out_own = (uint8_t *)h->map + d->state_size + d->rw_size + d->id * d->out_size;
	d->out_peer = (uint8_t *)h->map + d->state_size + d->rw_size + d->peer_id * d->out_size;
	iv2_host_protect_peer(d);
	/* The peer can truncate the file at any time: survive the SIGBUS. */
	h->guard = peer_mem_guard_add(h->map, h->map_len, &d->mem_fault);
	if (h->guard < 0)
		IV2_LOG(WARNING, "%s: not guarded against truncation by the peer", p->path);
	iv2_host_state_write(d, IV2_STATE_RESET);
	iv2_host_lock(fd, F_UNLCK, IV2_LOCK_SETUP, false);
	return 0;
fail:
	if (created && !iv2_host_lock_held(fd, IV2_LOCK_PEER(1 - p->id)))
		unlink(p->path);
	iv2_host_lock(fd, F_UNLCK, IV2_LOCK_SETUP, false);
	close(fd);
	rte_free(h);
	memset(d, 0, sizeof(*d));
	return ret;
}
