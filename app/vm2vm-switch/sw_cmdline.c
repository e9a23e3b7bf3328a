/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Interactive command line (-i), with testpmd's command names. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <cmdline_socket.h>
#include <rte_ethdev.h>

#include "sw.h"

static struct cmdline *sw_cl;

/* Every command's parsed tokens fit this one shape. */
struct sw_cmd {
	cmdline_fixed_string_t w0;
	cmdline_fixed_string_t w1;
	cmdline_fixed_string_t w2;
	cmdline_fixed_string_t w3;
	uint16_t num;
};

#define TOK(field, str) \
	static cmdline_parse_token_string_t tok_##field##_##str##_ = \
		TOKEN_STRING_INITIALIZER(struct sw_cmd, field, #str)
#define TOKS(name, field, str) \
	static cmdline_parse_token_string_t name = TOKEN_STRING_INITIALIZER(struct sw_cmd, field, str)

static bool
sw_is_running(void)
{
	return __atomic_load_n(&sw.running, __ATOMIC_ACQUIRE);
}

static void
cmd_start_cb(void *res, struct cmdline *cl, void *data)
{
	uint16_t stopped = sw_ports_first_stopped();

	(void)res; (void)cl; (void)data;
	if (sw_is_running()) {
		printf("forwarding is already running\n");
		return;
	}
	if (stopped != SW_NO_PORT) {
		printf("port %u is stopped: 'port start %u' first\n", stopped, stopped);
		return;
	}
	sw_lcores_print(stdout);
	if (sw_fwd_start() == 0)
		printf("forwarding started\n");
}

static void
cmd_stop_cb(void *res, struct cmdline *cl, void *data)
{
	(void)res; (void)cl; (void)data;
	if (!sw_is_running()) {
		printf("forwarding is not running\n");
		return;
	}
	sw_fwd_stop();
	printf("forwarding stopped\n");
	sw_stats_print_lcores(stdout);
}

static void
cmd_quit_cb(void *res, struct cmdline *cl, void *data)
{
	(void)res; (void)data;
	cmdline_quit(cl);
}

static void
cmd_help_cb(void *res, struct cmdline *cl, void *data)
{
	(void)res; (void)cl; (void)data;
	printf("commands:\n"
	       "  start                      start forwarding\n"
	       "  stop                       stop forwarding, print lcore stats\n"
	       "  show port stats all        per-port counters\n"
	       "  show port info all         driver, MAC, link, MTU, queues\n"
	       "  show fdb                   FDB entries\n"
	       "  clear fdb                  remove learned entries\n"
	       "  show lcores                lcore map and per-lcore counters\n"
	       "  set fwd l2learn|io|mac     forwarding mode (while stopped)\n"
	       "  set lcore-map MAP          (lcore,port,queue),... (while stopped)\n"
	       "  set link-up port N         administratively bring a port up\n"
	       "  set link-down port N       take a port down (flushes its FDB entries)\n"
	       "  port stop N|all            stop the device(s) (while forwarding is stopped)\n"
	       "  port start N|all           restart stopped device(s)\n"
	       "  quit                       stop and exit\n");
}

static void
cmd_show_cb(void *res, struct cmdline *cl, void *data)
{
	struct sw_cmd *r = res;

	(void)cl; (void)data;
	sw_ctl_lock();
	if (strcmp(r->w1, "fdb") == 0)
		sw_fdb_print(stdout);
	else if (strcmp(r->w1, "lcores") == 0) {
		sw_lcores_print(stdout);
		sw_stats_print_lcores(stdout);
	}
	sw_ctl_unlock();
}

static void
cmd_show_port_cb(void *res, struct cmdline *cl, void *data)
{
	struct sw_cmd *r = res;

	(void)cl; (void)data;
	sw_ctl_lock();
	if (strcmp(r->w2, "stats") == 0)
		sw_stats_print_ports(stdout);
	else
		sw_stats_print_port_info(stdout);
	sw_ctl_unlock();
}

static void
cmd_clear_fdb_cb(void *res, struct cmdline *cl, void *data)
{
	(void)res; (void)cl; (void)data;
	printf("%u FDB entries removed\n", fdb_flush(sw.fdb, false));
}

static void
cmd_set_fwd_cb(void *res, struct cmdline *cl, void *data)
{
	struct sw_cmd *r = res;
	enum sw_fwd_mode m;
	char err[256];

	(void)cl; (void)data;
	if (sw_is_running()) {
		printf("stop forwarding first\n");
		return;
	}
	if (sw_fwd_mode_parse(r->w2, &m) != 0) {
		printf("unknown mode '%s'\n", r->w2);
		return;
	}
	if (sw_ports_check_mode(m, err, sizeof(err)) != 0) {
		printf("refused: %s\n", err);
		return;
	}
	sw.mode = m;
	printf("forwarding mode: %s\n", sw_fwd_mode_name(m));
}

static void
cmd_set_map_cb(void *res, struct cmdline *cl, void *data)
{
	struct sw_cmd *r = res;
	struct sw_config tmp;
	char err[256] = "";

	(void)cl; (void)data;
	if (sw_is_running()) {
		printf("stop forwarding first\n");
		return;
	}
	tmp.rxq = sw.rxq;
	if (sw_lcore_map_parse(r->w2, &tmp, err, sizeof(err)) != 0 ||
	    sw_lcores_plan(tmp.map, tmp.nb_map, err, sizeof(err)) != 0) {
		printf("lcore map not changed: %s\n", err);
		return;
	}
	sw_lcores_print(stdout);
}

static void
cmd_set_link_cb(void *res, struct cmdline *cl, void *data)
{
	struct sw_cmd *r = res;

	(void)cl; (void)data;
	if (r->num >= SW_MAX_PORTS || !sw.port[r->num].used) {
		printf("port %u is not in use\n", r->num);
		return;
	}
	sw_link_admin(r->num, strcmp(r->w1, "link-up") == 0);
}

/* "port stop|start N|all" */
static void
cmd_port_cb(void *res, struct cmdline *cl, void *data)
{
	struct sw_cmd *r = res;
	bool start = strcmp(r->w1, "start") == 0;
	bool all = strcmp(r->w2, "all") == 0;
	char *end;
	unsigned long n = strtoul(r->w2, &end, 10);

	(void)cl; (void)data;
	if (sw_is_running()) {
		printf("stop forwarding first\n");
		return;
	}
	if (!all && (r->w2[0] < '0' || r->w2[0] > '9' || *end != '\0' || n >= SW_MAX_PORTS ||
		     !sw.port[n].used)) {
		printf("port %s is not in use\n", r->w2);
		return;
	}
	for (uint16_t i = 0; i < sw.nb_ports; i++) {
		uint16_t pid = sw.port_ids[i];
		int ret;

		if (!all && pid != n)
			continue;
		ret = start ? sw_port_start(pid) : sw_port_stop(pid);
		if (ret == -EALREADY)
			printf("port %u is already %s\n", pid, start ? "started" : "stopped");
		else if (ret != 0)
			printf("port %u: %s failed: %s\n", pid, start ? "start" : "stop",
			       rte_strerror(-ret));
		else
			printf("port %u %s\n", pid, start ? "started" : "stopped");
	}
}

TOK(w0, start);
TOK(w0, stop);
TOK(w0, quit);
TOK(w0, help);
TOK(w0, show);
TOK(w0, clear);
TOK(w0, set);
TOK(w1, port);
TOK(w1, fdb);
TOK(w1, fwd);
TOKS(tok_w1_lcore_map_, w1, "lcore-map");
TOK(w3, all);
TOK(w2, port);
TOKS(tok_show_what, w1, "fdb#lcores");
TOKS(tok_port_what, w2, "stats#info");
TOKS(tok_mode, w2, "l2learn#io#mac");
TOKS(tok_any, w2, NULL);
TOKS(tok_link, w1, "link-up#link-down");
TOKS(tok_port_w0, w0, "port");
TOKS(tok_port_op, w1, "stop#start");
static cmdline_parse_token_num_t tok_num = TOKEN_NUM_INITIALIZER(struct sw_cmd, num, RTE_UINT16);

#define INST(name, fn, help, ...) \
	static cmdline_parse_inst_t name = { \
		.f = fn, .data = NULL, .help_str = help, \
		.tokens = { __VA_ARGS__, NULL }, \
	}

INST(cmd_start, cmd_start_cb, "start: start forwarding", (void *)&tok_w0_start_);
INST(cmd_stop, cmd_stop_cb, "stop: stop forwarding", (void *)&tok_w0_stop_);
INST(cmd_quit, cmd_quit_cb, "quit: exit", (void *)&tok_w0_quit_);
INST(cmd_help, cmd_help_cb, "help: list commands", (void *)&tok_w0_help_);
INST(cmd_show, cmd_show_cb, "show fdb|lcores", (void *)&tok_w0_show_, (void *)&tok_show_what);
INST(cmd_show_port, cmd_show_port_cb, "show port stats|info all", (void *)&tok_w0_show_,
     (void *)&tok_w1_port_, (void *)&tok_port_what, (void *)&tok_w3_all_);
INST(cmd_clear_fdb, cmd_clear_fdb_cb, "clear fdb: remove learned entries",
     (void *)&tok_w0_clear_, (void *)&tok_w1_fdb_);
INST(cmd_set_fwd, cmd_set_fwd_cb, "set fwd l2learn|io|mac", (void *)&tok_w0_set_,
     (void *)&tok_w1_fwd_, (void *)&tok_mode);
INST(cmd_set_map, cmd_set_map_cb, "set lcore-map (lcore,port,queue),...",
     (void *)&tok_w0_set_, (void *)&tok_w1_lcore_map_, (void *)&tok_any);
INST(cmd_port, cmd_port_cb, "port stop|start N|all", (void *)&tok_port_w0,
     (void *)&tok_port_op, (void *)&tok_any);
INST(cmd_set_link, cmd_set_link_cb, "set link-up|link-down port N", (void *)&tok_w0_set_,
     (void *)&tok_link, (void *)&tok_w2_port_, (void *)&tok_num);

static cmdline_parse_ctx_t sw_ctx[] = {
	&cmd_start, &cmd_stop, &cmd_quit, &cmd_help, &cmd_show, &cmd_show_port, &cmd_clear_fdb,
	&cmd_set_fwd, &cmd_set_map, &cmd_set_link, &cmd_port, NULL,
};

/* Runs until "quit", end of input or a signal. */
void
sw_cmdline_run(void)
{
	sw_cl = cmdline_stdin_new(sw_ctx, "vm2vm-switch> ");
	if (sw_cl == NULL) {
		fprintf(stderr, SW_NAME ": cannot start the command line\n");
		return;
	}
	/* A signal that came during start-up, before there was a command line to stop. */
	if (!__atomic_load_n(&sw.quit, __ATOMIC_ACQUIRE))
		cmdline_interact(sw_cl);
	cmdline_stdin_exit(sw_cl);
	sw_cl = NULL;
}

/* From a signal handler: make cmdline_interact() return. */
void
sw_cmdline_stop(void)
{
	if (sw_cl != NULL)
		cmdline_quit(sw_cl);
}
