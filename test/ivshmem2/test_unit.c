/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * Unit tests of net_ivshmem2 parts that need no EAL: the PCI probe logic
 * against an in-memory model of an ivshmem 2.0 device (pci_model.c: config
 * space with the vendor and MSI-X capabilities, BAR0 registers, shared
 * memory in BAR2 or at the capability's base address), and devargs parsing.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "ivshmem2.h"
#include "pci_model.h"

int ivshmem2_logtype;

/* ------------------------------------------------------------------ */
/* PCI probe logic against the device model (pci_model.c)              */
/* ------------------------------------------------------------------ */

/* Log capture: errors must say what is wrong. */
static char logbuf[16384];
static FILE *log_fp;

static void
log_capture(void)
{
	memset(logbuf, 0, sizeof(logbuf));
	log_fp = fmemopen(logbuf, sizeof(logbuf) - 1, "w");
	ck_assert_ptr_nonnull(log_fp);
	setvbuf(log_fp, NULL, _IONBF, 0);
	rte_openlog_stream(log_fp);
}

static bool
logged(const char *what)
{
	bool found;

	fflush(log_fp);
	found = strstr(logbuf, what) != NULL;
	rewind(log_fp);
	memset(logbuf, 0, sizeof(logbuf));
	return found;
}

START_TEST(pci_bar2_id0)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 0, false, 2);
	a = model_access(&m, true);
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), 0);
	ck_assert_uint_eq(d.id, 0);
	ck_assert_uint_eq(d.peer_id, 1);
	ck_assert_uint_eq(d.state_size, MODEL_STATE);
	ck_assert_uint_eq(d.out_size, MODEL_OUT);
	ck_assert_ptr_eq((const void *)d.state_table, m.shm);
	ck_assert_ptr_eq(d.out_own, m.shm + MODEL_STATE);
	ck_assert_ptr_eq(d.out_peer, m.shm + MODEL_STATE + MODEL_OUT);
	ck_assert_ptr_eq(d.priv, &pp);
	ck_assert_uint_eq(m.maps, 0); /* BAR2 is used as it is */
	ck_assert_ptr_null(pp.map);
	ck_assert_uint_eq(m.bad_accesses, 0);
	model_fini(&m);
}
END_TEST

START_TEST(pci_bar2_id1_with_rw)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 1, false, 2);
	model_put64(&m.cfg[0x48], 4096); /* a R/W section, unused but skipped over */
	model_put64(&m.cfg[0x50], MODEL_OUT - 4096);
	a = model_access(&m, true);
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), 0);
	ck_assert_uint_eq(d.rw_size, 4096);
	ck_assert_ptr_eq(d.out_own, m.shm + MODEL_STATE + 4096 + (MODEL_OUT - 4096));
	ck_assert_ptr_eq(d.out_peer, m.shm + MODEL_STATE + 4096);
	model_fini(&m);
}
END_TEST

/* MSI-X presence and vector count come from the MSI-X capability; INTx from the pin. */
START_TEST(pci_interrupt_resources)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 0, false, 5);
	a = model_access(&m, true);
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), 0);
	ck_assert(pp.msix);
	ck_assert_uint_eq(d.nb_vectors, 5);
	model_fini(&m);

	model_init(&m, 0, false, 0);
	a = model_access(&m, true);
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), 0);
	ck_assert(!pp.msix);
	ck_assert(pp.intx);
	ck_assert_uint_eq(d.nb_vectors, 1);
	m.cfg[0x3D] = 0; /* no pin either */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), 0);
	ck_assert(!pp.intx);
	ck_assert_uint_eq(d.nb_vectors, 0);
	model_fini(&m);

	/* Vector choice: 0 alone on INTx/one vector, then 1.. round-robin. */
	ck_assert_uint_eq(iv2_data_vector(0, 3), 0);
	ck_assert_uint_eq(iv2_data_vector(1, 3), 0);
	ck_assert_uint_eq(iv2_data_vector(2, 0), 1);
	ck_assert_uint_eq(iv2_data_vector(2, 7), 1);
	ck_assert_uint_eq(iv2_data_vector(4, 0), 1);
	ck_assert_uint_eq(iv2_data_vector(4, 2), 3);
	ck_assert_uint_eq(iv2_data_vector(4, 3), 1);
}
END_TEST

/* No BAR2: the region is mapped from the capability's Base Address, and unmapped on detach. */
START_TEST(pci_base_address)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 1, true, 2);
	a = model_access(&m, false);
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), 0);
	ck_assert_uint_eq(m.maps, 1);
	ck_assert_uint_eq(m.mapped_addr, MODEL_BASE);
	ck_assert_uint_eq(m.mapped_len, MODEL_SHM);
	ck_assert_ptr_eq((const void *)d.state_table, m.shm);
	ck_assert_ptr_eq(d.out_own, m.shm + MODEL_STATE + MODEL_OUT);
	ck_assert_ptr_eq(d.out_peer, m.shm + MODEL_STATE);
	ck_assert_ptr_eq(pp.map, m.shm);
	iv2_pci_detach(&pp);
	ck_assert_uint_eq(m.unmaps, 1);
	iv2_pci_detach(&pp); /* idempotent */
	ck_assert_uint_eq(m.unmaps, 1);
	/* BAR2 wins when both are there. */
	a = model_access(&m, true);
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), 0);
	ck_assert_uint_eq(m.maps, 1);
	model_fini(&m);
}
END_TEST

/* A base address that cannot be mapped safely is refused before map_phys is asked. */
START_TEST(pci_base_refused)
{
	static const struct {
		uint64_t base, state, rw, out;
		const char *why;
	} bad[] = {
		{ 0, MODEL_STATE, 0, MODEL_OUT, "is zero or not 4 KiB aligned" },
		{ MODEL_BASE + 0x800, MODEL_STATE, 0, MODEL_OUT, "is zero or not 4 KiB aligned" },
		{ MODEL_BASE, MODEL_STATE, 100, MODEL_OUT, "not multiples of 4 KiB" },
		{ MODEL_BASE, MODEL_STATE + 4, 0, MODEL_OUT, "not multiples of 4 KiB" },
		{ MODEL_BASE, MODEL_STATE, 0, MODEL_OUT + 64, "not multiples of 4 KiB" },
		{ IV2_PCI_PHYS_LIMIT - 4096, MODEL_STATE, 0, MODEL_OUT, "beyond the physical address" },
		{ ~0ull & ~0xfffull, MODEL_STATE, 0, MODEL_OUT, "beyond the physical address" },
		{ MODEL_BASE, MODEL_STATE, 1ull << 40, MODEL_OUT, "oversized" },
		{ MODEL_BAR0, MODEL_STATE, 0, MODEL_OUT, "overlaps BAR0" },
		{ MODEL_BAR0 - 4096, MODEL_STATE, 0, MODEL_OUT, "overlaps BAR0" },
		{ MODEL_BAR0 + 4096 - MODEL_SHM, MODEL_STATE, 0, MODEL_OUT, "overlaps BAR0" },
		{ MODEL_BAR1, MODEL_STATE, 0, MODEL_OUT, "overlaps BAR1" },
	};
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;
	unsigned int i;

	model_init(&m, 0, true, 2);
	a = model_access(&m, false);
	log_capture();
	for (i = 0; i < RTE_DIM(bad); i++) {
		model_put64(&m.cfg[0x58], bad[i].base);
		model_put32(&m.cfg[0x44], (uint32_t)bad[i].state);
		model_put64(&m.cfg[0x48], bad[i].rw);
		model_put64(&m.cfg[0x50], bad[i].out);
		ck_assert_msg(iv2_pci_attach(&d, &a, &pp) == -EINVAL, "case %u accepted", i);
		ck_assert_msg(logged(bad[i].why), "case %u: no '%s' in the log", i, bad[i].why);
		ck_assert_uint_eq(m.maps, 0);
	}
	/* The same region just clear of BAR1 is fine. */
	model_put64(&m.cfg[0x58], MODEL_BAR1 + 4096);
	model_put32(&m.cfg[0x44], MODEL_STATE);
	model_put64(&m.cfg[0x48], 0);
	model_put64(&m.cfg[0x50], MODEL_OUT);
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), 0);
	ck_assert_uint_eq(m.maps, 1);
	/* The bus cannot map it, or the mapping fails: refused with a reason. */
	m.map_fails = true;
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	ck_assert_ptr_null(pp.map);
	m.map_fails = false;
	a.map_phys = NULL;
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	ck_assert(logged("cannot map physical memory"));
	rte_openlog_stream(NULL);
	fclose(log_fp);
	model_fini(&m);
}
END_TEST

START_TEST(pci_no_bar2_no_base)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 0, false, 2);
	a = model_access(&m, false);
	log_capture();
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	ck_assert(logged("no BAR2 and no base address"));
	ck_assert_uint_eq(m.maps, 0);
	rte_openlog_stream(NULL);
	fclose(log_fp);
	model_fini(&m);
}
END_TEST

START_TEST(pci_wrong_ids)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 0, false, 2);
	a = model_access(&m, true);
	model_put32(&m.cfg[0x08], 0xFF000100u); /* ivshmem-net, not us */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -ENODEV);
	model_put32(&m.cfg[0x08], (uint32_t)IV2_PCI_CLASS << 24 | IV2_PROTOCOL << 8);
	model_put32(&m.cfg[0x00], 0x11101AF4u); /* ivshmem v1 */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -ENODEV);
	model_fini(&m);
}
END_TEST

START_TEST(pci_capability_list)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 0, false, 2);
	a = model_access(&m, true);
	model_put32(&m.cfg[0x04], 0); /* no capability list */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -ENODEV);
	model_put32(&m.cfg[0x04], 0x0010u << 16);
	m.cfg[0x34] = 0x60;
	m.cfg[0x61] = 0x60; /* MSI-X pointing at itself: must terminate */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -ENODEV);
	m.cfg[0x34] = 0x40;
	m.cfg[0x42] = 0x10; /* bad capability length */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	model_fini(&m);
}
END_TEST

START_TEST(pci_peers_and_ids)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 0, false, 2);
	a = model_access(&m, true);
	m.regs[IV2_REG_MAX_PEERS / 4] = 3;
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	m.regs[IV2_REG_MAX_PEERS / 4] = 2;
	m.regs[IV2_REG_ID / 4] = 2;
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	model_fini(&m);
}
END_TEST

START_TEST(pci_sizes)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 0, false, 2);
	a = model_access(&m, true);
	a.bar2_len = MODEL_SHM - 1;
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	a.bar2_len = MODEL_SHM;
	model_put64(&m.cfg[0x50], 0); /* no output sections */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	model_put64(&m.cfg[0x50], MODEL_OUT);
	model_put32(&m.cfg[0x44], 0); /* state table size 0 */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	model_put32(&m.cfg[0x44], MODEL_STATE);
	model_put64(&m.cfg[0x48], ~0ull); /* absurd R/W size must not overflow */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	model_fini(&m);
}
END_TEST

START_TEST(pci_config_errors)
{
	struct model m;
	struct iv2_dev d;
	struct iv2_pci pp;
	struct iv2_pci_access a;

	model_init(&m, 0, false, 2);
	a = model_access(&m, true);
	m.fail_reads = 1;
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EIO);
	m.fail_reads = 0;
	a.regs.read32 = NULL;
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	a = model_access(&m, true);
	a.regs.len = 0x10; /* State register outside BAR0 */
	ck_assert_int_eq(iv2_pci_attach(&d, &a, &pp), -EINVAL);
	model_fini(&m);
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
	tcase_add_test(pci, pci_interrupt_resources);
	tcase_add_test(pci, pci_base_address);
	tcase_add_test(pci, pci_base_refused);
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
