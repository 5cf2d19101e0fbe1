// SPDX-License-Identifier: MIT
/*
 * fuzz_ring.c - libFuzzer target: lab 03's ring as a carrier of messages,
 * the chapter's SharedRingBuffer (ring_shared_*) over a region of a size
 * the input picks, driven by a sequence of operations the input spells:
 *
 *   byte 0      capacity, 1 to 256 bytes
 *   then, per operation, one byte: low 2 bits the operation (write, read,
 *   write all or nothing, read exactly), the other 6 bits a length 0..63,
 *   or, for a write, that many bytes of payload taken from the input
 *
 * A model (a byte queue of the same capacity) says what must happen: a
 * write stores min(n, free) bytes, a read returns the oldest bytes in
 * order, try_write_all stores all n or nothing (-EAGAIN when they do not
 * fit, -EMSGSIZE when they never could), try_read_all likewise. Any
 * difference aborts: a message torn, reordered or duplicated at the wrap.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define MAX_CAP 256

struct model {
	uint8_t q[MAX_CAP];
	size_t head, len, cap;
};

static void model_put(struct model *m, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		m->q[(m->head + m->len++) % m->cap] = p[i];
}

static void model_take(struct model *m, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++, m->len--) {
		out[i] = m->q[m->head];
		m->head = (m->head + 1) % m->cap;
	}
}

static void op_write(struct ring_shared *sr, struct model *m,
		     const uint8_t *p, size_t n, int all)
{
	size_t room = m->cap - m->len;

	if (all) {
		int rc = ring_shared_try_write_all(sr, p, n);
		int want = n > m->cap ? -EMSGSIZE : n > room ? -EAGAIN : 0;

		if (rc != want)
			abort();
		if (rc == 0)
			model_put(m, p, n);
	} else {
		ssize_t rc = ring_shared_write(sr, p, n);
		size_t want = n < room ? n : room;

		if (rc < 0 || (size_t)rc != want)
			abort();
		model_put(m, p, want);
	}
}

static void op_read(struct ring_shared *sr, struct model *m, size_t n,
		    int all)
{
	uint8_t got[64], want[64];
	size_t k = n < m->len ? n : m->len;

	memset(got, 0xa5, sizeof(got));
	if (all) {
		int rc = ring_shared_try_read_all(sr, got, n);
		int w = n > m->cap ? -EMSGSIZE : n > m->len ? -EAGAIN : 0;

		if (rc != w)
			abort();
		if (rc != 0)
			return;
		k = n;
	} else {
		ssize_t rc = ring_shared_read(sr, got, n);

		if (rc < 0 || (size_t)rc != k)
			abort();
	}
	model_take(m, want, k);
	if (memcmp(got, want, k) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ring_shared sr;
	struct model m = {0};
	void *region;
	size_t pos = 1;

	if (size < 1)
		return 0;
	m.cap = (size_t)data[0] % MAX_CAP + 1;
	region = aligned_alloc(16, (RING_SHARED_SIZE(m.cap) + 15) & ~15ul);
	if (!region || ring_shared_init(&sr, region, RING_SHARED_SIZE(m.cap)))
		abort();
	while (pos < size) {
		unsigned op = data[pos] & 3;
		size_t n = data[pos++] >> 2;

		if (op == 0 || op == 2) {
			if (n > size - pos)
				n = size - pos;
			op_write(&sr, &m, data + pos, n, op == 2);
			pos += n;
		} else {
			op_read(&sr, &m, n, op == 3);
		}
	}
	ring_shared_destroy(&sr);
	free(region);
	return 0;
}
