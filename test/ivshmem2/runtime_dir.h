/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * EAL creates /var/run/dpdk/<file-prefix>/ even with --no-shconf and leaves
 * it behind after rte_eal_cleanup(). Tests note theirs after rte_eal_init()
 * and remove it (its plain files, then the directory) once EAL is gone;
 * nothing outside that one directory is touched.
 */

#ifndef VM2VM_RUNTIME_DIR_H
#define VM2VM_RUNTIME_DIR_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

struct vm2vm_runtime_dir {
	char path[PATH_MAX];
};

static inline void
vm2vm_runtime_dir_note(struct vm2vm_runtime_dir *rd)
{
	snprintf(rd->path, sizeof(rd->path), "%s", rte_eal_get_runtime_dir());
}

static inline void
vm2vm_runtime_dir_remove(const struct vm2vm_runtime_dir *rd)
{
	char f[PATH_MAX + 256];
	struct dirent *e;
	DIR *d;

	if (rd->path[0] == '\0' || strstr(rd->path, "/dpdk/") == NULL)
		return;
	d = opendir(rd->path);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(f, sizeof(f), "%s/%s", rd->path, e->d_name);
		unlink(f);
	}
	closedir(d);
	rmdir(rd->path);
}

#endif /* VM2VM_RUNTIME_DIR_H */
