// SPDX-License-Identifier: MIT
/*
 * clean_condvar_timedwait.c - a waiter with pthread_cond_timedwait() and
 * a long deadline, woken by a signaller that sets the result under the
 * mutex.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int result; /* protected by lock */

static void *signaller(void *arg)
{
	pthread_mutex_lock(&lock);
	result = 99;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	struct timespec until;
	pthread_t t;
	int r;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	pthread_create(&t, NULL, signaller, NULL);
	pthread_mutex_lock(&lock);
	while (result == 0)
		if (pthread_cond_timedwait(&cv, &lock, &until) != 0)
			break;
	r = result;
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	return r != 99;
}
