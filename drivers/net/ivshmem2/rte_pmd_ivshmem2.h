/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * Public API of net_ivshmem2: zero-copy transmit.
 *
 * With the devarg tx_pool=N, the last N packet buffers of each queue's area
 * in our output section (the memory the peer reads our frames from) form a
 * packet mbuf pool. Frames built in, or received into, mbufs of the pool of
 * TX queue q are posted in place by rte_eth_tx_burst() on queue q: the
 * descriptor carries the buffer's offset, the frame is not copied, and the
 * mbuf goes back to its pool once the peer has completed it. Every other
 * mbuf is copied, as without tx_pool.
 *
 * The mbuf headers stay in this process's memory; only the data buffers are
 * in the section the peer can read (and never write). See
 * doc/guides/nics/ivshmem2.md, "Zero-copy transmit", for lifetime and limits.
 *
 * The driver is usually loaded by EAL (-d or its driver directory), which
 * keeps its symbols private to it; look the function up with
 * dlsym(dlopen("librte_net_ivshmem2.so", RTLD_NOW | RTLD_NOLOAD),
 * RTE_PMD_IVSHMEM2_TX_POOL_GET_SYM), or link the driver's static library.
 */

#ifndef RTE_PMD_IVSHMEM2_H
#define RTE_PMD_IVSHMEM2_H

#include <dlfcn.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mempool;

/** The symbol name of rte_pmd_ivshmem2_tx_pool_get, for dlsym(). */
#define RTE_PMD_IVSHMEM2_TX_POOL_GET_SYM "rte_pmd_ivshmem2_tx_pool_get"

/**
 * The zero-copy TX pool of TX queue @p queue_id of net_ivshmem2 port
 * @p port_id, made on the first call and the same pool on later calls. Its
 * mbufs have buf_size bytes of buffer (RTE_PKTMBUF_HEADROOM of headroom);
 * they are posted in place on that queue only. The pool lives until the port
 * is closed; the application must have freed all its mbufs by then.
 *
 * @return the pool, or NULL with rte_errno set: ENODEV (no such port),
 *   EINVAL (not a net_ivshmem2 port, or no such queue), ENOTSUP (the port
 *   has no tx_pool=), ENOMEM (the pool's headers could not be allocated).
 */
struct rte_mempool *rte_pmd_ivshmem2_tx_pool_get(uint16_t port_id, uint16_t queue_id);

/** Type of rte_pmd_ivshmem2_tx_pool_get, for a pointer obtained with dlsym(). */
typedef struct rte_mempool *(*rte_pmd_ivshmem2_tx_pool_get_t)(uint16_t port_id, uint16_t queue_id);

/**
 * rte_pmd_ivshmem2_tx_pool_get() through the driver EAL loaded, for an
 * application that does not link it: NULL when no net_ivshmem2 is loaded,
 * otherwise what that function returns (NULL for another driver's port or
 * a port without tx_pool=).
 */
static inline struct rte_mempool *
rte_pmd_ivshmem2_tx_pool_find(uint16_t port_id, uint16_t queue_id)
{
	rte_pmd_ivshmem2_tx_pool_get_t get;
	void *h = dlopen("librte_net_ivshmem2.so", RTLD_NOW | RTLD_NOLOAD);

	if (h == NULL)
		return NULL;
	get = (rte_pmd_ivshmem2_tx_pool_get_t)dlsym(h, RTE_PMD_IVSHMEM2_TX_POOL_GET_SYM);
	dlclose(h); /* EAL still holds the library: the function stays loaded */
	return get != NULL ? get(port_id, queue_id) : NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_IVSHMEM2_H */
