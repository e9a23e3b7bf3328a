/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* The ivshmem 2.0 device model of pci_model.h. */

#include <stdlib.h>
#include <string.h>

#include "pci_model.h"
#include "ivshmem2_wire.h"

void
model_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

void
model_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static int
model_cfg_read32(void *ctx, uint32_t off, uint32_t *val)
{
	struct model *m = ctx;

	if (m->fail_reads || off > sizeof(m->cfg) - 4 || (off & 3) != 0)
		return -1;
	memcpy(val, &m->cfg[off], 4);
	return 0;
}

static uint32_t
model_reg_read32(void *ctx, uint32_t off)
{
	struct model *m = ctx;

	if ((off & 3) != 0 || off >= sizeof(m->regs)) {
		m->bad_accesses++;
		return 0;
	}
	if (off == IV2_REG_DOORBELL)
		return 0; /* write-only */
	return m->regs[off / 4];
}

static void
model_reg_write32(void *ctx, uint32_t off, uint32_t val)
{
	struct model *m = ctx;
	uint32_t id = m->regs[IV2_REG_ID / 4];

	if ((off & 3) != 0 || off >= sizeof(m->regs)) {
		m->bad_accesses++;
		return;
	}
	switch (off) {
	case IV2_REG_INT_CONTROL:
		m->int_control_writes++;
		m->regs[off / 4] = val & IV2_INT_ENABLE;
		break;
	case IV2_REG_DOORBELL:
		m->doorbell_writes++;
		m->doorbell_last = val;
		break;
	case IV2_REG_STATE:
		/* The device copies the value into our state-table entry. */
		m->state_writes++;
		m->regs[off / 4] = val;
		if (id < 2)
			__atomic_store_n((uint32_t *)(void *)m->shm + id, val, __ATOMIC_RELEASE);
		break;
	default:
		m->bad_accesses++; /* ID, MAX_PEERS are read-only; the rest is unbacked */
		break;
	}
}

static void *
model_map_phys(void *ctx, uint64_t addr, uint64_t len)
{
	struct model *m = ctx;

	m->maps++;
	m->mapped_addr = addr;
	m->mapped_len = len;
	return m->map_fails ? NULL : m->shm;
}

static void
model_unmap_phys(void *ctx, void *va, uint64_t len)
{
	struct model *m = ctx;

	if (va == m->shm && len == m->mapped_len)
		m->unmaps++;
}

/* Caps at 0x40 (vendor) and 0x60 (MSI-X), as Jailhouse presents them. */
void
model_init(struct model *m, uint32_t id, bool with_base, uint16_t msix)
{
	memset(m, 0, sizeof(*m));
	model_put32(&m->cfg[0x00], IV2_PCI_DEVICE << 16 | IV2_PCI_VENDOR);
	model_put32(&m->cfg[0x04], 0x0010u << 16);
	model_put32(&m->cfg[0x08], (uint32_t)IV2_PCI_CLASS << 24 | IV2_PROTOCOL << 8);
	m->cfg[0x34] = 0x40;
	m->cfg[0x40] = IV2_PCI_CAP_VENDOR;
	m->cfg[0x41] = msix != 0 ? 0x60 : 0;
	m->cfg[0x42] = with_base ? IV2_PCI_CAP_LEN_BASE : IV2_PCI_CAP_LEN;
	model_put32(&m->cfg[0x44], MODEL_STATE);
	model_put64(&m->cfg[0x48], 0);
	model_put64(&m->cfg[0x50], MODEL_OUT);
	if (with_base)
		model_put64(&m->cfg[0x58], MODEL_BASE);
	if (msix != 0) {
		/* ID 11h, end of list, message control: table size - 1 */
		model_put32(&m->cfg[0x60], (uint32_t)(msix - 1) << 16 | IV2_PCI_CAP_MSIX);
	} else {
		m->cfg[0x3D] = 1; /* INTA# */
	}
	m->regs[IV2_REG_ID / 4] = id;
	m->regs[IV2_REG_MAX_PEERS / 4] = 2;
	m->shm = aligned_alloc(4096, MODEL_SHM);
	memset(m->shm, 0, MODEL_SHM);
}

void
model_fini(struct model *m)
{
	free(m->shm);
	m->shm = NULL;
}

struct iv2_pci_access
model_access(struct model *m, bool bar2)
{
	struct iv2_pci_access a = {
		.cfg_read32 = model_cfg_read32,
		.ctx = m,
		.regs = {
			.read32 = model_reg_read32,
			.write32 = model_reg_write32,
			.ctx = m,
			.len = sizeof(m->regs),
		},
		.bar2 = bar2 ? m->shm : NULL,
		.bar2_len = bar2 ? MODEL_SHM : 0,
		.bars = {
			{ .phys = MODEL_BAR0, .len = 4096 },
			{ .phys = MODEL_BAR1, .len = 4096 },
			{ .phys = bar2 ? MODEL_BAR2 : 0, .len = bar2 ? MODEL_SHM : 0 },
		},
		.map_phys = model_map_phys,
		.unmap_phys = model_unmap_phys,
	};
	return a;
}
