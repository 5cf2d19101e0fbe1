// SPDX-License-Identifier: MIT
/*
 * Lab 02: ch6-mutex/thread-product-mutex.js. The worker's body becomes a
 * critical section run by mutex_exec(), the chapter's mutex.exec(), so the
 * plain loads and stores inside it need no atomics: the lock orders them.
 * As in the chapter, the lock word sits right after the four ints.
 */
#include <stdio.h>

#include "mutex.h"
#include "preempt.h"
#include "product.h"

static struct {
	int ints[4];
	struct mutex lock; /* the chapter's Int32Array index 4 */
} shared;

struct section {
	int i;
	char *why;
	size_t cap;
};

static void reset(void)
{
	shared.ints[0] = 2, shared.ints[1] = 3, shared.ints[2] = 5;
	shared.ints[3] = 7;
	mutex_init(&shared.lock);
}

static int critical_section(void *arg)
{
	struct section *s = arg;
	int a = shared.ints[s->i];

	busy_loop(product_spin);
	lab_preempt();
	int b = shared.ints[3];
	lab_preempt();
	shared.ints[3] = a * b;
	lab_preempt();
	if (shared.ints[3] != a * b) {
		snprintf(s->why, s->cap, "shared[3] is %d, want a * b = %d",
			 shared.ints[3], a * b);
		return 1;
	}
	return 0;
}

static int worker(int i, char *why, size_t cap)
{
	struct section s = {i, why, cap};

	return mutex_exec(&shared.lock, critical_section, &s);
}

static int result(void)
{
	return shared.ints[3];
}

int main(int argc, char **argv)
{
	const struct product_ops ops = {
		"thread_product_mutex",
		"The chapter's fix: each worker's body is a critical section.",
		reset, worker, result};

	return product_main(&ops, argc, argv);
}
