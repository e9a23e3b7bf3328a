/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/* Front-end memory: map SET_MEM_TABLE regions, translate addresses, unmap. */

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>

#include "peer_mem_guard.h"
#include "vp_internal.h"

void
vp_mem_unmap(struct vp_internals *in)
{
	uint32_t i;

	for (i = 0; i < in->nr_map; i++) {
		peer_mem_guard_del(in->map[i].guard);
		munmap(in->map[i].base, in->map[i].len);
	}
	memset(in->map, 0, sizeof(in->map));
	in->nr_map = 0;
	memset(&in->gpa, 0, sizeof(in->gpa));
}

/* The strictest alignment a ring needs (split and packed descriptors: 16 bytes). */
#define VP_RING_ALIGN 16

/*
 * Map one region. The file must really hold mmap_offset + memory_size bytes:
 * touching a mapping beyond the end of its file raises SIGBUS, so a peer that
 * lies about sizes would otherwise crash us.
 */
static int
map_region(struct vp_internals *in, const struct vhost_mem_region *r, int fd, uint8_t **base,
	   size_t *len)
{
	struct stat st;
	uint64_t need = r->mmap_offset + r->memory_size;
	uint64_t align;
	void *p;

	/*
	 * Rings are found by user address and reached at base + mmap_offset +
	 * (uaddr - userspace_addr): unless both are aligned alike, a ring the
	 * front-end aligned is misaligned here, and its atomics need natural
	 * alignment. No real front-end sends this (QEMU and DPDK map whole pages);
	 * refusing the table tells the peer, where refusing the ring later would not.
	 */
	if ((r->mmap_offset - r->userspace_addr) & (VP_RING_ALIGN - 1)) {
		VP_PEER_LOG(in, ERR, "region user address and mmap_offset aligned differently");
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < need) {
		VP_PEER_LOG(in, ERR, "region fd too small or not a file (need %" PRIu64 " bytes)", need);
		return -1;
	}
	/* hugetlbfs mappings must be a whole number of huge pages */
	align = st.st_blksize > 0 ? (uint64_t)st.st_blksize : 4096;
	need = RTE_ALIGN_CEIL(need, align);
	if (need > SIZE_MAX)
		return -1;
	p = mmap(NULL, (size_t)need, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		VP_PEER_LOG(in, ERR, "mmap of %" PRIu64 " bytes failed: %s", need, strerror(errno));
		return -1;
	}
	*base = p;
	*len = (size_t)need;
	return 0;
}

int
vp_mem_map(void *ctx, const struct vhost_mem_table *mem, const int *fds)
{
	struct vp_internals *in = ctx;
	uint8_t *base[VHOST_MEMORY_MAX_NREGIONS];
	size_t len[VHOST_MEMORY_MAX_NREGIONS];
	uint32_t i, j;

	for (i = 0; i < mem->nregions; i++) {
		if (map_region(in, &mem->regions[i], fds[i], &base[i], &len[i]) < 0) {
			for (j = 0; j < i; j++)
				munmap(base[j], len[j]);
			return -1;
		}
	}
	/*
	 * The caller quiesced every queue. Rings still point into the old
	 * mapping: stop them (returning stashed buffers there) before it goes.
	 */
	vp_stop_all(in);
	vp_mem_unmap(in);
	for (i = 0; i < mem->nregions; i++) {
		in->map[i].base = base[i];
		in->map[i].len = len[i];
		/* The front-end may truncate the file under us: survive the SIGBUS. */
		in->map[i].guard = peer_mem_guard_add(base[i], len[i], &in->mem_fault);
		if (in->map[i].guard < 0)
			VP_PEER_LOG(in, WARNING, "port %u: region %u not guarded against truncation",
			       in->port_id, i);
		in->gpa.region[i].addr = mem->regions[i].guest_phys_addr;
		in->gpa.region[i].len = mem->regions[i].memory_size;
		in->gpa.region[i].local = base[i] + mem->regions[i].mmap_offset;
	}
	in->nr_map = mem->nregions;
	in->gpa.nr = mem->nregions;
	VP_LOG(INFO, "port %u: mapped %u region(s)", in->port_id, mem->nregions);
	return 0;
}

void *
vp_mem_uva(const struct vp_internals *in, uint64_t uaddr, uint64_t len)
{
	const struct vhost_mem_table *m = &in->be.mem;
	int i;

	i = vhost_mem_find_uaddr(m, uaddr, len);
	if (i < 0 || (uint32_t)i >= in->nr_map)
		return NULL;
	return in->map[i].base + m->regions[i].mmap_offset + (uaddr - m->regions[i].userspace_addr);
}
