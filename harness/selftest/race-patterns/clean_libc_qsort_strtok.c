// SPDX-License-Identifier: MIT
/*
 * clean_libc_qsort_strtok.c - reentrant library calls on per-thread data:
 * qsort() and strtok_r() each on the thread's own buffer.
 *
 * Nothing is shared but read-only string literals.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void *worker(void *arg __attribute__((unused)))
{
	int v[8] = {5, 3, 7, 1, 8, 2, 6, 4};
	char line[] = "a,b,c,d";
	char *save, *tok;
	long n = 0;

	qsort(v, 8, sizeof(v[0]), cmp);
	for (tok = strtok_r(line, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		n++;
	return (void *)(n + v[0]);
}

int main(void)
{
	pthread_t t[3];
	long sum = 0;

	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 3; i++) {
		void *r;

		pthread_join(t[i], &r);
		sum += (long)r;
	}
	return sum != 15;
}
