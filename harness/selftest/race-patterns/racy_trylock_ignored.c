// SPDX-License-Identifier: MIT
/*
 * racy_trylock_ignored.c - pthread_mutex_trylock()'s result is ignored:
 * the worker writes even when it did not get the lock.
 *
 * main holds the mutex for the worker's whole life, so the worker's
 * trylock fails every time and its write is unlocked while main writes
 * under the lock: a lock held on one side only.
 *
 * Expect: racy
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *worker(void *arg)
{
	int got = pthread_mutex_trylock(&lock) == 0;

	counter++; /* with or without the lock */
	if (got)
		pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pthread_t t;

	pthread_mutex_lock(&lock);
	pthread_create(&t, NULL, worker, NULL);
	counter++;
	pthread_join(t, NULL);
	pthread_mutex_unlock(&lock);
	return counter > 2;
}
