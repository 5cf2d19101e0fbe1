// SPDX-License-Identifier: MIT
/*
 * Lab 02, reference solution: the chapter's Mutex on futex(2), with the
 * third "locked and contended" state so that an uncontended release makes no
 * system call. The algorithm is the one Ulrich Drepper's "Futexes Are
 * Tricky" calls mutex #3; mutex.h documents the word's states.
 */
#include "mutex.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lab_annotate.h"

/*
 * A waiter spins a little before it sleeps. A futex wake that crosses to
 * another CPU costs far more than most critical sections last, on a
 * virtual machine above all; a short spin often finds the lock free and
 * skips both the sleep and the wake.
 *
 * It spins with exponential backoff: it looks at the word, pauses once,
 * looks again, pauses twice, then 4, 8 and 16 times between looks, until
 * MUTEX_SPIN_LIMIT pauses are spent. Every look pulls the lock's cache
 * line away from the holder's core, and every look that catches the lock
 * free between two of the holder's critical sections hands it over, with
 * its data, to the other core. Looking less often leaves the holder longer
 * runs at its uncontended speed (what that bought is measured in
 * docs/bench.md, "Figures behind the reference's comments"). The price is
 * hand-off latency: a waiter may notice a free lock up to 16 pauses late,
 * and a holder that lets go and comes straight back may take the lock
 * again first. The cap keeps that delay below a futex wake.
 *
 * A pause lasts from a few to over a hundred cycles depending on the CPU,
 * so these are counts of pauses, not times. -D options may override them,
 * for `BENCH_LAB_CFLAGS=-DMUTEX_SPIN_LIMIT=n make bench-lab 2`.
 */
#ifndef MUTEX_SPIN_LIMIT
#define MUTEX_SPIN_LIMIT 200
#endif
#ifndef MUTEX_SPIN_BACKOFF_MAX
#define MUTEX_SPIN_BACKOFF_MAX 16
#endif

/* futex(2) has no glibc wrapper. Returns the call's result or -errno, and
 * leaves errno as it found it. */
static long sys_futex(struct mutex *m, int op, uint32_t val,
		      const struct timespec *ts, uint32_t val3)
{
	int saved = errno;
	long r = syscall(SYS_futex, &m->state, op, val, ts, NULL, val3);

	if (r == -1)
		r = -errno;
	errno = saved;
	return r;
}

/*
 * Sleep while the word still reads CONTENDED, until woken or until the
 * absolute CLOCK_MONOTONIC deadline (NULL: no deadline). FUTEX_WAIT_BITSET
 * takes an absolute time, so a retry loop does not have to recompute what
 * is left. Returns 0 (woken, or the word had already changed: the kernel
 * compares it under its own lock, which is what makes the check-then-sleep
 * safe) or -ETIMEDOUT.
 */
static int futex_wait_contended(struct mutex *m,
				const struct timespec *deadline)
{
	long r = sys_futex(m, FUTEX_WAIT_BITSET, MUTEX_CONTENDED, deadline,
			   FUTEX_BITSET_MATCH_ANY);

	return r == -ETIMEDOUT ? -ETIMEDOUT : 0;
}

static void futex_wake_one(struct mutex *m)
{
	sys_futex(m, FUTEX_WAKE, 1, NULL, 0);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* The chapter's compareExchange(UNLOCKED, LOCKED). */
static bool lock_fast(struct mutex *m)
{
	uint32_t expected = MUTEX_UNLOCKED;

	/* Acquire on success pairs with the release exchange in
	 * mutex_release(): the previous holder's critical section happens
	 * before ours. Relaxed on failure: we learn only that it is held and
	 * touch nothing it protects. */
	return atomic_compare_exchange_strong_explicit(
		&m->state, &expected, MUTEX_LOCKED, memory_order_acquire,
		memory_order_relaxed);
}

/* Spin a little in case the holder is about to let go. */
static bool lock_spin(struct mutex *m)
{
	unsigned pauses = 1;

	for (unsigned spent = 0; spent < MUTEX_SPIN_LIMIT; spent += pauses) {
		/* Relaxed: only a hint; lock_fast() orders what matters. */
		if (atomic_load_explicit(&m->state, memory_order_relaxed) ==
			    MUTEX_UNLOCKED &&
		    lock_fast(m))
			return true;
		for (unsigned k = 0; k < pauses; k++)
			cpu_relax();
		if (pauses < MUTEX_SPIN_BACKOFF_MAX)
			pauses *= 2;
	}
	return false;
}

/*
 * The slow path: announce a waiter by setting CONTENDED, and sleep until an
 * exchange finds the lock free. Whoever gets the lock this way leaves the
 * word CONTENDED even if it was the last waiter, so its release makes one
 * futex_wake that nobody needed; finding out exactly would cost a separate
 * waiter count and a store-load fence on every release.
 */
static int lock_slow(struct mutex *m, const struct timespec *deadline)
{
	if (lock_spin(m))
		return 0;
	/* Acquire: if the old value was UNLOCKED we now hold the lock, and
	 * the same pairing as in lock_fast() applies. The exchange never
	 * loses a wake-up: a release that runs after it sees CONTENDED and
	 * wakes, and one that ran before it left UNLOCKED, which we see. */
	while (atomic_exchange_explicit(&m->state, MUTEX_CONTENDED,
					memory_order_acquire) != MUTEX_UNLOCKED) {
		if (futex_wait_contended(m, deadline) == -ETIMEDOUT)
			return -ETIMEDOUT;
	}
	return 0;
}

void mutex_init(struct mutex *m)
{
	/* Relaxed: nobody else may use m until init returns and the caller
	 * publishes it (pthread_create, a fork, a release store...). */
	atomic_store_explicit(&m->state, MUTEX_UNLOCKED, memory_order_relaxed);
	LAB_MUTEX_CREATE(m, sizeof(m->state));
}

void mutex_destroy(struct mutex *m)
{
	LAB_MUTEX_DESTROY(m);
}

int mutex_acquire(struct mutex *m)
{
	int rc = 0;

	LAB_MUTEX_PRE_LOCK(m, false);
	if (!lock_fast(m))
		rc = lock_slow(m, NULL);
	LAB_MUTEX_POST_LOCK(m, false, rc == 0);
	return rc;
}

int mutex_try_acquire(struct mutex *m)
{
	bool ok;

	LAB_MUTEX_PRE_LOCK(m, true);
	ok = lock_fast(m);
	LAB_MUTEX_POST_LOCK(m, true, ok);
	return ok ? 0 : -EAGAIN;
}

/* deadline = now + timeout on CLOCK_MONOTONIC. */
static void deadline_after(struct timespec *deadline,
			   const struct timespec *timeout)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += timeout->tv_sec;
	deadline->tv_nsec += timeout->tv_nsec;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

int mutex_acquire_timed(struct mutex *m, const struct timespec *timeout)
{
	struct timespec deadline;
	int rc = 0;

	if (!timeout || timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
	    timeout->tv_nsec >= 1000000000L)
		return -EINVAL;
	deadline_after(&deadline, timeout);
	LAB_MUTEX_PRE_LOCK(m, true);
	if (!lock_fast(m))
		rc = lock_slow(m, &deadline);
	LAB_MUTEX_POST_LOCK(m, true, rc == 0);
	return rc;
}

int mutex_release(struct mutex *m)
{
	uint32_t old;

	/* Relaxed: a release of a free mutex must change nothing, and must
	 * not tell the detectors that a lock was released; this load only
	 * decides that. The exchange below is what really releases. */
	if (atomic_load_explicit(&m->state, memory_order_relaxed) ==
	    MUTEX_UNLOCKED)
		return -EPERM;
	LAB_MUTEX_PRE_UNLOCK(m);
	/* Release pairs with the acquire in lock_fast() and lock_slow():
	 * our critical section happens before the next holder's. An
	 * exchange, not a store, because the old value says whether anybody
	 * sleeps; with a plain store of UNLOCKED we would have to wake every
	 * time, as the chapter's two-state mutex does. */
	old = atomic_exchange_explicit(&m->state, MUTEX_UNLOCKED,
				       memory_order_release);
	if (old == MUTEX_CONTENDED)
		futex_wake_one(m);
	LAB_MUTEX_POST_UNLOCK(m);
	return old == MUTEX_UNLOCKED ? -EPERM : 0;
}

int mutex_exec(struct mutex *m, int (*fn)(void *arg), void *arg)
{
	int rc = mutex_acquire(m);

	if (rc < 0)
		return rc;
	rc = fn(arg);
	mutex_release(m);
	return rc;
}
