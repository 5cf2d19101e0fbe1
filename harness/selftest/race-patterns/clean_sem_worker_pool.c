// SPDX-License-Identifier: MIT
/*
 * clean_sem_worker_pool.c - a counting semaphore limits how many workers
 * use a resource; the shared total is under a mutex.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <semaphore.h>

static sem_t slots;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int total; /* protected by lock */

static void *worker(void *arg)
{
	sem_wait(&slots);
	pthread_mutex_lock(&lock);
	total += (int)(long)arg;
	pthread_mutex_unlock(&lock);
	sem_post(&slots);
	return arg;
}

int main(void)
{
	pthread_t t[4];

	sem_init(&slots, 0, 2);
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return total != 6;
}
