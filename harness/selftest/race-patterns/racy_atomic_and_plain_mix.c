// SPDX-License-Identifier: MIT
/*
 * racy_atomic_and_plain_mix.c - one thread increments a counter with
 * __atomic_fetch_add, another resets it with a plain store.
 *
 * An atomic access does not order a plain one to the same memory: both
 * must be atomic.
 *
 * Expect: racy
 */
#include <pthread.h>

static int counter;

static void *adder(void *arg)
{
	for (int i = 0; i < 50; i++)
		__atomic_fetch_add(&counter, 1, __ATOMIC_SEQ_CST);
	return arg;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, adder, NULL);
	counter = 0; /* plain */
	pthread_join(t, NULL);
	return 0;
}
