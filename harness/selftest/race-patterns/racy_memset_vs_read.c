// SPDX-License-Identifier: MIT
/*
 * racy_memset_vs_read.c - a worker clears a heap table with memset()
 * while main reads an entry of it.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int *table;

static void *clearer(void *arg)
{
	memset(table, 0, 64 * sizeof(*table));
	return arg;
}

int main(void)
{
	pthread_t t;
	int v;

	table = malloc(64 * sizeof(*table));
	table[10] = 1;
	pthread_create(&t, NULL, clearer, NULL);
	v = table[10];
	pthread_join(t, NULL);
	free(table);
	return v > 1;
}
