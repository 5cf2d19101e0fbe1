// SPDX-License-Identifier: MIT
/*
 * Lab 02: ch6-mutex/thread-product.js as the chapter wrote it, with atomic
 * loads and stores (Atomics.load/store are sequentially consistent, and so
 * are these). Every access is atomic, so there is no data race and
 * ThreadSanitizer stays silent; yet another worker can store between our
 * load of shared[3] and our store, so the product is lost: a race
 * condition. Four atomic operations do not make one atomic step.
 */
#include <stdatomic.h>
#include <stdio.h>

#include "preempt.h"
#include "product.h"

static _Atomic int shared[4];

static void reset(void)
{
	static const int init[4] = {2, 3, 5, 7};

	for (int i = 0; i < 4; i++)
		atomic_store_explicit(&shared[i], init[i], memory_order_seq_cst);
}

static int worker(int i, char *why, size_t cap)
{
	int a = atomic_load_explicit(&shared[i], memory_order_seq_cst);

	busy_loop(product_spin);
	lab_preempt();
	int b = atomic_load_explicit(&shared[3], memory_order_seq_cst);
	lab_preempt(); /* another worker may store here... */
	atomic_store_explicit(&shared[3], a * b, memory_order_seq_cst);
	lab_preempt(); /* ...or here */
	int now = atomic_load_explicit(&shared[3], memory_order_seq_cst);
	if (now != a * b) {
		snprintf(why, cap, "shared[3] is %d, want a * b = %d", now,
			 a * b);
		return 1;
	}
	return 0;
}

static int result(void)
{
	return atomic_load_explicit(&shared[3], memory_order_seq_cst);
}

int main(int argc, char **argv)
{
	const struct product_ops ops = {
		"thread_product_atomic",
		"The chapter's version: atomic loads and stores, still a race "
		"condition.",
		reset, worker, result};

	return product_main(&ops, argc, argv);
}
