// SPDX-License-Identifier: MIT
/*
 * racy_struct_field_shared.c - each thread owns one field of a heap
 * struct, except the "last updated by" field that both write.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdlib.h>

struct stats {
	long a_count;
	long b_count;
	int last; /* written by both */
};

static void *count_a(void *arg)
{
	struct stats *s = arg;

	s->a_count++;
	s->last = 1;
	return NULL;
}

static void *count_b(void *arg)
{
	struct stats *s = arg;

	s->b_count++;
	s->last = 2;
	return NULL;
}

int main(void)
{
	struct stats *s = calloc(1, sizeof(*s));
	pthread_t t1, t2;

	pthread_create(&t1, NULL, count_a, s);
	pthread_create(&t2, NULL, count_b, s);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	free(s);
	return 0;
}
