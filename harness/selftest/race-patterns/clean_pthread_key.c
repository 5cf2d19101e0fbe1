// SPDX-License-Identifier: MIT
/*
 * clean_pthread_key.c - per-thread state through pthread_key_create() and
 * pthread_setspecific(), freed by the key's destructor.
 *
 * Each thread's value is its own heap block; the destructor runs in the
 * thread that owns it.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_key_t key;

static void *worker(void *arg)
{
	int *mine = malloc(sizeof(*mine));

	*mine = (int)(long)arg;
	pthread_setspecific(key, mine);
	*(int *)pthread_getspecific(key) += 1;
	return arg;
}

int main(void)
{
	pthread_t t[3];

	pthread_key_create(&key, free);
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	pthread_key_delete(key);
	return 0;
}
