/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * net_vhost_pci's vdev driver: the socket flavour's probe and remove. It
 * creates the port over the socket transport (vp_socket.c) and starts that
 * transport's control thread; the PCI flavour's counterpart is vp_vvu_pci.c.
 */

#include <errno.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>

#include "vp_devargs.h"
#include "vp_internal.h"

static int
vp_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev;
	struct vp_internals *in;
	struct vp_args a;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		VP_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	ret = vp_devargs_parse(rte_vdev_device_args(vdev), &a);
	if (ret < 0)
		return ret;
	dev = rte_eth_vdev_allocate(vdev, sizeof(struct vp_internals));
	if (dev == NULL)
		return -ENOMEM;
	in = dev->data->dev_private;
	vp_internals_init(in, &a, dev->data->port_id, false, &vp_sock_be_ops, &vp_sock_transport);
	vp_ethdev_setup(dev, in);
	if (vp_ctl_start(in) < 0) {
		vp_ethdev_abort(dev);
		return -EIO;
	}
	rte_eth_dev_probing_finish(dev);
	VP_LOG(INFO, "%s: port %u, %s %s, %u queue pair(s)", name, dev->data->port_id,
	       a.client ? "client of" : "server on", a.iface, a.queues);
	return 0;
}

static int
vp_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;
	return vp_ethdev_remove(dev);
}

static struct rte_vdev_driver vp_vdev_drv = {
	.probe = vp_probe,
	.remove = vp_remove,
};

RTE_PMD_REGISTER_VDEV(net_vhost_pci, vp_vdev_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_vhost_pci,
	"iface=<unix socket path> "
	"client=<0|1> "
	"queues=<1..8> "
	"mac=<xx:xx:xx:xx:xx:xx>");
