// SPDX-License-Identifier: MIT
/*
 * racy_relaxed_message_passing.c - plain data published with a relaxed
 * atomic flag.
 *
 * A relaxed store and load are atomic but order nothing else: the data's
 * write and read race. (release/acquire would make it correct.) Helgrind
 * and DRD do not model atomics; TSan does, and reports the data.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdatomic.h>

static int payload;
static atomic_int flag;

static void *producer(void *arg)
{
	payload = 17;
	/* The bug under test: relaxed publishes nothing. */
	atomic_store_explicit(&flag, 1, memory_order_relaxed);
	return arg;
}

int main(void)
{
	pthread_t t;
	int v;

	pthread_create(&t, NULL, producer, NULL);
	while (!atomic_load_explicit(&flag, memory_order_relaxed))
		;
	v = payload;
	pthread_join(t, NULL);
	return v != 17;
}
