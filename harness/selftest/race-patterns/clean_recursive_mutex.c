// SPDX-License-Identifier: MIT
/*
 * clean_recursive_mutex.c - a recursive mutex taken twice by the same
 * thread around a shared list length.
 *
 * Expect: clean
 */
#include <pthread.h>

static pthread_mutex_t lock;
static int length; /* protected by lock */

static void add(int n)
{
	pthread_mutex_lock(&lock);
	length += n;
	if (n > 1)
		add(n - 1); /* takes it again */
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	for (int i = 0; i < 10; i++)
		add(3);
	return arg;
}

int main(void)
{
	pthread_mutexattr_t a;
	pthread_t t[2];

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&lock, &a);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return length != 120;
}
