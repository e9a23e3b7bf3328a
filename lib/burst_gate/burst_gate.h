/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Burst gate: keeps a queue's burst function out of the queue while the
 * control path changes it, without a lock on the fast path.
 *
 * The datapath lcore brackets each burst with burst_gate_enter() and
 * burst_gate_leave(); enter returns false when the gate is closed, and
 * the burst then does nothing. The control path closes the gate, waits for
 * a burst already inside to leave, changes the queue, and opens it again.
 * Neither side ever waits for the other to do anything but finish one burst:
 * the datapath never waits at all, and the control path waits only while a
 * burst is inside, which is bounded as long as bursts never block (the PMDs
 * keep syscalls that could block off the datapath). It spins briefly, then
 * yields its CPU: on a machine with fewer CPUs than threads the burst it
 * waits for may need that CPU to finish.
 *
 * Memory ordering (the argument, both sides):
 *  - enter stores in_burst = 1 and then loads open; close stores open = 0
 *    and then loads in_burst. All four accesses are sequentially consistent,
 *    so they fall in one total order: either the datapath's load sees
 *    open == 0 (and it backs out), or the control path's load sees
 *    in_burst == 1 (and it waits). Both missing each other is impossible.
 *    Weaker orders would let each store sit in its own store buffer while
 *    the following load ran (store-load reordering, allowed even on x86).
 *  - leave stores in_burst = 0 with release: every write the burst made to
 *    the queue is visible to the control path once it sees in_burst == 0
 *    (its load is seq_cst, so at least acquire).
 *  - open stores open = 1 with release and enter loads it seq_cst (so at
 *    least acquire): every write the control path made while the gate was
 *    closed is visible to the burst that finds it open.
 * Cost on the fast path: enter is one exchange (a locked xchg on x86, which
 * is also the full fence; no separate mfence) and one plain load, leave one
 * plain store: the same as a trylock/unlock pair.
 *
 * One control-side actor at a time per gate: the PMD serialises its control
 * paths (a mutex) around close/open. A gate is per queue and a queue is
 * polled by one lcore at a time (the ethdev rule).
 */

#ifndef BURST_GATE_H
#define BURST_GATE_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

struct burst_gate {
	uint8_t open;      /**< written by the control path: bursts may enter */
	uint8_t in_burst;  /**< written by the datapath: a burst is inside */
};

/* A spin-wait hint to the CPU, so the waiting core yields its pipeline to its sibling. */
static inline void
burst_gate_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

/** Datapath: enter a burst; false means the queue is closed and must not be touched. */
static inline __attribute__((always_inline)) bool
burst_gate_enter(struct burst_gate *g)
{
	__atomic_exchange_n(&g->in_burst, 1, __ATOMIC_SEQ_CST);
	if (__builtin_expect(__atomic_load_n(&g->open, __ATOMIC_SEQ_CST) != 0, 1))
		return true;
	__atomic_store_n(&g->in_burst, 0, __ATOMIC_RELEASE);
	return false;
}

/** Datapath: leave a burst that burst_gate_enter() let in. */
static inline __attribute__((always_inline)) void
burst_gate_leave(struct burst_gate *g)
{
	__atomic_store_n(&g->in_burst, 0, __ATOMIC_RELEASE);
}

#define BURST_GATE_SPINS 1024 /* pauses before the waiting thread starts yielding its CPU */

/** Control path: keep bursts out; returns once no burst is inside. */
static inline void
burst_gate_close(struct burst_gate *g)
{
	unsigned int spins = 0;

	__atomic_store_n(&g->open, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&g->in_burst, __ATOMIC_SEQ_CST) != 0) {
		if (spins < BURST_GATE_SPINS) {
			spins++;
			burst_gate_pause();
		} else {
			sched_yield();
		}
	}
}

/** Control path: let bursts in again; what was written before is visible to them. */
static inline void
burst_gate_open(struct burst_gate *g)
{
	__atomic_store_n(&g->open, 1, __ATOMIC_RELEASE);
}

#endif /* BURST_GATE_H */
