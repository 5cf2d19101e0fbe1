// SPDX-License-Identifier: MIT
/*
 * clean_condvar_broadcast_start.c - main prepares the work, then releases
 * every worker with one pthread_cond_broadcast(); each worker reads the
 * work only after seeing the go flag under the mutex.
 *
 * Expect: clean
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cv = PTHREAD_COND_INITIALIZER;
static int go;      /* protected by lock */
static int work[3]; /* written before go is set, read after */

static void *worker(void *arg)
{
	long me = (long)arg;

	pthread_mutex_lock(&lock);
	while (!go)
		pthread_cond_wait(&go_cv, &lock);
	pthread_mutex_unlock(&lock);
	return (void *)(long)(work[me] * 2);
}

int main(void)
{
	pthread_t t[3];
	long sum = 0;

	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 3; i++)
		work[i] = i + 1;
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_broadcast(&go_cv);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < 3; i++) {
		void *r;

		pthread_join(t[i], &r);
		sum += (long)r;
	}
	return sum != 12;
}
