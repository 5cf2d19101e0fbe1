// SPDX-License-Identifier: MIT
/*
 * racy_adjacent_bitfields.c - two threads each write "their own" bit-field
 * of one struct.
 *
 * Adjacent bit-fields share one memory location (C11 3.14): writing one
 * reads and writes the whole unit, so the two writes race.
 *
 * Expect: racy
 */
#include <pthread.h>

static struct {
	unsigned a : 4;
	unsigned b : 4;
} flags;

static void *set_a(void *arg)
{
	flags.a = 3;
	return arg;
}

static void *set_b(void *arg)
{
	flags.b = 5;
	return arg;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_create(&t1, NULL, set_a, NULL);
	pthread_create(&t2, NULL, set_b, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return flags.a + flags.b > 30;
}
