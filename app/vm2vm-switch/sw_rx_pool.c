/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Which mbuf pool each rx queue receives into.
 *
 * In io and mac modes everything rx queue q of port i receives leaves by
 * port peer(i), on the tx queue of the lcore that polls it. When that port
 * is net_ivshmem2 with tx_pool=, receiving straight into the zero-copy TX
 * pool of that very tx queue lets the frame leave in place: the driver
 * posts the buffer instead of copying it. Anything else (l2learn, which
 * finds the destination only after receiving; other destinations; rx
 * drivers that cannot fill such a pool) keeps the shared pool, and the
 * reason is printed once at start-up.
 *
 * Decided after the lcore plan (which lcore, so which tx queue, serves each
 * rx queue) and before the rx queues are set up.
 */

#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "rte_pmd_ivshmem2.h"
#include "sw.h"

/*
 * Mbufs of one burst a net_ivshmem2 tx queue may post beyond its reap
 * threshold (it takes at most 32 per call).
 */
#define SW_TX_POOL_BURST_SLACK 32

/* The pool one rx queue receives into; mp NULL: the shared pool. */
struct sw_rx_pool_use {
	struct rte_mempool *mp;
	uint16_t tx_port; /**< the pool is that of (tx_port, txq) */
	uint16_t txq;
};

static struct sw_rx_pool_use sw_rx_use[SW_MAX_PORTS][SW_MAX_QUEUES];

/*
 * Why rx queues of port @p in cannot receive into the TX pool of queue
 * @p txq of port @p dst (NULL: they can, *mp is the pool). Only
 * net_ivshmem2 receives by copy into whatever pool it is given and keeps
 * the pool's external-buffer flag; a NIC would DMA into buffers that have
 * no IOVA.
 */
static const char *
sw_rx_pool_refusal(uint16_t in, uint16_t dst, uint16_t txq, struct rte_mempool **mp,
		   char *why, size_t len)
{
	uint32_t room;

	if (!sw_port_is_ivshmem2(in))
		return "its driver is not net_ivshmem2 (the only one known to fill a TX pool by copy)";
	if (sw_port_rx_read_only(in))
		return "zero_copy=1: it hands out the peer's buffers and takes no TX pool";
	rte_errno = 0;
	*mp = rte_pmd_ivshmem2_tx_pool_find(dst, txq);
	if (*mp == NULL) {
		if (rte_errno == ENOTSUP)
			snprintf(why, len, "destination port %u has no TX pool (net_ivshmem2 devarg "
				 "tx_pool=)", dst);
		else if (rte_errno == EINVAL && sw_port_is_ivshmem2(dst))
			snprintf(why, len, "destination port %u has no queue %u", dst, txq);
		else if (rte_errno == EINVAL || rte_errno == 0)
			snprintf(why, len, "destination port %u is not net_ivshmem2", dst);
		else
			snprintf(why, len, "no TX pool on port %u queue %u: %s", dst, txq,
				 rte_strerror(rte_errno));
		return why;
	}
	room = rte_pktmbuf_data_room_size(*mp) - RTE_PKTMBUF_HEADROOM;
	if (room < sw.cfg.max_pkt_len) {
		snprintf(why, len, "the TX pool of port %u holds frames of %u B, --max-pkt-len is %u "
			 "(raise its buf_size=)", dst, room, sw.cfg.max_pkt_len);
		return why;
	}
	return NULL;
}

static void
sw_rx_pool_choose(const struct sw_lcore *lc, const struct sw_rxq *rq)
{
	uint16_t dst = sw.port[rq->port].peer;
	struct rte_mempool *mp = NULL;
	char buf[192];
	const char *why = sw_rx_pool_refusal(rq->port, dst, lc->txq, &mp, buf, sizeof(buf));

	if (why != NULL) {
		printf("port %u rx queue %u: shared pool: %s\n", rq->port, rq->queue, why);
		return;
	}
	sw_rx_use[rq->port][rq->queue] = (struct sw_rx_pool_use){ mp, dst, lc->txq };
}

/*
 * A pool too small starves its rx queues: net_ivshmem2 reaps posted pool
 * mbufs only once about half the pool is out, and the rx queues feeding
 * the pool need the other half for what they hold (net_ivshmem2 rx posts
 * no mbufs, it allocates per burst) and one burst each in the lcore's
 * hands. Such a pool is given up for all of its rx queues.
 */
static void
sw_rx_pools_check_size(void)
{
	static bool small[SW_MAX_PORTS][SW_MAX_QUEUES];

	/* Decide for every queue first: clearing one would shrink its pool's count. */
	for (uint16_t p = 0; p < SW_MAX_PORTS; p++) {
		for (uint16_t q = 0; q < SW_MAX_QUEUES; q++) {
			const struct sw_rx_pool_use *u = &sw_rx_use[p][q];
			uint32_t users = 0, need;

			small[p][q] = false;
			if (u->mp == NULL)
				continue;
			for (uint16_t i = 0; i < SW_MAX_PORTS * SW_MAX_QUEUES; i++)
				users += sw_rx_use[i / SW_MAX_QUEUES][i % SW_MAX_QUEUES].mp == u->mp;
			need = 2 * (users * sw.cfg.burst + SW_TX_POOL_BURST_SLACK);
			if (u->mp->size >= need)
				continue;
			small[p][q] = true;
			printf("port %u rx queue %u: shared pool: the TX pool of port %u queue %u has %u "
			       "mbufs, %u needed (2 x (%u rx queue(s) x --burst %u + %u)): raise "
			       "tx_pool= of port %u\n", p, q, u->tx_port, u->txq, u->mp->size, need,
			       users, sw.cfg.burst, SW_TX_POOL_BURST_SLACK, u->tx_port);
		}
	}
	for (uint16_t p = 0; p < SW_MAX_PORTS; p++)
		for (uint16_t q = 0; q < SW_MAX_QUEUES; q++)
			if (small[p][q])
				sw_rx_use[p][q].mp = NULL;
}

void
sw_rx_pools_plan(void)
{
	memset(sw_rx_use, 0, sizeof(sw_rx_use));
	if (sw.mode == SW_FWD_L2LEARN)
		return; /* the destination is known only after the frame was received */
	if (!sw.cfg.rx_tx_pool) {
		printf("rx queues receive into the shared pool (--no-tx-pool)\n");
		return;
	}
	for (uint16_t i = 0; i < sw.nb_lcores; i++)
		for (uint16_t j = 0; j < sw.lcores[i]->nb_rxq; j++)
			sw_rx_pool_choose(sw.lcores[i], &sw.lcores[i]->rxq[j]);
	sw_rx_pools_check_size();
}

int
sw_rx_queue_setup(uint16_t pid, uint16_t q, uint16_t nb_desc)
{
	struct sw_rx_pool_use *u = &sw_rx_use[pid][q];
	int socket = rte_eth_dev_socket_id(pid);
	int ret;

	ret = rte_eth_rx_queue_setup(pid, q, nb_desc, socket, NULL, u->mp ? u->mp : sw.pool);
	if (ret == 0 || u->mp == NULL)
		return ret;
	printf("port %u rx queue %u: shared pool: the driver refused the TX pool of port %u "
	       "queue %u (%s)\n", pid, q, u->tx_port, u->txq, rte_strerror(-ret));
	u->mp = NULL;
	return rte_eth_rx_queue_setup(pid, q, nb_desc, socket, NULL, sw.pool);
}

/*
 * Tell each lcore which of its rx queues take their mbufs from its own tx
 * queue's pool: it reaps that tx queue when the rx queue is found empty
 * (see sw_poll_loop). After a re-plan an rx queue may be polled by an
 * lcore with another tx queue: its frames are then copied out, correctly,
 * and that lcore must not touch a tx queue it does not own.
 */
void
sw_rx_pools_bind(void)
{
	for (uint16_t i = 0; i < sw.nb_lcores; i++) {
		struct sw_lcore *lc = sw.lcores[i];

		for (uint16_t j = 0; j < lc->nb_rxq; j++) {
			struct sw_rxq *rq = &lc->rxq[j];
			const struct sw_rx_pool_use *u = &sw_rx_use[rq->port][rq->queue];

			rq->reap_port = u->mp != NULL && u->txq == lc->txq ? u->tx_port : SW_NO_PORT;
		}
	}
}

void
sw_rx_pools_print(FILE *f)
{
	for (uint16_t p = 0; p < SW_MAX_PORTS; p++) {
		for (uint16_t q = 0; q < SW_MAX_QUEUES; q++) {
			const struct sw_rx_pool_use *u = &sw_rx_use[p][q];

			if (u->mp != NULL)
				fprintf(f, "port %u rx queue %u: receives into the TX pool of port %u "
					"queue %u (%s, %u mbufs): frames leave in place\n", p, q,
					u->tx_port, u->txq, u->mp->name, u->mp->size);
		}
	}
}

bool
sw_rx_pools_in_use(void)
{
	for (uint16_t p = 0; p < SW_MAX_PORTS; p++)
		for (uint16_t q = 0; q < SW_MAX_QUEUES; q++)
			if (sw_rx_use[p][q].mp != NULL)
				return true;
	return false;
}
