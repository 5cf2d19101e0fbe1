// SPDX-License-Identifier: MIT
/*
 * clean_spinlock_pthread.c - a counter under pthread_spin_lock().
 *
 * Expect: clean
 */
#include <pthread.h>

static pthread_spinlock_t spin;
static int counter; /* protected by spin */

static void *worker(void *arg)
{
	for (int i = 0; i < 100; i++) {
		pthread_spin_lock(&spin);
		counter++;
		pthread_spin_unlock(&spin);
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return counter != 200;
}
