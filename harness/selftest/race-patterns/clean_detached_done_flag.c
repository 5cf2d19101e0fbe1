// SPDX-License-Identifier: MIT
/*
 * clean_detached_done_flag.c - a detached thread computes a result and
 * says so under a mutex with a condition variable; main waits for it.
 *
 * No join, but the mutex orders the result's write before main's read.
 *
 * Expect: clean
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done;   /* protected by lock */
static long value; /* written before done is set */

static void *worker(void *arg)
{
	for (int i = 1; i <= 10; i++)
		value += i;
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, worker, NULL);
	pthread_detach(t);
	pthread_mutex_lock(&lock);
	while (!done)
		pthread_cond_wait(&cv, &lock);
	pthread_mutex_unlock(&lock);
	return value != 55;
}
