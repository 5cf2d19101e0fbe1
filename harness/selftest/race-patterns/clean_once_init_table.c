// SPDX-License-Identifier: MIT
/*
 * clean_once_init_table.c - a lookup table built once by pthread_once()
 * and read by every thread after its own pthread_once() call.
 *
 * pthread_once() orders the initialiser's writes before every return from
 * it. Helgrind 3.19 does not see glibc 2.36's once-flag as
 * synchronisation (a known false alarm, explained by race-detect).
 *
 * Expect: clean
 */
#include <pthread.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int squares[16];

static void build(void)
{
	for (int i = 0; i < 16; i++)
		squares[i] = i * i;
}

static void *worker(void *arg)
{
	pthread_once(&once, build);
	return (void *)(long)squares[(long)arg];
}

int main(void)
{
	pthread_t t[3];
	long sum = 0;

	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 3; i++) {
		void *r;

		pthread_join(t[i], &r);
		sum += (long)r;
	}
	return sum != 14;
}
