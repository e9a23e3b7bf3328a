/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * In-memory model of an ivshmem 2.0 PCI device for the unit tests: config
 * space with the vendor capability (with or without Base Address) and,
 * optionally, MSI-X; BAR0 registers with the device's side effects (State
 * copied into the state table, Doorbell and INT_CONTROL writes recorded);
 * shared memory as BAR2 or behind a physical address to be mapped.
 */

#ifndef IV2_PCI_MODEL_H
#define IV2_PCI_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "ivshmem2_dev.h"

#define MODEL_STATE 4096u
#define MODEL_OUT   (256u * 1024)
#define MODEL_SHM   (MODEL_STATE + 2 * MODEL_OUT)
#define MODEL_BASE  0x100000000ull  /* capability Base Address */
#define MODEL_BAR0  0xfe000000ull   /* physical addresses of the BARs */
#define MODEL_BAR1  0xfe001000ull
#define MODEL_BAR2  0x800000000ull

struct model {
	uint8_t cfg[256];
	uint32_t regs[1024];      /* BAR0 as reads see it */
	uint8_t *shm;
	int fail_reads;           /* config reads fail when set */
	bool map_fails;           /* map_phys returns NULL */
	/* recorded accesses */
	unsigned int maps, unmaps;
	uint64_t mapped_addr, mapped_len;
	unsigned int doorbell_writes;
	uint32_t doorbell_last;
	unsigned int state_writes;
	unsigned int int_control_writes;
	unsigned int bad_accesses; /* misaligned, outside BAR0, or to read-only registers */
};

/** A device with peer ID @p id; capability with Base Address if @p with_base; @p msix vectors (0: INTx). */
void model_init(struct model *m, uint32_t id, bool with_base, uint16_t msix);
void model_fini(struct model *m);
/** Access as the PCI bus would give it, with BAR2 mapped if @p bar2. */
struct iv2_pci_access model_access(struct model *m, bool bar2);

void model_put32(uint8_t *p, uint32_t v);
void model_put64(uint8_t *p, uint64_t v);

#endif /* IV2_PCI_MODEL_H */
