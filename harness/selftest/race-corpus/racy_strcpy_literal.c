// SPDX-License-Identifier: MIT
/*
 * racy_strcpy_literal.c - two threads strcpy() a literal into one shared
 * buffer.
 *
 * A data race through a library call. gcc expands strcpy() of a string
 * literal inline, as plain stores that its ThreadSanitizer pass does not
 * instrument, so gcc's TSan reports nothing (measured: 0 of 5 runs at -O0,
 * -O1 and -O2). clang turns the same calls into memcpy(), which TSan
 * intercepts, and into an instrumented store, and reports the race on every
 * run. Helgrind and DRD watch the machine's stores and see it too.
 *
 * Expect: racy
 * Expect-note: gcc's TSan missed it
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static char name[32];

static void *alice(void *arg)
{
	strcpy(name, "alice"); /* the race: both threads write name[] */
	return arg;
}

static void *bob(void *arg)
{
	strcpy(name, "bob");
	return arg;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, alice, NULL);
	pthread_create(&b, NULL, bob, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("name = %s\n", name);
	return 0;
}
