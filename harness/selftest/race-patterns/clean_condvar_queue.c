// SPDX-License-Identifier: MIT
/*
 * clean_condvar_queue.c - a bounded queue: a mutex, two condition
 * variables, a producer and a consumer.
 *
 * Every access to the queue is under the mutex; waits loop on their
 * predicate.
 *
 * Expect: clean
 */
#include <pthread.h>

enum { CAP = 2, ITEMS = 20 };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int buf[CAP], head, count; /* protected by lock */

static void *producer(void *arg)
{
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (count == CAP)
			pthread_cond_wait(&not_full, &lock);
		buf[(head + count++) % CAP] = i;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(void)
{
	pthread_t t;
	int sum = 0;

	pthread_create(&t, NULL, producer, NULL);
	for (int i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (count == 0)
			pthread_cond_wait(&not_empty, &lock);
		sum += buf[head];
		head = (head + 1) % CAP;
		count--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&lock);
	}
	pthread_join(t, NULL);
	return sum != ITEMS * (ITEMS + 1) / 2;
}
