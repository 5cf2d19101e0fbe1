// SPDX-License-Identifier: MIT
/*
 * Lab 02: the chapter's Mutex (ch6-mutex/mutex.js) on futex(2), with the
 * third "locked and contended" state so that an uncontended release makes no
 * system call. mutex.h documents the states of the word and what each
 * function must do; docs/labs/02-mutex.md walks through the steps.
 *
 * Every TODO(lab02) returns -ENOSYS until you write it, so the checks fail
 * with a message instead of hanging. Keep the LAB_MUTEX_* lines: they tell
 * ThreadSanitizer, Helgrind and DRD that this is a lock
 * (sanitizers/lab_annotate.h says why).
 */
#include "mutex.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lab_annotate.h"

/* futex(2) has no glibc wrapper. Returns the call's result or -errno, and
 * leaves errno as it found it. Given: this is plumbing, not the lesson. */
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
 * Sleep while the word still reads want, until woken or until the absolute
 * CLOCK_MONOTONIC deadline (NULL: no deadline). The kernel compares the word
 * with want under its own lock before sleeping: that is what makes "check,
 * then sleep" safe. Returns 0 (woken, or the word had already changed) or
 * -ETIMEDOUT. Given.
 */
static int futex_wait(struct mutex *m, uint32_t want,
		      const struct timespec *deadline)
{
	long r = sys_futex(m, FUTEX_WAIT_BITSET, want, deadline,
			   FUTEX_BITSET_MATCH_ANY);

	return r == -ETIMEDOUT ? -ETIMEDOUT : 0;
}

/* Wake at most one thread sleeping in futex_wait() on m. Given. */
static void futex_wake_one(struct mutex *m)
{
	sys_futex(m, FUTEX_WAKE, 1, NULL, 0);
}

/*
 * Tell the CPU that this is a spin-wait loop. Given, for a short spin before
 * sleeping if you add one (optional: docs/labs/02-mutex.md, section 3).
 */
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

/*
 * TODO(lab02) step 1: the chapter's compareExchange(UNLOCKED, LOCKED).
 * Return true if the lock was free and is now ours. Choose the memory
 * orders, and write next to them which operation each pairs with.
 */
static bool lock_fast(struct mutex *m)
{
	(void)m;
	return false;
}

/*
 * TODO(lab02) step 3: the slow path. Mark the word CONTENDED so that the
 * holder's release knows to wake somebody, sleep with futex_wait(), and
 * retry until the word was UNLOCKED when you marked it. Give up with
 * -ETIMEDOUT once futex_wait() says the deadline has passed.
 */
static int lock_slow(struct mutex *m, const struct timespec *deadline)
{
	(void)m;
	(void)deadline;
	(void)futex_wait;
	return -ENOSYS;
}

void mutex_init(struct mutex *m)
{
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

/*
 * TODO(lab02) step 2: take the lock only if it is free: -EAGAIN if not.
 * LAB_MUTEX_POST_LOCK(m, try, ok): ok tells the detectors whether the lock
 * was taken. The false below fits this stub, which never takes it; pass
 * whether yours did, or TSan and DRD will report your release as the
 * release of a lock nobody took.
 */
int mutex_try_acquire(struct mutex *m)
{
	LAB_MUTEX_PRE_LOCK(m, true);
	LAB_MUTEX_POST_LOCK(m, true, false);
	return -ENOSYS;
}

/*
 * TODO(lab02) step 5: check the timeout (-EINVAL), turn it into an absolute
 * CLOCK_MONOTONIC deadline (now plus timeout: when the nanoseconds reach
 * 10^9, carry one into the seconds), then do what mutex_acquire() does with
 * it. As in step 2, POST_LOCK's last argument must say whether the lock
 * was taken: the false below is for the stub.
 */
int mutex_acquire_timed(struct mutex *m, const struct timespec *timeout)
{
	(void)timeout;
	LAB_MUTEX_PRE_LOCK(m, true);
	LAB_MUTEX_POST_LOCK(m, true, false);
	return -ENOSYS;
}

/*
 * TODO(lab02) step 4: release. -EPERM if m is not held, changing nothing.
 * Otherwise call LAB_MUTEX_PRE_UNLOCK(m), set the word UNLOCKED, call
 * futex_wake_one() only if the word said CONTENDED (an uncontended release
 * must make no system call), then LAB_MUTEX_POST_UNLOCK(m).
 */
int mutex_release(struct mutex *m)
{
	(void)m;
	(void)futex_wake_one;
	return -ENOSYS;
}

/*
 * TODO(lab02) step 6: the chapter's exec(fn): acquire, run fn(arg), always
 * release, and return what fn returned (or the failed acquire's error).
 */
int mutex_exec(struct mutex *m, int (*fn)(void *arg), void *arg)
{
	(void)m;
	(void)fn;
	(void)arg;
	return -ENOSYS;
}
