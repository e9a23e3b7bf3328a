/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Test front-ends' side of the vhost-user socket: sending bytes with fds
 * attached (SCM_RIGHTS), and counting this process's open fds (what the
 * back-end under test must not leak).
 */

#ifndef VP_SCM_SEND_H
#define VP_SCM_SEND_H

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#define SCM_SEND_MAX_FDS 16

/* Send @p len bytes of @p buf with @p nfds fds of @p fds attached. @return as sendmsg(). */
static inline ssize_t
scm_send(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds, int flags)
{
	char ctl[CMSG_SPACE(SCM_SEND_MAX_FDS * sizeof(int))];
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nfds > SCM_SEND_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
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
	return sendmsg(sock, &mh, flags);
}

/* Entries of /proc/self/fd (with "." and ".."): compare two counts, never read one alone. */
static inline unsigned int
count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	if (d == NULL)
		return 0;
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

#endif /* VP_SCM_SEND_H */
