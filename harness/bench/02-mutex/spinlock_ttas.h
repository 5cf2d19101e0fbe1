/* SPDX-License-Identifier: MIT */
/*
 * spinlock_ttas.h - a benchmark baseline: a test-and-test-and-set spinlock
 * that never sleeps. It shows what the futex buys: with more runnable
 * threads than CPUs, a waiter spins through its whole time slice while the
 * holder, preempted, cannot let go.
 */
#ifndef BENCH_SPINLOCK_TTAS_H
#define BENCH_SPINLOCK_TTAS_H

#include <stdatomic.h>
#include <stdbool.h>

struct spinlock_ttas {
	atomic_bool held;
};

static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

static inline void spinlock_ttas_init(struct spinlock_ttas *l)
{
	atomic_store_explicit(&l->held, false, memory_order_relaxed);
}

static inline void spinlock_ttas_acquire(struct spinlock_ttas *l)
{
	/* Acquire pairs with the release store in spinlock_ttas_release(). */
	while (atomic_exchange_explicit(&l->held, true, memory_order_acquire)) {
		/* Relaxed: only waits for a chance; the exchange decides. */
		while (atomic_load_explicit(&l->held, memory_order_relaxed))
			spin_pause();
	}
}

static inline void spinlock_ttas_release(struct spinlock_ttas *l)
{
	atomic_store_explicit(&l->held, false, memory_order_release);
}

#endif /* BENCH_SPINLOCK_TTAS_H */
