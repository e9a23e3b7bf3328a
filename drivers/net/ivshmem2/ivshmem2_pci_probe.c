/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * PCI flavour, bus-independent part: recognise an ivshmem 2.0 device that
 * speaks our protocol and describe its shared memory. Everything read from
 * config space or registers is checked before use; the probe fails closed.
 * Register accesses are 32-bit and aligned, as the device requires. No EAL
 * here: the unit tests drive this file against an in-memory device model.
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

/* Offset of the first capability with ID @p cap_id, 0 when absent, or a negative errno. */
static int
iv2_pci_find_cap(const struct iv2_pci_access *acc, uint8_t cap_id)
{
	uint32_t v, off;
	int i;

	if (iv2_cfg32(acc, IV2_PCI_CFG_STATUS, &v) < 0)
		return -EIO;
	if ((v & IV2_PCI_STATUS_CAP) == 0)
		return 0;
	if (iv2_cfg32(acc, IV2_PCI_CFG_CAP_PTR, &v) < 0)
		return -EIO;
	off = v & 0xfc;
	for (i = 0; i < IV2_PCI_MAX_CAPS && off >= 0x40; i++) {
		if (iv2_cfg32(acc, off, &v) < 0)
			return -EIO;
		if ((v & 0xff) == cap_id)
			return (int)off;
		off = (v >> 8) & 0xfc;
	}
	return 0;
}

/* Interrupt resources: MSI-X vector count, or INTx when the pin is set. */
static int
iv2_pci_read_irq(const struct iv2_pci_access *acc, struct iv2_dev *d, struct iv2_pci *pp)
{
	uint32_t v;
	int cap;

	cap = iv2_pci_find_cap(acc, IV2_PCI_CAP_MSIX);
	if (cap < 0)
		return cap;
	if (cap > 0) {
		if (iv2_cfg32(acc, (uint32_t)cap, &v) < 0)
			return -EIO;
		pp->msix = true;
		d->nb_vectors = (uint16_t)(((v >> 16) & 0x7ff) + 1); /* table size - 1 in 10..0 */
		return 0;
	}
	if (iv2_cfg32(acc, IV2_PCI_CFG_INTR, &v) < 0)
		return -EIO;
	pp->intx = ((v >> 8) & 0xff) != 0;
	d->nb_vectors = pp->intx ? 1 : 0;
	return 0;
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

/*
 * The capability's Base Address, when there is no BAR2 (Jailhouse): it is
 * about to be mapped from physical memory, so refuse anything that is not a
 * plain, page-granular range clear of the device's own BARs.
 */
static int
iv2_pci_check_base(const struct iv2_pci_access *acc, const struct iv2_pci_sizes *s, uint64_t total)
{
	unsigned int i;

	if (s->base == 0 || (s->base & (IV2_PCI_PAGE - 1)) != 0) {
		IV2_LOG(ERR, "capability base address 0x%" PRIx64 " is zero or not 4 KiB aligned",
			s->base);
		return -EINVAL;
	}
	if (((s->state | s->rw | s->out) & (IV2_PCI_PAGE - 1)) != 0) {
		IV2_LOG(ERR, "section sizes (state table %" PRIu64 ", R/W %" PRIu64 ", output %" PRIu64
			") are not multiples of 4 KiB, as a region without BAR2 requires",
			s->state, s->rw, s->out);
		return -EINVAL;
	}
	if (total > IV2_PCI_MAX_SHM || s->base > IV2_PCI_PHYS_LIMIT - total) {
		IV2_LOG(ERR, "shared memory 0x%" PRIx64 " + %" PRIu64 " bytes is oversized or beyond"
			" the physical address space", s->base, total);
		return -EINVAL;
	}
	for (i = 0; i < IV2_PCI_NB_BARS; i++) {
		const struct iv2_pci_range *b = &acc->bars[i];

		if (b->len != 0 && s->base < b->phys + b->len && b->phys < s->base + total) {
			IV2_LOG(ERR, "shared memory 0x%" PRIx64 "-0x%" PRIx64 " overlaps BAR%u"
				" (0x%" PRIx64 "-0x%" PRIx64 ")", s->base, s->base + total - 1, i,
				b->phys, b->phys + b->len - 1);
			return -EINVAL;
		}
	}
	return 0;
}

static uint8_t *
iv2_pci_shmem(const struct iv2_pci_access *acc, const struct iv2_pci_sizes *s, uint64_t total,
	      struct iv2_pci *pp)
{
	uint8_t *va;

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
	if (iv2_pci_check_base(acc, s, total) < 0)
		return NULL;
	if (acc->map_phys == NULL) {
		IV2_LOG(ERR, "shared memory at 0x%" PRIx64 " is not in a BAR and this bus cannot"
			" map physical memory", s->base);
		return NULL;
	}
	va = acc->map_phys(acc->ctx, s->base, total);
	if (va == NULL)
		return NULL;
	pp->map = va;
	pp->map_len = total;
	pp->map_ctx = acc->ctx;
	pp->unmap_phys = acc->unmap_phys;
	return va;
}

void
iv2_pci_detach(struct iv2_pci *pp)
{
	if (pp->map != NULL && pp->unmap_phys != NULL)
		pp->unmap_phys(pp->map_ctx, pp->map, pp->map_len);
	pp->map = NULL;
}

int
iv2_pci_attach(struct iv2_dev *d, const struct iv2_pci_access *acc, struct iv2_pci *pp)
{
	const struct iv2_pci_regs *r = &acc->regs;
	struct iv2_pci_sizes s;
	uint32_t id, peers;
	uint64_t total;
	uint8_t *shm;
	int cap, ret;

	memset(d, 0, sizeof(*d));
	memset(pp, 0, sizeof(*pp));
	ret = iv2_pci_check_ids(acc);
	if (ret < 0)
		return ret;
	cap = iv2_pci_find_cap(acc, IV2_PCI_CAP_VENDOR);
	if (cap < 0)
		return cap;
	if (cap == 0) {
		IV2_LOG(ERR, "vendor capability (09h) not found");
		return -ENODEV;
	}
	ret = iv2_pci_read_cap(acc, (uint32_t)cap, &s);
	if (ret < 0)
		return ret;
	ret = iv2_pci_read_irq(acc, d, pp);
	if (ret < 0)
		return ret;
	if (r->read32 == NULL || r->write32 == NULL || r->len < IV2_REG_STATE + 4) {
		IV2_LOG(ERR, "register BAR0 missing or too small");
		return -EINVAL;
	}
	id = r->read32(r->ctx, IV2_REG_ID);
	peers = r->read32(r->ctx, IV2_REG_MAX_PEERS);
	if (peers != 2 || id > 1) {
		IV2_LOG(ERR, "link has %u peers and we are %u: this protocol is point-to-point (2)",
			peers, id);
		return -EINVAL;
	}
	total = s.state + s.rw + 2 * s.out;
	shm = iv2_pci_shmem(acc, &s, total, pp);
	if (shm == NULL)
		return -EINVAL;
	pp->regs = *r;
	d->flavour = "pci";
	d->priv = pp;
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
