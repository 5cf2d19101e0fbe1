// SPDX-License-Identifier: MIT
/*
 * Lab 03, reference solution, extension: a bounded multi-producer
 * multi-consumer queue after Dmitry Vyukov's design. Every slot carries a
 * sequence number saying whose turn it is; producers and consumers claim
 * positions with a compare-and-swap and hand each slot over with one
 * release/acquire pair on its sequence number (ring.h draws the diagram).
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
	 * and the caller publishes it. Position p's slot starts out free
	 * for the producer that claims p: seq == p. */
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
 * Claim the position whose slot reads seq == pos + ready (ready is 0 for a
 * producer, 1 for a consumer) by moving *claim from pos to pos + 1. Returns
 * the claimed slot, or NULL if the slot at the claim position is not ready
 * yet: full for a producer, empty for a consumer.
 */
static struct mpmc_slot *claim_slot(const struct ring_mpmc *q,
				    _Atomic uint32_t *claim, uint32_t ready,
				    uint32_t *pos_out)
{
	/* Relaxed: only a guess; the compare-and-swap below checks it. */
	uint32_t pos = atomic_load_explicit(claim, memory_order_relaxed);

	for (;;) {
		struct mpmc_slot *s = slot(q, pos);
		/* Acquire pairs with the release store of seq in
		 * ring_push_mpmc() or ring_pop_mpmc(): whoever had the slot
		 * before us is done with it. */
		uint32_t seq =
		    atomic_load_explicit(&s->seq, memory_order_acquire);
		int32_t diff = (int32_t)(seq - (pos + ready));

		if (diff == 0) {
			/* Relaxed: the claim orders nothing itself; the
			 * slot's seq carries the element. On failure pos
			 * gets the current value and we look again. */
			if (atomic_compare_exchange_weak_explicit(
				claim, &pos, pos + 1, memory_order_relaxed,
				memory_order_relaxed)) {
				*pos_out = pos;
				return s;
			}
		} else if (diff < 0) {
			return NULL; /* still the previous lap's turn */
		} else {
			/* Another thread claimed pos since we read it. */
			pos = atomic_load_explicit(claim, memory_order_relaxed);
		}
	}
}

int ring_push_mpmc(struct ring_mpmc *q, const void *elem)
{
	uint32_t pos;
	struct mpmc_slot *s = claim_slot(q, &q->prod_pos, 0, &pos);

	if (!s)
		return -EAGAIN;
	LAB_HAPPENS_AFTER(&s->seq);
	memcpy(elem_of(s), elem, q->elem_size);
	LAB_HAPPENS_BEFORE(&s->seq);
	/* Publish. Pairs with the acquire load in claim_slot() of the
	 * consumer that claims pos: it sees the whole element. */
	atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
	return 0;
}

int ring_pop_mpmc(struct ring_mpmc *q, void *elem)
{
	uint32_t pos;
	struct mpmc_slot *s = claim_slot(q, &q->cons_pos, 1, &pos);

	if (!s)
		return -EAGAIN;
	LAB_HAPPENS_AFTER(&s->seq);
	memcpy(elem, elem_of(s), q->elem_size);
	LAB_HAPPENS_BEFORE(&s->seq);
	/* Hand the slot to the next lap's producer. Pairs with the acquire
	 * load in claim_slot() of the producer that claims pos + capacity:
	 * our copy out happens before it writes over the slot. */
	atomic_store_explicit(&s->seq, pos + q->mask + 1, memory_order_release);
	return 0;
}
