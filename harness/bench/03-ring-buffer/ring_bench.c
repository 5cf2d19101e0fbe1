// SPDX-License-Identifier: MIT
/*
 * Lab 03 benchmarks: one producer thread and one consumer thread move data
 * through a queue.
 *
 *   spsc/...   8-byte elements through a queue of 1024: the lab's lock-free
 *              ring_spsc against its mutex-guarded ring_shared (the lab-02
 *              mutex), Concurrency Kit's ck_ring (SPSC), liburcu's wfcqueue
 *              and, for information, the lab's ring_mpmc and the chapter's
 *              ring under a pthread_mutex_t.
 *   bytes/...  4 KiB chunks through 64 KiB of ring: the chapter's byte ring
 *              shared under the lock, and ring_spsc with 4 KiB elements,
 *              against memcpy of the same bytes in one thread (and, for
 *              information, memcpy through buffers larger than the caches).
 *
 * Thread 0 produces, thread 1 consumes, each for the iterations the library
 * gives it (the same number for both), one element or chunk per iteration.
 * A full or empty queue is waited out with bench_backoff(), the same for
 * every queue. The consumer checks what arrives (the sequence of elements;
 * two bytes of each chunk and the whole last one), so a broken queue shows
 * as an error instead of a fast figure.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ck_ring.h>
#include <urcu/wfcqueue.h>

#include "bench.h"
#include "bench_util.h"
#include "ring.h"

#define QUEUE_SLOTS 1024u     /* elements in every spsc/ queue */
#define CHUNK 4096u	      /* bytes per bytes/ iteration */
#define BYTE_RING (64u << 10) /* bytes of ring in the bytes/ cases */

/* Set by whichever side meets an error, so that the other stops waiting. */
static atomic_bool failed;

/* Report a lab call's error on this thread and tell the other thread. */
static void fail(struct bench_state *s, const char *what, long rc)
{
	atomic_store_explicit(&failed, true, memory_order_relaxed);
	bench_fail_errno(s, what, rc);
}

/* Wait after a full or empty queue; false if the other side failed. */
static bool wait_more(struct bench_state *s, unsigned *spins)
{
	if (atomic_load_explicit(&failed, memory_order_relaxed)) {
		bench_skip_with_error(s, "the other thread failed");
		return false;
	}
	bench_backoff(spins);
	return true;
}

/* ---- the candidates, as push/pop of one 8-byte element ------------------- */

/* Each returns 0, -EAGAIN (full or empty: try again) or another error. */

static struct ring_spsc lab_q;
static int lab_push(uint64_t v)
{
	return ring_push_spsc(&lab_q, &v);
}
static int lab_pop(uint64_t *v)
{
	return ring_pop_spsc(&lab_q, v);
}

static struct ring_mpmc mpmc_q;
static int mpmc_push(uint64_t v)
{
	return ring_push_mpmc(&mpmc_q, &v);
}
static int mpmc_pop(uint64_t *v)
{
	return ring_pop_mpmc(&mpmc_q, v);
}

static alignas(64) uint8_t
    shared_region[RING_SHARED_SIZE(QUEUE_SLOTS * sizeof(uint64_t))];
static struct ring_shared shared_q;
static int shared_push(uint64_t v)
{
	return ring_shared_try_write_all(&shared_q, &v, sizeof(v));
}
static int shared_pop(uint64_t *v)
{
	return ring_shared_try_read_all(&shared_q, v, sizeof(*v));
}

/* The chapter's single-threaded ring (the lab's struct ring) under a
 * pthread_mutex_t instead of the lab-02 mutex: the mutex ring as it would be
 * with a lock that sleeps at once instead of spinning first. */
static pthread_mutex_t pr_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ring pr_ring;
static struct ring_meta pr_meta;
static uint8_t pr_bytes[QUEUE_SLOTS * sizeof(uint64_t)];
static int pr_push(uint64_t v)
{
	ssize_t n = -EAGAIN;

	pthread_mutex_lock(&pr_lock);
	if (pr_ring.size - pr_meta.length >= sizeof(v))
		n = ring_write(&pr_ring, &v, sizeof(v));
	pthread_mutex_unlock(&pr_lock);
	return n == sizeof(v) ? 0 : n < 0 ? (int)n : -EIO;
}
static int pr_pop(uint64_t *v)
{
	ssize_t n = -EAGAIN;

	pthread_mutex_lock(&pr_lock);
	if (pr_meta.length >= sizeof(*v))
		n = ring_read(&pr_ring, v, sizeof(*v));
	pthread_mutex_unlock(&pr_lock);
	return n == sizeof(*v) ? 0 : n < 0 ? (int)n : -EIO;
}
static int pr_setup(void)
{
	ring_init(&pr_ring, &pr_meta, pr_bytes, sizeof(pr_bytes));
	return 0;
}

/* ck_ring of n slots holds n - 1 pointers; the value is the pointer. */
static struct ck_ring ck_q;
static struct ck_ring_buffer ck_slots[QUEUE_SLOTS];
static int ck_push(uint64_t v)
{
	return ck_ring_enqueue_spsc(&ck_q, ck_slots, (void *)(uintptr_t)v)
		   ? 0
		   : -EAGAIN;
}
static int ck_pop(uint64_t *v)
{
	void *p;

	if (!ck_ring_dequeue_spsc(&ck_q, ck_slots, &p))
		return -EAGAIN;
	*v = (uintptr_t)p;
	return 0;
}

/*
 * wfcqueue is an unbounded linked list of nodes the caller owns. To bound
 * it like the rings, the producer recycles QUEUE_SLOTS nodes and waits
 * until the consumer has counted a node as consumed before reusing it.
 */
struct wnode {
	struct cds_wfcq_node node;
	uint64_t value;
};
static struct cds_wfcq_head wq_head;
static struct cds_wfcq_tail wq_tail;
static struct wnode wq_nodes[QUEUE_SLOTS];
static uint64_t wq_produced;			 /* producer only */
static alignas(64) _Atomic uint64_t wq_consumed; /* written by consumer */

static int wq_push(uint64_t v)
{
	/* Acquire pairs with the release in wq_pop(): the consumer is done
	 * with the node we are about to reuse. */
	if (wq_produced -
		atomic_load_explicit(&wq_consumed, memory_order_acquire) >=
	    QUEUE_SLOTS)
		return -EAGAIN;
	struct wnode *n = &wq_nodes[wq_produced % QUEUE_SLOTS];
	cds_wfcq_node_init(&n->node);
	n->value = v;
	cds_wfcq_enqueue(&wq_head, &wq_tail, &n->node);
	wq_produced++;
	return 0;
}

static int wq_pop(uint64_t *v)
{
	/* One consumer: the caller-excluded __ form is allowed. */
	struct cds_wfcq_node *qn =
	    __cds_wfcq_dequeue_blocking(&wq_head, &wq_tail);

	if (!qn)
		return -EAGAIN;
	*v = caa_container_of(qn, struct wnode, node)->value;
	/* Relaxed load: only the consumer writes wq_consumed. Release: see
	 * wq_push(). */
	atomic_store_explicit(
	    &wq_consumed,
	    atomic_load_explicit(&wq_consumed, memory_order_relaxed) + 1,
	    memory_order_release);
	return 0;
}

/* ---- the element loop, shared by every spsc/ case ------------------------ */

/* Inlined into each case, so push and pop are direct calls. */
static inline __attribute__((always_inline)) void
spsc_loop(struct bench_state *s, int (*push)(uint64_t), int (*pop)(uint64_t *))
{
	unsigned spins = 0;
	uint64_t seq = 0, got;
	bool in_order = true;
	int rc;

	if (bench_thread_index(s) == 0) {
		while (bench_keep_running(s)) {
			while ((rc = push(seq)) == -EAGAIN)
				if (!wait_more(s, &spins))
					return;
			if (rc != 0) {
				fail(s, "push", rc);
				return;
			}
			spins = 0;
			seq++;
		}
		return;
	}
	while (bench_keep_running(s)) {
		while ((rc = pop(&got)) == -EAGAIN)
			if (!wait_more(s, &spins))
				return;
		if (rc != 0) {
			fail(s, "pop", rc);
			return;
		}
		spins = 0;
		in_order &= got == seq++;
	}
	bench_items_processed(s, bench_iterations(s));
	if (!in_order)
		bench_skip_with_error(s, "elements came out of order");
}

/* Set-up and tear-down run in thread 0 only, before the start barrier and
 * after the stop barrier: no other thread touches the queue then. */
#define SPSC_CASE(tag, setup, teardown)                                        \
	static void bm_spsc_##tag(struct bench_state *s)                       \
	{                                                                      \
		int rc_ = 0;                                                   \
		if (bench_thread_index(s) == 0) {                              \
			atomic_store(&failed, false);                          \
			rc_ = (setup);                                         \
			if (rc_ != 0) {                                        \
				fail(s, #setup, rc_);                          \
				return;                                        \
			}                                                      \
		}                                                              \
		spsc_loop(s, tag##_push, tag##_pop);                           \
		if (bench_thread_index(s) == 0)                                \
			teardown;                                              \
	}

static int wq_setup(void)
{
	cds_wfcq_init(&wq_head, &wq_tail);
	wq_produced = 0;
	atomic_store(&wq_consumed, 0);
	return 0;
}

static int ck_setup(void)
{
	ck_ring_init(&ck_q, QUEUE_SLOTS);
	return 0;
}

SPSC_CASE(lab, ring_spsc_init(&lab_q, QUEUE_SLOTS, sizeof(uint64_t)),
	  ring_spsc_destroy(&lab_q))
SPSC_CASE(mpmc, ring_mpmc_init(&mpmc_q, QUEUE_SLOTS, sizeof(uint64_t)),
	  ring_mpmc_destroy(&mpmc_q))
SPSC_CASE(shared,
	  ring_shared_init(&shared_q, shared_region, sizeof(shared_region)),
	  ring_shared_destroy(&shared_q))
SPSC_CASE(pr, pr_setup(), (void)0)
SPSC_CASE(ck, ck_setup(), (void)0)
SPSC_CASE(wq, wq_setup(), cds_wfcq_destroy(&wq_head, &wq_tail))

/* ---- bytes: 4 KiB chunks --------------------------------------------------
 */

static alignas(64) uint8_t src_bytes[BYTE_RING];
static alignas(64) uint8_t dst_bytes[BYTE_RING];

static uint8_t pattern(size_t k)
{
	return (uint8_t)(k * 7 + 1);
}

static void fill_source(void)
{
	for (size_t k = 0; k < sizeof(src_bytes); k++)
		src_bytes[k] = pattern(k);
}

static alignas(64) uint8_t byte_region[RING_SHARED_SIZE(BYTE_RING)];
static struct ring_shared byte_ring;
static struct ring_spsc chunk_q;

/* Move one chunk with the chapter's write(): as much as fits, again. */
static long shared_put_chunk(const uint8_t *chunk)
{
	size_t done = 0;
	unsigned spins = 0;

	while (done < CHUNK) {
		ssize_t n =
		    ring_shared_write(&byte_ring, chunk + done, CHUNK - done);
		if (n < 0)
			return n;
		done += (size_t)n;
		if (n > 0)
			spins = 0;
		else if (atomic_load_explicit(&failed, memory_order_relaxed))
			return -ECANCELED;
		else
			bench_backoff(&spins);
	}
	return 0;
}

static long shared_get_chunk(uint8_t *chunk)
{
	size_t done = 0;
	unsigned spins = 0;

	while (done < CHUNK) {
		ssize_t n =
		    ring_shared_read(&byte_ring, chunk + done, CHUNK - done);
		if (n < 0)
			return n;
		done += (size_t)n;
		if (n > 0)
			spins = 0;
		else if (atomic_load_explicit(&failed, memory_order_relaxed))
			return -ECANCELED;
		else
			bench_backoff(&spins);
	}
	return 0;
}

static long spsc_put_chunk(const uint8_t *chunk)
{
	unsigned spins = 0;
	int rc;

	while ((rc = ring_push_spsc(&chunk_q, chunk)) == -EAGAIN) {
		if (atomic_load_explicit(&failed, memory_order_relaxed))
			return -ECANCELED;
		bench_backoff(&spins);
	}
	return rc;
}

static long spsc_get_chunk(uint8_t *chunk)
{
	unsigned spins = 0;
	int rc;

	while ((rc = ring_pop_spsc(&chunk_q, chunk)) == -EAGAIN) {
		if (atomic_load_explicit(&failed, memory_order_relaxed))
			return -ECANCELED;
		bench_backoff(&spins);
	}
	return rc;
}

static inline __attribute__((always_inline)) void
chunk_loop(struct bench_state *s, long (*put)(const uint8_t *),
	   long (*get)(uint8_t *))
{
	bool intact = true;
	long rc;

	if (bench_thread_index(s) == 0) {
		while (bench_keep_running(s))
			if ((rc = put(src_bytes)) != 0) {
				fail(s, "writing a chunk", rc);
				return;
			}
		return;
	}
	while (bench_keep_running(s)) {
		if ((rc = get(dst_bytes)) != 0) {
			fail(s, "reading a chunk", rc);
			return;
		}
		intact &= dst_bytes[0] == pattern(0) &&
			  dst_bytes[CHUNK - 1] == pattern(CHUNK - 1);
	}
	intact &= memcmp(dst_bytes, src_bytes, CHUNK) == 0;
	bench_bytes_processed(s, bench_iterations(s) * (int64_t)CHUNK);
	if (!intact)
		bench_skip_with_error(s, "a chunk arrived damaged");
}

static void bm_bytes_shared(struct bench_state *s)
{
	if (bench_thread_index(s) == 0) {
		int rc = ring_shared_init(&byte_ring, byte_region,
					  sizeof(byte_region));
		atomic_store(&failed, false);
		fill_source();
		if (rc != 0) {
			fail(s, "ring_shared_init", rc);
			return;
		}
	}
	chunk_loop(s, shared_put_chunk, shared_get_chunk);
	if (bench_thread_index(s) == 0)
		ring_shared_destroy(&byte_ring);
}

static void bm_bytes_spsc(struct bench_state *s)
{
	if (bench_thread_index(s) == 0) {
		int rc = ring_spsc_init(&chunk_q, BYTE_RING / CHUNK, CHUNK);
		atomic_store(&failed, false);
		fill_source();
		if (rc != 0) {
			fail(s, "ring_spsc_init", rc);
			return;
		}
	}
	chunk_loop(s, spsc_put_chunk, spsc_get_chunk);
	if (bench_thread_index(s) == 0)
		ring_spsc_destroy(&chunk_q);
}

/* The yardstick: the same chunks copied once, by one thread, between two
 * 64 KiB buffers (as much memory as the ring cases touch). */
static void bm_bytes_memcpy(struct bench_state *s)
{
	size_t off = 0;

	fill_source();
	while (bench_keep_running(s)) {
		memcpy(dst_bytes + off, src_bytes + off, CHUNK);
		bench_clobber_memory();
		off = (off + CHUNK) % BYTE_RING;
	}
	bench_bytes_processed(s, bench_iterations(s) * (int64_t)CHUNK);
}

/* The same copies through buffers far larger than the caches (2 x 32 MiB):
 * memory bandwidth, for comparison only. */
#define DRAM_BYTES (32u << 20)

static void bm_bytes_memcpy_dram(struct bench_state *s)
{
	uint8_t *from = aligned_alloc(64, DRAM_BYTES);
	uint8_t *to = aligned_alloc(64, DRAM_BYTES);
	size_t off = 0;

	if (!from || !to) {
		free(from);
		free(to);
		bench_skip_with_error(s, "out of memory");
		return;
	}
	memset(from, 1, DRAM_BYTES);
	memset(to, 2, DRAM_BYTES);
	while (bench_keep_running(s)) {
		memcpy(to + off, from + off, CHUNK);
		bench_clobber_memory();
		off = (off + CHUNK) % DRAM_BYTES;
	}
	bench_bytes_processed(s, bench_iterations(s) * (int64_t)CHUNK);
	free(from);
	free(to);
}

BENCH_CASES(ring_cases)
{
	static const struct {
		const char *name;
		void (*fn)(struct bench_state *);
		int threads;
	} cases[] = {
	    {"ring/spsc/lab", bm_spsc_lab, 2},
	    {"ring/spsc/mutex_ring", bm_spsc_shared, 2},
	    {"ring/spsc/pthread_ring", bm_spsc_pr, 2},
	    {"ring/spsc/ck_ring", bm_spsc_ck, 2},
	    {"ring/spsc/urcu_wfcqueue", bm_spsc_wq, 2},
	    {"ring/spsc/lab_mpmc", bm_spsc_mpmc, 2},
	    {"ring/bytes/shared_ring", bm_bytes_shared, 2},
	    {"ring/bytes/spsc_4k", bm_bytes_spsc, 2},
	    {"ring/bytes/memcpy", bm_bytes_memcpy, 1},
	    {"ring/bytes/memcpy_dram", bm_bytes_memcpy_dram, 1},
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		bench_threads(
		    bench_real_time(bench_register(cases[k].name, cases[k].fn)),
		    cases[k].threads);
}
