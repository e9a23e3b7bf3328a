/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * A hostile peer for net_ivshmem2 (host flavour, peer id 1, one queue, the
 * default geometry). It attaches to the link file like the PMD does, then:
 *   1. behaves: handshake, sends good frames;
 *   2. writes random bytes over its ring and header while in RUN;
 *   3. posts well-formed descriptors that lie: ids >= ring size, zero and
 *      huge lengths, offsets outside its buffers or wrapping, WRITE and
 *      INDIRECT flags, endless chains, a bad magic, a bogus state value;
 *   4. behaves again and sends good frames.
 * After every attack it waits for the PMD to drop the link (or at most a
 * second) and handshakes again. It prints what it did; the calling script
 * checks that the PMD survived, counted errors and received the good frames.
 *
 * With "truncate" it instead handshakes, sends good frames, truncates the
 * link file to 0 bytes and exits: the PMD must survive the SIGBUS.
 *
 * usage: ivshmem2-hostile-peer SHM_FILE GOOD_FRAMES_PER_PHASE [truncate]
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "pring.h"
#include "ivshmem2_wire.h"

#define RING 1024u
#define BUF 2048u
#define ID 1
#define PEER 0

struct hp {
	int fd;
	uint8_t *map;
	volatile uint32_t *state;
	uint8_t *own;
	const uint8_t *peer;
	uint64_t out_size;
	uint64_t hb;
	struct pring_drv drv;
	struct pring_drv_slot slot[RING];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
tick(struct hp *h)
{
	struct iv2_sect_hdr *hdr = (struct iv2_sect_hdr *)h->own;

	__atomic_store_n(&hdr->heartbeat, ++h->hb, __ATOMIC_RELAXED);
	usleep(1000);
}

static uint32_t
peer_state(struct hp *h)
{
	return __atomic_load_n(&h->state[PEER], __ATOMIC_ACQUIRE);
}

static void
set_state(struct hp *h, uint32_t s)
{
	__atomic_store_n(&h->state[ID], s, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Wait until the peer's state satisfies lo <= s <= hi; false on timeout. */
static int
wait_peer(struct hp *h, uint32_t lo, uint32_t hi, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		uint32_t s = peer_state(h);

		if (s >= lo && s <= hi)
			return 1;
		tick(h);
	}
	return 0;
}

static uint8_t *
q_base(uint8_t *sect)
{
	return sect + IV2_QUEUE_OFF;
}

static void
layout(struct hp *h)
{
	struct iv2_sect_hdr *hdr = (struct iv2_sect_hdr *)h->own;

	memset(h->own, 0, IV2_QUEUE_OFF);
	memset(q_base(h->own), 0, iv2_q_buf_off(RING));
	hdr->version = IV2_LAYOUT_VERSION;
	hdr->hdr_size = sizeof(*hdr);
	hdr->features = IV2_FEATURES;
	hdr->section_size = h->out_size;
	hdr->queues = 1;
	hdr->ring_size = RING;
	hdr->buf_size = BUF;
	hdr->queue_off = IV2_QUEUE_OFF;
	hdr->queue_stride = iv2_q_stride(RING, BUF);
	hdr->session = (uint32_t)now_ms() | 1;
	__atomic_store_n(&hdr->magic, IV2_MAGIC, __ATOMIC_RELEASE);
}

/* The ivshmem-net handshake, from RESET to RUN. */
static int
handshake(struct hp *h)
{
	struct pring_layout l = {
		.avail = (struct pring_desc *)q_base(h->own),
		.used = (struct pring_desc *)(q_base((uint8_t *)(uintptr_t)h->peer) + iv2_q_used_off(RING)),
		.drv_event = (struct pring_event *)(q_base(h->own) + iv2_q_events_off(RING)),
		.dev_event = (struct pring_event *)(q_base((uint8_t *)(uintptr_t)h->peer) +
						    iv2_q_events_off(RING) + 4),
		.size = RING,
	};

	set_state(h, IV2_STATE_RESET);
	if (!wait_peer(h, IV2_STATE_RESET, IV2_STATE_INIT, 5000))
		return 0;
	set_state(h, IV2_STATE_INIT);
	if (!wait_peer(h, IV2_STATE_INIT, IV2_STATE_RUN, 5000))
		return 0;
	layout(h);
	set_state(h, IV2_STATE_READY);
	if (!wait_peer(h, IV2_STATE_READY, IV2_STATE_RUN, 5000))
		return 0;
	pring_drv_init(&h->drv, &l, h->slot, true, false);
	set_state(h, IV2_STATE_RUN);
	return wait_peer(h, IV2_STATE_RUN, IV2_STATE_RUN, 5000);
}

static uint64_t
buf_off(uint16_t slot)
{
	return IV2_QUEUE_OFF + iv2_q_buf_off(RING) + (uint64_t)slot * BUF;
}

/* Send @p n good 64-byte frames; returns how many the peer consumed. */
static uint64_t
send_good(struct hp *h, uint64_t n)
{
	uint64_t sent = 0, end = now_ms() + 20000;
	void *cookie[64];

	while (sent < n && now_ms() < end && peer_state(h) == IV2_STATE_RUN) {
		uint64_t addr[32];
		uint32_t len[32];
		uint16_t k, b = (uint16_t)(n - sent < 32 ? n - sent : 32);

		while (pring_drv_reap(&h->drv, cookie, NULL, 64) != 0)
			;
		if (pring_drv_free_count(&h->drv) < b) {
			tick(h);
			continue;
		}
		for (k = 0; k < b; k++) {
			uint16_t s = (uint16_t)((h->drv.avail_idx + k) & (RING - 1));
			uint8_t *p = h->own + buf_off(s);

			memset(p, 0xff, 6);
			memset(p + 6, 0x02, 6);
			p[12] = 0x88;
			p[13] = 0xb5;
			memset(p + 14, (int)(sent + k), 50);
			addr[k] = buf_off(s);
			len[k] = 64;
		}
		sent += pring_drv_post(&h->drv, addr, len, NULL, b, false);
	}
	/* Let the peer drain before anything else happens. */
	end = now_ms() + 5000;
	while (pring_drv_free_count(&h->drv) < RING && now_ms() < end) {
		pring_drv_reap(&h->drv, cookie, NULL, 64);
		tick(h);
	}
	return sent;
}

/* Give the PMD a moment to notice, then start over. */
static void
settle(struct hp *h, const char *what)
{
	int dropped = wait_peer(h, IV2_STATE_RESET, IV2_STATE_READY, 1000);

	printf("attack %-22s: peer %s\n", what, dropped ? "dropped the link" : "kept the link");
	fflush(stdout);
}

static void
put_desc(struct hp *h, uint16_t slot, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags)
{
	struct pring_desc *d = (struct pring_desc *)q_base(h->own) + slot;

	d->addr = addr;
	d->len = len;
	d->id = id;
	__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
}

#define AVAIL1 PRING_DESC_F_AVAIL /* first lap: AVAIL=1, USED=0 */

/* Post one lying descriptor (or chain) at the current head and see what happens. */
static int
lie(struct hp *h, const char *what, int kind)
{
	uint16_t s, i;
	uint64_t good;

	if (!handshake(h)) {
		printf("handshake failed before %s\n", what);
		return 0;
	}
	s = h->drv.avail_idx;
	good = buf_off(s);
	switch (kind) {
	case 0: put_desc(h, s, good, 64, RING + 5, AVAIL1); break;
	case 1: put_desc(h, s, good, 0, 0, AVAIL1); break;
	case 2: put_desc(h, s, good, 0x7fffffff, 0, AVAIL1); break;
	case 3: put_desc(h, s, 0, 64, 0, AVAIL1); break;                 /* our header */
	case 4: put_desc(h, s, h->out_size - 8, 64, 0, AVAIL1); break;    /* past the section */
	case 5: put_desc(h, s, UINT64_MAX - 16, 64, 0, AVAIL1); break;     /* wraps */
	case 6: put_desc(h, s, good, 64, 0, AVAIL1 | PRING_DESC_F_WRITE); break;
	case 7: put_desc(h, s, good, 64, 0, AVAIL1 | PRING_DESC_F_INDIRECT); break;
	case 8: /* a chain through the whole ring that never ends */
		for (i = 0; i < RING; i++)
			put_desc(h, (uint16_t)((s + RING - 1 - i) & (RING - 1)), good, 64, 0,
				 AVAIL1 | PRING_DESC_F_NEXT);
		break;
	case 9: put_desc(h, s, buf_off(0) + (uint64_t)RING * BUF - 32, 64, 0, AVAIL1); break;
	default: break;
	}
	settle(h, what);
	return 1;
}

/* Offer a section whose header does not validate: the PMD must stay out of RUN. */
static void
bad_header(struct hp *h)
{
	int ran;

	set_state(h, IV2_STATE_RESET);
	wait_peer(h, IV2_STATE_RESET, IV2_STATE_INIT, 5000);
	set_state(h, IV2_STATE_INIT);
	wait_peer(h, IV2_STATE_INIT, IV2_STATE_RUN, 5000);
	layout(h);
	((struct iv2_sect_hdr *)h->own)->version = IV2_LAYOUT_VERSION + 1;
	set_state(h, IV2_STATE_READY);
	ran = wait_peer(h, IV2_STATE_RUN, IV2_STATE_RUN, 1000);
	printf("attack %-22s: peer %s\n", "bad layout version", ran ? "ACCEPTED it" : "refused RUN");
	fflush(stdout);
}

static void
random_bytes(struct hp *h, uint8_t *p, size_t n, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		size_t i;

		for (i = 0; i < n; i += 4) {
			uint32_t r = (uint32_t)rand();

			memcpy(p + i, &r, n - i < 4 ? n - i : 4);
		}
		tick(h);
	}
}

static int
attach(struct hp *h, const char *path)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1 + ID, .l_len = 1 };
	uint64_t st, pg = 4096;
	struct statfs sfs;
	struct stat sb;
	int fd;

	fd = open(path, O_RDWR);
	if (fd < 0 || fstat(fd, &sb) < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		perror(path);
		return -1;
	}
	if (fstatfs(fd, &sfs) == 0 && (uint64_t)sfs.f_type == 0x958458f6)
		pg = (uint64_t)sfs.f_bsize;
	st = (4096 + pg - 1) / pg * pg;
	h->out_size = ((uint64_t)sb.st_size - st) / 2;
	h->map = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h->map == MAP_FAILED)
		return -1;
	h->state = (volatile uint32_t *)h->map;
	h->own = h->map + st + ID * h->out_size;
	h->peer = h->map + st + PEER * h->out_size;
	h->fd = fd;
	return 0; /* fd stays open: it holds our lock */
}

int
main(int argc, char **argv)
{
	static struct hp h;
	uint64_t n, got1, got2;
	int k, round, rounds = 1;
	bool truncate = argc == 4 && strcmp(argv[3], "truncate") == 0;

	/* ROUNDS: the lying descriptors that many times (a peer looping its attacks) */
	if (argc == 4 && !truncate)
		rounds = atoi(argv[3]);
	if (argc < 3 || argc > 4 || rounds < 1) {
		fprintf(stderr, "usage: %s SHM_FILE GOOD_FRAMES [truncate | ROUNDS]\n", argv[0]);
		return 2;
	}
	n = strtoull(argv[2], NULL, 0);
	srand(42);
	if (attach(&h, argv[1]) < 0)
		return 2;
	if (!handshake(&h)) {
		fprintf(stderr, "initial handshake failed\n");
		return 1;
	}
	got1 = send_good(&h, n);
	printf("phase 1: %" PRIu64 " good frames sent\n", got1);
	if (truncate) {
		/* The PMD's next touch of the file is past its end. */
		if (ftruncate(h.fd, 0) < 0)
			return 1;
		printf("truncated %s to 0 bytes\n", argv[1]);
		return got1 == n ? 0 : 1;
	}

	random_bytes(&h, q_base(h.own), iv2_q_buf_off(RING), 500);
	settle(&h, "random ring bytes");
	if (handshake(&h)) {
		random_bytes(&h, h.own, IV2_QUEUE_OFF, 300);
		settle(&h, "random header bytes");
	}
	static const char *const names[] = {
		"id >= ring size", "zero length", "huge length", "offset into header",
		"offset past section", "wrapping offset", "WRITE flag", "INDIRECT flag",
		"endless chain", "buffer past area",
	};
	for (round = 0; round < rounds; round++)
		for (k = 0; k < 10; k++)
			lie(&h, names[k], k);
	bad_header(&h);
	set_state(&h, 7);
	settle(&h, "state 7");

	if (!handshake(&h)) {
		fprintf(stderr, "final handshake failed: the link did not recover\n");
		return 1;
	}
	got2 = send_good(&h, n);
	printf("phase 4: %" PRIu64 " good frames sent\n", got2);
	printf("hostile peer: %" PRIu64 " good frames in total\n", got1 + got2);
	set_state(&h, IV2_STATE_RESET);
	return got1 == n && got2 == n ? 0 : 1;
}
