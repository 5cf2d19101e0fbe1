// SPDX-License-Identifier: MIT
/*
 * clean_fork_child_copy.c - a thread runs and is joined, then the process
 * forks; parent and child each write their own copy of a global.
 *
 * After fork() the two processes share no memory: no race.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static int shared_looking;

static void *worker(void *arg)
{
	shared_looking = 1;
	return arg;
}

int main(void)
{
	pthread_t t;
	pid_t pid;
	int st;

	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	pid = fork();
	if (pid == 0) {
		shared_looking = 2;
		_exit(shared_looking);
	}
	shared_looking = 3;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	return WEXITSTATUS(st) != 2 || shared_looking != 3;
}
