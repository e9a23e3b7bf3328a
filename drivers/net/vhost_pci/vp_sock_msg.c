/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* vhost-user socket framing: one message and its SCM_RIGHTS fds (see vp_sock_msg.h). */

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vp_sock_msg.h"

void
vp_close_fds(const int *fds, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Collect SCM_RIGHTS fds from @p mh into @p fds (at most VHOST_MSG_MAX_FDS). */
static unsigned int
vp_take_fds(struct msghdr *mh, int *fds)
{
	struct cmsghdr *c;
	unsigned int n = 0, k, i;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (unsigned int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (n < VHOST_MSG_MAX_FDS)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

ssize_t
vp_recv_msg(int fd, uint8_t *buf, size_t cap, int *fds, unsigned int *nfds, bool *fd_overflow)
{
	char ctl[CMSG_SPACE(VHOST_MSG_MAX_FDS * sizeof(int))];
	struct iovec iov = { buf, VHOST_MSG_HDR_SIZE };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct vhost_msg_hdr hdr;
	ssize_t r;

	*fd_overflow = false;
	r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	if (r <= 0)
		return r;
	*nfds = vp_take_fds(&mh, fds);
	if (mh.msg_flags & MSG_CTRUNC)
		*fd_overflow = true;
	if (r < (ssize_t)VHOST_MSG_HDR_SIZE)
		return -2;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.size == 0 || hdr.size > cap - VHOST_MSG_HDR_SIZE)
		return VHOST_MSG_HDR_SIZE;
	iov.iov_base = buf + VHOST_MSG_HDR_SIZE;
	iov.iov_len = hdr.size;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	if (r != (ssize_t)hdr.size) {
		/* Fds that came with the rest of a short message: into a fresh array, closed. */
		int extra[VHOST_MSG_MAX_FDS];
		unsigned int k = r > 0 ? vp_take_fds(&mh, extra) : 0;

		vp_close_fds(extra, k);
		return -2;
	}
	if (mh.msg_controllen > 0 && CMSG_FIRSTHDR(&mh) != NULL) {
		int extra[VHOST_MSG_MAX_FDS];
		unsigned int k = vp_take_fds(&mh, extra);

		vp_close_fds(extra, k);
		*fd_overflow = true;
	}
	return VHOST_MSG_HDR_SIZE + hdr.size;
}
