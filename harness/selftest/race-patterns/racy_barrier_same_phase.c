// SPDX-License-Identifier: MIT
/*
 * racy_barrier_same_phase.c - three threads meet at a barrier, but one of
 * them reads a neighbour's slot before the barrier, in the phase in which
 * the neighbour writes it.
 *
 * A barrier orders phases, not accesses within one phase.
 *
 * Expect: racy
 */
#include <pthread.h>

enum { N = 3 };
static pthread_barrier_t bar;
static int slot[N];

static void *worker(void *arg)
{
	long me = (long)arg;
	int peek = 0;

	slot[me] = (int)me + 1;
	if (me == 0)
		peek = slot[1]; /* same phase as slot[1]'s write */
	pthread_barrier_wait(&bar);
	return (void *)(long)peek;
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
	return 0;
}
