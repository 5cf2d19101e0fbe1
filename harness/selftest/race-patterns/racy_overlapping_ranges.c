// SPDX-License-Identifier: MIT
/*
 * racy_overlapping_ranges.c - two threads each fill "their" half of an
 * array, but the bounds overlap by one element (an off-by-one).
 *
 * Element 4 is written by both threads with no order.
 *
 * Expect: racy
 */
#include <pthread.h>

static int cells[8];

struct range {
	int from, to;
};

static void *fill(void *arg)
{
	struct range *r = arg;

	for (int i = r->from; i <= r->to; i++) /* <= : one too many */
		cells[i] = r->from + 1;
	return NULL;
}

int main(void)
{
	struct range lo = {0, 4}, hi = {4, 7};
	pthread_t a, b;

	pthread_create(&a, NULL, fill, &lo);
	pthread_create(&b, NULL, fill, &hi);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return cells[4] > 8;
}
