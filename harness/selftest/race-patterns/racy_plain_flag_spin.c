// SPDX-License-Identifier: MIT
/*
 * racy_plain_flag_spin.c - main spins on a plain int flag that a worker
 * sets after writing the data.
 *
 * A plain flag orders nothing: the flag itself races, and so does the
 * data. (volatile would not help: it is not synchronisation in C11.)
 *
 * Expect: racy
 */
#include <pthread.h>
#include <sched.h>

static int data;
static volatile int ready;

static void *worker(void *arg)
{
	data = 42;
	ready = 1;
	return arg;
}

int main(void)
{
	pthread_t t;
	int v;

	pthread_create(&t, NULL, worker, NULL);
	while (!ready)
		sched_yield();
	v = data;
	pthread_join(t, NULL);
	return v != 42;
}
