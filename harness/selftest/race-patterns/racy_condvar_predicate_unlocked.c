// SPDX-License-Identifier: MIT
/*
 * racy_condvar_predicate_unlocked.c - the waiter checks the predicate
 * without holding the mutex; the signaller sets it under the mutex.
 *
 * The unlocked read of done races with the locked write.
 *
 * Expect: racy
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done;

static void *signaller(void *arg)
{
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, signaller, NULL);
	if (!done) { /* unlocked */
		pthread_mutex_lock(&lock);
		while (!done)
			pthread_cond_wait(&cv, &lock);
		pthread_mutex_unlock(&lock);
	}
	pthread_join(t, NULL);
	return 0;
}
