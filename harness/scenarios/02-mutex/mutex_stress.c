// SPDX-License-Identifier: MIT
/*
 * Lab 02: hammer the mutex from several threads through every way in
 * (acquire, try_acquire, acquire_timed, exec) and check the two things a
 * lock promises: at most one thread is ever inside, and no increment of a
 * plain counter under the lock is lost. A lost wake-up shows as a hang,
 * which the runner's timeout turns into a verdict.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "mutex.h"
#include "preempt.h"
#include "scenario.h"

static unsigned long n_threads = 4;
static unsigned long iters = 20000;

static struct mutex lock;
static long counter;         /* protected by lock, deliberately not atomic */
/*
 * How many threads are inside the critical section. Every access to it is
 * relaxed on purpose: the read-modify-writes are still atomic, which is all
 * that counting needs, and they add no happens-before edge of their own. A
 * seq_cst counter here would order the threads' accesses to counter by
 * itself and hide, from TSan, a lock whose acquire or release lacks its
 * memory order.
 */
static _Atomic int inside;
static _Atomic long overlaps;
static _Atomic int lab_error;

static pthread_barrier_t start;

static int increment(void *unused)
{
	(void)unused;
	if (atomic_fetch_add_explicit(&inside, 1, memory_order_relaxed) != 0)
		atomic_fetch_add_explicit(&overlaps, 1, memory_order_relaxed);
	long c = counter;
	if ((lab_noise_rand() & 15) == 0)
		lab_preempt();
	counter = c + 1;
	atomic_fetch_sub_explicit(&inside, 1, memory_order_relaxed);
	return 0;
}

/* Take the lock one of four ways; returns 0 or a negative errno. */
static int locked_increment(uint64_t r)
{
	const struct timespec patience = {5, 0};
	int rc;

	switch (r & 3) {
	case 0:
		return mutex_exec(&lock, increment, NULL);
	case 1:
		while ((rc = mutex_try_acquire(&lock)) == -EAGAIN)
			lab_preempt();
		break;
	case 2:
		while ((rc = mutex_acquire_timed(&lock, &patience)) ==
		       -ETIMEDOUT)
			;
		break;
	default:
		rc = mutex_acquire(&lock);
		break;
	}
	if (rc < 0)
		return rc;
	increment(NULL);
	return mutex_release(&lock);
}

static void *thread_main(void *arg)
{
	unsigned long index = (unsigned long)(uintptr_t)arg;

	lab_noise_thread(index);
	pthread_barrier_wait(&start);
	for (unsigned long k = 0; k < iters; k++) {
		int rc = locked_increment(lab_noise_rand());

		if (rc < 0) {
			atomic_store(&lab_error, rc);
			break;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct scenario sc = {
		.name = "mutex_stress",
		.summary = "Threads increment a plain counter under the lab's "
			   "mutex; nothing may be lost.",
	};
	const struct scenario_opt opts[] = {
		{"threads", &n_threads, "threads contending for the lock"},
		{"iters", &iters, "increments per thread per run"},
		{NULL, NULL, NULL},
	};
	pthread_t tid[64];

	scenario_parse(&sc, opts, argc, argv);
	if (n_threads < 1 || n_threads > 64) {
		fprintf(stderr, "mutex_stress: --threads must be 1..64\n");
		return 2;
	}
	for (unsigned long run = 0; run < sc.runs; run++) {
		long want = (long)(n_threads * iters);

		mutex_init(&lock);
		counter = 0;
		atomic_store(&overlaps, 0);
		pthread_barrier_init(&start, NULL, (unsigned)n_threads);
		for (unsigned long t = 0; t < n_threads; t++)
			pthread_create(&tid[t], NULL, thread_main,
				       (void *)(uintptr_t)(run * 64 + t));
		for (unsigned long t = 0; t < n_threads; t++)
			pthread_join(tid[t], NULL);
		pthread_barrier_destroy(&start);
		mutex_destroy(&lock);
		if (atomic_load(&lab_error))
			scenario_die("mutex_stress: a mutex call",
				     atomic_load(&lab_error));
		if (atomic_load(&overlaps))
			scenario_fail(&sc, run,
				      "%ld times two threads were inside the "
				      "critical section at once",
				      atomic_load(&overlaps));
		else if (counter != want)
			scenario_fail(&sc, run,
				      "lost update: counter is %ld, want %ld",
				      counter, want);
	}
	return scenario_finish(&sc);
}
