// SPDX-License-Identifier: MIT
/*
 * racy_trylock_ignored.c - pthread_mutex_trylock()'s result is ignored:
 * a thread writes even when it did not get the lock.
 *
 * Expect: racy
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *worker(void *arg)
{
	for (int i = 0; i < 30; i++) {
		int got = pthread_mutex_trylock(&lock) == 0;

		counter++; /* with or without the lock */
		if (got)
			pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return counter > 60;
}
