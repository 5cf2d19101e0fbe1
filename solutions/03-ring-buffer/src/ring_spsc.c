// SPDX-License-Identifier: MIT
/*
 * Lab 03, reference solution: the lock-free single-producer single-consumer
 * queue that the chapter's "Lock-free queues" sidebar names. kfifo's design
 * with C11 atomics: free-running positions, one writer each, and one
 * release/acquire pair in each direction (ring.h draws the diagram). Each
 * side also keeps the other's position as it last saw it, and reads the
 * other's cache line only when that says full or empty.
 */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab_annotate.h"

int ring_spsc_init_at(struct ring_spsc *q, uint32_t capacity,
		      uint32_t elem_size, uint32_t start)
{
	size_t bytes;

	if (capacity == 0 || capacity > RING_MAX_CAPACITY ||
	    (capacity & (capacity - 1)) != 0 || elem_size == 0)
		return -EINVAL;
	bytes = (size_t)capacity * elem_size;
	/* aligned_alloc wants a multiple of the alignment. */
	bytes = (bytes + RING_CACHELINE - 1) & ~(size_t)(RING_CACHELINE - 1);
	q->slots = aligned_alloc(RING_CACHELINE, bytes);
	if (!q->slots)
		return -ENOMEM;
	q->mask = capacity - 1;
	q->elem_size = elem_size;
	/* Relaxed: nobody else may use q until init returns and the caller
	 * publishes it (pthread_create, for one). */
	atomic_store_explicit(&q->prod_pos, start, memory_order_relaxed);
	atomic_store_explicit(&q->cons_pos, start, memory_order_relaxed);
	q->cons_seen = start;
	q->prod_seen = start;
	/* Helgrind and DRD do not know C11 atomics: the positions are
	 * synchronisation words, not data; the edges they carry are told
	 * with LAB_HAPPENS_BEFORE/AFTER below. */
	LAB_VG_SYNC_WORD(&q->prod_pos, sizeof(q->prod_pos));
	LAB_VG_SYNC_WORD(&q->cons_pos, sizeof(q->cons_pos));
	return 0;
}

int ring_spsc_init(struct ring_spsc *q, uint32_t capacity, uint32_t elem_size)
{
	return ring_spsc_init_at(q, capacity, elem_size, 0);
}

void ring_spsc_destroy(struct ring_spsc *q)
{
	free(q->slots);
	q->slots = NULL;
}

/* The slot of position pos: only here is a position masked. */
static uint8_t *slot(const struct ring_spsc *q, uint32_t pos)
{
	return q->slots + (size_t)(pos & q->mask) * q->elem_size;
}

/*
 * Copy one element. memcpy() with a size the compiler knows becomes one
 * move; with the ring's run-time elem_size it is a call into the C library
 * that costs as much as the rest of a push. 8 bytes (a pointer, a
 * uint64_t) is the common case, so it gets its own constant-size copy.
 */
static inline void copy_elem(void *to, const void *from, uint32_t size)
{
	if (size == 8)
		memcpy(to, from, 8);
	else
		memcpy(to, from, size);
}

int ring_push_spsc(struct ring_spsc *q, const void *elem)
{
	/* Relaxed: only this thread writes prod_pos, so we are reading our
	 * own value. */
	uint32_t prod =
	    atomic_load_explicit(&q->prod_pos, memory_order_relaxed);

	/* Unsigned subtraction: the fill level, even across the wrap. By our
	 * last look at cons_pos the ring is full; look again. */
	if (prod - q->cons_seen > q->mask) {
		/* Acquire pairs with the release store in ring_pop_spsc():
		 * once we see the consumer's new position, its copy out of
		 * every slot before it is finished, and we may write over
		 * them. A relaxed load would let our copy into a slot race
		 * with the consumer's copy out of it. Slots freed before an
		 * older cons_seen were acquired by the load that read it. */
		q->cons_seen =
		    atomic_load_explicit(&q->cons_pos, memory_order_acquire);
		LAB_HAPPENS_AFTER(&q->cons_pos);
		if (prod - q->cons_seen > q->mask)
			return -EAGAIN;
	}
	copy_elem(slot(q, prod), elem, q->elem_size);
	LAB_HAPPENS_BEFORE(&q->prod_pos);
	/* Publish the slot. Pairs with the acquire load in ring_pop_spsc():
	 * a consumer that sees the new position also sees the element. */
	atomic_store_explicit(&q->prod_pos, prod + 1, memory_order_release);
	return 0;
}

int ring_pop_spsc(struct ring_spsc *q, void *elem)
{
	/* Relaxed: only this thread writes cons_pos. */
	uint32_t cons =
	    atomic_load_explicit(&q->cons_pos, memory_order_relaxed);

	/* Empty by our last look at prod_pos; look again. */
	if (q->prod_seen == cons) {
		/* Acquire pairs with the release store in ring_push_spsc():
		 * seeing the producer's position means seeing the elements
		 * before it. Elements before an older prod_seen were
		 * acquired by the load that read it. */
		q->prod_seen =
		    atomic_load_explicit(&q->prod_pos, memory_order_acquire);
		LAB_HAPPENS_AFTER(&q->prod_pos);
		if (q->prod_seen == cons)
			return -EAGAIN;
	}
	copy_elem(elem, slot(q, cons), q->elem_size);
	LAB_HAPPENS_BEFORE(&q->cons_pos);
	/* Free the slot. Pairs with the acquire load in ring_push_spsc(): our
	 * copy out happens before the producer writes over the slot. */
	atomic_store_explicit(&q->cons_pos, cons + 1, memory_order_release);
	return 0;
}
