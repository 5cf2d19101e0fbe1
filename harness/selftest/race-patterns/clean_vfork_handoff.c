// SPDX-License-Identifier: MIT
/*
 * clean_vfork_handoff.c - a worker thread starts a child with vfork() and
 * waits for it, then publishes the child's status under a mutex.
 *
 * The vfork()ed child only calls _exit(); everything shared between the
 * threads is under the mutex. TSan intercepts vfork as a fork; Valgrind
 * runs vfork() as fork().
 *
 * Expect: clean
 */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int child_status = -1; /* protected by lock */

static void *spawner(void *arg)
{
	int st;
	pid_t pid = vfork();

	if (pid == 0)
		_exit(3);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return NULL;
	pthread_mutex_lock(&lock);
	child_status = WEXITSTATUS(st);
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pthread_t t;
	int st;

	pthread_create(&t, NULL, spawner, NULL);
	pthread_join(t, NULL);
	pthread_mutex_lock(&lock);
	st = child_status;
	pthread_mutex_unlock(&lock);
	return st != 3;
}
