/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Cross-core stress test: a driver thread and a device thread, pinned to
 * different CPUs, move descriptors through one shared window. Every buffer
 * carries its sequence number and a payload derived from it; the device
 * checks what it finds, the driver checks what comes back. Any loss,
 * duplication, reordering or corruption fails the test.
 *
 * Phases:
 *  1. split layout (ivshmem 2.0), 1000 slots, in-order ids, read-only
 *     buffers, some chained, completed with one used entry per batch;
 *  2. plain layout, 256 slots, out-of-order ids, device-writable buffers the
 *     device fills and the driver verifies, completed one entry per buffer.
 *
 * VM2VM_PRING_STRESS_DESCS overrides the total (default 100 million + a bit).
 */

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pring.h"

#define BUF_BYTES 64 /* per-buffer area in the data window */
#define BATCH 32
#define K1 0x9e3779b97f4a7c15ULL

struct phase {
	const char *name;
	uint16_t size;
	bool split;
	bool in_order;
	bool writable;    /* device-writable buffers, filled by the device */
	uint32_t chain_1_in; /* one buffer in this many is a 3-segment chain; 0: never */
	uint64_t descs;   /* descriptors to move */
};

/* One ring, with the two ends on separate cache lines. */
struct xring {
	struct pring_layout l;
	struct pring_xlate x;
	uint8_t *data;
	uint32_t nbuf;
	const struct phase *ph;
	_Alignas(64) struct pring_drv d;
	_Alignas(64) struct pring_dev v;
	_Alignas(64) volatile int failed; /* set by whichever thread sees a fault */
	uint64_t posted_descs;            /* set once by the driver when it stops posting */
	char why[160];
};

#define BASE 0x40000000ULL

static void fail(struct xring *r, const char *fmt, uint64_t a, uint64_t b)
{
	if (__atomic_exchange_n(&r->failed, 1, __ATOMIC_SEQ_CST) == 0)
		snprintf(r->why, sizeof(r->why), fmt, a, b);
}

/*
 * Waiting for the other thread. The CPUs are shared with other work here:
 * after a while of spinning, give the CPU away so a descheduled peer can run.
 */
static inline void cpu_relax(void)
{
	static __thread unsigned int idle;

#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
	if (++idle % 4096 == 0)
		sched_yield();
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "stress_pring: could not pin to cpu %d, running unpinned\n", cpu);
}

/* The payload of buffer @p seq: 16 bytes per segment. */
static inline void payload(uint64_t seq, uint32_t seg, uint64_t out[2])
{
	out[0] = seq;
	out[1] = (seq * K1) ^ ((uint64_t)seg << 56);
}

static inline uint8_t *buf_of(struct xring *r, uint64_t seq)
{
	return r->data + (seq % r->nbuf) * BUF_BYTES; /* test code: modulo is fine here */
}

/* Driver: post buffers with sequence numbers, reap and check them. */
static void *drv_thread(void *arg)
{
	struct xring *r = arg;
	const struct phase *ph = r->ph;
	uint64_t posted = 0, reaped = 0, descs = 0;
	uint64_t addr[BATCH];
	uint32_t len[BATCH], rl[2 * BATCH];
	void *ck[BATCH], *got[2 * BATCH];

	pin(0);
	while (!r->failed) {
		uint16_t n = pring_drv_reap(&r->d, got, rl, 2 * BATCH);

		for (uint16_t i = 0; i < n; i++, reaped++) {
			if ((uint64_t)(uintptr_t)got[i] != reaped + 1) {
				fail(r, "driver: reaped buffer %" PRIu64 ", expected %" PRIu64,
				     (uint64_t)(uintptr_t)got[i] - 1, reaped);
				return NULL;
			}
			if (ph->writable) {
				uint64_t want[2], have[2];

				payload(~reaped, 0, want);
				memcpy(have, buf_of(r, reaped), 16);
				if (rl[i] != 16 || have[0] != want[0] || have[1] != want[1]) {
					fail(r, "driver: buffer %" PRIu64 " came back corrupt (len %" PRIu64 ")",
					     reaped, rl[i]);
					return NULL;
				}
			}
		}
		if (r->d.broken) {
			fail(r, "driver end broken, err id %" PRIu64 " not_outstanding %" PRIu64,
			     r->d.stats.err[PRING_ERR_ID], r->d.stats.err[PRING_ERR_NOT_OUTSTANDING]);
			return NULL;
		}
		if (descs >= ph->descs) {
			__atomic_store_n(&r->posted_descs, descs, __ATOMIC_RELEASE);
			if (reaped == posted)
				break;
			if (n == 0)
				cpu_relax();
			continue;
		}
		if (ph->chain_1_in && posted % ph->chain_1_in == ph->chain_1_in - 1) {
			uint8_t *b = buf_of(r, posted);
			uint64_t pa = BASE + (uint64_t)(b - r->data);
			struct pring_sg sg[3] = { { pa, 16, 0 }, { pa + 16, 16, 0 }, { pa + 32, 16, 0 } };

			for (uint32_t s = 0; s < 3; s++) {
				uint64_t p[2];

				payload(posted, s, p);
				memcpy(b + 16 * s, p, 16);
			}
			if (pring_drv_post_chain(&r->d, sg, 3, (void *)(uintptr_t)(posted + 1)) == 1) {
				posted++;
				descs += 3;
			} else if (n == 0) {
				cpu_relax();
			}
			continue;
		}
		uint16_t want = pring_drv_free_count(&r->d);

		if (want > BATCH)
			want = BATCH;
		if (ph->chain_1_in) {
			/* stop the batch right before the next chain */
			uint64_t to_chain = ph->chain_1_in - 1 - posted % ph->chain_1_in;

			if (want > to_chain)
				want = (uint16_t)to_chain;
		}
		for (uint16_t i = 0; i < want; i++) {
			uint64_t seq = posted + i;
			uint8_t *b = buf_of(r, seq);
			uint64_t p[2];

			if (ph->writable) {
				memset(b, 0, 16);
			} else {
				payload(seq, 0, p);
				memcpy(b, p, 16);
			}
			addr[i] = BASE + (uint64_t)(b - r->data);
			len[i] = 16;
			ck[i] = (void *)(uintptr_t)(seq + 1);
		}
		n = want ? pring_drv_post(&r->d, addr, len, ck, want, ph->writable) : 0;
		posted += n;
		descs += n;
		if (n == 0)
			cpu_relax();
	}
	return NULL;
}

/* Check what the device found in one chain. */
static bool dev_check(struct xring *r, const struct pring_chain *c, const struct pring_seg *seg,
		      uint64_t seq)
{
	const struct phase *ph = r->ph;
	uint32_t nseg = ph->chain_1_in && seq % ph->chain_1_in == ph->chain_1_in - 1 ? 3 : 1;
	uint8_t *b = buf_of(r, seq);

	if (c->ndesc != nseg || c->id >= ph->size)
		return false;
	for (uint32_t s = 0; s < nseg; s++) {
		uint64_t want[2], have[2];
		const struct pring_seg *g = &seg[c->seg0 + s];

		if (g->ptr != b + 16 * s || g->len != 16 || g->write != ph->writable)
			return false;
		if (ph->writable)
			continue;
		payload(seq, s, want);
		memcpy(have, g->ptr, 16);
		if (have[0] != want[0] || have[1] != want[1])
			return false;
	}
	return true;
}

/* Device: find buffers, check sequence and payload, complete. */
static void *dev_thread(void *arg)
{
	struct xring *r = arg;
	const struct phase *ph = r->ph;
	struct pring_chain ch[BATCH];
	struct pring_seg seg[3 * BATCH];
	uint32_t wr[BATCH];
	uint64_t seen = 0, descs = 0;

	pin(1);
	while (!r->failed) {
		uint16_t n = pring_dev_peek(&r->v, ch, BATCH, seg, 3 * BATCH);

		if (n == 0) {
			if (descs == __atomic_load_n(&r->posted_descs, __ATOMIC_ACQUIRE))
				break;
			if (r->v.broken) {
				fail(r, "device end broken, err flags %" PRIu64 " chain %" PRIu64,
				     r->v.stats.err[PRING_ERR_FLAGS], r->v.stats.err[PRING_ERR_CHAIN]);
				return NULL;
			}
			cpu_relax();
			continue;
		}
		for (uint16_t i = 0; i < n; i++, seen++) {
			if (!dev_check(r, &ch[i], seg, seen)) {
				fail(r, "device: buffer %" PRIu64 " wrong (id %" PRIu64 ")", seen, ch[i].id);
				return NULL;
			}
			if (ph->writable) {
				uint64_t p[2];

				payload(~seen, 0, p);
				memcpy(seg[ch[i].seg0].ptr, p, 16);
				wr[i] = 16;
			}
			descs += ch[i].ndesc;
		}
		if (ph->in_order && !ph->writable)
			pring_dev_complete_in_order(&r->v, ch, n);
		else
			pring_dev_complete(&r->v, ch, n, wr);
	}
	return NULL;
}

static void *zalloc(size_t n)
{
	void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);

	if (p == NULL) {
		perror("aligned_alloc");
		exit(1);
	}
	memset(p, 0, (n + 63) & ~(size_t)63);
	return p;
}

static int run_phase(const struct phase *ph)
{
	struct xring *r = zalloc(sizeof(*r));
	size_t descs = (size_t)ph->size * sizeof(struct pring_desc);
	struct pring_drv_slot *slot = zalloc(ph->size * sizeof(*slot));
	void *w0 = NULL, *w1 = NULL;
	struct timespec t0, t1;
	pthread_t td, tv;
	double secs;
	int rc = 0;

	r->ph = ph;
	r->posted_descs = UINT64_MAX;
	r->nbuf = 2u * ph->size;
	r->data = zalloc((size_t)r->nbuf * BUF_BYTES);
	if (ph->split) {
		/* Two windows: the driver's descriptors + driver event, the device's used slots + device event. */
		w0 = zalloc(descs + 64);
		w1 = zalloc(descs + 64);
		r->l = (struct pring_layout){ w0, w1, (struct pring_event *)((uint8_t *)w0 + descs),
					      (struct pring_event *)((uint8_t *)w1 + descs), ph->size };
	} else {
		w0 = zalloc(pring_plain_mem_size(ph->size));
		pring_layout_plain(&r->l, w0, ph->size);
	}
	r->x.nr = 1;
	r->x.region[0] = (struct pring_region){ BASE, (uint64_t)r->nbuf * BUF_BYTES, r->data };
	if (pring_drv_init(&r->d, &r->l, slot, ph->in_order, false) != 0 ||
	    pring_dev_init(&r->v, &r->l, &r->x, 0, true, false) != 0) {
		fprintf(stderr, "stress_pring: init failed\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&tv, NULL, dev_thread, r);
	pthread_create(&td, NULL, drv_thread, r);
	pthread_join(td, NULL);
	pthread_join(tv, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	if (r->failed) {
		fprintf(stderr, "stress_pring: %s: FAILED: %s\n", ph->name, r->why);
		rc = 1;
	} else if (r->d.stats.descs != r->v.stats.descs || r->d.stats.descs < ph->descs ||
		   r->d.stats.bufs != r->v.stats.bufs || pring_drv_free_count(&r->d) != ph->size) {
		fprintf(stderr, "stress_pring: %s: FAILED: driver posted %" PRIu64 "/%" PRIu64
			" descs/bufs, device completed %" PRIu64 "/%" PRIu64 "\n", ph->name,
			r->d.stats.descs, r->d.stats.bufs, r->v.stats.descs, r->v.stats.bufs);
		rc = 1;
	} else {
		printf("stress_pring: %-48s %11" PRIu64 " descs %10" PRIu64 " bufs %6.2f s %7.2f Mdesc/s\n",
		       ph->name, r->d.stats.descs, r->d.stats.bufs, secs,
		       (double)r->d.stats.descs / secs / 1e6);
	}
	free(w0);
	free(w1);
	free(r->data);
	free(slot);
	free(r);
	return rc;
}

int main(void)
{
	const char *env = getenv("VM2VM_PRING_STRESS_DESCS");
	uint64_t total = env ? strtoull(env, NULL, 0) : 100000000ULL;
	struct phase phases[] = {
		{ "split, 1000 slots, in-order, read-only + chains", 1000, true, true, false, 16, 0 },
		{ "plain, 256 slots, out-of-order ids, writable", 256, false, false, true, 0, 0 },
	};
	uint64_t moved = 0;

	/* Two thirds through the split layout (ivshmem), the rest through the plain one. */
	phases[0].descs = total - total / 3;
	phases[1].descs = total / 3;
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		if (run_phase(&phases[i]) != 0)
			return 1;
		moved += phases[i].descs;
	}
	printf("stress_pring: OK, at least %" PRIu64 " descriptors moved across cores, no loss, "
	       "duplication, reordering or corruption\n", moved);
	return 0;
}
