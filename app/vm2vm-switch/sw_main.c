/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * dpdk-vm2vm-switch: start-up, the control thread, clean shutdown.
 *
 * Switch arguments are parsed before EAL starts, so a bad option never
 * probes or touches a port.
 */

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#ifdef SW_HAVE_PDUMP
#include <rte_pdump.h>
#endif

#include "sw.h"

#define SW_TICK_US 100000 /* control thread period */

struct sw_state sw;

static void
sw_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&sw.quit, true, __ATOMIC_RELEASE);
	sw_cmdline_stop();
}

static void
sw_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sw_signal;
	/* No SA_RESTART: the command line's blocking read must return. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Split argv at the first "--": EAL gets the part before, we the rest. */
static int
sw_split_args(int argc, char **argv, int *eal_argc, char ***sw_argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			*eal_argc = i;
			argv[i] = argv[0];
			*sw_argv = &argv[i];
			return argc - i;
		}
	}
	*eal_argc = argc;
	*sw_argv = argv;
	return 1;
}

static void
sw_print_periodic(void)
{
	uint64_t secs = (rte_rdtsc() - sw.start_tsc) / rte_get_tsc_hz();

	sw_ctl_lock();
	printf("\n==== stats at %" PRIu64 "s ====\n", secs);
	sw_stats_print_ports(stdout);
	sw_stats_print_lcores(stdout);
	sw_ctl_unlock();
	fflush(stdout);
}

/* Control thread: FDB clock and aging, link polling, periodic stats, run time. */
static void *
sw_control(void *arg)
{
	uint64_t hz = rte_get_tsc_hz(), last_sec = 0;

	(void)arg;
	while (!__atomic_load_n(&sw.quit, __ATOMIC_ACQUIRE)) {
		uint64_t sec = (rte_rdtsc() - sw.start_tsc) / hz;

		rte_delay_us_sleep(SW_TICK_US);
		if (sec == last_sec)
			continue;
		last_sec = sec;
		__atomic_store_n(&sw.now, (uint32_t)sec, __ATOMIC_RELAXED);
		sw_link_poll();
		if (sw.cfg.fdb_aging_time != 0)
			fdb_age(sw.fdb, (uint32_t)sec, sw.cfg.fdb_aging_time);
		if (sw.cfg.stats_period != 0 && sec % sw.cfg.stats_period == 0)
			sw_print_periodic();
		if (sw.cfg.run_time != 0 && sec >= sw.cfg.run_time)
			sw_signal(0);
	}
	return NULL;
}

static int
sw_fdb_setup(void)
{
	sw.fdb = fdb_create(sw.cfg.fdb_size);
	if (sw.fdb == NULL) {
		fprintf(stderr, SW_NAME ": cannot allocate an FDB of %u entries\n",
			sw.cfg.fdb_size);
		return -1;
	}
	/* Every port is counted (for the stats), limited only with --fdb-port-limit. */
	if (fdb_set_port_limit(sw.fdb, SW_MAX_PORTS, sw.cfg.fdb_port_limit) != 0) {
		fprintf(stderr, SW_NAME ": cannot allocate the FDB's per-port counters\n");
		return -1;
	}
	for (unsigned int i = 0; i < sw.cfg.nb_static; i++) {
		const struct sw_static_entry *e = &sw.cfg.statics[i];

		if (fdb_add_static(sw.fdb, fdb_mac_key(e->mac), e->port) != 0) {
			fprintf(stderr, SW_NAME ": cannot add static FDB entry %u\n", i);
			return -1;
		}
	}
	return 0;
}

/* Everything after EAL: ports, FDB, lcores. @return exit status or -1 to go on. */
static int
sw_setup(void)
{
	char err[512] = "";

	if (sw_ports_select(err, sizeof(err)) != 0 ||
	    sw_ports_check_mode(sw.mode, err, sizeof(err)) != 0 ||
	    sw_lcores_plan(sw.cfg.map, sw.cfg.nb_map, err, sizeof(err)) != 0) {
		fprintf(stderr, SW_NAME ": error: %s\n", err);
		return 2;
	}
	if (sw_fdb_setup() != 0 || sw_ports_setup() != 0)
		return 1;
	return -1;
}

static void
sw_shutdown(void)
{
	if (__atomic_load_n(&sw.running, __ATOMIC_ACQUIRE))
		sw_fwd_stop();
	printf("\n==== final stats ====\n");
	sw_stats_print_ports(stdout);
	sw_stats_print_lcores(stdout);
	fflush(stdout);
}

static int
sw_run(void)
{
	pthread_t ctl;
	int ret;

	sw.start_tsc = rte_rdtsc();
	if (sw_telemetry_register() != 0)
		fprintf(stderr, SW_NAME ": telemetry endpoints not registered\n");
	ret = rte_ctrl_thread_create(&ctl, "sw-ctl", NULL, sw_control, NULL);
	if (ret != 0) {
		fprintf(stderr, SW_NAME ": cannot create the control thread\n");
		return 1;
	}
	sw_lcores_print(stdout);
	if (sw.cfg.interactive) {
		sw_cmdline_run();
	} else {
		if (sw_fwd_start() != 0)
			__atomic_store_n(&sw.quit, true, __ATOMIC_RELEASE);
		fflush(stdout);
		while (!__atomic_load_n(&sw.quit, __ATOMIC_ACQUIRE))
			rte_delay_us_sleep(SW_TICK_US);
	}
	__atomic_store_n(&sw.quit, true, __ATOMIC_RELEASE);
	pthread_join(ctl, NULL);
	sw_shutdown();
	return 0;
}

int
main(int argc, char **argv)
{
	char **sw_argv, err[512];
	int eal_argc, sw_argc, ret;

	/* Line-buffered even into a pipe or file: logs and tests see events live. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	sw_argc = sw_split_args(argc, argv, &eal_argc, &sw_argv);
	ret = sw_args_parse(sw_argc, sw_argv, &sw.cfg, err, sizeof(err));
	if (ret == 1) {
		sw_args_usage(argv[0], stdout);
		return 0;
	}
	if (ret != 0) {
		fprintf(stderr, SW_NAME ": error: %s (see --help)\n", err);
		return 2;
	}
	sw.mode = sw.cfg.fwd_mode;
	/*
	 * Before EAL: a SIGINT/SIGTERM during start-up (which can take seconds
	 * while hugepages are mapped) still ends in a clean stop once start-up
	 * is done, instead of killing the process with ports half set up.
	 */
	sw_signals_install();
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, SW_NAME ": EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 2;
	}
	ret = sw_setup();
	if (ret < 0) {
#ifdef SW_HAVE_PDUMP
		rte_pdump_init();
#endif
		ret = sw_run();
#ifdef SW_HAVE_PDUMP
		rte_pdump_uninit();
#endif
	}
	sw_ports_close();
	fdb_free(sw.fdb);
	rte_eal_cleanup();
	return ret;
}
