// SPDX-License-Identifier: MIT
/*
 * racy_argument_changed_after_create.c - main passes &i to each thread
 * and changes i for the next one.
 *
 * The loop's increment races with the thread's read of *arg.
 *
 * Expect: racy
 */
#include <pthread.h>

static void *worker(void *arg)
{
	return (void *)(long)*(int *)arg;
}

int main(void)
{
	pthread_t t[3];
	int i;

	for (i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, &i);
	for (int k = 0; k < 3; k++)
		pthread_join(t[k], NULL);
	return 0;
}
