/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * libFuzzer harness for the device end: the input is what a hostile driver
 * writes (the initial descriptor ring and event area, then writes between
 * our calls) interleaved with the calls a PMD makes.
 *
 * Input: [size][mode][size * 16 bytes of ring][4 bytes driver event][ops...]
 * Every op is one opcode byte plus argument bytes; see run_op().
 * Beyond what ASan/UBSan catch, it checks that every segment handed out lies
 * inside the data window and that the end's counters stay within the ring.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pring.h"
#include "fuzz_ring.h"

#define DATA0 0x1000ULL
#define DATA0_LEN 512
#define DATA1 0x7fff0000ULL
#define DATA1_LEN 256
#define MAX_SIZE 40

struct world {
	struct pring_layout l;
	struct pring_xlate x;
	struct pring_dev v;
	uint8_t *data0, *data1;
	struct pring_chain fifo[MAX_SIZE]; /* peeked, not yet completed, oldest first */
	uint16_t nfifo;
};

static void check_seg(const struct world *w, const struct pring_seg *s)
{
	const uint8_t *p = s->ptr;
	const uint8_t *base;
	size_t len;

	if (p >= w->data0 && p < w->data0 + DATA0_LEN) {
		base = w->data0;
		len = DATA0_LEN;
	} else if (p >= w->data1 && p < w->data1 + DATA1_LEN) {
		base = w->data1;
		len = DATA1_LEN;
	} else {
		abort();
	}
	if (s->len == 0 || s->len > len - (size_t)(p - base))
		abort();
	/* Touch both ends: ASan reports if the range were outside the allocation. */
	((volatile uint8_t *)p)[0] ^= 0;
	((volatile uint8_t *)p)[s->len - 1] ^= 0;
}

static void check_end(const struct world *w)
{
	const struct pring_dev *v = &w->v;

	if (v->avail_idx >= w->l.size || v->used_idx >= w->l.size || v->pending > w->l.size ||
	    v->pending_desc > w->l.size || v->pending != w->nfifo)
		abort();
}

static void op_peek(struct world *w, struct input *in)
{
	struct pring_chain ch[MAX_SIZE];
	struct pring_seg seg[64];
	uint16_t max_chains = take(in) % (MAX_SIZE + 1);
	uint32_t max_segs = take(in) % 65;
	uint16_t n = pring_dev_peek(&w->v, ch, max_chains, seg, max_segs);
	uint32_t used = 0;

	if (n > max_chains)
		abort();
	for (uint16_t i = 0; i < n; i++) {
		uint64_t r = 0, wr = 0;

		if (ch[i].id >= w->l.size || ch[i].ndesc == 0 || ch[i].seg0 != used)
			abort();
		for (uint16_t s = 0; s < ch[i].ndesc; s++) {
			const struct pring_seg *g = &seg[ch[i].seg0 + s];

			check_seg(w, g);
			if (g->write)
				wr += g->len;
			else
				r += g->len;
		}
		if (r != ch[i].rlen || wr != ch[i].wlen)
			abort();
		used += ch[i].ndesc;
		if (w->nfifo >= MAX_SIZE)
			abort(); /* more chains pending than slots */
		w->fifo[w->nfifo++] = ch[i];
	}
	if (used > max_segs)
		abort();
}

/*
 * The flat peek (copy and zero-copy receive): single-descriptor buffers only,
 * each with its id; kept in the fifo as one-descriptor chains.
 */
static void op_peek_flat(struct world *w, struct input *in)
{
	void *ptr[MAX_SIZE];
	uint32_t len[MAX_SIZE];
	uint16_t id[MAX_SIZE];
	uint16_t max = take(in) % (MAX_SIZE + 1);
	uint32_t max_len = 1 + take(in) * 2;
	bool other = false;
	uint16_t n = pring_dev_peek_flat_id(&w->v, ptr, len, id, max, max_len, &other);

	if (n > max)
		abort();
	for (uint16_t i = 0; i < n; i++) {
		struct pring_seg g = { .ptr = ptr[i], .len = len[i] };

		check_seg(w, &g);
		if (len[i] > max_len || id[i] >= w->l.size || w->nfifo >= MAX_SIZE)
			abort();
		w->fifo[w->nfifo++] = (struct pring_chain){ .id = id[i], .ndesc = 1, .rlen = len[i] };
	}
}

static void drop_oldest(struct world *w, uint16_t n)
{
	memmove(w->fifo, w->fifo + n, (size_t)(w->nfifo - n) * sizeof(w->fifo[0]));
	w->nfifo = (uint16_t)(w->nfifo - n);
}

static void op_complete(struct world *w, struct input *in, bool in_order)
{
	uint16_t n = take(in) % (MAX_SIZE + 1);
	uint32_t written[MAX_SIZE];

	if (w->v.broken)
		return;
	if (n > w->nfifo)
		n = w->nfifo;
	for (uint16_t i = 0; i < n; i++)
		written[i] = (uint32_t)take(in) * 3;
	if (in_order)
		pring_dev_complete_in_order(&w->v, w->fifo, n);
	else
		pring_dev_complete(&w->v, w->fifo, n, written);
	drop_oldest(w, n);
}

/*
 * The oldest peeked buffers completed by id and bytes written, in any
 * order among them (a batch transmit): only a leading run of
 * single-descriptor chains qualifies, each written within what it offered.
 */
static void op_complete_flat(struct world *w, struct input *in)
{
	uint16_t n = take(in) % (MAX_SIZE + 1), i, id[MAX_SIZE];
	uint32_t written[MAX_SIZE];
	uint16_t before = w->v.pending;

	if (w->v.broken)
		return;
	if (n > w->nfifo)
		n = w->nfifo;
	for (i = 0; i < n && w->fifo[i].ndesc == 1; i++) {
		uint32_t wlen = w->fifo[i].wlen;

		written[i] = wlen ? take(in) % (wlen + 1) : 0;
		id[i] = w->fifo[i].id;
	}
	n = i;
	/* a swap now and then: the entries may name the buffers in any order */
	if (n > 1 && (take(in) & 1)) {
		uint16_t t = id[0];

		id[0] = id[n - 1];
		id[n - 1] = t;
	}
	pring_dev_complete_flat(&w->v, id, written, n);
	if (w->v.pending != before - n)
		abort();
	drop_oldest(w, n);
}

/*
 * A run of the oldest peeked chains completed from the counts the caller
 * kept (zero-copy receive); now and then counts that are not what is
 * pending, which must complete nothing.
 */
static void op_complete_run(struct world *w, struct input *in)
{
	uint16_t n = take(in) % (MAX_SIZE + 1), i;
	uint32_t ndesc = 0;
	uint8_t lie = take(in);
	uint16_t before = w->v.pending;

	if (w->v.broken)
		return;
	if (n > w->nfifo)
		n = w->nfifo;
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		ndesc += w->fifo[i].ndesc;
	if (lie & 1) {
		/* more chains or descriptors than are pending, or fewer descriptors than chains */
		if ((lie >> 1) % 3 == 0)
			pring_dev_complete_run_in_order(&w->v, (uint16_t)(before + 1), ndesc + 1, 0);
		else if ((lie >> 1) % 3 == 1)
			pring_dev_complete_run_in_order(&w->v, n, w->v.pending_desc + 1u, 0);
		else
			pring_dev_complete_run_in_order(&w->v, n, n - 1u, 0);
		if (w->v.pending != before)
			abort();
		return;
	}
	pring_dev_complete_run_in_order(&w->v, n, ndesc, w->fifo[n - 1].id);
	if (w->v.pending != before - n)
		abort();
	drop_oldest(w, n);
}

/* An honest driver's write: a valid descriptor at the slot the device looks at next. */
static void op_honest(struct world *w, struct input *in)
{
	uint16_t k = take(in) % w->l.size;
	uint32_t idx = w->v.avail_idx + k;
	uint8_t wrap = w->v.avail_wrap;
	struct pring_desc *d;

	if (idx >= w->l.size) {
		idx -= w->l.size;
		wrap ^= 1;
	}
	d = &w->l.avail[idx];
	d->addr = DATA0 + take(in) % 256;
	d->len = 1 + take(in) % 200;
	d->id = take(in) % w->l.size;
	__atomic_store_n(&d->flags, (uint16_t)((wrap ? PRING_DESC_F_AVAIL : PRING_DESC_F_USED) |
					       (take(in) & (PRING_DESC_F_NEXT | PRING_DESC_F_WRITE))),
			 __ATOMIC_RELEASE);
}

static void run_op(struct world *w, struct input *in)
{
	switch (take(in) % 12) {
	case 0:
		op_peek(w, in);
		break;
	case 1:
		op_complete(w, in, false);
		break;
	case 2:
		op_complete(w, in, true);
		break;
	case 3:
		(void)pring_dev_need_call(&w->v);
		break;
	case 4:
		pring_dev_set_event(&w->v, take(in) % 4);
		break;
	case 5: /* the peer rewrites a descriptor */
		take_bytes(in, &w->l.avail[take(in) % w->l.size], sizeof(struct pring_desc));
		break;
	case 6: /* the peer rewrites its event area */
		take_bytes(in, w->l.drv_event, sizeof(*w->l.drv_event));
		break;
	case 7:
		pring_dev_reset(&w->v);
		w->nfifo = 0;
		break;
	case 9:
		op_peek_flat(w, in);
		break;
	case 10:
		op_complete_run(w, in);
		break;
	case 11:
		op_complete_flat(w, in);
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
	bool split = mode & 1;
	size_t ring = (size_t)n * sizeof(struct pring_desc);
	struct fz_ring r;
	int ops = 0;

	fz_ring_alloc(&r, &w->l, n, split);
	take_bytes(&in, w->l.avail, ring);
	take_bytes(&in, w->l.drv_event, sizeof(*w->l.drv_event));
	w->data0 = malloc(DATA0_LEN);
	w->data1 = malloc(DATA1_LEN);
	w->x.nr = 2;
	w->x.region[0] = (struct pring_region){ DATA0, DATA0_LEN, w->data0 };
	w->x.region[1] = (struct pring_region){ DATA1, DATA1_LEN, w->data1 };
	if (pring_dev_init(&w->v, &w->l, &w->x, (uint16_t)(take(&in) % n), (mode >> 1) & 1,
			   (mode >> 2) & 1) != 0)
		abort();
	while (in.n > 0 && ops++ < 4096)
		run_op(w, &in);
	free(w->data0);
	free(w->data1);
	fz_ring_free(&r);
	free(w);
	return 0;
}
