// SPDX-License-Identifier: MIT
/*
 * clean_pthread_mutex.c - the plain-int counter, done right with a pthread
 * mutex. Every detector knows pthread_mutex_t: no report from any of them.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdio.h>

static int hits;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *bump(void *arg)
{
	for (int i = 0; i < 10000; i++) {
		pthread_mutex_lock(&lock);
		hits++;
		pthread_mutex_unlock(&lock);
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
	return hits == 20000 ? 0 : 1;
}
