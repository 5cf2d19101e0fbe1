// SPDX-License-Identifier: MIT
/*
 * Lab 03, reference solution: the chapter's SharedRingBuffer (part 4). One
 * region holds the lab-02 lock word, the ring's head, tail and length, and
 * the data (ring.h draws the table); each call is the single-threaded
 * ring_write() or ring_read() run as a critical section by mutex_exec(), as
 * the chapter wraps its calls in lock.exec().
 */
#include "ring.h"

#include <errno.h>

/* A region holds the header and at least one byte, and a capacity that
 * fits the uint32_t fields. */
static int check_region(const void *region, size_t region_size)
{
	if (!region || (uintptr_t)region % alignof(struct ring_region) != 0)
		return -EINVAL;
	if (region_size <= RING_SHARED_HEADER ||
	    region_size - RING_SHARED_HEADER > UINT32_MAX)
		return -EINVAL;
	return 0;
}

int ring_shared_attach(struct ring_shared *sr, void *region, size_t region_size)
{
	struct ring_region *rg = region;
	int rc = check_region(region, region_size);

	if (rc < 0)
		return rc;
	sr->lock = &rg->lock;
	ring_attach(&sr->ring, &rg->meta, rg->data,
		    (uint32_t)(region_size - RING_SHARED_HEADER));
	return 0;
}

int ring_shared_init(struct ring_shared *sr, void *region, size_t region_size)
{
	struct ring_region *rg = region;
	int rc = ring_shared_attach(sr, region, region_size);

	if (rc < 0)
		return rc;
	mutex_init(&rg->lock);
	ring_init(&sr->ring, &rg->meta, rg->data, sr->ring.size);
	return 0;
}

void ring_shared_destroy(struct ring_shared *sr)
{
	mutex_destroy(sr->lock);
}

/*
 * mutex_exec() runs an int (*)(void *); these carry a call's arguments in
 * and its result out, as the chapter's arrow functions capture theirs.
 */
struct ring_call {
	struct ring *ring;
	const void *in;
	void *out;
	size_t n;
	ssize_t result;
};

static int write_section(void *arg)
{
	struct ring_call *c = arg;

	c->result = ring_write(c->ring, c->in, c->n);
	return 0;
}

static int read_section(void *arg)
{
	struct ring_call *c = arg;

	c->result = ring_read(c->ring, c->out, c->n);
	return 0;
}

/* All or nothing: the free room is checked and used in one section, so no
 * other writer can take part of it in between. */
static int write_all_section(void *arg)
{
	struct ring_call *c = arg;
	const struct ring *r = c->ring;

	if (c->n > r->size - r->meta->length)
		return -EAGAIN;
	c->result = ring_write(c->ring, c->in, c->n);
	return c->result < 0 ? (int)c->result : 0;
}

static int read_all_section(void *arg)
{
	struct ring_call *c = arg;

	if (c->n > c->ring->meta->length)
		return -EAGAIN;
	c->result = ring_read(c->ring, c->out, c->n);
	return c->result < 0 ? (int)c->result : 0;
}

ssize_t ring_shared_write(struct ring_shared *sr, const void *data, size_t n)
{
	struct ring_call c = {.ring = &sr->ring, .in = data, .n = n};
	int rc = mutex_exec(sr->lock, write_section, &c);

	return rc < 0 ? rc : c.result;
}

ssize_t ring_shared_read(struct ring_shared *sr, void *out, size_t n)
{
	struct ring_call c = {.ring = &sr->ring, .out = out, .n = n};
	int rc = mutex_exec(sr->lock, read_section, &c);

	return rc < 0 ? rc : c.result;
}

int ring_shared_try_write_all(struct ring_shared *sr, const void *data,
			      size_t n)
{
	struct ring_call c = {.ring = &sr->ring, .in = data, .n = n};

	if (n > sr->ring.size)
		return -EMSGSIZE;
	return mutex_exec(sr->lock, write_all_section, &c);
}

int ring_shared_try_read_all(struct ring_shared *sr, void *out, size_t n)
{
	struct ring_call c = {.ring = &sr->ring, .out = out, .n = n};

	if (n > sr->ring.size)
		return -EMSGSIZE;
	return mutex_exec(sr->lock, read_all_section, &c);
}
