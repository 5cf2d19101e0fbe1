// SPDX-License-Identifier: MIT
/*
 * clean_barrier_phases.c - three threads write their own slot, meet at a
 * pthread_barrier, then each reads every slot.
 *
 * pthread_barrier_wait() orders every write of one phase before every
 * read of the next.
 *
 * Expect: clean
 */
#include <pthread.h>

enum { N = 3 };
static pthread_barrier_t bar;
static int slot[N];
static int seen[N];

static void *worker(void *arg)
{
	long me = (long)arg;
	int sum = 0;

	slot[me] = (int)me + 1;
	pthread_barrier_wait(&bar);
	for (int i = 0; i < N; i++)
		sum += slot[i];
	seen[me] = sum;
	return arg;
}

int main(void)
{
	pthread_t t[N];

	pthread_barrier_init(&bar, NULL, N);
	for (long i = 0; i < N; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&bar);
	return seen[0] != 6 || seen[1] != 6 || seen[2] != 6;
}
