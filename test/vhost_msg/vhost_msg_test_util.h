/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Message builders and a fake fd table shared by the unit tests and the fuzz harness. */

#ifndef VM2VM_VHOST_MSG_TEST_UTIL_H
#define VM2VM_VHOST_MSG_TEST_UTIL_H

#include <stdint.h>
#include <string.h>

#include "vhost_be.h"

/* Fake fds are small integers at FAKE_FD_BASE..; closing one counts it. */
#define FAKE_FD_BASE 100
#define FAKE_FD_MAX 4096

struct fake_fds {
	int next;                       /* next fd to hand out */
	uint8_t closed[FAKE_FD_MAX];    /* times each fd was closed */
	int double_close;               /* an fd closed twice, or one never given */
	int map_fail;                   /* make map_mem fail */
	int maps;                       /* successful map_mem calls */
};

static inline int
fake_fd_new(struct fake_fds *f)
{
	if (f->next < FAKE_FD_BASE)
		f->next = FAKE_FD_BASE;
	if (f->next >= FAKE_FD_MAX)
		return -1;
	return f->next++;
}

static inline void
fake_close(void *ctx, int fd)
{
	struct fake_fds *f = ctx;

	if (fd < FAKE_FD_BASE || fd >= f->next || f->closed[fd]++ != 0)
		f->double_close++;
}

static inline int
fake_map(void *ctx, const struct vhost_mem_table *mem, const int *fds)
{
	struct fake_fds *f = ctx;
	uint32_t i;

	for (i = 0; fds != NULL && i < mem->nregions; i++)
		if (fds[i] < FAKE_FD_BASE || fds[i] >= f->next || f->closed[fds[i]])
			f->double_close++;
	if (f->map_fail)
		return -1;
	f->maps++;
	return 0;
}

/* Fds handed out but not closed. */
static inline int
fake_fds_open(const struct fake_fds *f)
{
	int fd, n = 0;

	for (fd = FAKE_FD_BASE; fd < f->next; fd++)
		n += f->closed[fd] == 0;
	return n;
}

static const struct vhost_be_ops fake_ops = { .map_mem = fake_map, .close_fd = fake_close };

#define TEST_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_PACKED) | \
		       (1ULL << VIRTIO_F_IN_ORDER) | (1ULL << VIRTIO_F_EVENT_IDX) | \
		       (1ULL << VIRTIO_NET_F_MRG_RXBUF) | (1ULL << VIRTIO_NET_F_MQ) | \
		       (1ULL << VIRTIO_NET_F_MTU))
#define TEST_PROTO ((1ULL << VHOST_USER_PROTOCOL_F_MQ) | (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
		    (1ULL << VHOST_USER_PROTOCOL_F_NET_MTU))

static inline void
test_be_init(struct vhost_be *be, struct fake_fds *f, uint16_t pairs)
{
	struct vhost_be_config cfg = {
		.features = TEST_FEATURES, .protocol_features = TEST_PROTO,
		.max_queue_pairs = pairs, .max_mtu = 9000,
	};

	memset(f, 0, sizeof(*f));
	f->next = FAKE_FD_BASE;
	vhost_be_init(be, &cfg, &fake_ops, f);
}

static inline size_t
mk_hdr(struct vhost_msg *m, uint32_t req, uint32_t size)
{
	memset(m, 0, sizeof(*m));
	m->hdr.request = req;
	m->hdr.flags = VHOST_USER_VERSION;
	m->hdr.size = size;
	return VHOST_MSG_HDR_SIZE + size;
}

static inline size_t
mk_u64(struct vhost_msg *m, uint32_t req, uint64_t v)
{
	size_t n = mk_hdr(m, req, 8);

	m->payload.u64 = v;
	return n;
}

static inline size_t
mk_state(struct vhost_msg *m, uint32_t req, uint32_t index, uint32_t num)
{
	size_t n = mk_hdr(m, req, 8);

	m->payload.state.index = index;
	m->payload.state.num = num;
	return n;
}

static inline size_t
mk_addr(struct vhost_msg *m, uint32_t index, uint64_t desc, uint64_t avail, uint64_t used)
{
	size_t n = mk_hdr(m, VHOST_USER_SET_VRING_ADDR, sizeof(struct vhost_vring_addr));

	m->payload.addr.index = index;
	m->payload.addr.desc_user_addr = desc;
	m->payload.addr.avail_user_addr = avail;
	m->payload.addr.used_user_addr = used;
	return n;
}

static inline size_t
mk_mem(struct vhost_msg *m, uint32_t n, const struct vhost_mem_region *r)
{
	size_t len = mk_hdr(m, VHOST_USER_SET_MEM_TABLE, 8 + n * 32);

	m->payload.mem.nregions = n;
	if (n > VHOST_MEMORY_MAX_NREGIONS)
		n = VHOST_MEMORY_MAX_NREGIONS;
	memcpy((uint8_t *)m + VHOST_MSG_HDR_SIZE + 8, r, n * sizeof(*r));
	return len;
}

#endif /* VM2VM_VHOST_MSG_TEST_UTIL_H */
