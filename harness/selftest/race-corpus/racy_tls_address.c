// SPDX-License-Identifier: MIT
/*
 * racy_tls_address.c - a worker's thread-local variable whose address
 * escapes.
 *
 * `_Thread_local` gives each thread its own copy, which is private only
 * while its address stays home. Here a worker publishes the address of
 * its copy (properly, under a mutex); main writes that copy and, later,
 * so does the worker, with no lock between: a data race. The sleeps fix
 * the order of events; they order nothing for the detectors. TSan reports
 * it ("Location is TLS of thread T1"). Helgrind and DRD do not watch a
 * worker thread's TLS, which lives beside its stack (measured: 0 errors
 * from each, with and without --check-stack-var=yes); they do see the
 * same race on the main thread's TLS, which the dynamic loader allocates.
 *
 * Expect: racy
 * Expect-note: thread-local
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

static _Thread_local int counter;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int *escaped; /* protected by lock */
static bool done;    /* protected by lock */

static void *owner(void *arg)
{
	bool finished = false;

	pthread_mutex_lock(&lock);
	escaped = &counter; /* the address leaves the thread */
	pthread_mutex_unlock(&lock);
	/* Give main time to write first. A sleep orders nothing: main's
	 * write and ours below stay unordered, whatever the timing. */
	usleep(50 * 1000);
	counter += 1; /* the race: main wrote our TLS with no lock */
	while (!finished) { /* stay alive until main is done with it */
		usleep(1000);
		pthread_mutex_lock(&lock);
		finished = done;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(void)
{
	int *theirs = NULL;
	pthread_t t;

	pthread_create(&t, NULL, owner, NULL);
	while (!theirs) {
		usleep(1000);
		pthread_mutex_lock(&lock);
		theirs = escaped;
		pthread_mutex_unlock(&lock);
	}
	*theirs += 1; /* another thread's TLS, no lock */
	usleep(100 * 1000);
	pthread_mutex_lock(&lock);
	done = true;
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	return 0;
}
