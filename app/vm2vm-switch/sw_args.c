/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Command-line parsing for the switch: testpmd's names where the meaning
 * matches, switch options on top. No EAL here, so it is unit-testable. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_config.h"

#define SW_DEFAULT_MBUF_SIZE 2176 /* 2048 bytes of data + 128 of headroom */
#define SW_HEADROOM 128

static const char *const fwd_names[SW_FWD_NB] = {
	[SW_FWD_L2LEARN] = "l2learn",
	[SW_FWD_IO] = "io",
	[SW_FWD_MAC] = "mac",
};

const char *
sw_fwd_mode_name(enum sw_fwd_mode m)
{
	return (unsigned int)m < SW_FWD_NB ? fwd_names[m] : NULL;
}

int
sw_fwd_mode_parse(const char *s, enum sw_fwd_mode *m)
{
	for (int i = 0; i < SW_FWD_NB; i++) {
		if (strcmp(s, fwd_names[i]) == 0) {
			*m = (enum sw_fwd_mode)i;
			return 0;
		}
	}
	return -1;
}

void
sw_config_defaults(struct sw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->rxq = 1;
	cfg->rxd = 1024;
	cfg->txd = 1024;
	cfg->burst = 32;
	cfg->fwd_mode = SW_FWD_L2LEARN;
	cfg->mbuf_size = SW_DEFAULT_MBUF_SIZE;
	cfg->max_pkt_len = 1518;
	cfg->fdb_size = 65536;
	cfg->fdb_aging_time = 300;
	cfg->flood_unknown = true;
	cfg->flood_multicast = true;
	cfg->rx_tx_pool = true;
}

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Whole-string unsigned number in [min, max]. */
static int
parse_num(const char *s, int base, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
sw_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (s[3 * i] == ' ' || s[3 * i] == '+' || s[3 * i + 1] == ' ')
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/* "MAC@port" */
static int
parse_static(const char *s, struct sw_config *cfg, char *err, size_t errlen)
{
	const char *at = strchr(s, '@');
	char macs[32];
	uint64_t port;
	struct sw_static_entry *e;

	if (cfg->nb_static >= SW_MAX_STATIC)
		return fail(err, errlen, "--fdb-static: more than %d entries", SW_MAX_STATIC);
	e = &cfg->statics[cfg->nb_static];
	if (at == NULL || (size_t)(at - s) >= sizeof(macs))
		return fail(err, errlen, "--fdb-static '%s': expected MAC@PORT", s);
	memcpy(macs, s, (size_t)(at - s));
	macs[at - s] = '\0';
	if (sw_mac_parse(macs, e->mac) != 0)
		return fail(err, errlen, "--fdb-static '%s': bad MAC '%s'", s, macs);
	if (e->mac[0] & 1)
		return fail(err, errlen, "--fdb-static '%s': multicast MAC", s);
	if (parse_num(at + 1, 10, 0, SW_MAX_PORTS - 1, &port) != 0)
		return fail(err, errlen, "--fdb-static '%s': port must be 0..%d", s,
			    SW_MAX_PORTS - 1);
	e->port = (uint16_t)port;
	cfg->nb_static++;
	return 0;
}

/* "N,MAC" as testpmd's --eth-peer */
static int
parse_peer(const char *s, struct sw_config *cfg, char *err, size_t errlen)
{
	const char *comma = strchr(s, ',');
	char num[16];
	uint64_t port;

	if (comma == NULL || (size_t)(comma - s) >= sizeof(num))
		return fail(err, errlen, "--eth-peer '%s': expected PORT,MAC", s);
	memcpy(num, s, (size_t)(comma - s));
	num[comma - s] = '\0';
	if (parse_num(num, 10, 0, SW_MAX_PORTS - 1, &port) != 0)
		return fail(err, errlen, "--eth-peer '%s': port must be 0..%d", s, SW_MAX_PORTS - 1);
	if (sw_mac_parse(comma + 1, cfg->peers[port].mac) != 0)
		return fail(err, errlen, "--eth-peer '%s': bad MAC", s);
	cfg->peers[port].set = true;
	return 0;
}

enum {
	OPT_NB_CORES = 256, OPT_RXQ, OPT_TXQ, OPT_RXD, OPT_TXD, OPT_BURST, OPT_PORTMASK,
	OPT_STATS_PERIOD, OPT_FWD_MODE, OPT_MBUF_SIZE, OPT_TOTAL_MBUFS, OPT_MAX_PKT_LEN,
	OPT_FDB_SIZE, OPT_FDB_AGING, OPT_NO_FLOOD, OPT_NO_MCAST_FLOOD, OPT_LCORE_MAP,
	OPT_FDB_STATIC, OPT_ETH_PEER, OPT_RUN_TIME, OPT_FDB_PORT_LIMIT, OPT_NO_TX_POOL,
};

static const struct option long_opts[] = {
	{ "nb-cores", required_argument, NULL, OPT_NB_CORES },
	{ "rxq", required_argument, NULL, OPT_RXQ },
	{ "txq", required_argument, NULL, OPT_TXQ },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "portmask", required_argument, NULL, OPT_PORTMASK },
	{ "stats-period", required_argument, NULL, OPT_STATS_PERIOD },
	{ "interactive", no_argument, NULL, 'i' },
	{ "forward-mode", required_argument, NULL, OPT_FWD_MODE },
	{ "mbuf-size", required_argument, NULL, OPT_MBUF_SIZE },
	{ "total-num-mbufs", required_argument, NULL, OPT_TOTAL_MBUFS },
	{ "max-pkt-len", required_argument, NULL, OPT_MAX_PKT_LEN },
	{ "fdb-size", required_argument, NULL, OPT_FDB_SIZE },
	{ "fdb-aging-time", required_argument, NULL, OPT_FDB_AGING },
	{ "fdb-port-limit", required_argument, NULL, OPT_FDB_PORT_LIMIT },
	{ "no-flood", no_argument, NULL, OPT_NO_FLOOD },
	{ "no-mcast-flood", no_argument, NULL, OPT_NO_MCAST_FLOOD },
	{ "no-tx-pool", no_argument, NULL, OPT_NO_TX_POOL },
	{ "lcore-map", required_argument, NULL, OPT_LCORE_MAP },
	{ "fdb-static", required_argument, NULL, OPT_FDB_STATIC },
	{ "eth-peer", required_argument, NULL, OPT_ETH_PEER },
	{ "run-time", required_argument, NULL, OPT_RUN_TIME },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Numeric options: where the value goes, its range and base. */
struct num_opt {
	int id;
	const char *name;
	uint64_t min, max;
	int base;
	size_t off;
	int width; /* bytes of the destination field */
};

#define NUM(id, name, min, max, base, field) \
	{ id, name, min, max, base, offsetof(struct sw_config, field), \
	  (int)sizeof(((struct sw_config *)0)->field) }

static const struct num_opt num_opts[] = {
	NUM(OPT_NB_CORES, "--nb-cores", 1, 128, 10, nb_cores),
	NUM(OPT_RXQ, "--rxq", 1, SW_MAX_QUEUES, 10, rxq),
	NUM(OPT_TXQ, "--txq", 1, SW_MAX_QUEUES, 10, txq),
	NUM(OPT_RXD, "--rxd", 32, 16384, 10, rxd),
	NUM(OPT_TXD, "--txd", 32, 16384, 10, txd),
	NUM(OPT_BURST, "--burst", 1, SW_MAX_BURST, 10, burst),
	NUM(OPT_PORTMASK, "--portmask", 1, UINT64_MAX, 16, portmask),
	NUM(OPT_STATS_PERIOD, "--stats-period", 1, 86400, 10, stats_period),
	NUM(OPT_MBUF_SIZE, "--mbuf-size", 256, UINT16_MAX, 10, mbuf_size),
	NUM(OPT_TOTAL_MBUFS, "--total-num-mbufs", 1024, 1u << 24, 10, total_num_mbufs),
	NUM(OPT_MAX_PKT_LEN, "--max-pkt-len", 64, 65535 - SW_HEADROOM, 10, max_pkt_len),
	NUM(OPT_FDB_SIZE, "--fdb-size", 8, 1u << 24, 10, fdb_size),
	NUM(OPT_FDB_AGING, "--fdb-aging-time", 0, 1000000, 10, fdb_aging_time),
	NUM(OPT_FDB_PORT_LIMIT, "--fdb-port-limit", 0, 1u << 24, 10, fdb_port_limit),
	NUM(OPT_RUN_TIME, "--run-time", 1, 86400 * 365, 10, run_time),
};

static int
set_num(const struct num_opt *o, const char *arg, struct sw_config *cfg, char *err,
	size_t errlen)
{
	uint64_t v;
	char *dst = (char *)cfg + o->off;

	if (parse_num(arg, o->base, o->min, o->max, &v) != 0) {
		if (o->base == 16)
			return fail(err, errlen, "%s: '%s' is not a non-zero hex mask", o->name,
				    arg);
		return fail(err, errlen, "%s: '%s' is not a number in %" PRIu64 "..%" PRIu64,
			    o->name, arg, o->min, o->max);
	}
	if (o->width == 2) {
		uint16_t x = (uint16_t)v;
		memcpy(dst, &x, 2);
	} else if (o->width == 4) {
		uint32_t x = (uint32_t)v;
		memcpy(dst, &x, 4);
	} else {
		memcpy(dst, &v, 8);
	}
	return 0;
}

static int
parse_one(int c, const char *arg, struct sw_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(num_opts) / sizeof(num_opts[0]); i++)
		if (num_opts[i].id == c)
			return set_num(&num_opts[i], arg, cfg, err, errlen);
	switch (c) {
	case 'i':
		cfg->interactive = true;
		return 0;
	case OPT_FWD_MODE:
		if (sw_fwd_mode_parse(arg, &cfg->fwd_mode) != 0)
			return fail(err, errlen, "--forward-mode: '%s' is not one of l2learn, io, mac",
				    arg);
		return 0;
	case OPT_NO_FLOOD:
		cfg->flood_unknown = false;
		return 0;
	case OPT_NO_MCAST_FLOOD:
		cfg->flood_multicast = false;
		return 0;
	case OPT_NO_TX_POOL:
		cfg->rx_tx_pool = false;
		return 0;
	case OPT_LCORE_MAP:
		return sw_lcore_map_parse(arg, cfg, err, errlen);
	case OPT_FDB_STATIC:
		return parse_static(arg, cfg, err, errlen);
	case OPT_ETH_PEER:
		return parse_peer(arg, cfg, err, errlen);
	default:
		return fail(err, errlen, "internal: unhandled option %d", c);
	}
}

/* Number of distinct lcores in the explicit map. */
static unsigned int
map_lcores(const struct sw_config *cfg)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < cfg->nb_map; i++) {
		unsigned int j;

		for (j = 0; j < i; j++)
			if (cfg->map[j].lcore == cfg->map[i].lcore)
				break;
		n += j == i;
	}
	return n;
}

static int
check_map(const struct sw_config *cfg, char *err, size_t errlen)
{
	unsigned int nl = map_lcores(cfg);

	for (unsigned int i = 0; i < cfg->nb_map; i++) {
		const struct sw_map_entry *e = &cfg->map[i];

		if (e->queue >= cfg->rxq)
			return fail(err, errlen,
				    "--lcore-map: (%u,%u,%u): queue %u but --rxq is %u", e->lcore,
				    e->port, e->queue, e->queue, cfg->rxq);
		if (cfg->portmask != 0 && !(cfg->portmask >> e->port & 1))
			return fail(err, errlen, "--lcore-map: port %u is not in --portmask",
				    e->port);
	}
	if (cfg->nb_cores != 0 && cfg->nb_cores != nl)
		return fail(err, errlen, "--lcore-map names %u lcores but --nb-cores is %u", nl,
			    cfg->nb_cores);
	if (cfg->txq != 0 && cfg->txq < nl)
		return fail(err, errlen,
			    "--lcore-map names %u lcores but --txq is %u: each forwarding lcore "
			    "needs its own tx queue on every port", nl, cfg->txq);
	return 0;
}

/* Checks between options, once all are read. */
static int
check_consistency(const struct sw_config *cfg, char *err, size_t errlen)
{
	if (cfg->txq != 0 && cfg->nb_cores != 0 && cfg->txq < cfg->nb_cores)
		return fail(err, errlen,
			    "--txq %u is fewer than --nb-cores %u: each forwarding lcore needs "
			    "its own tx queue on every port", cfg->txq, cfg->nb_cores);
	if (cfg->max_pkt_len + SW_HEADROOM > cfg->mbuf_size)
		return fail(err, errlen,
			    "--max-pkt-len %u does not fit --mbuf-size %u (needs at least %u)",
			    cfg->max_pkt_len, cfg->mbuf_size, cfg->max_pkt_len + SW_HEADROOM);
	if (cfg->fdb_port_limit > cfg->fdb_size)
		return fail(err, errlen, "--fdb-port-limit %u is larger than --fdb-size %u",
			    cfg->fdb_port_limit, cfg->fdb_size);
	if (cfg->interactive && cfg->stats_period != 0)
		return fail(err, errlen, "--stats-period cannot be used with --interactive");
	if (cfg->interactive && cfg->run_time != 0)
		return fail(err, errlen, "--run-time cannot be used with --interactive");
	for (unsigned int i = 0; i < cfg->nb_static; i++)
		if (cfg->portmask != 0 && !(cfg->portmask >> cfg->statics[i].port & 1))
			return fail(err, errlen, "--fdb-static: port %u is not in --portmask",
				    cfg->statics[i].port);
	if (cfg->nb_map != 0)
		return check_map(cfg, err, errlen);
	return 0;
}

int
sw_args_parse(int argc, char **argv, struct sw_config *cfg, char *err, size_t errlen)
{
	int c, idx;

	sw_config_defaults(cfg);
	err[0] = '\0';
	optind = 0; /* glibc: full re-initialisation, so tests can call us again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:ih", long_opts, &idx)) != -1) {
		if (c == 'h')
			return 1;
		if (c == '?') {
			if (optopt >= OPT_NB_CORES)
				return fail(err, errlen, "option '%s' takes no value",
					    argv[optind - 1]);
			return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
		}
		if (c == ':')
			return fail(err, errlen, "option '%s' needs a value", argv[optind - 1]);
		if (parse_one(c, optarg, cfg, err, errlen) != 0)
			return -1;
	}
	if (optind < argc)
		return fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	return check_consistency(cfg, err, errlen);
}

void
sw_args_usage(const char *prog, void *stream)
{
	fprintf(stream,
		"usage: %s [EAL options] -- [switch options]\n"
		"  --nb-cores N          forwarding lcores (default: every worker lcore, at most\n"
		"                        one per rx queue)\n"
		"  --rxq N               rx queues per port (default 1)\n"
		"  --txq N               tx queues per port (default: one per forwarding lcore)\n"
		"  --rxd N / --txd N     descriptors per rx / tx queue (default 1024)\n"
		"  --burst N             packets per rx burst, 1..%d (default 32)\n"
		"  --portmask HEX        ports to use (default: all)\n"
		"  --stats-period S      print stats every S seconds\n"
		"  --run-time S          stop after S seconds\n"
		"  -i, --interactive     command line (start, stop, show ..., quit)\n"
		"  --forward-mode MODE   l2learn (default), io, mac\n"
		"  --eth-peer N,MAC      mac mode: destination MAC for frames sent on port N\n"
		"  --mbuf-size N         mbuf data room incl. 128 bytes headroom (default 2176)\n"
		"  --total-num-mbufs N   mbufs in the pool (default: sized from queues)\n"
		"  --max-pkt-len N       largest frame, sets the MTU (default 1518)\n"
		"  --fdb-size N          FDB entries (default 65536)\n"
		"  --fdb-aging-time S    seconds before an unseen MAC is forgotten (0: never;\n"
		"                        default 300)\n"
		"  --fdb-port-limit N    MACs one port may have learned at a time; frames from\n"
		"                        further sources are still switched, not learned\n"
		"                        (0: unlimited, the default)\n"
		"  --no-flood            drop unknown unicast instead of flooding it\n"
		"  --no-mcast-flood      drop multicast (broadcast is still flooded)\n"
		"  --no-tx-pool          io/mac modes: receive into the shared pool even where\n"
		"                        the destination port has a zero-copy TX pool\n"
		"                        (net_ivshmem2 tx_pool=), so frames are copied out\n"
		"  --lcore-map MAP       (lcore,port,queue),... which lcore polls which rx queue\n"
		"  --fdb-static MAC@PORT static FDB entry (repeatable)\n"
		"  -h, --help            this text\n",
		prog, SW_MAX_BURST);
}
