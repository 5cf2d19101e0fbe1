// SPDX-License-Identifier: MIT
/*
 * Lab 02: unit tests of the mutex API (mutex.h), with Check. Single-thread
 * contract tests first (states, every error code), then the tests that need
 * a second thread: a waiter marks the word contended, a release wakes it,
 * a timed waiter gets the lock when it is let go in time. Check forks each
 * test and kills it at its test case's timeout, so a lost wake-up fails one
 * test instead of hanging the run; but "Test timeout expired" names no
 * mistake. So every wait of a test has its own limit (wait_s, stall_s),
 * well under its case's timeout (CASE_TIMEOUT_S), and a test that runs out
 * of patience says which mistake it saw. The limits are generous: a
 * correct mutex ends each wait within milliseconds, even on a loaded
 * machine.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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

/*
 * wait_s: how long a test waits for another thread to reach a state (the
 * word to read CONTENDED, a woken waiter to return). stall_s: how long the
 * contention test waits for any progress. CASE_TIMEOUT_S, Check's limit
 * for a whole test, is more than the sum of a test's waits, so the test's
 * own message always comes first. Check multiplies its timeouts by
 * CK_TIMEOUT_MULTIPLIER (the sanitizer checks set it, their programs being
 * slower); main() scales the tests' own waits by the same factor.
 */
enum { CASE_TIMEOUT_S = 20 };
static int wait_s = 3, stall_s = 5;

/* Wait up to wait_s for the word to read want; returns whether it did. */
static int wait_for_word(struct mutex *m, uint32_t want)
{
	struct timespec ms = {0, 1000000};
	double until = now_s() + wait_s;

	while (now_s() < until) {
		if (word(m) == want)
			return 1;
		nanosleep(&ms, NULL);
	}
	return word(m) == want;
}

/* Join t if it ends within secs; returns whether it did. A thread that
 * does not end is left behind: Check runs each test in its own process. */
static int join_within(pthread_t t, double secs)
{
	struct timespec until;
	double end;

	clock_gettime(CLOCK_REALTIME,
		      &until); /* pthread_timedjoin_np's clock */
	end = (double)until.tv_sec + (double)until.tv_nsec / 1e9 + secs;
	until.tv_sec = (time_t)end;
	until.tv_nsec = (long)((end - (double)until.tv_sec) * 1e9);
	return pthread_timedjoin_np(t, NULL, &until) == 0;
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

START_TEST(test_timed_acquire_rejects_bad_timeouts)
{
	const struct timespec big_ns = {0, 1000000000L}, neg = {-1, 0},
			      neg_ns = {0, -1};
	struct mutex m;

	mutex_init(&m);
	CHECK_RC(mutex_acquire_timed(&m, NULL), -EINVAL);
	CHECK_RC(mutex_acquire_timed(&m, &big_ns), -EINVAL);
	CHECK_RC(mutex_acquire_timed(&m, &neg), -EINVAL);
	CHECK_RC(mutex_acquire_timed(&m, &neg_ns), -EINVAL);
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

/*
 * A second thread that takes m with mutex_acquire(), or with
 * mutex_acquire_timed(timeout), records what it got and how long it took,
 * and lets the lock go again if it got it.
 */
struct waiter {
	struct mutex *m;
	const struct timespec *timeout; /* NULL: mutex_acquire() */
	int rc;
	double seconds;
	_Atomic int got_it;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	double t0 = now_s();

	w->rc = w->timeout ? mutex_acquire_timed(w->m, w->timeout)
			   : mutex_acquire(w->m);
	w->seconds = now_s() - t0;
	atomic_store(&w->got_it, 1);
	if (w->rc == 0)
		mutex_release(w->m);
	return NULL;
}

/* The waiters' mutex: static, because a waiter that never returns is left
 * behind with it when its test fails. */
static struct mutex wm;

START_TEST(test_timed_acquire_on_held_times_out)
{
	const struct timespec t = {0, 50 * 1000 * 1000};
	struct waiter w = {&wm, &t, -1, 0, 0};
	pthread_t th;

	mutex_init(&wm);
	CHECK_RC(mutex_acquire(&wm), 0);
	pthread_create(&th, NULL, waiter_main, &w);
	ck_assert_msg(join_within(th, wait_s),
		      "mutex_acquire_timed() with a 0.050 s timeout on a held "
		      "lock had not returned after %d s: it must give up with "
		      "-ETIMEDOUT once futex_wait() says the deadline passed",
		      wait_s);
	CHECK_RC(w.rc, -ETIMEDOUT);
	/* Only a lower bound: a loaded machine may take longer. */
	ck_assert_msg(w.seconds >= 0.045,
		      "gave up after %.3f s, before the 0.050 s timeout",
		      w.seconds);
	CHECK_RC(mutex_release(&wm), 0);
}
END_TEST

/* A zero timeout is a try: the lock if it is free, else -ETIMEDOUT at
 * once; it is not "no deadline". */
START_TEST(test_timed_acquire_with_zero_timeout)
{
	const struct timespec zero = {0, 0};
	struct waiter w = {&wm, &zero, -1, 0, 0};
	pthread_t th;

	mutex_init(&wm);
	CHECK_RC(mutex_acquire_timed(&wm, &zero), 0);
	pthread_create(&th, NULL, waiter_main, &w);
	ck_assert_msg(
	    join_within(th, wait_s),
	    "mutex_acquire_timed({0, 0}) on a held lock had not "
	    "returned after %d s: a zero timeout gives up at once, it "
	    "does not mean \"no deadline\"",
	    wait_s);
	CHECK_RC(w.rc, -ETIMEDOUT);
	CHECK_RC(mutex_release(&wm), 0);
}
END_TEST

/*
 * A timeout of 0.999999999 s: the clock's tv_nsec plus this reaches 10^9
 * on every run (unless the clock reads exactly n.000000000 s), so the
 * deadline's nanoseconds must carry into its seconds. A deadline left with
 * tv_nsec >= 10^9 makes futex(2) fail with EINVAL at once; a carry that
 * drops the second gives up a second early.
 */
START_TEST(test_timed_deadline_carries_into_the_seconds)
{
	const struct timespec t = {0, 999999999L};
	struct waiter w = {&wm, &t, -1, 0, 0};
	pthread_t th;

	mutex_init(&wm);
	CHECK_RC(mutex_acquire(&wm), 0);
	pthread_create(&th, NULL, waiter_main, &w);
	ck_assert_msg(join_within(th, 1 + wait_s),
		      "mutex_acquire_timed({0, 999999999}) on a held lock had "
		      "not returned after %d s: does the deadline carry "
		      "tv_nsec >= 1000000000 into tv_sec? futex(2) rejects "
		      "such a deadline with EINVAL, and a retry loop then "
		      "never ends (or the timed acquire never gives up: see "
		      "test_timed_acquire_on_held_times_out)",
		      1 + wait_s);
	CHECK_RC(w.rc, -ETIMEDOUT);
	ck_assert_msg(w.seconds >= 0.99,
		      "mutex_acquire_timed({0, 999999999}) gave up after "
		      "%.3f s, before its timeout: when now's tv_nsec plus the "
		      "timeout's passes 10^9, add 1 to tv_sec and subtract "
		      "10^9 from tv_nsec",
		      w.seconds);
	CHECK_RC(mutex_release(&wm), 0);
}
END_TEST

/*
 * A try or timed acquire that takes the lock, then a release. Natively
 * this is easy; under ThreadSanitizer (the check unit-tsan) and DRD it
 * also proves that LAB_MUTEX_POST_LOCK(m, true, ok) said ok = true when
 * the lock was taken. The skeleton's false is for its -ENOSYS stub: kept
 * after a successful acquire, the detectors think the lock was never
 * taken and report the release ("unlock of an unlocked mutex").
 */
START_TEST(test_try_and_timed_post_lock_say_taken)
{
	const struct timespec t = {1, 0};
	struct mutex m;

	mutex_init(&m);
	CHECK_RC(mutex_try_acquire(&m), 0);
	CHECK_RC(mutex_release(&m), 0);
	CHECK_RC(mutex_acquire_timed(&m, &t), 0);
	CHECK_RC(mutex_release(&m), 0);
	mutex_destroy(&m);
}
END_TEST

START_TEST(test_waiter_marks_word_contended)
{
	struct waiter w = {&wm, NULL, -1, 0, 0};
	pthread_t t;

	mutex_init(&wm);
	CHECK_RC(mutex_acquire(&wm), 0);
	pthread_create(&t, NULL, waiter_main, &w);
	ck_assert_msg(wait_for_word(&wm, MUTEX_CONTENDED),
		      "a thread blocked in acquire left the word at %u, want "
		      "MUTEX_CONTENDED (2): a waiter must mark the word before "
		      "it sleeps, or release will not know to wake it",
		      word(&wm));
	CHECK_EQ(atomic_load(&w.got_it), 0);
	CHECK_RC(mutex_release(&wm), 0);
	ck_assert_msg(join_within(t, wait_s),
		      "release left the word MUTEX_CONTENDED but the waiter "
		      "was not woken within %d s: a lost wake-up (does release "
		      "call futex_wake_one() when the old word was "
		      "MUTEX_CONTENDED?)",
		      wait_s);
	CHECK_RC(w.rc, 0);
}
END_TEST

START_TEST(test_release_wakes_the_waiter)
{
	struct waiter w = {&wm, NULL, -1, 0, 0};
	pthread_t t;
	int marked;

	mutex_init(&wm);
	CHECK_RC(mutex_acquire(&wm), 0);
	pthread_create(&t, NULL, waiter_main, &w);
	marked = wait_for_word(&wm, MUTEX_CONTENDED);
	CHECK_RC(mutex_release(&wm), 0);
	ck_assert_msg(join_within(t, wait_s),
		      "the thread blocked in acquire was not woken within %d s "
		      "of the release: a lost wake-up (%s)",
		      wait_s,
		      marked ? "the word said MUTEX_CONTENDED: does release "
			       "call futex_wake_one() when it finds it?"
			     : "the waiter never set MUTEX_CONTENDED, so "
			       "release could not know anybody slept");
	CHECK_RC(w.rc, 0);
	CHECK_EQ(word(&wm), MUTEX_UNLOCKED);
}
END_TEST

START_TEST(test_timed_waiter_gets_lock_released_in_time)
{
	const struct timespec patience = {2 * wait_s, 0};
	struct waiter w = {&wm, &patience, -1, 0, 0};
	pthread_t t;

	mutex_init(&wm);
	CHECK_RC(mutex_acquire(&wm), 0);
	pthread_create(&t, NULL, waiter_main, &w);
	wait_for_word(&wm, MUTEX_CONTENDED);
	CHECK_RC(mutex_release(&wm), 0);
	ck_assert_msg(join_within(t, wait_s),
		      "a timed waiter (timeout %d s) was not woken within %d s "
		      "of the release: a lost wake-up in the timed path",
		      2 * wait_s, wait_s);
	CHECK_RC(w.rc, 0);
}
END_TEST

enum { EXCL_THREADS = 4, EXCL_ITERS = 20000 };
static struct mutex excl_lock;
static long excl_counter;	   /* protected by excl_lock */
static _Atomic long excl_progress; /* pairs done, for the stall watchdog */
static _Atomic int excl_done;

static void *excl_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < EXCL_ITERS; i++) {
		if (mutex_acquire(&excl_lock) != 0)
			break;
		excl_counter++;
		mutex_release(&excl_lock);
		atomic_fetch_add_explicit(&excl_progress, 1,
					  memory_order_relaxed);
	}
	atomic_fetch_add(&excl_done, 1);
	return NULL;
}

START_TEST(test_no_increment_is_lost_under_contention)
{
	struct timespec ms = {0, 10 * 1000000};
	pthread_t t[EXCL_THREADS];
	long seen = -1;
	double since = now_s();

	mutex_init(&excl_lock);
	excl_counter = 0;
	for (int i = 0; i < EXCL_THREADS; i++)
		pthread_create(&t[i], NULL, excl_main, NULL);
	/* A stall watchdog, not a time limit: slow progress is fine. */
	while (atomic_load(&excl_done) < EXCL_THREADS) {
		long p = atomic_load(&excl_progress);

		if (p != seen)
			seen = p, since = now_s();
		ck_assert_msg(
		    now_s() - since < stall_s,
		    "%d threads taking one lock made no progress for "
		    "%d s after %ld of %d acquire/release pairs, word "
		    "%u: a thread sleeps in acquire that nobody wakes "
		    "(a lost wake-up)",
		    EXCL_THREADS, stall_s, p, EXCL_THREADS * EXCL_ITERS,
		    word(&excl_lock));
		nanosleep(&ms, NULL);
	}
	for (int i = 0; i < EXCL_THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_msg(excl_counter == EXCL_THREADS * EXCL_ITERS,
		      "%d threads each made %d increments under the lock, and "
		      "the counter reads %ld: two threads were inside at once "
		      "(is acquire one compare-and-swap, not a load and then "
		      "a store?)",
		      EXCL_THREADS, EXCL_ITERS, excl_counter);
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
	tcase_add_test(api, test_timed_acquire_rejects_bad_timeouts);
	tcase_add_test(api, test_try_and_timed_post_lock_say_taken);
	tcase_add_test(api, test_exec_returns_fn_result_and_releases);
	tcase_add_test(api, test_exec_releases_when_fn_fails);
	tcase_set_timeout(api, CASE_TIMEOUT_S);
	suite_add_tcase(s, api);

	tcase_add_test(threads, test_timed_acquire_on_held_times_out);
	tcase_add_test(threads, test_timed_acquire_with_zero_timeout);
	tcase_add_test(threads, test_timed_deadline_carries_into_the_seconds);
	tcase_add_test(threads, test_waiter_marks_word_contended);
	tcase_add_test(threads, test_release_wakes_the_waiter);
	tcase_add_test(threads, test_timed_waiter_gets_lock_released_in_time);
	tcase_add_test(threads, test_no_increment_is_lost_under_contention);
	tcase_set_timeout(threads, CASE_TIMEOUT_S);
	suite_add_tcase(s, threads);
	return s;
}

int main(void)
{
	const char *mult = getenv("CK_TIMEOUT_MULTIPLIER");
	SRunner *sr;

	if (mult && atoi(mult) > 1) {
		wait_s *= atoi(mult);
		stall_s *= atoi(mult);
	}
	sr = srunner_create(mutex_suite());
	return lab_unit_run(sr);
}
