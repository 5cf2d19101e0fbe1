// SPDX-License-Identifier: MIT
/*
 * clean_free_after_join.c - workers write a shared heap block under a
 * mutex; main frees it only after joining them all.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
	int *block = arg;

	pthread_mutex_lock(&lock);
	block[0]++;
	block[1] += 2;
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(void)
{
	int *block = calloc(2, sizeof(*block));
	pthread_t t[3];
	int ok;

	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, block);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	ok = block[0] == 3 && block[1] == 6;
	free(block);
	return !ok;
}
