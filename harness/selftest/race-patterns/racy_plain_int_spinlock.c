// SPDX-License-Identifier: MIT
/*
 * racy_plain_int_spinlock.c - a "spin lock" on a plain volatile int:
 * test, then set.
 *
 * The test and the set are separate plain accesses: the lock word races,
 * two threads can both get in, and the counter races too.
 *
 * Expect: racy
 */
#include <pthread.h>

static volatile int busy;
static int counter;

static void *worker(void *arg)
{
	for (int i = 0; i < 50; i++) {
		while (busy)
			;
		busy = 1;
		counter++;
		busy = 0;
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
	return counter > 100;
}
