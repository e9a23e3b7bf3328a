/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * QEMU ivshmem-plain flavour, device side: the host flavour's layout over
 * BAR2 memory, without the file. Nothing here knows the PCI bus or
 * ethdev, so the unit tests attach it to ordinary memory.
 *
 * What the host flavour emulates with file locks has no counterpart here:
 * QEMU neither tells a guest that the other side went away nor clears the
 * state entry of a guest that died. peer_attached therefore always says yes
 * and the life cycle's heartbeat timeout decides; a killed peer's entry
 * keeps its last state until a new peer writes RESET at attach.
 */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "ivshmem2_plain.h"

/* Our "State register" is our entry of the table in shared memory. */
static void
iv2_plain_state_write(struct iv2_dev *d, uint32_t state)
{
	volatile uint32_t *own = (volatile uint32_t *)(uintptr_t)&d->state_table[d->id];

	/* Everything we wrote to our section before must be visible before the new state. */
	__atomic_store_n(own, state, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static bool
iv2_plain_peer_attached(struct iv2_dev *d)
{
	RTE_SET_USED(d);
	return true; /* no presence signal on this device: the heartbeat decides */
}

/* The bus owns the BAR mapping; we only leave RESET behind. */
static void
iv2_plain_close(struct iv2_dev *d)
{
	if (d->ops == NULL)
		return;
	iv2_plain_state_write(d, IV2_STATE_RESET);
	memset(d, 0, sizeof(*d));
}

static const struct iv2_dev_ops iv2_plain_ops = {
	.state_write = iv2_plain_state_write,
	.peer_attached = iv2_plain_peer_attached,
	.doorbell = NULL, /* ivshmem-plain has no doorbell; both sides poll */
	.close = iv2_plain_close,
};

int
iv2_plain_attach(struct iv2_dev *d, uint8_t *mem, uint64_t len, struct iv2_config *cfg)
{
	uint64_t need = iv2_section_need(cfg->queues, cfg->ring_size, cfg->buf_size);
	uint64_t fixed = cfg->state_size + cfg->rw_size;
	uint64_t out = cfg->out_size;

	memset(d, 0, sizeof(*d));
	if (mem == NULL || len == 0) {
		IV2_LOG(ERR, "no shared memory: BAR2 is missing or not mapped");
		return -EINVAL;
	}
	if (len < fixed + 2 * (uint64_t)IV2_QUEUE_OFF) {
		IV2_LOG(ERR, "BAR2 is %" PRIu64 " bytes: too small for state_size %" PRIu64
			" + rw_size %" PRIu64 " and two output sections", len, cfg->state_size,
			cfg->rw_size);
		return -EINVAL;
	}
	if (out == 0)
		out = RTE_ALIGN_FLOOR((len - fixed) / 2, 4096);
	if (out < need) {
		IV2_LOG(ERR, "BAR2 is %" PRIu64 " bytes: output sections of %" PRIu64 " bytes are"
			" too small for %u queues x %u slots x %u B (%" PRIu64 " each)",
			len, out, cfg->queues, cfg->ring_size, cfg->buf_size, need);
		return -EINVAL;
	}
	if (fixed + 2 * out != len) {
		IV2_LOG(ERR, "BAR2 is %" PRIu64 " bytes but state_size %" PRIu64 " + rw_size %"
			PRIu64 " + 2 x out_size %" PRIu64 " = %" PRIu64 ": give the sizes the"
			" other peer uses", len, cfg->state_size, cfg->rw_size, out, fixed + 2 * out);
		return -EINVAL;
	}
	cfg->out_size = out;
	d->ops = &iv2_plain_ops;
	d->flavour = "ivshmem-plain";
	d->id = (uint32_t)cfg->id;
	d->peer_id = 1 - d->id;
	d->max_peers = 2;
	d->state_size = cfg->state_size;
	d->rw_size = cfg->rw_size;
	d->out_size = out;
	d->state_table = (const volatile uint32_t *)mem;
	d->out_own = mem + fixed + d->id * out;
	d->out_peer = mem + fixed + d->peer_id * out;
	/* As the host flavour does with its file: the peer's section is read-only for us. */
	if (((uintptr_t)d->out_peer & 4095) == 0 &&
	    mprotect((void *)(uintptr_t)d->out_peer, out, PROT_READ) < 0)
		IV2_LOG(NOTICE, "cannot make the peer's section read-only: %s", strerror(errno));
	return 0;
}
