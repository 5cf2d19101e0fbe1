// SPDX-License-Identifier: MIT
/*
 * racy_shared_stack_array.c - main passes the address of its local array
 * to two workers, which both write element 0.
 *
 * A stack variable shared by pointer is as shared as a global.
 *
 * Expect: racy
 */
#include <pthread.h>

static void *worker(void *arg)
{
	int *v = arg;

	v[0] += 1;
	return NULL;
}

int main(void)
{
	int local[4] = {0};
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, local);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return local[0] > 2;
}
