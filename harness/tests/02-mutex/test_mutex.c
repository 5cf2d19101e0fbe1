// SPDX-License-Identifier: MIT
/*
 * Lab 02: unit tests of the mutex API (mutex.h), with Check. Single-thread
 * contract tests first (states, every error code), then the tests that need
 * a second thread: a waiter marks the word contended, a release wakes it,
 * a timed waiter gets the lock when it is let go in time. Check forks each
 * test and kills it at its timeout, so a lost wake-up fails one test
 * instead of hanging the run.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "check_util.h"
#include "mutex.h"

static uint32_t word(struct mutex *m)
{
	return atomic_load(&m->state);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait up to 5 s for the word to read want; returns whether it did. */
static int wait_for_word(struct mutex *m, uint32_t want)
{
	struct timespec ms = {0, 1000000};

	for (int i = 0; i < 5000; i++) {
		if (word(m) == want)
			return 1;
		nanosleep(&ms, NULL);
	}
	return 0;
}

START_TEST(test_init_makes_a_free_mutex)
{
	struct mutex m;

	mutex_init(&m);
	CHECK_EQ(word(&m), MUTEX_UNLOCKED);
	CHECK_RC(mutex_try_acquire(&m), 0);
}
END_TEST

START_TEST(test_acquire_sets_locked)
{
	struct mutex m;

	mutex_init(&m);
	CHECK_RC(mutex_acquire(&m), 0);
	CHECK_EQ(word(&m), MUTEX_LOCKED);
}
END_TEST

START_TEST(test_release_sets_unlocked)
{
	struct mutex m;

	mutex_init(&m);
	CHECK_RC(mutex_acquire(&m), 0);
	CHECK_RC(mutex_release(&m), 0);
	CHECK_EQ(word(&m), MUTEX_UNLOCKED);
	CHECK_RC(mutex_acquire(&m), 0);
}
END_TEST

START_TEST(test_release_unheld_returns_eperm)
{
	struct mutex m;

	mutex_init(&m);
	CHECK_RC(mutex_release(&m), -EPERM);
	CHECK_EQ(word(&m), MUTEX_UNLOCKED);
}
END_TEST

START_TEST(test_double_release_returns_eperm)
{
	struct mutex m;

	mutex_init(&m);
	CHECK_RC(mutex_acquire(&m), 0);
	CHECK_RC(mutex_release(&m), 0);
	CHECK_RC(mutex_release(&m), -EPERM);
}
END_TEST

START_TEST(test_try_acquire_on_held_returns_eagain)
{
	struct mutex m;

	mutex_init(&m);
	CHECK_RC(mutex_acquire(&m), 0);
	CHECK_RC(mutex_try_acquire(&m), -EAGAIN);
	CHECK_EQ(word(&m), MUTEX_LOCKED);
}
END_TEST

START_TEST(test_timed_acquire_on_free_succeeds)
{
	const struct timespec t = {1, 0};
	struct mutex m;

	mutex_init(&m);
	CHECK_RC(mutex_acquire_timed(&m, &t), 0);
	CHECK_RC(mutex_try_acquire(&m), -EAGAIN);
}
END_TEST

START_TEST(test_timed_acquire_on_held_times_out)
{
	const struct timespec t = {0, 50 * 1000 * 1000};
	struct mutex m;
	double t0;

	mutex_init(&m);
	CHECK_RC(mutex_acquire(&m), 0);
	t0 = now_s();
	CHECK_RC(mutex_acquire_timed(&m, &t), -ETIMEDOUT);
	/* Only a lower bound: a loaded machine may take longer. */
	ck_assert_msg(now_s() - t0 >= 0.045,
		      "gave up after %.3f s, before the 0.050 s timeout",
		      now_s() - t0);
	CHECK_RC(mutex_release(&m), 0);
}
END_TEST

START_TEST(test_timed_acquire_rejects_bad_timeouts)
{
	const struct timespec big_ns = {0, 1000000000L}, neg = {-1, 0};
	struct mutex m;

	mutex_init(&m);
	CHECK_RC(mutex_acquire_timed(&m, NULL), -EINVAL);
	CHECK_RC(mutex_acquire_timed(&m, &big_ns), -EINVAL);
	CHECK_RC(mutex_acquire_timed(&m, &neg), -EINVAL);
	CHECK_EQ(word(&m), MUTEX_UNLOCKED);
}
END_TEST

struct exec_probe {
	struct mutex *m;
	uint32_t word_inside;
	int ret;
};

static int probe(void *arg)
{
	struct exec_probe *p = arg;

	p->word_inside = word(p->m);
	return p->ret;
}

START_TEST(test_exec_returns_fn_result_and_releases)
{
	struct mutex m;
	struct exec_probe p = {&m, 0, 42};

	mutex_init(&m);
	CHECK_RC(mutex_exec(&m, probe, &p), 42);
	CHECK_EQ(p.word_inside, MUTEX_LOCKED);
	CHECK_EQ(word(&m), MUTEX_UNLOCKED);
}
END_TEST

START_TEST(test_exec_releases_when_fn_fails)
{
	struct mutex m;
	struct exec_probe p = {&m, 0, -EIO};

	mutex_init(&m);
	CHECK_RC(mutex_exec(&m, probe, &p), -EIO);
	CHECK_EQ(word(&m), MUTEX_UNLOCKED);
}
END_TEST

struct waiter {
	struct mutex *m;
	const struct timespec *timeout; /* NULL: mutex_acquire() */
	int rc;
	_Atomic int got_it;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->rc = w->timeout ? mutex_acquire_timed(w->m, w->timeout)
			   : mutex_acquire(w->m);
	atomic_store(&w->got_it, 1);
	if (w->rc == 0)
		mutex_release(w->m);
	return NULL;
}

START_TEST(test_waiter_marks_word_contended)
{
	struct mutex m;
	struct waiter w = {&m, NULL, -1, 0};
	pthread_t t;

	mutex_init(&m);
	CHECK_RC(mutex_acquire(&m), 0);
	pthread_create(&t, NULL, waiter_main, &w);
	ck_assert_msg(wait_for_word(&m, MUTEX_CONTENDED),
		      "a thread blocked in acquire left the word at %u, want "
		      "MUTEX_CONTENDED (2)",
		      word(&m));
	CHECK_EQ(atomic_load(&w.got_it), 0);
	CHECK_RC(mutex_release(&m), 0);
	pthread_join(t, NULL);
	CHECK_RC(w.rc, 0);
}
END_TEST

START_TEST(test_release_wakes_the_waiter)
{
	struct mutex m;
	struct waiter w = {&m, NULL, -1, 0};
	pthread_t t;

	mutex_init(&m);
	CHECK_RC(mutex_acquire(&m), 0);
	pthread_create(&t, NULL, waiter_main, &w);
	wait_for_word(&m, MUTEX_CONTENDED);
	CHECK_RC(mutex_release(&m), 0);
	pthread_join(t, NULL); /* a lost wake-up hangs here: test timeout */
	CHECK_RC(w.rc, 0);
	CHECK_EQ(word(&m), MUTEX_UNLOCKED);
}
END_TEST

START_TEST(test_timed_waiter_gets_lock_released_in_time)
{
	const struct timespec patience = {5, 0};
	struct mutex m;
	struct waiter w = {&m, &patience, -1, 0};
	pthread_t t;

	mutex_init(&m);
	CHECK_RC(mutex_acquire(&m), 0);
	pthread_create(&t, NULL, waiter_main, &w);
	wait_for_word(&m, MUTEX_CONTENDED);
	CHECK_RC(mutex_release(&m), 0);
	pthread_join(t, NULL);
	CHECK_RC(w.rc, 0);
}
END_TEST

enum { EXCL_THREADS = 4, EXCL_ITERS = 20000 };
static struct mutex excl_lock;
static long excl_counter; /* protected by excl_lock */

static void *excl_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < EXCL_ITERS; i++) {
		if (mutex_acquire(&excl_lock) != 0)
			return NULL;
		excl_counter++;
		mutex_release(&excl_lock);
	}
	return NULL;
}

START_TEST(test_no_increment_is_lost_under_contention)
{
	pthread_t t[EXCL_THREADS];

	mutex_init(&excl_lock);
	excl_counter = 0;
	for (int i = 0; i < EXCL_THREADS; i++)
		pthread_create(&t[i], NULL, excl_main, NULL);
	for (int i = 0; i < EXCL_THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(excl_counter, EXCL_THREADS * EXCL_ITERS);
	CHECK_EQ(word(&excl_lock), MUTEX_UNLOCKED);
}
END_TEST

static Suite *mutex_suite(void)
{
	Suite *s = suite_create("mutex");
	TCase *api = tcase_create("api");
	TCase *threads = tcase_create("threads");

	tcase_add_test(api, test_init_makes_a_free_mutex);
	tcase_add_test(api, test_acquire_sets_locked);
	tcase_add_test(api, test_release_sets_unlocked);
	tcase_add_test(api, test_release_unheld_returns_eperm);
	tcase_add_test(api, test_double_release_returns_eperm);
	tcase_add_test(api, test_try_acquire_on_held_returns_eagain);
	tcase_add_test(api, test_timed_acquire_on_free_succeeds);
	tcase_add_test(api, test_timed_acquire_on_held_times_out);
	tcase_add_test(api, test_timed_acquire_rejects_bad_timeouts);
	tcase_add_test(api, test_exec_returns_fn_result_and_releases);
	tcase_add_test(api, test_exec_releases_when_fn_fails);
	tcase_set_timeout(api, 5);
	suite_add_tcase(s, api);

	tcase_add_test(threads, test_waiter_marks_word_contended);
	tcase_add_test(threads, test_release_wakes_the_waiter);
	tcase_add_test(threads, test_timed_waiter_gets_lock_released_in_time);
	tcase_add_test(threads, test_no_increment_is_lost_under_contention);
	tcase_set_timeout(threads, 5);
	suite_add_tcase(s, threads);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mutex_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
