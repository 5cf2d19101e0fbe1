// SPDX-License-Identifier: MIT
/*
 * racy_annotated_lock_wrong_word.c - two C11 spin locks described to the
 * detectors with sanitizers/lab_annotate.h; the threads each take a
 * different one around the same counter.
 *
 * Well-annotated locks, badly used: different locks do not exclude each
 * other. TSan sees the two locks through the annotations; Helgrind and
 * DRD through theirs.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdatomic.h>

#include "lab_annotate.h"

static atomic_int word_a, word_b;
static long total;

static void lock(atomic_int *w)
{
	LAB_MUTEX_PRE_LOCK(w, 0);
	/* Acquire pairs with unlock()'s release store. */
	while (atomic_exchange_explicit(w, 1, memory_order_acquire))
		;
	LAB_MUTEX_POST_LOCK(w, 0, 1);
}

static void unlock(atomic_int *w)
{
	LAB_MUTEX_PRE_UNLOCK(w);
	atomic_store_explicit(w, 0, memory_order_release);
	LAB_MUTEX_POST_UNLOCK(w);
}

static void *worker(void *arg)
{
	for (int i = 0; i < 50; i++) {
		lock(arg);
		total += i;
		unlock(arg);
	}
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	LAB_MUTEX_CREATE(&word_a, sizeof(word_a));
	LAB_MUTEX_CREATE(&word_b, sizeof(word_b));
	pthread_create(&t1, NULL, worker, &word_a);
	pthread_create(&t2, NULL, worker, &word_b);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return total < 0;
}
