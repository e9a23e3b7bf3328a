/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * A hostile vhost-user front-end. For each case it connects to a
 * net_vhost_pci server socket, sends a message that breaks one validation
 * rule (after a valid preamble where the rule needs one), and asserts that
 * the back-end closes the connection within a few seconds and that the
 * back-end process is still alive.
 *
 * usage: vp_bad_client SOCKET PID [CASE...]   (no CASE: every case)
 *        vp_bad_client SOCKET PID good          (a well-formed session that
 *                                                 must pass one packet)
 *        vp_bad_client --xstat CASE             (the counter CASE must bump)
 *        vp_bad_client --check CASE...          (the list is exactly our
 *                                                 cases, and every violation
 *                                                 reason has one)
 * Prints "PASS case" / "FAIL case: why"; exit status 0 when all pass.
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vhost_msg.h"

#define MEM_SIZE (2u << 20)
#define UVA 0x7f0000000000ULL
#define GPA 0x40000000ULL
#define F_OK_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VHOST_USER_F_PROTOCOL_FEATURES))

static const char *sock_path;

static int
conn_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, tries;

	strncpy(sa.sun_path, sock_path, sizeof(sa.sun_path) - 1);
	for (tries = 0; tries < 50; tries++) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		usleep(100 * 1000);
	}
	return -1;
}

static int
send_raw(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
	char ctl[CMSG_SPACE(16 * sizeof(int))];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nfds > 0) {
		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static size_t
msg_init(struct vhost_msg *m, uint32_t req, uint32_t size)
{
	memset(m, 0, sizeof(*m));
	m->hdr.request = req;
	m->hdr.flags = VHOST_USER_VERSION;
	m->hdr.size = size;
	return VHOST_MSG_HDR_SIZE + size;
}

static int
send_u64(int fd, uint32_t req, uint64_t v, const int *fds, int nfds)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, req, 8);

	m.payload.u64 = v;
	return send_raw(fd, &m, n, fds, nfds);
}

static int
send_state(int fd, uint32_t req, uint32_t index, uint32_t num)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, req, 8);

	m.payload.state.index = index;
	m.payload.state.num = num;
	return send_raw(fd, &m, n, NULL, 0);
}

static int
send_addr(int fd, uint32_t index, uint32_t flags, uint64_t desc, uint64_t avail, uint64_t used)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_SET_VRING_ADDR, sizeof(struct vhost_vring_addr));

	m.payload.addr.index = index;
	m.payload.addr.flags = flags;
	m.payload.addr.desc_user_addr = desc;
	m.payload.addr.avail_user_addr = avail;
	m.payload.addr.used_user_addr = used;
	return send_raw(fd, &m, n, NULL, 0);
}

/* Shared memory standing in for a front-end's RAM. */
static int mem_fd = -1;
static uint8_t *mem;

static int
mem_setup(void)
{
	if (mem_fd >= 0)
		return 0;
	mem_fd = memfd_create("vp-bad-client", 0);
	if (mem_fd < 0 || ftruncate(mem_fd, MEM_SIZE) < 0)
		return -1;
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mem_fd, 0);
	return mem == MAP_FAILED ? -1 : 0;
}

static int
send_mem(int fd, uint32_t n, const struct vhost_mem_region *r, const int *fds, int nfds)
{
	struct vhost_msg m;
	size_t len = msg_init(&m, VHOST_USER_SET_MEM_TABLE, 8 + n * 32);

	m.payload.mem.nregions = n;
	memcpy((uint8_t *)&m + VHOST_MSG_HDR_SIZE + 8, r, n * sizeof(*r));
	return send_raw(fd, &m, len, fds, nfds);
}

/* Features (split, no protocol bits) and one memory region over the memfd. */
static int
preamble(int fd, uint64_t features)
{
	struct vhost_mem_region r = { GPA, MEM_SIZE, UVA, 0 };

	if (mem_setup() < 0)
		return -1;
	if (send_u64(fd, VHOST_USER_SET_FEATURES, features, NULL, 0) < 0)
		return -1;
	return send_mem(fd, 1, &r, &mem_fd, 1);
}

/* One split ring pair on vring @p q: size, base, addresses at @p off, kick, enable. */
static int
ring_up(int fd, uint32_t q, uint64_t off)
{
	const uint32_t num = 256;

	return send_state(fd, VHOST_USER_SET_VRING_NUM, q, num) == 0 &&
	       send_state(fd, VHOST_USER_SET_VRING_BASE, q, 0) == 0 &&
	       send_addr(fd, q, 0, UVA + off, UVA + off + 0x1000, UVA + off + 0x2000) == 0 &&
	       send_u64(fd, VHOST_USER_SET_VRING_KICK, q | VHOST_USER_VRING_NOFD_MASK,
			NULL, 0) == 0 &&
	       send_state(fd, VHOST_USER_SET_VRING_ENABLE, q, 1) == 0 ? 0 : -1;
}

/* Both vrings of pair 0 running, vring q at UVA + 0x10000 * (q + 1). */
static int
rings_up(int fd)
{
	if (preamble(fd, F_OK_FEATURES) < 0)
		return -1;
	memset(mem, 0, MEM_SIZE);
	return ring_up(fd, 0, 0x10000) == 0 && ring_up(fd, 1, 0x20000) == 0 ? 0 : -1;
}

/* Offer one buffer at guest-physical @p gpa, @p len bytes, on vring 1 (our tx, their rx). */
static void
offer_tx(uint64_t gpa, uint32_t len)
{
	uint8_t *desc = mem + 0x20000, *avail = mem + 0x21000;
	uint16_t flags = 0, head = 0, idx = 1;

	memcpy(desc, &gpa, 8);
	memcpy(desc + 8, &len, 4);
	memcpy(desc + 12, &flags, 2);
	memcpy(avail + 4, &head, 2);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(avail + 2, &idx, 2);
}

/* ---------------------------------------------------------------- cases */

/* Framing (vhost_msg_check) */

static int
c_truncated(int fd)
{
	struct vhost_msg m;

	msg_init(&m, VHOST_USER_SET_FEATURES, 8);
	return send_raw(fd, &m, VHOST_MSG_HDR_SIZE + 4, NULL, 0); /* then silence */
}

static int
c_flags(int fd)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_GET_FEATURES, 0);

	m.hdr.flags = 0;
	return send_raw(fd, &m, n, NULL, 0);
}

static int
c_flags_reply(int fd)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_GET_FEATURES, 0);

	m.hdr.flags |= VHOST_USER_REPLY;
	return send_raw(fd, &m, n, NULL, 0);
}

static int
c_flags_unknown(int fd)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_GET_FEATURES, 0);

	m.hdr.flags |= 1u << 5;
	return send_raw(fd, &m, n, NULL, 0);
}

static int
c_unsupported(int fd)
{
	return send_u64(fd, 6 /* SET_LOG_BASE */, 0, NULL, 0);
}

static int
c_payload_size(int fd)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_SET_FEATURES, 4);

	return send_raw(fd, &m, n, NULL, 0);
}

static int
c_payload_oversize(int fd)
{
	struct vhost_msg m;

	msg_init(&m, VHOST_USER_SET_FEATURES, 1u << 20);
	return send_raw(fd, &m, VHOST_MSG_HDR_SIZE + 8, NULL, 0);
}

static int
c_mem_table_size(int fd)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_SET_MEM_TABLE, 8 + 32 + 8);

	m.payload.mem.nregions = 1;
	if (mem_setup() < 0)
		return -1;
	return send_raw(fd, &m, n, &mem_fd, 1);
}

static int
c_fd_count(int fd)
{
	int e = STDIN_FILENO;

	return send_u64(fd, VHOST_USER_SET_FEATURES, F_OK_FEATURES, &e, 1);
}

static int
c_too_many_fds(int fd)
{
	int fds[12], i;

	for (i = 0; i < 12; i++)
		fds[i] = STDIN_FILENO;
	return send_u64(fd, VHOST_USER_SET_VRING_CALL, 0, fds, 12);
}

static int
c_mem_table_fds(int fd)
{
	struct vhost_mem_region r = { GPA, MEM_SIZE, UVA, 0 };

	return send_mem(fd, 1, &r, NULL, 0);
}

static int
c_kick_missing_fd(int fd)
{
	return send_u64(fd, VHOST_USER_SET_VRING_KICK, 0, NULL, 0);
}

static int
c_nofd_with_fd(int fd)
{
	int e = STDIN_FILENO;

	return send_u64(fd, VHOST_USER_SET_VRING_CALL, VHOST_USER_VRING_NOFD_MASK, &e, 1);
}

static int
c_region_count(int fd)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_SET_MEM_TABLE, 8);

	m.payload.mem.nregions = 0;
	return send_raw(fd, &m, n, NULL, 0);
}

static int
c_region_count_max(int fd)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_SET_MEM_TABLE, 8);

	m.payload.mem.nregions = VHOST_MEMORY_MAX_NREGIONS + 1;
	return send_raw(fd, &m, n, NULL, 0);
}

/* Contents (vhost_be state machine) */

static int
c_features(int fd)
{
	return send_u64(fd, VHOST_USER_SET_FEATURES, F_OK_FEATURES | (1ULL << 28), NULL, 0);
}

static int
c_features_no_version1(int fd)
{
	return send_u64(fd, VHOST_USER_SET_FEATURES, 1ULL << VHOST_USER_F_PROTOCOL_FEATURES,
			NULL, 0);
}

static int
c_protocol_features(int fd)
{
	return send_u64(fd, VHOST_USER_SET_PROTOCOL_FEATURES, 1ULL << 1, NULL, 0);
}

static int
c_enable_no_protocol(int fd)
{
	if (send_u64(fd, VHOST_USER_SET_FEATURES, 1ULL << VIRTIO_F_VERSION_1, NULL, 0) < 0)
		return -1;
	return send_state(fd, VHOST_USER_SET_VRING_ENABLE, 0, 1);
}

static int
c_mtu_not_negotiated(int fd)
{
	return send_u64(fd, VHOST_USER_NET_SET_MTU, 1500, NULL, 0);
}

static int
c_region_overlap(int fd)
{
	struct vhost_mem_region r[2] = { { GPA, MEM_SIZE / 2, UVA, 0 },
					 { GPA + 4096, MEM_SIZE / 2, UVA + MEM_SIZE, MEM_SIZE / 2 } };
	int fds[2];

	if (mem_setup() < 0)
		return -1;
	fds[0] = fds[1] = mem_fd;
	return send_mem(fd, 2, r, fds, 2);
}

static int
c_region_empty(int fd)
{
	struct vhost_mem_region r = { GPA, 0, UVA, 0 };

	if (mem_setup() < 0)
		return -1;
	return send_mem(fd, 1, &r, &mem_fd, 1);
}

static int
c_region_wrap(int fd)
{
	struct vhost_mem_region r = { UINT64_MAX - 4095, MEM_SIZE, UVA, 0 };

	if (mem_setup() < 0)
		return -1;
	return send_mem(fd, 1, &r, &mem_fd, 1);
}

static int
c_region_beyond_file(int fd)
{
	struct vhost_mem_region r = { GPA, 64u << 20, UVA, 0 }; /* the file holds 2 MiB */

	if (mem_setup() < 0)
		return -1;
	return send_mem(fd, 1, &r, &mem_fd, 1);
}

static int
c_queue_index(int fd)
{
	return send_state(fd, VHOST_USER_SET_VRING_NUM, 200, 256);
}

static int
c_kick_queue_index(int fd)
{
	return send_u64(fd, VHOST_USER_SET_VRING_KICK, 0xff | VHOST_USER_VRING_NOFD_MASK, NULL, 0);
}

static int
c_ring_size(int fd)
{
	return send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 0);
}

static int
c_ring_size_max(int fd)
{
	return send_state(fd, VHOST_USER_SET_VRING_NUM, 0, VHOST_MAX_RING_SIZE * 2);
}

static int
c_ring_size_pow2(int fd)
{
	if (send_u64(fd, VHOST_USER_SET_FEATURES, F_OK_FEATURES, NULL, 0) < 0)
		return -1;
	return send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 300); /* split: power of two only */
}

static int
c_ring_addr(int fd)
{
	if (preamble(fd, F_OK_FEATURES) < 0 || send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 256) < 0)
		return -1;
	return send_addr(fd, 0, 0, UVA + MEM_SIZE, UVA + 0x1000, UVA + 0x2000);
}

static int
c_ring_addr_align(int fd)
{
	if (preamble(fd, F_OK_FEATURES) < 0 || send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 256) < 0)
		return -1;
	return send_addr(fd, 0, 0, UVA + 8, UVA + 0x1000, UVA + 0x2000);
}

static int
c_kick_no_addr(int fd)
{
	if (preamble(fd, F_OK_FEATURES) < 0 || send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 256) < 0)
		return -1;
	return send_u64(fd, VHOST_USER_SET_VRING_KICK, VHOST_USER_VRING_NOFD_MASK, NULL, 0);
}

static int
c_ring_base(int fd)
{
	if (preamble(fd, F_OK_FEATURES | (1ULL << VIRTIO_F_RING_PACKED)) < 0 ||
	    send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 256) < 0)
		return -1;
	return send_state(fd, VHOST_USER_SET_VRING_BASE, 0, 0x8000 | 300);
}

static int
c_ring_base_range(int fd)
{
	/* a split ring's base is a 16-bit index */
	if (preamble(fd, F_OK_FEATURES) < 0)
		return -1;
	return send_state(fd, VHOST_USER_SET_VRING_BASE, 0, 0x10000);
}

static int
c_ring_flags(int fd)
{
	return send_addr(fd, 0, 1 /* log */, UVA, UVA + 0x1000, UVA + 0x2000);
}

static int
c_kick_flags(int fd)
{
	return send_u64(fd, VHOST_USER_SET_VRING_KICK, VHOST_USER_VRING_NOFD_MASK | (1u << 9),
			NULL, 0);
}

static int
c_enable_value(int fd)
{
	if (send_u64(fd, VHOST_USER_SET_FEATURES, F_OK_FEATURES, NULL, 0) < 0)
		return -1;
	return send_state(fd, VHOST_USER_SET_VRING_ENABLE, 0, 2);
}

static int
c_mtu(int fd)
{
	if (send_u64(fd, VHOST_USER_SET_PROTOCOL_FEATURES, 1ULL << VHOST_USER_PROTOCOL_F_NET_MTU,
		     NULL, 0) < 0)
		return -1;
	return send_u64(fd, VHOST_USER_NET_SET_MTU, 65000, NULL, 0);
}

static int
c_mtu_small(int fd)
{
	if (send_u64(fd, VHOST_USER_SET_PROTOCOL_FEATURES, 1ULL << VHOST_USER_PROTOCOL_F_NET_MTU,
		     NULL, 0) < 0)
		return -1;
	return send_u64(fd, VHOST_USER_NET_SET_MTU, 60, NULL, 0);
}

static int
c_state(int fd)
{
	return send_u64(fd, VHOST_USER_SET_VRING_KICK, VHOST_USER_VRING_NOFD_MASK, NULL, 0);
}

static int
c_features_while_running(int fd)
{
	if (rings_up(fd) < 0)
		return -1;
	return send_u64(fd, VHOST_USER_SET_FEATURES, 1ULL << VIRTIO_F_VERSION_1, NULL, 0);
}

static int
c_num_while_running(int fd)
{
	if (rings_up(fd) < 0)
		return -1;
	return send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 128);
}

/*
 * A valid split ring pair whose tx ring (vring 1) then offers a buffer
 * outside the memory table: the datapath must refuse it and the control
 * thread must drop the connection. Needs the back-end forwarding.
 */
static int
c_ring_buffer_addr(int fd)
{
	if (rings_up(fd) < 0)
		return -1;
	usleep(300 * 1000);
	offer_tx(GPA + MEM_SIZE + 4096, 100);
	return 0;
}

/*
 * The well-formed session: both rings up, one 64-byte frame (behind a
 * 12-byte virtio-net header) offered; the back-end must consume it (used
 * index 1 on vring 1) and keep the connection.
 */
static int
good_session(int fd)
{
	const uint16_t *used_idx;
	int i;

	if (rings_up(fd) < 0) {
		printf("FAIL good: handshake not sent\n");
		return 1;
	}
	used_idx = (const uint16_t *)(mem + 0x22000 + 2); /* vring 1's used ring: flags, idx */
	memset(mem + 0x40000, 0xff, 12 + 64);
	memset(mem + 0x40000, 0, 12);
	usleep(100 * 1000);
	offer_tx(GPA + 0x40000, 12 + 64);
	for (i = 0; i < 50; i++) {
		if (__atomic_load_n(used_idx, __ATOMIC_ACQUIRE) == 1)
			break;
		usleep(100 * 1000);
	}
	if (__atomic_load_n(used_idx, __ATOMIC_ACQUIRE) != 1) {
		printf("FAIL good: the back-end did not take the packet\n");
		return 1;
	}
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 200) > 0) {
			printf("FAIL good: the back-end closed (or wrote to) a valid session\n");
			return 1;
		}
	}
	printf("PASS good\n");
	return 0;
}

/* A datapath rule: counted as ring_violation_disconnects, not as a message violation. */
#define EXPECT_RING VHOST_MSG_OK

struct bad_case {
	const char *name;
	int (*run)(int fd);
	enum vhost_msg_err expect; /**< the reason the back-end must count */
};

static const struct bad_case cases[] = {
	{ "truncated", c_truncated, VHOST_ERR_TRUNCATED },
	{ "flags", c_flags, VHOST_ERR_FLAGS },
	{ "flags_reply", c_flags_reply, VHOST_ERR_FLAGS },
	{ "flags_unknown", c_flags_unknown, VHOST_ERR_FLAGS },
	{ "unsupported_request", c_unsupported, VHOST_ERR_UNSUPPORTED },
	{ "payload_size", c_payload_size, VHOST_ERR_SIZE },
	{ "payload_oversize", c_payload_oversize, VHOST_ERR_SIZE },
	{ "mem_table_size", c_mem_table_size, VHOST_ERR_SIZE },
	{ "fd_count", c_fd_count, VHOST_ERR_FDS },
	{ "too_many_fds", c_too_many_fds, VHOST_ERR_FDS },
	{ "mem_table_fds", c_mem_table_fds, VHOST_ERR_FDS },
	{ "kick_missing_fd", c_kick_missing_fd, VHOST_ERR_FDS },
	{ "nofd_with_fd", c_nofd_with_fd, VHOST_ERR_FDS },
	{ "features", c_features, VHOST_ERR_FEATURES },
	{ "features_no_version1", c_features_no_version1, VHOST_ERR_FEATURES },
	{ "protocol_features", c_protocol_features, VHOST_ERR_PROTOCOL_FEATURES },
	{ "enable_no_protocol", c_enable_no_protocol, VHOST_ERR_PROTOCOL_FEATURES },
	{ "mtu_not_negotiated", c_mtu_not_negotiated, VHOST_ERR_PROTOCOL_FEATURES },
	{ "region_count", c_region_count, VHOST_ERR_REGIONS },
	{ "region_count_max", c_region_count_max, VHOST_ERR_REGIONS },
	{ "region_range", c_region_overlap, VHOST_ERR_REGION_RANGE },
	{ "region_empty", c_region_empty, VHOST_ERR_REGION_RANGE },
	{ "region_wrap", c_region_wrap, VHOST_ERR_REGION_RANGE },
	{ "map", c_region_beyond_file, VHOST_ERR_MAP },
	{ "queue_index", c_queue_index, VHOST_ERR_QUEUE_INDEX },
	{ "kick_queue_index", c_kick_queue_index, VHOST_ERR_QUEUE_INDEX },
	{ "ring_size", c_ring_size, VHOST_ERR_RING_SIZE },
	{ "ring_size_max", c_ring_size_max, VHOST_ERR_RING_SIZE },
	{ "ring_size_pow2", c_ring_size_pow2, VHOST_ERR_RING_SIZE },
	{ "ring_addr", c_ring_addr, VHOST_ERR_RING_ADDR },
	{ "ring_addr_align", c_ring_addr_align, VHOST_ERR_RING_ADDR },
	{ "kick_no_addr", c_kick_no_addr, VHOST_ERR_RING_ADDR },
	{ "ring_base", c_ring_base, VHOST_ERR_RING_BASE },
	{ "ring_base_range", c_ring_base_range, VHOST_ERR_RING_BASE },
	{ "ring_flags", c_ring_flags, VHOST_ERR_RING_FLAGS },
	{ "kick_flags", c_kick_flags, VHOST_ERR_RING_FLAGS },
	{ "enable_value", c_enable_value, VHOST_ERR_RING_FLAGS },
	{ "mtu", c_mtu, VHOST_ERR_MTU },
	{ "mtu_small", c_mtu_small, VHOST_ERR_MTU },
	{ "state", c_state, VHOST_ERR_STATE },
	{ "features_while_running", c_features_while_running, VHOST_ERR_STATE },
	{ "num_while_running", c_num_while_running, VHOST_ERR_STATE },
	{ "ring_buffer_addr", c_ring_buffer_addr, EXPECT_RING },
};
#define NB_CASES (sizeof(cases) / sizeof(cases[0]))

static const struct bad_case *
case_named(const char *name)
{
	size_t i;

	for (i = 0; i < NB_CASES; i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

/* Wait for the back-end to close: read until EOF (replies are drained), at most @p ms. */
static bool
closed_within(int fd, int ms)
{
	char buf[512];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (poll(&p, 1, ms) > 0) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return true;
		if (r < 0)
			return false;
	}
	return false;
}

static int
run_case(const struct bad_case *c, pid_t pid)
{
	int fd = conn_open();

	if (fd < 0) {
		printf("FAIL %s: cannot connect to %s\n", c->name, sock_path);
		return 1;
	}
	if (c->run(fd) < 0) {
		printf("FAIL %s: could not send\n", c->name);
		close(fd);
		return 1;
	}
	if (!closed_within(fd, 5000)) {
		printf("FAIL %s: connection not closed\n", c->name);
		close(fd);
		return 1;
	}
	close(fd);
	if (kill(pid, 0) != 0) {
		printf("FAIL %s: back-end process %d is gone\n", c->name, (int)pid);
		return 1;
	}
	printf("PASS %s\n", c->name);
	return 0;
}

static int
run_good(pid_t pid)
{
	int fd = conn_open(), rc;

	if (fd < 0) {
		printf("FAIL good: cannot connect to %s\n", sock_path);
		return 1;
	}
	rc = good_session(fd);
	close(fd);
	if (kill(pid, 0) != 0) {
		printf("FAIL good: back-end process %d is gone\n", (int)pid);
		return 1;
	}
	return rc;
}

/* The xstat a case must bump. */
static int
print_xstat(const char *name)
{
	const struct bad_case *c = case_named(name);

	if (c == NULL) {
		fprintf(stderr, "no case %s\n", name);
		return 1;
	}
	if (c->expect == EXPECT_RING)
		printf("ring_violation_disconnects\n");
	else
		printf("vhost_violation_%s\n", vhost_msg_err_name(c->expect));
	return 0;
}

/* The names given are exactly our cases, and every violation reason has one. */
static int
check_cases(int n, char **names)
{
	bool listed[NB_CASES] = { false };
	bool reason[VHOST_ERR__MAX] = { false };
	int failed = 0, k;
	size_t i;

	for (k = 0; k < n; k++) {
		const struct bad_case *c = case_named(names[k]);

		if (c == NULL) {
			printf("FAIL: %s is registered but is not a case\n", names[k]);
			failed = 1;
			continue;
		}
		listed[c - cases] = true;
		reason[c->expect] = true;
	}
	for (i = 0; i < NB_CASES; i++) {
		if (!listed[i]) {
			printf("FAIL: case %s is not registered as a test\n", cases[i].name);
			failed = 1;
		}
	}
	for (k = 1; k < VHOST_ERR__MAX; k++)
		if (!reason[k]) {
			printf("FAIL: no case breaks rule '%s'\n", vhost_msg_err_name(k));
			failed = 1;
		}
	if (!failed)
		printf("PASS: %zu cases cover all %d violation reasons\n", NB_CASES, VHOST_ERR__MAX - 1);
	return failed;
}

int
main(int argc, char **argv)
{
	size_t i;
	int failed = 0, k;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "--xstat") == 0)
		return print_xstat(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "--check") == 0)
		return check_cases(argc - 2, argv + 2);
	if (argc < 3) {
		fprintf(stderr, "usage: %s SOCKET PID [CASE...|good]\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	pid = (pid_t)atoi(argv[2]);
	for (k = 3; k < argc; k++) {
		if (strcmp(argv[k], "good") == 0)
			continue;
		if (case_named(argv[k]) == NULL) {
			fprintf(stderr, "no case %s\n", argv[k]);
			return 2;
		}
	}
	for (i = 0; i < NB_CASES; i++) {
		bool want = argc == 3;

		for (k = 3; k < argc; k++)
			want |= strcmp(argv[k], cases[i].name) == 0;
		if (want)
			failed += run_case(&cases[i], pid);
	}
	for (k = 3; k < argc; k++)
		if (strcmp(argv[k], "good") == 0)
			failed += run_good(pid);
	return failed ? 1 : 0;
}
