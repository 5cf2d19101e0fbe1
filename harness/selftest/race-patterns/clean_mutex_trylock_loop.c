// SPDX-License-Identifier: MIT
/*
 * clean_mutex_trylock_loop.c - threads that take the lock with
 * pthread_mutex_trylock(), doing other work while it is busy, and touch
 * the counter only when they hold it.
 *
 * Expect: clean
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter; /* protected by lock */

static void *worker(void *arg __attribute__((unused)))
{
	long spins = 0;

	for (int i = 0; i < 50;) {
		if (pthread_mutex_trylock(&lock) == 0) {
			counter++;
			pthread_mutex_unlock(&lock);
			i++;
		} else {
			spins++;
		}
	}
	return (void *)spins;
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return counter != 100;
}
