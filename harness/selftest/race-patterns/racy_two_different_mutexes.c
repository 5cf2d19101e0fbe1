// SPDX-License-Identifier: MIT
/*
 * racy_two_different_mutexes.c - each thread locks a mutex around the
 * shared total, but not the same one.
 *
 * Two different locks do not exclude each other.
 *
 * Expect: racy
 */
#include <pthread.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *with(void *arg)
{
	pthread_mutex_t *m = arg;

	for (int i = 0; i < 50; i++) {
		pthread_mutex_lock(m);
		total += i;
		pthread_mutex_unlock(m);
	}
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_create(&t1, NULL, with, &a);
	pthread_create(&t2, NULL, with, &b);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return total < 0;
}
