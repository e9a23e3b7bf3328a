/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * vm2vm-pring-bench: descriptors per second across two cores, pring against
 * DPDK's rte_ring in the same run. The producer runs on cpu 0, the consumer
 * on cpu 1, both in batches of 32.
 *
 *  - pring, split layout (ivshmem 2.0), in-order: the driver posts, the
 *    device peeks and completes with one used entry per batch, the driver
 *    reaps: a full round trip per descriptor.
 *  - pring, plain layout (virtio), in-order: the same on one shared array.
 *  - rte_ring SP/SC, burst 32: pointers one way, no completion path.
 *
 * rte_ring runs without EAL: its memory is an aligned allocation set up
 * with rte_ring_init. This is a benchmark, not a test: the figures depend on
 * the machine and on whatever else runs on it.
 *
 * usage: vm2vm-pring-bench [-n DESCRIPTORS] [-s RING_SIZE]
 */

#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ring.h>

#include "pring.h"

#define BATCH 32
#define BUF 64
#define BASE 0x100000ULL

struct bench {
	const char *name;
	uint64_t total;
	uint16_t size;
	/* pring */
	struct pring_layout l;
	struct pring_xlate x;
	uint8_t *data;
	_Alignas(64) struct pring_drv d;
	_Alignas(64) struct pring_dev v;
	/* rte_ring */
	_Alignas(64) struct rte_ring *r;
	_Alignas(64) uint64_t consumed;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "vm2vm-pring-bench: cannot pin to cpu %d\n", cpu);
}

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A benchmark must not spin forever: stop if either end found a violation. */
static void check_ends(struct bench *b)
{
	if (__atomic_load_n(&b->d.broken, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&b->v.broken, __ATOMIC_RELAXED)) {
		fprintf(stderr, "vm2vm-pring-bench: %s: ring violation, stopping\n", b->name);
		exit(1);
	}
}

static void *pring_producer(void *arg)
{
	struct bench *b = arg;
	uint64_t addr[BATCH];
	uint32_t len[BATCH];
	void *ck[BATCH], *got[2 * BATCH];
	uint64_t posted = 0;

	pin(0);
	for (int i = 0; i < BATCH; i++) {
		addr[i] = BASE + (uint64_t)i * BUF;
		len[i] = BUF;
		ck[i] = &b->data[i * BUF];
	}
	while (posted < b->total) {
		uint16_t want = BATCH;

		if (pring_drv_free_count(&b->d) < b->size / 2)
			pring_drv_reap(&b->d, got, NULL, 2 * BATCH);
		if (b->total - posted < want)
			want = (uint16_t)(b->total - posted);
		uint16_t n = pring_drv_post(&b->d, addr, len, ck, want, false);

		posted += n;
		if (n == 0) {
			check_ends(b);
			relax();
		}
	}
	return NULL;
}

static void *pring_consumer(void *arg)
{
	struct bench *b = arg;
	struct pring_chain ch[BATCH];
	struct pring_seg seg[BATCH];
	uint64_t done = 0;

	pin(1);
	while (done < b->total) {
		uint16_t n = pring_dev_peek(&b->v, ch, BATCH, seg, BATCH);

		if (n == 0) {
			check_ends(b);
			relax();
			continue;
		}
		pring_dev_complete_in_order(&b->v, ch, n);
		done += n;
	}
	b->consumed = done;
	return NULL;
}

static void *rte_producer(void *arg)
{
	struct bench *b = arg;
	void *objs[BATCH];
	uint64_t sent = 0;

	pin(0);
	for (int i = 0; i < BATCH; i++)
		objs[i] = &b->data[i * BUF];
	while (sent < b->total) {
		unsigned int want = BATCH;

		if (b->total - sent < want)
			want = (unsigned int)(b->total - sent);
		unsigned int n = rte_ring_sp_enqueue_burst(b->r, objs, want, NULL);

		sent += n;
		if (n == 0)
			relax();
	}
	return NULL;
}

static void *rte_consumer(void *arg)
{
	struct bench *b = arg;
	void *objs[BATCH];
	uint64_t done = 0;

	pin(1);
	while (done < b->total) {
		unsigned int n = rte_ring_sc_dequeue_burst(b->r, objs, BATCH, NULL);

		done += n;
		if (n == 0)
			relax();
	}
	b->consumed = done;
	return NULL;
}

static double run(struct bench *b, void *(*prod)(void *), void *(*cons)(void *))
{
	pthread_t tp, tc;
	double t0, secs;

	t0 = now();
	pthread_create(&tc, NULL, cons, b);
	pthread_create(&tp, NULL, prod, b);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	secs = now() - t0;
	printf("  %-40s %12" PRIu64 " descs %7.3f s %8.2f Mdesc/s\n", b->name, b->consumed, secs,
	       (double)b->consumed / secs / 1e6);
	return (double)b->consumed / secs;
}

static uint64_t stats_errors(const struct pring_stats *s)
{
	uint64_t t = 0;

	for (int i = 0; i < PRING_ERR__MAX; i++)
		t += s->err[i];
	return t;
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

static double bench_pring(uint64_t total, uint16_t size, bool split)
{
	struct bench *b = zalloc(sizeof(*b));
	struct pring_drv_slot *slot = zalloc(size * sizeof(*slot));
	void *w0, *w1 = NULL;
	double rate;

	b->name = split ? "pring split layout, in-order" : "pring plain layout, in-order";
	b->total = total;
	b->size = size;
	b->data = zalloc(BATCH * BUF);
	if (split) {
		/* the driver's window and the device's window, as with ivshmem 2.0 */
		w0 = zalloc(pring_split_mem_size(size));
		w1 = zalloc(pring_split_mem_size(size));
		pring_layout_split(&b->l, w0, w1, size);
	} else {
		w0 = zalloc(pring_plain_mem_size(size));
		pring_layout_plain(&b->l, w0, size);
	}
	b->x.nr = 1;
	b->x.region[0] = (struct pring_region){ BASE, BATCH * BUF, b->data };
	if (pring_drv_init(&b->d, &b->l, slot, true, false) != 0 ||
	    pring_dev_init(&b->v, &b->l, &b->x, 0, true, false) != 0) {
		fprintf(stderr, "vm2vm-pring-bench: pring init failed\n");
		exit(1);
	}
	rate = run(b, pring_producer, pring_consumer);
	if (stats_errors(&b->d.stats) || stats_errors(&b->v.stats))
		fprintf(stderr, "vm2vm-pring-bench: unexpected ring violations\n");
	free(w0);
	free(w1);
	free(slot);
	free(b->data);
	free(b);
	return rate;
}

static double bench_rte_ring(uint64_t total, uint16_t size)
{
	struct bench *b = zalloc(sizeof(*b));
	ssize_t sz = rte_ring_get_memsize(size);
	double rate;

	if (sz < 0) {
		fprintf(stderr, "vm2vm-pring-bench: bad rte_ring size %u\n", size);
		exit(1);
	}
	b->name = "rte_ring SP/SC, burst 32";
	b->total = total;
	b->data = zalloc(BATCH * BUF);
	b->r = zalloc((size_t)sz);
	if (rte_ring_init(b->r, "pring_bench", size, RING_F_SP_ENQ | RING_F_SC_DEQ) != 0) {
		fprintf(stderr, "vm2vm-pring-bench: rte_ring_init failed\n");
		exit(1);
	}
	rate = run(b, rte_producer, rte_consumer);
	free(b->r);
	free(b->data);
	free(b);
	return rate;
}

int main(int argc, char **argv)
{
	uint64_t total = 50000000;
	unsigned long size = 1024;
	double split, plain, ref;
	int c;

	while ((c = getopt(argc, argv, "n:s:h")) != -1) {
		switch (c) {
		case 'n':
			total = strtoull(optarg, NULL, 0);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n DESCRIPTORS] [-s RING_SIZE (power of 2 for rte_ring)]\n",
				argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (size < BATCH || size > PRING_MAX_SIZE || (size & (size - 1)) != 0 || total == 0) {
		fprintf(stderr, "vm2vm-pring-bench: ring size must be a power of 2 in [32, 32768]\n");
		return 2;
	}
	printf("vm2vm-pring-bench: %" PRIu64 " descriptors, ring size %lu, batch %d, "
	       "producer cpu 0, consumer cpu 1\n", total, size, BATCH);
	split = bench_pring(total, (uint16_t)size, true);
	plain = bench_pring(total, (uint16_t)size, false);
	ref = bench_rte_ring(total, (uint16_t)size);
	printf("  ratio pring split / rte_ring: %.2f, pring plain / rte_ring: %.2f\n",
	       split / ref, plain / ref);
	return 0;
}
