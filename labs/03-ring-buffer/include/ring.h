/* SPDX-License-Identifier: MIT */
/*
 * ring.h - the chapter's ring buffer (ch6-ring-buffer/ring-buffer.js) in C,
 * the same ring shared under the lab-02 mutex, and two lock-free queues.
 *
 * A ring is an array that wraps: data goes in at head and comes out at
 * tail, and both indices go back to 0 when they pass the end. Nothing ever
 * moves. As in the chapter, struct ring keeps head, tail and length in a
 * small block of three uint32_t (the chapter's Uint32Array), apart from the
 * bytes, so that the same block can later sit in shared memory; length is
 * what tells a full ring (head == tail, length == size) from an empty one.
 * ring_write() stores as much as fits and ring_read() copies out as much as
 * is there: both may do less than asked, and say how much they did.
 *
 * struct ring_region is the chapter's SharedArrayBuffer(size + 16), one
 * contiguous block laid out like this:
 *
 *   offset  bytes  what                 the chapter's view of it
 *    0      4      lock word (mutex.h)  new Int32Array(shared, 0, 1)
 *    4      4      head                 new Uint32Array(shared, 4, 3)[0]
 *    8      4      tail                 ...[1]
 *   12      4      length               ...[2]
 *   16      size   the data             new Uint8Array(shared, 16)
 *
 * It may be plain memory shared by threads or MAP_SHARED memory shared by
 * processes after fork(). struct ring_shared is one user's handle on a
 * region, like the chapter's SharedRingBuffer object: every call runs the
 * single-threaded ring_write() or ring_read() as a critical section of the
 * region's lock, as the chapter's lock.exec() does.
 *
 * struct ring_spsc and struct ring_mpmc are the lock-free queues that the
 * chapter's sidebar only names. Their capacity is a power of two and their
 * positions are free-running uint32_t counters, masked only when a slot is
 * touched (as in the kernel's kfifo), so prod_pos - cons_pos is the fill
 * level even after the counters wrap past UINT32_MAX. Each queue holds
 * fixed-size elements, copied in and out whole.
 *
 * Locking contract, as kfifo states its own: one producer and one consumer
 * need no lock on a ring_spsc; ring_mpmc takes any number of each; a plain
 * struct ring takes no lock at all, so it belongs to one thread; a
 * ring_shared locks for every call. Which calls may overlap on one object:
 *
 *   struct ring          nothing overlaps anything (single-threaded)
 *   struct ring_shared   any call with any call, in any thread or process
 *   struct ring_spsc     one ring_push_spsc() with one ring_pop_spsc()
 *   struct ring_mpmc     any ring_push_mpmc() and ring_pop_mpmc() calls
 *
 * and for every type, init and destroy overlap nothing.
 *
 * Functions return 0 (or a count) on success and a negative errno on
 * failure, and never print or set errno.
 */
#ifndef LAB_RING_H
#define LAB_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mutex.h"

/* ---- the chapter's RingBuffer: single-threaded -------------------------- */

/* The chapter's meta Uint32Array: meta[0], meta[1], meta[2]. */
struct ring_meta {
	uint32_t head;	 /* where the next write starts, 0 <= head < size */
	uint32_t tail;	 /* where the next read starts, 0 <= tail < size */
	uint32_t length; /* bytes stored, 0 <= length <= size */
};

struct ring {
	/* Set by ring_init() or ring_attach(), read-only afterwards. */
	struct ring_meta *meta; /* may live in shared memory */
	uint8_t *buffer;	/* size bytes: the chapter's Uint8Array */
	uint32_t size;
};

/*
 * ring_attach - view an existing meta block and buffer as a ring, the way
 * the chapter's constructor wraps the arrays it is given, changing nothing
 * in them.
 *
 * size must be at least 1. Undo: nothing to undo. Cannot fail.
 */
void ring_attach(struct ring *r, struct ring_meta *meta, uint8_t *buffer,
		 uint32_t size);

/*
 * ring_init - as ring_attach(), then make the ring empty (head, tail and
 * length 0). Cannot fail.
 */
void ring_init(struct ring *r, struct ring_meta *meta, uint8_t *buffer,
	       uint32_t size);

/*
 * ring_write - the chapter's write(data): copy as much of data[0, n) as
 * fits in at head, splitting the copy in two where it crosses the end of
 * the buffer.
 *
 * Concurrency: none; the caller owns the ring (or holds its lock).
 * Returns the number of bytes written, 0 <= count <= n (0 when the ring is
 * full or n is 0). Cannot fail; an unwritten skeleton returns -ENOSYS.
 */
ssize_t ring_write(struct ring *r, const void *data, size_t n);

/*
 * ring_read - the chapter's read(bytes): copy up to n bytes from tail into
 * out, handling the wrap, and free their room. The bytes are copied out,
 * never lent: the ring may reuse its room as soon as this returns. out[k]
 * is not touched for k >= the count returned.
 *
 * Concurrency: none; the caller owns the ring (or holds its lock).
 * Returns the number of bytes read, 0 <= count <= n (0 when the ring is
 * empty). Cannot fail; an unwritten skeleton returns -ENOSYS.
 */
ssize_t ring_read(struct ring *r, void *out, size_t n);

/* ---- the chapter's SharedRingBuffer: the ring under the lab-02 mutex ---- */

/* The chapter's table: 16 bytes of header, then the data. */
struct ring_region {
	struct mutex lock;     /* offset 0 */
	struct ring_meta meta; /* offset 4: head, tail, length */
	uint8_t data[];	       /* offset 16 */
};

#define RING_SHARED_HEADER 16u
/* The bytes a region of capacity c needs: SharedArrayBuffer(c + 16). */
#define RING_SHARED_SIZE(c) ((size_t)RING_SHARED_HEADER + (size_t)(c))

_Static_assert(offsetof(struct ring_region, meta) == 4,
	       "head, tail and length start at byte 4, as in the chapter");
_Static_assert(offsetof(struct ring_region, data) == RING_SHARED_HEADER,
	       "the data starts at byte 16, as in the chapter");

/* One user's handle on a region; the pointers point into it. */
struct ring_shared {
	struct mutex *lock; /* the region's lock word */
	struct ring ring;   /* a view of the region's meta and data */
};

/*
 * ring_shared_init - format region_size bytes at region as an empty shared
 * ring of capacity region_size - 16 (free lock, head = tail = length = 0),
 * and make sr a handle on it.
 *
 * Concurrency: must not overlap any other use of the region. For
 * processes, format the MAP_SHARED region before fork(). Undo with
 * ring_shared_destroy().
 * Returns 0, or -EINVAL if region is NULL or not 4-byte aligned, or
 * region_size is not more than 16 or more than 16 + UINT32_MAX.
 */
int ring_shared_init(struct ring_shared *sr, void *region, size_t region_size);

/*
 * ring_shared_attach - make sr a handle on a region that ring_shared_init()
 * already formatted, maybe at another address in another process; nothing
 * in the region changes. This is the chapter's new SharedRingBuffer(shared)
 * in a worker.
 * Returns 0, or -EINVAL as ring_shared_init().
 */
int ring_shared_attach(struct ring_shared *sr, void *region,
		       size_t region_size);

/*
 * ring_shared_destroy - end the region's life; pairs with
 * ring_shared_init(). Concurrency: no other call may run or follow.
 * Cannot fail.
 */
void ring_shared_destroy(struct ring_shared *sr);

/*
 * ring_shared_write - the chapter's SharedRingBuffer.write(data):
 * ring_write() as a critical section of the region's lock.
 *
 * Concurrency: any thread or process, any time.
 * Ordering: a reader that gets these bytes sees them all, and everything
 * the writer did before the call.
 * Returns the bytes written (maybe fewer than n: see the message-boundary
 * note at ring_shared_try_write_all()), or a negative errno from the lock.
 */
ssize_t ring_shared_write(struct ring_shared *sr, const void *data, size_t n);

/*
 * ring_shared_read - the chapter's SharedRingBuffer.read(bytes):
 * ring_read() as a critical section of the region's lock.
 *
 * Concurrency and ordering: as ring_shared_write().
 * Returns the bytes read (0 when empty), or a negative errno from the lock.
 */
ssize_t ring_shared_read(struct ring_shared *sr, void *out, size_t n);

/*
 * ring_shared_try_write_all - write all n bytes or nothing.
 *
 * ring_shared_write() may store the first part of a message and drop the
 * rest, and with two writers the next message follows right after the
 * broken one: a reader can no longer find where messages start. Writing a
 * whole message in one critical section or not at all keeps messages
 * whole and in one piece; with fixed-size messages and
 * ring_shared_try_read_all() on the other side, every read is exactly one
 * message.
 *
 * Concurrency and ordering: as ring_shared_write(). Never waits for room.
 * Returns 0 when all n bytes were written, -EAGAIN if fewer than n bytes
 * are free now (nothing written), -EMSGSIZE if n is more than the
 * capacity (it could never fit), or a negative errno from the lock.
 */
int ring_shared_try_write_all(struct ring_shared *sr, const void *data,
			      size_t n);

/*
 * ring_shared_try_read_all - read exactly n bytes or nothing.
 *
 * Concurrency and ordering: as ring_shared_write(). Never waits for data.
 * Returns 0 when n bytes were read into out, -EAGAIN if fewer than n bytes
 * are stored now (nothing read), -EMSGSIZE if n is more than the capacity,
 * or a negative errno from the lock.
 */
int ring_shared_try_read_all(struct ring_shared *sr, void *out, size_t n);

/* ---- lock-free queues -----------------------------------------------------
 */

#define RING_CACHELINE 64
/* Capacities are powers of two up to this, so that positions that differ by
 * at most the capacity compare correctly after they wrap. */
#define RING_MAX_CAPACITY (1u << 30)

/*
 * A single-producer single-consumer queue. Each position has one writer
 * and sits on its own cache line, so the producer's stores never steal the
 * consumer's line and the other way round.
 *
 *  ring_push_spsc (producer)          ring_pop_spsc (consumer)
 *  [R] cons_pos        (acquire)      [R] prod_pos        (acquire)
 *  [W] slot[prod_pos]  (plain copy)   [R] slot[cons_pos]  (plain copy)
 *  [W] prod_pos + 1    (release)      [W] cons_pos + 1    (release)
 *
 * A consumer that reads prod_pos == p sees the elements in every slot
 * before p; a producer that reads cons_pos == c knows the consumer is done
 * with every slot before c and may write over them.
 *
 * Each side may also keep a private copy of the other's position as it
 * last read it (cons_seen, prod_seen) and read the other's cache line
 * again only when that copy says full or empty. The copy can only be
 * behind, since positions only grow, so it errs on the safe side: it
 * underestimates the free slots or the stored elements, never the
 * reverse. Without it every push and pop reads a line the other side
 * keeps writing, and that line crosses between the cores each time; with
 * it the lines cross about once per burst. (The reference solution does
 * this; docs/labs/03-ring-buffer.md measures it. A queue that ignores the
 * two fields is correct too.)
 *
 * The struct is aligned to a cache line: embed it, or allocate it with
 * aligned_alloc(RING_CACHELINE, ...).
 */
struct ring_spsc {
	/* set by ring_spsc_init(), read-only afterwards */
	uint8_t *slots;
	uint32_t mask; /* capacity - 1 */
	uint32_t elem_size;

	/* written by the producer only */
	alignas(RING_CACHELINE) _Atomic uint32_t prod_pos;
	uint32_t cons_seen; /* cons_pos as the producer last read it */

	/* written by the consumer only */
	alignas(RING_CACHELINE) _Atomic uint32_t cons_pos;
	uint32_t prod_seen; /* prod_pos as the consumer last read it */
};

/*
 * ring_spsc_init - an empty queue of capacity elements of elem_size bytes.
 *
 * Concurrency: must not overlap any other call on q. Undo with
 * ring_spsc_destroy().
 * Returns 0, -EINVAL if capacity is not a power of two in
 * [1, RING_MAX_CAPACITY] or elem_size is 0, or -ENOMEM.
 */
int ring_spsc_init(struct ring_spsc *q, uint32_t capacity, uint32_t elem_size);

/*
 * ring_spsc_init_at - as ring_spsc_init(), but both positions start at
 * start instead of 0. The queue behaves the same for any start; tests pass
 * a start just below UINT32_MAX so that the positions wrap past the top of
 * their type within the first few pushes.
 */
int ring_spsc_init_at(struct ring_spsc *q, uint32_t capacity,
		      uint32_t elem_size, uint32_t start);

/*
 * ring_spsc_destroy - free the slots; pairs with ring_spsc_init().
 * Concurrency: no other call may run or follow. Cannot fail.
 */
void ring_spsc_destroy(struct ring_spsc *q);

/*
 * ring_push_spsc - copy one element (elem_size bytes) into the ring.
 *
 * Concurrency: one producer thread; may overlap ring_pop_spsc().
 * Ordering: the consumer that pops it sees all of the element's bytes.
 * Returns 0, or -EAGAIN if the ring is full. Never blocks.
 */
int ring_push_spsc(struct ring_spsc *q, const void *elem);

/*
 * ring_pop_spsc - copy the oldest element out into elem, and free its slot.
 *
 * Concurrency: one consumer thread; may overlap ring_push_spsc().
 * Ordering: sees every byte the producer wrote into the element.
 * Returns 0, or -EAGAIN if the ring is empty. Never blocks.
 */
int ring_pop_spsc(struct ring_spsc *q, void *elem);

/*
 * A bounded multi-producer multi-consumer queue after Dmitry Vyukov's: each
 * slot carries a sequence number that says whose turn it is. A slot at
 * position p is free for the producer that claims p when seq == p, and full
 * for the consumer that claims p when seq == p + 1; the consumer then sets
 * seq = p + capacity, the next lap's free value. Producers claim positions
 * with a compare-and-swap on prod_pos, consumers on cons_pos.
 *
 *  ring_push_mpmc                     ring_pop_mpmc
 *  [R] slot.seq == p   (acquire)      [R] slot.seq == p + 1  (acquire)
 *  [W] slot's element  (plain copy)   [R] slot's element     (plain copy)
 *  [W] slot.seq = p+1  (release)      [W] slot.seq = p + cap (release)
 *
 * It is not lock-free in the strict sense: a producer stopped between its
 * claim and its publish holds up the consumer of that slot, which reports
 * -EAGAIN until the producer runs again.
 */
struct ring_mpmc {
	/* set by ring_mpmc_init(), read-only afterwards */
	uint8_t *slots; /* capacity slots of stride bytes: seq, then element */
	uint32_t mask;
	uint32_t elem_size;
	uint32_t stride;

	/* next position to claim, written by producers (compare-and-swap) */
	alignas(RING_CACHELINE) _Atomic uint32_t prod_pos;

	/* next position to claim, written by consumers (compare-and-swap) */
	alignas(RING_CACHELINE) _Atomic uint32_t cons_pos;
};

/*
 * ring_mpmc_init, ring_mpmc_init_at, ring_mpmc_destroy: as for ring_spsc,
 * except that the capacity must be at least 2: with one slot, a full slot
 * (seq == p + 1) would read as free for the producer that claims p + 1.
 */
int ring_mpmc_init(struct ring_mpmc *q, uint32_t capacity, uint32_t elem_size);
int ring_mpmc_init_at(struct ring_mpmc *q, uint32_t capacity,
		      uint32_t elem_size, uint32_t start);
void ring_mpmc_destroy(struct ring_mpmc *q);

/*
 * ring_push_mpmc - copy one element into the ring.
 *
 * Concurrency: any number of producers and consumers.
 * Ordering: the consumer that pops it sees all of the element's bytes.
 * Each producer's elements come out in the order it pushed them.
 * Returns 0, or -EAGAIN if the ring is full. Never blocks.
 */
int ring_push_mpmc(struct ring_mpmc *q, const void *elem);

/*
 * ring_pop_mpmc - copy the oldest element out into elem.
 *
 * Concurrency: any number of producers and consumers.
 * Ordering: sees every byte the producer wrote into the element.
 * Returns 0, or -EAGAIN if the ring is empty (or its oldest element is
 * still being written). Never blocks.
 */
int ring_pop_mpmc(struct ring_mpmc *q, void *elem);

#endif /* LAB_RING_H */
