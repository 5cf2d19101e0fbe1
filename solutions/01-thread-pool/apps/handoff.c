// SPDX-License-Identifier: MIT
/*
 * Lab 01, reference solution: pool_server's hand-off from a worker back to
 * the event loop (pool_server.h). The rest of the server is given:
 * harness/given/01-thread-pool/apps/pool_server.c.
 */
#include "pool_server.h"

/*
 * It must not touch job->req: the request and its connection belong to the
 * loop thread, and evhttp keeps their state without a lock. It hands the
 * job back instead. event_active() is safe from any thread once
 * evthread_use_pthreads() has run, and cannot fail: the event was made on
 * the loop thread beforehand. (event_base_once() would allocate here, on
 * the worker, and a failed allocation would leave the client unanswered.)
 * The base's lock orders our write of status before reply_ready() reads it.
 */
void task_done(struct tpool_task *task, int status, void *ctx)
{
	struct job *job = ctx;

	(void)task;
	job->status = status;
	event_active(job->ready, EV_TIMEOUT, 0);
}
