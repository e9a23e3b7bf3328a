/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Statistics: per-queue packet and byte counters kept by the datapath,
 * summed here; xstats add drops by reason, the rings' protocol-violation
 * counters and the life-cycle state. Per-queue packets/bytes appear in
 * xstats through RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS.
 */

#include <stdio.h>
#include <string.h>

#include "ivshmem2.h"

static const char *const iv2_drop_names[IV2_DROP__MAX] = {
	[IV2_DROP_RING_FULL] = "ring_full",
	[IV2_DROP_NO_MBUF] = "no_mbuf",
	[IV2_DROP_BAD_DESC] = "bad_desc",
	[IV2_DROP_PEER_DOWN] = "peer_down",
	[IV2_DROP_OVERSIZE] = "oversize",
};

/* Port-level values after the per-direction drop and ring-error counters. */
enum iv2_xstat_misc {
	IV2_XS_LOCAL_STATE,
	IV2_XS_PEER_STATE,
	IV2_XS_LINK_CHANGES,
	IV2_XS_PEER_RESETS,
	IV2_XS_PEER_INCOMPATIBLE,
	IV2_XS_RING_ERRORS,
	IV2_XS_RING_RESETS,
	IV2_XS_STATE_IRQS,
	IV2_XS_DOORBELLS,
	IV2_XS_SHM_FAULTS,
	IV2_XS_TX_ZC_PKTS,
	IV2_XS_TX_ZC_REAPED,
	IV2_XS_TX_ZC_RELEASED,
	IV2_XS__MAX
};

static const char *const iv2_misc_names[IV2_XS__MAX] = {
	[IV2_XS_LOCAL_STATE] = "local_state",
	[IV2_XS_PEER_STATE] = "peer_state",
	[IV2_XS_LINK_CHANGES] = "link_changes",
	[IV2_XS_PEER_RESETS] = "peer_resets",
	[IV2_XS_PEER_INCOMPATIBLE] = "peer_incompatible",
	[IV2_XS_RING_ERRORS] = "ring_protocol_errors",
	[IV2_XS_RING_RESETS] = "ring_resets",
	[IV2_XS_STATE_IRQS] = "state_interrupts",
	[IV2_XS_DOORBELLS] = "tx_doorbells",
	[IV2_XS_SHM_FAULTS] = "shm_faults",
	[IV2_XS_TX_ZC_PKTS] = "tx_zc_pkts",
	[IV2_XS_TX_ZC_REAPED] = "tx_zc_reaped",
	[IV2_XS_TX_ZC_RELEASED] = "tx_zc_released",
};

#define IV2_NB_XSTATS (2 * IV2_DROP__MAX + 2 * PRING_ERR__MAX + IV2_XS__MAX)

int
iv2_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct pmd_internals *p = dev->data->dev_private;
	uint16_t q;

	for (q = 0; q < IV2_MAX_QUEUES; q++) {
		const struct iv2_rxq *r = p->rxq[q];
		const struct iv2_txq *t = p->txq[q];

		if (r != NULL) {
			st->ipackets += r->pkts;
			st->ibytes += r->bytes;
			st->rx_nombuf += r->drops[IV2_DROP_NO_MBUF];
			st->ierrors += r->drops[IV2_DROP_BAD_DESC] + r->drops[IV2_DROP_OVERSIZE];
			if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				st->q_ipackets[q] = r->pkts;
				st->q_ibytes[q] = r->bytes;
			}
		}
		if (t != NULL) {
			st->opackets += t->pkts;
			st->obytes += t->bytes;
			st->oerrors += t->drops[IV2_DROP_PEER_DOWN] + t->drops[IV2_DROP_OVERSIZE] +
				       t->drops[IV2_DROP_BAD_DESC];
			if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
				st->q_opackets[q] = t->pkts;
				st->q_obytes[q] = t->bytes;
			}
		}
	}
	return 0;
}

int
iv2_stats_reset(struct rte_eth_dev *dev)
{
	struct pmd_internals *p = dev->data->dev_private;
	uint16_t q;

	for (q = 0; q < IV2_MAX_QUEUES; q++) {
		struct iv2_rxq *r = p->rxq[q];
		struct iv2_txq *t = p->txq[q];

		if (r != NULL) {
			r->pkts = r->bytes = 0;
			memset(r->drops, 0, sizeof(r->drops));
		}
		if (t != NULL) {
			t->pkts = t->bytes = t->doorbells = 0;
			t->zc_pkts = t->zc_reaped = t->zc_released = 0;
			memset(t->drops, 0, sizeof(t->drops));
		}
	}
	return 0;
}

int
iv2_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names, unsigned int size)
{
	unsigned int i, n = 0;

	RTE_SET_USED(dev);
	if (names == NULL || size < IV2_NB_XSTATS)
		return IV2_NB_XSTATS;
	for (i = 0; i < IV2_DROP__MAX; i++)
		snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "rx_drop_%s", iv2_drop_names[i]);
	for (i = 0; i < IV2_DROP__MAX; i++)
		snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "tx_drop_%s", iv2_drop_names[i]);
	for (i = 0; i < PRING_ERR__MAX; i++)
		snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "rx_ring_err_%s",
			 pring_err_name((enum pring_err)i));
	for (i = 0; i < PRING_ERR__MAX; i++)
		snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "tx_ring_err_%s",
			 pring_err_name((enum pring_err)i));
	for (i = 0; i < IV2_XS__MAX; i++)
		snprintf(names[n++].name, RTE_ETH_XSTATS_NAME_SIZE, "%s", iv2_misc_names[i]);
	return (int)n;
}

int
iv2_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int size)
{
	struct pmd_internals *p = dev->data->dev_private;
	uint64_t v[IV2_NB_XSTATS] = { 0 };
	unsigned int i, q;

	if (xs == NULL || size < IV2_NB_XSTATS)
		return IV2_NB_XSTATS;
	for (q = 0; q < IV2_MAX_QUEUES; q++) {
		const struct iv2_rxq *r = p->rxq[q];
		const struct iv2_txq *t = p->txq[q];

		for (i = 0; r != NULL && i < IV2_DROP__MAX; i++)
			v[i] += r->drops[i];
		for (i = 0; t != NULL && i < IV2_DROP__MAX; i++)
			v[IV2_DROP__MAX + i] += t->drops[i];
		for (i = 0; r != NULL && i < PRING_ERR__MAX; i++)
			v[2 * IV2_DROP__MAX + i] += r->ring.stats.err[i];
		for (i = 0; t != NULL && i < PRING_ERR__MAX; i++)
			v[2 * IV2_DROP__MAX + PRING_ERR__MAX + i] += t->ring.stats.err[i];
		if (r != NULL)
			v[2 * IV2_DROP__MAX + 2 * PRING_ERR__MAX + IV2_XS_RING_RESETS] +=
				r->ring.stats.resets;
		if (t != NULL)
			v[2 * IV2_DROP__MAX + 2 * PRING_ERR__MAX + IV2_XS_RING_RESETS] +=
				t->ring.stats.resets;
		if (t != NULL) {
			uint64_t *m = &v[2 * IV2_DROP__MAX + 2 * PRING_ERR__MAX];

			m[IV2_XS_DOORBELLS] += t->doorbells;
			m[IV2_XS_TX_ZC_PKTS] += t->zc_pkts;
			m[IV2_XS_TX_ZC_REAPED] += t->zc_reaped;
			m[IV2_XS_TX_ZC_RELEASED] += t->zc_released;
		}
	}
	i = 2 * IV2_DROP__MAX + 2 * PRING_ERR__MAX;
	v[i + IV2_XS_LOCAL_STATE] = p->local_state;
	v[i + IV2_XS_PEER_STATE] = p->peer_state;
	v[i + IV2_XS_LINK_CHANGES] = p->link_changes;
	v[i + IV2_XS_PEER_RESETS] = p->peer_resets;
	v[i + IV2_XS_PEER_INCOMPATIBLE] = p->peer_incompatible;
	v[i + IV2_XS_RING_ERRORS] = p->ring_errors;
	v[i + IV2_XS_SHM_FAULTS] = p->mem_faults;
	v[i + IV2_XS_STATE_IRQS] = __atomic_load_n(&p->state_irqs, __ATOMIC_RELAXED);
	for (i = 0; i < IV2_NB_XSTATS; i++) {
		xs[i].id = i;
		xs[i].value = v[i];
	}
	return IV2_NB_XSTATS;
}

int
iv2_xstats_reset(struct rte_eth_dev *dev)
{
	return iv2_stats_reset(dev);
}
