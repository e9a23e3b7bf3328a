/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* SIGBUS recovery for peer mappings (see peer_mem_guard.h). */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "peer_mem_guard.h"

struct guard_slot {
	uintptr_t base;              /**< 0: free; published last (release) */
	size_t len;
	volatile uint32_t *fault;
};

static struct guard_slot slots[PEER_MEM_GUARD_SLOTS];
static struct sigaction prev;   /* the handler before ours, written once before ours runs */
static uint64_t faults;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static bool installed;
static pthread_mutex_t add_lock = PTHREAD_MUTEX_INITIALIZER;

/* Not ours: behave as if we were not there. */
static void
chain(int sig, siginfo_t *si, void *uc)
{
	struct sigaction dfl;

	if (prev.sa_flags & SA_SIGINFO) {
		prev.sa_sigaction(sig, si, uc);
		return;
	}
	if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
		prev.sa_handler(sig);
		return;
	}
	/* Default action (a synchronous SIGBUS cannot be ignored): die as we would have. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	int saved = errno;
	unsigned int i;

	for (i = 0; i < PEER_MEM_GUARD_SLOTS; i++) {
		uintptr_t base = __atomic_load_n(&slots[i].base, __ATOMIC_ACQUIRE);
		size_t len;

		if (base == 0)
			continue;
		len = slots[i].len;
		if (a - base >= len)
			continue;
		/* Zero pages in place of the file's: the access retries and succeeds. */
		if (mmap((void *)base, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			break;
		__atomic_store_n(slots[i].fault, 1, __ATOMIC_RELEASE);
		__atomic_add_fetch(&faults, 1, __ATOMIC_RELAXED);
		errno = saved;
		return;
	}
	errno = saved;
	chain(sig, si, uc);
}

static void
install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	installed = sigaction(SIGBUS, &sa, &prev) == 0;
}

int
peer_mem_guard_add(void *base, size_t len, volatile uint32_t *fault)
{
	int i, h = -1;

	pthread_once(&install_once, install);
	if (!installed || base == NULL || len == 0)
		return -1;
	pthread_mutex_lock(&add_lock);
	for (i = 0; i < PEER_MEM_GUARD_SLOTS; i++) {
		if (__atomic_load_n(&slots[i].base, __ATOMIC_RELAXED) == 0) {
			slots[i].len = len;
			slots[i].fault = fault;
			__atomic_store_n(&slots[i].base, (uintptr_t)base, __ATOMIC_RELEASE);
			h = i;
			break;
		}
	}
	pthread_mutex_unlock(&add_lock);
	return h;
}

void
peer_mem_guard_del(int handle)
{
	if (handle < 0 || handle >= PEER_MEM_GUARD_SLOTS)
		return;
	__atomic_store_n(&slots[handle].base, 0, __ATOMIC_RELEASE);
}

uint64_t
peer_mem_guard_faults(void)
{
	return __atomic_load_n(&faults, __ATOMIC_RELAXED);
}
