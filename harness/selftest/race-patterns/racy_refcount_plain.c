// SPDX-License-Identifier: MIT
/*
 * racy_refcount_plain.c - a shared object's reference count dropped by
 * two threads with a plain decrement.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdlib.h>

struct obj {
	int refs;
	int value;
};

static void put(struct obj *o)
{
	if (--o->refs == 0)
		o->value = -1;
}

static void *user(void *arg)
{
	put(arg);
	return NULL;
}

int main(void)
{
	struct obj *o = malloc(sizeof(*o));
	pthread_t t[2];

	o->refs = 2;
	o->value = 1;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, user, o);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	free(o);
	return 0;
}
