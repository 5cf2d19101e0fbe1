// SPDX-License-Identifier: MIT
/*
 * Lab 02: ch6-mutex/thread-product.js with plain ints. The loads and the
 * store of shared[3] race with the other workers' accesses: a data race,
 * which is undefined behaviour in C11 and which ThreadSanitizer and
 * Helgrind report on the first run, whatever the timing.
 */
#include <stdio.h>

#include "preempt.h"
#include "product.h"

static int shared[4];

static void reset(void)
{
	shared[0] = 2, shared[1] = 3, shared[2] = 5, shared[3] = 7;
}

static int worker(int i, char *why, size_t cap)
{
	int a = shared[i];

	busy_loop(product_spin);
	lab_preempt();
	int b = shared[3]; /* races with the store below in another worker */
	lab_preempt();
	shared[3] = a * b;
	lab_preempt();
	if (shared[3] != a * b) {
		snprintf(why, cap, "shared[3] is %d, want a * b = %d",
			 shared[3], a * b);
		return 1;
	}
	return 0;
}

static int result(void)
{
	return shared[3];
}

int main(int argc, char **argv)
{
	const struct product_ops ops = {
		"thread_product",
		"Three threads multiply a shared int without atomics or a lock.",
		reset, worker, result};

	return product_main(&ops, argc, argv);
}
