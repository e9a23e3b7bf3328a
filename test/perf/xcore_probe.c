/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * vm2vm-xcore-probe: how long one cache line takes to go from CPU A to
 * CPU B and back. Every shared-memory transport pays this per batch, so on
 * a shared host, where the hypervisor may move the two vCPUs between cores
 * or dies while we measure, this figure tells whether two runs were made
 * in the same conditions. vm2vm-perf runs it before each measurement.
 *
 * usage: vm2vm-xcore-probe CPU_A CPU_B [ROUND_TRIPS [SAMPLES]]
 * prints: xcore_rtt_ns median=<ns> min=<ns> max=<ns> samples=<n>
 */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SAMPLES 64

/* The line that travels, alone in its cache line (and the next: adjacent-line prefetch). */
static struct {
	uint64_t pad0[16];
	volatile uint64_t seq;
	uint64_t pad1[15];
} shared __attribute__((aligned(128)));

/* Set by B once pinned: 1, or -1 when it cannot run where asked. */
static volatile int b_ready;
static unsigned long round_trips = 20000;
static unsigned int nb_samples = 9;

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* B: answer every odd value with the next even one, for every sample in turn. */
static void *answer(void *arg)
{
	uint64_t total = (uint64_t)round_trips * nb_samples;

	if (pin(*(int *)arg) != 0) {
		b_ready = -1;
		return NULL;
	}
	b_ready = 1;
	for (uint64_t i = 0; i < total; i++) {
		while (shared.seq != 2 * i + 1)
			relax();
		shared.seq = 2 * i + 2;
	}
	return NULL;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int parse_ul(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long a, b, v;
	double ns[MAX_SAMPLES];
	pthread_t t;
	uint64_t seq = 0;
	int cpu_b;

	if (argc < 3 || argc > 5 || parse_ul(argv[1], 0, CPU_SETSIZE - 1, &a) != 0 ||
	    parse_ul(argv[2], 0, CPU_SETSIZE - 1, &b) != 0 || a == b) {
		fprintf(stderr, "usage: %s CPU_A CPU_B [ROUND_TRIPS [SAMPLES]] (two different CPUs)\n",
			argv[0]);
		return 2;
	}
	if (argc > 3) {
		if (parse_ul(argv[3], 1, 10000000, &v) != 0) {
			fprintf(stderr, "%s: round trips: 1..10000000\n", argv[0]);
			return 2;
		}
		round_trips = v;
	}
	if (argc > 4) {
		if (parse_ul(argv[4], 1, MAX_SAMPLES, &v) != 0) {
			fprintf(stderr, "%s: samples: 1..%d\n", argv[0], MAX_SAMPLES);
			return 2;
		}
		nb_samples = (unsigned int)v;
	}
	if (pin((int)a) != 0) {
		fprintf(stderr, "%s: cannot run on CPU %lu\n", argv[0], a);
		return 2;
	}
	cpu_b = (int)b;
	if (pthread_create(&t, NULL, answer, &cpu_b) != 0) {
		fprintf(stderr, "%s: cannot start a thread\n", argv[0]);
		return 2;
	}
	while (b_ready == 0)
		relax();
	if (b_ready < 0) {
		pthread_join(t, NULL);
		fprintf(stderr, "%s: cannot run on CPU %lu\n", argv[0], b);
		return 2;
	}
	for (unsigned int s = 0; s < nb_samples; s++) {
		double t0 = now_ns();

		for (unsigned long i = 0; i < round_trips; i++) {
			shared.seq = ++seq;
			++seq;
			while (shared.seq != seq)
				relax();
		}
		ns[s] = (now_ns() - t0) / (double)round_trips;
	}
	pthread_join(t, NULL);
	qsort(ns, nb_samples, sizeof(ns[0]), cmp_double);
	printf("xcore_rtt_ns median=%.1f min=%.1f max=%.1f samples=%u\n", ns[nb_samples / 2], ns[0],
	       ns[nb_samples - 1], nb_samples);
	return 0;
}
