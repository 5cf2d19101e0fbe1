// SPDX-License-Identifier: MIT
/*
 * clean_check_then_act_atomics.c - a race condition with no data race.
 *
 * Two buyers see one seat left and both buy it. Every shared access is a
 * C11 atomic, so there is no data race and no detector reports anything;
 * yet checking `seats` and then decrementing it are two steps, and another
 * thread can act in between. The sleep widens that window the way the
 * harness's schedule noise does. The program checks its own invariant
 * (never more tickets than seats) and exits 1 when it breaks: only such a
 * stated invariant, checked under stress, finds a race condition.
 *
 * Expect: clean
 * Expect-note: race condition
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_int seats;
static atomic_int sold;

static void *buy(void *arg)
{
	if (atomic_load(&seats) > 0) { /* check ... */
		usleep(10 * 1000);
		atomic_fetch_sub(&seats, 1); /* ... then act: too late */
		atomic_fetch_add(&sold, 1);
	}
	return arg;
}

int main(void)
{
	int oversold = 0;

	for (int run = 0; run < 5; run++) {
		pthread_t a, b;

		atomic_store(&seats, 1);
		atomic_store(&sold, 0);
		pthread_create(&a, NULL, buy, NULL);
		pthread_create(&b, NULL, buy, NULL);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		if (atomic_load(&sold) > 1)
			oversold++;
	}
	if (oversold) {
		fprintf(stderr, "oversold in %d of 5 runs: 2 tickets for 1 seat\n",
			oversold);
		return 1;
	}
	return 0;
}
