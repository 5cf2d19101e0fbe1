// SPDX-License-Identifier: MIT
/*
 * Lab 03, step 6 (extension): a bounded multi-producer multi-consumer queue
 * after Dmitry Vyukov's design. Every slot carries a sequence number saying
 * whose turn it is; producers and consumers claim positions with a
 * compare-and-swap and hand each slot over with one release/acquire pair on
 * its sequence number (ring.h draws the diagram).
 *
 * Every TODO(lab03) returns -ENOSYS until you write it.
 */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab_annotate.h"

struct mpmc_slot {
	_Atomic uint32_t seq;
	/* then elem_size bytes of element, at offset MPMC_ELEM */
};

/* Elements start 8 bytes in, so an element of 8-byte values is aligned. */
#define MPMC_ELEM 8u

static struct mpmc_slot *slot(const struct ring_mpmc *q, uint32_t pos)
{
	return (struct mpmc_slot *)(q->slots +
				    (size_t)(pos & q->mask) * q->stride);
}

static uint8_t *elem_of(struct mpmc_slot *s)
{
	return (uint8_t *)s + MPMC_ELEM;
}

/* Given: checks, allocates, and gives position p's slot seq == p. */
int ring_mpmc_init_at(struct ring_mpmc *q, uint32_t capacity,
		      uint32_t elem_size, uint32_t start)
{
	size_t stride, bytes;

	if (capacity < 2 || capacity > RING_MAX_CAPACITY ||
	    (capacity & (capacity - 1)) != 0 || elem_size == 0 ||
	    elem_size > UINT32_MAX - 2 * MPMC_ELEM)
		return -EINVAL;
	stride = (MPMC_ELEM + (size_t)elem_size + 7) & ~(size_t)7;
	bytes = (size_t)capacity * stride;
	bytes = (bytes + RING_CACHELINE - 1) & ~(size_t)(RING_CACHELINE - 1);
	q->slots = aligned_alloc(RING_CACHELINE, bytes);
	if (!q->slots)
		return -ENOMEM;
	q->mask = capacity - 1;
	q->elem_size = elem_size;
	q->stride = (uint32_t)stride;
	/* Relaxed, here and below: nobody else may use q until init returns
	 * and the caller publishes it. */
	for (uint32_t i = 0; i < capacity; i++) {
		struct mpmc_slot *s = slot(q, start + i);

		atomic_store_explicit(&s->seq, start + i, memory_order_relaxed);
		LAB_VG_SYNC_WORD(&s->seq, sizeof(s->seq));
	}
	atomic_store_explicit(&q->prod_pos, start, memory_order_relaxed);
	atomic_store_explicit(&q->cons_pos, start, memory_order_relaxed);
	LAB_VG_SYNC_WORD(&q->prod_pos, sizeof(q->prod_pos));
	LAB_VG_SYNC_WORD(&q->cons_pos, sizeof(q->cons_pos));
	return 0;
}

int ring_mpmc_init(struct ring_mpmc *q, uint32_t capacity, uint32_t elem_size)
{
	return ring_mpmc_init_at(q, capacity, elem_size, 0);
}

void ring_mpmc_destroy(struct ring_mpmc *q)
{
	free(q->slots);
	q->slots = NULL;
}

/*
 * TODO(lab03) step 6: push. Loop: read prod_pos (pos), then the seq of
 * slot(q, pos). diff = (int32_t)(seq - pos). If 0, the slot is free: try to
 * claim pos with a compare-and-swap of prod_pos from pos to pos + 1 (on
 * failure the CAS tells you the new pos; look again). If negative, the
 * ring is full: -EAGAIN. If positive, another producer got there first:
 * reread prod_pos. Once claimed, copy the element to elem_of(slot) and
 * publish it by storing seq = pos + 1. Comment every memory order with its
 * partner. For Helgrind and DRD: LAB_HAPPENS_AFTER(&s->seq) before the
 * copy, LAB_HAPPENS_BEFORE(&s->seq) after it.
 */
int ring_push_mpmc(struct ring_mpmc *q, const void *elem)
{
	(void)q;
	(void)elem;
	(void)slot;
	(void)elem_of;
	return -ENOSYS;
}

/*
 * TODO(lab03) step 6: pop, the mirror image: the slot at pos is full when
 * seq == pos + 1; claim pos on cons_pos; copy out; then hand the slot to
 * the next lap's producer with seq = pos + capacity.
 */
int ring_pop_mpmc(struct ring_mpmc *q, void *elem)
{
	(void)q;
	(void)elem;
	return -ENOSYS;
}
