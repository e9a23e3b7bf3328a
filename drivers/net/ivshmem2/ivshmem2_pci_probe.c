/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * PCI flavour, bus-independent part: recognise an ivshmem 2.0 device that
 * speaks our protocol and describe its shared memory. Everything read from
 * config space or registers is checked before use; the probe fails closed.
 * Register accesses are 32-bit and aligned, as the device requires.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "ivshmem2_dev.h"
#include "ivshmem2_log.h"
#include "ivshmem2_wire.h"

/* Longest capability list we walk: config space holds at most 48 dwords of capabilities. */
#define IV2_PCI_MAX_CAPS 48

static int
iv2_cfg32(const struct iv2_pci_access *acc, uint32_t off, uint32_t *v)
{
	if (acc->cfg_read32(acc->ctx, off, v) != 0) {
		IV2_LOG(ERR, "config read at 0x%x failed", off);
		return -EIO;
	}
	return 0;
}

static int
iv2_cfg64(const struct iv2_pci_access *acc, uint32_t off, uint64_t *v)
{
	uint32_t lo, hi;

	/* Low dword first, as the device's drivers do. */
	if (iv2_cfg32(acc, off, &lo) < 0 || iv2_cfg32(acc, off + 4, &hi) < 0)
		return -EIO;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

static int
iv2_pci_check_ids(const struct iv2_pci_access *acc)
{
	uint32_t id, cls;

	if (iv2_cfg32(acc, IV2_PCI_CFG_VENDOR, &id) < 0 || iv2_cfg32(acc, IV2_PCI_CFG_CLASS, &cls) < 0)
		return -EIO;
	if ((id & 0xffff) != IV2_PCI_VENDOR || (id >> 16) != IV2_PCI_DEVICE) {
		IV2_LOG(ERR, "not an ivshmem 2.0 device: %04x:%04x", id & 0xffff, id >> 16);
		return -ENODEV;
	}
	if ((cls >> 24) != IV2_PCI_CLASS || ((cls >> 8) & 0xffff) != IV2_PROTOCOL) {
		IV2_LOG(ERR, "class %06x: not protocol %04x (class FF%04X)", cls >> 8,
			IV2_PROTOCOL, IV2_PROTOCOL);
		return -ENODEV;
	}
	return 0;
}

/* Offset of the vendor-specific capability, or a negative errno. */
static int
iv2_pci_find_cap(const struct iv2_pci_access *acc)
{
	uint32_t v, off;
	int i;

	if (iv2_cfg32(acc, IV2_PCI_CFG_STATUS, &v) < 0)
		return -EIO;
	if ((v & IV2_PCI_STATUS_CAP) == 0)
		goto none;
	if (iv2_cfg32(acc, IV2_PCI_CFG_CAP_PTR, &v) < 0)
		return -EIO;
	off = v & 0xfc;
	for (i = 0; i < IV2_PCI_MAX_CAPS && off >= 0x40; i++) {
		if (iv2_cfg32(acc, off, &v) < 0)
			return -EIO;
		if ((v & 0xff) == IV2_PCI_CAP_VENDOR)
			return (int)off;
		off = (v >> 8) & 0xfc;
	}
none:
	IV2_LOG(ERR, "vendor capability (09h) not found");
	return -ENODEV;
}

struct iv2_pci_sizes {
	uint64_t state;
	uint64_t rw;
	uint64_t out;
	uint64_t base;
	int have_base;
};

static int
iv2_pci_read_cap(const struct iv2_pci_access *acc, uint32_t cap, struct iv2_pci_sizes *s)
{
	uint32_t hdr, st;
	uint8_t len;

	if (iv2_cfg32(acc, cap, &hdr) < 0 || iv2_cfg32(acc, cap + IV2_PCI_CAP_STATE_SZ, &st) < 0 ||
	    iv2_cfg64(acc, cap + IV2_PCI_CAP_RW_SZ, &s->rw) < 0 ||
	    iv2_cfg64(acc, cap + IV2_PCI_CAP_OUT_SZ, &s->out) < 0)
		return -EIO;
	len = (uint8_t)(hdr >> 16);
	if (len != IV2_PCI_CAP_LEN && len != IV2_PCI_CAP_LEN_BASE) {
		IV2_LOG(ERR, "vendor capability length 0x%x (want 0x18 or 0x20)", len);
		return -EINVAL;
	}
	s->state = st;
	s->have_base = len == IV2_PCI_CAP_LEN_BASE;
	if (s->have_base && iv2_cfg64(acc, cap + IV2_PCI_CAP_ADDR, &s->base) < 0)
		return -EIO;
	/* Two state entries at least; our header and one queue in each output section. */
	if (s->state < 8 || s->out < iv2_section_need(1, IV2_MIN_RING, IV2_MIN_BUF) ||
	    s->rw > (1ull << 40) || s->out > (1ull << 40) || s->state > (1ull << 32)) {
		IV2_LOG(ERR, "unusable sizes: state table %" PRIu64 ", R/W %" PRIu64
			", output %" PRIu64, s->state, s->rw, s->out);
		return -EINVAL;
	}
	return 0;
}

static uint8_t *
iv2_pci_shmem(const struct iv2_pci_access *acc, const struct iv2_pci_sizes *s, uint64_t total)
{
	if (acc->bar2 != NULL) {
		if (acc->bar2_len < total) {
			IV2_LOG(ERR, "BAR2 is %" PRIu64 " bytes, sections need %" PRIu64,
				acc->bar2_len, total);
			return NULL;
		}
		return acc->bar2;
	}
	if (!s->have_base) {
		IV2_LOG(ERR, "no BAR2 and no base address in the capability");
		return NULL;
	}
	if (acc->map_phys == NULL) {
		IV2_LOG(ERR, "shared memory at 0x%" PRIx64 " is not in a BAR and cannot be mapped"
			" here (bind uio_ivshmem, see the guide)", s->base);
		return NULL;
	}
	return acc->map_phys(acc->ctx, s->base, total);
}

int
iv2_pci_attach(struct iv2_dev *d, const struct iv2_pci_access *acc)
{
	struct iv2_pci_sizes s;
	uint32_t id, peers;
	uint64_t total;
	uint8_t *shm;
	int cap, ret;

	memset(d, 0, sizeof(*d));
	ret = iv2_pci_check_ids(acc);
	if (ret < 0)
		return ret;
	cap = iv2_pci_find_cap(acc);
	if (cap < 0)
		return cap;
	ret = iv2_pci_read_cap(acc, (uint32_t)cap, &s);
	if (ret < 0)
		return ret;
	if (acc->bar0 == NULL || acc->bar0_len < IV2_REG_STATE + 4) {
		IV2_LOG(ERR, "register BAR0 missing or too small");
		return -EINVAL;
	}
	id = acc->bar0[IV2_REG_ID / 4];
	peers = acc->bar0[IV2_REG_MAX_PEERS / 4];
	if (peers != 2 || id > 1) {
		IV2_LOG(ERR, "link has %u peers and we are %u: this protocol is point-to-point (2)",
			peers, id);
		return -EINVAL;
	}
	total = s.state + s.rw + 2 * s.out;
	shm = iv2_pci_shmem(acc, &s, total);
	if (shm == NULL)
		return -EINVAL;
	d->flavour = "pci";
	d->id = id;
	d->peer_id = 1 - id;
	d->max_peers = peers;
	d->state_size = s.state;
	d->rw_size = s.rw;
	d->out_size = s.out;
	d->state_table = (const volatile uint32_t *)shm;
	d->out_own = shm + s.state + s.rw + id * s.out;
	d->out_peer = shm + s.state + s.rw + (1 - id) * s.out;
	return 0;
}
