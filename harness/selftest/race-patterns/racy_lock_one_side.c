// SPDX-License-Identifier: MIT
/*
 * racy_lock_one_side.c - the writer holds the mutex, the reader does not.
 *
 * A lock protects a variable only when every access takes it.
 *
 * Expect: racy
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

static void *writer(void *arg)
{
	for (int i = 0; i < 20; i++) {
		pthread_mutex_lock(&lock);
		balance -= 1;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

int main(void)
{
	pthread_t t;
	long seen = 0;

	pthread_create(&t, NULL, writer, NULL);
	for (int i = 0; i < 20; i++)
		seen += balance; /* no lock */
	pthread_join(t, NULL);
	return seen < 0;
}
