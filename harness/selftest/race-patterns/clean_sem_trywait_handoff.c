// SPDX-License-Identifier: MIT
/*
 * clean_sem_trywait_handoff.c - a value handed over by sem_post() and a
 * polling sem_trywait().
 *
 * POSIX says sem_post() synchronises memory with the sem_trywait() that
 * takes the count, so the consumer's read follows the producer's write.
 * Helgrind 3.19 does not intercept sem_trywait() and reports the pair.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <semaphore.h>
#include <sched.h>

static sem_t ready;
static int data;

static void *producer(void *arg)
{
	data = 42;
	sem_post(&ready);
	return arg;
}

int main(void)
{
	pthread_t t;
	int v;

	sem_init(&ready, 0, 0);
	pthread_create(&t, NULL, producer, NULL);
	while (sem_trywait(&ready) != 0)
		sched_yield();
	v = data;
	data = v + 1;
	pthread_join(t, NULL);
	return data != 43;
}
