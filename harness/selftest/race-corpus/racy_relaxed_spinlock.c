// SPDX-License-Identifier: MIT
/*
 * racy_relaxed_spinlock.c - a home-made spinlock with relaxed orders.
 *
 * The exchange that takes the lock and the store that frees it are both
 * memory_order_relaxed, so the critical sections are not ordered: the
 * plain counter they protect has a data race, even though the lock itself
 * is all atomics. TSan judges the memory orders and reports the counter;
 * this is the case where a Helgrind/DRD report on atomic code is real, and
 * TSan is what says so.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int locked;
static int hits;

static void spin_lock(void)
{
	/* Wrong: relaxed. Needs memory_order_acquire. */
	while (atomic_exchange_explicit(&locked, 1, memory_order_relaxed))
		sched_yield();
}

static void spin_unlock(void)
{
	/* Wrong: relaxed. Needs memory_order_release. */
	atomic_store_explicit(&locked, 0, memory_order_relaxed);
}

static void *bump(void *arg)
{
	for (int i = 0; i < 10000; i++) {
		spin_lock();
		hits++; /* not ordered with the other thread's hits++ */
		spin_unlock();
	}
	return arg;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, bump, NULL);
	pthread_create(&b, NULL, bump, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("hits = %d (want 20000)\n", hits);
	return 0;
}
