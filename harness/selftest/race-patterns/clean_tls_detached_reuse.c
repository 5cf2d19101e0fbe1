// SPDX-License-Identifier: MIT
/*
 * clean_tls_detached_reuse.c - detached threads, one after the other, each
 * using its own _Thread_local counter.
 *
 * glibc caches the stacks (and the TLS beside them) of threads that ended
 * and gives them to new threads, so two threads may use the same address
 * for their own copy. No copy is ever shared. Valgrind's regression tests
 * run Helgrind with --sim-hints=no-nptl-pthread-stackcache for this case.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <sched.h>

static _Thread_local int mine;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int finished; /* protected by lock */

static void *worker(void *arg)
{
	for (int i = 0; i < 10; i++)
		mine += i;
	pthread_mutex_lock(&lock);
	finished += mine == 45;
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pthread_attr_t attr;
	int n = 0;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 4; i++) {
		pthread_t t;

		pthread_create(&t, &attr, worker, NULL);
		do {
			sched_yield();
			pthread_mutex_lock(&lock);
			n = finished;
			pthread_mutex_unlock(&lock);
		} while (n <= i);
	}
	return n != 4;
}
