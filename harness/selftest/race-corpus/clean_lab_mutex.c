// SPDX-License-Identifier: MIT
/*
 * clean_lab_mutex.c - the counter under the lab-02 futex mutex.
 *
 * Built against the reference mutex, whose lab_annotate.h calls tell each
 * detector that struct mutex is a lock. TSan also sees the mutex's real
 * acquire/release orders. Clean under every detector.
 *
 * race-detect: cflags=-Isolutions/02-mutex/include
 * race-detect: link=solutions/02-mutex/src/mutex.c
 * Expect: clean
 */
#include <pthread.h>
#include <stdio.h>

#include "mutex.h"

static struct mutex lock;
static int hits;

static void *bump(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		mutex_acquire(&lock);
		hits++; /* protected by lock */
		mutex_release(&lock);
	}
	return arg;
}

int main(void)
{
	pthread_t t[3];

	mutex_init(&lock);
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, bump, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	mutex_destroy(&lock);
	printf("hits = %d (want 6000)\n", hits);
	return hits == 6000 ? 0 : 1;
}
