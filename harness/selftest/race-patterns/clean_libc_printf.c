// SPDX-License-Identifier: MIT
/*
 * clean_libc_printf.c - several threads print to one stdio stream.
 *
 * stdio locks the stream inside glibc; the buffer's accesses are the
 * library's, ordered by its own lock. A detector that cannot see that lock
 * reports frames inside libc only: no line of this program.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdio.h>

static void *worker(void *arg)
{
	for (int i = 0; i < 3; i++)
		printf("thread %ld line %d\n", (long)arg, i);
	return arg;
}

int main(void)
{
	pthread_t t[3];

	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return 0;
}
