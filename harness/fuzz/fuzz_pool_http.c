// SPDX-License-Identifier: MIT
/*
 * fuzz_pool_http.c - libFuzzer target: lab 01's pool_server as an HTTP
 * client meets it. The input is the raw bytes a client sends; they reach
 * the server's own on_request() and request_value() (GET /N and the
 * ?value=N query) through libevent's evhttp in this process
 * (http_driver.h).
 *
 * The request handling is given code with static functions
 * (harness/given/01-thread-pool/apps/pool_server.c): this file includes
 * it, main() renamed, and links the tree's task_done() (apps/handoff.c).
 * The pool is a stub that ends each task at once, unsummed, through
 * task_done() (a task for N = 99999999 would take a third of a second):
 * what is fuzzed is the parsing, the hand-off and the answer, not the
 * sum. Checked beyond crashes and leaks: a 200 answers a value below the
 * limit, and no request stays pending.
 */
#include <stdint.h>

struct tpool;
struct tpool_call;
struct tpool_task;

#define tpool_exec fuzz_tpool_exec
#define tpool_task_worker fuzz_tpool_task_worker
#define tpool_task_release fuzz_tpool_task_release
#define main pool_server_main
#include "pool_server.c" /* harness/given/01-thread-pool/apps, by -I */
#undef main

#include "http_driver.h"

static uint64_t last_value;

/* The stub pool: the task ends as it is submitted, on this thread. */
int fuzz_tpool_exec(struct tpool *pool, const struct tpool_call *call,
		    struct tpool_task **task)
{
	struct square_sum_job *work = call->data;

	(void)pool;
	last_value = work->max;
	*task = NULL;
	call->done(NULL, work->max >= SQUARE_SUM_LIMIT ? -ERANGE : 0,
		   call->ctx);
	return 0;
}

unsigned fuzz_tpool_task_worker(const struct tpool_task *task)
{
	(void)task;
	return 0;
}

void fuzz_tpool_task_release(struct tpool_task *task)
{
	(void)task;
}

static struct server fuzz_srv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct server *srv = &fuzz_srv;

	(void)argc, (void)argv;
	json_object_seed(1);
	if (evthread_use_pthreads() != 0)
		abort();
	srv->opt = (struct options){.host = "127.0.0.1", .quiet = true,
				    .max_value = SQUARE_SUM_LIMIT,
				    .max_pending = 1000, .max_per_client = 1000,
				    .seed = 1};
	srv->rng = 1;
	if (start_loop(srv) < 0 ||
	    http_driver_listen(srv->base, srv->http) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_reply reply;

	last_value = 0;
	/* One request per input. A second, pipelined request whose client
	 * hangs up after the first answer is not yet cancelled by the server:
	 * its job stays counted in srv->pending (found by this target; open).
	 * Until that is fixed, the target stops at the first request's end. */
	for (size_t i = 0; i + 1 < size; i++) {
		/* the head's blank line, as evhttp reads it: "\n\n" or "\n\r\n" */
		if (data[i] != '\n')
			continue;
		if (data[i + 1] == '\n') {
			size = i + 2;
			break;
		}
		if (i + 2 < size && data[i + 1] == '\r' && data[i + 2] == '\n') {
			size = i + 3;
			break;
		}
	}
	if (http_driver_send(data, size, &reply) < 0)
		abort();
	/* A pipelined second request may still be computing when the first
	 * is answered and the client has gone: let the loop (this thread's)
	 * take its cancelled or finished job back. Still pending after 5 s is
	 * a job the server lost count of. */
	for (int i = 0; fuzz_srv.pending != 0 && i < 5000; i++) {
		event_base_loop(fuzz_srv.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
	}
	if (fuzz_srv.pending != 0)
		abort();
	if (reply.status == 200 && last_value >= SQUARE_SUM_LIMIT)
		abort();
	return 0;
}
