// SPDX-License-Identifier: MIT
/*
 * racy_before_fork.c - a worker and main both update a global counter,
 * then the process forks.
 *
 * The race is between the two threads before fork(); the child does not
 * change that.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static int counter;

static void *worker(void *arg)
{
	counter += 2;
	return arg;
}

int main(void)
{
	pthread_t t;
	pid_t pid;

	pthread_create(&t, NULL, worker, NULL);
	counter += 1;
	pthread_join(t, NULL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return counter > 3;
}
