// SPDX-License-Identifier: MIT
/*
 * Lab 03, steps 1 and 2: the chapter's single-threaded RingBuffer
 * (ch6-ring-buffer/ring-buffer.js, parts 1 to 3). head, tail and length live
 * in a separate meta block so that ring_shared.c can later put them in
 * shared memory; this file takes no lock and knows nothing about threads.
 * ring.h says what each function must do; docs/labs/03-ring-buffer.md walks
 * through the steps.
 *
 * Every TODO(lab03) returns -ENOSYS until you write it, so the checks fail
 * with a message instead of hanging.
 */
#include "ring.h"

#include <errno.h>
#include <string.h>

/* The chapter's constructor. Given. */
void ring_attach(struct ring *r, struct ring_meta *meta, uint8_t *buffer,
		 uint32_t size)
{
	r->meta = meta;
	r->buffer = buffer;
	r->size = size;
}

/* A fresh ring: the chapter gets zeros from a new SharedArrayBuffer. Given. */
void ring_init(struct ring *r, struct ring_meta *meta, uint8_t *buffer,
	       uint32_t size)
{
	ring_attach(r, meta, buffer, size);
	meta->head = 0;
	meta->tail = 0;
	meta->length = 0;
}

/*
 * TODO(lab03) step 1: the chapter's write(data), part 2.
 *
 * Write min(n, free room) bytes at head, in one memcpy if they fit before
 * the end of the buffer, else in two: up to the end, then the rest at
 * index 0. Then move head on, wrapping it so that 0 <= head < size (the
 * chapter can leave head == size after an exact fit; do not), add to
 * length, and return the count. Beware of overflow if you compute
 * head + count for a ring of nearly 4 GiB.
 */
ssize_t ring_write(struct ring *r, const void *data, size_t n)
{
	(void)r;
	(void)data;
	(void)n;
	return -ENOSYS;
}

/*
 * TODO(lab03) step 2: the chapter's read(bytes), part 3.
 *
 * Copy min(n, length) bytes from tail into out (one memcpy, or two where
 * they wrap), move tail on with the same wrapping as head, take the count
 * off length and return it. Do not port the chapter's contiguous branch
 * as it stands: this.buffer.slice(this.tail, bytes) passes a length where
 * slice() wants an end index, so every read from a tail other than 0
 * returns the wrong bytes. The unit test
 * test_read_from_nonzero_tail_returns_the_right_bytes catches it.
 */
ssize_t ring_read(struct ring *r, void *out, size_t n)
{
	(void)r;
	(void)out;
	(void)n;
	return -ENOSYS;
}
