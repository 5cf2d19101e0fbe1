// SPDX-License-Identifier: MIT
/*
 * racy_detached_writer.c - a detached thread writes a global that main
 * reads after a sleep.
 *
 * A detached thread cannot be joined, and a sleep orders nothing.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <unistd.h>

static int status;

static void *worker(void *arg)
{
	status = 1;
	return arg;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, worker, NULL);
	pthread_detach(t);
	usleep(20 * 1000);
	return status != 1;
}
