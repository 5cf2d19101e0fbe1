// SPDX-License-Identifier: MIT
/*
 * racy_write_after_pipe.c - the worker writes the wake-up byte to the pipe
 * and only then fills in the answer.
 *
 * The pipe orders what came before the write() only.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <unistd.h>

static int fds[2];
static int answer;

static void *worker(void *arg)
{
	if (write(fds[1], "x", 1) != 1)
		return NULL;
	answer = 42; /* after the hand-off */
	return arg;
}

int main(void)
{
	pthread_t t;
	char c;
	int v;

	if (pipe(fds) != 0)
		return 2;
	pthread_create(&t, NULL, worker, NULL);
	if (read(fds[0], &c, 1) != 1)
		return 2;
	v = answer;
	pthread_join(t, NULL);
	return v > 42;
}
