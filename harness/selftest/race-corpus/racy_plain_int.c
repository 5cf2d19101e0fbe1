// SPDX-License-Identifier: MIT
/*
 * racy_plain_int.c - two threads increment one plain int.
 *
 * The textbook data race: both threads read and write `hits` with no lock
 * and no atomic. Every detector should see it on the first run.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdio.h>

static int hits;

static void *bump(void *arg)
{
	for (int i = 0; i < 10000; i++)
		hits++; /* the race: load, add, store, unprotected */
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
