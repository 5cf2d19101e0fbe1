// SPDX-License-Identifier: MIT
/*
 * clean_pthread_once.c - lazy initialisation done right, with pthread_once.
 *
 * pthread_once() orders the initialiser before every return from it, so
 * the readers' plain loads do not race. Helgrind does not model glibc
 * 2.36's futex-based once-flag and reports a race inside pthread_once (a
 * known false alarm in third-party code): sanitizers/helgrind.supp
 * suppresses exactly that, so this program must come out clean.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct config {
	int verbosity;
	int workers;
};

static struct config *instance;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void config_init(void)
{
	instance = malloc(sizeof(*instance));
	if (!instance)
		abort();
	instance->verbosity = 1;
	instance->workers = 4;
}

static void *work(void *arg)
{
	long *sum = arg;

	pthread_once(&once, config_init);
	*sum = instance->workers;
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
	printf("workers = %ld\n", sums[0] + sums[1] + sums[2] + sums[3]);
	free(instance);
	return 0;
}
