// SPDX-License-Identifier: MIT
/* Runner self-test: two threads increment a plain int: a data race. */
#include <pthread.h>
#include <stdio.h>

static int hits;

static void *bump(void *arg)
{
	for (int i = 0; i < 1000; i++)
		hits++; /* the race */
	return arg;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, bump, NULL);
	pthread_create(&b, NULL, bump, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("STAT runs=1 failures=0 first=0 seed=0\n");
	return 0;
}
