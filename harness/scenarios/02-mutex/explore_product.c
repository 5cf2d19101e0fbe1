// SPDX-License-Identifier: MIT
/*
 * Lab 02 under the explorer: ch6-mutex/thread-product.js, three workers
 * multiplying shared[3] by their own element. With --lock 0 the chapter's
 * atomic loads and stores, whose race condition the explorer finds in a
 * few schedules (the check expects it to); with --lock 1 each worker's body
 * is a critical section of mutex_exec(), as in thread-product-mutex.js, and
 * no schedule may lose an update. lab_preempt() marks where a thread switch
 * matters in the harness's own code, as in thread_product_atomic.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "explore.h"
#include "mutex.h"
#include "preempt.h"
#include "product.h"

static _Atomic int shared[4];
static struct mutex lock;
static unsigned long use_lock;

/* The chapter's worker body; returns 0, or fails the schedule. */
static int product_step(void *arg)
{
	int i = (int)(intptr_t)arg, now;
	int a = atomic_load(&shared[i]);

	explore_say("load shared[%d]=%d", i, a);
	lab_preempt();
	int b = atomic_load(&shared[3]);

	explore_say("load shared[3]=%d", b);
	lab_preempt();
	atomic_store(&shared[3], a * b);
	explore_say("store shared[3]=%d", a * b);
	lab_preempt();
	now = atomic_load(&shared[3]);
	explore_say("load shared[3]=%d", now);
	if (now != a * b)
		explore_fail("AssertionError in worker %d: shared[3] is %d, "
			     "want a * b = %d",
			     i, now, a * b);
	return 0;
}

static void *worker(void *arg)
{
	int rc;

	if (!use_lock)
		return (void *)(intptr_t)product_step(arg);
	rc = mutex_exec(&lock, product_step, arg);
	if (rc == -ENOSYS)
		explore_setup_error("mutex_exec returned -ENOSYS: "
				    "labs/02-mutex/src/mutex.c is not "
				    "written yet (TODO(lab02))");
	if (rc < 0)
		explore_fail("mutex_exec returned %d (%s)", rc,
			     strerror(-rc));
	return NULL;
}

static void body(void)
{
	static const int init[4] = {2, 3, 5, 7};
	pthread_t tid[PRODUCT_THREADS];
	int got;

	for (int i = 0; i < 4; i++)
		atomic_store(&shared[i], init[i]);
	if (use_lock) {
		explore_name(&lock.state, "state");
		mutex_init(&lock);
	}
	for (int i = 0; i < PRODUCT_THREADS; i++)
		pthread_create(&tid[i], NULL, worker, (void *)(intptr_t)i);
	/* The last first: main sleeps until every worker is done, instead
	 * of waking between them as one more thread the search would try
	 * to run at each of their steps. */
	for (int i = PRODUCT_THREADS - 1; i >= 0; i--)
		pthread_join(tid[i], NULL);
	got = atomic_load(&shared[3]);
	if (got != PRODUCT_WANT)
		explore_fail("lost update: shared[3] is %d at the end, want "
			     "2*3*5*7 = %d",
			     got, PRODUCT_WANT);
}

int main(int argc, char **argv)
{
	static const struct explore_test test = {
		"explore_product",
		"The chapter's thread product under the explorer: --lock 0 "
		"races, --lock 1 must not.",
		body, "dfs", 2, false};
	const struct scenario_opt opts[] = {
		{"lock", &use_lock, "1: each worker's body under mutex_exec"},
		{NULL, NULL, NULL},
	};

	return explore_main(&test, opts, argc, argv);
}
