/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Parsing of the explicit lcore map: "(lcore,port,queue),(...)". */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_config.h"

/* Read a decimal number at *p, at most @p max; advance *p. */
static int
map_num(const char **p, unsigned long max, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (**p < '0' || **p > '9')
		return -1;
	v = strtoul(*p, &end, 10);
	if (v > max || end - *p > 6)
		return -1;
	*p = end;
	*out = (uint16_t)v;
	return 0;
}

static int
map_expect(const char **p, char c)
{
	while (**p == ' ')
		(*p)++;
	if (**p != c)
		return -1;
	(*p)++;
	while (**p == ' ')
		(*p)++;
	return 0;
}

/* One "(l,p,q)" at *p. */
static int
map_tuple(const char **p, struct sw_map_entry *e)
{
	if (map_expect(p, '(') || map_num(p, SW_MAX_LCORE, &e->lcore) || map_expect(p, ',') ||
	    map_num(p, SW_MAX_PORTS - 1, &e->port) || map_expect(p, ',') ||
	    map_num(p, SW_MAX_QUEUES - 1, &e->queue) || map_expect(p, ')'))
		return -1;
	return 0;
}

int
sw_lcore_map_parse(const char *s, struct sw_config *cfg, char *err, size_t errlen)
{
	const char *p = s;
	uint16_t n = 0;

	while (*p != '\0') {
		struct sw_map_entry e;

		if (n == SW_MAX_MAP) {
			snprintf(err, errlen, "--lcore-map: more than %d entries", SW_MAX_MAP);
			return -1;
		}
		if (map_tuple(&p, &e) != 0) {
			snprintf(err, errlen,
				 "--lcore-map '%s': expected (lcore,port,queue),... at offset %d "
				 "(lcore <= %d, port < %d, queue < %d)",
				 s, (int)(p - s), SW_MAX_LCORE, SW_MAX_PORTS, SW_MAX_QUEUES);
			return -1;
		}
		for (uint16_t i = 0; i < n; i++) {
			if (cfg->map[i].port == e.port && cfg->map[i].queue == e.queue) {
				snprintf(err, errlen,
					 "--lcore-map: rx queue %u of port %u is mapped twice "
					 "(lcores %u and %u)", e.queue, e.port, cfg->map[i].lcore,
					 e.lcore);
				return -1;
			}
		}
		cfg->map[n++] = e;
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0') {
			snprintf(err, errlen, "--lcore-map '%s': unexpected '%c' at offset %d", s,
				 *p, (int)(p - s));
			return -1;
		}
	}
	if (n == 0) {
		snprintf(err, errlen, "--lcore-map: empty map");
		return -1;
	}
	cfg->nb_map = n;
	return 0;
}
