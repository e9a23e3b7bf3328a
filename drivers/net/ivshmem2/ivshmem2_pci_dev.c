/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * PCI flavour, device operations: State and Doorbell registers, the
 * vector-0 state-change interrupt, and port set-up over an attached device.
 * Nothing here knows the PCI bus: BAR0 is reached through iv2_pci_regs and
 * interrupts through an EAL interrupt handle, so the unit tests drive this
 * file against an in-memory model of the device.
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_interrupts.h>
#include <rte_malloc.h>

#include "ivshmem2.h"

static inline void
iv2_reg_write(struct iv2_pci *pp, uint32_t off, uint32_t v)
{
	pp->regs.write32(pp->regs.ctx, off, v);
}

static void
iv2_pci_state_write(struct iv2_dev *d, uint32_t state)
{
	/* write32 orders our earlier stores first; the device copies the value into the table. */
	iv2_reg_write(d->priv, IV2_REG_STATE, state);
}

static bool
iv2_pci_peer_attached(struct iv2_dev *d)
{
	/* The device zeroes the entry of a peer that goes away; the heartbeat covers the rest. */
	RTE_SET_USED(d);
	return true;
}

/* Datapath, at most once per TX burst and only when the peer asked for it. */
static void
iv2_pci_doorbell(struct iv2_dev *d, uint16_t vector)
{
	iv2_reg_write(d->priv, IV2_REG_DOORBELL, IV2_DOORBELL(d->peer_id, vector));
}

/* Stop interrupt delivery and wait for a callback that is running. */
static void
iv2_pci_intr_teardown(struct iv2_pci *pp)
{
	int ret;

	if (pp->intr == NULL)
		return;
	iv2_reg_write(pp, IV2_REG_INT_CONTROL, 0);
	rte_intr_disable(pp->intr);
	do {
		ret = rte_intr_callback_unregister(pp->intr, iv2_pci_intr, pp->intr_arg);
		if (ret == -EAGAIN)
			rte_delay_ms(1);
	} while (ret == -EAGAIN);
	pp->intr = NULL;
}

static void
iv2_pci_close(struct iv2_dev *d)
{
	struct iv2_pci *pp = d->priv;

	if (pp == NULL)
		return;
	iv2_pci_intr_teardown(pp);
	iv2_reg_write(pp, IV2_REG_STATE, IV2_STATE_RESET);
	iv2_reg_write(pp, IV2_REG_INT_CONTROL, 0);
	iv2_pci_detach(pp);
	rte_free(pp);
	memset(d, 0, sizeof(*d));
}

static const struct iv2_dev_ops iv2_pci_ops = {
	.state_write = iv2_pci_state_write,
	.peer_attached = iv2_pci_peer_attached,
	.doorbell = iv2_pci_doorbell,
	.close = iv2_pci_close,
};

/*
 * Vector 0: a peer's state changed (or, on a one-vector device, a doorbell).
 * The handler trusts nothing about the event: it runs the same life-cycle
 * step as the poll, which reads and validates the state table itself.
 */
void
iv2_pci_intr(void *arg)
{
	struct pmd_internals *p = arg;
	struct iv2_pci *pp = p->dev.priv;

	__atomic_fetch_add(&p->state_irqs, 1, __ATOMIC_RELAXED);
	if (pp->intr != NULL)
		rte_intr_ack(pp->intr);
	/*
	 * One-shot mode (Privileged Control bit 0, possibly left on by another
	 * driver) clears INT_CONTROL on delivery: re-arm before the table is
	 * read, so a change after the read interrupts us again.
	 */
	iv2_reg_write(pp, IV2_REG_INT_CONTROL, IV2_INT_ENABLE);
	iv2_lifecycle_event(p);
}

int
iv2_pci_intr_setup(struct pmd_internals *p, const struct rte_intr_handle *h)
{
	struct iv2_pci *pp = p->dev.priv;
	uint16_t port = p->eth_dev->data->port_id;
	enum rte_intr_handle_type type;

	if (!pp->msix) {
		/* INTx: the device never sets the status bit the kernel's INTx handlers check. */
		IV2_LOG(INFO, "port %u: device has no MSI-X; state changes are polled", port);
		return 0;
	}
	type = h != NULL ? rte_intr_type_get(h) : RTE_INTR_HANDLE_UNKNOWN;
	if (type != RTE_INTR_HANDLE_VFIO_MSIX && type != RTE_INTR_HANDLE_UIO) {
		IV2_LOG(NOTICE, "port %u: kernel driver offers no MSI-X to user space (interrupt"
			" type %d, bind vfio-pci for it); state changes are polled", port, (int)type);
		return 0;
	}
	if (rte_intr_callback_register(h, iv2_pci_intr, p) < 0) {
		IV2_LOG(NOTICE, "port %u: cannot register the interrupt callback; polling", port);
		return 0;
	}
	if (rte_intr_enable(h) < 0) {
		IV2_LOG(NOTICE, "port %u: cannot enable MSI-X; state changes are polled", port);
		while (rte_intr_callback_unregister(h, iv2_pci_intr, p) == -EAGAIN)
			rte_delay_ms(1);
		return 0;
	}
	pp->intr = h;
	pp->intr_arg = p;
	iv2_reg_write(pp, IV2_REG_INT_CONTROL, IV2_INT_ENABLE);
	IV2_LOG(INFO, "port %u: state changes on MSI-X vector 0 (%u vectors)", port,
		p->dev.nb_vectors);
	return 1;
}

int
iv2_pci_port_init(struct rte_eth_dev *eth_dev, const struct iv2_pci_access *acc, const char *args)
{
	struct pmd_internals *p = eth_dev->data->dev_private;
	const char *name = eth_dev->data->name;
	struct iv2_config cfg;
	struct iv2_pci *pp;
	int ret;

	ret = iv2_devargs_parse(args, &cfg, false);
	if (ret < 0) {
		IV2_LOG(ERR, "%s: invalid devargs, see the driver guide", name);
		return ret;
	}
	pp = rte_zmalloc("iv2_pci", sizeof(*pp), 0);
	if (pp == NULL)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	ret = iv2_pci_attach(&p->dev, acc, pp);
	if (ret < 0) {
		rte_free(pp);
		goto fail;
	}
	p->dev.ops = &iv2_pci_ops;
	/* Interrupts stay off until iv2_pci_intr_setup has a handler in place. */
	iv2_reg_write(pp, IV2_REG_INT_CONTROL, 0);
	if (p->dev.out_size < iv2_section_need(cfg.queues, cfg.ring_size, cfg.buf_size)) {
		IV2_LOG(ERR, "%s: output section of %" PRIu64 " bytes is too small for %u queues"
			" x %u slots x %u B", name, p->dev.out_size, cfg.queues, cfg.ring_size,
			cfg.buf_size);
		ret = -EINVAL;
		goto fail;
	}
	cfg.id = (int)p->dev.id;
	cfg.out_size = p->dev.out_size;
	p->cfg = cfg;
	ret = iv2_ethdev_init(eth_dev, &cfg);
	if (ret == 0)
		return 0;
fail:
	if (p->dev.ops != NULL)
		p->dev.ops->close(&p->dev);
	pthread_mutex_destroy(&p->lock);
	return ret;
}
