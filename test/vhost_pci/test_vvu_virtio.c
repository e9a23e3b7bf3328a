/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vm2vm authors
 */

/*
 * EXPERIMENTAL virtio-vhost-user PCI layer: the virtio 1.x bring-up
 * against an in-memory model of struct virtio_pci_common_cfg (feature and
 * queue select registers, FEATURES_OK acceptance, reset), including devices
 * that offer too little or misbehave.
 */

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vp_vvu_caps.h"
#include "vp_vvu_virtio.h"

#define F_VERSION_1 (1ULL << 32)
#define F_ACCESS_PLATFORM (1ULL << 33)
#define F_RING_PACKED (1ULL << 34)
#define WANT (F_VERSION_1 | F_RING_PACKED)
#define NQ 4

struct model_queue {
	uint16_t max, size, msix, enable, noff;
	uint64_t desc, driver, device;
};

struct model {
	uint64_t dev_features;
	uint32_t dfselect, gfselect;
	uint32_t drv_features[2];
	uint8_t status;
	int reset_stuck;
	int refuse_features_ok;
	uint16_t numq;
	uint16_t qselect;
	struct model_queue q[NQ];
	unsigned int delays;
};

static struct model md;

static struct model_queue *
selected(void)
{
	return md.qselect < NQ ? &md.q[md.qselect] : NULL;
}

static uint32_t
m_read(void *ctx, uint32_t off, unsigned int w)
{
	struct model_queue *q = selected();

	(void)ctx;
	(void)w;
	switch (off) {
	case VVU_CC_DF:
		return md.dfselect == 0 ? (uint32_t)md.dev_features :
		       md.dfselect == 1 ? (uint32_t)(md.dev_features >> 32) : 0;
	case VVU_CC_GF:
		return md.gfselect < 2 ? md.drv_features[md.gfselect] : 0;
	case VVU_CC_NUMQ:
		return md.numq;
	case VVU_CC_STATUS:
		return md.status;
	case VVU_CC_Q_SELECT:
		return md.qselect;
	case VVU_CC_Q_SIZE:
		return q ? q->size : 0;
	case VVU_CC_Q_NOFF:
		return q ? q->noff : 0;
	case VVU_CC_Q_ENABLE:
		return q ? q->enable : 0;
	case VVU_CC_Q_MSIX:
		return q ? q->msix : VVU_NO_VECTOR;
	default:
		return 0;
	}
}

static void
set32(uint64_t *f, bool hi, uint32_t v)
{
	*f = hi ? (*f & 0xffffffffULL) | (uint64_t)v << 32 : (*f & ~0xffffffffULL) | v;
}

static void
m_write(void *ctx, uint32_t off, unsigned int w, uint32_t v)
{
	struct model_queue *q = selected();

	(void)ctx;
	(void)w;
	switch (off) {
	case VVU_CC_DFSELECT:
		md.dfselect = v;
		break;
	case VVU_CC_GFSELECT:
		md.gfselect = v;
		break;
	case VVU_CC_GF:
		if (md.gfselect < 2)
			md.drv_features[md.gfselect] = v;
		break;
	case VVU_CC_STATUS:
		if (v == 0) {
			if (!md.reset_stuck) {
				md.status = 0;
				memset(md.drv_features, 0, sizeof(md.drv_features));
			}
			break;
		}
		if ((v & VVU_S_FEATURES_OK) && !(md.status & VVU_S_FEATURES_OK)) {
			uint64_t f = (uint64_t)md.drv_features[1] << 32 | md.drv_features[0];

			if (md.refuse_features_ok || (f & ~md.dev_features) != 0)
				v &= ~(uint32_t)VVU_S_FEATURES_OK;
		}
		md.status = (uint8_t)v;
		break;
	case VVU_CC_Q_SELECT:
		md.qselect = (uint16_t)v;
		break;
	case VVU_CC_Q_SIZE:
		if (q)
			q->size = (uint16_t)v;
		break;
	case VVU_CC_Q_MSIX:
		if (q)
			q->msix = (uint16_t)v;
		break;
	case VVU_CC_Q_ENABLE:
		if (q)
			q->enable = (uint16_t)v;
		break;
	case VVU_CC_Q_DESCLO: case VVU_CC_Q_DESCHI:
		if (q)
			set32(&q->desc, off == VVU_CC_Q_DESCHI, v);
		break;
	case VVU_CC_Q_AVAILLO: case VVU_CC_Q_AVAILHI:
		if (q)
			set32(&q->driver, off == VVU_CC_Q_AVAILHI, v);
		break;
	case VVU_CC_Q_USEDLO: case VVU_CC_Q_USEDHI:
		if (q)
			set32(&q->device, off == VVU_CC_Q_USEDHI, v);
		break;
	default:
		break;
	}
}

static void
m_delay(void *ctx, unsigned int ms)
{
	(void)ctx;
	md.delays += ms;
}

static const struct vvu_virtio_io io = { m_read, m_write, m_delay, NULL };
static const char *why;

static void
setup(void)
{
	unsigned int i;

	memset(&md, 0, sizeof(md));
	md.dev_features = WANT | F_ACCESS_PLATFORM | 1;
	md.numq = 2;
	md.status = VVU_S_ACKNOWLEDGE | VVU_S_DRIVER | VVU_S_DRIVER_OK; /* left over from before */
	for (i = 0; i < NQ; i++) {
		md.q[i].max = md.q[i].size = 128;
		md.q[i].noff = (uint16_t)i;
		md.q[i].msix = 7;
	}
	why = NULL;
}

static struct vvu_virtio_queue
vq_of(uint16_t n)
{
	return (struct vvu_virtio_queue){ 0x123400001000ULL * (n + 1), 0x123400002000ULL * (n + 1),
					  0x123400003000ULL * (n + 1), 32 };
}

START_TEST(good_bring_up)
{
	struct vvu_virtio_queue vq;
	uint16_t qoff = 0xffff, n;

	ck_assert_int_eq(vvu_virtio_begin(&io, WANT, 2, &why), 0);
	ck_assert_uint_eq(md.status, VVU_S_ACKNOWLEDGE | VVU_S_DRIVER | VVU_S_FEATURES_OK);
	/* exactly what we want: not ACCESS_PLATFORM, not the device-specific bit 0 */
	ck_assert_uint_eq(md.drv_features[0], 0);
	ck_assert_uint_eq(md.drv_features[1], (uint32_t)(WANT >> 32));
	for (n = 0; n < 2; n++) {
		vq = vq_of(n);
		ck_assert_int_eq(vvu_virtio_queue(&io, n, &vq, &qoff, &why), 0);
		ck_assert_uint_eq(qoff, n);
		ck_assert_uint_eq(md.q[n].size, 32);
		ck_assert_uint_eq(md.q[n].desc, vq.desc);
		ck_assert_uint_eq(md.q[n].driver, vq.driver);
		ck_assert_uint_eq(md.q[n].device, vq.device);
		ck_assert_uint_eq(md.q[n].msix, VVU_NO_VECTOR);
		ck_assert_uint_eq(md.q[n].enable, 1);
	}
	ck_assert_uint_eq(md.q[2].enable, 0);
	vvu_virtio_set_status(&io, VVU_S_DRIVER_OK);
	ck_assert_uint_eq(md.status, VVU_S_ACKNOWLEDGE | VVU_S_DRIVER | VVU_S_FEATURES_OK |
				     VVU_S_DRIVER_OK);
	ck_assert_int_eq(vvu_virtio_reset(&io), 0);
	ck_assert_uint_eq(md.status, 0);
}
END_TEST

START_TEST(device_lacks_features)
{
	md.dev_features = F_VERSION_1; /* split rings only */
	ck_assert_int_eq(vvu_virtio_begin(&io, WANT, 2, &why), -ENOTSUP);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_eq(md.status & VVU_S_FEATURES_OK, 0);
	ck_assert_uint_eq(md.drv_features[1], 0);
	setup();
	md.dev_features = F_RING_PACKED; /* legacy-only device */
	ck_assert_int_eq(vvu_virtio_begin(&io, WANT, 2, &why), -ENOTSUP);
}
END_TEST

START_TEST(features_ok_refused)
{
	md.refuse_features_ok = 1;
	ck_assert_int_eq(vvu_virtio_begin(&io, WANT, 2, &why), -ENOTSUP);
	ck_assert_uint_eq(md.status & VVU_S_FEATURES_OK, 0);
}
END_TEST

START_TEST(too_few_queues)
{
	md.numq = 1;
	ck_assert_int_eq(vvu_virtio_begin(&io, WANT, 2, &why), -ENODEV);
}
END_TEST

START_TEST(queue_absent_or_short)
{
	struct vvu_virtio_queue vq = vq_of(1);
	uint16_t qoff;

	ck_assert_int_eq(vvu_virtio_begin(&io, WANT, 2, &why), 0);
	md.q[1].size = 0;
	ck_assert_int_eq(vvu_virtio_queue(&io, 1, &vq, &qoff, &why), -ENODEV);
	ck_assert_uint_eq(md.q[1].enable, 0);
	md.q[1].size = 16;
	ck_assert_int_eq(vvu_virtio_queue(&io, 1, &vq, &qoff, &why), -ENODEV);
	ck_assert_uint_eq(md.q[1].enable, 0);
	ck_assert_uint_eq(md.q[1].desc, 0);
	/* a queue index the device does not have reads as size 0 */
	ck_assert_int_eq(vvu_virtio_queue(&io, NQ, &vq, &qoff, &why), -ENODEV);
}
END_TEST

START_TEST(reset_never_completes)
{
	md.reset_stuck = 1;
	ck_assert_int_eq(vvu_virtio_begin(&io, WANT, 2, &why), -EIO);
	ck_assert_uint_eq(md.delays, VVU_RESET_WAIT_MS);
	ck_assert_int_eq(vvu_virtio_reset(&io), -EIO);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vp_vvu_virtio");
	TCase *tc = tcase_create("virtio");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, good_bring_up);
	tcase_add_test(tc, device_lacks_features);
	tcase_add_test(tc, features_ok_refused);
	tcase_add_test(tc, too_few_queues);
	tcase_add_test(tc, queue_absent_or_short);
	tcase_add_test(tc, reset_never_completes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
