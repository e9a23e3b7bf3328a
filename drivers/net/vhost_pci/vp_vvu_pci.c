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
 * No such device exists in the QEMU we test with: this file is only
 * built and reviewed, the pieces under it are unit-tested (doc/guides/nics/vhost_pci.md).
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

/* virtio device status bits (virtio 1.x §2.1) */
#define VVU_S_ACKNOWLEDGE 0x01
#define VVU_S_DRIVER      0x02
#define VVU_S_DRIVER_OK   0x04
#define VVU_S_FEATURES_OK 0x08
#define VVU_S_FAILED      0x80

#define VVU_NO_VECTOR 0xffff
#define VVU_POLL_US 1000          /* control thread period */
#define VVU_RING_CHECK_POLLS 10   /* datapath violations looked for every 10 periods */
#define VVU_RESET_WAIT_MS 1000
#define VVU_WANT_FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_PACKED))

/* What the PCI layer keeps per device. */
struct vvu_pci {
	struct rte_pci_device *pci;
	struct vvu_pci_caps caps;
	uint8_t *common;                 /* struct virtio_pci_common_cfg */
	uint8_t *device;                 /* device config: status, max_vhost_queues, uuid */
	volatile uint16_t *notify[2];    /* rxq, txq notify addresses */
	const struct rte_memzone *mz;    /* holds struct vvu: rings and message buffers */
	uint8_t driver_ok;
	pthread_t thread;
	int thread_started;
	volatile int stop;
};

static uint8_t
cc_r8(const struct vvu_pci *pp, uint32_t off)
{
	return rte_read8(pp->common + off);
}

static uint16_t
cc_r16(const struct vvu_pci *pp, uint32_t off)
{
	return rte_le_to_cpu_16(rte_read16(pp->common + off));
}

static uint32_t
cc_r32(const struct vvu_pci *pp, uint32_t off)
{
	return rte_le_to_cpu_32(rte_read32(pp->common + off));
}

static void
cc_w8(struct vvu_pci *pp, uint32_t off, uint8_t v)
{
	rte_write8(v, pp->common + off);
}

static void
cc_w16(struct vvu_pci *pp, uint32_t off, uint16_t v)
{
	rte_write16(rte_cpu_to_le_16(v), pp->common + off);
}

static void
cc_w32(struct vvu_pci *pp, uint32_t off, uint32_t v)
{
	rte_write32(rte_cpu_to_le_32(v), pp->common + off);
}

/* 64-bit fields are written as two halves, low first (virtio 1.x §4.1.3.1). */
static void
cc_w64(struct vvu_pci *pp, uint32_t off, uint64_t v)
{
	cc_w32(pp, off, (uint32_t)v);
	cc_w32(pp, off + 4, (uint32_t)(v >> 32));
}

static void
set_status(struct vvu_pci *pp, uint8_t bits)
{
	cc_w8(pp, VVU_CC_STATUS, (uint8_t)(cc_r8(pp, VVU_CC_STATUS) | bits));
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

static void
vvu_pci_pre_handle(void *ctx, const void *msg, size_t len)
{
	vp_pre_handle(ctx, msg, len);
}

/* vhost_be_ops.map_mem: the regions are placed in BAR 2; the rings translate through in->gpa. */
static int
vvu_pci_map_mem(void *ctx, const struct vhost_mem_table *m, const int *fds)
{
	struct vp_internals *in = ctx;

	if (vvu_map_mem(in->vvu, m, fds) < 0)
		return -1;
	in->gpa = in->vvu->gpa;
	VP_LOG(INFO, "port %u: %u region(s) in BAR 2", in->port_id, m->nregions);
	return 0;
}

static void
vvu_pci_close_fd(void *ctx, int fd)
{
	/* fd-less transport: the state machine never holds a real fd */
	RTE_SET_USED(ctx);
	RTE_SET_USED(fd);
}

static const struct vhost_be_ops vvu_pci_be_ops = {
	.map_mem = vvu_pci_map_mem,
	.close_fd = vvu_pci_close_fd,
};

/* ------------------------------------------------------ control thread */

/* The front-end is gone: rings dropped, translations forgotten. Caller holds every lock. */
static void
forget_frontend(struct vp_internals *in)
{
	vp_detach_all(in);
	memset(&in->gpa, 0, sizeof(in->gpa));
	in->disconnects++;
}

static void
poll_device(struct vp_internals *in)
{
	struct vvu *v = in->vvu;
	uint8_t was;
	int rc;

	pthread_mutex_lock(&in->ctl_lock);
	vp_lock_all(in);
	was = v->connected;
	rc = vvu_poll(v);
	if (rc < 0 || (was && !v->connected))
		forget_frontend(in);
	else if (!was && v->connected)
		in->connects++;
	vp_sync_all(in);
	vp_unlock_all(in);
	pthread_mutex_unlock(&in->ctl_lock);
	if (rc < 0)
		VP_LOG(ERR, "port %u: front-end broke a message rule: disconnected", in->port_id);
	else if (was != v->connected)
		VP_LOG(NOTICE, "port %u: front-end %s", in->port_id,
		       v->connected ? "connected" : "disconnected");
	vp_link_update_notify(in);
}

static void
ring_violation(struct vp_internals *in)
{
	pthread_mutex_lock(&in->ctl_lock);
	vp_lock_all(in);
	vvu_disconnect(in->vvu);
	forget_frontend(in);
	in->ring_violations++;
	vp_unlock_all(in);
	pthread_mutex_unlock(&in->ctl_lock);
	VP_LOG(ERR, "port %u: front-end broke a ring rule: disconnected", in->port_id);
	vp_link_update_notify(in);
}

static void *
vvu_ctl_main(void *arg)
{
	struct vp_internals *in = arg;
	struct vvu_pci *pp = in->pci;
	unsigned int n = 0;

	while (!pp->stop) {
		if (vvu_pending(in->vvu))
			poll_device(in);
		if (++n % VVU_RING_CHECK_POLLS == 0 && vp_any_broken(in))
			ring_violation(in);
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

static int
reset_device(struct vvu_pci *pp)
{
	unsigned int i;

	pp->driver_ok = 0;
	cc_w8(pp, VVU_CC_STATUS, 0);
	for (i = 0; i < VVU_RESET_WAIT_MS && cc_r8(pp, VVU_CC_STATUS) != 0; i++)
		rte_delay_ms(1);
	return cc_r8(pp, VVU_CC_STATUS) == 0 ? 0 : -EIO;
}

static int
negotiate(struct vvu_pci *pp)
{
	uint64_t f;

	cc_w32(pp, VVU_CC_DFSELECT, 0);
	f = cc_r32(pp, VVU_CC_DF);
	cc_w32(pp, VVU_CC_DFSELECT, 1);
	f |= (uint64_t)cc_r32(pp, VVU_CC_DF) << 32;
	if ((f & VVU_WANT_FEATURES) != VVU_WANT_FEATURES) {
		VP_LOG(ERR, "%s: device features 0x%" PRIx64 " lack VERSION_1 or RING_PACKED",
		       pp->pci->device.name, f);
		return -ENOTSUP;
	}
	cc_w32(pp, VVU_CC_GFSELECT, 0);
	cc_w32(pp, VVU_CC_GF, (uint32_t)VVU_WANT_FEATURES);
	cc_w32(pp, VVU_CC_GFSELECT, 1);
	cc_w32(pp, VVU_CC_GF, (uint32_t)(VVU_WANT_FEATURES >> 32));
	set_status(pp, VVU_S_FEATURES_OK);
	if (!(cc_r8(pp, VVU_CC_STATUS) & VVU_S_FEATURES_OK)) {
		VP_LOG(ERR, "%s: device refused our features", pp->pci->device.name);
		return -ENOTSUP;
	}
	if (cc_r16(pp, VVU_CC_NUMQ) < 2) {
		VP_LOG(ERR, "%s: fewer than 2 virtqueues", pp->pci->device.name);
		return -ENODEV;
	}
	return 0;
}

/* Program virtqueue @p q (0 rxq, 1 txq) with the ring the core laid out. */
static int
setup_queue(struct vp_internals *in, uint16_t q, const struct pring_layout *l)
{
	struct vvu_pci *pp = in->pci;
	uint16_t max, qoff;
	uint64_t off;

	cc_w16(pp, VVU_CC_Q_SELECT, q);
	max = cc_r16(pp, VVU_CC_Q_SIZE);
	if (max < VVU_QSIZE) {
		VP_LOG(ERR, "%s: virtqueue %u holds %u entries, we need %u", pp->pci->device.name,
		       q, max, VVU_QSIZE);
		return -ENODEV;
	}
	qoff = cc_r16(pp, VVU_CC_Q_NOFF);
	if (vvu_pci_notify_offset(&pp->caps, qoff, &off) < 0) {
		VP_LOG(ERR, "%s: virtqueue %u notify offset %u outside the notify structure",
		       pp->pci->device.name, q, qoff);
		return -ENODEV;
	}
	pp->notify[q] = (volatile uint16_t *)((uint8_t *)pp->pci->mem_resource[pp->caps.notify.bar].addr + off);
	/* packed rings may be shorter than the device's maximum: ours is VVU_QSIZE */
	cc_w16(pp, VVU_CC_Q_SIZE, VVU_QSIZE);
	cc_w64(pp, VVU_CC_Q_DESCLO, vvu_pci_iova(in, l->avail));
	cc_w64(pp, VVU_CC_Q_AVAILLO, vvu_pci_iova(in, l->drv_event));
	cc_w64(pp, VVU_CC_Q_USEDLO, vvu_pci_iova(in, l->dev_event));
	cc_w16(pp, VVU_CC_Q_MSIX, VVU_NO_VECTOR);
	cc_w16(pp, VVU_CC_Q_ENABLE, 1);
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
		.pre_handle = vvu_pci_pre_handle,
		.ctx = in,
	};
	int ret;

	ret = reset_device(pp);
	if (ret < 0)
		return ret;
	set_status(pp, VVU_S_ACKNOWLEDGE);
	set_status(pp, VVU_S_DRIVER);
	ret = negotiate(pp);
	if (ret == 0)
		ret = vvu_init(in->vvu, &dev, &in->be);
	if (ret == 0)
		ret = setup_queue(in, 0, &in->vvu->rxq.d.l);
	if (ret == 0)
		ret = setup_queue(in, 1, &in->vvu->txq.d.l);
	if (ret < 0) {
		set_status(pp, VVU_S_FAILED);
		return ret;
	}
	set_status(pp, VVU_S_DRIVER_OK);
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
	if (pp->common != NULL && reset_device(pp) < 0)
		VP_LOG(ERR, "%s: device did not reset; its memory stays reserved",
		       pp->pci->device.name);
	else if (pp->mz != NULL)
		rte_memzone_free(pp->mz);
	in->vvu = NULL;
	in->pci = NULL;
	rte_free(pp);
}

void
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
	vp_lock_all(in);
	vp_detach_all(in);
	memset(&in->gpa, 0, sizeof(in->gpa));
	vp_unlock_all(in);
	release_device(in);
}

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
	vp_internals_init(in, a, eth_dev->data->port_id, true, &vvu_pci_be_ops);
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
	return rte_eth_dev_close(eth_dev->data->port_id);
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
