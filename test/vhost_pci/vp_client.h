/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * A scriptable vhost-user front-end for tests: framing, the messages a
 * session needs, a memfd standing in for guest RAM, and the well-formed
 * session every hostile test ends with.
 */

#ifndef VP_CLIENT_H
#define VP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vhost_msg.h"

#define MEM_SIZE (2u << 20)
#define UVA 0x7f0000000000ULL
#define GPA 0x40000000ULL
#define F_OK_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VHOST_USER_F_PROTOCOL_FEATURES))

extern const char *sock_path; /**< the back-end's socket */
extern int mem_fd;            /**< the memfd behind the guest RAM, -1 before mem_setup() */
extern uint8_t *mem;          /**< its mapping */

int conn_open(void);
int send_raw(int fd, const void *buf, size_t len, const int *fds, int nfds);
size_t msg_init(struct vhost_msg *m, uint32_t req, uint32_t size);
int send_u64(int fd, uint32_t req, uint64_t v, const int *fds, int nfds);
int send_state(int fd, uint32_t req, uint32_t index, uint32_t num);
int send_addr(int fd, uint32_t index, uint32_t flags, uint64_t desc, uint64_t avail, uint64_t used);
int mem_setup(void);
int send_mem(int fd, uint32_t n, const struct vhost_mem_region *r, const int *fds, int nfds);
/** Features and one memory region over the memfd. */
int preamble(int fd, uint64_t features);
/** One split ring on vring @p q at UVA + @p off: size 256, base 0, kick (no fd), enable. */
int ring_up(int fd, uint32_t q, uint64_t off);
/** Both vrings of pair 0 running, vring q at UVA + 0x10000 * (q + 1). */
int rings_up(int fd);
/** Offer one buffer at guest-physical @p gpa, @p len bytes, on vring 1 (our rx, their tx). */
void offer_tx(uint64_t gpa, uint32_t len);
/** The well-formed session on @p fd: one packet must be taken, the connection kept. */
int good_session(int fd);
/** Wait for the back-end to close @p fd (replies drained), at most @p ms. */
bool closed_within(int fd, int ms);
/** Connect and run good_session(); @p pid must be alive afterwards. */
int run_good(pid_t pid);

#endif /* VP_CLIENT_H */
