// SPDX-License-Identifier: MIT
/*
 * Lab 01 benchmarks: the lab's pool with each dispatch strategy, against
 * one shared FIFO (shared_queue_pool.c) and GLib's GThreadPool, all with
 * the same number of workers: 2 for the empty tasks, 3 for the skewed load.
 *
 *   pool/empty_task/...     one iteration submits one task that does
 *                           nothing, keeping at most EMPTY_WINDOW in flight;
 *                           the last ones are waited for before the clock
 *                           stops: the pool's own cost per task.
 *   pool/skew_makespan/...  one iteration is the lab's skewed load
 *                           (harness/scenarios/01-thread-pool/skew.c, with
 *                           its defaults): SKEW_TASKS tasks, every
 *                           SKEW_EVERY-th slow (SKEW_SLOW_MS, the others
 *                           SKEW_FAST_MS), SKEW_CLIENTS kept in flight as
 *                           the chapter's autocannon -c 5 does, on a pool
 *                           of SKEW_WORKERS. Tasks sleep, as the chapter's
 *                           do, so the figure is about where tasks were
 *                           sent, not about how busy the CPUs were. The
 *                           time of an iteration is its makespan, from the
 *                           first submission to the last completion.
 *
 * Completion: the lab's pool reports a task's end through its done callback
 * (after its own bookkeeping); the baselines run the task function, which
 * reports at its end. The benchmark thread waits the same way for every
 * pool (see struct batch).
 */
#include <errno.h>
#include <glib.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bench_util.h"
#include "shared_queue_pool.h"
#include "tpool.h"

#define WORKERS 2	 /* empty tasks */
#define EMPTY_WINDOW 256 /* empty tasks in flight at most */

/* The lab's skew scenario, with its defaults. */
#define SKEW_WORKERS 3
#define SKEW_TASKS 60
#define SKEW_EVERY 6
#define SKEW_FAST_MS 2
#define SKEW_SLOW_MS 20
#define SKEW_CLIENTS 5

/* ---- jobs and batches ------------------------------------------------------
 */

/*
 * Tasks in flight, counted down as they complete. The empty tasks keep a
 * window of EMPTY_WINDOW in flight and wait with bench_backoff(), since a
 * sleep and a wake-up would cost more than many tasks. The skewed load
 * sleeps: in slots while SKEW_CLIENTS tasks are in flight, and in done
 * until the last task has ended (a wake-up per task, small against its
 * milliseconds).
 */
struct batch {
	atomic_uint left;
	bool sleepers; /* post slots per task, done after the last */
	sem_t slots;
	sem_t done;
};

struct job {
	unsigned ms; /* how long the task sleeps; 0: an empty task */
	struct batch *batch;
};

/* What every task does, whichever pool runs it. */
static void job_run(const struct job *j)
{
	struct timespec d = {j->ms / 1000, (long)(j->ms % 1000) * 1000000L};

	if (j->ms)
		while (nanosleep(&d, &d) != 0 && errno == EINTR)
			;
}

static void batch_task_done(struct batch *b)
{
	/* Release: the task's work happens before the waiter sees the
	 * count drop. */
	unsigned left =
	    atomic_fetch_sub_explicit(&b->left, 1, memory_order_release) - 1;

	if (b->sleepers) {
		sem_post(&b->slots);
		if (left == 0)
			sem_post(&b->done);
	}
}

/* Wait until fewer than limit tasks are in flight. */
static void batch_wait_below(struct batch *b, unsigned limit)
{
	unsigned spins = 0;

	/* Acquire pairs with the release in batch_task_done(). */
	while (atomic_load_explicit(&b->left, memory_order_acquire) >= limit)
		bench_backoff(&spins);
}

static void sem_wait_intr(sem_t *sem)
{
	while (sem_wait(sem) != 0)
		;
}

/* ---- the candidates -------------------------------------------------------
 */

enum kind { LAB, SHARED_QUEUE, GLIB };

struct candidate {
	const char *name;
	enum kind kind;
	enum tpool_strategy strategy; /* LAB only */
};

/* The one pool alive, made before a case's loop and freed after it. */
static struct tpool *lab_pool;
static struct sq_pool *sq_pool;
static GThreadPool *glib_pool;

static int lab_work(void *data)
{
	job_run(data);
	return 0;
}

static void lab_done(struct tpool_task *task, int status, void *ctx)
{
	(void)task;
	(void)status;
	batch_task_done(ctx);
}

static const struct tpool_command lab_commands[] = {
    {"work", lab_work},
    {NULL, NULL},
};

static void baseline_task(void *data)
{
	struct job *j = data;

	job_run(j);
	batch_task_done(j->batch);
}

static void glib_task(gpointer data, gpointer user_data)
{
	(void)user_data;
	baseline_task(data);
}

static int start(const struct candidate *c, int workers)
{
	GError *err = NULL;

	switch (c->kind) {
	case LAB: {
		struct tpool_config cfg = {
		    .size = workers,
		    .strategy = c->strategy,
		    .commands = lab_commands,
		    .seed = 42,
		};
		return tpool_create(&lab_pool, &cfg);
	}
	case SHARED_QUEUE:
		return sq_pool_create(&sq_pool, (unsigned)workers);
	case GLIB:
		/* exclusive: its threads start now and stay. */
		glib_pool =
		    g_thread_pool_new(glib_task, NULL, workers, TRUE, &err);
		if (!glib_pool) {
			g_clear_error(&err);
			return -EAGAIN;
		}
		return 0;
	}
	return -EINVAL;
}

static int submit(const struct candidate *c, struct job *j, uint64_t key)
{
	switch (c->kind) {
	case LAB: {
		struct tpool_call call = {
		    .command = "work",
		    .data = j,
		    .key = key,
		    .done = lab_done,
		    .ctx = j->batch,
		};
		return tpool_exec(lab_pool, &call, NULL);
	}
	case SHARED_QUEUE:
		return sq_pool_submit(sq_pool, baseline_task, j);
	case GLIB:
		return g_thread_pool_push(glib_pool, j, NULL) ? 0 : -EAGAIN;
	}
	return -EINVAL;
}

static void stop(const struct candidate *c)
{
	switch (c->kind) {
	case LAB:
		tpool_destroy(lab_pool);
		break;
	case SHARED_QUEUE:
		sq_pool_destroy(sq_pool);
		break;
	case GLIB:
		g_thread_pool_free(glib_pool, FALSE, TRUE);
		break;
	}
}

/* Report a failed call and end the case; the pool is stopped by the
 * caller after every task it accepted has completed. */
static void fail(struct bench_state *s, const char *what, int rc)
{
	bench_fail_errno(s, what, rc);
}

/* ---- the cases --------------------------------------------------------------
 */

static struct job jobs[EMPTY_WINDOW > SKEW_TASKS ? EMPTY_WINDOW : SKEW_TASKS];

/*
 * One task per iteration, with at most EMPTY_WINDOW in flight: the time of
 * an iteration is the pool's cost per task, submitted and completed.
 */
static void empty_tasks(struct bench_state *s, const struct candidate *c)
{
	struct batch b = {.sleepers = false};
	uint64_t k = 0;
	int rc = start(c, WORKERS);

	if (rc != 0) {
		fail(s, "creating the pool", rc);
		return;
	}
	for (int j = 0; j < EMPTY_WINDOW; j++)
		jobs[j] = (struct job){0, &b};
	while (bench_keep_running(s)) {
		batch_wait_below(&b, EMPTY_WINDOW);
		atomic_fetch_add_explicit(&b.left, 1, memory_order_relaxed);
		rc = submit(c, &jobs[k % EMPTY_WINDOW], k);
		if (rc != 0) {
			atomic_fetch_sub(&b.left, 1);
			fail(s, "submitting a task", rc);
			break;
		}
		k++;
	}
	/* The last tasks are part of the cost: wait for them on the clock. */
	batch_wait_below(&b, 1);
	stop(c);
	bench_items_processed(s, (int64_t)k);
}

/* One pass over the skewed load; returns 0 or a submission's error. */
static int skew_once(const struct candidate *c, struct batch *b)
{
	int rc = 0;

	atomic_store_explicit(&b->left, SKEW_TASKS, memory_order_relaxed);
	for (int k = 0; k < SKEW_TASKS; k++) {
		sem_wait_intr(&b->slots);
		/* affinity: each client's requests carry its own key, as in
		 * the lab's scenario */
		rc = submit(c, &jobs[k], (uint64_t)(k % SKEW_CLIENTS));
		if (rc != 0) {
			/* The tasks never submitted will never end. */
			if (atomic_fetch_sub(&b->left, SKEW_TASKS - k) ==
			    (unsigned)(SKEW_TASKS - k))
				return rc;
			break;
		}
	}
	sem_wait_intr(&b->done);
	/* Every task gave its slot back: SKEW_CLIENTS again. */
	return rc;
}

static void skew_makespan(struct bench_state *s, const struct candidate *c)
{
	struct batch b = {.sleepers = true};
	unsigned total_ms = 0;
	int rc;

	sem_init(&b.slots, 0, SKEW_CLIENTS);
	sem_init(&b.done, 0, 0);
	for (int k = 0; k < SKEW_TASKS; k++) {
		unsigned ms = k % SKEW_EVERY == SKEW_EVERY - 1 ? SKEW_SLOW_MS
							       : SKEW_FAST_MS;
		jobs[k] = (struct job){ms, &b};
		total_ms += ms;
	}
	rc = start(c, SKEW_WORKERS);
	if (rc != 0) {
		fail(s, "creating the pool", rc);
		return;
	}
	while (bench_keep_running(s)) {
		rc = skew_once(c, &b);
		if (rc != 0) {
			fail(s, "submitting a task", rc);
			break;
		}
	}
	stop(c);
	sem_destroy(&b.slots);
	sem_destroy(&b.done);
	bench_items_processed(s, bench_iterations(s) * SKEW_TASKS);
	/* No schedule of these tasks on SKEW_WORKERS beats this. */
	bench_counter(s, "ideal_ms", (double)total_ms / SKEW_WORKERS,
		      BENCH_COUNTER_PLAIN);
}

#define CANDIDATE(tag, kind, strategy)                                         \
	static const struct candidate c_##tag = {#tag, kind, strategy};        \
	static void bm_empty_##tag(struct bench_state *s)                      \
	{                                                                      \
		empty_tasks(s, &c_##tag);                                      \
	}                                                                      \
	static void bm_skew_##tag(struct bench_state *s)                       \
	{                                                                      \
		skew_makespan(s, &c_##tag);                                    \
	}

CANDIDATE(roundrobin, LAB, TPOOL_ROUNDROBIN)
CANDIDATE(random, LAB, TPOOL_RANDOM)
CANDIDATE(leastbusy, LAB, TPOOL_LEASTBUSY)
CANDIDATE(affinity, LAB, TPOOL_AFFINITY)
CANDIDATE(shared_queue, SHARED_QUEUE, 0)
CANDIDATE(glib, GLIB, 0)

BENCH_CASES(pool_cases)
{
	static const struct {
		const char *name;
		void (*empty)(struct bench_state *);
		void (*skew)(struct bench_state *);
	} cases[] = {
	    {"roundrobin", bm_empty_roundrobin, bm_skew_roundrobin},
	    {"random", bm_empty_random, bm_skew_random},
	    {"leastbusy", bm_empty_leastbusy, bm_skew_leastbusy},
	    {"affinity", bm_empty_affinity, bm_skew_affinity},
	    {"shared_queue", bm_empty_shared_queue, bm_skew_shared_queue},
	    {"glib", bm_empty_glib, bm_skew_glib},
	};
	char name[64];

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		snprintf(name, sizeof(name), "pool/empty_task/%s",
			 cases[k].name);
		bench_unit(
		    bench_real_time(bench_register(name, cases[k].empty)),
		    BENCH_NS);
		snprintf(name, sizeof(name), "pool/skew_makespan/%s",
			 cases[k].name);
		bench_unit(bench_real_time(bench_register(name, cases[k].skew)),
			   BENCH_MS);
	}
}
