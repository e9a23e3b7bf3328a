/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * QEMU ivshmem-plain flavour, DPDK bus side: an rte_pci_driver for QEMU's
 * ivshmem (1AF4:1110, revision 1) bound to uio_pci_generic or vfio-pci.
 * Only BAR2 (the shared memory) is used; BAR0's registers (interrupt mask
 * and status, IVPosition, doorbell) mean nothing without ivshmem-server.
 * Port set-up over the attached memory lives here too, with the ethdev glue.
 */

#include <errno.h>

#include <bus_pci_driver.h>
#include <ethdev_pci.h>
#include <rte_devargs.h>

#include "ivshmem2_plain.h"

#define IV2_PCI_CFG_REVISION 0x08

/* Parse the devargs, lay the sections out over BAR2, initialise the port. */
static int
iv2_plain_port_init(struct rte_eth_dev *eth_dev, uint8_t *mem, uint64_t len, const char *args)
{
	struct pmd_internals *p = eth_dev->data->dev_private;
	const char *name = eth_dev->data->name;
	struct iv2_config cfg;
	int ret;

	ret = iv2_devargs_parse_flavour(args, &cfg, IV2_ARGS_PLAIN);
	if (ret < 0) {
		IV2_LOG(ERR, "%s: invalid devargs, see the driver guide", name);
		return ret;
	}
	pthread_mutex_init(&p->lock, NULL);
	ret = iv2_plain_attach(&p->dev, mem, len, &cfg);
	if (ret < 0) {
		IV2_LOG(ERR, "%s: cannot use the shared memory", name);
		goto fail;
	}
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

static int
iv2_plain_probe(struct rte_pci_driver *drv, struct rte_pci_device *pci)
{
	const char *args = pci->device.devargs != NULL ? pci->device.devargs->args : NULL;
	const char *name = pci->device.name;
	struct rte_eth_dev *eth_dev;
	struct pmd_internals *p;
	uint8_t rev = 0;
	int ret;

	RTE_SET_USED(drv);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -ENOTSUP;
	if (rte_pci_read_config(pci, &rev, 1, IV2_PCI_CFG_REVISION) != 1 ||
	    rev != IV2_PLAIN_REVISION) {
		IV2_LOG(NOTICE, "%s: 1AF4:1110 revision %u is not QEMU's ivshmem (1); skipped",
			name, rev);
		return 1; /* not ours: let another driver try */
	}
	eth_dev = rte_eth_dev_pci_allocate(pci, sizeof(*p));
	if (eth_dev == NULL)
		return -ENOMEM;
	p = eth_dev->data->dev_private;
	ret = iv2_plain_port_init(eth_dev, pci->mem_resource[2].addr, pci->mem_resource[2].len,
				  args);
	if (ret < 0) {
		rte_eth_dev_release_port(eth_dev);
		return ret;
	}
	rte_eth_dev_probing_finish(eth_dev);
	iv2_lifecycle_attach(p);
	IV2_LOG(INFO, "%s: port %u, ivshmem-plain flavour, id %u, %u queues x %u slots x %u B,"
		" BAR2 %" PRIu64 " bytes (state %" PRIu64 ", rw %" PRIu64 ", out %" PRIu64 ")",
		name, eth_dev->data->port_id, p->dev.id, p->cfg.queues, p->cfg.ring_size,
		p->cfg.buf_size, pci->mem_resource[2].len, p->dev.state_size, p->dev.rw_size,
		p->dev.out_size);
	return 0;
}

static int
iv2_plain_remove(struct rte_pci_device *pci)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocated(pci->device.name);

	if (eth_dev == NULL)
		return 0;
	return rte_eth_dev_close(eth_dev->data->port_id);
}

static const struct rte_pci_id iv2_plain_ids[] = {
	{ RTE_PCI_DEVICE(IV2_PLAIN_VENDOR, IV2_PLAIN_DEVICE) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver iv2_plain_drv = {
	.id_table = iv2_plain_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = iv2_plain_probe,
	.remove = iv2_plain_remove,
};

RTE_PMD_REGISTER_PCI(net_ivshmem2_plain, iv2_plain_drv);
RTE_PMD_REGISTER_PCI_TABLE(net_ivshmem2_plain, iv2_plain_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_ivshmem2_plain, "* uio_pci_generic | * vfio-pci");
RTE_PMD_REGISTER_PARAM_STRING(net_ivshmem2_plain,
	"id=<0|1> queues=<1..8> ring_size=<64..4096> buf_size=<512..16384> mac=<addr>"
	" zero_copy=<0|1> state_size=<bytes> rw_size=<bytes> out_size=<bytes> tx_pool=<n>");
