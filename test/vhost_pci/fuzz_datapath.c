/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * libFuzzer harness for net_vhost_pci's datapath (issue 12): a hostile
 * front-end, played from the fuzz input, against the real rx and tx bursts
 * (chain_to_mbuf, mergeable rx placement, the tx stash and its flush), with
 * ring stops and restarts, device stop/start and memory-table swaps
 * interleaved with the traffic. Packed and split rings both.
 *
 * Guest memory is four memfds. The driver maps them itself (vp_mem_map, from
 * a real SET_MEM_TABLE carrying dup()ed fds); the harness writes rings and
 * buffers through its own mapping of the same files, like a front-end does.
 * Every byte of the driver's mappings outside the regions of the table
 * (the mmap_offset head, the tail up to the page end) is ASan-poisoned, so a
 * read or write outside the guest regions we mapped is reported (to the
 * 16-byte block: see poison_outside()).
 *
 * Invariants checked after every operation: no mbuf in use in any pool
 * (rx results and refused tx packets are freed by the harness), rx mbufs
 * well-formed and within the port's frame limit, per-queue counters that
 * add up with what the bursts returned, the tx stash within bounds and
 * empty on a stopped ring.
 *
 * The seam to the driver is kept narrow so that it survives control-path
 * refactoring: vp_internals_init, vp_quiesce/vp_resume, vp_pre_handle (as the be hook),
 * vp_sync_all, vp_detach_all, vp_any_broken, vp_mem_map/vp_mem_unmap (as
 * the vhost_be map_mem op), vp_rx_burst, vp_tx_burst; fields in->started,
 * in->map/nr_map, rxq[].mb_pool/max_frame, the queue counters and the
 * stash counts. ctl() below is the socket transport's per-message step
 * (vp_socket.c vp_handle_one) without the socket.
 *
 * Input: a header (config, memory table, ring placement), then operations
 * until the input ends; see decode_config() and the OP_* list.
 * `fuzz_vp_datapath -seed_dir=DIR` writes the seed corpus (make_seeds());
 * datapath-seeds/regress-* are findings, kept as regression inputs:
 *  - regress-split-ring-misaligned: two regions adjacent in user space, the
 *    first of an odd size, a split ring in the second: its areas were used
 *    misaligned in our mapping (UBSan; atomics on them fault on some CPUs).
 *    Fixed in vp_ring.c attach_split().
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "vp_internal.h"
#include "vp_devargs.h"
#include "fuzz_input.h"
#include "fuzz_eal.h"
#include "fuzz_seed.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define FZ_POISON(p, n) __asan_poison_memory_region((p), (n))
#define FZ_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#endif
#endif
#ifndef FZ_POISON
#define FZ_POISON(p, n) ((void)(p), (void)(n))
#define FZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFILES 4                   /* memfds backing guest memory */
#define FILE_LEN (20u << 10)       /* each; regions fit in it with their mmap_offset */
#define REGION_MAX (16u << 10)
#define MAX_VRINGS 4               /* two queue pairs at most */
#define GPA_BASE 0x100000ULL
#define UVA_BASE 0x7f0000000000ULL
#define MAX_OPS 256
#define MAX_TX 32

/* ------------------------------------------------------------ state */

/* The memory table as the front-end sent it, with the file behind each region. */
struct table {
	uint32_t n;
	struct vhost_mem_region r[NFILES];
	uint8_t file[NFILES];
};

/* What the front-end knows of one vring. */
struct fe_vring {
	uint16_t num;
	uint64_t desc, avail, used;     /* user addresses */
	uint16_t next;                  /* split: avail idx; packed: next slot */
	uint8_t wrap;                   /* packed: avail wrap counter */
	uint16_t free_desc;             /* split: next descriptor to use */
	uint32_t saved_base;            /* last GET_VRING_BASE reply */
};

struct config {
	uint8_t packed, mrg, in_order, event_idx, pairs, pool, calls;
	uint16_t num;
	uint32_t max_frame;
	uint8_t fill;
	struct table t;
};

static struct vp_internals *in;
static struct rte_mempool *pools[3]; /* 2 KB data room, 128 B data room, 24 mbufs */
static int memfd[NFILES];
static uint8_t *view[NFILES];        /* the front-end's mapping of each file */
static struct table cur_table;       /* the table the driver accepted last */
static struct fe_vring fe[MAX_VRINGS];
static bool connected;
static struct config cfg;
static bool trace;                   /* FUZZ_VP_TRACE set: one line per burst (seed debugging) */

#define TRACE(...) do { if (trace) fprintf(stderr, __VA_ARGS__); } while (0)

/* ------------------------------------------------- guest memory poison */

/*
 * Poison the driver's mappings outside the regions of @p m (head and tail of
 * each file mapping), less the 16-byte blocks the region's ends lie in:
 * rte_memcpy's SSE path loads whole aligned 16-byte blocks around an
 * unaligned source (the bytes outside are discarded, and such a load never
 * crosses a page), which would read as an access outside the region.
 */
static void
poison_outside(const struct vhost_mem_table *m)
{
	uint32_t i;

	for (i = 0; i < in->nr_map; i++) {
		uint8_t *b = in->map[i].base;
		uint64_t start = m->regions[i].mmap_offset, end = start + m->regions[i].memory_size;

		start = RTE_ALIGN_FLOOR(start, 16);
		end = RTE_ALIGN_CEIL(end, 16);
		FZ_POISON(b, start);
		if (end < in->map[i].len)
			FZ_POISON(b + end, in->map[i].len - end);
	}
}

/*
 * vhost_be map_mem op: the driver's own vp_mem_map, with the poison moved
 * from the mappings it drops to the ones it makes. vp_mem_map maps the new
 * table before unmapping the old one, so the two never share addresses.
 */
static int
fz_map_mem(void *ctx, const struct vhost_mem_table *m, const int *fds)
{
	struct { uint8_t *base; size_t len; } old[VHOST_MEMORY_MAX_NREGIONS];
	uint32_t nold = in->nr_map, i;

	for (i = 0; i < nold; i++) {
		old[i].base = in->map[i].base;
		old[i].len = in->map[i].len;
	}
	if (vp_mem_map(ctx, m, fds) < 0)
		return -1;
	for (i = 0; i < nold; i++)
		FZ_UNPOISON(old[i].base, old[i].len);
	poison_outside(m);
	return 0;
}

static void
fz_close_fd(void *ctx, int fd)
{
	RTE_SET_USED(ctx);
	close(fd);
}

static const struct vhost_be_ops fz_ops = { .map_mem = fz_map_mem, .close_fd = fz_close_fd,
					    .pre_handle = vp_pre_handle };

static void
unmap_all(void)
{
	uint32_t i;

	for (i = 0; i < in->nr_map; i++)
		FZ_UNPOISON(in->map[i].base, in->map[i].len);
	vp_mem_unmap(in);
}

/* ------------------------------------------------------ control path */

/* The front-end is gone (or broke a rule): what vp_socket.c's vp_disconnect does. */
static void
fz_disconnect(void)
{
	vp_quiesce(in);
	vp_detach_all(in);
	vhost_be_reset(&in->be);
	unmap_all();
	vp_resume(in);
	connected = false;
}

/* One message through the state machine with every queue quiesced (vp_handle_one's core). */
static bool
ctl(const struct vhost_msg *m, size_t len, const int *fds, unsigned int nfds,
    struct vhost_msg *reply)
{
	struct vhost_msg r;
	size_t rlen;
	uint32_t act;
	enum vhost_msg_err e;

	vp_quiesce(in);
	e = vhost_be_handle(&in->be, m, len, fds, nfds, reply != NULL ? reply : &r, &rlen, &act);
	if (e == VHOST_MSG_OK)
		vp_sync_all(in);
	vp_resume(in);
	if (e != VHOST_MSG_OK)
		fz_disconnect();
	return e == VHOST_MSG_OK;
}

static size_t
msg_hdr(struct vhost_msg *m, uint32_t req, uint32_t size)
{
	memset(m, 0, sizeof(*m));
	m->hdr.request = req;
	m->hdr.flags = VHOST_USER_VERSION;
	m->hdr.size = size;
	return VHOST_MSG_HDR_SIZE + size;
}

static bool
ctl_u64(uint32_t req, uint64_t v, int fd)
{
	struct vhost_msg m;
	size_t len = msg_hdr(&m, req, 8);

	m.payload.u64 = v;
	return ctl(&m, len, &fd, fd >= 0 ? 1 : 0, NULL);
}

static bool
ctl_state(uint32_t req, uint32_t index, uint32_t num, struct vhost_msg *reply)
{
	struct vhost_msg m;
	size_t len = msg_hdr(&m, req, 8);

	m.payload.state.index = index;
	m.payload.state.num = num;
	return ctl(&m, len, NULL, 0, reply);
}

static bool
send_table(const struct table *t)
{
	struct vhost_msg m;
	int fds[NFILES];
	size_t len = msg_hdr(&m, VHOST_USER_SET_MEM_TABLE, 8 + t->n * sizeof(t->r[0]));
	uint32_t i;
	bool ok;

	m.payload.mem.nregions = t->n;
	memcpy(m.payload.mem.regions, t->r, t->n * sizeof(t->r[0]));
	for (i = 0; i < t->n; i++)
		fds[i] = dup(memfd[t->file[i]]);
	/* the state machine owns the fds from here, on success and failure */
	ok = ctl(&m, len, fds, t->n, NULL);
	if (ok)
		cur_table = *t;
	return ok;
}

static int
new_eventfd(void)
{
	return cfg.calls ? eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : -1;
}

static bool
start_vring(uint16_t q, uint32_t base)
{
	int fd;

	if (!ctl_state(VHOST_USER_SET_VRING_BASE, q, base, NULL))
		return false;
	fd = new_eventfd();
	return ctl_u64(VHOST_USER_SET_VRING_KICK, q | (fd < 0 ? VHOST_USER_VRING_NOFD_MASK : 0), fd);
}

static void zero_rings(void);

/* The front-end's handshake: features, memory table, then each vring. */
static void
fe_connect(void)
{
	uint64_t f = 1ULL << VIRTIO_F_VERSION_1;
	uint16_t q, nv = (uint16_t)(2 * cfg.pairs);
	struct vhost_msg m;

	fz_disconnect();
	connected = true;
	for (q = 0; q < MAX_VRINGS; q++) {
		fe[q].next = fe[q].free_desc = 0;
		fe[q].wrap = 1;
	}
	f |= (uint64_t)cfg.packed << VIRTIO_F_RING_PACKED | (uint64_t)cfg.mrg << VIRTIO_NET_F_MRG_RXBUF |
	     (uint64_t)cfg.in_order << VIRTIO_F_IN_ORDER | (uint64_t)cfg.event_idx << VIRTIO_F_EVENT_IDX;
	if (!ctl_u64(VHOST_USER_SET_FEATURES, f, -1) || !send_table(&cfg.t))
		return;
	zero_rings();
	for (q = 0; q < nv && connected; q++) {
		struct fe_vring *v = &fe[q];
		size_t len;
		int fd;

		if (!ctl_state(VHOST_USER_SET_VRING_NUM, q, v->num, NULL))
			return;
		len = msg_hdr(&m, VHOST_USER_SET_VRING_ADDR, sizeof(struct vhost_vring_addr));
		m.payload.addr.index = q;
		m.payload.addr.desc_user_addr = v->desc;
		m.payload.addr.avail_user_addr = v->avail;
		m.payload.addr.used_user_addr = v->used;
		if (!ctl(&m, len, NULL, 0, NULL))
			return;
		fd = new_eventfd();
		if (!ctl_u64(VHOST_USER_SET_VRING_CALL, q | (fd < 0 ? VHOST_USER_VRING_NOFD_MASK : 0), fd))
			return;
		/* packed: avail wrap counter set (bit 15), used wrap counter set (bit 31) */
		if (!start_vring(q, cfg.packed ? 0x80008000u : 0))
			return;
	}
}

/* ------------------------------------------------------- the front-end */

/* The front-end's own pointer to user address range [uva, uva + len), or NULL. */
static uint8_t *
fe_ptr(uint64_t uva, uint64_t len)
{
	uint32_t i;

	for (i = 0; i < cur_table.n; i++) {
		const struct vhost_mem_region *r = &cur_table.r[i];

		if (uva >= r->userspace_addr && len <= r->memory_size &&
		    uva - r->userspace_addr <= r->memory_size - len)
			return view[cur_table.file[i]] + r->mmap_offset + (uva - r->userspace_addr);
	}
	return NULL;
}

static uint64_t
buf_addr(struct cur *c)
{
	uint8_t r = u8(c);
	uint16_t off = u16(c);
	const struct vhost_mem_region *reg;

	if (r == 0xff)  /* anywhere at all */
		return (uint64_t)off << (u8(c) & 31);
	if (cur_table.n == 0)
		return off;
	reg = &cur_table.r[r % cur_table.n];
	return reg->guest_phys_addr + off % (reg->memory_size + 64);
}

/*
 * Post a chain of 1-8 buffers on vring @p q: the right direction for the
 * vring unless the input flips it; INDIRECT, a NEXT on the last descriptor,
 * any length or any split next index on demand; the head published last.
 */
static void
fe_post(struct cur *c)
{
	uint8_t b = u8(c), q = (uint8_t)(b % (2 * cfg.pairs)), n = (uint8_t)(1 + ((b >> 2) & 7));
	struct fe_vring *v = &fe[q];
	uint8_t *desc = fe_ptr(v->desc, 16ULL * v->num);
	uint16_t id = u16(c), k, head_flags = 0;
	struct pring_desc d[8];
	uint16_t nx[8];

	for (k = 0; k < n; k++) {
		uint8_t fl = u8(c);
		bool write = ((q & 1) == 0) ^ (fl & 1);

		d[k].addr = buf_addr(c);
		d[k].len = u16(c) % 4200;
		if (fl & 8)
			d[k].len = (uint32_t)u16(c) << 16 | u16(c); /* any length */
		d[k].id = id;
		d[k].flags = (uint16_t)((write ? PRING_DESC_F_WRITE : 0) |
					(fl & 2 ? PRING_DESC_F_INDIRECT : 0) |
					(k + 1 < n || (fl & 4) ? PRING_DESC_F_NEXT : 0));
		nx[k] = (fl & 16) ? id : (uint16_t)((v->free_desc + k + 1) % v->num);
	}
	if (desc == NULL)
		return;
	if (cfg.packed) {
		uint16_t slot = v->next;
		uint8_t wrap = v->wrap;

		for (k = 0; k < n; k++) {
			uint16_t f = (uint16_t)(d[k].flags | (wrap ? PRING_DESC_F_AVAIL : PRING_DESC_F_USED));

			if (k == 0) {
				head_flags = f;
				d[k].flags = (uint16_t)(f ^ PRING_DESC_F_AVAIL ^ PRING_DESC_F_USED);
			} else {
				d[k].flags = f;
			}
			memcpy(desc + 16 * slot, &d[k], 16);
			if (++slot == v->num) {
				slot = 0;
				wrap ^= 1;
			}
		}
		/* the head's flags last: its AVAIL bit hands the whole chain over */
		__atomic_store_n((uint16_t *)(desc + 16 * v->next + 14), head_flags, __ATOMIC_RELEASE);
		v->next = slot;
		v->wrap = wrap;
	} else {
		uint8_t *avail = fe_ptr(v->avail, 4 + 2ULL * v->num);
		uint16_t head = (uint16_t)(v->free_desc % v->num);

		for (k = 0; k < n; k++) {
			uint16_t i = (uint16_t)((v->free_desc + k) % v->num);

			memcpy(desc + 16 * i, &d[k].addr, 8);
			memcpy(desc + 16 * i + 8, &d[k].len, 4);
			memcpy(desc + 16 * i + 12, &d[k].flags, 2);
			memcpy(desc + 16 * i + 14, &nx[k], 2);
		}
		v->free_desc = (uint16_t)((v->free_desc + n) % v->num);
		if (avail == NULL)
			return;
		memcpy(avail + 4 + 2 * (v->next % v->num), &head, 2);
		v->next++;
		/* the avail index last: it hands the chain over */
		__atomic_store_n((uint16_t *)(avail + 2), v->next, __ATOMIC_RELEASE);
	}
}

/* Overwrite 1-32 bytes anywhere in a file behind guest memory, or in a vring's areas. */
static void
fe_poke(struct cur *c, bool ring)
{
	uint8_t b = u8(c), len = (uint8_t)(1 + u8(c) % 32), k;
	uint16_t off = u16(c);
	uint8_t *p = NULL;

	if (ring) {
		const struct fe_vring *v = &fe[b % (2 * cfg.pairs)];
		uint8_t area = (uint8_t)((b >> 2) % 3);
		uint64_t base = area == 0 ? v->desc : area == 1 ? v->avail : v->used;
		uint64_t span = area == 0 ? 16ULL * v->num : 6 + 8ULL * v->num;

		p = fe_ptr(base + off % span, len);
	} else {
		uint32_t o = off % FILE_LEN;

		if (o + len > FILE_LEN)
			len = (uint8_t)(FILE_LEN - o);
		p = view[b % NFILES] + o;
	}
	for (k = 0; k < len; k++) {
		uint8_t x = u8(c);

		if (p != NULL)
			p[k] = x;
	}
}

/* ------------------------------------------------------------ bursts */

static void
check_rx_mbuf(const struct vp_queue *q, const struct rte_mbuf *m)
{
	const struct rte_mbuf *s;
	uint32_t len = 0;
	uint16_t segs = 0;

	for (s = m; s != NULL; s = s->next) {
		FZ_CHECK((uint32_t)s->data_off + s->data_len <= s->buf_len);
		len += s->data_len;
		segs++;
	}
	FZ_CHECK(len == m->pkt_len);
	FZ_CHECK(segs == m->nb_segs);
	FZ_CHECK(m->pkt_len <= q->max_frame);
	FZ_CHECK(m->port == q->port_id);
}

static void
op_rx(struct cur *c)
{
	uint8_t b = u8(c);
	struct vp_queue *q = &in->rxq[b % cfg.pairs];
	uint16_t n = (uint16_t)(1 + (b >> 1) % 64), got, i;
	struct rte_mbuf *pk[64];
	uint64_t pkts0 = q->pkts, bytes0 = q->bytes, sum = 0;

	got = vp_rx_burst(q, pk, n);
	TRACE("rx q%u running %u: %u of %u\n", q->queue_id, q->running, got, n);
	FZ_CHECK(got <= n && got <= VP_BURST);
	for (i = 0; i < got; i++) {
		check_rx_mbuf(q, pk[i]);
		sum += pk[i]->pkt_len;
		rte_pktmbuf_free(pk[i]);
	}
	FZ_CHECK(q->pkts - pkts0 == got);
	FZ_CHECK(q->bytes - bytes0 == sum);
}

/* A frame of 0-9099 bytes in 1-4 segments (more when a segment is full), maybe an empty one inside. */
static struct rte_mbuf *
mk_pkt(struct cur *c)
{
	uint8_t sb = u8(c);
	uint32_t total = u16(c) % 9100, left = total, pos = 0, take, k;
	uint16_t segs = (uint16_t)(1 + sb % 4), s;
	struct rte_mbuf *m = NULL, *last = NULL, *nm;
	uint8_t *d;

	for (s = 0; left > 0 || s < segs; s++) {
		nm = rte_pktmbuf_alloc(pools[0]);
		if (nm == NULL) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		if (m == NULL) {
			m = nm;
		} else {
			last->next = nm;
			m->nb_segs++;
		}
		last = nm;
		take = RTE_MIN(left, (uint32_t)rte_pktmbuf_tailroom(nm));
		if (s + 1 < segs)
			take = RTE_MIN(take, (left + segs - s - 1) / (segs - s));
		if ((sb & 0x40) && s == 1)
			take = 0;
		d = rte_pktmbuf_mtod(nm, uint8_t *);
		for (k = 0; k < take; k++)
			d[k] = (uint8_t)((pos + k) * 31 + total);
		nm->data_len = (uint16_t)take;
		m->pkt_len += take;
		pos += take;
		left -= take;
	}
	return m;
}

static void
op_tx(struct cur *c)
{
	uint8_t b = u8(c);
	struct vp_queue *q = &in->txq[b % cfg.pairs];
	uint16_t n = (uint16_t)(1 + (b >> 1) % MAX_TX), sent, i;
	struct rte_mbuf *pk[MAX_TX];
	uint64_t pkts0 = q->pkts, bytes0 = q->bytes, sum = 0;
	uint64_t big0 = q->drop[VP_DROP_TOO_BIG], nobuf0 = q->drop[VP_DROP_NO_BUFFER];
	bool running = q->running;

	for (i = 0; i < n; i++) {
		pk[i] = mk_pkt(c);
		if (pk[i] == NULL)
			break;
	}
	n = i;
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		sum += pk[i]->pkt_len;
	sent = vp_tx_burst(q, pk, n);
	TRACE("tx q%u running %u: %u of %u (placed %" PRIu64 ")\n", q->queue_id, running, sent, n,
	      q->pkts - pkts0);
	FZ_CHECK(sent <= n);
	FZ_CHECK(running || sent == 0);
	/* every packet taken was either placed or dropped as too big; the rest are ours */
	FZ_CHECK((q->pkts - pkts0) + (q->drop[VP_DROP_TOO_BIG] - big0) == sent);
	FZ_CHECK(q->drop[VP_DROP_NO_BUFFER] - nobuf0 == (running ? (uint64_t)(n - sent) : 0));
	FZ_CHECK(q->bytes - bytes0 <= sum);
	if (sent < n)
		rte_pktmbuf_free_bulk(&pk[sent], n - sent);
}

/* --------------------------------------------------- control operations */

static void
op_stop_vring(struct cur *c)
{
	uint8_t q = (uint8_t)(u8(c) % (2 * cfg.pairs));
	struct vhost_msg reply;

	memset(&reply, 0, sizeof(reply));
	if (ctl_state(VHOST_USER_GET_VRING_BASE, q, 0, &reply))
		fe[q].saved_base = reply.payload.state.num;
}

static void
op_start_vring(struct cur *c)
{
	uint8_t b = u8(c), q = (uint8_t)(b % (2 * cfg.pairs));
	uint32_t base = fe[q].saved_base;

	if (b & 0x80) { /* wherever the front-end says */
		base = u16(c);
		base |= (uint32_t)u16(c) << 16;
	}
	start_vring(q, base);
}

static void decode_table(struct cur *c, struct table *t);

/* SET_MEM_TABLE mid-traffic: a new table, or the same addresses over other files and offsets. */
static void
op_swap_mem(struct cur *c)
{
	uint8_t b = u8(c);
	struct table t;
	uint32_t i;

	if (b & 1) {
		t = cur_table;
		for (i = 0; i < t.n; i++) {
			uint8_t x = u8(c);

			t.file[i] = x & 3;
			t.r[i].mmap_offset = 8ULL * (x >> 2);
		}
		/* a front-end moving its memory copies it first (rings included), or does not */
		for (i = 0; (b & 2) && i < t.n; i++)
			memmove(view[t.file[i]] + t.r[i].mmap_offset,
				view[cur_table.file[i]] + cur_table.r[i].mmap_offset, t.r[i].memory_size);
	} else {
		decode_table(c, &t);
	}
	if (t.n == 0)
		return;
	send_table(&t);
}

/* dev_stop / dev_start: what vp_ethdev.c's vp_set_started does. */
static void
op_dev_toggle(void)
{
	vp_quiesce(in);
	in->started = !in->started;
	vp_sync_all(in);
	vp_resume(in);
}

/* MTU change while running: what vp_ethdev.c's vp_set_max_frame does. */
static void
set_max_frame(uint32_t max_frame)
{
	uint16_t i;

	for (i = 0; i < VP_MAX_QUEUE_PAIRS; i++)
		__atomic_store_n(&in->rxq[i].max_frame, max_frame, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ checks */

/*
 * Fds of the kinds the front-end hands over (eventfds, and dups of our
 * memfds): back to the same count after every input. Only these kinds are
 * counted, so that an fd another thread (EAL's, libFuzzer's) holds for a
 * moment does not count as a leak.
 */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[64], target[256];
	int n = 0;
	ssize_t k;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		k = readlink(path, target, sizeof(target) - 1);
		if (k <= 0)
			continue;
		target[k] = '\0';
		n += strstr(target, "eventfd") != NULL || strstr(target, "fzdp_guest") != NULL;
	}
	closedir(d);
	return n;
}

static int fds_baseline = -1;

static void
check_all(void)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(pools); i++)
		FZ_CHECK(rte_mempool_in_use_count(pools[i]) == 0);
	for (i = 0; i < VP_MAX_QUEUE_PAIRS; i++) {
		const struct vp_queue *t = &in->txq[i];

		FZ_CHECK(t->st_nr <= VP_STASH && t->st_used <= t->st_nr && t->st_segs <= VP_STASH_SEGS);
		if (!t->running)
			FZ_CHECK(t->st_nr == 0 && t->st_segs == 0);
	}
}

/* ------------------------------------------------------------ config */

/* 1-4 regions, each over one of the files; gpa and uva either adjacent to the previous one or not. */
static void
decode_table(struct cur *c, struct table *t)
{
	uint64_t gpa = GPA_BASE, uva = UVA_BASE;
	uint32_t i;

	t->n = 1 + u8(c) % NFILES;
	for (i = 0; i < t->n; i++) {
		struct vhost_mem_region *r = &t->r[i];
		uint8_t fl = u8(c), off = u8(c);
		uint16_t sz = u16(c);

		t->file[i] = fl & 3;
		r->mmap_offset = 8ULL * off;
		r->memory_size = 8ULL * (1 + sz % (REGION_MAX / 8)) - ((fl >> 5) & 7);
		if (!(fl & 4))
			gpa += 0x10000;
		if (!(fl & 8))
			uva += 0x10000;
		r->guest_phys_addr = gpa;
		r->userspace_addr = uva;
		gpa += r->memory_size;
		uva += r->memory_size;
	}
}

static void
decode_config(struct cur *c)
{
	uint8_t f = u8(c), nb = u8(c);
	uint16_t mtu = u16(c);
	uint16_t q;

	memset(&cfg, 0, sizeof(cfg));
	cfg.packed = f & 1;
	cfg.mrg = (f >> 1) & 1;
	cfg.in_order = (f >> 2) & 1;
	cfg.event_idx = (f >> 3) & 1;
	cfg.pairs = (uint8_t)(1 + ((f >> 4) & 1));
	cfg.pool = (uint8_t)(((f >> 5) & 3) % 3);
	cfg.calls = (f >> 7) & 1;
	cfg.num = cfg.packed ? (uint16_t)(1 + nb) : (uint16_t)(1u << (1 + nb % 8));
	cfg.max_frame = 68 + mtu % (VP_MAX_MTU - 68 + 1) + VP_FRAME_OVERHEAD;
	cfg.fill = u8(c);
	decode_table(c, &cfg.t);
	memset(fe, 0, sizeof(fe));
	for (q = 0; q < MAX_VRINGS; q++) {
		const struct vhost_mem_region *r = &cfg.t.r[u8(c) % cfg.t.n];
		struct fe_vring *v = &fe[q];
		uint64_t o = u16(c) % r->memory_size;

		v->num = cfg.num;
		v->desc = (r->userspace_addr + o + 15) & ~15ULL;
		v->avail = v->desc + 16ULL * v->num;
		v->used = cfg.packed ? v->avail + 4 : ((v->avail + 6 + 2ULL * v->num + 3) & ~3ULL);
		v->wrap = 1;
	}
}

/* A fresh front-end: its memory filled, its rings zeroed once the driver has the table. */
static void
reset_frontend(void)
{
	unsigned int i;

	for (i = 0; i < NFILES; i++)
		memset(view[i], cfg.fill, FILE_LEN);
	vp_quiesce(in);
	in->started = 1;
	for (i = 0; i < VP_MAX_QUEUE_PAIRS; i++)
		in->rxq[i].mb_pool = pools[cfg.pool];
	vp_resume(in);
	set_max_frame(cfg.max_frame);
}

static void
zero_rings(void)
{
	uint16_t q;

	for (q = 0; q < MAX_VRINGS; q++) {
		struct fe_vring *v = &fe[q];
		uint8_t *p;

		if ((p = fe_ptr(v->desc, 16ULL * v->num)) != NULL)
			memset(p, 0, 16ULL * v->num);
		if ((p = fe_ptr(v->avail, 6 + 2ULL * v->num)) != NULL)
			memset(p, 0, cfg.packed ? 4 : 6 + 2ULL * v->num);
		if ((p = fe_ptr(v->used, 6 + 8ULL * v->num)) != NULL)
			memset(p, 0, cfg.packed ? 4 : 6 + 8ULL * v->num);
	}
}

/* ------------------------------------------------------------ driver */

enum {
	OP_RX, OP_TX, OP_POST, OP_POST2, OP_POKE, OP_POKE_RING, OP_STOP_VRING, OP_START_VRING,
	OP_SWAP_MEM, OP_DEV_TOGGLE, OP_MTU, OP_RECONNECT, OP_RX2, OP_TX2, OP__MAX
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur c = { data, size };
	int ops;

	decode_config(&c);
	reset_frontend();
	fe_connect();
	check_all();
	for (ops = 0; ops < MAX_OPS && c.n > 0; ops++) {
		switch (u8(&c) % OP__MAX) {
		case OP_RX:
		case OP_RX2:
			op_rx(&c);
			break;
		case OP_TX:
		case OP_TX2:
			op_tx(&c);
			break;
		case OP_POST:
		case OP_POST2:
			fe_post(&c);
			break;
		case OP_POKE:
			fe_poke(&c, false);
			break;
		case OP_POKE_RING:
			fe_poke(&c, true);
			break;
		case OP_STOP_VRING:
			op_stop_vring(&c);
			break;
		case OP_START_VRING:
			op_start_vring(&c);
			break;
		case OP_SWAP_MEM:
			op_swap_mem(&c);
			break;
		case OP_DEV_TOGGLE:
			op_dev_toggle();
			break;
		case OP_MTU:
			set_max_frame(68 + u16(&c) % (VP_MAX_MTU - 68 + 1) + VP_FRAME_OVERHEAD);
			break;
		case OP_RECONNECT:
			fe_connect();
			break;
		}
		/* the control thread's ring check: a broken ring drops the front-end */
		if (connected && vp_any_broken(in))
			fz_disconnect();
		check_all();
	}
	fz_disconnect();
	check_all();
	/* the front-end is gone: every fd it gave (memory, kick, call) is closed */
	if (fds_baseline < 0)
		fds_baseline = open_fds();
	FZ_CHECK(open_fds() == fds_baseline);
	return 0;
}

/* ------------------------------------------------------------ seeds */

/* Post one chain of @p n buffers of @p len bytes each at region-0 offset @p off on vring @p q. */
static void
seed_post(struct seed *s, unsigned int q, unsigned int n, unsigned int off, unsigned int len)
{
	unsigned int k;

	put8(s, OP_POST);
	put8(s, q | (n - 1) << 2);
	put16(s, q);
	for (k = 0; k < n; k++) {
		put8(s, 0);
		put8(s, 0);
		put16(s, off + k * len);
		put16(s, len);
	}
}

/*
 * A well-behaved session: one region (or two adjacent ones), rings of 32,
 * frames each way, a ring restart, a memory swap onto another file, more traffic.
 */
static void
seed_session(struct seed *s, unsigned int flags, bool two_regions)
{
	unsigned int q;

	s->n = 0;
	put8(s, flags);
	put8(s, (flags & 1) ? 31 : 4);          /* 32 entries */
	put16(s, 1432);                         /* MTU 1500 */
	put8(s, 0x5a);                          /* memory fill */
	put8(s, two_regions ? 1 : 0);
	put8(s, 0);                             /* region 0: file 0, apart */
	put8(s, 2);                             /* mmap_offset 16 (packed rings need 16-byte alignment) */
	put16(s, 2047);                         /* 16 KB */
	if (two_regions) {
		put8(s, 1 | 4 | 8);             /* region 1: file 1, adjacent both ways */
		put8(s, 64);
		put16(s, 2047);
	}
	for (q = 0; q < MAX_VRINGS; q++) {
		put8(s, 0);
		put16(s, 0x400 * q);
	}
	seed_post(s, 1, 1, 0x1000, 12 + 60);
	seed_post(s, 1, 2, 0x1100, 40);
	put8(s, OP_RX);
	put8(s, 62);                            /* queue 0, 32 */
	seed_post(s, 0, 1, 0x2000, 2048);
	seed_post(s, 0, 3, 0x2800, 600);
	put8(s, OP_TX);
	put8(s, 2);                             /* queue 0, 2 frames */
	put8(s, 0);
	put16(s, 60);
	put8(s, 2);                             /* 3 segments */
	put16(s, 1500);
	put8(s, OP_STOP_VRING);
	put8(s, 0);
	put8(s, OP_START_VRING);
	put8(s, 0);
	put8(s, OP_SWAP_MEM);
	put8(s, 1 | 2);                         /* same addresses, content copied */
	put8(s, 2 | 2 << 2);                    /* region 0: file 2, mmap_offset 16 */
	if (two_regions)
		put8(s, 3 | 0 << 2);            /* region 1: file 3 */
	seed_post(s, 1, 1, 0x1000, 12 + 100);
	put8(s, OP_RX);
	put8(s, 62);
	seed_post(s, 0, 1, 0x2000, 2048);
	put8(s, OP_TX);
	put8(s, 0);
	put8(s, 0);
	put16(s, 1000);
}

/* The header of a one-region session with vrings 0 and 1 at 0 and 0x1000 (rings up to 128). */
static void
seed_header(struct seed *s, unsigned int flags, unsigned int nb)
{
	unsigned int q;

	s->n = 0;
	put8(s, flags);
	put8(s, nb);
	put16(s, 1432);                         /* MTU 1500 */
	put8(s, 0x5a);
	put8(s, 0);                             /* one region */
	put8(s, 0);
	put8(s, 2);                             /* mmap_offset 16 */
	put16(s, 2047);                         /* 16 KB */
	for (q = 0; q < MAX_VRINGS; q++) {
		put8(s, 0);
		put16(s, 0x1000 * (q & 1));
	}
}

/* More chains than the 24-mbuf pool holds mbufs: the rx burst cannot allocate. */
static void
seed_pool_exhausted(struct seed *s)
{
	unsigned int i;

	seed_header(s, 0x40, 4);                /* split, 32 entries, the tiny pool */
	for (i = 0; i < 28; i++)
		seed_post(s, 1, 1, 0x2000 + 0x80 * i, 12 + 60);
	put8(s, OP_RX);
	put8(s, 62);
	seed_post(s, 1, 1, 0x2000, 12 + 60);
	put8(s, OP_RX);
	put8(s, 62);
}

/*
 * Mergeable: 70 buffers of 64 bytes, then 9000-byte frames a full stash
 * cannot hold; then tx on a stopped port, and started again.
 */
static void
seed_stash_full(struct seed *s)
{
	unsigned int i;

	seed_header(s, 0x02, 6);                /* split, mrg, 128 entries */
	for (i = 0; i < 70; i++)
		seed_post(s, 0, 1, 0x2000 + 64 * i, 64);
	put8(s, OP_TX);
	put8(s, 2);                             /* 2 frames */
	put8(s, 0);
	put16(s, 9000);
	put8(s, 0);
	put16(s, 200);
	put8(s, OP_DEV_TOGGLE);
	put8(s, OP_TX);
	put8(s, 0);
	put8(s, 0);
	put16(s, 60);
	put8(s, OP_DEV_TOGGLE);
	put8(s, OP_TX);
	put8(s, 0);
	put8(s, 0);
	put16(s, 60);
}

/*
 * Whole batches both ways on packed rings (the batched rx take and the
 * four-at-a-time tx placement): 8 single buffers on the front-end's tx ring
 * then a burst, 8 writable ones on its rx ring then 8 one-segment frames.
 */
static void
seed_batches(struct seed *s, unsigned int flags)
{
	unsigned int i;

	seed_header(s, flags, 31);              /* packed, 32 entries */
	for (i = 0; i < 8; i++)
		seed_post(s, 1, 1, 0x2000 + 0x80 * i, 12 + 60);
	put8(s, OP_RX);
	put8(s, 62);
	for (i = 0; i < 8; i++)
		seed_post(s, 0, 1, 0x3000 + 0x80 * i, 128);
	put8(s, OP_TX);
	put8(s, 7 << 1);                        /* queue 0, 8 frames */
	for (i = 0; i < 8; i++) {
		put8(s, 0);
		put16(s, 60);
	}
}

static int
make_seeds(const char *dir)
{
	static const struct { const char *name; unsigned int flags; bool two; } v[] = {
		{ "split", 0x00, false },
		{ "split-mrg", 0x02, false },
		{ "packed", 0x01, false },
		{ "packed-mrg-inorder", 0x07, false },
		{ "split-evidx-2pairs-small-calls", 0x08 | 0x10 | 0x20 | 0x80, true },
		{ "packed-tiny-pool-adjacent", 0x01 | 0x40 | 0x02, true },
	};
	struct seed s;
	unsigned int i;

	for (i = 0; i < RTE_DIM(v); i++) {
		seed_session(&s, v[i].flags, v[i].two);
		if (write_seed(dir, v[i].name, &s) < 0)
			return -1;
	}
	seed_pool_exhausted(&s);
	if (write_seed(dir, "split-pool-exhausted", &s) < 0)
		return -1;
	seed_batches(&s, 0x01);
	if (write_seed(dir, "packed-batches", &s) < 0)
		return -1;
	seed_batches(&s, 0x05);
	if (write_seed(dir, "packed-inorder-batches", &s) < 0)
		return -1;
	seed_stash_full(&s);
	return write_seed(dir, "split-mrg-stash-full-stopped", &s);
}

/* ------------------------------------------------------------ set-up */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vp_args a;
	int i;

	for (i = 1; i < *argc; i++)
		if (strncmp((*argv)[i], "-seed_dir=", 10) == 0)
			exit(make_seeds((*argv)[i] + 10) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
	trace = fz_eal_init("fuzz_vp_datapath", "fzdp", "256");
	pools[0] = rte_pktmbuf_pool_create("fzdp_big", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	pools[1] = rte_pktmbuf_pool_create("fzdp_small", 4095, 0, 0, 128 + RTE_PKTMBUF_HEADROOM,
					   SOCKET_ID_ANY);
	pools[2] = rte_pktmbuf_pool_create("fzdp_tiny", 24, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	for (i = 0; i < NFILES; i++) {
		memfd[i] = memfd_create("fzdp_guest", MFD_CLOEXEC);
		if (memfd[i] < 0 || ftruncate(memfd[i], FILE_LEN) < 0)
			exit(EXIT_FAILURE);
		view[i] = mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, memfd[i], 0);
		if (view[i] == MAP_FAILED)
			exit(EXIT_FAILURE);
	}
	in = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*in), RTE_CACHE_LINE_SIZE));
	if (pools[0] == NULL || pools[1] == NULL || pools[2] == NULL || in == NULL)
		exit(EXIT_FAILURE);
	memset(in, 0, sizeof(*in));
	memset(&a, 0, sizeof(a));
	a.queues = 2;
	snprintf(a.iface, sizeof(a.iface), "fuzz");
	vp_internals_init(in, &a, 0, false, &fz_ops, &vp_sock_transport);
	return 0;
}
