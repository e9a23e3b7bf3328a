/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/**
 * @file
 * Device access for net_ivshmem2: what the life cycle and the datapath need
 * from an ivshmem 2.0 device, behind a small ops table so that the host-file
 * flavour (two processes sharing a hugepage file) and the PCI flavour (the
 * real device: BAR0 registers, shared memory from BAR2 or the capability's
 * base address) share everything else.
 */

#ifndef IVSHMEM2_DEV_H
#define IVSHMEM2_DEV_H

#include <stdbool.h>
#include <stdint.h>

struct iv2_dev;
struct rte_intr_handle;

/** Flavour-specific operations. All run on the control path only. */
struct iv2_dev_ops {
	/** The State register: publish our state into our state-table entry. */
	void (*state_write)(struct iv2_dev *d, uint32_t state);
	/**
	 * Is the peer's process/VM still attached? Returns false only when the
	 * flavour knows for sure (host flavour: the peer's lock is gone);
	 * flavours without such knowledge return true and rely on the heartbeat.
	 */
	bool (*peer_attached)(struct iv2_dev *d);
	/**
	 * Ring the peer's doorbell (vector @p vector). NULL when the flavour
	 * cannot interrupt the peer (host flavour: host peers poll); then the
	 * datapath does not even look at the peer's event suppression area.
	 * Called from the datapath, at most once per TX burst.
	 */
	void (*doorbell)(struct iv2_dev *d, uint16_t vector);
	/** Unmap and release everything; @p d is zeroed afterwards. */
	void (*close)(struct iv2_dev *d);
	/**
	 * After a fault in the shared memory (mem_fault; the peer truncated the
	 * file): map it again at the same address once it has its size back.
	 * @return 0, or negative to try again later. NULL: the flavour's memory
	 * cannot be truncated.
	 */
	int (*remap)(struct iv2_dev *d);
};

/** An attached ivshmem 2.0 device, as the local process maps it. */
struct iv2_dev {
	const struct iv2_dev_ops *ops;
	const char *flavour;             /**< "host" or "pci", for logs */
	uint32_t id;                     /**< our peer ID: 0 or 1 */
	uint32_t peer_id;                /**< the other ID */
	uint32_t max_peers;              /**< from the device; we require 2 */
	uint64_t state_size;             /**< state table bytes */
	uint64_t rw_size;                /**< R/W section bytes (unused by this protocol) */
	uint64_t out_size;               /**< bytes of each output section */
	uint16_t nb_vectors;             /**< interrupt vectors of the device (0: none, 1: INTx or one MSI-X) */
	const volatile uint32_t *state_table; /**< read-only view of all peers' states */
	uint8_t *out_own;                /**< our output section (read/write) */
	const uint8_t *out_peer;         /**< the peer's output section (read-only for us) */
	void *priv;                      /**< flavour state */
	volatile uint32_t mem_fault;     /**< set by the SIGBUS guard (peer_mem_guard.h) */
};

/** Read the peer's state-table entry once. */
static inline uint32_t iv2_dev_peer_state(const struct iv2_dev *d)
{
	return __atomic_load_n(&d->state_table[d->peer_id], __ATOMIC_ACQUIRE);
}

/** Host-flavour parameters (from devargs). */
struct iv2_host_params {
	const char *path;     /**< shared file: hugetlbfs or /dev/shm */
	uint32_t id;          /**< 0 or 1 */
	uint64_t state_size;  /**< requested sizes; rounded up to the file system's page */
	uint64_t rw_size;
	uint64_t out_size;
};

/**
 * Create or attach the shared file and map it (host flavour).
 * @return 0, or a negative errno with the reason logged.
 */
int iv2_host_open(struct iv2_dev *d, const struct iv2_host_params *p);

/* ivshmem 2.0 PCI facts (devices.md 1.2-1.6). */
#define IV2_PCI_CFG_VENDOR   0x00
#define IV2_PCI_CFG_CLASS    0x08 /* revision, prog-if, sub-class, base class */
#define IV2_PCI_CFG_STATUS   0x04 /* high half of the command/status dword */
#define IV2_PCI_CFG_CAP_PTR  0x34
#define IV2_PCI_CFG_INTR     0x3C /* line, pin, min_gnt, max_lat */
#define IV2_PCI_STATUS_CAP   (1u << (16 + 4))
#define IV2_PCI_CAP_VENDOR   0x09
#define IV2_PCI_CAP_MSIX     0x11
#define IV2_PCI_CAP_LEN_BASE 0x20 /* vendor capability with the Base Address field */
#define IV2_PCI_CAP_LEN      0x18
#define IV2_PCI_CAP_STATE_SZ 0x04
#define IV2_PCI_CAP_RW_SZ    0x08
#define IV2_PCI_CAP_OUT_SZ   0x10
#define IV2_PCI_CAP_ADDR     0x18
#define IV2_REG_ID           0x00
#define IV2_REG_MAX_PEERS    0x04
#define IV2_REG_INT_CONTROL  0x08
#define IV2_REG_DOORBELL     0x0C
#define IV2_REG_STATE        0x10
#define IV2_INT_ENABLE       1u
/** Doorbell register value: target peer in bits 31..16, vector in 15..0. */
#define IV2_DOORBELL(peer, vector) ((uint32_t)(peer) << 16 | (uint16_t)(vector))
/** Page granule the capability's base address and section sizes must respect. */
#define IV2_PCI_PAGE         4096u
/** Largest shared-memory region we accept (also bounds the physical address). */
#define IV2_PCI_MAX_SHM      (1ull << 40)
/** Highest physical address bit any x86-64/arm64 platform implements. */
#define IV2_PCI_PHYS_LIMIT   (1ull << 52)

/** BAR0 access: 32-bit aligned registers, through the bus or a test model. */
struct iv2_pci_regs {
	uint32_t (*read32)(void *ctx, uint32_t off);
	void (*write32)(void *ctx, uint32_t off, uint32_t val);
	void *ctx;                /**< MMIO: the mapped BAR0 */
	uint64_t len;             /**< bytes of BAR0 */
};

/** A bus address range the device decodes (BARs), for overlap checks. */
struct iv2_pci_range {
	uint64_t phys;
	uint64_t len;             /**< 0: unused */
};

#define IV2_PCI_NB_BARS 6

/** How the PCI probe logic reaches a device; the PCI bus or a test model fills it. */
struct iv2_pci_access {
	/** Read a config-space dword at @p off (4-byte aligned); returns 0 on success. */
	int (*cfg_read32)(void *ctx, uint32_t off, uint32_t *val);
	void *ctx;
	struct iv2_pci_regs regs; /**< register region (BAR0), at least 0x14 bytes */
	uint8_t *bar2;            /**< shared memory BAR, or NULL when absent */
	uint64_t bar2_len;
	/** The device's BARs in physical address space; the shared memory must not overlap them. */
	struct iv2_pci_range bars[IV2_PCI_NB_BARS];
	/**
	 * Map @p len bytes at physical @p addr (no BAR2: the capability's Base
	 * Address), already validated as page-aligned and in range. NULL when not
	 * possible, with the reason logged. NULL pointer: this bus cannot.
	 */
	void *(*map_phys)(void *ctx, uint64_t addr, uint64_t len);
	/** Undo map_phys (close). */
	void (*unmap_phys)(void *ctx, void *va, uint64_t len);
};

/** PCI-flavour state behind iv2_dev.priv. */
struct iv2_pci {
	struct iv2_pci_regs regs;
	void *map_ctx;            /**< unmap_phys argument */
	void (*unmap_phys)(void *ctx, void *va, uint64_t len);
	void *map;                /**< map_phys result, NULL when the memory is BAR2 */
	uint64_t map_len;
	bool msix;                /**< the device has an MSI-X capability */
	bool intx;                /**< interrupt pin set (no MSI-X) */
	/* interrupts, when the bus could enable them (see ivshmem2_pci.c) */
	const struct rte_intr_handle *intr; /**< NULL: polling only */
	void *intr_arg;           /**< registered callback argument */
};

/**
 * Identify and attach an ivshmem 2.0 device speaking our protocol: check
 * IDs, class and protocol, find the vendor capability, read the section
 * sizes, check ID and peer count, look for MSI-X, locate the shared memory
 * (BAR2, or map the capability's base address). Fills @p d and @p pp; does
 * not set d->ops (see iv2_pci_dev_ops).
 * @return 0, or a negative errno with the reason logged.
 */
int iv2_pci_attach(struct iv2_dev *d, const struct iv2_pci_access *acc, struct iv2_pci *pp);

/** Undo what iv2_pci_attach mapped. */
void iv2_pci_detach(struct iv2_pci *pp);

#endif /* IVSHMEM2_DEV_H */
