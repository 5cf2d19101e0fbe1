/* SPDX-License-Identifier: MIT */
/*
 * product.h - the driver shared by the three thread-product programs.
 *
 * The chapter's ch6-mutex/thread-product.js starts three workers on a
 * shared Int32Array [2, 3, 5, 7]. Worker i loads element i, busy-loops,
 * loads element 3, stores the product in element 3 and asserts that
 * element 3 now holds that product. Each C version supplies only the
 * worker's body, as the chapter's versions differ only in the worker; this
 * driver does the rest: it resets the array, starts the three threads at a
 * barrier so that they really overlap, joins them, and checks the
 * chapter's assertion and the final product 2*3*5*7 = 210. It repeats that
 * --runs times and reports through scenario.h.
 */
#ifndef PRODUCT_H
#define PRODUCT_H

#include <stddef.h>

#define PRODUCT_THREADS 3
#define PRODUCT_WANT (2 * 3 * 5 * 7)

struct product_ops {
	const char *name;
	const char *summary;
	/* Put [2, 3, 5, 7] back (and set up a lock, if any). */
	void (*reset)(void);
	/*
	 * Worker i's body. Returns 0, 1 if the chapter's assertion failed
	 * (why says how, e.g. "shared[3] is 42, want a * b = 30"), or a
	 * negative errno if a lab call failed.
	 */
	int (*worker)(int i, char *why, size_t cap);
	/* Element 3 after all three workers are done. */
	int (*result)(void);
};

/* Busy-loop iterations, the chapter's `for (j < 1_000_000)`: --spin N. */
extern unsigned long product_spin;

/* A loop the compiler must keep: the work between the two loads. */
void busy_loop(unsigned long n);

/* Parse the options, run the experiment, report; returns the exit status. */
int product_main(const struct product_ops *ops, int argc, char **argv);

#endif /* PRODUCT_H */
