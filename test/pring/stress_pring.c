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
#include <semaphore.h>
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
	bool notify;      /* sleep when idle; wake through kicks and calls with EVENT_IDX */
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
	int finished;                     /* threads done */
	uint64_t reaped;                  /* progress, for the stall watchdog */
	sem_t kick, call;                 /* notify phase: the doorbell and the interrupt */
	uint64_t kicks, calls;            /* notifications sent */
	uint64_t seen;
	char why[160];
};

#define BASE 0x40000000ULL

static void fail(struct xring *r, const char *fmt, uint64_t a, uint64_t b)
{
	if (__atomic_exchange_n(&r->failed, 1, __ATOMIC_SEQ_CST) == 0)
		snprintf(r->why, sizeof(r->why), fmt, a, b);
	/* wake sleepers so they see the failure */
	sem_post(&r->kick);
	sem_post(&r->call);
}

/*
 * Notify phase, driver side: nothing to reap and nothing to post. Ask for a
 * call at the next used slot, look once more (the device may have completed
 * before it could see the request), and only then sleep.
 */
static uint16_t drv_wait_call(struct xring *r, void **got, uint32_t *rl)
{
	uint16_t n;

	pring_drv_set_event(&r->d, PRING_EVENT_DESC);
	n = pring_drv_reap(&r->d, got, rl, 2 * BATCH);
	if (n == 0)
		sem_wait(&r->call);
	pring_drv_set_event(&r->d, PRING_EVENT_DISABLE);
	return n;
}

/* Notify phase, device side: the same protocol for kicks. */
static uint16_t dev_wait_kick(struct xring *r, struct pring_chain *ch, struct pring_seg *seg,
			      uint64_t descs)
{
	uint16_t n;

	pring_dev_set_event(&r->v, PRING_EVENT_DESC);
	n = pring_dev_peek(&r->v, ch, BATCH, seg, 3 * BATCH);
	if (n == 0 && descs != __atomic_load_n(&r->posted_descs, __ATOMIC_ACQUIRE))
		sem_wait(&r->kick);
	pring_dev_set_event(&r->v, PRING_EVENT_DISABLE);
	return n;
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

		if (n == 0 && ph->notify && reaped < posted &&
		    (descs >= ph->descs || pring_drv_free_count(&r->d) == 0))
			n = drv_wait_call(r, got, rl);
		if (n != 0)
			__atomic_store_n(&r->reaped, reaped + n, __ATOMIC_RELAXED);
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
			if (__atomic_exchange_n(&r->posted_descs, descs, __ATOMIC_ACQ_REL) == UINT64_MAX)
				sem_post(&r->kick); /* a sleeping device must see the end */
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
		if (ph->notify && n != 0 && pring_drv_need_kick(&r->d)) {
			r->kicks++;
			sem_post(&r->kick);
		}
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

		if (n == 0 && ph->notify)
			n = dev_wait_kick(r, ch, seg, descs);
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
		__atomic_store_n(&r->seen, seen, __ATOMIC_RELAXED);
		if (ph->in_order && !ph->writable)
			pring_dev_complete_in_order(&r->v, ch, n);
		else
			pring_dev_complete(&r->v, ch, n, wr);
		if (ph->notify && pring_dev_need_call(&r->v)) {
			r->calls++;
			sem_post(&r->call);
		}
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

/* Thread entry points: run one end, then say so to the watchdog. */
static void *drv_main(void *arg)
{
	struct xring *r = arg;

	drv_thread(r);
	__atomic_fetch_add(&r->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *dev_main(void *arg)
{
	struct xring *r = arg;

	dev_thread(r);
	__atomic_fetch_add(&r->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Fail the phase when neither end makes progress for STALL_SECONDS (a lost completion, a desync). */
#define STALL_SECONDS 20

static void watchdog(struct xring *r, const struct timespec *t0)
{
	uint64_t last = UINT64_MAX;
	time_t since = t0->tv_sec;
	struct timespec now, nap = { 0, 50 * 1000 * 1000 };

	while (!r->failed) {
		uint64_t reaped = __atomic_load_n(&r->reaped, __ATOMIC_RELAXED);
		uint64_t p = reaped + __atomic_load_n(&r->seen, __ATOMIC_RELAXED);

		if (__atomic_load_n(&r->finished, __ATOMIC_ACQUIRE) == 2)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (p != last) {
			last = p;
			since = now.tv_sec;
		} else if (now.tv_sec - since > STALL_SECONDS) {
			fail(r, "stalled: driver reaped %" PRIu64 ", device saw %" PRIu64,
			     reaped, __atomic_load_n(&r->seen, __ATOMIC_RELAXED));
			return;
		}
		nanosleep(&nap, NULL);
	}
}

static int run_phase(const struct phase *ph)
{
	struct xring *r = zalloc(sizeof(*r));
	struct pring_drv_slot *slot = zalloc(ph->size * sizeof(*slot));
	size_t sect = (pring_split_mem_size(ph->size) + 4095) & ~(size_t)4095;
	size_t data_len;
	uint8_t *win;
	struct timespec t0, t1;
	pthread_t td, tv;
	double secs;
	int rc = 0;

	r->ph = ph;
	r->posted_descs = UINT64_MAX;
	sem_init(&r->kick, 0, 0);
	sem_init(&r->call, 0, 0);
	r->nbuf = 2u * ph->size;
	/*
	 * One shared window, laid out as an ivshmem 2.0 link would be: the
	 * driver's section (descriptors + driver event), the device's section
	 * (used slots + device event), then the buffers. The plain layout puts
	 * its one ring in the first section.
	 */
	data_len = (size_t)r->nbuf * BUF_BYTES;
	win = zalloc(2 * sect + data_len);
	r->data = win + 2 * sect;
	if (ph->split) {
		pring_layout_split(&r->l, win, win + sect, ph->size);
	} else {
		pring_layout_plain(&r->l, win, ph->size);
	}
	r->x.nr = 1;
	r->x.region[0] = (struct pring_region){ BASE, data_len, r->data };
	if (pring_drv_init(&r->d, &r->l, slot, ph->in_order, ph->notify) != 0 ||
	    pring_dev_init(&r->v, &r->l, &r->x, 0, true, ph->notify) != 0) {
		fprintf(stderr, "stress_pring: init failed\n");
		return 1;
	}
	/* Notifications only while a side sleeps. */
	pring_drv_set_event(&r->d, PRING_EVENT_DISABLE);
	pring_dev_set_event(&r->v, PRING_EVENT_DISABLE);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&tv, NULL, dev_main, r);
	pthread_create(&td, NULL, drv_main, r);
	watchdog(r, &t0);
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
		if (ph->notify)
			printf("stress_pring: %-48s %11" PRIu64 " kicks %9" PRIu64 " calls\n", "",
			       r->kicks, r->calls);
	}
	sem_destroy(&r->kick);
	sem_destroy(&r->call);
	free(win);
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
		{ "split, 512 slots, sleeping ends, EVENT_IDX", 512, true, true, false, 0, 0, true },
	};
	uint64_t moved = 0;

	/* Two thirds through the split layout (ivshmem), the rest through the plain one. */
	phases[0].descs = total - total / 3;
	phases[1].descs = total / 3;
	/* On top: kicks and calls between sleeping ends; a lost wake-up stalls it. */
	phases[2].descs = total / 50 + 1;
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		if (run_phase(&phases[i]) != 0)
			return 1;
		moved += phases[i].descs;
	}
	printf("stress_pring: OK, at least %" PRIu64 " descriptors moved across cores, no loss, "
	       "duplication, reordering or corruption\n", moved);
	return 0;
}
