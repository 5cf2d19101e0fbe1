// SPDX-License-Identifier: MIT
/*
 * racy_double_checked_locking.c - lazy initialisation, double-checked the
 * wrong way.
 *
 * The first check of `instance` runs outside the lock with a plain load,
 * while another thread may be storing it inside the lock: a data race on
 * the pointer, and, worse, nothing orders the object's fields before the
 * pointer's store, so a reader may see the pointer and a half-built
 * object. Correct versions: pthread_once(), or an atomic pointer stored
 * with release and loaded with acquire.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct config {
	int verbosity;
	int workers;
};

static struct config *instance;
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static struct config *config_get(void)
{
	if (!instance) { /* the race: a plain load, outside the lock */
		pthread_mutex_lock(&init_lock);
		if (!instance) {
			struct config *c = malloc(sizeof(*c));

			c->verbosity = 1;
			c->workers = 4;
			instance = c; /* published with a plain store */
		}
		pthread_mutex_unlock(&init_lock);
	}
	return instance;
}

static void *work(void *arg)
{
	long *sum = arg;

	*sum = config_get()->workers; /* may read a half-built config */
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	long sums[4];

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, &sums[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("workers = %ld\n", sums[0]);
	free(instance);
	return 0;
}
