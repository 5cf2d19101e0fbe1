// SPDX-License-Identifier: MIT
/*
 * Lab 01: unit tests of the thread pool (tpool.h), with Check. First the
 * rules that need no thread (pool size, strategy names), then the contract
 * of one task (ids, results, errors, callbacks), then each strategy's
 * choices, shutdown's statuses, and last the stress tests: submitters that
 * start at a barrier, and a shutdown that races them; no task may be lost.
 * Check forks each test and kills it at its timeout, and every blocking
 * test command gives up after a few seconds, so a lost task or wake-up
 * fails one test instead of hanging the run. Random choices use the seed in
 * $SEED (set by the runner), printed by every test that depends on it.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "check_util.h"
#include "tpool.h"

enum { GIVE_UP_S = 3 };

static uint64_t test_seed(void)
{
	const char *s = getenv("SEED");
	uint64_t v = s ? strtoull(s, NULL, 10) : 0;

	return v ? v : 1;
}

static unsigned long env_or(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);
	unsigned long v = s ? strtoul(s, NULL, 10) : 0;

	return v ? v : dflt;
}

static void deadline_in(struct timespec *ts, int seconds)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += seconds;
}

/* ---- test commands ------------------------------------------------------ */

/* echo: out = 2 * in, and return ret. Also what its callback saw. */
struct echo {
	int in, ret;
	int out, runs;                  /* written by the command */
	int calls, status;              /* written by the callback */
	struct latch *latch;            /* counted down by the callback */
	struct gate *gate;              /* opened by the callback */
	pthread_t ran_on;
};

/* A gate: a command that waits (at most GIVE_UP_S) until it is opened. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int started;
	bool open;
};

/* A latch: wait until n callbacks have counted it down. */
struct latch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int count;
};

#define GATE_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false}
#define LATCH_INIT(n) {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, (n)}

static int echo_run(void *data)
{
	struct echo *e = data;

	e->out = 2 * e->in;
	e->runs++;
	e->ran_on = pthread_self();
	return e->ret;
}

static int gate_run(void *data)
{
	struct gate *g = data;
	struct timespec deadline;
	int rc = 0;

	deadline_in(&deadline, GIVE_UP_S);
	pthread_mutex_lock(&g->lock);
	g->started++;
	pthread_cond_broadcast(&g->cond);
	while (!g->open && rc == 0)
		rc = pthread_cond_timedwait(&g->cond, &g->lock, &deadline);
	rc = g->open ? 0 : -ETIMEDOUT;
	pthread_mutex_unlock(&g->lock);
	return rc;
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* Wait until n gate commands are running; false after GIVE_UP_S. */
static bool gate_wait_started(struct gate *g, int n)
{
	struct timespec deadline;
	int rc = 0;

	deadline_in(&deadline, GIVE_UP_S);
	pthread_mutex_lock(&g->lock);
	while (g->started < n && rc == 0)
		rc = pthread_cond_timedwait(&g->cond, &g->lock, &deadline);
	rc = g->started >= n;
	pthread_mutex_unlock(&g->lock);
	return rc;
}

static void latch_count_down(struct latch *l)
{
	pthread_mutex_lock(&l->lock);
	l->count--;
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

/* Wait until the latch reaches 0; false after GIVE_UP_S. */
static bool latch_wait(struct latch *l)
{
	struct timespec deadline;
	int rc = 0;
	bool done;

	deadline_in(&deadline, GIVE_UP_S);
	pthread_mutex_lock(&l->lock);
	while (l->count > 0 && rc == 0)
		rc = pthread_cond_timedwait(&l->cond, &l->lock, &deadline);
	done = l->count <= 0;
	pthread_mutex_unlock(&l->lock);
	return done;
}

static void echo_done(struct tpool_task *task, int status, void *ctx)
{
	struct echo *e = ctx;

	(void)task;
	e->calls++;
	e->status = status;
	if (e->gate)
		gate_open(e->gate);
	if (e->latch)
		latch_count_down(e->latch);
}

static const struct tpool_command test_commands[] = {
	{"echo", echo_run},
	{"gate", gate_run},
	{NULL, NULL},
};

/* ---- helpers ------------------------------------------------------------ */

static struct tpool *make_pool(int size, enum tpool_strategy s,
			       enum tpool_ties ties)
{
	struct tpool_config cfg = {.size = size, .strategy = s, .ties = ties,
				   .commands = test_commands,
				   .seed = test_seed()};
	struct tpool *p = NULL;

	CHECK_RC(tpool_create(&p, &cfg), 0);
	ck_assert_msg(p != NULL, "tpool_create returned 0 but no pool");
	return p;
}

/*
 * tpool_task_wait(), for tests where a broken pool could lose the task: a
 * task that has not ended within GIVE_UP_S fails the test at once, with a
 * message, instead of hanging it until Check's timeout.
 */
static int wait_end(struct tpool_task *t)
{
	const struct timespec nap = {0, 50 * 1000};
	struct timespec deadline, now;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += GIVE_UP_S;
	for (int spins = 0; !tpool_task_done(t); spins++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ck_assert_msg(now.tv_sec < deadline.tv_sec ||
				      (now.tv_sec == deadline.tv_sec &&
				       now.tv_nsec < deadline.tv_nsec),
			      "task %llu on worker %u did not end within %d s: "
			      "lost?", (unsigned long long)tpool_task_id(t),
			      tpool_task_worker(t), GIVE_UP_S);
		if (spins < 100)
			sched_yield();
		else
			nanosleep(&nap, NULL);
	}
	return tpool_task_wait(t);
}

static struct tpool_task *exec_echo(struct tpool *p, struct echo *e,
				    uint64_t key)
{
	struct tpool_call call = {.command = "echo", .data = e, .key = key,
				  .done = echo_done, .ctx = e};
	struct tpool_task *t = NULL;

	CHECK_RC(tpool_exec(p, &call, &t), 0);
	return t;
}

static struct tpool_task *exec_gate(struct tpool *p, struct gate *g)
{
	struct tpool_call call = {.command = "gate", .data = g};
	struct tpool_task *t = NULL;

	CHECK_RC(tpool_exec(p, &call, &t), 0);
	return t;
}

/* The worker of a task that was waited for and released. */
static unsigned echo_worker(struct tpool *p, uint64_t key)
{
	struct echo e = {.in = 1};
	struct tpool_task *t = exec_echo(p, &e, key);
	unsigned w = tpool_task_worker(t);

	CHECK_RC(wait_end(t), 0);
	tpool_task_release(t);
	return w;
}

/* ---- pool size and strategy names --------------------------------------- */

START_TEST(test_size_zero_means_one_worker_per_core)
{
	CHECK_RC(tpool_size_for(0, 8), 8);
	CHECK_RC(tpool_size_for(0, 1), 1);
}
END_TEST

START_TEST(test_negative_size_subtracts_from_cores)
{
	CHECK_RC(tpool_size_for(-2, 8), 6);
	CHECK_RC(tpool_size_for(-1, 2), 1);
}
END_TEST

START_TEST(test_negative_size_leaves_at_least_one)
{
	CHECK_RC(tpool_size_for(-8, 8), 1);
	CHECK_RC(tpool_size_for(-100, 2), 1);
}
END_TEST

START_TEST(test_positive_size_is_used_as_is)
{
	CHECK_RC(tpool_size_for(5, 2), 5);
	CHECK_RC(tpool_size_for(1, 64), 1);
	CHECK_RC(tpool_size_for(TPOOL_MAX_SIZE, 2), TPOOL_MAX_SIZE);
}
END_TEST

START_TEST(test_size_above_max_is_einval)
{
	CHECK_RC(tpool_size_for(TPOOL_MAX_SIZE + 1, 2), -EINVAL);
	CHECK_RC(tpool_size_for(0, 0), -EINVAL);
}
END_TEST

START_TEST(test_pool_of_size_zero_has_a_worker_per_core)
{
	struct tpool *p = make_pool(0, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);

	CHECK_EQ(tpool_size(p), tpool_cores());
	tpool_destroy(p);
}
END_TEST

START_TEST(test_strategy_names_parse)
{
	static const char *const names[] = {"roundrobin", "random",
					    "leastbusy", "affinity"};
	enum tpool_strategy s = TPOOL_AFFINITY;

	for (int i = 0; i < 4; i++) {
		CHECK_RC(tpool_strategy_parse(names[i], &s), 0);
		CHECK_EQ(s, i);
		ck_assert_str_eq(tpool_strategy_name(s), names[i]);
	}
	CHECK_RC(tpool_strategy_parse(NULL, &s), 0);
	CHECK_EQ(s, TPOOL_ROUNDROBIN);
}
END_TEST

START_TEST(test_invalid_strategy_is_rejected)
{
	struct tpool_config cfg = {.strategy = (enum tpool_strategy)42,
				   .commands = test_commands};
	enum tpool_strategy s = TPOOL_RANDOM;
	struct tpool *p = NULL;

	CHECK_RC(tpool_strategy_parse("fastest", &s), -EINVAL);
	CHECK_RC(tpool_strategy_parse("", &s), -EINVAL);
	CHECK_RC(tpool_strategy_parse("RoundRobin", &s), -EINVAL);
	CHECK_EQ(s, TPOOL_RANDOM);
	ck_assert_str_eq(tpool_strategy_name((enum tpool_strategy)42),
			 "invalid");
	CHECK_RC(tpool_create(&p, &cfg), -EINVAL);
	cfg.strategy = TPOOL_LEASTBUSY;
	cfg.ties = (enum tpool_ties)7;
	CHECK_RC(tpool_create(&p, &cfg), -EINVAL);
	ck_assert_msg(p == NULL, "a failed tpool_create set *out");
}
END_TEST

START_TEST(test_create_rejects_bad_arguments)
{
	static const struct tpool_command empty[] = {{NULL, NULL}};
	struct tpool_config cfg = {.size = 1};
	struct tpool *p = NULL;

	CHECK_RC(tpool_create(&p, NULL), -EINVAL);
	CHECK_RC(tpool_create(&p, &cfg), -EINVAL);
	cfg.commands = empty;
	CHECK_RC(tpool_create(&p, &cfg), -EINVAL);
	cfg.commands = test_commands;
	cfg.size = TPOOL_MAX_SIZE + 1;
	CHECK_RC(tpool_create(&p, &cfg), -EINVAL);
	CHECK_RC(tpool_create(NULL, &cfg), -EINVAL);
}
END_TEST

/* ---- one task ----------------------------------------------------------- */

START_TEST(test_unknown_command_is_enoent)
{
	struct tpool *p = make_pool(1, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct tpool_call call = {.command = "cube_sum"};
	struct tpool_task *t = NULL;

	CHECK_RC(tpool_exec(p, &call, &t), -ENOENT);
	ck_assert_msg(t == NULL, "a failed tpool_exec set *out");
	tpool_destroy(p);
}
END_TEST

START_TEST(test_exec_needs_a_handle_or_a_callback)
{
	struct tpool *p = make_pool(1, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct echo e = {.in = 1};
	struct tpool_call call = {.command = "echo", .data = &e};

	CHECK_RC(tpool_exec(p, &call, NULL), -EINVAL);
	CHECK_RC(tpool_exec(p, NULL, NULL), -EINVAL);
	tpool_destroy(p);
	CHECK_EQ(e.runs, 0);
}
END_TEST

START_TEST(test_ids_start_at_one_and_count_up)
{
	struct tpool *p = make_pool(2, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct echo e[4] = {{0}};

	for (int i = 0; i < 4; i++) {
		struct tpool_task *t = exec_echo(p, &e[i], 0);

		CHECK_EQ(tpool_task_id(t), i + 1);
		CHECK_RC(wait_end(t), 0);
		tpool_task_release(t);
	}
	tpool_destroy(p);
}
END_TEST

START_TEST(test_result_reaches_the_waiter)
{
	struct tpool *p = make_pool(2, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct echo e = {.in = 21};
	struct tpool_task *t = exec_echo(p, &e, 0);

	ck_assert_msg(tpool_task_data(t) == &e, "tpool_task_data is not the "
						"data given to tpool_exec");
	CHECK_RC(tpool_task_wait(t), 0);
	ck_assert_msg(tpool_task_done(t), "waited, but the task is not done");
	CHECK_EQ(e.out, 42);
	CHECK_EQ(e.runs, 1);
	ck_assert_msg(!pthread_equal(e.ran_on, pthread_self()),
		      "the command ran on the caller's thread");
	tpool_task_release(t);
	tpool_destroy(p);
}
END_TEST

START_TEST(test_command_error_reaches_the_waiter)
{
	struct tpool *p = make_pool(2, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct echo e = {.in = 1, .ret = -EIO};
	struct tpool_task *t = exec_echo(p, &e, 0);

	CHECK_RC(tpool_task_wait(t), -EIO);
	CHECK_RC(tpool_task_wait(t), -EIO); /* a second wait: same answer */
	tpool_task_release(t);
	tpool_destroy(p);
}
END_TEST

START_TEST(test_callback_runs_once_before_wait_returns)
{
	struct tpool *p = make_pool(2, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct echo e = {.in = 5, .ret = -EPERM};
	struct tpool_task *t = exec_echo(p, &e, 0);

	CHECK_RC(tpool_task_wait(t), -EPERM);
	CHECK_EQ(e.calls, 1);
	CHECK_RC(e.status, -EPERM);
	tpool_task_release(t);
	tpool_destroy(p);
	CHECK_EQ(e.calls, 1);
}
END_TEST

START_TEST(test_command_error_reaches_a_callback_alone)
{
	struct tpool *p = make_pool(2, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct latch l = LATCH_INIT(1);
	struct echo e = {.in = 5, .ret = -EIO, .latch = &l};
	struct tpool_call call = {.command = "echo", .data = &e,
				  .done = echo_done, .ctx = &e};

	CHECK_RC(tpool_exec(p, &call, NULL), 0);
	ck_assert_msg(latch_wait(&l), "the callback did not run within %d s",
		      GIVE_UP_S);
	CHECK_RC(e.status, -EIO);
	CHECK_EQ(e.out, 10);
	tpool_destroy(p);
	CHECK_EQ(e.calls, 1);
}
END_TEST

/* A callback that submits the next task: it must not deadlock. */
struct chain {
	struct tpool *pool;
	struct echo second;
	int rc;
};

static void chain_done(struct tpool_task *task, int status, void *ctx)
{
	struct chain *c = ctx;
	struct tpool_call call = {.command = "echo", .data = &c->second,
				  .done = echo_done, .ctx = &c->second};

	(void)task;
	(void)status;
	c->rc = tpool_exec(c->pool, &call, NULL);
	if (c->rc < 0)
		latch_count_down(c->second.latch);
}

START_TEST(test_callback_may_exec_again)
{
	struct tpool *p = make_pool(1, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct latch l = LATCH_INIT(1);
	struct chain c = {.pool = p, .second = {.in = 7, .latch = &l}};
	struct echo first = {.in = 1};
	struct tpool_call call = {.command = "echo", .data = &first,
				  .done = chain_done, .ctx = &c};

	CHECK_RC(tpool_exec(p, &call, NULL), 0);
	ck_assert_msg(latch_wait(&l), "the chained task did not end within "
				      "%d s: does a callback run with the "
				      "pool's lock held?", GIVE_UP_S);
	CHECK_RC(c.rc, 0);
	CHECK_EQ(c.second.out, 14);
	tpool_destroy(p);
}
END_TEST

START_TEST(test_in_flight_counts_queued_and_running)
{
	struct tpool *p = make_pool(1, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct gate g = GATE_INIT;
	struct echo e[2] = {{0}};
	struct tpool_task *t[3];

	t[0] = exec_gate(p, &g);
	ck_assert_msg(gate_wait_started(&g, 1), "the task did not start");
	t[1] = exec_echo(p, &e[0], 0);
	t[2] = exec_echo(p, &e[1], 0);
	CHECK_EQ(tpool_in_flight(p, 0), 3);
	CHECK_RC(tpool_in_flight(p, 1), -EINVAL);
	gate_open(&g);
	for (int i = 0; i < 3; i++) {
		CHECK_RC(tpool_task_wait(t[i]), 0);
		tpool_task_release(t[i]);
	}
	CHECK_EQ(tpool_in_flight(p, 0), 0);
	tpool_destroy(p);
}
END_TEST

/* ---- strategies --------------------------------------------------------- */

START_TEST(test_roundrobin_goes_0_1_2_and_wraps)
{
	struct tpool *p = make_pool(3, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);

	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(echo_worker(p, 0), i % 3);
	tpool_destroy(p);
}
END_TEST

/* The chapter's leastbusy: five tasks that stay busy go 0, 1, 2, 0, 1. */
START_TEST(test_leastbusy_first_ties_starts_0_1_2)
{
	struct tpool *p = make_pool(3, TPOOL_LEASTBUSY, TPOOL_TIES_FIRST);
	static const unsigned want[] = {0, 1, 2, 0, 1};
	struct gate g = GATE_INIT;
	struct tpool_task *t[5];

	for (int i = 0; i < 5; i++) {
		t[i] = exec_gate(p, &g);
		CHECK_EQ(tpool_task_worker(t[i]), want[i]);
	}
	gate_open(&g);
	for (int i = 0; i < 5; i++) {
		CHECK_RC(tpool_task_wait(t[i]), 0);
		tpool_task_release(t[i]);
	}
	tpool_destroy(p);
}
END_TEST

/* Random ties on an idle pool: the first three busy tasks still land on
 * three different workers, in some order. */
START_TEST(test_leastbusy_random_ties_fill_every_worker)
{
	struct tpool *p = make_pool(3, TPOOL_LEASTBUSY, TPOOL_TIES_RANDOM);
	struct gate g = GATE_INIT;
	struct tpool_task *t[3];
	unsigned seen = 0;

	for (int i = 0; i < 3; i++) {
		t[i] = exec_gate(p, &g);
		seen |= 1u << tpool_task_worker(t[i]);
	}
	ck_assert_msg(seen == 7, "busy tasks shared a worker while another "
				 "was idle (workers used: mask %u, seed %llu)",
		      seen, (unsigned long long)test_seed());
	gate_open(&g);
	for (int i = 0; i < 3; i++) {
		tpool_task_wait(t[i]);
		tpool_task_release(t[i]);
	}
	tpool_destroy(p);
}
END_TEST

/* A worker that has finished its task is idle again: leastbusy must see
 * that (the count must go down when a task ends, before the caller hears
 * of it) and prefer it to a worker that is still busy. */
START_TEST(test_leastbusy_picks_the_idle_worker)
{
	struct tpool *p = make_pool(2, TPOOL_LEASTBUSY, TPOOL_TIES_RANDOM);
	struct gate g = GATE_INIT;
	struct tpool_task *busy = exec_gate(p, &g);
	unsigned idle = 1 - tpool_task_worker(busy);

	for (int i = 0; i < 10; i++) {
		struct echo e = {.in = i};
		struct tpool_task *t = exec_echo(p, &e, 0);
		unsigned w = tpool_task_worker(t);

		ck_assert_msg(w == idle, "task %d went to busy worker %u while "
					 "worker %u was idle: does in_flight "
					 "go down when a task ends?",
			      i, w, idle);
		CHECK_RC(wait_end(t), 0);
		tpool_task_release(t);
	}
	gate_open(&g);
	CHECK_RC(tpool_task_wait(busy), 0);
	tpool_task_release(busy);
	tpool_destroy(p);
}
END_TEST

/* On an idle pool every worker ties: random ties must spread the tasks,
 * where the chapter's first-lowest rule sends every one to worker 0. */
START_TEST(test_leastbusy_random_ties_spread_evenly)
{
	enum { N = 600 };
	struct tpool *p = make_pool(3, TPOOL_LEASTBUSY, TPOOL_TIES_RANDOM);
	struct tpool *first = make_pool(3, TPOOL_LEASTBUSY, TPOOL_TIES_FIRST);
	int count[3] = {0}, count_first = 0;

	for (int i = 0; i < N; i++) {
		count[echo_worker(p, 0)]++;
		count_first += echo_worker(first, 0) == 0;
	}
	for (int w = 0; w < 3; w++)
		ck_assert_msg(count[w] > N / 5 && count[w] < N / 2,
			      "worker %d got %d of %d tied tasks, want about "
			      "%d (seed %llu)", w, count[w], N, N / 3,
			      (unsigned long long)test_seed());
	CHECK_EQ(count_first, N);
	tpool_destroy(p);
	tpool_destroy(first);
}
END_TEST

START_TEST(test_random_uses_every_worker)
{
	enum { N = 300 };
	struct tpool *p = make_pool(3, TPOOL_RANDOM, TPOOL_TIES_RANDOM);
	int count[3] = {0};

	for (int i = 0; i < N; i++) {
		unsigned w = echo_worker(p, 0);

		ck_assert_msg(w < 3, "worker %u of a pool of 3", w);
		count[w]++;
	}
	for (int w = 0; w < 3; w++)
		ck_assert_msg(count[w] > N / 6, "worker %d got %d of %d random "
						"tasks (seed %llu)", w, count[w],
			      N, (unsigned long long)test_seed());
	tpool_destroy(p);
}
END_TEST

START_TEST(test_affinity_same_key_same_worker)
{
	struct tpool *p = make_pool(3, TPOOL_AFFINITY, TPOOL_TIES_RANDOM);
	unsigned first[30], used = 0;

	for (uint64_t k = 0; k < 30; k++) {
		first[k] = echo_worker(p, k);
		used |= 1u << first[k];
	}
	for (uint64_t k = 0; k < 30; k++)
		for (int again = 0; again < 3; again++)
			ck_assert_msg(echo_worker(p, k) == first[k],
				      "key %llu went to worker %u, then to "
				      "another", (unsigned long long)k,
				      first[k]);
	ck_assert_msg(used == 7, "30 keys used only workers in mask %u",
		      used);
	tpool_destroy(p);
}
END_TEST

/* ---- shutdown ----------------------------------------------------------- */

START_TEST(test_drain_runs_every_queued_task)
{
	enum { N = 10 };
	struct tpool *p = make_pool(1, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct gate g = GATE_INIT;
	struct echo e[N] = {{0}};
	struct tpool_task *t[N];
	struct tpool_task *busy = exec_gate(p, &g);

	ck_assert_msg(gate_wait_started(&g, 1), "the task did not start");
	for (int i = 0; i < N; i++) {
		e[i].in = i;
		t[i] = exec_echo(p, &e[i], 0);
	}
	gate_open(&g);
	CHECK_RC(tpool_shutdown(p, TPOOL_DRAIN), 0);
	for (int i = 0; i < N; i++) {
		ck_assert_msg(tpool_task_done(t[i]), "task %d not done after a "
						     "draining shutdown", i);
		CHECK_RC(wait_end(t[i]), 0);
		CHECK_EQ(e[i].out, 2 * i);
		CHECK_EQ(e[i].calls, 1);
		tpool_task_release(t[i]);
	}
	tpool_task_release(busy);
	tpool_destroy(p);
}
END_TEST

/* The running task finishes; every queued one ends with -ECANCELED, its
 * callback runs once, its command never. The first cancelled callback
 * opens the gate that holds the running task. */
START_TEST(test_cancel_ends_queued_tasks_with_ecanceled)
{
	enum { N = 5 };
	struct tpool *p = make_pool(1, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct gate g = GATE_INIT;
	struct echo e[N] = {{0}};
	struct tpool_task *t[N];
	struct tpool_task *busy = exec_gate(p, &g);

	ck_assert_msg(gate_wait_started(&g, 1), "the task did not start");
	for (int i = 0; i < N; i++) {
		e[i].gate = &g;
		t[i] = exec_echo(p, &e[i], 0);
	}
	CHECK_RC(tpool_shutdown(p, TPOOL_CANCEL), 0);
	for (int i = 0; i < N; i++) {
		ck_assert_msg(tpool_task_done(t[i]),
			      "queued task %d was lost: not ended after "
			      "tpool_shutdown(TPOOL_CANCEL) returned", i);
		CHECK_RC(wait_end(t[i]), -ECANCELED);
		CHECK_EQ(e[i].calls, 1);
		CHECK_RC(e[i].status, -ECANCELED);
		CHECK_EQ(e[i].runs, 0);
		tpool_task_release(t[i]);
	}
	ck_assert_msg(tpool_task_done(busy), "the running task did not end");
	CHECK_RC(wait_end(busy), 0);
	tpool_task_release(busy);
	tpool_destroy(p);
}
END_TEST

START_TEST(test_exec_after_shutdown_is_eshutdown)
{
	struct tpool *p = make_pool(2, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct echo e = {0};
	struct tpool_call call = {.command = "echo", .data = &e,
				  .done = echo_done, .ctx = &e};
	struct tpool_task *t = NULL;

	CHECK_RC(tpool_shutdown(p, TPOOL_DRAIN), 0);
	CHECK_RC(tpool_exec(p, &call, &t), -ESHUTDOWN);
	ck_assert_msg(t == NULL, "a failed tpool_exec set *out");
	tpool_destroy(p);
	CHECK_EQ(e.runs, 0);
	CHECK_EQ(e.calls, 0);
}
END_TEST

START_TEST(test_shutdown_twice_is_harmless)
{
	struct tpool *p = make_pool(2, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);

	CHECK_RC(tpool_shutdown(p, (enum tpool_stop)9), -EINVAL);
	CHECK_RC(tpool_shutdown(p, TPOOL_CANCEL), 0);
	CHECK_RC(tpool_shutdown(p, TPOOL_DRAIN), 0);
	tpool_destroy(p);
}
END_TEST

struct self_stop {
	struct tpool *pool;
	int rc;
	struct latch latch;
};

static void stop_from_callback(struct tpool_task *task, int status, void *ctx)
{
	struct self_stop *s = ctx;

	(void)task;
	(void)status;
	s->rc = tpool_shutdown(s->pool, TPOOL_DRAIN);
	latch_count_down(&s->latch);
}

START_TEST(test_shutdown_from_a_callback_is_edeadlk)
{
	struct tpool *p = make_pool(1, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct self_stop s = {.pool = p, .rc = 1, .latch = LATCH_INIT(1)};
	struct echo e = {0};
	struct tpool_call call = {.command = "echo", .data = &e,
				  .done = stop_from_callback, .ctx = &s};

	CHECK_RC(tpool_exec(p, &call, NULL), 0);
	ck_assert_msg(latch_wait(&s.latch), "the callback did not return");
	CHECK_RC(s.rc, -EDEADLK);
	tpool_destroy(p);
}
END_TEST

START_TEST(test_destroy_cancels_and_handles_outlive_the_pool)
{
	struct tpool *p = make_pool(1, TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM);
	struct gate g = GATE_INIT;
	struct echo e = {.in = 3, .gate = &g};
	struct tpool_task *busy = exec_gate(p, &g), *queued;

	ck_assert_msg(gate_wait_started(&g, 1), "the task did not start");
	queued = exec_echo(p, &e, 0);
	tpool_destroy(p);
	ck_assert_msg(tpool_task_done(busy) && tpool_task_done(queued),
		      "tasks not ended after tpool_destroy returned");
	CHECK_RC(wait_end(busy), 0);
	CHECK_RC(wait_end(queued), -ECANCELED);
	CHECK_EQ(tpool_task_id(queued), 2);
	tpool_task_release(busy);
	tpool_task_release(queued);
}
END_TEST

/* ---- stress ------------------------------------------------------------- */

struct submitter {
	struct tpool *pool;
	pthread_barrier_t *start;
	struct echo *echo;
	struct tpool_task **tasks;
	int n, accepted, bad_rc;
	bool until_shutdown;
};

static void *submit_main(void *arg)
{
	struct submitter *s = arg;

	pthread_barrier_wait(s->start);
	for (int i = 0; i < s->n; i++) {
		struct tpool_call call = {.command = "echo", .data = &s->echo[i],
					  .key = (uint64_t)i,
					  .done = echo_done,
					  .ctx = &s->echo[i]};
		int rc = tpool_exec(s->pool, &call, &s->tasks[i]);

		if (rc == -ESHUTDOWN && s->until_shutdown)
			break;
		if (rc < 0) {
			s->bad_rc = rc;
			break;
		}
		s->accepted++;
	}
	return NULL;
}

/* Start n_sub submitters of n tasks each at a barrier; if stop_after_us,
 * shut the pool down (cancelling) that long after the start. */
static void stress(enum tpool_strategy strategy, int n_sub, int n,
		   long stop_after_us)
{
	struct tpool *p = make_pool(3, strategy, TPOOL_TIES_RANDOM);
	struct submitter s[8] = {{0}};
	pthread_t tid[8];
	pthread_barrier_t start;

	pthread_barrier_init(&start, NULL, (unsigned)n_sub + 1);
	for (int k = 0; k < n_sub; k++) {
		s[k] = (struct submitter){.pool = p, .start = &start, .n = n,
					  .until_shutdown = stop_after_us > 0};
		s[k].echo = calloc((size_t)n, sizeof(struct echo));
		s[k].tasks = calloc((size_t)n, sizeof(struct tpool_task *));
		for (int i = 0; i < n; i++)
			s[k].echo[i].in = k * n + i;
		pthread_create(&tid[k], NULL, submit_main, &s[k]);
	}
	pthread_barrier_wait(&start);
	if (stop_after_us > 0) {
		struct timespec d = {0, stop_after_us * 1000};

		nanosleep(&d, NULL);
		CHECK_RC(tpool_shutdown(p, TPOOL_CANCEL), 0);
	}
	for (int k = 0; k < n_sub; k++)
		pthread_join(tid[k], NULL);
	for (int k = 0; k < n_sub; k++) {
		CHECK_RC(s[k].bad_rc, 0);
		for (int i = 0; i < s[k].accepted; i++) {
			struct echo *e = &s[k].echo[i];
			int rc;

			ck_assert_msg(stop_after_us == 0 ||
					      tpool_task_done(s[k].tasks[i]),
				      "%s: task %d of submitter %d was lost: "
				      "not ended after tpool_shutdown returned",
				      tpool_strategy_name(strategy), i, k);
			rc = wait_end(s[k].tasks[i]);

			ck_assert_msg(rc == 0 || (rc == -ECANCELED &&
						  stop_after_us > 0),
				      "%s: task %d of submitter %d ended "
				      "with %d", tpool_strategy_name(strategy),
				      i, k, rc);
			ck_assert_msg(e->calls == 1 && e->status == rc,
				      "%s: task %d of submitter %d: %d "
				      "callbacks, status %d, want 1 with %d",
				      tpool_strategy_name(strategy), i, k,
				      e->calls, e->status, rc);
			CHECK_EQ(e->runs, rc == 0 ? 1 : 0);
			if (rc == 0)
				CHECK_EQ(e->out, 2 * e->in);
			tpool_task_release(s[k].tasks[i]);
		}
		free(s[k].echo);
		free(s[k].tasks);
	}
	pthread_barrier_destroy(&start);
	tpool_destroy(p);
}

START_TEST(test_no_task_lost_under_concurrent_exec)
{
	int n = (int)env_or("TEST_TASKS", 400);

	for (int s = TPOOL_ROUNDROBIN; s <= TPOOL_AFFINITY; s++)
		stress((enum tpool_strategy)s, 4, n, 0);
}
END_TEST

START_TEST(test_no_task_lost_when_shutdown_races_exec)
{
	int n = (int)env_or("TEST_TASKS", 400);

	for (int round = 0; round < 4; round++)
		stress((enum tpool_strategy)round, 4, n * 10,
		       500 + 1000 * round);
}
END_TEST

static Suite *tpool_suite(void)
{
	Suite *s = suite_create("tpool");
	TCase *rules = tcase_create("rules");
	TCase *task = tcase_create("task");
	TCase *strategy = tcase_create("strategy");
	TCase *stop = tcase_create("shutdown");
	TCase *load = tcase_create("stress");

	tcase_add_test(rules, test_size_zero_means_one_worker_per_core);
	tcase_add_test(rules, test_negative_size_subtracts_from_cores);
	tcase_add_test(rules, test_negative_size_leaves_at_least_one);
	tcase_add_test(rules, test_positive_size_is_used_as_is);
	tcase_add_test(rules, test_size_above_max_is_einval);
	tcase_add_test(rules, test_pool_of_size_zero_has_a_worker_per_core);
	tcase_add_test(rules, test_strategy_names_parse);
	tcase_add_test(rules, test_invalid_strategy_is_rejected);
	tcase_add_test(rules, test_create_rejects_bad_arguments);
	tcase_set_timeout(rules, 5);
	suite_add_tcase(s, rules);

	tcase_add_test(task, test_unknown_command_is_enoent);
	tcase_add_test(task, test_exec_needs_a_handle_or_a_callback);
	tcase_add_test(task, test_ids_start_at_one_and_count_up);
	tcase_add_test(task, test_result_reaches_the_waiter);
	tcase_add_test(task, test_command_error_reaches_the_waiter);
	tcase_add_test(task, test_callback_runs_once_before_wait_returns);
	tcase_add_test(task, test_command_error_reaches_a_callback_alone);
	tcase_add_test(task, test_callback_may_exec_again);
	tcase_add_test(task, test_in_flight_counts_queued_and_running);
	tcase_set_timeout(task, 10);
	suite_add_tcase(s, task);

	tcase_add_test(strategy, test_roundrobin_goes_0_1_2_and_wraps);
	tcase_add_test(strategy, test_leastbusy_first_ties_starts_0_1_2);
	tcase_add_test(strategy, test_leastbusy_random_ties_fill_every_worker);
	tcase_add_test(strategy, test_leastbusy_picks_the_idle_worker);
	tcase_add_test(strategy, test_leastbusy_random_ties_spread_evenly);
	tcase_add_test(strategy, test_random_uses_every_worker);
	tcase_add_test(strategy, test_affinity_same_key_same_worker);
	tcase_set_timeout(strategy, 15);
	suite_add_tcase(s, strategy);

	tcase_add_test(stop, test_drain_runs_every_queued_task);
	tcase_add_test(stop, test_cancel_ends_queued_tasks_with_ecanceled);
	tcase_add_test(stop, test_exec_after_shutdown_is_eshutdown);
	tcase_add_test(stop, test_shutdown_twice_is_harmless);
	tcase_add_test(stop, test_shutdown_from_a_callback_is_edeadlk);
	tcase_add_test(stop, test_destroy_cancels_and_handles_outlive_the_pool);
	tcase_set_timeout(stop, 10);
	suite_add_tcase(s, stop);

	tcase_add_test(load, test_no_task_lost_under_concurrent_exec);
	tcase_add_test(load, test_no_task_lost_when_shutdown_races_exec);
	tcase_set_timeout(load, 20);
	suite_add_tcase(s, load);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tpool_suite());

	return lab_unit_run(sr);
}
