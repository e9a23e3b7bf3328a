/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Which lcore polls which rx queue; launching and stopping forwarding. */

#include <pthread.h>
#include <string.h>

#include <rte_launch.h>
#include <rte_malloc.h>

#include "sw.h"

/* Serialises control-plane readers (telemetry, stats printing) against a
 * re-plan that frees the lcore structures. Never taken by forwarding lcores. */
static pthread_mutex_t sw_ctl_mutex = PTHREAD_MUTEX_INITIALIZER;

void
sw_ctl_lock(void)
{
	pthread_mutex_lock(&sw_ctl_mutex);
}

void
sw_ctl_unlock(void)
{
	pthread_mutex_unlock(&sw_ctl_mutex);
}

static void
sw_lcores_free(void)
{
	for (uint16_t i = 0; i < sw.nb_lcores; i++) {
		rte_free(sw.lcores[i]);
		sw.lcores[i] = NULL;
	}
	sw.nb_lcores = 0;
}

/* Index of @p lcore_id in @p list, appending it if new; -1 when full. */
static int
sw_lcore_slot(struct sw_lcore **list, uint16_t *n, unsigned int lcore_id)
{
	for (uint16_t i = 0; i < *n; i++)
		if (list[i]->lcore_id == lcore_id)
			return i;
	list[*n] = rte_zmalloc("sw_lcore", sizeof(struct sw_lcore), RTE_CACHE_LINE_SIZE);
	if (list[*n] == NULL)
		return -1;
	list[*n]->lcore_id = lcore_id;
	list[*n]->txq = *n;
	return (*n)++;
}

static int
sw_plan_explicit(const struct sw_map_entry *map, uint16_t nb_map, struct sw_lcore **list,
		 uint16_t *n, char *err, size_t errlen)
{
	uint16_t rxq = sw.rxq ? sw.rxq : sw.cfg.rxq;

	for (uint16_t i = 0; i < nb_map; i++) {
		const struct sw_map_entry *e = &map[i];
		struct sw_lcore *lc;
		int k;

		if (e->lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(e->lcore) ||
		    e->lcore == rte_get_main_lcore()) {
			snprintf(err, errlen, "lcore map: lcore %u is not an enabled worker lcore "
				 "(give it to EAL with -l/--lcores; the main lcore %u only does "
				 "control)", e->lcore, rte_get_main_lcore());
			return -1;
		}
		if (e->port >= SW_MAX_PORTS || !sw.port[e->port].used) {
			snprintf(err, errlen, "lcore map: port %u is not in use", e->port);
			return -1;
		}
		if (e->queue >= rxq) {
			snprintf(err, errlen, "lcore map: port %u has %u rx queues, no queue %u",
				 e->port, rxq, e->queue);
			return -1;
		}
		k = sw_lcore_slot(list, n, e->lcore);
		if (k < 0)
			return -1;
		lc = list[k];
		lc->rxq[lc->nb_rxq++] = (struct sw_rxq){ e->port, e->queue, SW_NO_PORT };
	}
	/* Every rx queue must have an owner, or its packets pile up unseen. */
	for (uint16_t i = 0; i < sw.nb_ports; i++) {
		for (uint16_t q = 0; q < rxq; q++) {
			bool found = false;

			for (uint16_t j = 0; j < nb_map && !found; j++)
				found = map[j].port == sw.port_ids[i] && map[j].queue == q;
			if (!found) {
				snprintf(err, errlen, "lcore map: rx queue %u of port %u has no lcore",
					 q, sw.port_ids[i]);
				return -1;
			}
		}
	}
	return 0;
}

static int
sw_plan_auto(struct sw_lcore **list, uint16_t *n, char *err, size_t errlen)
{
	unsigned int workers[RTE_MAX_LCORE], nw = 0, lid;
	uint16_t rxq = sw.rxq ? sw.rxq : sw.cfg.rxq;
	unsigned int nq = (unsigned int)sw.nb_ports * rxq, nb, k = 0;

	RTE_LCORE_FOREACH_WORKER(lid)
		workers[nw++] = lid;
	if (nw == 0) {
		snprintf(err, errlen, "no worker lcore: give EAL at least two (e.g. -l 0,1); the "
			 "main lcore only does control");
		return -1;
	}
	nb = sw.cfg.nb_cores ? sw.cfg.nb_cores : RTE_MIN(nw, nq);
	if (nb > nw) {
		snprintf(err, errlen, "--nb-cores %u but EAL has only %u worker lcores", nb, nw);
		return -1;
	}
	if (nb > nq) {
		snprintf(err, errlen, "--nb-cores %u exceeds the %u rx queues (ports x --rxq): "
			 "an lcore would have nothing to poll", nb, nq);
		return -1;
	}
	for (unsigned int i = 0; i < nb; i++)
		if (sw_lcore_slot(list, n, workers[i]) < 0)
			return -1;
	/* Queue-major order spreads each port's queues over the lcores. */
	for (uint16_t q = 0; q < rxq; q++) {
		for (uint16_t i = 0; i < sw.nb_ports; i++) {
			struct sw_lcore *lc = list[k++ % nb];

			lc->rxq[lc->nb_rxq++] = (struct sw_rxq){ sw.port_ids[i], q, SW_NO_PORT };
		}
	}
	return 0;
}

/*
 * Build the lcore plan from @p map (or spread queues over the workers when
 * @p nb_map is 0). Before ports exist it also fixes the tx queue count;
 * afterwards a plan must fit the queues already configured.
 */
int
sw_lcores_plan(const struct sw_map_entry *map, uint16_t nb_map, char *err, size_t errlen)
{
	struct sw_lcore *list[RTE_MAX_LCORE] = { NULL };
	uint16_t n = 0;
	int ret;

	ret = nb_map ? sw_plan_explicit(map, nb_map, list, &n, err, errlen)
		     : sw_plan_auto(list, &n, err, errlen);
	if (ret == 0 && sw.txq != 0 && n > sw.txq) {
		snprintf(err, errlen, "the map needs %u lcores but ports have %u tx queues", n,
			 sw.txq);
		ret = -1;
	}
	if (ret == 0 && sw.txq == 0 && sw.cfg.txq != 0 && n > sw.cfg.txq) {
		snprintf(err, errlen, "%u forwarding lcores but --txq is %u: each needs its own "
			 "tx queue on every port", n, sw.cfg.txq);
		ret = -1;
	}
	if (ret != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "out of memory for the lcore plan");
		for (uint16_t i = 0; i < n; i++)
			rte_free(list[i]);
		return -1;
	}
	sw_ctl_lock();
	sw_lcores_free();
	memcpy(sw.lcores, list, sizeof(list[0]) * n);
	sw.nb_lcores = n;
	sw_rx_pools_bind();
	sw_ctl_unlock();
	if (sw.txq == 0) {
		sw.txq = sw.cfg.txq ? sw.cfg.txq : n;
		sw.rxq = sw.cfg.rxq;
	}
	return 0;
}

void
sw_lcores_print(FILE *f)
{
	fprintf(f, "lcore map (%s mode, %u forwarding lcores, main lcore %u does control):\n",
		sw_fwd_mode_name(sw.mode), sw.nb_lcores, rte_get_main_lcore());
	for (uint16_t i = 0; i < sw.nb_lcores; i++) {
		const struct sw_lcore *lc = sw.lcores[i];

		fprintf(f, "  lcore %u (tx queue %u on every port): rx", lc->lcore_id, lc->txq);
		for (uint16_t j = 0; j < lc->nb_rxq; j++)
			fprintf(f, " (port %u, queue %u)", lc->rxq[j].port, lc->rxq[j].queue);
		fprintf(f, "\n");
	}
}

static lcore_function_t *const sw_fwd_fn[SW_FWD_NB] = {
	[SW_FWD_L2LEARN] = sw_fwd_l2learn,
	[SW_FWD_IO] = sw_fwd_io,
	[SW_FWD_MAC] = sw_fwd_mac,
};

int
sw_fwd_start(void)
{
	if (__atomic_load_n(&sw.running, __ATOMIC_ACQUIRE))
		return -EBUSY;
	__atomic_store_n(&sw.running, true, __ATOMIC_RELEASE);
	for (uint16_t i = 0; i < sw.nb_lcores; i++) {
		int ret = rte_eal_remote_launch(sw_fwd_fn[sw.mode], sw.lcores[i],
						sw.lcores[i]->lcore_id);

		if (ret != 0) {
			fprintf(stderr, SW_NAME ": cannot launch lcore %u: %s\n",
				sw.lcores[i]->lcore_id, rte_strerror(-ret));
			sw_fwd_stop();
			return ret;
		}
	}
	return 0;
}

/* Tell the lcores to stop; each flushes its tx buffers before returning. */
void
sw_fwd_stop(void)
{
	__atomic_store_n(&sw.running, false, __ATOMIC_RELEASE);
	for (uint16_t i = 0; i < sw.nb_lcores; i++)
		rte_eal_wait_lcore(sw.lcores[i]->lcore_id);
}
