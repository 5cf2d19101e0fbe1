// SPDX-License-Identifier: MIT
/*
 * Lab 02 under the explorer: two or three threads take the lab's mutex a
 * few times each and add one to a plain counter inside, with a thread
 * switch allowed in the middle of the increment. Every schedule must keep
 * one thread inside at a time, count every entry, end with no thread left
 * asleep (a lost wake-up leaves one on the futex for ever, which the
 * explorer reports as "every thread is blocked") and keep the ownership
 * rules: release of a free mutex is -EPERM and changes nothing.
 *
 * --mix 0: every thread uses mutex_acquire(); --mix 1: thread k's i-th
 * entry uses acquire, acquire_timed, try_acquire and exec in turn (a timed
 * acquire may time out, as a scheduling choice; a try that finds the lock
 * busy yields and tries again).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "explore.h"
#include "mutex.h"
#include "preempt.h"

enum op { OP_ACQUIRE, OP_TIMED, OP_TRY, OP_EXEC, OP_COUNT };
static const char *op_names[] = {"mutex_acquire", "mutex_acquire_timed",
				 "mutex_try_acquire", "mutex_exec"};

static unsigned long nthreads = 2, iters = 2, mix;
static struct mutex m;
static int counter; /* plain: the mutex is what protects it */
static _Atomic int inside, entries;

/* A lab call's result: -ENOSYS stops the search, others fail it. */
static int lab_rc(enum op op, int rc, bool timeout_ok)
{
	if (rc == -ENOSYS)
		explore_setup_error("%s returned -ENOSYS: "
				    "labs/02-mutex/src/mutex.c is not written "
				    "yet (TODO(lab02))",
				    op_names[op]);
	if (rc < 0 && !(timeout_ok && rc == -ETIMEDOUT))
		explore_fail("%s returned %d (%s) while it should succeed",
			     op_names[op], rc, strerror(-rc));
	return rc;
}

static int critical_section(void *arg)
{
	int c;

	(void)arg;
	if (atomic_exchange(&inside, 1))
		explore_fail("two threads inside the critical section at "
			     "once: the mutex let a second one in");
	c = counter;
	lab_preempt();
	counter = c + 1;
	explore_say("critical section: counter=%d", c + 1);
	atomic_fetch_add(&entries, 1);
	atomic_store(&inside, 0);
	return 0;
}

static void enter(enum op op)
{
	static const struct timespec timeout = {1, 0};
	int rc;

	switch (op) {
	case OP_EXEC:
		lab_rc(op, mutex_exec(&m, critical_section, NULL), false);
		return;
	case OP_TRY:
		while ((rc = mutex_try_acquire(&m)) == -EAGAIN)
			sched_yield();
		lab_rc(op, rc, false);
		break;
	case OP_TIMED:
		if (lab_rc(op, mutex_acquire_timed(&m, &timeout), true) < 0)
			return; /* timed out: not inside, nothing to undo */
		break;
	default:
		lab_rc(op, mutex_acquire(&m), false);
	}
	critical_section(NULL);
	lab_rc(op, mutex_release(&m), false);
}

static void *worker(void *arg)
{
	unsigned long k = (unsigned long)(uintptr_t)arg;

	for (unsigned long i = 0; i < iters; i++)
		enter(mix ? (enum op)((k + i) % OP_COUNT) : OP_ACQUIRE);
	return NULL;
}

/* After the threads: the ownership rules, one thread, the mutex free. */
static void ownership(void)
{
	int rc = mutex_release(&m);

	if (rc == -ENOSYS)
		lab_rc(OP_ACQUIRE, rc, false);
	if (rc != -EPERM)
		explore_fail("mutex_release of a free mutex returned %d, "
			     "want -EPERM (%d)",
			     rc, -EPERM);
	if (atomic_load(&m.state) != MUTEX_UNLOCKED)
		explore_fail("mutex_release of a free mutex left the word %u, "
			     "want UNLOCKED",
			     (unsigned)atomic_load(&m.state));
	rc = mutex_try_acquire(&m);
	if (rc != 0)
		explore_fail("mutex_try_acquire of a free mutex returned %d",
			     rc);
	rc = mutex_try_acquire(&m);
	if (rc != -EAGAIN)
		explore_fail("mutex_try_acquire of a held mutex returned %d, "
			     "want -EAGAIN (%d)",
			     rc, -EAGAIN);
	lab_rc(OP_ACQUIRE, mutex_release(&m), false);
}

static void body(void)
{
	pthread_t tid[3];

	if (nthreads < 1 || nthreads > 3)
		explore_setup_error("--threads %lu: 1 to 3", nthreads);
	explore_name(&m.state, "state");
	mutex_init(&m);
	for (unsigned long k = 0; k < nthreads; k++)
		pthread_create(&tid[k], NULL, worker, (void *)(uintptr_t)k);
	/* The last first, so that main sleeps until all are done. */
	for (unsigned long k = nthreads; k-- > 0;)
		pthread_join(tid[k], NULL);
	if (counter != atomic_load(&entries))
		explore_fail("lost update: counter is %d after %d entries",
			     counter, atomic_load(&entries));
	ownership();
	mutex_destroy(&m);
}

int main(int argc, char **argv)
{
	static const struct explore_test test = {
		"explore_mutex",
		"The lab's mutex, 2-3 threads, every schedule within the "
		"bound.",
		body, "dfs", 2, false};
	const struct scenario_opt opts[] = {
		{"threads", &nthreads, "threads, 1 to 3"},
		{"iters", &iters, "entries per thread"},
		{"mix", &mix, "1: acquire, timed, try and exec in turn"},
		{NULL, NULL, NULL},
	};

	return explore_main(&test, opts, argc, argv);
}
