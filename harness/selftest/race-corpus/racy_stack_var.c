// SPDX-License-Identifier: MIT
/*
 * racy_stack_var.c - a stack variable shared by pointer, written by two
 * threads.
 *
 * main passes the address of its local `total` to a worker and keeps
 * writing it itself. Stack memory races like any other memory; DRD only
 * looks at the stack with --check-stack-var=yes.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdio.h>

static void *add(void *arg)
{
	int *total = arg;

	for (int i = 0; i < 1000; i++)
		*total += 1; /* races with main's writes below */
	return NULL;
}

int main(void)
{
	int total = 0; /* on main's stack, shared by pointer */
	pthread_t t;

	pthread_create(&t, NULL, add, &total);
	for (int i = 0; i < 1000; i++)
		total += 1; /* the race */
	pthread_join(t, NULL);
	printf("total = %d (want 2000)\n", total);
	return 0;
}
