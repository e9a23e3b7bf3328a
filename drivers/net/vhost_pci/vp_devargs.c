/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Devargs parsing: one callback per key. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_kvargs.h>

#include "vp_devargs.h"
#include "vp_internal.h"

static const char *const valid_arguments[] = {
	VP_ARG_IFACE, VP_ARG_CLIENT, VP_ARG_QUEUES, VP_ARG_MAC, NULL
};
/* PCI flavour: the device is the transport, so no socket keys. */
static const char *const valid_pci_arguments[] = { VP_ARG_QUEUES, VP_ARG_MAC, NULL };

static int
vp_set_iface(const char *key, const char *value, void *extra)
{
	struct vp_args *a = extra;

	if (value == NULL || value[0] == '\0' || strlen(value) >= sizeof(a->iface)) {
		VP_LOG(ERR, "%s: empty or longer than %zu bytes", key, sizeof(a->iface) - 1);
		return -EINVAL;
	}
	strcpy(a->iface, value);
	return 0;
}

static int
vp_parse_uint(const char *value, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	if (value == NULL || value[0] == '\0')
		return -EINVAL;
	errno = 0;
	*out = strtoul(value, &end, 10);
	if (errno != 0 || *end != '\0' || *out < lo || *out > hi)
		return -EINVAL;
	return 0;
}

static int
vp_set_client(const char *key, const char *value, void *extra)
{
	struct vp_args *a = extra;
	unsigned long v;

	if (vp_parse_uint(value, 0, 1, &v) < 0) {
		VP_LOG(ERR, "%s must be 0 or 1", key);
		return -EINVAL;
	}
	a->client = (int)v;
	return 0;
}

static int
vp_set_queues(const char *key, const char *value, void *extra)
{
	struct vp_args *a = extra;
	unsigned long v;

	if (vp_parse_uint(value, 1, VP_MAX_QUEUE_PAIRS, &v) < 0) {
		VP_LOG(ERR, "%s must be 1..%d", key, VP_MAX_QUEUE_PAIRS);
		return -EINVAL;
	}
	a->queues = (uint16_t)v;
	return 0;
}

static int
vp_set_mac(const char *key, const char *value, void *extra)
{
	struct vp_args *a = extra;

	if (value == NULL || rte_ether_unformat_addr(value, &a->mac) < 0) {
		VP_LOG(ERR, "%s: not a MAC address", key);
		return -EINVAL;
	}
	a->has_mac = 1;
	return 0;
}

int
vp_devargs_parse(const char *params, struct vp_args *a)
{
	struct rte_kvargs *kv;
	int ret = -EINVAL;

	memset(a, 0, sizeof(*a));
	a->queues = 1;
	kv = rte_kvargs_parse(params ? params : "", valid_arguments);
	if (kv == NULL) {
		VP_LOG(ERR, "invalid devargs '%s'", params ? params : "");
		return -EINVAL;
	}
	if (rte_kvargs_count(kv, VP_ARG_IFACE) != 1) {
		VP_LOG(ERR, "exactly one %s=<socket path> is required", VP_ARG_IFACE);
		goto exit;
	}
	ret = rte_kvargs_process(kv, VP_ARG_IFACE, vp_set_iface, a);
	if (ret < 0)
		goto exit;
	ret = rte_kvargs_process(kv, VP_ARG_CLIENT, vp_set_client, a);
	if (ret < 0)
		goto exit;
	ret = rte_kvargs_process(kv, VP_ARG_QUEUES, vp_set_queues, a);
	if (ret < 0)
		goto exit;
	ret = rte_kvargs_process(kv, VP_ARG_MAC, vp_set_mac, a);
	if (ret < 0)
		goto exit;
	if (!a->has_mac)
		rte_eth_random_addr(a->mac.addr_bytes);
exit:
	rte_kvargs_free(kv);
	return ret;
}

int
vp_devargs_parse_pci(const char *params, struct vp_args *a)
{
	struct rte_kvargs *kv;
	int ret;

	memset(a, 0, sizeof(*a));
	kv = rte_kvargs_parse(params ? params : "", valid_pci_arguments);
	if (kv == NULL) {
		VP_LOG(ERR, "invalid devargs '%s'", params ? params : "");
		return -EINVAL;
	}
	ret = rte_kvargs_process(kv, VP_ARG_QUEUES, vp_set_queues, a);
	if (ret == 0)
		ret = rte_kvargs_process(kv, VP_ARG_MAC, vp_set_mac, a);
	if (ret == 0 && !a->has_mac)
		rte_eth_random_addr(a->mac.addr_bytes);
	rte_kvargs_free(kv);
	return ret;
}
