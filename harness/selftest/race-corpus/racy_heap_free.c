// SPDX-License-Identifier: MIT
/*
 * racy_heap_free.c - a thread writes a heap block that main frees.
 *
 * main hands a malloc'd block to a worker, then frees it without waiting
 * for the worker: the worker's write and main's free() are unordered. The
 * sleep only makes the order of events the same on every run; it is not
 * synchronisation. free() counts as a write of the whole block for TSan;
 * Helgrind and DRD see it only with --free-is-write=yes.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static void *fill(void *arg)
{
	int *block = arg;

	block[0] = 42; /* races with the free() in main */
	return NULL;
}

int main(void)
{
	int *block = malloc(16 * sizeof(*block));
	pthread_t t;

	if (!block)
		return 1;
	pthread_create(&t, NULL, fill, block);
	usleep(100 * 1000); /* not a happens-before edge */
	free(block);        /* the race: nothing orders this after fill() */
	pthread_join(t, NULL);
	return 0;
}
