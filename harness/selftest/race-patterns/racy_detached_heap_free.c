// SPDX-License-Identifier: MIT
/*
 * racy_detached_heap_free.c - a detached worker reads a heap block that
 * main frees once it thinks the worker is done (after a sleep).
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *worker(void *arg)
{
	int *cfg = arg;

	return (void *)(long)(cfg[0] + cfg[1]);
}

int main(void)
{
	int *cfg = calloc(2, sizeof(*cfg));
	pthread_t t;

	pthread_create(&t, NULL, worker, cfg);
	pthread_detach(t);
	usleep(20 * 1000);
	free(cfg);
	return 0;
}
