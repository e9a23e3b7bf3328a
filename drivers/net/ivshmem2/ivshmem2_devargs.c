/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Devargs of every flavour: one small callback per key, then the checks each flavour needs. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_kvargs.h>

#include "ivshmem2.h"

#define IV2_ARG_SHM        "shm"
#define IV2_ARG_ID         "id"
#define IV2_ARG_QUEUES     "queues"
#define IV2_ARG_RING_SIZE  "ring_size"
#define IV2_ARG_BUF_SIZE   "buf_size"
#define IV2_ARG_MAC        "mac"
#define IV2_ARG_ZERO_COPY  "zero_copy"
#define IV2_ARG_STATE_SIZE "state_size"
#define IV2_ARG_RW_SIZE    "rw_size"
#define IV2_ARG_OUT_SIZE   "out_size"
#define IV2_ARG_TX_POOL    "tx_pool"

static const char * const valid_arguments[] = {
	IV2_ARG_SHM, IV2_ARG_ID, IV2_ARG_QUEUES, IV2_ARG_RING_SIZE, IV2_ARG_BUF_SIZE,
	IV2_ARG_MAC, IV2_ARG_ZERO_COPY, IV2_ARG_STATE_SIZE, IV2_ARG_RW_SIZE,
	IV2_ARG_OUT_SIZE, IV2_ARG_TX_POOL, NULL
};

/* Parse an unsigned decimal/hex number with an optional K/M/G suffix. */
static int
iv2_parse_u64(const char *key, const char *value, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(value, &end, 0);
	if (errno != 0 || end == value || value[0] == '-')
		goto bad;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end != '\0')
		goto bad;
	*out = v;
	return 0;
bad:
	IV2_LOG(ERR, "%s=%s: not a number", key, value);
	return -EINVAL;
}

static int
iv2_parse_range(const char *key, const char *value, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (iv2_parse_u64(key, value, out) < 0)
		return -EINVAL;
	if (*out < lo || *out > hi) {
		IV2_LOG(ERR, "%s=%s: must be %" PRIu64 "..%" PRIu64, key, value, lo, hi);
		return -EINVAL;
	}
	return 0;
}

static int
iv2_set_shm(const char *key, const char *value, void *extra)
{
	struct iv2_config *cfg = extra;
	const char *base = strrchr(value, '/');

	if (value[0] == '\0' || strlen(value) >= sizeof(cfg->shm)) {
		IV2_LOG(ERR, "%s: empty or longer than %zu bytes", key, sizeof(cfg->shm) - 1);
		return -EINVAL;
	}
	/* EAL deletes unlocked hugetlbfs files named like its own at start-up. */
	if (strstr(base != NULL ? base : value, "map_") != NULL) {
		IV2_LOG(ERR, "%s=%s: names containing 'map_' collide with EAL hugepage files",
			key, value);
		return -EINVAL;
	}
	snprintf(cfg->shm, sizeof(cfg->shm), "%s", value);
	return 0;
}

static int
iv2_set_id(const char *key, const char *value, void *extra)
{
	struct iv2_config *cfg = extra;
	uint64_t v;

	if (iv2_parse_range(key, value, 0, 1, &v) < 0)
		return -EINVAL;
	cfg->id = (int)v;
	return 0;
}

static int
iv2_set_queues(const char *key, const char *value, void *extra)
{
	struct iv2_config *cfg = extra;
	uint64_t v;

	if (iv2_parse_range(key, value, 1, IV2_MAX_QUEUES, &v) < 0)
		return -EINVAL;
	cfg->queues = (uint16_t)v;
	return 0;
}

static int
iv2_set_ring_size(const char *key, const char *value, void *extra)
{
	struct iv2_config *cfg = extra;
	uint64_t v;

	if (iv2_parse_range(key, value, IV2_MIN_RING, IV2_MAX_RING, &v) < 0)
		return -EINVAL;
	if (!rte_is_power_of_2((uint32_t)v)) {
		IV2_LOG(ERR, "%s=%s: must be a power of two", key, value);
		return -EINVAL;
	}
	cfg->ring_size = (uint16_t)v;
	return 0;
}

static int
iv2_set_buf_size(const char *key, const char *value, void *extra)
{
	struct iv2_config *cfg = extra;
	uint64_t v;

	if (iv2_parse_range(key, value, IV2_MIN_BUF, IV2_MAX_BUF, &v) < 0)
		return -EINVAL;
	if (!rte_is_power_of_2((uint32_t)v)) {
		IV2_LOG(ERR, "%s=%s: must be a power of two", key, value);
		return -EINVAL;
	}
	cfg->buf_size = (uint32_t)v;
	return 0;
}

static int
iv2_set_mac(const char *key, const char *value, void *extra)
{
	struct iv2_config *cfg = extra;

	if (rte_ether_unformat_addr(value, &cfg->mac) < 0) {
		IV2_LOG(ERR, "%s=%s: not a MAC address", key, value);
		return -EINVAL;
	}
	cfg->have_mac = true;
	return 0;
}

static int
iv2_set_zero_copy(const char *key, const char *value, void *extra)
{
	struct iv2_config *cfg = extra;
	uint64_t v;

	if (iv2_parse_range(key, value, 0, 1, &v) < 0)
		return -EINVAL;
	cfg->zero_copy = v != 0;
	return 0;
}

/* Section sizes must be whole 4 KiB pages; the file system may round them up further. */
static int
iv2_parse_size(const char *key, const char *value, uint64_t lo, uint64_t *out)
{
	if (iv2_parse_range(key, value, lo, 1ull << 40, out) < 0)
		return -EINVAL;
	if ((*out & 4095) != 0) {
		IV2_LOG(ERR, "%s=%s: must be a multiple of 4096", key, value);
		return -EINVAL;
	}
	return 0;
}

static int
iv2_set_state_size(const char *key, const char *value, void *extra)
{
	return iv2_parse_size(key, value, 4096, &((struct iv2_config *)extra)->state_size);
}

static int
iv2_set_rw_size(const char *key, const char *value, void *extra)
{
	return iv2_parse_size(key, value, 0, &((struct iv2_config *)extra)->rw_size);
}

static int
iv2_set_out_size(const char *key, const char *value, void *extra)
{
	return iv2_parse_size(key, value, 4096, &((struct iv2_config *)extra)->out_size);
}

static int
iv2_set_tx_pool(const char *key, const char *value, void *extra)
{
	struct iv2_config *cfg = extra;
	uint64_t v;

	if (iv2_parse_range(key, value, 0, IV2_MAX_RING - 1, &v) < 0)
		return -EINVAL;
	cfg->tx_pool = (uint16_t)v;
	return 0;
}

static void
iv2_config_defaults(struct iv2_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->id = -1;
	cfg->queues = 1;
	cfg->ring_size = 1024;
	cfg->buf_size = 2048;
	cfg->state_size = 4096;
}

/*
 * QEMU ivshmem-plain: the BAR holds the host flavour's file, so our ID and the
 * section sizes are ours to give (the device has no registers for them);
 * out_size 0 means "the rest of the BAR, split in two", decided at attach.
 */
static int
iv2_config_check_plain(struct iv2_config *cfg)
{
	uint64_t need = iv2_section_need(cfg->queues, cfg->ring_size, cfg->buf_size);

	if (cfg->shm[0] != '\0') {
		IV2_LOG(ERR, "shm: the shared memory is the device's BAR2");
		return -EINVAL;
	}
	if (cfg->id < 0) {
		IV2_LOG(ERR, "missing id=0|1 (ivshmem-plain has no peer ID register)");
		return -EINVAL;
	}
	if (cfg->out_size != 0 && cfg->out_size < need) {
		IV2_LOG(ERR, "out_size=%" PRIu64 " too small: %u queues of %u slots x %u B need %" PRIu64,
			cfg->out_size, cfg->queues, cfg->ring_size, cfg->buf_size, need);
		return -EINVAL;
	}
	return 0;
}

/*
 * tx_pool=N gives the last N of a queue's ring_size buffers to the zero-copy
 * TX pool; the copy path keeps the first ring_size - N, used round-robin
 * with a mask, so that many must be a power of two and hold the longest
 * chain a copied frame may need.
 */
static int
iv2_config_check_tx_pool(const struct iv2_config *cfg)
{
	uint32_t copy = (uint32_t)cfg->ring_size - cfg->tx_pool;
	uint32_t chain = RTE_MAX(IV2_MAX_FRAME / cfg->buf_size, 1u);

	if (cfg->tx_pool == 0)
		return 0;
	if (cfg->tx_pool >= cfg->ring_size || !rte_is_power_of_2(copy) || copy < chain) {
		IV2_LOG(ERR, "tx_pool=%u: ring_size (%u) - tx_pool must be a power of two of at least %u"
			" (the copy buffers a %u B frame needs), e.g. tx_pool=%u",
			cfg->tx_pool, cfg->ring_size, chain, IV2_MAX_FRAME, cfg->ring_size / 2);
		return -EINVAL;
	}
	return 0;
}

/* Checks across keys, once all are parsed. */
static int
iv2_config_check(struct iv2_config *cfg, enum iv2_args_flavour fl)
{
	uint64_t need = iv2_section_need(cfg->queues, cfg->ring_size, cfg->buf_size);

	if (iv2_config_check_tx_pool(cfg) < 0)
		return -EINVAL;
	if (fl == IV2_ARGS_PLAIN)
		return iv2_config_check_plain(cfg);
	if (fl == IV2_ARGS_PCI) {
		/* The device fixes ID and sizes; only the queue geometry is ours. */
		if (cfg->shm[0] != '\0' || cfg->id >= 0 || cfg->out_size != 0) {
			IV2_LOG(ERR, "shm, id and section sizes come from the PCI device");
			return -EINVAL;
		}
		return 0;
	}
	if (cfg->shm[0] == '\0') {
		IV2_LOG(ERR, "missing shm=<file> (a file on hugetlbfs or /dev/shm)");
		return -EINVAL;
	}
	if (cfg->id < 0) {
		IV2_LOG(ERR, "missing id=0|1");
		return -EINVAL;
	}
	if (cfg->out_size == 0)
		cfg->out_size = RTE_ALIGN_CEIL(need, 4096);
	if (cfg->out_size < need) {
		IV2_LOG(ERR, "out_size=%" PRIu64 " too small: %u queues of %u slots x %u B need %" PRIu64,
			cfg->out_size, cfg->queues, cfg->ring_size, cfg->buf_size, need);
		return -EINVAL;
	}
	return 0;
}

int
iv2_devargs_parse_flavour(const char *args, struct iv2_config *cfg, enum iv2_args_flavour fl)
{
	static const struct {
		const char *key;
		arg_handler_t fn;
	} handlers[] = {
		{ IV2_ARG_SHM, iv2_set_shm },
		{ IV2_ARG_ID, iv2_set_id },
		{ IV2_ARG_QUEUES, iv2_set_queues },
		{ IV2_ARG_RING_SIZE, iv2_set_ring_size },
		{ IV2_ARG_BUF_SIZE, iv2_set_buf_size },
		{ IV2_ARG_MAC, iv2_set_mac },
		{ IV2_ARG_ZERO_COPY, iv2_set_zero_copy },
		{ IV2_ARG_STATE_SIZE, iv2_set_state_size },
		{ IV2_ARG_RW_SIZE, iv2_set_rw_size },
		{ IV2_ARG_OUT_SIZE, iv2_set_out_size },
		{ IV2_ARG_TX_POOL, iv2_set_tx_pool },
	};
	struct rte_kvargs *kv = NULL;
	unsigned int i;
	int ret = -EINVAL;

	iv2_config_defaults(cfg);
	if (args != NULL && args[0] != '\0') {
		kv = rte_kvargs_parse(args, valid_arguments);
		if (kv == NULL) {
			IV2_LOG(ERR, "cannot parse '%s' (unknown key or bad syntax)", args);
			return -EINVAL;
		}
	}
	for (i = 0; kv != NULL && i < RTE_DIM(handlers); i++) {
		if (rte_kvargs_count(kv, handlers[i].key) > 1) {
			IV2_LOG(ERR, "%s given more than once", handlers[i].key);
			goto exit;
		}
		if (rte_kvargs_process(kv, handlers[i].key, handlers[i].fn, cfg) < 0)
			goto exit;
	}
	ret = iv2_config_check(cfg, fl);
exit:
	rte_kvargs_free(kv);
	return ret;
}

int
iv2_devargs_parse(const char *args, struct iv2_config *cfg, bool host)
{
	return iv2_devargs_parse_flavour(args, cfg, host ? IV2_ARGS_HOST : IV2_ARGS_PCI);
}
