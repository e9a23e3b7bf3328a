/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Hostile front-end attacks that take more than one bad message: each sets
 * up a session that looks valid and then abuses what the back-end was
 * given (fds, memory, rings, the socket). The attack only delivers; the
 * script (vp-attack.sh) then runs a well-formed session on the same port
 * and checks the counters.
 *
 * usage: vp_attack SOCKET PID ATTACK
 * Prints "PASS attack" / "FAIL attack: why"; exit status 0 when delivered.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vp_client.h"

#define USED1_IDX ((const uint16_t *)(mem + 0x22000 + 2)) /* vring 1's used ring: flags, idx */

/* Wait until the back-end has used @p n buffers on vring 1, at most 5 s. */
static bool
used1_reaches(uint16_t n)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (__atomic_load_n(USED1_IDX, __ATOMIC_ACQUIRE) == n)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/* This process's eventfd counter, from /proc/self/fdinfo (reading the fd would reset it). */
static unsigned long long
eventfd_count(int efd)
{
	char path[64], line[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", efd);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "eventfd-count: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * Finding 1: a call eventfd one short of full, made blocking again after the
 * back-end might have set O_NONBLOCK on the shared description. The
 * back-end's used-buffer notification must neither block nor be lost (the
 * counter saturates), and the port must keep serving the next front-end.
 */
static int
a_call_full(int fd)
{
	uint64_t fill = 0xfffffffffffffffeULL;
	int efd = eventfd(0, EFD_NONBLOCK), i;

	if (efd < 0 || write(efd, &fill, sizeof(fill)) != sizeof(fill) ||
	    fcntl(efd, F_SETFL, 0) < 0)
		return -1;
	if (rings_up(fd) < 0 || send_u64(fd, VHOST_USER_SET_VRING_CALL, 1, &efd, 1) < 0)
		return -1;
	usleep(300 * 1000);
	memset(mem + 0x40000, 0, 12 + 64);
	offer_tx(GPA + 0x40000, 12 + 64);
	if (!used1_reaches(1)) {
		printf("FAIL call_full: the back-end did not take the packet\n");
		return -1;
	}
	/* keep clearing O_NONBLOCK while the back-end signals */
	for (i = 0; i < 20 && eventfd_count(efd) != UINT64_MAX; i++) {
		fcntl(efd, F_SETFL, 0);
		usleep(100 * 1000);
	}
	if (eventfd_count(efd) != UINT64_MAX) {
		printf("FAIL call_full: no notification arrived (count %llx)\n", eventfd_count(efd));
		return -1;
	}
	close(efd);
	return 0;
}

/* Finding 1: anything but an eventfd as call fd (a pipe nobody reads) is refused. */
static int
a_call_pipe(int fd)
{
	int p[2];

	if (pipe(p) < 0 || rings_up(fd) < 0)
		return -1;
	if (send_u64(fd, VHOST_USER_SET_VRING_CALL, 1, &p[1], 1) < 0)
		return -1;
	if (!closed_within(fd, 5000)) {
		printf("FAIL call_pipe: a pipe was accepted as call fd\n");
		return -1;
	}
	return 0;
}

/*
 * Offer chain @p n on vring 1 (avail entry n, head descriptor 16 * n): @p ndesc
 * descriptors of @p len bytes each, all at guest-physical @p gpa.
 */
static void
offer_chain(uint16_t n, uint16_t ndesc, uint64_t gpa, uint32_t len)
{
	uint8_t *desc = mem + 0x20000, *avail = mem + 0x21000;
	uint16_t head = (uint16_t)(16 * n), idx = (uint16_t)(n + 1), i;

	for (i = 0; i < ndesc; i++) {
		uint8_t *d = desc + 16 * (head + i);
		uint16_t flags = i + 1 < ndesc ? 1 /* NEXT */ : 0, next = (uint16_t)(head + i + 1);

		memcpy(d, &gpa, 8);
		memcpy(d + 8, &len, 4);
		memcpy(d + 12, &flags, 2);
		memcpy(d + 14, &next, 2);
	}
	memcpy(avail + 4 + 2 * n, &head, 2);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(avail + 2, &idx, 2);
}

/*
 * Finding 4: a 128 MiB frame (64 descriptors over the whole 2 MiB of guest
 * memory each) and one a byte longer than MTU 1500 allows. Both must be
 * dropped before any copy (rx_q0_drop_oversize), not copied until the pool
 * runs dry.
 */
static int
a_rx_oversize(int fd)
{
	if (rings_up(fd) < 0)
		return -1;
	usleep(300 * 1000);
	memset(mem + 0x40000, 0, 12);
	offer_chain(0, 64, GPA, MEM_SIZE);
	if (!used1_reaches(1))
		return -1;
	offer_chain(1, 1, GPA + 0x40000, 12 + 1518 + 1);
	return used1_reaches(2) ? 0 : -1;
}

/*
 * Finding 7: requests that need a reply, and never a read. The back-end must
 * drop us within a few seconds rather than wait in send() (where it could
 * not serve the port, nor be closed).
 */
static int
a_no_read(int fd)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_GET_FEATURES, 0);
	struct pollfd p = { .fd = fd, .events = 0 };
	int again = 0, i;

	for (i = 0; i < 1000000 && again < 100; i++) {
		if (send(fd, &m, n, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)n) {
			again = 0;
			continue;
		}
		if (errno != EAGAIN)
			return 0; /* the back-end closed: what we want */
		again++;
		usleep(10 * 1000);
	}
	if (poll(&p, 1, 5000) == 1 && (p.revents & (POLLHUP | POLLERR)))
		return 0;
	printf("FAIL no_read: the back-end kept a front-end that does not read\n");
	return -1;
}

/*
 * Finding 2: a session that passed a packet, then the guest RAM memfd
 * truncated to 0 while the back-end polls its rings. The back-end must
 * survive the SIGBUS and drop us (we must not touch our own mapping again).
 */
static int
a_truncate(int fd)
{
	if (rings_up(fd) < 0)
		return -1;
	usleep(300 * 1000);
	memset(mem + 0x40000, 0, 12 + 64);
	offer_tx(GPA + 0x40000, 12 + 64);
	if (!used1_reaches(1))
		return -1;
	if (ftruncate(mem_fd, 0) < 0)
		return -1;
	if (!closed_within(fd, 5000)) {
		printf("FAIL truncate: the back-end kept the connection\n");
		return -1;
	}
	return 0;
}

/*
 * Finding 8: malformed sessions in a loop for 5 s (connect, a message with
 * bad flags, wait for the close). The back-end must count every one and
 * log a bounded number of lines.
 */
static int
a_log_flood(int fd)
{
	struct vhost_msg m;
	size_t n = msg_init(&m, VHOST_USER_GET_FEATURES, 0);
	unsigned int sessions = 0;
	time_t end = time(NULL) + 5;

	m.hdr.flags = 0;
	close(fd);
	while (time(NULL) < end) {
		int c = conn_open();

		if (c < 0)
			return -1;
		if (send_raw(c, &m, n, NULL, 0) == 0 && closed_within(c, 1000))
			sessions++;
		close(c);
	}
	printf("log_flood: %u malformed sessions\n", sessions);
	return sessions >= 100 ? 0 : -1;
}

/*
 * Finding 3: the back-end holds (stashed) buffers of our rx ring (vring 0)
 * when the memory table is sent again, as QEMU does on memory hot-plug.
 * Buffers of 32 bytes are too small for testpmd's 64-byte frames without
 * MRG_RXBUF, so the back-end keeps peeking them. It must give them back
 * before it unmaps the old mapping, survive, and keep serving the rings.
 */
static int
a_mem_swap_tx(int fd)
{
	struct vhost_mem_region r = { GPA, MEM_SIZE, UVA, 0 };
	uint8_t *desc, *avail;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint16_t i, flags = 2 /* WRITE */, idx = 128;
	uint32_t len = 32;

	if (rings_up(fd) < 0)
		return -1;
	desc = mem + 0x10000;
	avail = mem + 0x11000;
	for (i = 0; i < 128; i++) {
		uint64_t gpa = GPA + 0x50000 + 64ULL * i;

		memcpy(desc + 16 * i, &gpa, 8);
		memcpy(desc + 16 * i + 8, &len, 4);
		memcpy(desc + 16 * i + 12, &flags, 2);
		memcpy(avail + 4 + 2 * i, &i, 2);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(avail + 2, &idx, 2);
	usleep(500 * 1000);
	if (send_mem(fd, 1, &r, &mem_fd, 1) < 0)
		return -1;
	if (poll(&p, 1, 1000) != 0) {
		printf("FAIL mem_swap_tx: the back-end closed (or wrote to) the session\n");
		return -1;
	}
	return 0;
}

struct attack {
	const char *name;
	int (*run)(int fd);
};

static const struct attack attacks[] = {
	{ "call_full", a_call_full },
	{ "call_pipe", a_call_pipe },
	{ "rx_oversize", a_rx_oversize },
	{ "no_read", a_no_read },
	{ "truncate", a_truncate },
	{ "log_flood", a_log_flood },
	{ "mem_swap_tx", a_mem_swap_tx },
};

int
main(int argc, char **argv)
{
	const struct attack *a = NULL;
	size_t i;
	pid_t pid;
	int fd, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCKET PID ATTACK\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	pid = (pid_t)atoi(argv[2]);
	for (i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (strcmp(attacks[i].name, argv[3]) == 0)
			a = &attacks[i];
	if (a == NULL) {
		fprintf(stderr, "no attack %s\n", argv[3]);
		return 2;
	}
	fd = conn_open();
	if (fd < 0) {
		printf("FAIL %s: cannot connect to %s\n", a->name, sock_path);
		return 1;
	}
	rc = a->run(fd);
	close(fd);
	if (rc < 0) {
		printf("FAIL %s: not delivered\n", a->name);
		return 1;
	}
	if (kill(pid, 0) != 0) {
		printf("FAIL %s: back-end process %d is gone\n", a->name, (int)pid);
		return 1;
	}
	printf("PASS %s\n", a->name);
	return 0;
}
