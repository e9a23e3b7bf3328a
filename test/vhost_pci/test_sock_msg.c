/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * vhost-user socket framing (vp_recv_msg) over a socketpair: whole messages,
 * fds with the header, fds where they must not be, messages cut short. The
 * fds array sits before guard words, and every fd received must be either
 * returned or closed.
 */

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>

#include "scm_send.h"
#include "vp_sock_msg.h"

#define GUARD 0x5a5a5a5a

struct fd_buf {
	int fds[VHOST_MSG_MAX_FDS];
	int guard[2 * VHOST_MSG_MAX_FDS];
};

static int sv[2];

static void
pair_up(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void
pair_down(void)
{
	close(sv[0]);
	close(sv[1]);
}

static void
send_with_fds(const void *buf, size_t len, int fd, int nfds)
{
	int fds[SCM_SEND_MAX_FDS], i;

	for (i = 0; i < nfds; i++)
		fds[i] = fd;
	ck_assert_int_eq(scm_send(sv[1], buf, len, fds, (unsigned int)nfds, 0), (ssize_t)len);
}

static void
guards_intact(const struct fd_buf *b)
{
	unsigned int i;

	for (i = 0; i < (sizeof(b->guard) / sizeof(b->guard[0])); i++)
		ck_assert_int_eq(b->guard[i], GUARD);
}

static void
fd_buf_init(struct fd_buf *b)
{
	unsigned int i;

	memset(b->fds, 0xff, sizeof(b->fds));
	for (i = 0; i < (sizeof(b->guard) / sizeof(b->guard[0])); i++)
		b->guard[i] = GUARD;
}

static struct vhost_msg_hdr
hdr_of(uint32_t req, uint32_t size)
{
	struct vhost_msg_hdr h = { .request = req, .flags = VHOST_USER_VERSION, .size = size };

	return h;
}

START_TEST(whole_message_with_fd)
{
	struct vhost_msg_hdr h = hdr_of(VHOST_USER_SET_VRING_CALL, 8);
	uint8_t msg[VHOST_MSG_HDR_SIZE + 8] = { 0 }, buf[sizeof(struct vhost_msg)];
	struct fd_buf b;
	unsigned int nfds = 0;
	bool over;

	pair_up();
	fd_buf_init(&b);
	memcpy(msg, &h, sizeof(h));
	send_with_fds(msg, sizeof(msg), STDIN_FILENO, 1);
	ck_assert_int_eq(vp_recv_msg(sv[0], buf, sizeof(buf), b.fds, &nfds, &over), sizeof(msg));
	ck_assert_uint_eq(nfds, 1);
	ck_assert(!over);
	vp_close_fds(b.fds, nfds);
	guards_intact(&b);
	pair_down();
}
END_TEST

/*
 * Eight fds with the header, eight more with a payload cut short: the
 * second batch must not be stored past the array, and all sixteen must
 * end up closed (the caller closes the first eight).
 */
START_TEST(fds_in_second_read_of_short_message)
{
	struct vhost_msg_hdr h = hdr_of(VHOST_USER_SET_FEATURES, 8);
	uint8_t buf[sizeof(struct vhost_msg)], part[4] = { 0 };
	unsigned int nfds = 0, before;
	struct fd_buf b;
	bool over;

	pair_up();
	before = count_open_fds();
	fd_buf_init(&b);
	send_with_fds(&h, sizeof(h), STDIN_FILENO, VHOST_MSG_MAX_FDS);
	send_with_fds(part, sizeof(part), STDIN_FILENO, VHOST_MSG_MAX_FDS);
	shutdown(sv[1], SHUT_WR);
	ck_assert_int_eq(vp_recv_msg(sv[0], buf, sizeof(buf), b.fds, &nfds, &over), -2);
	guards_intact(&b);
	ck_assert_uint_le(nfds, VHOST_MSG_MAX_FDS);
	vp_close_fds(b.fds, nfds);
	ck_assert_uint_eq(count_open_fds(), before);
	pair_down();
}
END_TEST

/* Fds with a complete payload: counted as an fd overflow, and closed. */
START_TEST(fds_with_payload)
{
	struct vhost_msg_hdr h = hdr_of(VHOST_USER_SET_FEATURES, 8);
	uint8_t buf[sizeof(struct vhost_msg)], payload[8] = { 0 };
	unsigned int nfds = 0, before;
	struct fd_buf b;
	bool over;

	pair_up();
	before = count_open_fds();
	fd_buf_init(&b);
	send_with_fds(&h, sizeof(h), STDIN_FILENO, 2);
	send_with_fds(payload, sizeof(payload), STDIN_FILENO, VHOST_MSG_MAX_FDS);
	ck_assert_int_eq(vp_recv_msg(sv[0], buf, sizeof(buf), b.fds, &nfds, &over),
			 VHOST_MSG_HDR_SIZE + 8);
	ck_assert(over);
	guards_intact(&b);
	vp_close_fds(b.fds, nfds);
	ck_assert_uint_eq(count_open_fds(), before);
	pair_down();
}
END_TEST

/* More fds than a message may carry, with the header. */
START_TEST(too_many_fds_with_header)
{
	struct vhost_msg_hdr h = hdr_of(VHOST_USER_GET_FEATURES, 0);
	uint8_t buf[sizeof(struct vhost_msg)];
	unsigned int nfds = 0, before;
	struct fd_buf b;
	bool over;

	pair_up();
	before = count_open_fds();
	fd_buf_init(&b);
	send_with_fds(&h, sizeof(h), STDIN_FILENO, 12);
	ck_assert_int_eq(vp_recv_msg(sv[0], buf, sizeof(buf), b.fds, &nfds, &over),
			 VHOST_MSG_HDR_SIZE);
	ck_assert(over);
	guards_intact(&b);
	ck_assert_uint_le(nfds, VHOST_MSG_MAX_FDS);
	vp_close_fds(b.fds, nfds);
	ck_assert_uint_eq(count_open_fds(), before);
	pair_down();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vp_sock_msg");
	TCase *tc = tcase_create("framing");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, whole_message_with_fd);
	tcase_add_test(tc, fds_in_second_read_of_short_message);
	tcase_add_test(tc, fds_with_payload);
	tcase_add_test(tc, too_many_fds_with_header);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
