// SPDX-License-Identifier: MIT
/*
 * clean_c11_message_passing.c - message passing with release/acquire.
 *
 * The producer writes a plain struct, then publishes it with a release
 * store of `ready`; the consumer spins on an acquire load and then reads
 * the struct. The release/acquire pair orders the plain accesses: no data
 * race, and TSan agrees. Helgrind and DRD do not treat C11 atomics as
 * synchronisation, so they report the plain accesses (and the flag): false
 * alarms that race-detect must explain and not count.
 *
 * Expect: clean
 * Expect-note: C11 atomics
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

struct message {
	int id;
	char text[32];
};

static struct message box;
static atomic_int ready;

static void *produce(void *arg)
{
	box.id = 7;
	snprintf(box.text, sizeof(box.text), "hello from the producer");
	/* Publish. Pairs with the acquire load in consume(): a consumer
	 * that sees ready == 1 also sees the whole message. */
	atomic_store_explicit(&ready, 1, memory_order_release);
	return arg;
}

static void *consume(void *arg)
{
	while (!atomic_load_explicit(&ready, memory_order_acquire))
		sched_yield();
	printf("message %d: %s\n", box.id, box.text);
	return arg;
}

int main(void)
{
	pthread_t p, c;

	pthread_create(&c, NULL, consume, NULL);
	pthread_create(&p, NULL, produce, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	return 0;
}
