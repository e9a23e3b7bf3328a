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

#include "vp_client.h"

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

/*
 * The region's user address and file offset differ by 8 bytes modulo 16: a
 * ring aligned in the front-end's address space would be misaligned in ours.
 */
static int
c_region_offset_align(int fd)
{
	struct vhost_mem_region r = { GPA, 1u << 20, UVA, 8 }; /* the file holds 2 MiB */

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
	{ "map_align", c_region_offset_align, VHOST_ERR_MAP },
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
