/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * libFuzzer harness for the driver end: the input is what a hostile device
 * writes (the initial used slots and event area, then used entries between
 * our calls) interleaved with the calls a PMD makes.
 *
 * Input: [size][mode][size * 16 bytes of used slots][4 bytes device event][ops...]
 * The harness keeps its own model of which buffers are outstanding and
 * aborts if the driver end ever returns a buffer it does not own, returns
 * one twice, reports more bytes than were offered, breaks the in-order
 * promise, or loses track of free descriptors.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pring.h"
#include "fuzz_ring.h"

#define MAX_SIZE 40
#define MAX_TOKENS 8192

/* What the harness knows about each buffer it posted (cookie = token + 1). */
struct token {
	uint8_t out;    /* posted and not yet returned */
	uint8_t ndesc;
	uint32_t wlen;
};

struct world {
	struct pring_layout l;
	struct pring_drv d;
	struct pring_drv_slot *slot;
	bool in_order;
	struct token tok[MAX_TOKENS];
	uint32_t ntok;       /* tokens handed out so far */
	uint32_t oldest;     /* in order: oldest outstanding token */
	uint32_t out_descs;  /* descriptors of outstanding tokens */
};

static void *cookie_of(uint32_t t) { return (void *)(uintptr_t)(t + 1); }

static void posted(struct world *w, uint32_t t, uint8_t ndesc, uint32_t wlen)
{
	w->tok[t] = (struct token){ 1, ndesc, wlen };
	w->out_descs += ndesc;
}

static void returned(struct world *w, void *cookie, uint32_t len, bool check_len)
{
	uintptr_t c = (uintptr_t)cookie;
	uint32_t t;

	if (c == 0 || c > w->ntok)
		abort(); /* never posted */
	t = (uint32_t)(c - 1);
	if (!w->tok[t].out)
		abort(); /* returned twice */
	if (check_len && len > w->tok[t].wlen)
		abort();
	if (w->in_order) {
		if (t != w->oldest)
			abort();
		w->oldest++;
	}
	w->tok[t].out = 0;
	w->out_descs -= w->tok[t].ndesc;
}

static void check_end(const struct world *w)
{
	const struct pring_drv *d = &w->d;

	if (d->nr_free > w->l.size || d->nr_free + w->out_descs != w->l.size ||
	    d->avail_idx >= w->l.size || d->used_idx >= w->l.size) {
		fprintf(stderr, "fuzz_drv: accounting mismatch: nr_free %u out_descs %u avail %u used %u nr_out %u broken %u\n", d->nr_free, w->out_descs, d->avail_idx, d->used_idx, d->nr_out, d->broken);
		abort();
	}
}

static void op_post(struct world *w, struct input *in)
{
	uint64_t addr[8];
	uint32_t len[8];
	void *ck[8];
	uint16_t n = take(in) % 9;
	bool write = take(in) & 1;
	uint16_t got;

	if (w->ntok + n > MAX_TOKENS)
		return;
	for (uint16_t i = 0; i < n; i++) {
		addr[i] = 0x1000 + 64 * i;
		len[i] = 1 + take(in);
		ck[i] = cookie_of(w->ntok + i);
	}
	got = pring_drv_post(&w->d, addr, len, ck, n, write);
	if (got > n)
		abort();
	for (uint16_t i = 0; i < got; i++)
		posted(w, w->ntok + i, 1, write ? len[i] : 0);
	w->ntok += got;
}

static void op_post_chain(struct world *w, struct input *in)
{
	struct pring_sg sg[4];
	uint16_t nseg = 1 + take(in) % 4;
	uint8_t wmask = take(in);
	uint32_t wlen = 0;
	int r;

	if (w->ntok + 1 > MAX_TOKENS)
		return;
	for (uint16_t i = 0; i < nseg; i++) {
		/* readable first, then writable: the mask only picks where writes start */
		sg[i] = (struct pring_sg){ 0x2000 + 64 * i, 1 + take(in) % 64, i >= (wmask % 5) };
		if (sg[i].write)
			wlen += sg[i].len;
	}
	r = pring_drv_post_chain(&w->d, sg, nseg, cookie_of(w->ntok));
	if (r == 1) {
		posted(w, w->ntok, (uint8_t)nseg, wlen);
		w->ntok++;
	} else if (r != 0 && !(r < 0 && nseg > w->l.size)) {
		abort();
	}
}

static void op_reap(struct world *w, struct input *in)
{
	void *ck[MAX_SIZE];
	uint32_t len[MAX_SIZE];
	uint16_t n = take(in) % (MAX_SIZE + 1);
	uint16_t got = pring_drv_reap(&w->d, ck, len, n);

	if (got > n)
		abort();
	for (uint16_t i = 0; i < got; i++)
		returned(w, ck[i], len[i], true);
}

/* An honest device's write: a used entry at the driver's next used slot. */
static void op_honest(struct world *w, struct input *in)
{
	struct pring_desc *e = &w->l.used[w->d.used_idx];
	uint16_t id = take(in) % w->l.size;

	/* Often name the id the driver put in the matching descriptor. */
	if (take(in) & 1)
		id = w->l.avail[w->d.used_idx].id % w->l.size;
	e->id = id;
	e->len = take(in);
	e->addr = w->d.used_lap;
	__atomic_store_n(&e->flags, (uint16_t)((w->d.used_wrap ? (PRING_DESC_F_AVAIL |
								   PRING_DESC_F_USED) : 0) |
					       (take(in) & PRING_DESC_F_WRITE)),
			 __ATOMIC_RELEASE);
}

static void reset_cb(void *cookie, void *arg)
{
	returned(arg, cookie, 0, false);
}

static void run_op(struct world *w, struct input *in)
{
	switch (take(in) % 10) {
	case 0:
		op_post(w, in);
		break;
	case 1:
		op_post_chain(w, in);
		break;
	case 2:
		op_reap(w, in);
		break;
	case 3:
		(void)pring_drv_need_kick(&w->d);
		break;
	case 4:
		pring_drv_set_event(&w->d, take(in) % 4);
		break;
	case 5: /* the peer rewrites a used slot */
		take_bytes(in, &w->l.used[take(in) % w->l.size], sizeof(struct pring_desc));
		break;
	case 6: /* the peer rewrites its event area */
		take_bytes(in, w->l.dev_event, sizeof(*w->l.dev_event));
		break;
	case 7:
		pring_drv_reset(&w->d, reset_cb, w);
		if (w->out_descs != 0)
			abort(); /* a cookie was not handed back */
		w->oldest = w->ntok;
		if (w->l.used != w->l.avail)
			memset(w->l.used, 0, (size_t)w->l.size * sizeof(struct pring_desc));
		break;
	default:
		op_honest(w, in);
		break;
	}
	check_end(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct world *w = calloc(1, sizeof(*w));
	uint16_t n = (uint16_t)(1 + take(&in) % MAX_SIZE);
	uint8_t mode = take(&in);
	size_t ring = (size_t)n * sizeof(struct pring_desc);
	struct fz_ring r;
	int ops = 0;

	fz_ring_alloc(&r, &w->l, n, mode & 1);
	take_bytes(&in, w->l.used, ring);
	take_bytes(&in, w->l.dev_event, sizeof(*w->l.dev_event));
	w->in_order = (mode >> 1) & 1;
	w->slot = malloc(n * sizeof(*w->slot)); /* exact size: ASan flags any id beyond it */
	if (pring_drv_init(&w->d, &w->l, w->slot, w->in_order, (mode >> 2) & 1) != 0)
		abort();
	while (in.n > 0 && ops++ < 4096)
		run_op(w, &in);
	free(w->slot);
	fz_ring_free(&r);
	free(w);
	return 0;
}
