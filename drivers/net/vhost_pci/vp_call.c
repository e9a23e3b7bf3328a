/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Signalling the front-end's call eventfd without ever blocking.
 *
 * write(2) on an eventfd blocks while the counter cannot take the value
 * (a peer that wrote 0xfffffffffffffffe into it), unless the file
 * description is O_NONBLOCK; but the description is shared with the peer,
 * which can clear O_NONBLOCK again at any moment, and checking with poll()
 * first leaves a window in which the peer fills the counter. Nor can we
 * signal an eventfd of our own: the peer waits on the one it gave us.
 *
 * So we never write(2) to it. The kernel increments an eventfd on its own
 * behalf when an AIO request submitted with IOCB_FLAG_RESFD completes, and
 * that increment saturates at the maximum instead of waiting (eventfd_signal).
 * Each notification submits one zero-byte read of /dev/null that completes
 * inside io_submit(): one syscall, like the write it replaces, and nothing
 * the peer does to its fd or counter can make it wait. Completions are
 * reaped in batches when the context's ring fills (io_submit says EAGAIN).
 * io_submit also refuses an fd that is not an eventfd.
 *
 * Without AIO (io_setup failed) we fall back to a write only after poll()
 * says the counter has room, with O_NONBLOCK set on each call: racy against
 * a peer that refills in between, and logged as such at set-up.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vp_call.h"
#include "vp_internal.h"

#define VP_CALL_AIO_EVENTS 128 /* completions in flight before a reap */
#define VP_CALL_REAP 64        /* completions reaped per io_getevents */

static int vp_devnull = -1; /* process-wide, opened once by the control path */

bool
vp_fd_is_eventfd(int fd)
{
	static const char want[] = "anon_inode:[eventfd]";
	char path[40], link[sizeof(want) + 1];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link));
	return n == (ssize_t)(sizeof(want) - 1) && memcmp(link, want, sizeof(want) - 1) == 0;
}

int
vp_call_open(struct vp_call *c)
{
	aio_context_t ctx = 0;
	int fd;

	c->aio = 0;
	if (__atomic_load_n(&vp_devnull, __ATOMIC_ACQUIRE) < 0) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			int none = -1;

			if (!__atomic_compare_exchange_n(&vp_devnull, &none, fd, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				close(fd);
		}
	}
	if (__atomic_load_n(&vp_devnull, __ATOMIC_ACQUIRE) < 0 ||
	    syscall(SYS_io_setup, VP_CALL_AIO_EVENTS, &ctx) < 0) {
		VP_LOG(WARNING, "no kernel AIO (%s): call notifications use a guarded write,"
		       " which a hostile front-end can block", strerror(errno));
		return -1;
	}
	c->aio = ctx;
	return 0;
}

void
vp_call_close(struct vp_call *c)
{
	if (c->aio != 0)
		syscall(SYS_io_destroy, (aio_context_t)c->aio);
	c->aio = 0;
}

static bool
vp_call_submit(struct vp_call *c, int efd)
{
	struct iocb cb;
	struct iocb *p = &cb;

	memset(&cb, 0, sizeof(cb));
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_fildes = (uint32_t)vp_devnull;
	cb.aio_flags = IOCB_FLAG_RESFD;
	cb.aio_resfd = (uint32_t)efd;
	return syscall(SYS_io_submit, (aio_context_t)c->aio, 1L, &p) == 1;
}

bool
vp_call_signal(struct vp_call *c, int efd)
{
	static const uint64_t one = 1;
	struct pollfd p = { .fd = efd, .events = POLLOUT };

	if (c->aio != 0) {
		if (vp_call_submit(c, efd))
			return true;
		if (errno != EAGAIN)
			return false;
		{
			struct io_event ev[VP_CALL_REAP];
			struct timespec zero = { 0, 0 };

			syscall(SYS_io_getevents, (aio_context_t)c->aio, 0L, (long)VP_CALL_REAP, ev,
				&zero);
		}
		return vp_call_submit(c, efd);
	}
	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
		return false;
	fcntl(efd, F_SETFL, O_NONBLOCK);
	return write(efd, &one, sizeof(one)) == sizeof(one);
}
