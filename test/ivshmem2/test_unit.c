/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Unit tests of net_ivshmem2 parts that need no EAL: the PCI probe logic
 * against an in-memory model of an ivshmem 2.0 device (config space with
 * the vendor capability, BAR0 registers, shared memory), and devargs
 * parsing.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "ivshmem2.h"

int ivshmem2_logtype;

/* ------------------------------------------------------------------ */
/* Device model                                                        */
/* ------------------------------------------------------------------ */

#define MODEL_STATE 4096u
#define MODEL_OUT   (256u * 1024)
#define MODEL_SHM   (MODEL_STATE + 2 * MODEL_OUT)

struct model {
	uint8_t cfg[256];
	uint32_t regs[1024];
	uint8_t *shm;
	int fail_reads;          /* config reads fail when set */
	uint64_t mapped_addr;    /* what map_phys was asked for */
	uint64_t mapped_len;
};

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void
put64(uint8_t *p, uint64_t v)
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

static void *
model_map_phys(void *ctx, uint64_t addr, uint64_t len)
{
	struct model *m = ctx;

	m->mapped_addr = addr;
	m->mapped_len = len;
	return m->shm;
}

/* A device as Jailhouse or the QEMU RFC would present it: caps at 0x40 (vendor) and 0x60 (MSI-X). */
static void
model_init(struct model *m, uint32_t id, bool with_base)
{
	memset(m, 0, sizeof(*m));
	put32(&m->cfg[0x00], IV2_PCI_DEVICE << 16 | IV2_PCI_VENDOR);
	put32(&m->cfg[0x04], 0x0010u << 16);
	put32(&m->cfg[0x08], (uint32_t)IV2_PCI_CLASS << 24 | IV2_PROTOCOL << 8);
	m->cfg[0x34] = 0x40;
	m->cfg[0x40] = IV2_PCI_CAP_VENDOR;
	m->cfg[0x41] = 0x60;
	m->cfg[0x42] = with_base ? IV2_PCI_CAP_LEN_BASE : IV2_PCI_CAP_LEN;
	put32(&m->cfg[0x44], MODEL_STATE);
	put64(&m->cfg[0x48], 0);
	put64(&m->cfg[0x50], MODEL_OUT);
	if (with_base)
		put64(&m->cfg[0x58], 0x100000000ull);
	m->cfg[0x60] = 0x11; /* MSI-X, end of list */
	m->regs[IV2_REG_ID / 4] = id;
	m->regs[IV2_REG_MAX_PEERS / 4] = 2;
	m->shm = calloc(1, MODEL_SHM);
}

static struct iv2_pci_access
model_access(struct model *m, bool bar2)
{
	struct iv2_pci_access a = {
		.cfg_read32 = model_cfg_read32,
		.ctx = m,
		.bar0 = m->regs,
		.bar0_len = sizeof(m->regs),
		.bar2 = bar2 ? m->shm : NULL,
		.bar2_len = bar2 ? MODEL_SHM : 0,
		.map_phys = model_map_phys,
	};
	return a;
}

START_TEST(pci_bar2_id0)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci_access a;

	model_init(&m, 0, false);
	a = model_access(&m, true);
	ck_assert_int_eq(iv2_pci_attach(&d, &a), 0);
	ck_assert_uint_eq(d.id, 0);
	ck_assert_uint_eq(d.peer_id, 1);
	ck_assert_uint_eq(d.state_size, MODEL_STATE);
	ck_assert_uint_eq(d.out_size, MODEL_OUT);
	ck_assert_ptr_eq((const void *)d.state_table, m.shm);
	ck_assert_ptr_eq(d.out_own, m.shm + MODEL_STATE);
	ck_assert_ptr_eq(d.out_peer, m.shm + MODEL_STATE + MODEL_OUT);
	free(m.shm);
}
END_TEST

START_TEST(pci_bar2_id1_with_rw)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci_access a;

	model_init(&m, 1, false);
	put64(&m.cfg[0x48], 0); /* no R/W section */
	a = model_access(&m, true);
	ck_assert_int_eq(iv2_pci_attach(&d, &a), 0);
	ck_assert_ptr_eq(d.out_own, m.shm + MODEL_STATE + MODEL_OUT);
	ck_assert_ptr_eq(d.out_peer, m.shm + MODEL_STATE);
	free(m.shm);
}
END_TEST

START_TEST(pci_base_address)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci_access a;

	model_init(&m, 0, true);
	a = model_access(&m, false);
	ck_assert_int_eq(iv2_pci_attach(&d, &a), 0);
	ck_assert_uint_eq(m.mapped_addr, 0x100000000ull);
	ck_assert_uint_eq(m.mapped_len, MODEL_SHM);
	a.map_phys = NULL;
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	free(m.shm);
}
END_TEST

START_TEST(pci_no_bar2_no_base)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci_access a;

	model_init(&m, 0, false);
	a = model_access(&m, false);
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	free(m.shm);
}
END_TEST

START_TEST(pci_wrong_ids)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci_access a;

	model_init(&m, 0, false);
	a = model_access(&m, true);
	put32(&m.cfg[0x08], 0xFF000100u); /* ivshmem-net, not us */
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -ENODEV);
	put32(&m.cfg[0x08], (uint32_t)IV2_PCI_CLASS << 24 | IV2_PROTOCOL << 8);
	put32(&m.cfg[0x00], 0x11101AF4u); /* ivshmem v1 */
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -ENODEV);
	free(m.shm);
}
END_TEST

START_TEST(pci_capability_list)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci_access a;

	model_init(&m, 0, false);
	a = model_access(&m, true);
	put32(&m.cfg[0x04], 0); /* no capability list */
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -ENODEV);
	put32(&m.cfg[0x04], 0x0010u << 16);
	m.cfg[0x34] = 0x60;
	m.cfg[0x61] = 0x60; /* MSI-X pointing at itself: must terminate */
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -ENODEV);
	m.cfg[0x34] = 0x40;
	m.cfg[0x42] = 0x10; /* bad capability length */
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	free(m.shm);
}
END_TEST

START_TEST(pci_peers_and_ids)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci_access a;

	model_init(&m, 0, false);
	a = model_access(&m, true);
	m.regs[IV2_REG_MAX_PEERS / 4] = 3;
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	m.regs[IV2_REG_MAX_PEERS / 4] = 2;
	m.regs[IV2_REG_ID / 4] = 2;
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	free(m.shm);
}
END_TEST

START_TEST(pci_sizes)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci_access a;

	model_init(&m, 0, false);
	a = model_access(&m, true);
	a.bar2_len = MODEL_SHM - 1;
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	a.bar2_len = MODEL_SHM;
	put64(&m.cfg[0x50], 0); /* no output sections */
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	put64(&m.cfg[0x50], MODEL_OUT);
	put32(&m.cfg[0x44], 0); /* state table size 0 */
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	put32(&m.cfg[0x44], MODEL_STATE);
	put64(&m.cfg[0x48], ~0ull); /* absurd R/W size must not overflow */
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	free(m.shm);
}
END_TEST

START_TEST(pci_config_errors)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci_access a;

	model_init(&m, 0, false);
	a = model_access(&m, true);
	m.fail_reads = 1;
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EIO);
	m.fail_reads = 0;
	a.bar0 = NULL;
	ck_assert_int_eq(iv2_pci_attach(&d, &a), -EINVAL);
	free(m.shm);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Devargs                                                             */
/* ------------------------------------------------------------------ */

START_TEST(devargs_defaults)
{
	struct iv2_config c;

	ck_assert_int_eq(iv2_devargs_parse("shm=/dev/shm/iv2-x,id=1", &c, true), 0);
	ck_assert_str_eq(c.shm, "/dev/shm/iv2-x");
	ck_assert_int_eq(c.id, 1);
	ck_assert_uint_eq(c.queues, 1);
	ck_assert_uint_eq(c.ring_size, 1024);
	ck_assert_uint_eq(c.buf_size, 2048);
	ck_assert(!c.zero_copy);
	ck_assert_uint_ge(c.out_size, iv2_section_need(1, 1024, 2048));
	ck_assert_uint_eq(c.out_size % 4096, 0);
}
END_TEST

START_TEST(devargs_all_keys)
{
	struct iv2_config c;

	ck_assert_int_eq(iv2_devargs_parse("shm=/dev/hugepages/l,id=0,queues=8,ring_size=256,"
					   "buf_size=4096,mac=02:00:00:00:00:07,zero_copy=1,"
					   "state_size=8192,rw_size=0,out_size=64M", &c, true), 0);
	ck_assert_uint_eq(c.queues, 8);
	ck_assert_uint_eq(c.ring_size, 256);
	ck_assert_uint_eq(c.buf_size, 4096);
	ck_assert(c.zero_copy);
	ck_assert(c.have_mac);
	ck_assert_uint_eq(c.mac.addr_bytes[5], 7);
	ck_assert_uint_eq(c.out_size, 64ull << 20);
	ck_assert_uint_eq(c.state_size, 8192);
}
END_TEST

START_TEST(devargs_rejected)
{
	static const char *const bad[] = {
		"id=0",                                   /* missing shm */
		"shm=/dev/shm/x",                         /* missing id */
		"shm=/dev/shm/x,id=2",                    /* id out of range */
		"shm=/dev/shm/x,id=-1",
		"shm=/dev/shm/x,id=0,queues=0",
		"shm=/dev/shm/x,id=0,queues=9",
		"shm=/dev/shm/x,id=0,ring_size=1000",     /* not a power of two */
		"shm=/dev/shm/x,id=0,ring_size=8192",
		"shm=/dev/shm/x,id=0,buf_size=3000",
		"shm=/dev/shm/x,id=0,out_size=12345",     /* odd size */
		"shm=/dev/shm/x,id=0,out_size=4096",      /* too small for one queue */
		"shm=/dev/shm/x,id=0,state_size=100",
		"shm=/dev/shm/x,id=0,zero_copy=2",
		"shm=/dev/shm/x,id=0,mac=zz",
		"shm=/dev/hugepages/rtemap_0,id=0",       /* EAL would delete it */
		"shm=/dev/shm/x,id=0,bogus=1",            /* unknown key */
		"shm=/dev/shm/x,id=0,id=1",               /* duplicate */
		"shm=/dev/shm/x,id=0,queues=2x",
	};
	struct iv2_config c;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++)
		ck_assert_msg(iv2_devargs_parse(bad[i], &c, true) < 0, "accepted '%s'", bad[i]);
	ck_assert_int_lt(iv2_devargs_parse("", &c, true), 0);
	ck_assert_int_lt(iv2_devargs_parse(NULL, &c, true), 0);
}
END_TEST

START_TEST(devargs_pci)
{
	struct iv2_config c;

	ck_assert_int_eq(iv2_devargs_parse(NULL, &c, false), 0);
	ck_assert_int_eq(iv2_devargs_parse("queues=2,zero_copy=1", &c, false), 0);
	ck_assert_int_lt(iv2_devargs_parse("shm=/dev/shm/x", &c, false), 0);
	ck_assert_int_lt(iv2_devargs_parse("id=1", &c, false), 0);
}
END_TEST

START_TEST(wire_layout)
{
	/* Worked example in the guide: 1 queue, 1024 slots of 2048 B. */
	ck_assert_uint_eq(iv2_q_used_off(1024), 16384);
	ck_assert_uint_eq(iv2_q_events_off(1024), 32768);
	ck_assert_uint_eq(iv2_q_buf_off(1024), 36864);
	ck_assert_uint_eq(iv2_q_stride(1024, 2048), 36864 + 2097152);
	ck_assert_uint_eq(iv2_section_need(1, 1024, 2048), 4096 + 36864 + 2097152);
	ck_assert_uint_eq(iv2_q_buf_off(64) % IV2_QUEUE_ALIGN, 0);
}
END_TEST

static Suite *
iv2_suite(void)
{
	Suite *s = suite_create("ivshmem2");
	TCase *pci = tcase_create("pci");
	TCase *args = tcase_create("devargs");

	tcase_add_test(pci, pci_bar2_id0);
	tcase_add_test(pci, pci_bar2_id1_with_rw);
	tcase_add_test(pci, pci_base_address);
	tcase_add_test(pci, pci_no_bar2_no_base);
	tcase_add_test(pci, pci_wrong_ids);
	tcase_add_test(pci, pci_capability_list);
	tcase_add_test(pci, pci_peers_and_ids);
	tcase_add_test(pci, pci_sizes);
	tcase_add_test(pci, pci_config_errors);
	suite_add_tcase(s, pci);
	tcase_add_test(args, devargs_defaults);
	tcase_add_test(args, devargs_all_keys);
	tcase_add_test(args, devargs_rejected);
	tcase_add_test(args, devargs_pci);
	tcase_add_test(args, wire_layout);
	suite_add_tcase(s, args);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(iv2_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
