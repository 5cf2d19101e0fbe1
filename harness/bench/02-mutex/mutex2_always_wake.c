// SPDX-License-Identifier: MIT
/*
 * Benchmark baseline for lab 02: the chapter's two-state mutex, whose
 * release wakes on every call. See mutex2_always_wake.h for why it is the
 * yardstick of the lab's third state.
 */
#include "mutex2_always_wake.h"

#include <errno.h>
#include <linux/futex.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

static void futex_call(struct mutex2 *m, int op, uint32_t val)
{
	syscall(SYS_futex, &m->state, op, val, NULL, NULL, 0);
}

void mutex2_init(struct mutex2 *m)
{
	/* Relaxed: nobody uses m before the caller publishes it. */
	atomic_store_explicit(&m->state, 0, memory_order_relaxed);
}

int mutex2_acquire(struct mutex2 *m)
{
	uint32_t expected = 0;

	/* Acquire on success pairs with the release exchange in
	 * mutex2_release(). The chapter's loop: try, else wait while held. */
	while (!atomic_compare_exchange_strong_explicit(&m->state, &expected, 1,
							memory_order_acquire,
							memory_order_relaxed)) {
		futex_call(m, FUTEX_WAIT, 1);
		expected = 0;
	}
	return 0;
}

int mutex2_release(struct mutex2 *m)
{
	/* Release pairs with the acquire in mutex2_acquire(). */
	if (atomic_exchange_explicit(&m->state, 0, memory_order_release) == 0)
		return -EPERM;
	/* The chapter's Atomics.notify(1): always, because two states cannot
	 * say whether anybody sleeps. */
	futex_call(m, FUTEX_WAKE, 1);
	return 0;
}
