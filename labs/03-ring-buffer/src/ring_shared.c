// SPDX-License-Identifier: MIT
/*
 * Lab 03, steps 3 and 4: the chapter's SharedRingBuffer (part 4). One
 * region holds your lab-02 lock word, the ring's head, tail and length, and
 * the data (ring.h draws the table); each call runs the single-threaded
 * ring_write() or ring_read() as a critical section, as the chapter wraps
 * its calls in lock.exec().
 *
 * This file links your labs/02-mutex: finish lab 02 first. Every
 * TODO(lab03) returns -ENOSYS until you write it.
 */
#include "ring.h"

#include <errno.h>

/* A region holds the header and at least one byte, and a capacity that
 * fits the uint32_t fields. Given. */
static int check_region(const void *region, size_t region_size)
{
	if (!region || (uintptr_t)region % alignof(struct ring_region) != 0)
		return -EINVAL;
	if (region_size <= RING_SHARED_HEADER ||
	    region_size - RING_SHARED_HEADER > UINT32_MAX)
		return -EINVAL;
	return 0;
}

/* The chapter's constructor, given an existing SharedArrayBuffer. Given. */
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

/* The constructor given a size: a fresh lock and an empty ring. Given. */
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
 * mutex_exec(m, fn, arg) runs an int (*fn)(void *arg) as a critical
 * section. The chapter passes an arrow function that captures its
 * arguments; in C, pass a pointer to a struct like this one, which carries
 * the arguments in and the result out.
 */
struct ring_call {
	struct ring *ring;
	const void *in;
	void *out;
	size_t n;
	ssize_t result;
};

/*
 * TODO(lab03) step 3: the chapter's write(data) { return
 * this.lock.exec(() => this.ringBuffer.write(data)); }. Write a small
 * callback that calls ring_write() with the struct's arguments, run it
 * with mutex_exec(sr->lock, ...), and return its count, or mutex_exec()'s
 * negative errno. Every access to head, tail, length and the data must
 * happen inside the lock.
 */
ssize_t ring_shared_write(struct ring_shared *sr, const void *data, size_t n)
{
	(void)sr;
	(void)data;
	(void)n;
	return -ENOSYS;
}

/* TODO(lab03) step 3: the chapter's read(bytes), the same way. */
ssize_t ring_shared_read(struct ring_shared *sr, void *out, size_t n)
{
	(void)sr;
	(void)out;
	(void)n;
	return -ENOSYS;
}

/*
 * TODO(lab03) step 4: all or nothing. -EMSGSIZE if n is more than the
 * capacity. Otherwise, inside ONE critical section, check that n bytes are
 * free (-EAGAIN, writing nothing, if not) and write them. Checking in one
 * section and writing in another would let another producer take the room
 * in between.
 */
int ring_shared_try_write_all(struct ring_shared *sr, const void *data,
			      size_t n)
{
	(void)sr;
	(void)data;
	(void)n;
	return -ENOSYS;
}

/* TODO(lab03) step 4: read exactly n bytes, or nothing and -EAGAIN. */
int ring_shared_try_read_all(struct ring_shared *sr, void *out, size_t n)
{
	(void)sr;
	(void)out;
	(void)n;
	return -ENOSYS;
}
