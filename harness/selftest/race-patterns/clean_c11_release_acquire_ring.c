// SPDX-License-Identifier: MIT
/*
 * clean_c11_release_acquire_ring.c - a one-producer one-consumer ring:
 * plain slots, positions published with release and read with acquire.
 *
 * The producer's release store of prod pairs with the consumer's acquire
 * load: a consumer that sees a position sees the slot's contents; the
 * same holds for cons in the other direction, so a slot is reused only
 * after it was read.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdatomic.h>

enum { SIZE = 4, ITEMS = 50 };
static int slot[SIZE];
static atomic_uint prod, cons;

static void *producer(void *arg)
{
	for (unsigned i = 0; i < ITEMS; i++) {
		while (i - atomic_load_explicit(&cons, memory_order_acquire) == SIZE)
			;
		slot[i % SIZE] = (int)i;
		atomic_store_explicit(&prod, i + 1, memory_order_release);
	}
	return arg;
}

int main(void)
{
	pthread_t t;
	long sum = 0;

	pthread_create(&t, NULL, producer, NULL);
	for (unsigned i = 0; i < ITEMS; i++) {
		while (atomic_load_explicit(&prod, memory_order_acquire) == i)
			;
		sum += slot[i % SIZE];
		atomic_store_explicit(&cons, i + 1, memory_order_release);
	}
	pthread_join(t, NULL);
	return sum != ITEMS * (ITEMS - 1) / 2;
}
