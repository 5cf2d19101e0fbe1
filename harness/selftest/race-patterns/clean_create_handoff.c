// SPDX-License-Identifier: MIT
/*
 * clean_create_handoff.c - main fills a heap block, then passes it to a
 * new thread, which owns it from then on and frees it.
 *
 * pthread_create() orders everything main did before it with everything
 * the new thread does.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdlib.h>

struct job {
	int n;
	long out;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	long r;

	for (int i = 0; i < j->n; i++)
		j->out += i;
	r = j->out;
	free(j);
	return (void *)r;
}

int main(void)
{
	struct job *j = malloc(sizeof(*j));
	pthread_t t;
	void *r;

	j->n = 10;
	j->out = 0;
	pthread_create(&t, NULL, worker, j);
	pthread_join(t, &r);
	return (long)r != 45;
}
