/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * EXPERIMENTAL: the rte_pci_driver for the virtio-vhost-user device pinned
 * in vp_vvu.h (1AF4:1058, modern virtio PCI). It negotiates VERSION_1 and
 * RING_PACKED for the device's own two queues, lays them out (lib/pring,
 * driver end) in IOVA-contiguous hugepage memory, and hands the device to
 * the transport core (vp_vvu.c); the ethdev, the vhost-user state machine
 * and the datapath are the socket flavour's. We poll: no interrupts, the
 * front-end's kicks are not used, calls go out through the BAR 2 doorbells.
 *
 * No such device exists in the QEMU we test with: this file (MMIO, BARs,
 * memzone, thread) is only built and reviewed; everything under it is
 * tested against in-memory models (doc/guides/nics/vhost_pci.md).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bus_pci_driver.h>
#include <ethdev_pci.h>
#include <rte_cycles.h>
#include <rte_devargs.h>
#include <rte_io.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "vp_devargs.h"
#include "vp_internal.h"
#include "vp_vvu.h"
#include "vp_vvu_caps.h"
#include "vp_vvu_virtio.h"

#define VVU_POLL_US 1000          /* control thread period */
#define VVU_RING_CHECK_POLLS 10   /* datapath violations looked for every 10 periods */
#define VVU_WANT_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_PACKED))

/* What the PCI layer keeps per device. */
struct vvu_pci {
	struct rte_pci_device *pci;
	struct vvu_pci_caps caps;
	uint8_t *common;                 /* struct virtio_pci_common_cfg */
	uint8_t *device;                 /* device config: status, max_vhost_queues, uuid */
	volatile uint16_t *notify[2];    /* rxq, txq notify addresses */
	struct vvu_virtio_io io;         /* common cfg accessors */
	const struct rte_memzone *mz;    /* holds struct vvu: rings and message buffers */
	uint8_t driver_ok;
	pthread_t thread;
	int thread_started;
	volatile int stop;
};

/* Common cfg accessors for vp_vvu_virtio.c: little-endian MMIO. */
static uint32_t
cc_read(void *ctx, uint32_t off, unsigned int width)
{
	const uint8_t *p = ((struct vvu_pci *)ctx)->common + off;

	if (width == 1)
		return rte_read8(p);
	if (width == 2)
		return rte_le_to_cpu_16(rte_read16(p));
	return rte_le_to_cpu_32(rte_read32(p));
}

static void
cc_write(void *ctx, uint32_t off, unsigned int width, uint32_t v)
{
	uint8_t *p = ((struct vvu_pci *)ctx)->common + off;

	if (width == 1)
		rte_write8((uint8_t)v, p);
	else if (width == 2)
		rte_write16(rte_cpu_to_le_16((uint16_t)v), p);
	else
		rte_write32(rte_cpu_to_le_32(v), p);
}

static void
cc_delay_ms(void *ctx, unsigned int ms)
{
	RTE_SET_USED(ctx);
	rte_delay_ms(ms);
}

/* ----------------------------------------------------- transport hooks */

static uint64_t
vvu_pci_iova(void *ctx, const void *p)
{
	const struct vvu_pci *pp = ((struct vp_internals *)ctx)->pci;

	return pp->mz->iova + (uint64_t)((const uint8_t *)p - (const uint8_t *)pp->mz->addr);
}

static void
vvu_pci_notify(void *ctx, uint16_t vq)
{
	struct vvu_pci *pp = ((struct vp_internals *)ctx)->pci;

	/* the device may not be told about buffers before DRIVER_OK */
	if (!pp->driver_ok || vq > 1)
		return;
	rte_io_wmb();
	rte_write16(rte_cpu_to_le_16(vq), pp->notify[vq]);
}

static void *
vvu_ctl_main(void *arg)
{
	struct vp_internals *in = arg;
	struct vvu_pci *pp = in->pci;
	unsigned int n = 0;

	while (!pp->stop) {
		vp_vvu_ctl_poll(in, ++n % VVU_RING_CHECK_POLLS == 0);
		rte_delay_us_sleep(VVU_POLL_US);
	}
	return NULL;
}

/* ------------------------------------------------------ device bring-up */

static int
map_caps(struct vvu_pci *pp)
{
	struct rte_pci_device *pci = pp->pci;
	uint8_t cfg[VVU_PCI_CFG_SIZE];
	uint64_t bar_len[VVU_PCI_NR_BARS];
	enum vvu_caps_err e;
	unsigned int i;

	for (i = 0; i < VVU_PCI_NR_BARS; i++)
		bar_len[i] = pci->mem_resource[i].addr != NULL ? pci->mem_resource[i].len : 0;
	if (rte_pci_read_config(pci, cfg, sizeof(cfg), 0) != (int)sizeof(cfg)) {
		VP_LOG(ERR, "%s: cannot read config space", pci->device.name);
		return -EIO;
	}
	e = vvu_pci_parse_caps(cfg, sizeof(cfg), bar_len, &pp->caps);
	if (e != VVU_CAPS_OK) {
		VP_LOG(ERR, "%s: virtio capabilities refused: %s", pci->device.name,
		       vvu_caps_err_name(e));
		return -ENODEV;
	}
	if (bar_len[VVU_PCI_SHM_BAR] == 0) {
		VP_LOG(ERR, "%s: no BAR 2 (doorbells and shared memory)", pci->device.name);
		return -ENODEV;
	}
	pp->common = (uint8_t *)pci->mem_resource[pp->caps.common.bar].addr + pp->caps.common.offset;
	pp->device = (uint8_t *)pci->mem_resource[pp->caps.device.bar].addr + pp->caps.device.offset;
	return 0;
}

/* Program virtqueue @p q (0 rxq, 1 txq) with the ring the core laid out. */
static int
setup_queue(struct vp_internals *in, uint16_t q, const struct pring_layout *l)
{
	struct vvu_pci *pp = in->pci;
	struct vvu_virtio_queue vq = {
		.desc = vvu_pci_iova(in, l->avail),
		.driver = vvu_pci_iova(in, l->drv_event),
		.device = vvu_pci_iova(in, l->dev_event),
		.size = VVU_QSIZE,
	};
	const char *why = NULL;
	uint16_t qoff;
	uint64_t off;

	if (vvu_virtio_queue(&pp->io, q, &vq, &qoff, &why) < 0) {
		VP_LOG(ERR, "%s: virtqueue %u: %s", pp->pci->device.name, q, why);
		return -ENODEV;
	}
	if (vvu_pci_notify_offset(&pp->caps, qoff, &off) < 0) {
		VP_LOG(ERR, "%s: virtqueue %u notify offset %u outside the notify structure",
		       pp->pci->device.name, q, qoff);
		return -ENODEV;
	}
	pp->notify[q] = (volatile uint16_t *)((uint8_t *)pp->pci->mem_resource[pp->caps.notify.bar].addr + off);
	return 0;
}

/* virtio 1.x §3.1.1 initialisation, with the transport core's rings in the middle. */
static int
start_device(struct vp_internals *in, uint32_t max_vhost_queues)
{
	struct vvu_pci *pp = in->pci;
	struct rte_pci_device *pci = pp->pci;
	struct vvu_dev dev = {
		.status = (volatile uint32_t *)pp->device,
		.max_vhost_queues = max_vhost_queues,
		.bar2 = pci->mem_resource[VVU_PCI_SHM_BAR].addr,
		.bar2_len = pci->mem_resource[VVU_PCI_SHM_BAR].len,
		.iova = vvu_pci_iova,
		.notify = vvu_pci_notify,
		.ctx = in,
	};
	const char *why = NULL;
	int ret;

	pp->io = (struct vvu_virtio_io){ cc_read, cc_write, cc_delay_ms, pp };
	ret = vvu_virtio_begin(&pp->io, VVU_WANT_FEATURES, 2, &why);
	if (ret < 0)
		VP_LOG(ERR, "%s: %s", pci->device.name, why);
	if (ret == 0)
		ret = vvu_init(in->vvu, &dev, &in->be);
	if (ret == 0)
		ret = setup_queue(in, 0, &in->vvu->rxq.d.l);
	if (ret == 0)
		ret = setup_queue(in, 1, &in->vvu->txq.d.l);
	if (ret < 0) {
		vvu_virtio_set_status(&pp->io, VVU_S_FAILED);
		return ret;
	}
	vvu_virtio_set_status(&pp->io, VVU_S_DRIVER_OK);
	pp->driver_ok = 1;
	vvu_ready(in->vvu);
	return 0;
}

/* Undo the probe: the device stops using our memory (reset) before it is freed. */
static void
release_device(struct vp_internals *in)
{
	struct vvu_pci *pp = in->pci;

	if (pp == NULL)
		return;
	pp->driver_ok = 0;
	if (pp->common != NULL && pp->io.read != NULL && vvu_virtio_reset(&pp->io) < 0)
		VP_LOG(ERR, "%s: device did not reset; its memory stays reserved",
		       pp->pci->device.name);
	else if (pp->mz != NULL)
		rte_memzone_free(pp->mz);
	in->vvu = NULL;
	in->pci = NULL;
	rte_free(pp);
}

static void
vp_vvu_ctl_stop(struct vp_internals *in)
{
	struct vvu_pci *pp = in->pci;

	if (pp == NULL)
		return;
	if (pp->thread_started) {
		pp->stop = 1;
		pthread_join(pp->thread, NULL);
		pp->thread_started = 0;
	}
	vp_vvu_ctl_detach(in);
	release_device(in);
}

/* The ethdev's view of this transport; the port's close stops the thread and the device. */
const struct vp_transport_ops vp_vvu_transport = {
	.name = "virtio-vhost-user PCI",
	.close = vp_vvu_ctl_stop,
	.frontend_present = vp_vvu_frontend_present,
	.uva = vp_vvu_uva,
	.call_doorbell = vp_vvu_call_doorbell,
};

static int
open_device(struct rte_eth_dev *eth_dev, struct rte_pci_device *pci, struct vp_args *a)
{
	struct vp_internals *in = eth_dev->data->dev_private;
	char name[RTE_MEMZONE_NAMESIZE];
	uint32_t maxq;
	struct vvu_pci *pp;
	int ret;

	pp = rte_zmalloc_socket("vvu_pci", sizeof(*pp), 0, pci->device.numa_node);
	if (pp == NULL)
		return -ENOMEM;
	pp->pci = pci;
	in->pci = pp;
	ret = map_caps(pp);
	if (ret < 0)
		return ret;
	maxq = rte_le_to_cpu_32(rte_read32(pp->device + 4));
	if (a->queues == 0)
		a->queues = (uint16_t)RTE_MIN((uint32_t)VP_MAX_QUEUE_PAIRS, maxq / 2);
	if (a->queues == 0 || 2u * a->queues > maxq) {
		VP_LOG(ERR, "%s: max_vhost_queues %u cannot carry %u queue pair(s)", pci->device.name,
		       maxq, a->queues);
		return -EINVAL;
	}
	snprintf(a->iface, sizeof(a->iface), "%s", pci->device.name);
	vp_internals_init(in, a, eth_dev->data->port_id, true, &vp_vvu_be_ops, &vp_vvu_transport);
	snprintf(name, sizeof(name), "vvu_%s", pci->device.name);
	pp->mz = rte_memzone_reserve_aligned(name, sizeof(struct vvu), pci->device.numa_node,
					     RTE_MEMZONE_IOVA_CONTIG, 4096);
	if (pp->mz == NULL)
		return -ENOMEM;
	in->vvu = pp->mz->addr;
	ret = start_device(in, maxq);
	if (ret < 0)
		return ret;
	if (rte_ctrl_thread_create(&pp->thread, "vp-vvu-ctl", NULL, vvu_ctl_main, in) != 0)
		return -EIO;
	pp->thread_started = 1;
	return 0;
}

static int
vvu_pci_probe(struct rte_pci_driver *drv, struct rte_pci_device *pci)
{
	const char *args = pci->device.devargs != NULL ? pci->device.devargs->args : NULL;
	struct rte_eth_dev *eth_dev;
	struct vp_internals *in;
	struct vp_args a;
	int ret;

	RTE_SET_USED(drv);
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -ENOTSUP;
	/* without ACCESS_PLATFORM the device reads our rings at guest-physical addresses */
	if (rte_eal_iova_mode() != RTE_IOVA_PA) {
		VP_LOG(ERR, "%s: needs --iova-mode=pa (ACCESS_PLATFORM is not negotiated)",
		       pci->device.name);
		return -ENOTSUP;
	}
	ret = vp_devargs_parse_pci(args, &a);
	if (ret < 0)
		return ret;
	eth_dev = rte_eth_dev_pci_allocate(pci, sizeof(struct vp_internals));
	if (eth_dev == NULL)
		return -ENOMEM;
	in = eth_dev->data->dev_private;
	ret = open_device(eth_dev, pci, &a);
	if (ret < 0) {
		release_device(in);
		rte_eth_dev_release_port(eth_dev);
		return ret;
	}
	vp_ethdev_setup(eth_dev, in);
	rte_eth_dev_probing_finish(eth_dev);
	VP_LOG(NOTICE, "%s: port %u, EXPERIMENTAL virtio-vhost-user flavour, %u queue pair(s)",
	       pci->device.name, eth_dev->data->port_id, a.queues);
	return 0;
}

static int
vvu_pci_remove(struct rte_pci_device *pci)
{
	struct rte_eth_dev *eth_dev = rte_eth_dev_allocated(pci->device.name);

	if (eth_dev == NULL)
		return 0;
	/* hot-unplug and EAL clean-up come with the port still started: rte_eth_dev_close refuses it */
	return vp_ethdev_remove(eth_dev);
}

static const struct rte_pci_id vvu_pci_ids[] = {
	{ RTE_PCI_DEVICE(VVU_PCI_VENDOR, VVU_PCI_DEVICE) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver vvu_pci_drv = {
	.id_table = vvu_pci_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = vvu_pci_probe,
	.remove = vvu_pci_remove,
};

RTE_PMD_REGISTER_PCI(net_vhost_pci_vvu, vvu_pci_drv);
RTE_PMD_REGISTER_PCI_TABLE(net_vhost_pci_vvu, vvu_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_vhost_pci_vvu, "* vfio-pci");
RTE_PMD_REGISTER_PARAM_STRING(net_vhost_pci_vvu, "queues=<1..8> mac=<xx:xx:xx:xx:xx:xx>");
