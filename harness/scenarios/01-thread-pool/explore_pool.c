// SPDX-License-Identifier: MIT
/*
 * Lab 01 under the explorer: a pool of two workers gets a few tasks, then
 * is shut down and destroyed, in every schedule within the bound. A
 * condition wait may return spuriously there, as POSIX allows (glibc
 * almost never does), so a worker that waits under `if` instead of
 * `while` shows. Every task must end exactly once (run, or cancelled by
 * --stop 1), its waiter must hear of it, and every worker must be joined:
 * a thread left asleep is reported as "every thread is blocked".
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "explore.h"
#include "tpool.h"

enum { MAX_TASKS = 4 };

static unsigned long workers = 2, tasks = 2, stop;

struct job {
	int runs;  /* the command ran: only its worker writes it */
	int dones; /* done() was called */
	int status;
};
static struct job jobs[MAX_TASKS];

static int job_run(void *data)
{
	struct job *j = data;

	explore_say("runs task %d", (int)(j - jobs));
	j->runs++;
	return 0;
}

static void job_done(struct tpool_task *task, int status, void *ctx)
{
	struct job *j = ctx;

	(void)task;
	j->dones++;
	j->status = status;
}

static const struct tpool_command commands[] = {
	{"job", job_run},
	{NULL, NULL},
};

static int lab_rc(const char *what, int rc)
{
	if (rc == -ENOSYS)
		explore_setup_error("%s returned -ENOSYS: labs/01-thread-pool "
				    "is not written yet (TODO(lab01))",
				    what);
	if (rc < 0)
		explore_fail("%s returned %d (%s)", what, rc, strerror(-rc));
	return rc;
}

static void submit_all(struct tpool *pool, struct tpool_task **out)
{
	for (unsigned long i = 0; i < tasks; i++) {
		struct tpool_call call = {"job", &jobs[i], 0, job_done,
					  &jobs[i]};

		lab_rc("tpool_exec", tpool_exec(pool, &call, &out[i]));
	}
}

static void check_jobs(void)
{
	for (unsigned long i = 0; i < tasks; i++) {
		const struct job *j = &jobs[i];

		if (j->dones != 1)
			explore_fail("task %lu ended %d times, want once", i,
				     j->dones);
		if (j->runs > 1)
			explore_fail("task %lu ran %d times", i, j->runs);
		if (stop == 0 && j->runs != 1)
			explore_fail("task %lu never ran, though the pool was "
				     "drained",
				     i);
		if (j->runs == 0 && j->status != -ECANCELED)
			explore_fail("task %lu did not run and ended with %d, "
				     "want -ECANCELED",
				     i, j->status);
	}
}

static void body(void)
{
	struct tpool_config cfg = {(int)workers, TPOOL_ROUNDROBIN,
				   TPOOL_TIES_FIRST, commands, 1};
	struct tpool_task *task[MAX_TASKS];
	struct tpool *pool;

	if (tasks < 1 || tasks > MAX_TASKS || workers < 1 || workers > 3)
		explore_setup_error("--tasks 1 to %d, --workers 1 to 3",
				    MAX_TASKS);
	lab_rc("tpool_create", tpool_create(&pool, &cfg));
	/* Let the workers reach their wait first, as in a real program,
	 * where tasks come later: a yield is a free switch. */
	sched_yield();
	submit_all(pool, task);
	if (stop == 0) {
		for (unsigned long i = 0; i < tasks; i++)
			lab_rc("tpool_task_wait", tpool_task_wait(task[i]));
	}
	lab_rc("tpool_shutdown",
	       tpool_shutdown(pool, stop ? TPOOL_CANCEL : TPOOL_DRAIN));
	for (unsigned long i = 0; i < tasks; i++)
		tpool_task_release(task[i]);
	tpool_destroy(pool);
	check_jobs();
}

int main(int argc, char **argv)
{
	static const struct explore_test test = {
		"explore_pool",
		"Lab 01's pool: submit, wait, shut down, every schedule "
		"within the bound, with spurious wake-ups.",
		body, "dfs", 1, true};
	const struct scenario_opt opts[] = {
		{"workers", &workers, "worker threads, 1 to 3"},
		{"tasks", &tasks, "tasks, 1 to 4"},
		{"stop", &stop, "0: wait for each task, drain; 1: cancel"},
		{NULL, NULL, NULL},
	};

	return explore_main(&test, opts, argc, argv);
}
