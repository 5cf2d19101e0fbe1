// SPDX-License-Identifier: MIT
/*
 * racy_sem_timedwait_then_write.c - a consumer takes the semaphore with
 * sem_timedwait() and writes the shared slot, while the producer, after
 * its sem_post(), writes the same slot again.
 *
 * The post orders the producer's earlier write only; its second write is
 * unordered with the consumer's.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

static sem_t ready;
static int slot;

static void *producer(void *arg)
{
	slot = 1;
	sem_post(&ready);
	slot = 2; /* after the post */
	return arg;
}

int main(void)
{
	struct timespec until;
	pthread_t t;

	sem_init(&ready, 0, 0);
	pthread_create(&t, NULL, producer, NULL);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	if (sem_timedwait(&ready, &until) == 0)
		slot = 3;
	pthread_join(t, NULL);
	return slot > 3;
}
