// SPDX-License-Identifier: MIT
/*
 * racy_heap_use_while_free.c - main frees a block that a worker it never
 * joined may still be writing.
 *
 * free() counts as a write to the whole block; the worker's store is
 * unordered with it.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *worker(void *arg)
{
	int *p = arg;

	p[3] = 7;
	return NULL;
}

int main(void)
{
	int *p = calloc(8, sizeof(*p));
	pthread_t t;

	pthread_create(&t, NULL, worker, p);
	usleep(20 * 1000);
	free(p);
	pthread_join(t, NULL);
	return 0;
}
