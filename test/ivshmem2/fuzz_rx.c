/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * libFuzzer harness: the net_ivshmem2 RX path (copy and zero-copy) fed with
 * arbitrary peer sections. The input is cut into chunks; before each RX
 * burst the next chunk overwrites the peer's descriptor slots (and event
 * area), as a peer writing while we poll would. Every delivered mbuf is
 * read in full, so an out-of-bounds reference shows up under ASan; after
 * each input the queue is reset and bound again, as the life cycle does.
 *
 * Zero-copy completions are deferred until the application frees its
 * mbufs: the harness holds some back across bursts, frees half of them
 * before the last burst (completion must stop at the oldest still held) and
 * the rest only after the queue was unbound (the retired-block path).
 * The mbufs have less data room than the small-frame copy threshold, so a
 * copy that ignores the room is caught (every segment must fit its buffer).
 *
 * Input: byte 0 bit 0 = zero-copy, bits 1..2 = bursts between rewrites,
 * bits 3..5 = mbufs held back (8 per step); the rest is peer ring content,
 * RING_BYTES per chunk (one lap of descriptors; the seeds have several).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "../fuzz_eal_affinity.h"
#include "ivshmem2.h"
#include "runtime_dir.h"

#define RING 64u
#define BUF 512u
#define RING_BYTES (16u * RING)
/* Below IV2_ZC_COPY_MAX (256): small zero-copy frames must not be copied into it. */
#define MBUF_ROOM 128u
#define HOLD_MAX 56u

static struct pmd_internals *iv2p;
static struct rte_eth_dev_data fz_data;
static struct rte_eth_dev fz_dev;
static struct iv2_rxq *fz_q;
static uint8_t *fz_own, *fz_peer;
static uint64_t fz_sect;
/* Kept here too: LeakSanitizer does not scan DPDK memory for roots. */
static struct pring_chain *fz_chains;

/* The mbuf templates queue set-up computes (ivshmem2_ethdev.c): without them mbufs leak. */
static void
fz_rearm(struct iv2_rxq *q)
{
	struct rte_mbuf tmpl;

	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.data_off = RTE_PKTMBUF_HEADROOM;
	tmpl.nb_segs = 1;
	rte_mbuf_refcnt_set(&tmpl, 1);
	memcpy(&q->rearm, &tmpl.data_off, sizeof(q->rearm));
	tmpl.data_off = 0;
	memcpy(&q->rearm_zc, &tmpl.data_off, sizeof(q->rearm_zc));
}

static int
fz_setup(void)
{
	/* a prefix of its own: the seed replay and a campaign may run beside it */
	char prefix[64];
	char *argv[] = { "fuzz_rx", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "--no-telemetry", prefix, NULL };
	struct vm2vm_runtime_dir rd;
	struct rte_mempool *mp;

	snprintf(prefix, sizeof(prefix), "--file-prefix=iv2fuzz%d", (int)getpid());
	if (fz_eal_init_unpinned(8, argv) < 0)
		return -1;
	/*
	 * libFuzzer ends the process where we get no say, so remove the EAL
	 * runtime directory now: with --no-shconf and --no-telemetry nothing
	 * in it is used after init.
	 */
	vm2vm_runtime_dir_note(&rd);
	vm2vm_runtime_dir_remove(&rd);
	rte_log_set_global_level(RTE_LOG_CRIT);
	mp = rte_pktmbuf_pool_create("fz", 4095, 0, 0, MBUF_ROOM + RTE_PKTMBUF_HEADROOM,
				     SOCKET_ID_ANY);
	iv2p = rte_zmalloc("fz", sizeof(*iv2p), 64);
	fz_q = rte_zmalloc("fzq", sizeof(*fz_q), 64);
	if (mp == NULL || iv2p == NULL || fz_q == NULL)
		return -1;
	iv2p->cfg.queues = 1;
	iv2p->cfg.ring_size = RING;
	iv2p->cfg.buf_size = BUF;
	fz_sect = iv2_section_need(1, RING, BUF);
	fz_own = calloc(1, fz_sect);
	fz_peer = calloc(1, fz_sect);
	fz_chains = calloc(RING, sizeof(fz_chains[0]));
	fz_q->zc_chain = fz_chains;
	if (fz_own == NULL || fz_peer == NULL || fz_q->zc_chain == NULL)
		return -1;
	iv2p->dev.out_own = fz_own;
	iv2p->dev.out_peer = fz_peer;
	iv2p->dev.out_size = fz_sect;
	/* Small mbufs so that chains and large frames take the multi-segment paths. */
	fz_q->mp = mp;
	fz_q->mbuf_room = MBUF_ROOM;
	fz_rearm(fz_q);
	fz_data.dev_private = iv2p;
	fz_dev.data = &fz_data;
	/* Recognisable packet bytes in the peer's buffers. */
	memset(fz_peer + IV2_QUEUE_OFF + iv2_q_buf_off(RING), 0xa5, (size_t)RING * BUF);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fz_setup() < 0)
		abort();
	return 0;
}

static struct rte_mbuf *fz_held[HOLD_MAX];
static unsigned int fz_nheld, fz_hold;

/*
 * Read every byte of every segment: out-of-bounds pointers fault under ASan.
 * Keep up to fz_hold of the mbufs (the application holding on to them).
 */
static uint32_t
fz_consume(struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t sum = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		const struct rte_mbuf *s;
		uint32_t total = 0;

		for (s = pkts[i]; s != NULL; s = s->next) {
			const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);
			uint16_t k;

			/* DPDK memory is not ASan's: check that the bytes lie in the buffer. */
			if ((uint32_t)s->data_off + s->data_len > s->buf_len)
				abort();
			for (k = 0; k < s->data_len; k++)
				sum += p[k];
			total += s->data_len;
		}
		if (total != pkts[i]->pkt_len || total > IV2_MAX_FRAME)
			abort();
	}
	for (i = 0; i < n; i++) {
		if (fz_nheld < fz_hold)
			fz_held[fz_nheld++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	return sum;
}

/* Let go of the held mbufs from index @p from on. */
static void
fz_release(unsigned int from)
{
	while (fz_nheld > from)
		rte_pktmbuf_free(fz_held[--fz_nheld]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *ring = fz_peer + IV2_QUEUE_OFF;
	struct rte_mbuf *pkts[IV2_BURST];
	unsigned int bursts, b;
	size_t off = 1;
	uint16_t n;

	if (size < 1)
		return 0;
	iv2p->cfg.zero_copy = data[0] & 1;
	bursts = 1 + ((data[0] >> 1) & 3);
	fz_hold = 8u * ((data[0] >> 3) & 7);
	memset(ring, 0, iv2_q_buf_off(RING));
	iv2_rxq_bind(iv2p, fz_q);
	iv2_select_burst(&fz_dev);
	burst_gate_open(&fz_q->gate);
	do {
		size_t chunk = size - off < RING_BYTES ? size - off : RING_BYTES;

		memcpy(ring, data + off, chunk);
		off += chunk;
		for (b = 0; b < bursts; b++) {
			n = fz_dev.rx_pkt_burst(fz_q, pkts, IV2_BURST);
			(void)fz_consume(pkts, n);
		}
	} while (off < size);
	/* Free the newer half of what is held, then once more so completions are written. */
	fz_hold = 0;
	fz_release(fz_nheld / 2);
	n = fz_dev.rx_pkt_burst(fz_q, pkts, IV2_BURST);
	(void)fz_consume(pkts, n);
	burst_gate_close(&fz_q->gate);
	iv2_rxq_unbind(fz_q);
	/* The rest are freed after the reset: their slots belong to a retired block. */
	fz_release(0);
	if (iv2p->cfg.zero_copy)
		iv2_rxq_zc_fini(fz_q);
	return 0;
}
