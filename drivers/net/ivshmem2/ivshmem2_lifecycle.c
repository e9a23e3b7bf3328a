/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Life cycle of a link: the ivshmem-net state machine (RESET, INIT, READY,
 * RUN) driven from an EAL alarm every IV2_POLL_US, never from the datapath,
 * and additionally from the device's state-change interrupt where there is
 * one (PCI flavour with MSI-X): the same step, under the same lock.
 *
 *   local RESET  peer < READY          -> INIT
 *   local INIT   peer > RESET          -> lay out our section, READY
 *   local READY  peer >= READY, valid  -> bind queues, RUN
 *   local >= READY, peer RESET         -> unbind, RESET (and around again)
 *   link up   <=> local RUN and peer RUN
 *
 * The peer's state is its state-table entry, overridden to RESET when the
 * device access layer knows the peer is gone, when its heartbeat stands
 * still, or when its section was laid out again (new session) behind our
 * back. A pring end that caught the peer misbehaving also resets the link.
 */

#include <string.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_random.h>

#include "ivshmem2.h"

static const char *const iv2_state_names[] = { "RESET", "INIT", "READY", "RUN" };

static const char *
iv2_state_name(uint32_t s)
{
	return s < RTE_DIM(iv2_state_names) ? iv2_state_names[s] : "INVALID";
}

static void
iv2_set_local_state(struct pmd_internals *p, uint32_t s)
{
	if (p->local_state == s)
		return;
	IV2_LOG(DEBUG, "port %u: local %s -> %s", p->eth_dev->data->port_id,
		iv2_state_name(p->local_state), iv2_state_name(s));
	p->local_state = s;
	p->dev.ops->state_write(&p->dev, s);
}

static const volatile struct iv2_sect_hdr *
iv2_peer_hdr(const struct pmd_internals *p)
{
	return (const volatile struct iv2_sect_hdr *)p->dev.out_peer;
}

/*
 * Lines the peer causes at will (its state, resets, violations, truncation)
 * go through this rate limit: a peer cycling through them every poll must
 * not flood the application's log. The counters count every event.
 */
static bool
iv2_peer_log_allow(struct pmd_internals *p)
{
	uint32_t suppressed;
	bool ok = peer_log_allow(&p->peer_log, rte_get_timer_cycles(), rte_get_timer_hz(),
				 &suppressed);

	if (suppressed)
		IV2_LOG(WARNING, "port %u: %u more peer-caused log lines suppressed in %d s",
			p->eth_dev->data->port_id, suppressed, PEER_LOG_WINDOW_S);
	return ok;
}

#define IV2_PEER_LOG(p, level, fmt, ...) do { \
	if (iv2_peer_log_allow(p)) \
		IV2_LOG(level, fmt, ##__VA_ARGS__); \
} while (0)

/* The peer's state as the state machine should see it. */
static uint32_t
iv2_peer_effective(struct pmd_internals *p)
{
	uint32_t raw = iv2_dev_peer_state(&p->dev);
	uint64_t hb, now = rte_get_timer_cycles();

	if (raw != p->peer_state_raw) {
		IV2_PEER_LOG(p, INFO, "port %u: peer state %s -> %s", p->eth_dev->data->port_id,
			iv2_state_name(p->peer_state_raw), iv2_state_name(raw));
		p->peer_state_raw = raw;
	}
	if (raw > IV2_STATE_RUN || !p->dev.ops->peer_attached(&p->dev))
		return IV2_STATE_RESET;
	hb = __atomic_load_n(&iv2_peer_hdr(p)->heartbeat, __ATOMIC_RELAXED);
	if (raw < IV2_STATE_READY || hb != p->peer_hb) {
		p->peer_hb = hb;
		p->peer_hb_tsc = now;
	} else if (now - p->peer_hb_tsc > rte_get_timer_hz() / 1000 * IV2_HEARTBEAT_TIMEOUT_MS) {
		return IV2_STATE_RESET;
	}
	return raw;
}

/* INIT -> READY: zero our rings, write a fresh header. */
static void
iv2_layout_own(struct pmd_internals *p)
{
	struct iv2_sect_hdr *h = (struct iv2_sect_hdr *)p->dev.out_own;
	const struct iv2_config *c = &p->cfg;
	uint16_t q;

	memset(h, 0, IV2_QUEUE_OFF);
	for (q = 0; q < c->queues; q++)
		memset(iv2_queue_base(p, p->dev.out_own, q), 0, iv2_q_buf_off(c->ring_size));
	do {
		p->session = (uint32_t)rte_rand();
	} while (p->session == 0);
	h->version = IV2_LAYOUT_VERSION;
	h->hdr_size = sizeof(*h);
	h->features = IV2_FEATURES;
	h->section_size = p->dev.out_size;
	h->queues = c->queues;
	h->ring_size = c->ring_size;
	h->buf_size = c->buf_size;
	h->queue_off = IV2_QUEUE_OFF;
	h->queue_stride = iv2_q_stride(c->ring_size, c->buf_size);
	h->session = p->session;
	h->mtu = p->eth_dev->data->mtu;
	memcpy(h->mac, p->eth_dev->data->mac_addrs, RTE_ETHER_ADDR_LEN);
	/* The magic last: a half-written header never validates. */
	__atomic_store_n(&h->magic, IV2_MAGIC, __ATOMIC_RELEASE);
}

/* Check the peer's header against our configuration; fields read once each. */
static bool
iv2_peer_valid(struct pmd_internals *p)
{
	struct iv2_sect_hdr h;
	const struct iv2_config *c = &p->cfg;
	const char *why = NULL;

	memcpy(&h, (const void *)(uintptr_t)iv2_peer_hdr(p), sizeof(h));
	if (h.magic != IV2_MAGIC)
		why = "bad magic";
	else if (h.version != IV2_LAYOUT_VERSION || h.hdr_size != sizeof(h))
		why = "layout version";
	else if (h.features != IV2_FEATURES)
		why = "features";
	else if (h.section_size != p->dev.out_size)
		why = "section size";
	else if (h.queues != c->queues)
		why = "queue count";
	else if (h.ring_size != c->ring_size)
		why = "ring size";
	else if (h.buf_size != c->buf_size)
		why = "buffer size";
	else if (h.queue_off != IV2_QUEUE_OFF ||
		 h.queue_stride != iv2_q_stride(c->ring_size, c->buf_size))
		why = "queue layout";
	else if (h.session == 0)
		why = "session";
	if (why == NULL) {
		p->peer_session = h.session;
		p->incompatible_logged = false;
		return true;
	}
	p->peer_incompatible++;
	if (!p->incompatible_logged)
		IV2_PEER_LOG(p, ERR, "port %u: peer section rejected (%s): peer has %u queues x %u slots x %u B,"
			" version %u; we have %u x %u x %u, version %u",
			p->eth_dev->data->port_id, why, h.queues, h.ring_size, h.buf_size, h.version,
			c->queues, c->ring_size, c->buf_size, IV2_LAYOUT_VERSION);
	p->incompatible_logged = true;
	return false;
}

static void
iv2_unbind(struct pmd_internals *p)
{
	uint16_t q;

	for (q = 0; q < IV2_MAX_QUEUES; q++) {
		if (p->rxq[q] != NULL) {
			burst_gate_close(&p->rxq[q]->gate);
			iv2_rxq_unbind(p->rxq[q]);
		}
		if (p->txq[q] != NULL) {
			burst_gate_close(&p->txq[q]->gate);
			iv2_txq_unbind(p->txq[q]);
		}
	}
	p->bound = false;
}

static void
iv2_bind(struct pmd_internals *p)
{
	uint16_t q;

	for (q = 0; q < p->cfg.queues; q++) {
		if (p->rxq[q] != NULL)
			iv2_rxq_bind(p, p->rxq[q]);
		if (p->txq[q] != NULL)
			iv2_txq_bind(p, p->txq[q]);
	}
	p->bound = true;
}

static void
iv2_set_link(struct pmd_internals *p, bool up)
{
	struct rte_eth_dev *dev = p->eth_dev;
	struct rte_eth_link link = {
		.link_speed = up ? RTE_ETH_SPEED_NUM_100G : RTE_ETH_SPEED_NUM_NONE,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};
	uint16_t q;

	if (p->link_up == up)
		return;
	for (q = 0; q < IV2_MAX_QUEUES && up; q++) {
		if (p->rxq[q] != NULL && p->rxq[q]->bound)
			burst_gate_open(&p->rxq[q]->gate);
		if (p->txq[q] != NULL && p->txq[q]->bound)
			burst_gate_open(&p->txq[q]->gate);
	}
	p->link_up = up;
	p->link_changes++;
	rte_eth_linkstatus_set(dev, &link);
	IV2_PEER_LOG(p, INFO, "port %u: link %s", dev->data->port_id, up ? "up" : "down");
	p->lsc_pending = true;
}

/*
 * Release the control lock, then tell the application about a link change:
 * its callback may call back into the PMD.
 */
static void
iv2_unlock_notify(struct pmd_internals *p)
{
	bool ev = p->lsc_pending;

	p->lsc_pending = false;
	pthread_mutex_unlock(&p->lock);
	if (ev)
		rte_eth_dev_callback_process(p->eth_dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

/* Drop the link and go back to RESET; queues are drained and reset. */
static void
iv2_reset(struct pmd_internals *p)
{
	if (p->bound || p->link_up)
		p->peer_resets++;
	iv2_unbind(p);
	iv2_set_link(p, false);
	iv2_set_local_state(p, IV2_STATE_RESET);
}

/*
 * The shared memory faulted (the peer truncated it) and reads as zeros now:
 * drop the link, count it once, and map the memory again when the flavour
 * can. @return true when the memory is back.
 */
static bool
iv2_mem_restored(struct pmd_internals *p)
{
	if (!p->mem_fault_seen) {
		p->mem_fault_seen = true;
		p->mem_faults++;
		IV2_PEER_LOG(p, ERR, "port %u: the peer truncated the shared memory; link down",
			p->eth_dev->data->port_id);
		iv2_reset(p);
	}
	if (p->dev.ops->remap == NULL || p->dev.ops->remap(&p->dev) < 0)
		return false;
	p->mem_fault_seen = false;
	p->dev.ops->state_write(&p->dev, IV2_STATE_RESET);
	IV2_PEER_LOG(p, NOTICE, "port %u: shared memory mapped again", p->eth_dev->data->port_id);
	return true;
}

static bool
iv2_rings_broken(struct pmd_internals *p)
{
	uint16_t q;

	for (q = 0; q < IV2_MAX_QUEUES; q++) {
		if (p->rxq[q] != NULL && p->rxq[q]->ring.broken)
			return true;
		if (p->txq[q] != NULL && p->txq[q]->ring.broken)
			return true;
	}
	return false;
}

/* One step of the state machine; called with the control lock held. */
void
iv2_lifecycle_poll(struct pmd_internals *p)
{
	struct iv2_sect_hdr *own = (struct iv2_sect_hdr *)p->dev.out_own;
	uint32_t peer;
	uint16_t q;

	__atomic_store_n(&own->heartbeat, ++p->hb, __ATOMIC_RELAXED);
	if (unlikely(__atomic_load_n(&p->dev.mem_fault, __ATOMIC_ACQUIRE)) && !iv2_mem_restored(p))
		return;
	for (q = 0; q < IV2_MAX_QUEUES; q++)
		if (p->rxq[q] != NULL && p->rxq[q]->zc_retired != NULL)
			iv2_rxq_zc_reap(p->rxq[q]);
	peer = iv2_peer_effective(p);
	p->peer_state = peer;
	if (p->bound && iv2_rings_broken(p)) {
		p->ring_errors++;
		IV2_PEER_LOG(p, ERR, "port %u: peer violated the ring protocol, resetting the link",
			p->eth_dev->data->port_id);
		iv2_reset(p);
		return;
	}
	if (p->bound && iv2_peer_hdr(p)->session != p->peer_session) {
		IV2_PEER_LOG(p, NOTICE, "port %u: peer re-initialised its section",
			     p->eth_dev->data->port_id);
		iv2_reset(p);
		return;
	}
	if (!p->started || (p->local_state >= IV2_STATE_READY && peer == IV2_STATE_RESET)) {
		if (p->local_state != IV2_STATE_RESET || p->bound)
			iv2_reset(p);
		return;
	}
	switch (p->local_state) {
	case IV2_STATE_RESET:
		if (peer < IV2_STATE_READY)
			iv2_set_local_state(p, IV2_STATE_INIT);
		break;
	case IV2_STATE_INIT:
		if (peer > IV2_STATE_RESET) {
			iv2_layout_own(p);
			iv2_set_local_state(p, IV2_STATE_READY);
		}
		break;
	case IV2_STATE_READY:
		if (peer >= IV2_STATE_READY && iv2_peer_valid(p)) {
			iv2_bind(p);
			iv2_set_local_state(p, IV2_STATE_RUN);
		}
		break;
	default:
		break;
	}
	iv2_set_link(p, p->local_state == IV2_STATE_RUN && peer == IV2_STATE_RUN);
}

static void
iv2_alarm(void *arg)
{
	struct pmd_internals *p = arg;

	pthread_mutex_lock(&p->lock);
	if (p->polling) {
		iv2_lifecycle_poll(p);
		rte_eal_alarm_set(p->poll_us, iv2_alarm, p);
	}
	iv2_unlock_notify(p);
}

/* Interrupt thread: the same step as the alarm, without waiting for it. */
void
iv2_lifecycle_event(struct pmd_internals *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->polling)
		iv2_lifecycle_poll(p);
	iv2_unlock_notify(p);
}

/* From probe: publish RESET and start following the peer. */
void
iv2_lifecycle_attach(struct pmd_internals *p)
{
	pthread_mutex_lock(&p->lock);
	p->local_state = IV2_STATE_RESET;
	p->dev.ops->state_write(&p->dev, IV2_STATE_RESET);
	p->peer_state_raw = iv2_dev_peer_state(&p->dev);
	p->peer_hb_tsc = rte_get_timer_cycles();
	p->polling = true;
	if (p->poll_us == 0)
		p->poll_us = IV2_POLL_US;
	rte_eal_alarm_set(p->poll_us, iv2_alarm, p);
	pthread_mutex_unlock(&p->lock);
}

/* From close: stop polling, drop the link, leave RESET in our entry. */
void
iv2_lifecycle_detach(struct pmd_internals *p)
{
	pthread_mutex_lock(&p->lock);
	p->polling = false;
	p->started = false;
	iv2_reset(p);
	p->lsc_pending = false;
	pthread_mutex_unlock(&p->lock);
	/* Waits for a callback running on the alarm thread. */
	rte_eal_alarm_cancel(iv2_alarm, p);
}

int
iv2_lifecycle_start(struct pmd_internals *p)
{
	pthread_mutex_lock(&p->lock);
	p->started = true;
	iv2_lifecycle_poll(p);
	iv2_unlock_notify(p);
	return 0;
}

void
iv2_lifecycle_stop(struct pmd_internals *p)
{
	pthread_mutex_lock(&p->lock);
	p->started = false;
	iv2_reset(p);
	iv2_unlock_notify(p);
}
