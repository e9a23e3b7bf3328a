/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * libFuzzer harness: the input is a sequence of messages, each prefixed by
 * one byte whose low nibble is the number of fds to attach (0..15, more than
 * a message may carry) and one byte of length; with bit 4 of the first byte
 * set, a second length byte follows (high byte), so messages of more than
 * 255 bytes (8-region memory tables: 276) are reached. Fds are modelled as integers
 * (an input that asks for more than the fake table holds ends there);
 * the harness checks that the state machine closes each exactly once and that
 * a ready vring always fits the memory table.
 */

#include <stdlib.h>

#include "vhost_msg_test_util.h"

static void
check_invariants(const struct vhost_be *be)
{
	uint16_t q;

	for (q = 0; q < vhost_be_nr_vrings(be); q++)
		if (vhost_be_vring_ready(be, q) &&
		    vhost_mem_check_vring(&be->mem, &be->vring[q], vhost_be_packed(be)) != VHOST_MSG_OK)
			abort();
	if (be->mem.nregions != 0 && vhost_mem_check(&be->mem) != VHOST_MSG_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_fds ff;
	struct vhost_be be;
	struct vhost_msg reply;
	uint8_t buf[sizeof(struct vhost_msg) + 16];
	size_t rlen;
	uint32_t act;

	test_be_init(&be, &ff, 8);
	while (size >= 2) {
		unsigned int nfds = data[0] & 0xf, i;
		size_t len = data[1], hdr = 2;
		int fds[16];

		if (data[0] & 0x10) {
			if (size < 3)
				break;
			len |= (size_t)data[2] << 8;
			hdr = 3;
		}
		data += hdr;
		size -= hdr;
		if (len > size)
			len = size;
		if (len > sizeof(buf))
			len = sizeof(buf);
		memcpy(buf, data, len);
		data += len;
		size -= len;
		for (i = 0; i < nfds; i++)
			if ((fds[i] = fake_fd_new(&ff)) < 0)
				break;
		if (i < nfds) {
			/*
			 * The fake fd table is full (an input can ask for
			 * more fds than it holds): no real socket hands out
			 * -1, so the input ends here, as if the connection
			 * closed; the fds of this message were never handed on.
			 */
			while (i-- > 0)
				fake_close(&ff, fds[i]);
			break;
		}
		if (vhost_be_handle(&be, buf, len, fds, nfds, &reply, &rlen, &act) != VHOST_MSG_OK) {
			vhost_be_reset(&be); /* the transport closes the connection */
			continue;
		}
		if ((act & VHOST_BE_ACT_REPLY) && (rlen < VHOST_MSG_HDR_SIZE || rlen > sizeof(reply)))
			abort();
		check_invariants(&be);
	}
	vhost_be_reset(&be);
	if (ff.double_close != 0 || fake_fds_open(&ff) != 0)
		abort();
	return 0;
}
