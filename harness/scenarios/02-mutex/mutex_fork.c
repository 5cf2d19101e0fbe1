// SPDX-License-Identifier: MIT
/*
 * Lab 02: the mutex between processes. The lock word and a counter live in
 * MAP_SHARED memory, the C analogue of a SharedArrayBuffer handed to
 * workers; forked children increment the counter under the lock. First, a
 * child blocks on a lock the parent holds, to show that a wake-up crosses
 * the process boundary (a FUTEX_PRIVATE_FLAG futex would never wake it).
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mutex.h"
#include "preempt.h"
#include "scenario.h"

static unsigned long n_children = 4;
static unsigned long iters = 5000;

struct region {
	struct mutex lock;
	long counter; /* protected by lock */
	_Atomic int inside;
	_Atomic long overlaps;
};

static void child_increments(struct region *r, unsigned long index)
{
	lab_noise_thread(index);
	for (unsigned long k = 0; k < iters; k++) {
		int rc = mutex_acquire(&r->lock);

		if (rc < 0)
			_exit(2);
		if (atomic_fetch_add(&r->inside, 1) != 0)
			atomic_fetch_add(&r->overlaps, 1);
		long c = r->counter;
		if ((lab_noise_rand() & 15) == 0)
			lab_preempt();
		r->counter = c + 1;
		atomic_fetch_sub(&r->inside, 1);
		if (mutex_release(&r->lock) < 0)
			_exit(2);
	}
	_exit(0);
}

/* Says why a child's status is not a clean exit; returns 1 if so. */
static int reap_status(int status, unsigned long i, char *why, size_t cap)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(why, cap, "child %lu %s %d", i,
		 WIFEXITED(status) ? "exited with status"
				   : "was killed by signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 1;
}

/* Returns 0 when every child exited 0; otherwise says why. */
static int reap(pid_t *pids, unsigned long n, char *why, size_t cap)
{
	int bad = 0, status;

	for (unsigned long i = 0; i < n; i++) {
		waitpid(pids[i], &status, 0);
		if (!bad)
			bad = reap_status(status, i, why, cap);
	}
	return bad;
}

/* Wait up to 5 s for pid; kill it after that. Returns whether it exited 0. */
static int reap_within(pid_t pid, char *why, size_t cap)
{
	struct timespec pause = {0, 1000000};
	int status;

	for (int i = 0; i < 5000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return reap_status(status, 0, why, cap);
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	snprintf(why, cap, "the child blocked on the lock was never woken "
			   "(killed after 5 s)");
	return 1;
}

/* The parent holds the lock; a child must sleep, then be woken. */
static int cross_process_wakeup(struct region *r, char *why, size_t cap)
{
	struct timespec pause = {0, 1000000};
	pid_t pid;
	int rc = mutex_acquire(&r->lock);

	if (rc < 0)
		scenario_die("mutex_fork: mutex_acquire", rc);
	pid = fork();
	if (pid == 0) {
		_exit(mutex_acquire(&r->lock) == 0 &&
				      mutex_release(&r->lock) == 0
			      ? 0
			      : 2);
	}
	/* Give the child time to block (2 s at most), then let go. */
	for (int i = 0; i < 2000 && atomic_load(&r->lock.state) !=
					    MUTEX_CONTENDED; i++)
		nanosleep(&pause, NULL);
	rc = mutex_release(&r->lock);
	if (rc < 0)
		scenario_die("mutex_fork: mutex_release", rc);
	return reap_within(pid, why, cap);
}

int main(int argc, char **argv)
{
	struct scenario sc = {
		.name = "mutex_fork",
		.summary = "Processes share the lab's mutex in MAP_SHARED "
			   "memory.",
	};
	const struct scenario_opt opts[] = {
		{"children", &n_children, "processes contending for the lock"},
		{"iters", &iters, "increments per process per run"},
		{NULL, NULL, NULL},
	};
	struct region *r;
	pid_t pids[64];
	char why[160];

	scenario_parse(&sc, opts, argc, argv);
	if (n_children < 1 || n_children > 64) {
		fprintf(stderr, "mutex_fork: --children must be 1..64\n");
		return 2;
	}
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		scenario_die("mmap", -errno);
	mutex_init(&r->lock);
	if (cross_process_wakeup(r, why, sizeof(why)))
		scenario_fail(&sc, 0, "cross-process wake-up: %s", why);
	for (unsigned long run = 0; run < sc.runs && !sc.failures; run++) {
		long want = (long)(n_children * iters);

		r->counter = 0;
		atomic_store(&r->overlaps, 0);
		for (unsigned long i = 0; i < n_children; i++) {
			pids[i] = fork();
			if (pids[i] == 0)
				child_increments(r, run * 64 + i);
		}
		if (reap(pids, n_children, why, sizeof(why)))
			scenario_fail(&sc, run, "%s", why);
		else if (atomic_load(&r->overlaps))
			scenario_fail(&sc, run,
				      "%ld times two processes were inside the "
				      "critical section at once",
				      atomic_load(&r->overlaps));
		else if (r->counter != want)
			scenario_fail(&sc, run,
				      "lost update: counter is %ld, want %ld",
				      r->counter, want);
	}
	mutex_destroy(&r->lock);
	munmap(r, sizeof(*r));
	return scenario_finish(&sc);
}
