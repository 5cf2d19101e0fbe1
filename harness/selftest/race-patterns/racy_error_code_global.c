// SPDX-License-Identifier: MIT
/*
 * racy_error_code_global.c - a library-style global "last error" written
 * by every thread that fails (an errno that is not thread-local).
 *
 * Expect: racy
 */
#include <pthread.h>

static int last_error;

static int parse(int x)
{
	if (x % 2) {
		last_error = x;
		return -1;
	}
	return 0;
}

static void *worker(void *arg)
{
	for (int i = 0; i < 10; i++)
		parse((int)(long)arg + i);
	return arg;
}

int main(void)
{
	pthread_t t[2];

	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return last_error > 100;
}
