/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * net_vhost_pci's log type (VP_LOG, VP_PEER_LOG in vp_internal.h). In its own
 * file so that every module can log without depending on the ethdev glue.
 */

#include <rte_log.h>

#include "vp_internal.h"

RTE_LOG_REGISTER(vhost_pci_logtype, "pmd.net.vhost_pci", NOTICE);
