// SPDX-License-Identifier: MIT
/*
 * racy_write_after_sem_post.c - the producer posts the semaphore, then
 * finishes writing the record.
 *
 * Only writes before sem_post() are ordered before the consumer's reads.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <semaphore.h>

static sem_t ready;
static int record[2];

static void *producer(void *arg)
{
	record[0] = 1;
	sem_post(&ready);
	record[1] = 2; /* after the post */
	return arg;
}

int main(void)
{
	pthread_t t;
	int sum;

	sem_init(&ready, 0, 0);
	pthread_create(&t, NULL, producer, NULL);
	sem_wait(&ready);
	sum = record[0] + record[1];
	pthread_join(t, NULL);
	return sum > 3;
}
