// SPDX-License-Identifier: MIT
/*
 * clean_tls_joined_threads.c - four threads at once, each with its own
 * __thread buffer, results returned through pthread_join().
 *
 * Each thread touches only its own copy; the join orders each result
 * before main reads it.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <string.h>

static __thread char scratch[64];

static void *worker(void *arg)
{
	long id = (long)arg;

	memset(scratch, (int)id, sizeof(scratch));
	return (void *)(long)(scratch[10] + scratch[63]);
}

int main(void)
{
	pthread_t t[4];
	long sum = 0;

	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(t[i], &r);
		sum += (long)r;
	}
	return sum != 12;
}
