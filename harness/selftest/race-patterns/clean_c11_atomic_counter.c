// SPDX-License-Identifier: MIT
/*
 * clean_c11_atomic_counter.c - a statistics counter bumped with relaxed
 * atomic_fetch_add() by every thread and read after the joins.
 *
 * Atomics never race with each other; relaxed is enough because the joins
 * order the final read. Helgrind and DRD report the atomics (they do not
 * model C11 atomics); race-detect explains that.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdatomic.h>

static atomic_long hits;

static void *worker(void *arg)
{
	for (int i = 0; i < 100; i++)
		/* Relaxed: nothing is published with the count, and the
		 * joins order every increment before main's read. */
		atomic_fetch_add_explicit(&hits, 1, memory_order_relaxed);
	return arg;
}

int main(void)
{
	pthread_t t[3];

	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return atomic_load(&hits) != 300;
}
