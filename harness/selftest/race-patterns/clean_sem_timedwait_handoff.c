// SPDX-License-Identifier: MIT
/*
 * clean_sem_timedwait_handoff.c - a value handed over by sem_post() and
 * sem_timedwait() with a generous deadline.
 *
 * The successful sem_timedwait() is ordered after the sem_post(), so the
 * write before the post happens before the read after the wait. Helgrind
 * 3.19 does not intercept sem_timedwait().
 *
 * Expect: clean
 */
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

static sem_t ready;
static int data[4];

static void *producer(void *arg)
{
	for (int i = 0; i < 4; i++)
		data[i] = i * i;
	sem_post(&ready);
	return arg;
}

int main(void)
{
	struct timespec until;
	pthread_t t;
	int sum = 0;

	sem_init(&ready, 0, 0);
	pthread_create(&t, NULL, producer, NULL);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	if (sem_timedwait(&ready, &until) != 0)
		return 2;
	for (int i = 0; i < 4; i++)
		sum += data[i];
	data[0] = sum;
	pthread_join(t, NULL);
	return sum != 14;
}
