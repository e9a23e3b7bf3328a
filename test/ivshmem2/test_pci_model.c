/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * The PCI flavour's device operations as a whole port, against the
 * in-memory device model (pci_model.c) instead of a PCI bus: EAL without
 * hugepages or PCI, a real ethdev port built by iv2_pci_port_init, the test
 * playing the peer through the model's state table and the peer's section.
 * The poll period is stretched to 10 s, so every life-cycle step observed
 * here came from the interrupt path or from start itself.
 *
 * What is checked: one doorbell write per TX burst, with the right value,
 * when the peer's event area asks for notifications and none when it polls;
 * the vector-0 handler runs the life-cycle step (called directly, and once
 * through EAL's interrupt thread) and validates the peer's state; INT_CONTROL
 * is armed only when interrupts can be delivered.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <check.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include <dev_driver.h>

#include "ivshmem2.h"
#include "pci_model.h"
#include "runtime_dir.h"

#define RING 64
#define SLOW_POLL_US (10u * 1000 * 1000)

static struct rte_mempool *mp;
static struct model m;
static struct pmd_internals *p;
static uint16_t port;
static uint32_t lsc_events;
static int port_seq;
/* ethdev wants a device with a driver behind every port (dev_info_get reads its name). */
static struct rte_driver model_drv = { .name = "net_ivshmem2_model" };
static struct rte_device model_dev = { .name = "iv2_model", .driver = &model_drv };

static int
lsc_cb(uint16_t pid, enum rte_eth_event_type type, void *arg, void *ret)
{
	RTE_SET_USED(pid);
	RTE_SET_USED(type);
	RTE_SET_USED(arg);
	RTE_SET_USED(ret);
	__atomic_add_fetch(&lsc_events, 1, __ATOMIC_RELAXED);
	return 0;
}

/* A port over the model with peer ID @p id and @p msix vectors (0: INTx), started. */
static void
port_create(uint32_t id, uint16_t msix)
{
	struct rte_eth_conf conf = { 0 };
	struct iv2_pci_access acc;
	struct rte_eth_dev *ed;
	char name[32];

	model_init(&m, id, false, msix);
	acc = model_access(&m, true);
	snprintf(name, sizeof(name), "iv2_model%d", port_seq++);
	ed = rte_eth_dev_allocate(name);
	ck_assert_ptr_nonnull(ed);
	ed->device = &model_dev;
	ed->data->dev_private = rte_zmalloc("iv2_model", sizeof(*p), RTE_CACHE_LINE_SIZE);
	ck_assert_ptr_nonnull(ed->data->dev_private);
	p = ed->data->dev_private;
	ck_assert_int_eq(iv2_pci_port_init(ed, &acc, "ring_size=64"), 0);
	port = ed->data->port_id;
	rte_eth_dev_probing_finish(ed);
	/* Interrupts start off; the probe writes RESET through the State register. */
	ck_assert_uint_eq(m.regs[IV2_REG_INT_CONTROL / 4], 0);
	p->poll_us = SLOW_POLL_US;
	iv2_lifecycle_attach(p);
	ck_assert_uint_ge(m.state_writes, 1);

	ck_assert_int_eq(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	ck_assert_int_eq(rte_eth_rx_queue_setup(port, 0, RING, 0, NULL, mp), 0);
	ck_assert_int_eq(rte_eth_tx_queue_setup(port, 0, RING, 0, NULL), 0);
	rte_eth_dev_callback_register(port, RTE_ETH_EVENT_INTR_LSC, lsc_cb, NULL);
	lsc_events = 0;
	ck_assert_int_eq(rte_eth_dev_start(port), 0);
	/* start ran one step: RESET -> INIT, through the State register into the table */
	ck_assert_uint_eq(p->local_state, IV2_STATE_INIT);
	ck_assert_uint_eq(((uint32_t *)(void *)m.shm)[id], IV2_STATE_INIT);
}

static void
port_destroy(void)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port); /* releases the port and its private data */
	ck_assert_uint_eq(m.regs[IV2_REG_STATE / 4], IV2_STATE_RESET);
	ck_assert_uint_eq(m.regs[IV2_REG_INT_CONTROL / 4], 0);
	ck_assert_uint_eq(m.bad_accesses, 0);
	model_fini(&m);
}

static void
peer_state(uint32_t s)
{
	__atomic_store_n((uint32_t *)(void *)m.shm + p->dev.peer_id, s, __ATOMIC_RELEASE);
}

static bool
link_up(void)
{
	struct rte_eth_link l;

	return rte_eth_link_get_nowait(port, &l) == 0 && l.link_status == RTE_ETH_LINK_UP;
}

/* Play a peer that laid out its section like ours and went to RUN; one handler call each step. */
static void
peer_run(void)
{
	struct iv2_sect_hdr *own = (struct iv2_sect_hdr *)p->dev.out_own;
	struct iv2_sect_hdr *peer = (struct iv2_sect_hdr *)(uintptr_t)p->dev.out_peer;

	peer_state(IV2_STATE_INIT);
	iv2_pci_intr(p); /* INIT -> READY: our section laid out */
	ck_assert_uint_eq(p->local_state, IV2_STATE_READY);
	memcpy(peer, own, sizeof(*peer));
	peer->session = own->session ^ 0x5a5a;
	peer_state(IV2_STATE_RUN);
	iv2_pci_intr(p); /* READY -> RUN, link up */
	ck_assert_uint_eq(p->local_state, IV2_STATE_RUN);
	ck_assert(link_up());
}

/* The peer's device event area for its RX of our TX queue 0. */
static struct pring_event *
peer_rx_event(void)
{
	return (struct pring_event *)(uintptr_t)(iv2_queue_base(p, p->dev.out_peer, 0) +
		iv2_q_events_off(RING) + offsetof(struct iv2_queue_events, rx_dev_event));
}

static uint16_t
tx(uint16_t n)
{
	struct rte_mbuf *pk[128];
	uint16_t i, sent;

	ck_assert_uint_le(n, RTE_DIM(pk));
	for (i = 0; i < n; i++) {
		pk[i] = rte_pktmbuf_alloc(mp);
		ck_assert_ptr_nonnull(pk[i]);
		memset(rte_pktmbuf_append(pk[i], 64), 0xab, 64);
	}
	sent = rte_eth_tx_burst(port, 0, pk, n);
	if (sent < n)
		rte_pktmbuf_free_bulk(pk + sent, n - sent);
	return sent;
}

static uint64_t
xstat(const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) == 0)
		rte_eth_xstats_get_by_id(port, &id, &v, 1);
	return v;
}

/* ------------------------------------------------------------------ */
/* Doorbells                                                           */
/* ------------------------------------------------------------------ */

START_TEST(doorbell_once_per_burst)
{
	port_create(0, 3);
	peer_run();
	peer_rx_event()->flags = PRING_EVENT_ENABLE; /* the peer sleeps and wants a doorbell */
	m.doorbell_writes = 0;
	ck_assert_uint_eq(tx(8), 8);
	ck_assert_uint_eq(m.doorbell_writes, 1);
	/* peer 1, vector 1: the first data vector of a 3-vector device */
	ck_assert_uint_eq(m.doorbell_last, 1u << 16 | 1);
	ck_assert_uint_eq(tx(1), 1);
	ck_assert_uint_eq(m.doorbell_writes, 2);
	/* A burst that fills the ring: still one write. */
	ck_assert_uint_eq(tx(100), RING - 9); /* fills the ring */
	ck_assert_uint_eq(m.doorbell_writes, 3);
	/* Nothing made available: nothing to ring (the ring is full now, and an empty burst). */
	ck_assert_uint_eq(tx(4), 0);
	ck_assert_uint_eq(rte_eth_tx_burst(port, 0, NULL, 0), 0);
	ck_assert_uint_eq(m.doorbell_writes, 3);
	ck_assert_uint_eq(xstat("tx_doorbells"), 3);
	port_destroy();
}
END_TEST

START_TEST(doorbell_never_when_peer_polls)
{
	port_create(0, 3);
	peer_run();
	peer_rx_event()->flags = PRING_EVENT_DISABLE; /* what our own driver writes: it polls */
	m.doorbell_writes = 0;
	ck_assert_uint_eq(tx(8), 8);
	ck_assert_uint_eq(tx(16), 16);
	ck_assert_uint_eq(m.doorbell_writes, 0);
	/* It changes its mind: the next burst rings. */
	peer_rx_event()->flags = PRING_EVENT_ENABLE;
	ck_assert_uint_eq(tx(2), 2);
	ck_assert_uint_eq(m.doorbell_writes, 1);
	ck_assert_uint_eq(xstat("tx_doorbells"), 1);
	port_destroy();
}
END_TEST

/* Peer 0 from ID 1, on an INTx device: vector 0 is the only one. */
START_TEST(doorbell_value_intx)
{
	port_create(1, 0);
	peer_run();
	peer_rx_event()->flags = PRING_EVENT_ENABLE;
	m.doorbell_writes = 0;
	m.doorbell_last = 0xffffffff;
	ck_assert_uint_eq(tx(3), 3);
	ck_assert_uint_eq(m.doorbell_writes, 1);
	ck_assert_uint_eq(m.doorbell_last, 0u << 16 | 0);
	port_destroy();
}
END_TEST

/* Link down: the burst drops, and nobody is woken for nothing. */
START_TEST(doorbell_not_while_down)
{
	port_create(0, 3);
	peer_rx_event()->flags = PRING_EVENT_ENABLE;
	ck_assert(!link_up());
	ck_assert_uint_eq(tx(8), 8); /* consumed as peer_down drops */
	ck_assert_uint_eq(m.doorbell_writes, 0);
	port_destroy();
}
END_TEST

/* ------------------------------------------------------------------ */
/* Vector 0: state events                                              */
/* ------------------------------------------------------------------ */

START_TEST(intr_runs_lifecycle)
{
	unsigned int armed;

	port_create(0, 2);
	/* Without an event nothing moves: the poll is 10 s away. */
	peer_state(IV2_STATE_INIT);
	rte_delay_ms(50);
	ck_assert_uint_eq(p->local_state, IV2_STATE_INIT);
	armed = m.int_control_writes;
	iv2_pci_intr(p);
	ck_assert_uint_eq(p->local_state, IV2_STATE_READY);
	ck_assert_uint_eq(((uint32_t *)(void *)m.shm)[0], IV2_STATE_READY);
	ck_assert_uint_eq(p->state_irqs, 1);
	/* re-armed for one-shot mode */
	ck_assert_uint_eq(m.int_control_writes, armed + 1);
	ck_assert_uint_eq(m.regs[IV2_REG_INT_CONTROL / 4], IV2_INT_ENABLE);
	port_destroy();
}
END_TEST

START_TEST(intr_link_up_and_down)
{
	port_create(0, 2);
	peer_run();
	ck_assert_uint_ge(__atomic_load_n(&lsc_events, __ATOMIC_RELAXED), 1);
	/* The peer resets: link down at the event, not at the next poll. */
	peer_state(IV2_STATE_RESET);
	iv2_pci_intr(p);
	ck_assert(!link_up());
	ck_assert_uint_eq(p->local_state, IV2_STATE_RESET);
	ck_assert_uint_eq(xstat("state_interrupts"), 3);
	port_destroy();
}
END_TEST

/* A state value outside the protocol counts as RESET, from the interrupt path too. */
START_TEST(intr_validates_peer_state)
{
	port_create(0, 2);
	peer_run();
	peer_state(0xdeadbeef);
	iv2_pci_intr(p);
	ck_assert(!link_up());
	ck_assert_uint_eq(p->peer_state, IV2_STATE_RESET);
	ck_assert_uint_eq(p->local_state, IV2_STATE_RESET);
	peer_state(IV2_STATE_RUN + 1);
	iv2_pci_intr(p);
	ck_assert_uint_eq(p->peer_state, IV2_STATE_RESET);
	ck_assert(!link_up());
	port_destroy();
}
END_TEST

/* After close (or stop) an interrupt changes nothing. */
START_TEST(intr_after_stop)
{
	port_create(0, 2);
	rte_eth_dev_stop(port);
	ck_assert_uint_eq(p->local_state, IV2_STATE_RESET);
	peer_state(IV2_STATE_INIT);
	iv2_pci_intr(p);
	ck_assert_uint_eq(p->local_state, IV2_STATE_RESET);
	port_destroy();
}
END_TEST

/* No MSI-X, no handle, or a handle that cannot be enabled: polling, INT_CONTROL stays 0. */
START_TEST(intr_setup_fallback)
{
	struct rte_intr_handle *h;
	int sv[2];

	port_create(0, 0);
	ck_assert_int_eq(iv2_pci_intr_setup(p, NULL), 0);
	ck_assert_uint_eq(m.regs[IV2_REG_INT_CONTROL / 4], 0);
	port_destroy();

	port_create(0, 2);
	ck_assert_int_eq(iv2_pci_intr_setup(p, NULL), 0);
	ck_assert_uint_eq(m.regs[IV2_REG_INT_CONTROL / 4], 0);
	/* uio_pci_generic gives INTx only */
	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	rte_intr_fd_set(h, sv[0]);
	rte_intr_type_set(h, RTE_INTR_HANDLE_UIO_INTX);
	ck_assert_int_eq(iv2_pci_intr_setup(p, h), 0);
	/* vfio MSI-X whose enable fails (no vfio device behind it) */
	rte_intr_type_set(h, RTE_INTR_HANDLE_VFIO_MSIX);
	rte_intr_dev_fd_set(h, -1);
	ck_assert_int_eq(iv2_pci_intr_setup(p, h), 0);
	ck_assert_uint_eq(m.regs[IV2_REG_INT_CONTROL / 4], 0);
	ck_assert_int_lt(rte_intr_callback_unregister(h, iv2_pci_intr, p), 1); /* none left */
	port_destroy();
	rte_intr_instance_free(h);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/*
 * End to end through EAL's interrupt thread, with a handle that behaves
 * like igb_uio's (type UIO: enable and ack write to the fd, an event is a
 * readable int). A socket pair stands in for /dev/uioN.
 */
START_TEST(intr_through_eal)
{
	struct rte_intr_handle *h;
	int sv[2], one = 1, t;
	uint8_t drain[64];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	ck_assert_ptr_nonnull(h);
	rte_intr_fd_set(h, sv[0]);
	rte_intr_type_set(h, RTE_INTR_HANDLE_UIO);
	port_create(0, 2);
	ck_assert_int_eq(iv2_pci_intr_setup(p, h), 1);
	ck_assert_uint_eq(m.regs[IV2_REG_INT_CONTROL / 4], IV2_INT_ENABLE);
	peer_state(IV2_STATE_INIT);
	ck_assert_int_eq(write(sv[1], &one, sizeof(one)), (int)sizeof(one)); /* the "interrupt" */
	for (t = 0; t < 2000 && __atomic_load_n(&p->local_state, __ATOMIC_ACQUIRE) !=
	     IV2_STATE_READY; t++)
		rte_delay_ms(1);
	ck_assert_uint_eq(__atomic_load_n(&p->local_state, __ATOMIC_ACQUIRE), IV2_STATE_READY);
	ck_assert_uint_ge(__atomic_load_n(&p->state_irqs, __ATOMIC_RELAXED), 1);
	port_destroy(); /* unregisters: INT_CONTROL back to 0, checked inside */
	ck_assert_int_lt(rte_intr_callback_unregister(h, iv2_pci_intr, p), 1);
	while (recv(sv[1], drain, sizeof(drain), MSG_DONTWAIT) > 0)
		;
	rte_intr_instance_free(h);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static Suite *
model_suite(void)
{
	Suite *s = suite_create("ivshmem2-pci-model");
	TCase *db = tcase_create("doorbell");
	TCase *irq = tcase_create("interrupt");

	tcase_add_test(db, doorbell_once_per_burst);
	tcase_add_test(db, doorbell_never_when_peer_polls);
	tcase_add_test(db, doorbell_value_intx);
	tcase_add_test(db, doorbell_not_while_down);
	suite_add_tcase(s, db);
	tcase_set_timeout(irq, 30);
	tcase_add_test(irq, intr_runs_lifecycle);
	tcase_add_test(irq, intr_link_up_and_down);
	tcase_add_test(irq, intr_validates_peer_state);
	tcase_add_test(irq, intr_after_stop);
	tcase_add_test(irq, intr_setup_fallback);
	tcase_add_test(irq, intr_through_eal);
	suite_add_tcase(s, irq);
	return s;
}

int
main(void)
{
	char prefix[64];
	char *argv[] = { "pci-model", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			 "--no-telemetry", prefix, "--log-level=pmd.net.ivshmem2:warning", NULL };
	struct vm2vm_runtime_dir rd;
	SRunner *sr;
	int failed;

	snprintf(prefix, sizeof(prefix), "--file-prefix=iv2pcim%d", getpid());
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "pci-model: EAL init failed\n");
		return EXIT_FAILURE;
	}
	vm2vm_runtime_dir_note(&rd);
	mp = rte_pktmbuf_pool_create("pcim", 1023, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM, 0);
	if (mp == NULL) {
		fprintf(stderr, "pci-model: no mempool\n");
		return EXIT_FAILURE;
	}
	sr = srunner_create(model_suite());
	/* EAL threads do not survive fork(): run in this process. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	vm2vm_runtime_dir_remove(&rd);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
