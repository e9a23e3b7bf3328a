/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * PCI flavour, DPDK bus side: an rte_pci_driver for the ivshmem 2.0 device
 * (110Ah:4106h) with class FFh and our protocol in sub-class/prog-if. It
 * supplies what the bus-independent parts need: config-space reads, BAR0 as
 * MMIO, BAR2, and, for devices without BAR2 (Jailhouse), a mapping of the
 * capability's base address from /dev/mem: neither vfio-pci nor uio expose
 * memory outside the BARs, so that is the only way a user-space driver
 * reaches it. MSI-X vector 0 is taken where the kernel driver offers it.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bus_pci_driver.h>
#include <ethdev_pci.h>
#include <rte_devargs.h>
#include <rte_io.h>

#include "ivshmem2.h"

static uint32_t
iv2_mmio_read32(void *ctx, uint32_t off)
{
	return rte_read32((uint8_t *)ctx + off);
}

/* rte_write32 orders every earlier store before the register write. */
static void
iv2_mmio_write32(void *ctx, uint32_t off, uint32_t val)
{
	rte_write32(val, (uint8_t *)ctx + off);
}

static int
iv2_pci_cfg_read32(void *ctx, uint32_t off, uint32_t *val)
{
	return rte_pci_read_config(ctx, val, 4, off) == 4 ? 0 : -EIO;
}

/*
 * Shared memory outside the BARs. Needs CAP_SYS_RAWIO, a kernel without
 * lockdown, and a range that STRICT_DEVMEM lets through (not RAM of this
 * kernel, not claimed by another driver): true of a Jailhouse cell's
 * ivshmem regions, which its kernel never sees as RAM.
 */
static uintptr_t
iv2_page_mask(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	return (uintptr_t)(pg > 0 ? pg : 4096) - 1;
}

static void *
iv2_pci_map_devmem(void *ctx, uint64_t addr, uint64_t len)
{
	const struct rte_pci_device *pci = ctx;
	/* The region is 4 KiB aligned; a kernel with larger pages maps from the page below. */
	uint64_t lead = addr & iv2_page_mask();
	uint8_t *va;
	int fd;

	fd = open("/dev/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		IV2_LOG(ERR, "%s: no BAR2; shared memory at 0x%" PRIx64 " must come from /dev/mem,"
			" which cannot be opened: %s (needs root; kernel lockdown forbids it)",
			pci->device.name, addr, strerror(errno));
		return NULL;
	}
	va = mmap(NULL, len + lead, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)(addr - lead));
	close(fd);
	if (va == MAP_FAILED) {
		IV2_LOG(ERR, "%s: cannot map %" PRIu64 " bytes of /dev/mem at 0x%" PRIx64 ": %s"
			" (STRICT_DEVMEM refuses RAM and ranges claimed by a driver)",
			pci->device.name, len, addr, strerror(errno));
		return NULL;
	}
	IV2_LOG(INFO, "%s: shared memory 0x%" PRIx64 " + %" PRIu64 " bytes mapped from /dev/mem",
		pci->device.name, addr, len);
	return va + lead;
}

static void
iv2_pci_unmap_devmem(void *ctx, void *va, uint64_t len)
{
	uintptr_t lead = (uintptr_t)va & iv2_page_mask();

	RTE_SET_USED(ctx);
	munmap((uint8_t *)va - lead, len + lead);
}

/* Our own mapping of the sections: make what we must not write read-only, as the device does. */
static void
iv2_pci_protect(const struct iv2_dev *d)
{
	const struct iv2_pci *pp = d->priv;

	if (pp->map == NULL)
		return;
	if (mprotect(pp->map, d->state_size, PROT_READ) < 0 ||
	    mprotect((void *)(uintptr_t)d->out_peer, d->out_size, PROT_READ) < 0)
		IV2_LOG(WARNING, "cannot make the state table and the peer's section read-only: %s",
			strerror(errno));
}

static int
iv2_pci_probe(struct rte_pci_driver *drv, struct rte_pci_device *pci)
{
	const char *args = pci->device.devargs != NULL ? pci->device.devargs->args : NULL;
	struct iv2_pci_access acc = {
		.cfg_read32 = iv2_pci_cfg_read32,
		.ctx = pci,
		.regs = {
			.read32 = iv2_mmio_read32,
			.write32 = iv2_mmio_write32,
			.ctx = pci->mem_resource[0].addr,
			.len = pci->mem_resource[0].addr != NULL ? pci->mem_resource[0].len : 0,
		},
		.bar2 = pci->mem_resource[2].addr,
		.bar2_len = pci->mem_resource[2].len,
		.map_phys = iv2_pci_map_devmem,
		.unmap_phys = iv2_pci_unmap_devmem,
	};
	struct rte_eth_dev *eth_dev;
	struct pmd_internals *p;
	unsigned int i;
	int ret, irq;

	RTE_SET_USED(drv);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -ENOTSUP;
	for (i = 0; i < IV2_PCI_NB_BARS; i++) {
		acc.bars[i].phys = pci->mem_resource[i].phys_addr;
		acc.bars[i].len = pci->mem_resource[i].len;
	}
	eth_dev = rte_eth_dev_pci_allocate(pci, sizeof(*p));
	if (eth_dev == NULL)
		return -ENOMEM;
	p = eth_dev->data->dev_private;
	ret = iv2_pci_port_init(eth_dev, &acc, args);
	if (ret < 0) {
		rte_eth_dev_release_port(eth_dev);
		return ret;
	}
	iv2_pci_protect(&p->dev);
	rte_eth_dev_probing_finish(eth_dev);
	iv2_lifecycle_attach(p);
	irq = iv2_pci_intr_setup(p, pci->intr_handle);
	IV2_LOG(INFO, "%s: port %u, pci flavour, id %u, %u vectors, %s, shared memory from %s",
		pci->device.name, eth_dev->data->port_id, p->dev.id, p->dev.nb_vectors,
		irq > 0 ? "state interrupts + poll" : "poll only",
		acc.bar2 != NULL ? "BAR2" : "the capability's base address");
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
	"queues=<1..8> ring_size=<64..4096> buf_size=<512..16384> mac=<addr> zero_copy=<0|1> tx_pool=<n>");
