// SPDX-License-Identifier: MIT
/*
 * fuzz_pool_http.c - libFuzzer target: lab 01's pool_server as an HTTP
 * client meets it. The input is the raw bytes a client sends, one or more
 * requests (pipelined, as HTTP/1.1 allows); they reach the server's own
 * on_request() and request_value() (GET /N and the ?value=N query)
 * through libevent's evhttp in this process (http_driver.h).
 *
 * The request handling is given code with static functions
 * (harness/given/01-thread-pool/apps/pool_server.c): this file includes
 * it, main() renamed, and links the tree's task_done() (apps/handoff.c).
 * The pool is a stub that ends each task at once, unsummed, through
 * task_done() (a task for N = 99999999 would take a third of a second):
 * what is fuzzed is the parsing, the hand-off and the answer, not the
 * sum. Checked beyond crashes and leaks, on every answer the server
 * sends (a pipelined input gets several): a 200 carries a value below
 * the limit; and once the client has gone, no request stays pending.
 */
#include <stdint.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

/* The server's answers go through this check first (below). */
void fuzz_send_reply(struct evhttp_request *req, int code, const char *why,
		     struct evbuffer *body);

struct tpool;
struct tpool_call;
struct tpool_task;

#define tpool_exec fuzz_tpool_exec
#define tpool_task_worker fuzz_tpool_task_worker
#define tpool_task_release fuzz_tpool_task_release
#define main pool_server_main
#define evhttp_send_reply fuzz_send_reply
#include "pool_server.c" /* harness/given/01-thread-pool/apps, by -I */
#undef evhttp_send_reply
#undef main

#include "http_driver.h"

/*
 * Every answer of the server passes here on its way to evhttp. Checked per
 * answer, not on the connection's first one: with pipelined requests the
 * first answer belongs to the first request and says nothing about the
 * value of the last one submitted.
 */
void fuzz_send_reply(struct evhttp_request *req, int code, const char *why,
		     struct evbuffer *body)
{
	if (code == HTTP_OK) {
		size_t len = evbuffer_get_length(body);
		const char *text = (const char *)evbuffer_pullup(body, -1);
		json_t *obj = json_loadb(text, len, 0, NULL);
		json_t *value = json_object_get(obj, "value");

		if (!json_is_integer(value) || json_integer_value(value) < 0 ||
		    (uint64_t)json_integer_value(value) >= SQUARE_SUM_LIMIT)
			abort();
		json_decref(obj);
	}
	evhttp_send_reply(req, code, why, body);
}

/*
 * The stub pool. A task for an even value ends as it is submitted, on this
 * thread. A task for an odd value is held, as a running task is, until the
 * client's connection is over; then it ends, skipped as the real command
 * skips it when its client has left. So the input decides whether a
 * client leaves while its task is in the pool, pipelined requests
 * included, and the server must then free that job unanswered.
 */
struct held_task {
	void (*done)(struct tpool_task *, int, void *);
	void *ctx;
	int status;
};
static struct held_task held[64];
static size_t n_held;

int fuzz_tpool_exec(struct tpool *pool, const struct tpool_call *call,
		    struct tpool_task **task)
{
	struct square_sum_job *work = call->data;
	int status = work->max >= SQUARE_SUM_LIMIT ? -ERANGE : 0;

	(void)pool;
	*task = NULL;
	if (work->max % 2 == 0 || n_held == sizeof(held) / sizeof(held[0])) {
		call->done(NULL, status, call->ctx);
		return 0;
	}
	held[n_held++] = (struct held_task){call->done, call->ctx, status};
	return 0;
}

/* End the held tasks, as their workers would (job_square_sum()). The
 * flag is read relaxed, as the worker reads it; here the loop thread that
 * set it reads it, so it is simply the last value stored. */
static void end_held_tasks(void)
{
	for (size_t i = 0; i < n_held; i++) {
		struct job *job = held[i].ctx;
		bool gone = atomic_load_explicit(&job->abandoned,
						 memory_order_relaxed);

		held[i].done(NULL, gone ? -ECANCELED : held[i].status,
			     held[i].ctx);
	}
	n_held = 0;
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

	if (http_driver_send(data, size, &reply) < 0)
		abort();
	/* The client has gone. A job whose answer was still to come when the
	 * server saw it leave is freed by the loop (this thread's) once its
	 * task is back: end the held tasks and let the loop run. Still
	 * pending after 5 s is a job the server lost count of. */
	end_held_tasks();
	for (int i = 0; fuzz_srv.pending != 0 && i < 5000; i++) {
		event_base_loop(fuzz_srv.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
	}
	if (fuzz_srv.pending != 0 || fuzz_srv.waiting != 0)
		abort();
	return 0;
}
