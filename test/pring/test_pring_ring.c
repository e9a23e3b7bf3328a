/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* pring behaviour with honest peers: empty/full, laps, chains, in-order, out-of-order. */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pring_env.h"

#define PLAIN 0
#define SPLIT 1

static uintptr_t ck(uint64_t v) { return (uintptr_t)v; }

/*
 * Check records a checkpoint through a pipe on every ck_assert: in hot loops
 * test first and only call into Check on failure.
 */
#define REQUIRE_(a, op, b) do { \
	if (!((a) op (b))) \
		ck_abort_msg("%s:%d: %s %s %s", __FILE__, __LINE__, #a, #op, #b); \
} while (0)
#define REQUIRE_EQ(a, b) REQUIRE_(a, ==, b)
#define REQUIRE_GE(a, b) REQUIRE_(a, >=, b)
#define REQUIRE_LT(a, b) REQUIRE_(a, <, b)

START_TEST(empty_ring)
{
	struct penv e;
	struct pring_chain ch[4];
	struct pring_seg seg[4];
	void *c[4];

	penv_init(&e, 8, _i == SPLIT, false, false);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 4), 0);
	ck_assert_uint_eq(pring_drv_reap(&e.d, c, NULL, 4), 0);
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 8);
	ck_assert_uint_eq(penv_errs(&e.d.stats) + penv_errs(&e.v.stats), 0);
	penv_fini(&e);
}
END_TEST

START_TEST(full_ring)
{
	struct penv e;
	uint64_t addr[7];
	uint32_t len[7];
	void *cookie[7], *got[7];
	struct pring_chain ch[8];
	struct pring_seg seg[8];
	unsigned int seen = 0;

	penv_init(&e, 5, _i == SPLIT, false, false); /* not a power of two */
	for (int i = 0; i < 7; i++) {
		addr[i] = penv_addr(64 * i);
		len[i] = 64;
		cookie[i] = (void *)ck(100 + i);
	}
	ck_assert_uint_eq(pring_drv_post(&e.d, addr, len, cookie, 7, false), 5);
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 0);
	ck_assert_uint_eq(pring_drv_post(&e.d, addr, len, cookie, 1, false), 0);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 8, seg, 8), 5);
	/* The device holds the whole ring: nothing more to find. */
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch + 5, 3, seg + 5, 3), 0);
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_lt(ch[i].id, 5);
		seen |= 1u << ch[i].id;
		ck_assert_ptr_eq(seg[i].ptr, e.data + 64 * i);
		ck_assert_uint_eq(ch[i].rlen, 64);
		ck_assert_uint_eq(ch[i].wlen, 0);
	}
	ck_assert_uint_eq(seen, 0x1f);
	/* Asking to complete more than was peeked completes what was peeked. */
	pring_dev_complete(&e.v, ch, 8, NULL);
	ck_assert_uint_eq(e.v.pending, 0);
	ck_assert_uint_eq(e.v.stats.descs, 5);
	pring_dev_complete(&e.v, ch, 1, NULL);
	ck_assert_uint_eq(e.v.stats.bufs, 5);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, NULL, 7), 5);
	for (int i = 0; i < 5; i++)
		ck_assert_ptr_eq(got[i], cookie[i]);
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 5);
	ck_assert_uint_eq(e.d.stats.bufs, 5);
	ck_assert_uint_eq(e.v.stats.bufs, 5);
	penv_fini(&e);
}
END_TEST

START_TEST(writable_roundtrip)
{
	struct penv e;
	struct pring_chain ch[2];
	struct pring_seg seg[2];
	uint32_t written = 20, len[1];
	void *got[1];

	penv_init(&e, 4, _i == SPLIT, true, false);
	ck_assert_uint_eq(penv_post1(&e, 256, 100, true, (void *)ck(7)), 1);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 2, seg, 2), 1);
	ck_assert_uint_eq(ch[0].wlen, 100);
	ck_assert_uint_eq(seg[0].write, 1);
	memset(seg[0].ptr, 0xab, written);
	pring_dev_complete(&e.v, ch, 1, &written);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 1), 1);
	ck_assert_ptr_eq(got[0], (void *)ck(7));
	ck_assert_uint_eq(len[0], 20);
	ck_assert_uint_eq(e.data[256 + 19], 0xab);
	ck_assert_uint_eq(e.data[256 + 20], 0);
	/* The device never reports more than was offered. */
	written = 1000;
	ck_assert_uint_eq(penv_post1(&e, 0, 10, true, NULL), 1);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 2, seg, 2), 1);
	pring_dev_complete(&e.v, ch, 1, &written);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 1), 1);
	ck_assert_uint_eq(len[0], 10);
	ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
	penv_fini(&e);
}
END_TEST

/*
 * A batch's entries after its head (written by the tail writer) each report
 * what was written into their own buffer, clamped to it, flagged WRITE only
 * when non-zero, and the batches cross the ring's end.
 */
START_TEST(batch_written_per_entry)
{
	static const uint32_t offered[3] = { 10, 20, 30 }, written[3] = { 5, 1000, 0 },
			      want[3] = { 5, 20, 0 };
	struct penv e;
	struct pring_chain ch[4];
	struct pring_seg seg[4];
	uint32_t len[3];
	void *got[3];

	penv_init(&e, 4, _i == SPLIT, false, false);
	/* slots 0-2, then 3,0,1 and 2,3,0: the tail crosses the ring's end */
	for (int round = 0; round < 4; round++) {
		for (uint16_t k = 0; k < 3; k++)
			ck_assert_uint_eq(penv_post1(&e, 256u * k, offered[k], true,
						     (void *)ck(10u * round + k + 1)), 1);
		ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 4), 3);
		pring_dev_complete(&e.v, ch, 3, written);
		ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 3), 3);
		for (uint16_t k = 0; k < 3; k++) {
			ck_assert_ptr_eq(got[k], (void *)ck(10u * round + k + 1));
			ck_assert_uint_eq(len[k], want[k]);
		}
		ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
		ck_assert_uint_eq(e.v.pending, 0);
		ck_assert_uint_eq(e.v.pending_desc, 0);
	}
	ck_assert_uint_eq(e.v.used_idx, 0);
	ck_assert_uint_eq(e.v.used_wrap, 0);
	ck_assert_uint_eq(e.v.stats.bufs, 12);
	penv_fini(&e);
}
END_TEST

/*
 * pring_dev_complete_flat(): one used entry per single-descriptor buffer,
 * with the id and byte count given, across the ring's end and in both
 * layouts; never more entries than were peeked.
 */
START_TEST(flat_written_per_entry)
{
	static const uint32_t written[3] = { 5, 17, 0 };
	struct penv e;
	struct pring_chain ch[4];
	struct pring_seg seg[4];
	uint16_t id[4];
	uint32_t len[4];
	void *got[4];

	penv_init(&e, 4, _i == SPLIT, false, false);
	/* slots 0-2, then 3,0,1 and 2,3,0: the entries cross the ring's end */
	for (int round = 0; round < 4; round++) {
		for (uint16_t k = 0; k < 3; k++)
			ck_assert_uint_eq(penv_post1(&e, 256u * k, 20, true,
						     (void *)ck(10u * round + k + 1)), 1);
		ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 4), 3);
		/* completed out of order: the ids say which buffer each entry is */
		id[0] = ch[1].id;
		id[1] = ch[0].id;
		id[2] = ch[2].id;
		/* asked for one more than was peeked: only the 3 pending are completed */
		pring_dev_complete_flat(&e.v, id, written, 4);
		ck_assert_uint_eq(e.v.pending, 0);
		ck_assert_uint_eq(e.v.pending_desc, 0);
		ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 4), 3);
		ck_assert_ptr_eq(got[0], (void *)ck(10u * round + 2));
		ck_assert_ptr_eq(got[1], (void *)ck(10u * round + 1));
		ck_assert_ptr_eq(got[2], (void *)ck(10u * round + 3));
		for (uint16_t k = 0; k < 3; k++)
			ck_assert_uint_eq(len[k], written[k]);
		ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
	}
	ck_assert_uint_eq(e.v.used_idx, 0);
	ck_assert_uint_eq(e.v.used_wrap, 0);
	ck_assert_uint_eq(e.v.stats.bufs, 12);
	ck_assert_uint_eq(e.v.stats.descs, 12);
	/* nothing pending: nothing written */
	pring_dev_complete_flat(&e.v, id, written, 2);
	ck_assert_uint_eq(e.v.used_idx, 0);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 4), 0);
	penv_fini(&e);
}
END_TEST

/* Deterministic generator for the traffic tests. */
static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/*
 * Move @p total buffers through the ring in random batches, a fifth of them
 * chains of 2-3 segments, each buffer's first 8 bytes carrying its sequence
 * number. Checks order, payload, ids and lengths end to end.
 */
static void traffic(struct penv *e, uint64_t total, bool in_order_batches, uint64_t seed)
{
	uint64_t s = seed, next_post = 0, next_peek = 0, next_reap = 0;
	const uint32_t buf = 32, nbuf = PENV_DATA / buf;
	struct pring_chain ch[40];
	struct pring_seg seg[128];
	void *got[40];
	uint32_t len[40], wr[40];

	while (next_reap < total) {
		uint32_t want = 1 + rnd(&s) % 33;

		/* driver: post singles in one batch, or one chain */
		if (rnd(&s) % 5 == 0 && next_post < total) {
			uint64_t off = (next_post % nbuf) * buf;
			uint16_t nseg = (uint16_t)(2 + rnd(&s) % 2);
			/* readable 8 (+ readable 8), then writable 16 */
			struct pring_sg sg[3] = {
				{ penv_addr(off), 8, 0 },
				{ penv_addr(off + 8), 8, 0 },
				{ penv_addr(off + 16), 16, 1 },
			};

			if (nseg == 2)
				sg[1] = sg[2];

			memcpy(e->data + off, &next_post, 8);
			if (nseg <= e->size) {
				int r = pring_drv_post_chain(&e->d, sg, nseg, (void *)ck(next_post + 1));

				REQUIRE_GE(r, 0);
				next_post += (uint64_t)r;
			}
		} else {
			uint64_t addr[33];
			uint32_t l[33];
			void *c[33];
			uint32_t n = 0;

			for (; n < want && next_post + n < total; n++) {
				uint64_t off = ((next_post + n) % nbuf) * buf;
				uint64_t seq = next_post + n;

				memcpy(e->data + off, &seq, 8);
				addr[n] = penv_addr(off);
				l[n] = buf;
				c[n] = (void *)ck(seq + 1);
			}
			next_post += pring_drv_post(&e->d, addr, l, c, (uint16_t)n, false);
		}
		/* device: peek a random amount, check, complete */
		uint16_t got_ch = pring_dev_peek(&e->v, ch, (uint16_t)(1 + rnd(&s) % 40), seg, 128);
		bool all_ro = true;

		for (uint16_t i = 0; i < got_ch; i++) {
			uint64_t seq;

			REQUIRE_LT(ch[i].id, e->size);
			REQUIRE_GE(ch[i].ndesc, 1);
			memcpy(&seq, seg[ch[i].seg0].ptr, 8);
			REQUIRE_EQ(seq, next_peek);
			if (ch[i].ndesc > 1) {
				REQUIRE_EQ(ch[i].wlen, 16);
				all_ro = false;
			}
			next_peek++;
			wr[i] = ch[i].wlen;
		}
		if (in_order_batches && all_ro && e->d.in_order)
			pring_dev_complete_in_order(&e->v, ch, got_ch);
		else
			pring_dev_complete(&e->v, ch, got_ch, wr);
		/* driver: reap a random amount */
		uint16_t r = pring_drv_reap(&e->d, got, len, (uint16_t)(1 + rnd(&s) % 40));

		for (uint16_t i = 0; i < r; i++) {
			REQUIRE_EQ(got[i], (void *)ck(next_reap + 1));
			next_reap++;
		}
		REQUIRE_EQ(e->d.broken, 0);
		REQUIRE_EQ(e->v.broken, 0);
	}
	REQUIRE_EQ(next_peek, total);
	REQUIRE_EQ(pring_drv_free_count(&e->d), e->size);
	REQUIRE_EQ(penv_errs(&e->d.stats) + penv_errs(&e->v.stats), 0);
}

static const uint16_t lap_sizes[] = { 1, 2, 3, 7, 64, 100, 255, 256, 1000 };

/* _i: size index * 4 + layout * 2 + in_order */
START_TEST(wrap_laps)
{
	uint16_t size = lap_sizes[_i / 4];
	struct penv e;

	penv_init(&e, size, (_i >> 1) & 1, _i & 1, false);
	traffic(&e, (uint64_t)size * 2000 + 77, true, 42 + (uint64_t)_i);
	ck_assert_uint_ge(e.d.stats.descs, (uint64_t)size * 2000);
	penv_fini(&e);
}
END_TEST

START_TEST(chain_wraps_ring_end)
{
	struct penv e;
	struct pring_chain ch[2];
	struct pring_seg seg[4];
	uint32_t written = 5, len;
	void *got;
	struct pring_sg sg[3] = {
		{ penv_addr(0), 10, 0 },
		{ penv_addr(100), 20, 0 },
		{ penv_addr(200), 30, 1 },
	};

	penv_init(&e, 4, _i == SPLIT, false, false);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 0);
	/* Move to slot 3 so the chain occupies slots 3, 0, 1 across the wrap. */
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
		ck_assert_uint_eq(penv_roundtrip(&e, 0), 1);
	}
	ck_assert_int_eq(pring_drv_post_chain(&e.d, sg, 3, (void *)ck(9)), 1);
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 1);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 2, seg, 4), 1);
	ck_assert_uint_eq(ch[0].ndesc, 3);
	ck_assert_uint_eq(ch[0].seg0, 0);
	ck_assert_uint_eq(ch[0].rlen, 30);
	ck_assert_uint_eq(ch[0].wlen, 30);
	ck_assert_ptr_eq(seg[0].ptr, e.data);
	ck_assert_ptr_eq(seg[1].ptr, e.data + 100);
	ck_assert_ptr_eq(seg[2].ptr, e.data + 200);
	ck_assert_uint_eq(seg[2].write, 1);
	pring_dev_complete(&e.v, ch, 1, &written);
	ck_assert_uint_eq(pring_drv_reap(&e.d, &got, &len, 1), 1);
	ck_assert_ptr_eq(got, (void *)ck(9));
	ck_assert_uint_eq(len, 5);
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 4);
	ck_assert_uint_eq(e.d.used_idx, 2);
	ck_assert_uint_eq(e.d.used_wrap, 0);
	penv_fini(&e);
}
END_TEST

START_TEST(post_chain_rejects_malformed)
{
	struct penv e;
	struct pring_sg ok = { penv_addr(0), 8, 0 };
	struct pring_sg rw[2] = { { penv_addr(0), 8, 1 }, { penv_addr(8), 8, 0 } };
	struct pring_sg zero = { penv_addr(0), 0, 0 };
	struct pring_sg big[2] = { { penv_addr(0), 0xffffffffu, 1 }, { penv_addr(0), 2, 1 } };
	struct pring_sg five[5] = { ok, ok, ok, ok, ok };

	penv_init(&e, 4, _i == SPLIT, false, false);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, &ok, 0, NULL), -EINVAL);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, five, 5, NULL), -EINVAL);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, rw, 2, NULL), -EINVAL);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, &zero, 1, NULL), -EINVAL);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, big, 2, NULL), -EINVAL);
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 4);
	/* Too few free descriptors is not malformed: 0. */
	ck_assert_int_eq(pring_drv_post_chain(&e.d, five, 3, NULL), 1);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, five, 2, NULL), 0);
	ck_assert_int_eq(pring_drv_post_chain(&e.d, five, 1, NULL), 1);
	penv_fini(&e);
}
END_TEST

START_TEST(in_order_batch)
{
	struct penv e;
	struct pring_chain ch[16];
	struct pring_seg seg[16];
	void *got[16];
	uint32_t len[16];

	penv_init(&e, 16, _i == SPLIT, true, false);
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(penv_post1(&e, 16 * i, 16, false, (void *)ck(i + 1)), 1);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 16, seg, 16), 10);
	pring_dev_complete_in_order(&e.v, ch, 10);
	/* One used entry, at slot 0, naming the last id. */
	ck_assert_uint_eq(e.l.used[0].id, ch[9].id);
	ck_assert_uint_eq(e.v.used_idx, 10);
	ck_assert_uint_eq(e.v.pending, 0);
	/* Returned across several reaps, oldest first. */
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 3), 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_ptr_eq(got[i], (void *)ck(i + 1));
		ck_assert_uint_eq(len[i], 0);
	}
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 9);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 16), 7);
	for (int i = 0; i < 7; i++)
		ck_assert_ptr_eq(got[i], (void *)ck(i + 4));
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 16);
	ck_assert_uint_eq(e.d.used_idx, 10);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 16), 0);
	penv_fini(&e);
}
END_TEST

/* A foreign device that batches with IN_ORDER: one entry naming a middle id completes up to it. */
/*
 * pring_dev_complete_flat_in_order(): one entry per batch of single
 * descriptors, across the ring's end, never more than was peeked.
 */
START_TEST(flat_in_order_batches)
{
	struct penv e;
	struct pring_chain ch[8];
	struct pring_seg seg[8];
	void *got[8];
	uint32_t len[8];
	uint64_t next = 1;

	penv_init(&e, 8, _i == SPLIT, true, false);
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 6; i++)
			ck_assert_uint_eq(penv_post1(&e, 16u * (uint32_t)i, 16, false,
						     (void *)ck(next + (uint64_t)i)), 1);
		ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 8, seg, 8), 6);
		/* asked for more than was peeked: only the 6 pending are completed */
		pring_dev_complete_flat_in_order(&e.v, 8, ch[5].id);
		ck_assert_uint_eq(e.v.pending, 0);
		ck_assert_uint_eq(e.v.pending_desc, 0);
		ck_assert_uint_eq(e.v.used_idx, (6u * (round + 1)) % 8);
		ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 8), 6);
		for (int i = 0; i < 6; i++) {
			ck_assert_ptr_eq(got[i], (void *)ck(next + (uint64_t)i));
			ck_assert_uint_eq(len[i], 0);
		}
		next += 6;
		ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
	}
	ck_assert_uint_eq(e.v.stats.bufs, 30);
	ck_assert_uint_eq(e.v.stats.descs, 30);
	/* nothing pending: nothing written */
	pring_dev_complete_flat_in_order(&e.v, 4, 0);
	ck_assert_uint_eq(e.v.used_idx, 6);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 8), 0);
	penv_fini(&e);
}
END_TEST

/*
 * pring_dev_peek_flat_id() hands out each buffer's id, and
 * pring_dev_complete_run_in_order() completes runs of chains of any length
 * the caller counted itself (zero-copy receive), across the ring's end;
 * counts that are not what is pending complete nothing.
 */
START_TEST(run_in_order_completes_counted_runs)
{
	struct penv e;
	struct pring_chain ch[4];
	struct pring_seg seg[8];
	void *ptr[8], *got[8];
	uint32_t len[8];
	uint16_t id[8];
	uint64_t next = 1;
	bool other;

	penv_init(&e, 8, _i == SPLIT, true, false);
	for (int round = 0; round < 4; round++) {
		struct pring_sg sg[2] = {
			{ .addr = penv_addr(512), .len = 16, .write = 0 },
			{ .addr = penv_addr(528), .len = 16, .write = 0 },
		};

		/* 3 single buffers, then a chain of 2 */
		for (int i = 0; i < 3; i++)
			ck_assert_uint_eq(penv_post1(&e, 16u * (uint32_t)i, 16, false,
						     (void *)ck(next + (uint64_t)i)), 1);
		ck_assert_int_eq(pring_drv_post_chain(&e.d, sg, 2, (void *)ck(next + 3)), 1);
		ck_assert_uint_eq(pring_dev_peek_flat_id(&e.v, ptr, len, id, 8, 64, &other), 3);
		ck_assert(other); /* the chain is left to pring_dev_peek */
		for (int i = 0; i < 3; i++) {
			ck_assert_uint_eq(len[i], 16);
			ck_assert_ptr_eq(ptr[i], e.data + 16 * i);
		}
		ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 8), 1);
		ck_assert_uint_eq(ch[0].ndesc, 2);
		/* refused: more chains or descriptors than pending, fewer descriptors than chains */
		pring_dev_complete_run_in_order(&e.v, 5, 5, ch[0].id);
		pring_dev_complete_run_in_order(&e.v, 4, 6, ch[0].id);
		pring_dev_complete_run_in_order(&e.v, 2, 1, id[1]);
		ck_assert_uint_eq(e.v.pending, 4);
		ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 8), 0);
		/* the first two, then the rest (single + chain) */
		pring_dev_complete_run_in_order(&e.v, 2, 2, id[1]);
		ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 8), 2);
		ck_assert_ptr_eq(got[0], (void *)ck(next));
		ck_assert_ptr_eq(got[1], (void *)ck(next + 1));
		pring_dev_complete_run_in_order(&e.v, 2, 3, ch[0].id);
		ck_assert_uint_eq(e.v.pending, 0);
		ck_assert_uint_eq(e.v.pending_desc, 0);
		ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 8), 2);
		ck_assert_ptr_eq(got[0], (void *)ck(next + 2));
		ck_assert_ptr_eq(got[1], (void *)ck(next + 3));
		ck_assert_uint_eq(e.v.used_idx, (5u * (round + 1)) % 8);
		ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
		ck_assert_uint_eq(penv_errs(&e.v.stats), 0);
		next += 4;
	}
	ck_assert_uint_eq(e.v.stats.bufs, 16);
	ck_assert_uint_eq(e.v.stats.descs, 20);
	penv_fini(&e);
}
END_TEST

START_TEST(in_order_entry_completes_earlier)
{
	struct penv e;
	void *got[8];
	uint32_t len[8];

	penv_init(&e, 8, _i == SPLIT, true, false);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(penv_post1(&e, 16 * i, 16, true, (void *)ck(i + 1)), 1);
	penv_put_used(&e, 0, 3, 12, penv_used_bits(true) | PRING_DESC_F_WRITE, 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 8), 4);
	ck_assert_ptr_eq(got[3], (void *)ck(4));
	ck_assert_uint_eq(len[3], 12);
	ck_assert_uint_eq(len[0], 0);
	ck_assert_uint_eq(e.d.used_idx, 4);
	penv_put_used(&e, 4, 5, 0, penv_used_bits(true), 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 8), 2);
	ck_assert_ptr_eq(got[1], (void *)ck(6));
	ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
	penv_fini(&e);
}
END_TEST

START_TEST(out_of_order_completion)
{
	struct penv e;
	struct pring_sg two[2] = { { penv_addr(0), 8, 0 }, { penv_addr(8), 8, 0 } };
	void *got[4];
	uint32_t len[4];
	uint16_t id_a, id_b, id_c;

	penv_init(&e, 4, _i == SPLIT, false, false);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, (void *)ck(1)), 1);   /* A: slot 0 */
	id_a = e.l.avail[0].id;
	ck_assert_int_eq(pring_drv_post_chain(&e.d, two, 2, (void *)ck(2)), 1); /* B: 1-2 */
	id_b = e.l.avail[2].id;
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, (void *)ck(3)), 1);   /* C: slot 3 */
	id_c = e.l.avail[3].id;
	ck_assert_uint_ne(id_a, id_b);
	ck_assert_uint_ne(id_b, id_c);
	/* A foreign device completes C, then B, then A, at consecutive used positions. */
	penv_put_used(&e, 0, id_c, 0, penv_used_bits(true), 1);
	penv_put_used(&e, 1, id_b, 0, penv_used_bits(true), 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 4), 2);
	ck_assert_ptr_eq(got[0], (void *)ck(3));
	ck_assert_ptr_eq(got[1], (void *)ck(2));
	ck_assert_uint_eq(e.d.used_idx, 3);
	penv_put_used(&e, 3, id_a, 0, penv_used_bits(true), 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 4), 1);
	ck_assert_ptr_eq(got[0], (void *)ck(1));
	ck_assert_uint_eq(e.d.used_idx, 0);
	ck_assert_uint_eq(e.d.used_wrap, 0);
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 4);
	ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
	/* Freed ids are reusable: a whole lap more. */
	penv_reset(&e);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 4);
	penv_fini(&e);
}
END_TEST

/*
 * Split layout: a used slot the device skipped (middle of a chain) keeps
 * old flags. Two laps later their wrap parity matches again; the lap number
 * must keep the driver from taking them for a fresh completion.
 */
START_TEST(split_stale_used_slot)
{
	struct penv e;
	struct pring_sg two[2] = { { penv_addr(0), 8, 0 }, { penv_addr(8), 8, 0 } };
	void *got[4];

	penv_init(&e, 2, true, _i, false);
	/* Lap 1: single at slot 0 and single at slot 1: used[1] gets wrap-1 flags. */
	for (int i = 0; i < 2; i++)
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 2);
	/* Lap 2: a chain over slots 0-1: used[1] is skipped. */
	ck_assert_int_eq(pring_drv_post_chain(&e.d, two, 2, NULL), 1);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 1);
	/* Lap 3 (wrap 1 again): complete slot 0, then post slot 1 and do not complete it. */
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 1);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, (void *)ck(5)), 1);
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, NULL, 4), 0);
	ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 1);
	penv_fini(&e);
}
END_TEST

/*
 * Plain layout with a foreign device (DPDK vhost, QEMU): it leaves addr as
 * the driver wrote it. Only the split layout relies on the lap in addr.
 */
START_TEST(plain_ignores_used_addr)
{
	struct penv e;
	void *got[2];
	uint32_t len[2];

	penv_init(&e, 4, false, _i, false);
	ck_assert_uint_eq(penv_post1(&e, 0, 64, true, (void *)ck(3)), 1);
	penv_put_used(&e, 0, e.l.avail[0].id, 9, penv_used_bits(true) | PRING_DESC_F_WRITE,
		      penv_addr(0));
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 2), 1);
	ck_assert_ptr_eq(got[0], (void *)ck(3));
	ck_assert_uint_eq(len[0], 9);
	/* The same entry in the split layout, without the lap, is not taken as fresh. */
	penv_fini(&e);
	penv_init(&e, 4, true, _i, false);
	ck_assert_uint_eq(penv_post1(&e, 0, 64, true, (void *)ck(3)), 1);
	penv_put_used(&e, 0, e.l.avail[0].id, 9, penv_used_bits(true) | PRING_DESC_F_WRITE,
		      penv_addr(0));
	ck_assert_uint_eq(pring_drv_reap(&e.d, got, len, 2), 0);
	ck_assert_uint_eq(penv_errs(&e.d.stats), 0);
	penv_fini(&e);
}
END_TEST

/*
 * Plain layout: the device writes id, len and flags of a used entry and
 * nothing else. A slot is the driver's again once its flags say used; the
 * device must not store to it afterwards (its addr would clobber the
 * driver's next descriptor).
 */
START_TEST(plain_device_leaves_addr)
{
	struct penv e;
	struct pring_chain ch[4];
	struct pring_seg seg[4];

	penv_init(&e, 4, false, _i, false);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(penv_post1(&e, 16 * i, 8, false, NULL), 1);
	ck_assert_uint_eq(pring_dev_peek(&e.v, ch, 4, seg, 4), 3);
	if (_i)
		pring_dev_complete_in_order(&e.v, ch, 3);
	else
		pring_dev_complete(&e.v, ch, 3, NULL);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(e.l.avail[i].addr, penv_addr(16 * i));
	penv_fini(&e);
}
END_TEST

/* A writable chain completed with nothing written: no WRITE flag, length 0. */
START_TEST(writable_nothing_written)
{
	struct penv e;
	struct pring_chain ch;
	struct pring_seg seg;
	void *got;
	uint32_t len = 77;

	penv_init(&e, 4, _i, true, false);
	ck_assert_uint_eq(penv_post1(&e, 0, 64, true, NULL), 1);
	ck_assert_uint_eq(pring_dev_peek(&e.v, &ch, 1, &seg, 1), 1);
	pring_dev_complete(&e.v, &ch, 1, NULL);
	ck_assert_uint_eq(e.l.used[0].flags & PRING_DESC_F_WRITE, 0);
	ck_assert_uint_eq(pring_drv_reap(&e.d, &got, &len, 1), 1);
	ck_assert_uint_eq(len, 0);
	penv_fini(&e);
}
END_TEST

static void count_cookie(void *cookie, void *arg)
{
	*(uintptr_t *)arg += (uintptr_t)cookie;
}

START_TEST(reset_returns_cookies)
{
	struct penv e;
	uintptr_t sum = 0;

	penv_init(&e, 8, _i & 1, (_i >> 1) & 1, false);
	for (int i = 1; i <= 5; i++)
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, (void *)ck(i)), 1);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 5);
	for (int i = 1; i <= 3; i++)
		ck_assert_uint_eq(penv_post1(&e, 0, 8, false, (void *)ck(i * 10)), 1);
	pring_drv_reset(&e.d, count_cookie, &sum);
	pring_dev_reset(&e.v);
	ck_assert_uint_eq(sum, 60);
	ck_assert_uint_eq(e.d.stats.resets, 1);
	ck_assert_uint_eq(e.v.stats.resets, 1);
	ck_assert_uint_eq(pring_drv_free_count(&e.d), 8);
	ck_assert_uint_eq(pring_dev_base(&e.v), 0x8000);
	ck_assert_uint_eq(penv_post1(&e, 0, 8, false, NULL), 1);
	ck_assert_uint_eq(penv_roundtrip(&e, 0), 1);
	penv_fini(&e);
}
END_TEST

START_TEST(device_start_position)
{
	struct penv e;
	struct pring_dev v;

	penv_init(&e, 8, false, true, false);
	ck_assert_int_eq(pring_dev_init(&v, &e.l, &e.x, 8, true, false), -EINVAL);
	ck_assert_int_eq(pring_dev_init(&v, &e.l, NULL, 0, true, false), -EINVAL);
	ck_assert_int_eq(pring_dev_init(&v, &e.l, &e.x, 5, false, false), 0);
	ck_assert_uint_eq(pring_dev_base(&v), 5);
	ck_assert_uint_eq(v.used_idx, 5);
	ck_assert_uint_eq(v.used_wrap, 0);
	/* A buffer made available at slot 5 with wrap 0 is found there. */
	penv_put_avail(&e, 5, penv_addr(0), 8, 2, penv_avail_bits(false));
	{
		struct pring_chain ch;
		struct pring_seg seg;

		ck_assert_uint_eq(pring_dev_peek(&v, &ch, 1, &seg, 1), 1);
		ck_assert_uint_eq(ch.id, 2);
		ck_assert_uint_eq(pring_dev_base(&v), 6);
	}
	penv_fini(&e);
}
END_TEST

START_TEST(layout_and_init_checks)
{
	struct pring_layout l;
	static _Alignas(64) uint8_t mem[16 * 4 + 8 + 16];
	struct pring_drv d;
	struct pring_drv_slot slot[4];

	ck_assert_uint_eq(pring_plain_mem_size(4), 72);
	ck_assert_int_eq(pring_layout_plain(&l, mem, 0), -EINVAL);
	ck_assert_int_eq(pring_layout_plain(&l, mem + 8, 4), -EINVAL);
	ck_assert_int_eq(pring_layout_plain(&l, NULL, 4), -EINVAL);
	ck_assert_int_eq(pring_layout_plain(&l, mem, 4), 0);
	ck_assert_ptr_eq(l.avail, l.used);
	ck_assert_ptr_eq((void *)l.drv_event, (void *)(mem + 64));
	ck_assert_ptr_eq((void *)l.dev_event, (void *)(mem + 68));
	ck_assert_int_eq(pring_drv_init(&d, &l, NULL, true, false), -EINVAL);
	ck_assert_int_eq(pring_drv_init(&d, NULL, slot, true, false), -EINVAL);
	l.size = 0;
	ck_assert_int_eq(pring_drv_init(&d, &l, slot, true, false), -EINVAL);
	l.size = 4;
	l.used = (struct pring_desc *)(mem + 8);
	ck_assert_int_eq(pring_drv_init(&d, &l, slot, true, false), -EINVAL);
	l.used = l.avail;
	ck_assert_int_eq(pring_drv_init(&d, &l, slot, true, false), 0);
	ck_assert_uint_eq(pring_drv_free_count(&d), 4);

	/* Split layout helper: two parts, each slots + its event area, no overlap. */
	{
		static _Alignas(64) uint8_t a[256], b[256];

		ck_assert_uint_eq(pring_split_mem_size(4), 68);
		ck_assert_int_eq(pring_layout_split(&l, a, b, 4), 0);
		ck_assert_ptr_eq((void *)l.avail, (void *)a);
		ck_assert_ptr_eq((void *)l.drv_event, (void *)(a + 64));
		ck_assert_ptr_eq((void *)l.used, (void *)b);
		ck_assert_ptr_eq((void *)l.dev_event, (void *)(b + 64));
		ck_assert_int_eq(pring_layout_split(&l, a, a + 64, 4), -EINVAL);
		ck_assert_int_eq(pring_layout_split(&l, a + 64, a, 4), -EINVAL);
		ck_assert_int_eq(pring_layout_split(&l, a, a + 80, 4), 0);
		ck_assert_int_eq(pring_layout_split(&l, a, b + 8, 4), -EINVAL);
		ck_assert_int_eq(pring_layout_split(&l, a, b, 0), -EINVAL);
		ck_assert_int_eq(pring_layout_split(&l, a, NULL, 4), -EINVAL);
	}
}
END_TEST

START_TEST(xlate_regions)
{
	static uint8_t a[100], b[50];
	struct pring_xlate x = { .nr = 2 };
	uint32_t hint = 0;

	x.region[0] = (struct pring_region){ 1000, 100, a };
	x.region[1] = (struct pring_region){ 5000, 50, b };
	ck_assert_ptr_eq(pring_xlate(&x, 1000, 100, &hint), a);
	ck_assert_ptr_eq(pring_xlate(&x, 1099, 1, &hint), a + 99);
	ck_assert_ptr_null(pring_xlate(&x, 1099, 2, &hint));
	ck_assert_ptr_null(pring_xlate(&x, 999, 1, &hint));
	ck_assert_ptr_null(pring_xlate(&x, 1100, 1, &hint));
	ck_assert_ptr_eq(pring_xlate(&x, 5010, 40, &hint), b + 10);
	ck_assert_uint_eq(hint, 1);
	ck_assert_ptr_eq(pring_xlate(&x, 1010, 4, &hint), a + 10);
	ck_assert_uint_eq(hint, 0);
	/* Ranges that straddle two regions or overflow are refused. */
	ck_assert_ptr_null(pring_xlate(&x, 1050, 4000, &hint));
	ck_assert_ptr_null(pring_xlate(&x, UINT64_MAX - 2, 16, &hint));
	x.region[2] = (struct pring_region){ UINT64_MAX - 9, 10, a };
	x.nr = 3;
	ck_assert_ptr_eq(pring_xlate(&x, UINT64_MAX - 9, 10, &hint), a);
	ck_assert_ptr_null(pring_xlate(&x, UINT64_MAX - 9, 11, &hint));
	/* A corrupt region count is clamped, a corrupt hint ignored. */
	x.nr = 1000;
	hint = 12345;
	ck_assert_ptr_eq(pring_xlate(&x, 5000, 1, &hint), b);
	x.nr = 0;
	ck_assert_ptr_null(pring_xlate(&x, 1000, 1, &hint));
}
END_TEST

START_TEST(err_names)
{
	ck_assert_str_eq(pring_err_name(PRING_ERR_ID), "bad_id");
	ck_assert_str_eq(pring_err_name(PRING_ERR_NOT_OUTSTANDING), "not_outstanding");
	ck_assert_str_eq(pring_err_name(PRING_ERR__MAX), "unknown");
	for (int i = 0; i < PRING_ERR__MAX; i++)
		ck_assert_str_ne(pring_err_name(i), "unknown");
}
END_TEST

static Suite *ring_suite(void)
{
	Suite *s = suite_create("pring_ring");
	TCase *t = tcase_create("ring");

	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, empty_ring, 0, 2);
	tcase_add_loop_test(t, full_ring, 0, 2);
	tcase_add_loop_test(t, writable_roundtrip, 0, 2);
	tcase_add_loop_test(t, batch_written_per_entry, 0, 2);
	tcase_add_loop_test(t, flat_written_per_entry, 0, 2);
	tcase_add_loop_test(t, wrap_laps, 0, (int)(4 * sizeof(lap_sizes) / sizeof(lap_sizes[0])));
	tcase_add_loop_test(t, chain_wraps_ring_end, 0, 2);
	tcase_add_loop_test(t, post_chain_rejects_malformed, 0, 2);
	tcase_add_loop_test(t, in_order_batch, 0, 2);
	tcase_add_loop_test(t, flat_in_order_batches, 0, 2);
	tcase_add_loop_test(t, run_in_order_completes_counted_runs, 0, 2);
	tcase_add_loop_test(t, in_order_entry_completes_earlier, 0, 2);
	tcase_add_loop_test(t, out_of_order_completion, 0, 2);
	tcase_add_loop_test(t, split_stale_used_slot, 0, 2);
	tcase_add_loop_test(t, reset_returns_cookies, 0, 4);
	tcase_add_loop_test(t, plain_ignores_used_addr, 0, 2);
	tcase_add_loop_test(t, plain_device_leaves_addr, 0, 2);
	tcase_add_loop_test(t, writable_nothing_written, 0, 2);
	tcase_add_test(t, device_start_position);
	tcase_add_test(t, layout_and_init_checks);
	tcase_add_test(t, xlate_regions);
	tcase_add_test(t, err_names);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(ring_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
