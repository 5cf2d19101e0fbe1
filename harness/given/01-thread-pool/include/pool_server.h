/* SPDX-License-Identifier: MIT */
/*
 * pool_server.h - what pool_server's given code (harness/given/
 * 01-thread-pool/apps/pool_server.c) shares with the one function the
 * student writes, task_done() in labs/01-thread-pool/apps/handoff.c.
 * Internal to the program; given code.
 */
#ifndef LAB_POOL_SERVER_H
#define LAB_POOL_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>

#include <event2/event.h>
#include <event2/http.h>

#include "commands.h"
#include "tpool.h"

struct server;

/*
 * One request in flight. The loop thread makes it in on_request(), waits
 * out the chapter's delay on a timer, and gives it to the pool; a worker
 * fills in work.sum and status; the loop thread answers and frees it in
 * reply_ready(), which job->ready runs.
 */
struct job {
	/* what task_done() needs */
	struct square_sum_job work;     /* the command's input and output */
	int status;                     /* how the task ended */
	struct event *ready;            /* activated when the task has ended */
	/* the given code's own, loop thread only unless said */
	struct server *srv;
	struct evhttp_request *req;     /* NULL once answered or abandoned */
	struct event *delay;            /* the chapter's setTimeout */
	struct event *watch;            /* the client's socket closing */
	uint64_t key;                   /* the client: affinity, and its cap */
	bool in_pool;                   /* given to the pool, not ended */
	/* set by the loop thread when the client left, read by the worker
	 * that would run the task: a hint to skip the work (relaxed) */
	atomic_bool abandoned;
	struct job *prev, *next;        /* the server's jobs */
};

/*
 * task_done - the task's callback (tpool_call.done; ctx is the job): runs
 * on the worker thread the moment square_sum has returned (or, with
 * -ECANCELED, on the thread that shuts the pool down). It must hand the
 * job back to the loop thread, which answers: the request and its
 * connection belong to the loop thread, and evhttp keeps their state
 * without a lock.
 */
void task_done(struct tpool_task *task, int status, void *ctx);

#endif /* LAB_POOL_SERVER_H */
