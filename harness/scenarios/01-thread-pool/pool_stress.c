// SPDX-License-Identifier: MIT
/*
 * Lab 01: submitter threads start at a barrier and hand the pool tasks as
 * fast as they can, each with a callback, while the pool's workers run them.
 * Even runs drain the pool after the submitters are done; odd runs shut it
 * down (cancelling) while they are still submitting. Each run uses the next
 * strategy. Every task accepted must end exactly once: its callback runs
 * once with the status the waiter sees, its command ran iff the status is
 * 0, and what the command wrote is what the waiter reads. Plain (non-atomic)
 * fields carry the data, so that a detector sees any missing hand-off.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "preempt.h"
#include "scenario.h"
#include "tpool.h"

static unsigned long n_submitters = 3;
static unsigned long n_tasks = 300;     /* per submitter */
static unsigned long n_workers = 3;

struct item {
	unsigned long in;               /* set by the submitter */
	unsigned long out;              /* set by the command */
	int runs;
	int calls, status;              /* set by the callback */
	unsigned long seen;             /* out, as the callback read it */
	struct tpool_task *task;
};

struct submitter {
	struct tpool *pool;
	pthread_barrier_t *start;
	struct item *items;
	unsigned long index, accepted;
	bool racing;                    /* shutdown may come at any time */
	int error;
};

static int bump(void *data)
{
	struct item *it = data;

	lab_preempt();
	it->out = it->in * 3 + 1;
	it->runs++;
	return 0;
}

static void on_done(struct tpool_task *task, int status, void *ctx)
{
	struct item *it = ctx;

	(void)task;
	lab_preempt();
	it->calls++;
	it->status = status;
	it->seen = it->out;
}

static const struct tpool_command commands[] = {
	{"bump", bump},
	{NULL, NULL},
};

static void *submit_main(void *arg)
{
	struct submitter *s = arg;

	lab_noise_thread(s->index);
	pthread_barrier_wait(s->start);
	for (unsigned long i = 0; i < n_tasks; i++) {
		struct item *it = &s->items[i];
		struct tpool_call call = {.command = "bump", .data = it,
					  .key = i, .done = on_done, .ctx = it};
		int rc = tpool_exec(s->pool, &call, &it->task);

		if (rc == -ESHUTDOWN && s->racing)
			break;
		if (rc < 0) {
			s->error = rc;
			break;
		}
		s->accepted++;
		lab_preempt();
	}
	return NULL;
}

/* Check one accepted task; returns a message or NULL. */
static const char *verify(const struct item *it, int rc, bool racing)
{
	if (rc != 0 && !(racing && rc == -ECANCELED))
		return "ended with an unexpected status";
	if (it->calls != 1)
		return it->calls ? "callback ran more than once"
				 : "callback never ran: the task was lost";
	if (it->status != rc)
		return "callback and waiter saw different statuses";
	if (it->runs != (rc == 0))
		return rc ? "cancelled, yet its command ran"
			  : "command ran more or less than once";
	if (rc == 0 && (it->out != it->in * 3 + 1 || it->seen != it->out))
		return "result lost between the command and the caller";
	return NULL;
}

static void one_run(struct scenario *sc, unsigned long run)
{
	struct tpool_config cfg = {
		.size = (int)n_workers,
		.strategy = (enum tpool_strategy)(run % 4),
		.commands = commands,
		.seed = sc->seed + run + 1,
	};
	bool racing = run % 2 == 1;
	struct submitter s[16];
	pthread_t tid[16];
	pthread_barrier_t start;
	struct tpool *pool;
	int rc = tpool_create(&pool, &cfg);

	if (rc < 0)
		scenario_die("pool_stress: tpool_create", rc);
	pthread_barrier_init(&start, NULL, (unsigned)n_submitters + 1);
	for (unsigned long k = 0; k < n_submitters; k++) {
		s[k] = (struct submitter){.pool = pool, .start = &start,
					  .index = run * 16 + k + 1,
					  .racing = racing};
		s[k].items = calloc(n_tasks, sizeof(struct item));
		for (unsigned long i = 0; i < n_tasks; i++)
			s[k].items[i].in = k * n_tasks + i;
		pthread_create(&tid[k], NULL, submit_main, &s[k]);
	}
	pthread_barrier_wait(&start);
	if (racing) {
		lab_preempt();
		rc = tpool_shutdown(pool, TPOOL_CANCEL);
	}
	for (unsigned long k = 0; k < n_submitters; k++)
		pthread_join(tid[k], NULL);
	if (!racing)
		rc = tpool_shutdown(pool, TPOOL_DRAIN);
	if (rc < 0)
		scenario_die("pool_stress: tpool_shutdown", rc);
	for (unsigned long k = 0; k < n_submitters; k++) {
		const char *bad = NULL;
		unsigned long i;

		if (s[k].error)
			scenario_die("pool_stress: tpool_exec", s[k].error);
		for (i = 0; i < s[k].accepted && !bad; i++) {
			struct item *it = &s[k].items[i];

			if (!tpool_task_done(it->task))
				bad = racing ? "not ended after tpool_shutdown"
					       "(TPOOL_CANCEL) returned"
					     : "not ended after tpool_shutdown"
					       "(TPOOL_DRAIN) returned: a drain "
					       "runs every queued task first";
			else
				bad = verify(it, tpool_task_wait(it->task),
					     racing);
		}
		if (bad)
			scenario_fail(sc, run, "%s pool, submitter %lu, task "
					       "%lu: %s",
				      tpool_strategy_name(cfg.strategy), k,
				      i - 1, bad);
		for (i = 0; i < s[k].accepted; i++)
			tpool_task_release(s[k].items[i].task);
		free(s[k].items);
	}
	pthread_barrier_destroy(&start);
	tpool_destroy(pool);
}

int main(int argc, char **argv)
{
	struct scenario sc = {
		.name = "pool_stress",
		.summary = "Submitters race each other and shutdown; every "
			   "accepted task must end exactly once.",
		.runs = 20,
	};
	const struct scenario_opt opts[] = {
		{"threads", &n_submitters, "submitter threads"},
		{"tasks", &n_tasks, "tasks per submitter per run"},
		{"workers", &n_workers, "workers in the pool"},
		{NULL, NULL, NULL},
	};

	scenario_parse(&sc, opts, argc, argv);
	if (n_submitters < 1 || n_submitters > 16 || n_workers < 1 ||
	    n_workers > TPOOL_MAX_SIZE || n_tasks < 1) {
		fprintf(stderr, "pool_stress: --threads 1..16, --workers "
				"1..%d, --tasks >= 1\n", TPOOL_MAX_SIZE);
		return 2;
	}
	for (unsigned long run = 0; run < sc.runs; run++)
		one_run(&sc, run);
	if (!sc.quiet)
		printf("pool_stress: %lu runs of %lu submitters x %lu tasks on "
		       "%lu workers\n", sc.runs, n_submitters, n_tasks,
		       n_workers);
	return scenario_finish(&sc);
}
