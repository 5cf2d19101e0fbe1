// SPDX-License-Identifier: MIT
/*
 * Lab 03, reference solution: the chapter's single-threaded RingBuffer
 * (ch6-ring-buffer/ring-buffer.js, parts 1 to 3). head, tail and length live
 * in a separate meta block so that ring_shared.c can put them in shared
 * memory; this file takes no lock and knows nothing about threads.
 */
#include "ring.h"

#include <string.h>

void ring_attach(struct ring *r, struct ring_meta *meta, uint8_t *buffer,
		 uint32_t size)
{
	r->meta = meta;
	r->buffer = buffer;
	r->size = size;
}

void ring_init(struct ring *r, struct ring_meta *meta, uint8_t *buffer,
	       uint32_t size)
{
	ring_attach(r, meta, buffer, size);
	meta->head = 0;
	meta->tail = 0;
	meta->length = 0;
}

/*
 * The index n bytes after pos, wrapped to [0, size). Written without pos + n
 * so that it cannot overflow even for a ring of nearly 4 GiB, and with no
 * division. The chapter wraps only in its split branches, which leaves head
 * or tail equal to the size after an exact fit; wrapping every time keeps
 * the invariant 0 <= index < size simple.
 */
static uint32_t advance(const struct ring *r, uint32_t pos, uint32_t n)
{
	uint32_t to_end = r->size - pos;

	return n < to_end ? pos + n : n - to_end;
}

/* Copy buffer[start, end) to out, like the chapter's slice(start, end):
 * nothing at all when end <= start. */
static void slice(const struct ring *r, uint32_t start, uint32_t end,
		  uint8_t *out)
{
	if (end > start)
		memcpy(out, r->buffer + start, end - start);
}

ssize_t ring_write(struct ring *r, const void *data, size_t n)
{
	struct ring_meta *m = r->meta;
	const uint8_t *src = data;
	uint32_t room = r->size - m->length;
	uint32_t count = n < room ? (uint32_t)n : room;
	uint32_t to_end = r->size - m->head;

	if (count == 0)
		return 0;
	/* The chapter tests head against tail to find contiguous room; since
	 * count <= room, "fits before the end" says the same thing. */
	if (count <= to_end) {
		memcpy(r->buffer + m->head, src, count);
	} else {
		/* Split in two: up to the end, then the rest at the start. */
		memcpy(r->buffer + m->head, src, to_end);
		memcpy(r->buffer, src + to_end, count - to_end);
	}
	m->head = advance(r, m->head, count);
	m->length += count;
	return count;
}

ssize_t ring_read(struct ring *r, void *out, size_t n)
{
	struct ring_meta *m = r->meta;
	uint8_t *dst = out;
	uint32_t count = n < m->length ? (uint32_t)n : m->length;
	uint32_t to_end = r->size - m->tail;

	if (count == 0)
		return 0;
	if (count <= to_end) {
		/* Contiguous. slice() takes an end index, not a length: the
		 * chapter's slice(this.tail, bytes) passes the length and
		 * returns the wrong bytes whenever tail is not 0. */
		slice(r, m->tail, m->tail + count, dst);
	} else {
		/* From tail to the end, then from the start. */
		slice(r, m->tail, r->size, dst);
		slice(r, 0, count - to_end, dst + to_end);
	}
	m->tail = advance(r, m->tail, count);
	m->length -= count;
	return count;
}
