// SPDX-License-Identifier: MIT
/*
 * Lab 03, step 5: the lock-free single-producer single-consumer queue that
 * the chapter's "Lock-free queues" sidebar names, in the style of the
 * kernel's kfifo: free-running positions, each written by one thread only,
 * and one release/acquire pair in each direction. ring.h draws the
 * diagram; docs/labs/03-ring-buffer.md explains it.
 *
 * Every TODO(lab03) returns -ENOSYS until you write it.
 */
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab_annotate.h"

/* Given: checks, allocates, and places both positions at start. */
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
	q->cons_seen = start; /* for step 5b, if you take it */
	q->prod_seen = start;
	/* Helgrind and DRD do not know C11 atomics: the positions are
	 * synchronisation words, not data. Keep these two lines. */
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

/* The slot of position pos: only here is a position masked. Given. */
static uint8_t *slot(const struct ring_spsc *q, uint32_t pos)
{
	return q->slots + (size_t)(pos & q->mask) * q->elem_size;
}

/*
 * TODO(lab03) step 5: push.
 *
 * Read your own prod_pos and the consumer's cons_pos. The ring is full
 * when prod_pos - cons_pos (unsigned: right even after the wrap) equals the
 * capacity: return -EAGAIN. Otherwise copy the element into slot(q,
 * prod_pos) and publish it by storing prod_pos + 1. Choose each memory
 * order and write next to it what it publishes or observes and which
 * operation in ring_pop_spsc() is its partner.
 *
 * For Helgrind and DRD, which do not understand atomics: put
 * LAB_HAPPENS_AFTER(&q->cons_pos) between the full check and the copy,
 * and LAB_HAPPENS_BEFORE(&q->prod_pos) between the copy and the store.
 *
 * Step 5b, once the checks pass (optional, for speed): read cons_pos only
 * when the copy in q->cons_seen says the ring is full, and keep what you
 * read there (ring.h says why that is safe); LAB_HAPPENS_AFTER then goes
 * right after that load. Run `make bench-lab 3 SRC=labs` before and after.
 */
int ring_push_spsc(struct ring_spsc *q, const void *elem)
{
	(void)q;
	(void)elem;
	(void)slot;
	return -ENOSYS;
}

/*
 * TODO(lab03) step 5: pop, the mirror image: -EAGAIN when the positions
 * are equal; else copy slot(q, cons_pos) out and store cons_pos + 1.
 * LAB_HAPPENS_AFTER(&q->prod_pos) before the copy,
 * LAB_HAPPENS_BEFORE(&q->cons_pos) after it. Step 5b: q->prod_seen.
 */
int ring_pop_spsc(struct ring_spsc *q, void *elem)
{
	(void)q;
	(void)elem;
	return -ENOSYS;
}
