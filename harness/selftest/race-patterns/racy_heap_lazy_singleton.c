// SPDX-License-Identifier: MIT
/*
 * racy_heap_lazy_singleton.c - a lazily allocated singleton: the pointer
 * is checked without a lock and set under one.
 *
 * The unlocked check reads the pointer while another thread writes it
 * (double-checked locking without atomics).
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int *single;

static int *get(void)
{
	if (!single) { /* unlocked read */
		pthread_mutex_lock(&lock);
		if (!single) {
			int *p = malloc(sizeof(*p));

			*p = 5;
			single = p;
		}
		pthread_mutex_unlock(&lock);
	}
	return single;
}

static void *worker(void *arg __attribute__((unused)))
{
	return (void *)(long)*get();
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	free(single);
	return 0;
}
