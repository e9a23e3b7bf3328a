/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * PCI flavour, DPDK side: an rte_pci_driver for the ivshmem 2.0 device
 * (110Ah:4106h) with class FFh and our protocol in sub-class/prog-if.
 * Registers come from BAR0, shared memory from BAR2; the bus-independent
 * checks live in ivshmem2_pci_probe.c. We poll, so interrupts stay off
 * (INT_CONTROL = 0) and the doorbell is only rung as a courtesy.
 */

#include <errno.h>
#include <string.h>

#include <bus_pci_driver.h>
#include <ethdev_pci.h>
#include <rte_devargs.h>

#include "ivshmem2.h"

struct iv2_pci {
	volatile uint32_t *bar0;
};

static void
iv2_pci_state_write(struct iv2_dev *d, uint32_t state)
{
	struct iv2_pci *pp = d->priv;

	/* The device copies the value into our state-table entry and interrupts the peer. */
	rte_io_wmb();
	pp->bar0[IV2_REG_STATE / 4] = state;
}

static bool
iv2_pci_peer_attached(struct iv2_dev *d)
{
	/* The device zeroes the entry of a peer that goes away; the heartbeat covers the rest. */
	RTE_SET_USED(d);
	return true;
}

static void
iv2_pci_doorbell(struct iv2_dev *d, uint16_t vector)
{
	struct iv2_pci *pp = d->priv;

	rte_io_wmb();
	pp->bar0[IV2_REG_DOORBELL / 4] = d->peer_id << 16 | vector;
}

static void
iv2_pci_close(struct iv2_dev *d)
{
	struct iv2_pci *pp = d->priv;

	if (pp == NULL)
		return;
	pp->bar0[IV2_REG_STATE / 4] = IV2_STATE_RESET;
	pp->bar0[IV2_REG_INT_CONTROL / 4] = 0;
	rte_free(pp);
	memset(d, 0, sizeof(*d));
}

static const struct iv2_dev_ops iv2_pci_ops = {
	.state_write = iv2_pci_state_write,
	.peer_attached = iv2_pci_peer_attached,
	.doorbell = iv2_pci_doorbell,
	.close = iv2_pci_close,
};

static int
iv2_pci_cfg_read32(void *ctx, uint32_t off, uint32_t *val)
{
	return rte_pci_read_config(ctx, val, 4, off) == 4 ? 0 : -EIO;
}

static int
iv2_pci_dev_open(struct rte_pci_device *pci, struct iv2_dev *d)
{
	struct iv2_pci_access acc = {
		.cfg_read32 = iv2_pci_cfg_read32,
		.ctx = pci,
		.bar0 = pci->mem_resource[0].addr,
		.bar0_len = pci->mem_resource[0].len,
		.bar2 = pci->mem_resource[2].addr,
		.bar2_len = pci->mem_resource[2].len,
		.map_phys = NULL,
	};
	struct iv2_pci *pp;
	int ret;

	ret = iv2_pci_attach(d, &acc);
	if (ret < 0)
		return ret;
	pp = rte_zmalloc("iv2_pci", sizeof(*pp), 0);
	if (pp == NULL)
		return -ENOMEM;
	pp->bar0 = acc.bar0;
	pp->bar0[IV2_REG_INT_CONTROL / 4] = 0;
	d->ops = &iv2_pci_ops;
	d->priv = pp;
	return 0;
}

static int
iv2_pci_probe(struct rte_pci_driver *drv, struct rte_pci_device *pci)
{
	const char *args = pci->device.devargs != NULL ? pci->device.devargs->args : NULL;
	struct rte_eth_dev *eth_dev;
	struct pmd_internals *p;
	struct iv2_config cfg;
	int ret;

	RTE_SET_USED(drv);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -ENOTSUP;
	ret = iv2_devargs_parse(args, &cfg, false);
	if (ret < 0)
		return ret;
	eth_dev = rte_eth_dev_pci_allocate(pci, sizeof(*p));
	if (eth_dev == NULL)
		return -ENOMEM;
	p = eth_dev->data->dev_private;
	pthread_mutex_init(&p->lock, NULL);
	ret = iv2_pci_dev_open(pci, &p->dev);
	if (ret == 0 && p->dev.out_size < iv2_section_need(cfg.queues, cfg.ring_size, cfg.buf_size)) {
		IV2_LOG(ERR, "%s: output section of %" PRIu64 " bytes is too small for %u queues",
			pci->device.name, p->dev.out_size, cfg.queues);
		ret = -EINVAL;
	}
	cfg.id = (int)p->dev.id;
	cfg.out_size = p->dev.out_size;
	p->cfg = cfg;
	if (ret == 0)
		ret = iv2_ethdev_init(eth_dev, &cfg);
	if (ret < 0) {
		if (p->dev.ops != NULL)
			p->dev.ops->close(&p->dev);
		pthread_mutex_destroy(&p->lock);
		rte_eth_dev_release_port(eth_dev);
		return ret;
	}
	rte_eth_dev_probing_finish(eth_dev);
	iv2_lifecycle_attach(p);
	IV2_LOG(INFO, "%s: port %u, pci flavour, id %u", pci->device.name,
		eth_dev->data->port_id, p->dev.id);
	return 0;
}

static int
iv2_pci_remove(struct rte_pci_device *pci)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocated(pci->device.name);

	if (eth_dev == NULL)
		return 0;
	return rte_eth_dev_close(eth_dev->data->port_id);
}

static const struct rte_pci_id iv2_pci_ids[] = {
	{
		.class_id = (uint32_t)IV2_PCI_CLASS << 16 | IV2_PROTOCOL,
		.vendor_id = IV2_PCI_VENDOR,
		.device_id = IV2_PCI_DEVICE,
		.subsystem_vendor_id = RTE_PCI_ANY_ID,
		.subsystem_device_id = RTE_PCI_ANY_ID,
	},
	{ .vendor_id = 0 },
};

static struct rte_pci_driver iv2_pci_drv = {
	.id_table = iv2_pci_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = iv2_pci_probe,
	.remove = iv2_pci_remove,
};

RTE_PMD_REGISTER_PCI(net_ivshmem2_pci, iv2_pci_drv);
RTE_PMD_REGISTER_PCI_TABLE(net_ivshmem2_pci, iv2_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_ivshmem2_pci, "* vfio-pci | * uio_pci_generic | * igb_uio");
RTE_PMD_REGISTER_PARAM_STRING(net_ivshmem2_pci,
	"queues=<1..8> ring_size=<64..4096> buf_size=<512..16384> mac=<addr> zero_copy=<0|1>");
