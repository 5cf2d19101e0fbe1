// SPDX-License-Identifier: MIT
/*
 * racy_tls_pointer_escape.c - main stores a pointer to its own __thread
 * variable in a global; a worker writes through it while main writes the
 * variable too.
 *
 * A thread-local variable is private only while its address stays home.
 * This is main's TLS, which the loader allocates, so all three detectors
 * watch it.
 *
 * Expect: racy
 */
#include <pthread.h>

static __thread int mine;
static int *escaped;

static void *worker(void *arg)
{
	*escaped += 1;
	return arg;
}

int main(void)
{
	pthread_t t;

	escaped = &mine;
	pthread_create(&t, NULL, worker, NULL);
	mine += 10;
	pthread_join(t, NULL);
	return mine > 11;
}
