/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* A scriptable vhost-user front-end for tests (see vp_client.h). */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "scm_send.h"
#include "vp_client.h"

const char *sock_path;

int
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

int
send_raw(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
	if (nfds < 0)
		return -1;
	return scm_send(fd, buf, len, fds, (unsigned int)nfds, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

size_t
msg_init(struct vhost_msg *m, uint32_t req, uint32_t size)
{
	memset(m, 0, sizeof(*m));
	m->hdr.request = req;
	m->hdr.flags = VHOST_USER_VERSION;
	m->hdr.size = size;
	return VHOST_MSG_HDR_SIZE + size;
}

int
send_u64(int fd, uint32_t req, uint64_t v, const int *fds, int nfds)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, req, 8);

	m.payload.u64 = v;
	return send_raw(fd, &m, n, fds, nfds);
}

int
send_state(int fd, uint32_t req, uint32_t index, uint32_t num)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, req, 8);

	m.payload.state.index = index;
	m.payload.state.num = num;
	return send_raw(fd, &m, n, NULL, 0);
}

int
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
int mem_fd = -1;
uint8_t *mem;

int
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

int
send_mem(int fd, uint32_t n, const struct vhost_mem_region *r, const int *fds, int nfds)
{
	struct vhost_msg m;
	size_t len = msg_init(&m, VHOST_USER_SET_MEM_TABLE, 8 + n * 32);

	m.payload.mem.nregions = n;
	memcpy((uint8_t *)&m + VHOST_MSG_HDR_SIZE + 8, r, n * sizeof(*r));
	return send_raw(fd, &m, len, fds, nfds);
}

/* Features (split, no protocol bits) and one memory region over the memfd. */
int
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
int
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
int
rings_up(int fd)
{
	if (preamble(fd, F_OK_FEATURES) < 0)
		return -1;
	memset(mem, 0, MEM_SIZE);
	return ring_up(fd, 0, 0x10000) == 0 && ring_up(fd, 1, 0x20000) == 0 ? 0 : -1;
}

/* Offer one buffer at guest-physical @p gpa, @p len bytes, on vring 1 (our rx, their tx). */
void
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

/*
 * The well-formed session: both rings up, one 64-byte frame (behind a
 * 12-byte virtio-net header) offered; the back-end must consume it (used
 * index 1 on vring 1) and keep the connection.
 */
int
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

/* Wait for the back-end to close: read until EOF (replies are drained), at most @p ms. */
bool
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

int
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
