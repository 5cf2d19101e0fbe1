// SPDX-License-Identifier: MIT
/*
 * clean_annotated_c11_lock.c - a test-and-test-and-set lock on C11
 * atomics (acquire exchange, release store), described to every detector
 * with sanitizers/lab_annotate.h.
 *
 * TSan gets __tsan_mutex_* and sees the lock; Helgrind and DRD get
 * ANNOTATE_RWLOCK_* and are told to ignore the lock word.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdatomic.h>

#include "lab_annotate.h"

static atomic_int word;
static long total; /* protected by word */

static void lock(void)
{
	LAB_MUTEX_PRE_LOCK(&word, 0);
	/* Acquire pairs with the release store in unlock(): the holder's
	 * writes to total are visible to the next holder. */
	while (atomic_exchange_explicit(&word, 1, memory_order_acquire))
		while (atomic_load_explicit(&word, memory_order_relaxed))
			;
	LAB_MUTEX_POST_LOCK(&word, 0, 1);
}

static void unlock(void)
{
	LAB_MUTEX_PRE_UNLOCK(&word);
	atomic_store_explicit(&word, 0, memory_order_release);
	LAB_MUTEX_POST_UNLOCK(&word);
}

static void *worker(void *arg)
{
	for (int i = 0; i < 100; i++) {
		lock();
		total += i;
		unlock();
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	LAB_MUTEX_CREATE(&word, sizeof(word));
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return total != 9900;
}
