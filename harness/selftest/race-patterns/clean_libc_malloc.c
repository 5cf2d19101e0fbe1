// SPDX-License-Identifier: MIT
/*
 * clean_libc_malloc.c - threads allocate, fill and free blocks, and hand
 * one block to main through pthread_join().
 *
 * The allocator's own state is glibc's business (per-thread arenas and
 * locks); every block is used by one thread at a time.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *worker(void *arg __attribute__((unused)))
{
	char *keep = NULL;

	for (int i = 0; i < 20; i++) {
		char *p = malloc(32 + (size_t)i);

		memset(p, i, 32);
		free(keep);
		keep = p;
	}
	return keep;
}

int main(void)
{
	pthread_t t[2];
	int sum = 0;

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++) {
		void *p;

		pthread_join(t[i], &p);
		sum += ((char *)p)[0];
		free(p);
	}
	return sum != 38;
}
