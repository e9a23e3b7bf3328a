/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* net_vhost_pci devargs. */

#ifndef VP_DEVARGS_H
#define VP_DEVARGS_H

#include <stdint.h>
#include <sys/un.h>

#include <rte_ether.h>

#define VP_ARG_IFACE  "iface"
#define VP_ARG_CLIENT "client"
#define VP_ARG_QUEUES "queues"
#define VP_ARG_MAC    "mac"

struct vp_args {
	char iface[sizeof(((struct sockaddr_un *)0)->sun_path)]; /**< unix socket path */
	int client;                 /**< 1: connect to the front-end's socket (reconnecting) */
	uint16_t queues;            /**< queue pairs, 1..8 */
	struct rte_ether_addr mac;  /**< port MAC */
	int has_mac;
};

/** Parse @p params into @p a (defaults: server, 1 queue pair, random MAC). @return 0 or -EINVAL. */
int vp_devargs_parse(const char *params, struct vp_args *a);

/**
 * PCI flavour: only queues and mac. @p a->queues stays 0 when not given
 * (the device's max_vhost_queues decides). @return 0 or -EINVAL.
 */
int vp_devargs_parse_pci(const char *params, struct vp_args *a);

#endif /* VP_DEVARGS_H */
