/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* EXPERIMENTAL: virtio PCI capability list walk for virtio-vhost-user, on a config-space copy. */

#include <stdbool.h>
#include <string.h>

#include "vp_vvu_caps.h"

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CAP_ID_VNDR 0x09
#define PCI_HDR_END 0x40
#define VIRTIO_CAP_LEN 16        /* struct virtio_pci_cap */
#define VIRTIO_NOTIFY_CAP_LEN 20 /* + le32 notify_off_multiplier */

static uint32_t
le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *const err_names[VVU_CAPS__MAX] = {
	[VVU_CAPS_OK] = "ok",
	[VVU_CAPS_NO_LIST] = "no capability list",
	[VVU_CAPS_BAD_PTR] = "capability pointer out of range",
	[VVU_CAPS_LOOP] = "capability list loops",
	[VVU_CAPS_BAD_LEN] = "capability length wrong",
	[VVU_CAPS_OUTSIDE_BAR] = "structure outside its BAR",
	[VVU_CAPS_SHM_BAR] = "structure in the shared-memory BAR",
	[VVU_CAPS_TOO_SHORT] = "structure too short",
	[VVU_CAPS_OVERLAP] = "structures overlap",
	[VVU_CAPS_MULTIPLIER] = "bad notify_off_multiplier",
	[VVU_CAPS_MISSING] = "required structure missing",
};

const char *
vvu_caps_err_name(enum vvu_caps_err e)
{
	return (unsigned int)e < VVU_CAPS__MAX ? err_names[e] : "?";
}

static enum vvu_caps_err
check_region(const struct vvu_pci_region *r, uint32_t min_len, const uint64_t *bar_len)
{
	if (r->bar == VVU_PCI_SHM_BAR)
		return VVU_CAPS_SHM_BAR;
	if (bar_len[r->bar] == 0 || (uint64_t)r->offset + r->length > bar_len[r->bar])
		return VVU_CAPS_OUTSIDE_BAR;
	if (r->length < min_len)
		return VVU_CAPS_TOO_SHORT;
	return VVU_CAPS_OK;
}

static bool
overlap(const struct vvu_pci_region *a, const struct vvu_pci_region *b)
{
	uint64_t a0 = a->offset, a1 = a0 + a->length, b0 = b->offset, b1 = b0 + b->length;

	return a->bar == b->bar && a0 < b1 && b0 < a1;
}

enum vvu_caps_err
vvu_pci_parse_caps(const uint8_t *cfg, size_t cfg_len, const uint64_t bar_len[VVU_PCI_NR_BARS],
		   struct vvu_pci_caps *out)
{
	bool seen[VVU_PCI_CFG_SIZE] = { false }, have[VVU_CAP_DEVICE + 1] = { false };
	struct vvu_pci_region *slot[VVU_CAP_DEVICE + 1];
	static const uint32_t min_len[VVU_CAP_DEVICE + 1] = {
		0, VVU_COMMON_CFG_LEN, VVU_NOTIFY_LEN, VVU_ISR_LEN, VVU_DEVICE_CFG_LEN,
	};
	struct vvu_pci_caps c;
	enum vvu_caps_err e;
	unsigned int ptr, t, i, j;

	memset(&c, 0, sizeof(c));
	slot[0] = NULL;
	slot[VVU_CAP_COMMON] = &c.common;
	slot[VVU_CAP_NOTIFY] = &c.notify;
	slot[VVU_CAP_ISR] = &c.isr;
	slot[VVU_CAP_DEVICE] = &c.device;
	if (cfg_len < PCI_HDR_END || !(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return VVU_CAPS_NO_LIST;
	if (cfg_len > VVU_PCI_CFG_SIZE)
		cfg_len = VVU_PCI_CFG_SIZE;
	/* the low two bits of every pointer are reserved (PCI 3.0 §6.7) */
	for (ptr = cfg[PCI_CAP_PTR] & 0xfcu; ptr != 0; ptr = cfg[ptr + 1] & 0xfcu) {
		const uint8_t *p = cfg + ptr;
		struct vvu_pci_region r;

		if (ptr < PCI_HDR_END || ptr + 2 > cfg_len)
			return VVU_CAPS_BAD_PTR;
		if (seen[ptr])
			return VVU_CAPS_LOOP;
		seen[ptr] = true;
		if (p[0] != PCI_CAP_ID_VNDR)
			continue;
		if (ptr + 4 > cfg_len || p[2] < VIRTIO_CAP_LEN || ptr + p[2] > cfg_len)
			return VVU_CAPS_BAD_LEN;
		t = p[3];
		if (t < VVU_CAP_COMMON || t > VVU_CAP_DEVICE || have[t] || p[4] >= VVU_PCI_NR_BARS)
			continue; /* other types, later duplicates, reserved BARs: not ours to use */
		if (t == VVU_CAP_NOTIFY && p[2] < VIRTIO_NOTIFY_CAP_LEN)
			return VVU_CAPS_BAD_LEN;
		r.bar = p[4];
		r.offset = le32_at(p + 8);
		r.length = le32_at(p + 12);
		e = check_region(&r, min_len[t], bar_len);
		if (e != VVU_CAPS_OK)
			return e;
		if (t == VVU_CAP_NOTIFY) {
			uint32_t m = le32_at(p + 16);

			if (m == 1 || (m & (m - 1)) != 0)
				return VVU_CAPS_MULTIPLIER;
			c.notify_off_multiplier = m;
		}
		*slot[t] = r;
		have[t] = true;
	}
	for (t = VVU_CAP_COMMON; t <= VVU_CAP_DEVICE; t++)
		if (!have[t])
			return VVU_CAPS_MISSING;
	for (i = VVU_CAP_COMMON; i <= VVU_CAP_DEVICE; i++)
		for (j = i + 1; j <= VVU_CAP_DEVICE; j++)
			if (overlap(slot[i], slot[j]))
				return VVU_CAPS_OVERLAP;
	*out = c;
	return VVU_CAPS_OK;
}

int
vvu_pci_notify_offset(const struct vvu_pci_caps *c, uint16_t qoff, uint64_t *off)
{
	uint64_t rel = (uint64_t)qoff * c->notify_off_multiplier;

	if (rel + VVU_NOTIFY_LEN > c->notify.length || ((c->notify.offset + rel) & 1) != 0)
		return -1; /* outside the structure, or a 16-bit register at an odd address */
	*off = c->notify.offset + rel;
	return 0;
}
