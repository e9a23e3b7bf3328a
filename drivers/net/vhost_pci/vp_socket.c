/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Socket transport and control thread: accepts (server) or connects to
 * (client) the front-end's vhost-user unix socket, receives messages and
 * their fds, runs them through the state machine with every queue quiesced,
 * sends replies, and tears everything down when the front-end goes away or
 * breaks a rule. Never on the datapath.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "vp_internal.h"
#include "vp_sock_msg.h"

static void
vp_close_fd(void *ctx, int fd)
{
	RTE_SET_USED(ctx);
	close(fd);
}

/* The state machine's hooks: memory is mapped from the fds the message carried. */
const struct vhost_be_ops vp_sock_be_ops = {
	.map_mem = vp_mem_map,
	.close_fd = vp_close_fd,
	.pre_handle = vp_pre_handle,
};

#define VP_POLL_MS 100
#define VP_RECV_TIMEOUT_S 1
#define VP_RECONNECT_MS 500

/*
 * Kick, call and err fds must be eventfds: we signal the call fd from the
 * datapath (vp_call.c), and anything else (a pipe nobody reads, a socket, a
 * file) could block or mislead us.
 */
static bool
vp_fds_acceptable(const uint8_t *buf, size_t len, const int *fds, unsigned int nfds)
{
	struct vhost_msg_hdr hdr;
	unsigned int i;

	if (len < sizeof(hdr))
		return true;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.request != VHOST_USER_SET_VRING_KICK && hdr.request != VHOST_USER_SET_VRING_CALL &&
	    hdr.request != VHOST_USER_SET_VRING_ERR)
		return true;
	for (i = 0; i < nfds; i++)
		if (!vp_fd_is_eventfd(fds[i]))
			return false;
	return true;
}

/* The front-end went away or broke a rule: drop every trace of it. */
static void
vp_disconnect(struct vp_internals *in, const char *why)
{
	if (in->conn_fd < 0)
		return;
	VP_PEER_LOG(in, NOTICE, "port %u: front-end disconnected (%s)", in->port_id, why);
	vp_quiesce(in);
	vp_detach_all(in);
	vhost_be_reset(&in->be);
	vp_mem_unmap(in);
	/*
	 * A fault in this session's memory may have been flagged after the
	 * control loop last looked (the lcore read the guard's zeros, saw a
	 * broken ring and we closed for that first): it belongs to this
	 * session, which is gone, and must not close the next front-end.
	 */
	if (__atomic_exchange_n(&in->mem_fault, 0, __ATOMIC_ACQ_REL))
		in->mem_faults++;
	vp_resume(in);
	close(in->conn_fd);
	in->conn_fd = -1;
	in->disconnects++;
	in->link_changed(in);
}

static void
vp_handle_one(struct vp_internals *in)
{
	uint8_t buf[sizeof(struct vhost_msg)];
	int fds[VHOST_MSG_MAX_FDS];
	unsigned int nfds = 0;
	struct vhost_msg_hdr hdr;
	struct vhost_msg reply;
	size_t rlen;
	uint32_t act;
	enum vhost_msg_err e;
	bool overflow;
	ssize_t n;

	n = vp_recv_msg(in->conn_fd, buf, sizeof(buf), fds, &nfds, &overflow);
	if (n <= 0) {
		vp_close_fds(fds, nfds);
		if (n == -2)
			in->be.err[VHOST_ERR_TRUNCATED]++;
		vp_disconnect(in, n == 0 ? "closed" : n == -2 ? "truncated message" : "receive error");
		return;
	}
	if (overflow) {
		/* more fds than a message may carry: counted as a wrong fd count */
		vp_close_fds(fds, nfds);
		in->be.err[VHOST_ERR_FDS]++;
		vp_disconnect(in, "too many fds");
		return;
	}
	if (!vp_fds_acceptable(buf, (size_t)n, fds, nfds)) {
		vp_close_fds(fds, nfds);
		in->be.err[VHOST_ERR_FDS]++;
		vp_disconnect(in, "kick/call/err fd is not an eventfd");
		return;
	}
	vp_quiesce(in);
	e = vhost_be_handle(&in->be, buf, (size_t)n, fds, nfds, &reply, &rlen, &act);
	if (e == VHOST_MSG_OK)
		vp_sync_all(in);
	vp_resume(in);
	/*
	 * Never wait for the front-end to read: a reply that does not fit in the
	 * socket's buffer now means it stopped reading, and waiting would wedge
	 * this thread (and pthread_join at close).
	 */
	if ((act & VHOST_BE_ACT_REPLY) &&
	    send(in->conn_fd, &reply, rlen, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)rlen &&
	    e == VHOST_MSG_OK) {
		vp_disconnect(in, "front-end does not read its replies");
		return;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	if (e != VHOST_MSG_OK) {
		VP_PEER_LOG(in, ERR, "port %u: refused %s (%u): %s", in->port_id, vhost_msg_name(hdr.request),
		       hdr.request, vhost_msg_err_name(e));
		vp_disconnect(in, "protocol violation");
		return;
	}
	VP_LOG(DEBUG, "port %u: %s", in->port_id, vhost_msg_name(hdr.request));
	in->link_changed(in);
}

static void
vp_connected(struct vp_internals *in, int fd)
{
	struct timeval tv = { VP_RECV_TIMEOUT_S, 0 };

	/* A peer that stops half-way through a message must not wedge us. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	in->conn_fd = fd;
	in->connects++;
	VP_PEER_LOG(in, NOTICE, "port %u: front-end connected on %s", in->port_id, in->iface);
}

static int
vp_unix_addr(struct vp_internals *in, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(in->iface) >= sizeof(sa->sun_path))
		return -1;
	strcpy(sa->sun_path, in->iface);
	return 0;
}

static void
vp_try_connect(struct vp_internals *in)
{
	struct sockaddr_un sa;
	int fd;

	if (vp_unix_addr(in, &sa) < 0)
		return;
	/* Non-blocking: a server that never accepts (full backlog) must not wedge us. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || fcntl(fd, F_SETFL, 0) < 0) {
		close(fd);
		poll(NULL, 0, VP_RECONNECT_MS);
		return;
	}
	vp_connected(in, fd);
}

static void
vp_poll_once(struct vp_internals *in)
{
	struct pollfd p[2];
	int n = 0, fd;

	if (in->conn_fd >= 0)
		p[n++] = (struct pollfd){ .fd = in->conn_fd, .events = POLLIN };
	if (in->listen_fd >= 0)
		p[n++] = (struct pollfd){ .fd = in->listen_fd, .events = POLLIN };
	if (n == 0 || poll(p, n, VP_POLL_MS) <= 0)
		return;
	if (in->conn_fd >= 0 && p[0].revents)
		vp_handle_one(in);
	if (in->listen_fd >= 0 && p[n - 1].revents & POLLIN) {
		fd = accept4(in->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (in->conn_fd >= 0) {
			/* one front-end per port; a second one is turned away */
			VP_PEER_LOG(in, WARNING, "port %u: second front-end refused", in->port_id);
			close(fd);
			return;
		}
		vp_connected(in, fd);
	}
}

static void *
vp_ctl_main(void *arg)
{
	struct vp_internals *in = arg;

	while (!in->ctl_stop) {
		if (in->client && in->conn_fd < 0)
			vp_try_connect(in);
		else
			vp_poll_once(in);
		if (in->conn_fd >= 0 && __atomic_exchange_n(&in->mem_fault, 0, __ATOMIC_ACQ_REL)) {
			in->mem_faults++;
			VP_PEER_LOG(in, ERR, "port %u: front-end truncated its memory under us", in->port_id);
			vp_disconnect(in, "memory truncated");
		}
		if (in->conn_fd >= 0 && vp_any_broken(in)) {
			in->ring_violations++;
			VP_PEER_LOG(in, ERR, "port %u: front-end broke a ring rule", in->port_id);
			vp_disconnect(in, "ring violation");
		}
	}
	vp_disconnect(in, "port closed");
	return NULL;
}

static int
vp_listen(struct vp_internals *in)
{
	struct sockaddr_un sa;
	int fd;

	if (vp_unix_addr(in, &sa) < 0) {
		VP_LOG(ERR, "socket path too long: %s", in->iface);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(in->iface);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		VP_LOG(ERR, "cannot listen on %s: %s", in->iface, strerror(errno));
		close(fd);
		return -1;
	}
	in->listen_fd = fd;
	return 0;
}

int
vp_ctl_start(struct vp_internals *in)
{
	char name[16];

	in->listen_fd = -1;
	in->conn_fd = -1;
	in->ctl_stop = 0;
	if (!in->client && vp_listen(in) < 0)
		return -1;
	snprintf(name, sizeof(name), "vp-ctl-%u", in->port_id);
	if (rte_ctrl_thread_create(&in->ctl_thread, name, NULL, vp_ctl_main, in) != 0) {
		if (in->listen_fd >= 0) {
			close(in->listen_fd);
			unlink(in->iface);
			in->listen_fd = -1;
		}
		return -1;
	}
	in->ctl_started = 1;
	return 0;
}

static void
vp_ctl_stop(struct vp_internals *in)
{
	if (!in->ctl_started)
		return;
	in->ctl_stop = 1;
	pthread_join(in->ctl_thread, NULL);
	in->ctl_started = 0;
	if (in->listen_fd >= 0) {
		close(in->listen_fd);
		unlink(in->iface);
		in->listen_fd = -1;
	}
}

static bool
vp_sock_frontend_present(const struct vp_internals *in)
{
	return in->conn_fd >= 0;
}

const struct vp_transport_ops vp_sock_transport = {
	.name = "vhost-user socket",
	.close = vp_ctl_stop,
	.frontend_present = vp_sock_frontend_present,
	.uva = vp_mem_uva,
	.call_doorbell = NULL, /* calls go to the call eventfds */
};
