/* SPDX-License-Identifier: MIT */
/*
 * mutex.h - a mutual-exclusion lock on one 32-bit word and futex(2).
 *
 * The lock is the chapter's Mutex (ch6-mutex/mutex.js) in C: a word that a
 * compare-and-swap moves from UNLOCKED to LOCKED, and a futex wait/wake pair
 * (the kernel primitive behind Atomics.wait and Atomics.notify) to sleep
 * while the word says someone else holds it. As in the chapter's note on
 * production mutexes, the word has a third state, LOCKED_CONTENDED, which a
 * waiter sets before it sleeps; a release that finds plain LOCKED knows
 * nobody sleeps and makes no system call at all.
 *
 *   word value          meaning
 *   MUTEX_UNLOCKED  0   free
 *   MUTEX_LOCKED    1   held; nobody is (known to be) waiting
 *   MUTEX_CONTENDED 2   held; one or more threads may sleep in futex_wait
 *
 * struct mutex is exactly that one word, with no owner and no flags, so that
 * it can sit at offset 0 of a shared region (lab 03 lays its ring out that
 * way) and work between processes that map the region with MAP_SHARED. For
 * that reason the futex calls never use FUTEX_PRIVATE_FLAG.
 *
 * Locking contract: any thread (or process) may call any function at any
 * time, except that mutex_init() and mutex_destroy() must not overlap any
 * other call on the same mutex. The lock is not recursive: acquiring it
 * twice from one thread deadlocks, as in the chapter. Like the chapter's
 * release(), which throws "was not acquired", mutex_release() on a free
 * mutex returns -EPERM; it does not track which thread holds the lock.
 *
 * Every function returns 0 or a negative errno and never prints.
 */
#ifndef LAB_MUTEX_H
#define LAB_MUTEX_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define MUTEX_UNLOCKED 0u
#define MUTEX_LOCKED 1u
#define MUTEX_CONTENDED 2u

struct mutex {
	/* The lock word: touched only with atomic operations and futex(2). */
	_Atomic uint32_t state;
};

/*
 * mutex_init - make m a free mutex.
 *
 * Concurrency: must not overlap any other call on m.
 * Works on memory later shared by fork() with MAP_SHARED. Undo with
 * mutex_destroy(). Cannot fail.
 */
void mutex_init(struct mutex *m);

/*
 * mutex_destroy - end the life of a mutex set up by mutex_init().
 *
 * Concurrency: m must be free and no thread may use it afterwards.
 * Cannot fail.
 */
void mutex_destroy(struct mutex *m);

/*
 * mutex_acquire - take the lock, sleeping in the kernel while it is held.
 *
 * Ordering: everything the previous holder did before its mutex_release()
 * happens before everything the caller does after this returns.
 * Returns 0. A skeleton that is not written yet returns -ENOSYS.
 */
int mutex_acquire(struct mutex *m);

/*
 * mutex_try_acquire - take the lock only if it is free right now.
 *
 * Ordering: as mutex_acquire() when it succeeds.
 * Returns 0, or -EAGAIN if the lock is held. Never blocks.
 */
int mutex_try_acquire(struct mutex *m);

/*
 * mutex_acquire_timed - as mutex_acquire(), but give up after timeout.
 *
 * timeout is relative (like Atomics.wait's timeout argument) and measured
 * on CLOCK_MONOTONIC.
 * Returns 0, -ETIMEDOUT if the lock was still held when the time ran out,
 * or -EINVAL if timeout is NULL, negative or has tv_nsec out of range.
 */
int mutex_acquire_timed(struct mutex *m, const struct timespec *timeout);

/*
 * mutex_release - let the lock go and wake one sleeper, if any.
 *
 * Ordering: see mutex_acquire().
 * Returns 0, or -EPERM if m is not held (the chapter's "was not acquired").
 * An uncontended release (no sleeper) makes no system call.
 */
int mutex_release(struct mutex *m);

/*
 * mutex_exec - run fn(arg) as a critical section, like the chapter's
 * mutex.exec(fn): acquire, call, and release whatever fn returns.
 *
 * Returns what fn returned, or the negative errno of a failed acquire
 * (fn is then not called).
 */
int mutex_exec(struct mutex *m, int (*fn)(void *arg), void *arg);

#endif /* LAB_MUTEX_H */
