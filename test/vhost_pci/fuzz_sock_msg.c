/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * libFuzzer harness for the vhost-user socket framing (vp_recv_msg): the
 * input is what a front-end writes into the socket, cut into sendmsg()
 * calls that each carry 0..15 fds (SCM_RIGHTS), so headers, payloads and
 * fds arrive split and joined every way. The harness reads messages until
 * the stream ends and checks that a returned length is what the header
 * announced, the fd count stays within the array (guard words after it),
 * and every fd received is either handed back or closed (the process's fd
 * count is back to where it started).
 *
 * Input: records of [byte: fds in the low nibble][byte: length][bytes].
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scm_send.h"
#include "vp_sock_msg.h"

#define GUARD 0x5a5a5a5a

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int devnull = -1;

static void
send_chunk(int fd, const uint8_t *p, size_t len, unsigned int nfds)
{
	int fds[SCM_SEND_MAX_FDS];
	unsigned int i;

	if (len == 0)
		return;
	for (i = 0; i < nfds; i++)
		fds[i] = devnull;
	/* socket buffer full: the rest is lost, as with a peer that gives up */
	(void)scm_send(fd, p, len, fds, nfds, MSG_DONTWAIT);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct {
		int fds[VHOST_MSG_MAX_FDS];
		int guard[VHOST_MSG_MAX_FDS];
	} b;
	uint8_t buf[sizeof(struct vhost_msg)];
	unsigned int before, i, nfds;
	int sv[2];
	bool over;
	ssize_t r;

	if (devnull < 0)
		devnull = open("/dev/null", O_RDONLY);
	if (size > 16384 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	before = count_open_fds();
	while (size >= 2) {
		size_t len = data[1] < size - 2 ? data[1] : size - 2;

		send_chunk(sv[1], data + 2, len, data[0] & 0xf);
		data += 2 + len;
		size -= 2 + len;
	}
	shutdown(sv[1], SHUT_WR);
	for (;;) {
		for (i = 0; i < VHOST_MSG_MAX_FDS; i++)
			b.guard[i] = GUARD;
		nfds = 0;
		r = vp_recv_msg(sv[0], buf, sizeof(buf), b.fds, &nfds, &over);
		for (i = 0; i < VHOST_MSG_MAX_FDS; i++)
			if (b.guard[i] != GUARD)
				abort();
		if (nfds > VHOST_MSG_MAX_FDS)
			abort();
		vp_close_fds(b.fds, nfds);
		if (r <= 0)
			break;
		if (r < (ssize_t)VHOST_MSG_HDR_SIZE || (size_t)r > sizeof(buf))
			abort();
	}
	close(sv[0]);
	close(sv[1]);
	/* fds still queued in the socket were closed with it */
	if (count_open_fds() != before - 2)
		abort();
	return 0;
}
