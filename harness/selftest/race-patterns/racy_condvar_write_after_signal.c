// SPDX-License-Identifier: MIT
/*
 * racy_condvar_write_after_signal.c - the producer sets the ready flag
 * under the mutex and signals, then writes one more field outside it.
 *
 * The late write is not ordered before the consumer's read of it.
 *
 * Expect: racy
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;
static struct {
	int id, size;
} msg;

static void *producer(void *arg)
{
	pthread_mutex_lock(&lock);
	msg.id = 1;
	ready = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&lock);
	msg.size = 64; /* too late: after the hand-off */
	return arg;
}

int main(void)
{
	pthread_t t;
	int size;

	pthread_create(&t, NULL, producer, NULL);
	pthread_mutex_lock(&lock);
	while (!ready)
		pthread_cond_wait(&cv, &lock);
	pthread_mutex_unlock(&lock);
	size = msg.size;
	pthread_join(t, NULL);
	return size > 64;
}
