// SPDX-License-Identifier: MIT
/*
 * racy_init_flag_outside_once.c - a hand-made "init once" with a plain
 * boolean instead of pthread_once().
 *
 * Two threads may both see initialised == false and both write the table
 * and the flag.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdbool.h>

static bool initialised;
static int table[4];

static void *worker(void *arg __attribute__((unused)))
{
	if (!initialised) {
		for (int i = 0; i < 4; i++)
			table[i] = i;
		initialised = true;
	}
	return (void *)(long)table[3];
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}
