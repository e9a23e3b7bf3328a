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

/* ---------------------------------------------------------------- cases */

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
c_features(int fd)
{
	return send_u64(fd, VHOST_USER_SET_FEATURES, F_OK_FEATURES | (1ULL << 28), NULL, 0);
}

static int
c_protocol_features(int fd)
{
	return send_u64(fd, VHOST_USER_SET_PROTOCOL_FEATURES, 1ULL << 1, NULL, 0);
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
c_ring_size(int fd)
{
	return send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 0);
}

static int
c_ring_addr(int fd)
{
	if (preamble(fd, F_OK_FEATURES) < 0 || send_state(fd, VHOST_USER_SET_VRING_NUM, 0, 256) < 0)
		return -1;
	return send_addr(fd, 0, 0, UVA + MEM_SIZE, UVA + 0x1000, UVA + 0x2000);
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
c_ring_flags(int fd)
{
	return send_addr(fd, 0, 1 /* log */, UVA, UVA + 0x1000, UVA + 0x2000);
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
c_state(int fd)
{
	return send_u64(fd, VHOST_USER_SET_VRING_KICK, VHOST_USER_VRING_NOFD_MASK, NULL, 0);
}

/*
 * A valid split ring pair whose tx ring (vring 1) then offers a buffer
 * outside the memory table: the datapath must refuse it and the control
 * thread must drop the connection. Needs the back-end forwarding.
 */
static int
c_ring_buffer_addr(int fd)
{
	const uint32_t num = 256;
	uint32_t q;

	if (preamble(fd, F_OK_FEATURES) < 0)
		return -1;
	memset(mem, 0, MEM_SIZE);
	for (q = 0; q < 2; q++) {
		uint64_t off = 0x10000 * (q + 1);
		int ok = send_state(fd, VHOST_USER_SET_VRING_NUM, q, num) == 0 &&
			 send_state(fd, VHOST_USER_SET_VRING_BASE, q, 0) == 0 &&
			 send_addr(fd, q, 0, UVA + off, UVA + off + 0x1000, UVA + off + 0x2000) == 0 &&
			 send_u64(fd, VHOST_USER_SET_VRING_KICK, q | VHOST_USER_VRING_NOFD_MASK,
				  NULL, 0) == 0 &&
			 send_state(fd, VHOST_USER_SET_VRING_ENABLE, q, 1) == 0;
		if (!ok)
			return -1;
	}
	usleep(300 * 1000);
	{
		/* vring 1 at UVA + 0x20000: desc, avail at +0x1000 */
		uint8_t *desc = mem + 0x20000, *avail = mem + 0x21000;
		uint64_t addr = GPA + MEM_SIZE + 4096; /* outside */
		uint32_t len = 100;
		uint16_t flags = 0, head = 0, idx = 1;

		memcpy(desc, &addr, 8);
		memcpy(desc + 8, &len, 4);
		memcpy(desc + 12, &flags, 2);
		memcpy(avail + 4, &head, 2);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		memcpy(avail + 2, &idx, 2);
	}
	return 0;
}

struct bad_case {
	const char *name;
	int (*run)(int fd);
};

static const struct bad_case cases[] = {
	{ "truncated", c_truncated },
	{ "flags", c_flags },
	{ "unsupported_request", c_unsupported },
	{ "payload_size", c_payload_size },
	{ "fd_count", c_fd_count },
	{ "too_many_fds", c_too_many_fds },
	{ "features", c_features },
	{ "protocol_features", c_protocol_features },
	{ "region_count", c_region_count },
	{ "region_range", c_region_overlap },
	{ "map", c_region_beyond_file },
	{ "queue_index", c_queue_index },
	{ "ring_size", c_ring_size },
	{ "ring_addr", c_ring_addr },
	{ "ring_base", c_ring_base },
	{ "ring_flags", c_ring_flags },
	{ "mtu", c_mtu },
	{ "state", c_state },
	{ "ring_buffer_addr", c_ring_buffer_addr },
};

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

int
main(int argc, char **argv)
{
	size_t i;
	int failed = 0, k;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SOCKET PID [CASE...]\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool want = argc == 3;

		for (k = 3; k < argc; k++)
			want |= strcmp(argv[k], cases[i].name) == 0;
		if (want)
			failed += run_case(&cases[i], (pid_t)atoi(argv[2]));
	}
	return failed ? 1 : 0;
}
