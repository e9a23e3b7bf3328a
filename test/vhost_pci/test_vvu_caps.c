/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * EXPERIMENTAL virtio-vhost-user PCI layer: the capability walk over
 * in-memory config spaces. A good device, then one hostile or broken
 * device per rule.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "vp_vvu_caps.h"

/* Good layout: everything in BAR 4 (16 KiB), BAR 2 for shared memory. */
#define CAP_COMMON 0x40
#define CAP_NOTIFY 0x50
#define CAP_ISR    0x64
#define CAP_DEVICE 0x74
#define CAP_MSIX   0x84

static uint8_t cfg[VVU_PCI_CFG_SIZE];
static uint64_t bars[VVU_PCI_NR_BARS];
static struct vvu_pci_caps caps;

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
vcap(unsigned int at, unsigned int next, uint8_t type, uint8_t bar, uint32_t off, uint32_t len)
{
	cfg[at] = 0x09;
	cfg[at + 1] = (uint8_t)next;
	cfg[at + 2] = type == VVU_CAP_NOTIFY ? 20 : 16;
	cfg[at + 3] = type;
	cfg[at + 4] = bar;
	put32(cfg + at + 8, off);
	put32(cfg + at + 12, len);
}

static void
setup(void)
{
	memset(cfg, 0, sizeof(cfg));
	memset(bars, 0, sizeof(bars));
	memset(&caps, 0xa5, sizeof(caps));
	cfg[0] = 0xf4; /* vendor 1AF4, device 1058 */
	cfg[1] = 0x1a;
	cfg[2] = 0x58;
	cfg[3] = 0x10;
	cfg[6] = 0x10; /* status: capability list */
	cfg[0x34] = CAP_COMMON;
	vcap(CAP_COMMON, CAP_NOTIFY, VVU_CAP_COMMON, 4, 0x0000, 0x1000);
	vcap(CAP_NOTIFY, CAP_ISR, VVU_CAP_NOTIFY, 4, 0x3000, 0x1000);
	put32(cfg + CAP_NOTIFY + 16, 4);
	vcap(CAP_ISR, CAP_DEVICE, VVU_CAP_ISR, 4, 0x1000, 0x1000);
	vcap(CAP_DEVICE, CAP_MSIX, VVU_CAP_DEVICE, 4, 0x2000, 0x1000);
	cfg[CAP_MSIX] = 0x11; /* MSI-X: not ours, skipped */
	cfg[CAP_MSIX + 1] = 0;
	bars[2] = 1ULL << 30;
	bars[4] = 0x4000;
}

static enum vvu_caps_err
parse(void)
{
	return vvu_pci_parse_caps(cfg, sizeof(cfg), bars, &caps);
}

START_TEST(good_device)
{
	uint64_t off;

	ck_assert_int_eq(parse(), VVU_CAPS_OK);
	ck_assert_uint_eq(caps.common.bar, 4);
	ck_assert_uint_eq(caps.common.offset, 0);
	ck_assert_uint_eq(caps.common.length, 0x1000);
	ck_assert_uint_eq(caps.notify.offset, 0x3000);
	ck_assert_uint_eq(caps.isr.offset, 0x1000);
	ck_assert_uint_eq(caps.device.offset, 0x2000);
	ck_assert_uint_eq(caps.notify_off_multiplier, 4);
	ck_assert_int_eq(vvu_pci_notify_offset(&caps, 0, &off), 0);
	ck_assert_uint_eq(off, 0x3000);
	ck_assert_int_eq(vvu_pci_notify_offset(&caps, 1, &off), 0);
	ck_assert_uint_eq(off, 0x3004);
	ck_assert_int_eq(vvu_pci_notify_offset(&caps, 1023, &off), 0);
	ck_assert_uint_eq(off, 0x3ffc);
	/* a queue_notify_off whose doorbell would lie past the structure */
	ck_assert_int_eq(vvu_pci_notify_offset(&caps, 1024, &off), -1);
	ck_assert_int_eq(vvu_pci_notify_offset(&caps, 0xffff, &off), -1);
	/* a notify structure at an odd offset: no 16-bit doorbell can be written there */
	setup();
	put32(cfg + CAP_NOTIFY + 8, 0x3001);
	put32(cfg + CAP_NOTIFY + 12, 0xfff);
	ck_assert_int_eq(parse(), VVU_CAPS_OK);
	ck_assert_int_eq(vvu_pci_notify_offset(&caps, 0, &off), -1);
}
END_TEST

START_TEST(no_capability_list)
{
	cfg[6] = 0;
	ck_assert_int_eq(parse(), VVU_CAPS_NO_LIST);
	cfg[6] = 0x10;
	ck_assert_int_eq(vvu_pci_parse_caps(cfg, 0x30, bars, &caps), VVU_CAPS_NO_LIST);
	cfg[0x34] = 0;
	ck_assert_int_eq(parse(), VVU_CAPS_MISSING);
}
END_TEST

START_TEST(missing_caps)
{
	static const unsigned int at[] = { CAP_COMMON, CAP_NOTIFY, CAP_ISR, CAP_DEVICE };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		setup();
		cfg[at[i] + 3] = 5; /* PCI cfg access: a type we do not use */
		ck_assert_int_eq(parse(), VVU_CAPS_MISSING);
		setup();
		cfg[at[i]] = 0x05; /* not vendor-specific (MSI) */
		ck_assert_int_eq(parse(), VVU_CAPS_MISSING);
	}
	/* the list ends early */
	setup();
	cfg[CAP_ISR + 1] = 0;
	ck_assert_int_eq(parse(), VVU_CAPS_MISSING);
}
END_TEST

START_TEST(pointers_out_of_range)
{
	cfg[0x34] = 0x10; /* into the standard header */
	ck_assert_int_eq(parse(), VVU_CAPS_BAD_PTR);
	setup();
	cfg[CAP_ISR + 1] = 0x3c;
	ck_assert_int_eq(parse(), VVU_CAPS_BAD_PTR);
	/* the reserved low bits are masked, not followed */
	setup();
	cfg[0x34] = CAP_COMMON | 3;
	ck_assert_int_eq(parse(), VVU_CAPS_OK);
	/* a pointer at the last dword of a short config copy */
	setup();
	cfg[CAP_MSIX + 1] = 0xfc;
	ck_assert_int_eq(vvu_pci_parse_caps(cfg, 0xfd, bars, &caps), VVU_CAPS_BAD_PTR);
}
END_TEST

START_TEST(loops)
{
	cfg[CAP_MSIX + 1] = CAP_COMMON; /* back to the start */
	ck_assert_int_eq(parse(), VVU_CAPS_LOOP);
	setup();
	cfg[CAP_NOTIFY + 1] = CAP_NOTIFY; /* onto itself */
	ck_assert_int_eq(parse(), VVU_CAPS_LOOP);
	setup();
	cfg[CAP_MSIX + 1] = CAP_ISR | 1; /* the same capability through a reserved bit */
	ck_assert_int_eq(parse(), VVU_CAPS_LOOP);
}
END_TEST

START_TEST(bad_cap_lengths)
{
	cfg[CAP_DEVICE + 2] = 12; /* shorter than struct virtio_pci_cap */
	ck_assert_int_eq(parse(), VVU_CAPS_BAD_LEN);
	setup();
	cfg[CAP_NOTIFY + 2] = 16; /* no room for notify_off_multiplier */
	ck_assert_int_eq(parse(), VVU_CAPS_BAD_LEN);
	setup();
	cfg[CAP_MSIX + 1] = 0xf8; /* a 16-byte vendor cap with 8 bytes left */
	cfg[0xf8] = 0x09;
	cfg[0xf9] = 0;
	cfg[0xfa] = 16;
	cfg[0xfb] = VVU_CAP_DEVICE;
	ck_assert_int_eq(parse(), VVU_CAPS_BAD_LEN);
	setup();
	cfg[CAP_COMMON + 2] = 0xff;
	ck_assert_int_eq(parse(), VVU_CAPS_BAD_LEN);
}
END_TEST

START_TEST(caps_outside_bars)
{
	put32(cfg + CAP_DEVICE + 8, 0x3f00); /* 0x3f00 + 0x1000 > BAR 4 */
	ck_assert_int_eq(parse(), VVU_CAPS_OUTSIDE_BAR);
	setup();
	put32(cfg + CAP_NOTIFY + 12, 0x1001);
	ck_assert_int_eq(parse(), VVU_CAPS_OUTSIDE_BAR);
	setup();
	/* offset + length wraps 32 bits */
	put32(cfg + CAP_ISR + 8, 0xfffff000);
	put32(cfg + CAP_ISR + 12, 0x2000);
	ck_assert_int_eq(parse(), VVU_CAPS_OUTSIDE_BAR);
	setup();
	cfg[CAP_COMMON + 4] = 3; /* a BAR this device does not have (size 0) */
	ck_assert_int_eq(parse(), VVU_CAPS_OUTSIDE_BAR);
	setup();
	cfg[CAP_COMMON + 4] = 2; /* doorbells and shared memory live there */
	ck_assert_int_eq(parse(), VVU_CAPS_SHM_BAR);
	setup();
	cfg[CAP_COMMON + 4] = 7; /* reserved BAR value: ignored, so common is missing */
	ck_assert_int_eq(parse(), VVU_CAPS_MISSING);
}
END_TEST

START_TEST(short_structures)
{
	put32(cfg + CAP_COMMON + 12, VVU_COMMON_CFG_LEN - 1);
	ck_assert_int_eq(parse(), VVU_CAPS_TOO_SHORT);
	setup();
	put32(cfg + CAP_DEVICE + 12, 8);
	ck_assert_int_eq(parse(), VVU_CAPS_TOO_SHORT);
	setup();
	put32(cfg + CAP_ISR + 12, 0);
	ck_assert_int_eq(parse(), VVU_CAPS_TOO_SHORT);
	setup();
	put32(cfg + CAP_NOTIFY + 12, 1);
	ck_assert_int_eq(parse(), VVU_CAPS_TOO_SHORT);
}
END_TEST

START_TEST(overlaps)
{
	put32(cfg + CAP_ISR + 8, 0x0ff8); /* ISR's first bytes inside common */
	ck_assert_int_eq(parse(), VVU_CAPS_OVERLAP);
	setup();
	put32(cfg + CAP_DEVICE + 12, 0x1001); /* oversized: runs into notify */
	ck_assert_int_eq(parse(), VVU_CAPS_OVERLAP);
	setup();
	put32(cfg + CAP_NOTIFY + 8, 0x2000); /* notify on top of device */
	ck_assert_int_eq(parse(), VVU_CAPS_OVERLAP);
	/* the same offsets in different BARs do not overlap */
	setup();
	bars[0] = 0x4000;
	cfg[CAP_ISR + 4] = 0;
	put32(cfg + CAP_ISR + 8, 0);
	ck_assert_int_eq(parse(), VVU_CAPS_OK);
	ck_assert_uint_eq(caps.isr.bar, 0);
}
END_TEST

START_TEST(notify_multiplier)
{
	put32(cfg + CAP_NOTIFY + 16, 3);
	ck_assert_int_eq(parse(), VVU_CAPS_MULTIPLIER);
	put32(cfg + CAP_NOTIFY + 16, 1);
	ck_assert_int_eq(parse(), VVU_CAPS_MULTIPLIER);
	put32(cfg + CAP_NOTIFY + 16, 0x80000001);
	ck_assert_int_eq(parse(), VVU_CAPS_MULTIPLIER);
	put32(cfg + CAP_NOTIFY + 16, 0); /* every queue on one address */
	ck_assert_int_eq(parse(), VVU_CAPS_OK);
	{
		uint64_t off;

		ck_assert_int_eq(vvu_pci_notify_offset(&caps, 0xffff, &off), 0);
		ck_assert_uint_eq(off, 0x3000);
	}
	/* a large multiplier: the doorbell must still lie inside the structure */
	setup();
	put32(cfg + CAP_NOTIFY + 16, 0x80000000);
	ck_assert_int_eq(parse(), VVU_CAPS_OK);
	{
		uint64_t off;

		ck_assert_int_eq(vvu_pci_notify_offset(&caps, 0, &off), 0);
		ck_assert_int_eq(vvu_pci_notify_offset(&caps, 1, &off), -1);
		ck_assert_int_eq(vvu_pci_notify_offset(&caps, 0xffff, &off), -1);
	}
}
END_TEST

START_TEST(first_capability_wins)
{
	/* a second common cfg later in the list, pointing outside BAR 4: ignored */
	cfg[CAP_MSIX + 1] = 0x90;
	vcap(0x90, 0, VVU_CAP_COMMON, 4, 0x10000, 0x1000);
	ck_assert_int_eq(parse(), VVU_CAPS_OK);
	ck_assert_uint_eq(caps.common.offset, 0);
	/* an ignored (reserved BAR) common first, then a usable one */
	setup();
	cfg[CAP_COMMON + 4] = 6;
	cfg[CAP_MSIX + 1] = 0x90;
	bars[0] = 0x1000;
	vcap(0x90, 0, VVU_CAP_COMMON, 0, 0, 0x100);
	ck_assert_int_eq(parse(), VVU_CAPS_OK);
	ck_assert_uint_eq(caps.common.bar, 0);
	ck_assert_uint_eq(caps.common.length, 0x100);
}
END_TEST

/* Random config spaces: never read outside, and an accepted layout satisfies every rule. */
START_TEST(random_config_spaces)
{
	unsigned int seed = 1, n, i;

	for (n = 0; n < 50000; n++) {
		struct vvu_pci_caps c;
		const struct vvu_pci_region *r[4] = { &c.common, &c.notify, &c.isr, &c.device };
		size_t len = 64 + rand_r(&seed) % (VVU_PCI_CFG_SIZE - 63);
		uint8_t *buf;

		setup();
		for (i = 0; i < 1 + (unsigned int)rand_r(&seed) % 8; i++)
			cfg[0x34 + rand_r(&seed) % (VVU_PCI_CFG_SIZE - 0x34)] = (uint8_t)rand_r(&seed);
		buf = malloc(len); /* exactly len bytes, so ASan sees any read past them */
		ck_assert(buf != NULL);
		memcpy(buf, cfg, len);
		if (vvu_pci_parse_caps(buf, len, bars, &c) == VVU_CAPS_OK) {
			for (i = 0; i < 4; i++) {
				ck_assert_uint_lt(r[i]->bar, VVU_PCI_NR_BARS);
				ck_assert_uint_ne(r[i]->bar, VVU_PCI_SHM_BAR);
				ck_assert_uint_le((uint64_t)r[i]->offset + r[i]->length, bars[r[i]->bar]);
			}
		}
		free(buf);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vp_vvu_caps");
	TCase *tc = tcase_create("caps");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, good_device);
	tcase_add_test(tc, no_capability_list);
	tcase_add_test(tc, missing_caps);
	tcase_add_test(tc, pointers_out_of_range);
	tcase_add_test(tc, loops);
	tcase_add_test(tc, bad_cap_lengths);
	tcase_add_test(tc, caps_outside_bars);
	tcase_add_test(tc, short_structures);
	tcase_add_test(tc, overlaps);
	tcase_add_test(tc, notify_multiplier);
	tcase_add_test(tc, first_capability_wins);
	tcase_add_test(tc, random_config_spaces);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
