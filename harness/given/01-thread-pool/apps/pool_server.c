// SPDX-License-Identifier: MIT
/*
 * Lab 01: pool_server, the chapter's main.js. An HTTP server (libevent's
 * evhttp) whose every request becomes a square_sum task for the thread pool,
 * answered with {"sum": ..., "value": ...} (built by jansson) once the task
 * ends. The event loop owns every connection: a worker's callback only hands
 * the finished job back to the loop, which sends the reply.
 *
 * Given code (harness/given/): the student writes task_done(), the
 * worker's hand-off, in apps/handoff.c (pool_server.h).
 *
 *   THREADS=3 STRATEGY=leastbusy build/native/labs/bin/pool_server
 *   curl http://127.0.0.1:1337/            a random value below 100 million
 *   curl 'http://127.0.0.1:1337/?value=42' a chosen value
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <jansson.h>

#include "commands.h"
#include "pool_server.h"
#include "tpool.h"

struct options {
	const char *host;
	unsigned long port;
	long threads;
	enum tpool_strategy strategy;
	enum tpool_ties ties;
	unsigned long delay_ms;
	unsigned long long max_value;   /* random values are below this */
	unsigned long max_pending;      /* more requests in flight: 503 */
	unsigned long long seed;
	bool quiet;
};

struct server {
	struct options opt;
	struct event_base *base;
	struct evhttp *http;
	struct tpool *pool;
	struct event *on_signal[2];
	/* touched by the loop thread only */
	uint64_t rng;
	unsigned long pending;
	bool stopping;
};

/* ---- replies (loop thread) ---------------------------------------------- */

/* Send obj (which this consumes) as the JSON body of a reply. */
static void send_json(struct evhttp_request *req, int code, const char *why,
		      json_t *obj)
{
	struct evbuffer *body = evbuffer_new();
	char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER)
			 : NULL;

	json_decref(obj);
	if (!body || !text) {
		/* Out of memory: still answer, with no body. */
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	} else {
		evbuffer_add(body, text, strlen(text));
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Content-Type", "application/json");
		evhttp_send_reply(req, code, why, body);
	}
	free(text);
	if (body)
		evbuffer_free(body);
}

static void send_error(struct evhttp_request *req, int code, const char *why,
		       const char *msg)
{
	send_json(req, code, why, json_pack("{s:s}", "error", msg));
}

/* The HTTP answer for a task that ended with status. */
static void answer(struct job *job)
{
	struct evhttp_request *req = job->req;
	json_int_t value = (json_int_t)job->work.max;

	if (job->status == 0)
		send_json(req, HTTP_OK, "OK",
			  json_pack("{s:f, s:I}", "sum", job->work.sum,
				    "value", value));
	else if (job->status == -ERANGE || job->status == -EINVAL)
		send_json(req, HTTP_BADREQUEST, "Bad Request",
			  json_pack("{s:s, s:I}", "error",
				    strerror(-job->status), "value", value));
	else if (job->status == -ECANCELED)
		send_error(req, HTTP_SERVUNAVAIL, "Service Unavailable",
			   "the server is shutting down");
	else
		send_error(req, HTTP_INTERNAL, "Internal Server Error",
			   strerror(job->status < 0 ? -job->status : EIO));
}

/* Runs on the loop thread once task_done() has handed the job back. */
static void reply_ready(evutil_socket_t fd, short what, void *arg)
{
	struct job *job = arg;

	(void)fd;
	(void)what;
	answer(job);
	job->srv->pending--;
	event_free(job->ready);
	free(job);
}

/* ---- requests (loop thread) --------------------------------------------- */

static uint64_t next_random(struct server *srv)
{
	uint64_t z = (srv->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The affinity key: the client's address, as HAProxy's source hashes it
 * (FNV-1a of the text form; the port is left out on purpose). */
static uint64_t peer_key(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	uint64_t h = 0xcbf29ce484222325ull;
	char *addr = NULL;
	ev_uint16_t port;

	if (!conn)
		return 0;
	evhttp_connection_get_peer(conn, &addr, &port);
	for (const char *s = addr; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* The value to sum up to: ?value=N, else a random one. Returns 0, or -1
 * when the query has a value that is not a whole number. */
static int request_value(struct server *srv, struct evhttp_request *req,
			 uint64_t *value)
{
	const char *query = evhttp_uri_get_query(
		evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq params;
	const char *v;
	char *end;
	int rc = 0;

	*value = next_random(srv) % srv->opt.max_value;
	if (!query || evhttp_parse_query_str(query, &params) != 0)
		return 0;
	v = evhttp_find_header(&params, "value");
	if (v) {
		errno = 0;
		*value = strtoull(v, &end, 10);
		if (*v < '0' || *v > '9' || *end || errno)
			rc = -1;
	}
	evhttp_clear_headers(&params);
	return rc;
}

/* Queue the job on the pool and log the chosen worker, as the chapter's
 * getWorker() does. Returns 0 or tpool_exec()'s error. */
static int submit(struct server *srv, struct job *job)
{
	struct tpool_call call = {
		.command = "square_sum",
		.data = &job->work,
		.key = peer_key(job->req),
		.done = task_done,
		.ctx = job,
	};
	struct tpool_task *task;
	int rc = tpool_exec(srv->pool, &call, &task);

	if (rc < 0)
		return rc;
	if (!srv->opt.quiet)
		printf("Selected Worker: %u\n", tpool_task_worker(task));
	tpool_task_release(task);
	return 0;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	struct job *job;
	uint64_t value;
	int rc;

	if (srv->stopping || srv->pending >= srv->opt.max_pending)
		return send_error(req, HTTP_SERVUNAVAIL, "Service Unavailable",
				  srv->stopping ? "the server is shutting down"
						: "too many requests in flight");
	if (request_value(srv, req, &value) < 0)
		return send_error(req, HTTP_BADREQUEST, "Bad Request",
				  "value must be a whole number");
	job = calloc(1, sizeof(*job));
	if (job)
		job->ready = event_new(srv->base, -1, 0, reply_ready, job);
	if (!job || !job->ready) {
		free(job);
		return send_error(req, HTTP_SERVUNAVAIL, "Service Unavailable",
				  "out of memory");
	}
	job->work.max = value;
	job->work.delay_ms = (unsigned)srv->opt.delay_ms;
	job->srv = srv;
	job->req = req;
	rc = submit(srv, job);
	if (rc < 0) {
		event_free(job->ready);
		free(job);
		return send_error(req, HTTP_SERVUNAVAIL, "Service Unavailable",
				  strerror(-rc));
	}
	srv->pending++;
}

/* ---- options ------------------------------------------------------------ */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: pool_server [--host H] [--port N] [--threads N]\n"
		"       [--strategy S] [--ties random|first] [--delay-ms N]\n"
		"       [--max-value N] [--max-pending N] [--seed N] [--quiet]\n"
		"Each option may also come from the environment: HOST, PORT,\n"
		"THREADS, STRATEGY, TIES, DELAY_MS, MAX_VALUE, MAX_PENDING, SEED,\n"
		"QUIET=1. Defaults: 127.0.0.1, 1337, 0 (one per core),\n"
		"roundrobin, random, 100, 100000000, 1000, from the clock.\n"
		"Strategies: roundrobin random leastbusy affinity.\n");
}

static bool parse_num(const char *s, long long lo, long long hi,
		      long long *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* A TODO in the pool is not a bad option: say which function it is. */
static void die_todo(const char *fn, int rc)
{
	fprintf(stderr, "pool_server: %s: %s%s\n", fn, strerror(-rc),
		rc == -ENOSYS ? " (still a TODO in src/tpool.c?)" : "");
	exit(2);
}

static bool parse_strategy(const char *v, enum tpool_strategy *s)
{
	int rc = tpool_strategy_parse(v, s);

	if (rc < 0 && rc != -EINVAL)
		die_todo("tpool_strategy_parse", rc);
	return rc == 0;
}

/* Set one option from its value; name is the environment variable's. */
static bool set_option(struct options *o, const char *name, const char *v)
{
	long long n;

	if (strcmp(name, "HOST") == 0)
		return (o->host = v) != NULL && *v;
	if (strcmp(name, "STRATEGY") == 0)
		return parse_strategy(v, &o->strategy);
	if (strcmp(name, "TIES") == 0) {
		if (strcmp(v, "random") && strcmp(v, "first"))
			return false;
		o->ties = strcmp(v, "first") == 0 ? TPOOL_TIES_FIRST
						  : TPOOL_TIES_RANDOM;
		return true;
	}
	if (strcmp(name, "QUIET") == 0)
		return (o->quiet = strcmp(v, "0") != 0), true;
	if (strcmp(name, "THREADS") == 0)
		return parse_num(v, -4096, TPOOL_MAX_SIZE, &n) &&
		       ((o->threads = (long)n), true);
	if (strcmp(name, "PORT") == 0)
		return parse_num(v, 0, 65535, &n) &&
		       ((o->port = (unsigned long)n), true);
	if (strcmp(name, "DELAY_MS") == 0)
		return parse_num(v, 0, SQUARE_SUM_MAX_DELAY_MS, &n) &&
		       ((o->delay_ms = (unsigned long)n), true);
	if (strcmp(name, "MAX_VALUE") == 0)
		return parse_num(v, 1, (long long)SQUARE_SUM_LIMIT, &n) &&
		       ((o->max_value = (unsigned long long)n), true);
	if (strcmp(name, "MAX_PENDING") == 0)
		return parse_num(v, 1, 1000000, &n) &&
		       ((o->max_pending = (unsigned long)n), true);
	if (strcmp(name, "SEED") == 0)
		return parse_num(v, 0, INT64_MAX, &n) &&
		       ((o->seed = (unsigned long long)n), true);
	return false;
}

static const char *const option_names[][2] = {
	{"--host", "HOST"},           {"--port", "PORT"},
	{"--threads", "THREADS"},     {"--strategy", "STRATEGY"},
	{"--ties", "TIES"},           {"--delay-ms", "DELAY_MS"},
	{"--max-value", "MAX_VALUE"}, {"--max-pending", "MAX_PENDING"},
	{"--seed", "SEED"},
};
#define N_OPTIONS (sizeof(option_names) / sizeof(option_names[0]))

static void bad_value(const char *name, const char *v)
{
	if (strcmp(name, "STRATEGY") == 0)
		fprintf(stderr, "pool_server: invalid strategy '%s' (valid: "
				"roundrobin, random, leastbusy, affinity)\n", v);
	else
		fprintf(stderr, "pool_server: bad %s '%s' (see --help)\n",
			name, v);
	exit(2);
}

/* The environment first, then the command line over it. Exits 2 with a
 * message on a bad value. */
static void parse_options(struct options *o, int argc, char **argv)
{
	*o = (struct options){.host = "127.0.0.1", .port = 1337,
			      .delay_ms = SQUARE_SUM_DELAY_MS,
			      .max_value = SQUARE_SUM_LIMIT,
			      .max_pending = 1000,
			      .seed = (unsigned long long)time(NULL)};
	for (size_t i = 0; i < N_OPTIONS; i++) {
		const char *v = getenv(option_names[i][1]);

		if (v && *v && !set_option(o, option_names[i][1], v))
			bad_value(option_names[i][1], v);
	}
	if (getenv("QUIET") && *getenv("QUIET"))
		set_option(o, "QUIET", getenv("QUIET"));
	for (int i = 1; i < argc; i++) {
		size_t k = 0;

		if (strcmp(argv[i], "--quiet") == 0) {
			o->quiet = true;
			continue;
		}
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		while (k < N_OPTIONS && strcmp(argv[i], option_names[k][0]))
			k++;
		if (k == N_OPTIONS || i + 1 == argc) {
			fprintf(stderr, "pool_server: bad argument '%s'\n",
				argv[i]);
			usage(stderr);
			exit(2);
		}
		if (!set_option(o, option_names[k][1], argv[i + 1]))
			bad_value(option_names[k][1], argv[i + 1]);
		i++;
	}
}

/* ---- start and stop ----------------------------------------------------- */

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	(void)what;
	printf("pool_server: signal %d, stopping\n", (int)sig);
	srv->stopping = true;
	event_base_loopbreak(srv->base);
}

/* Listen, and say where: "http://127.0.0.1:1337/" as in the chapter (with
 * --port 0 the kernel picks a free port, which this prints). */
static int listen_http(struct server *srv)
{
	struct evhttp_bound_socket *bound;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned port = (unsigned)srv->opt.port;

	bound = evhttp_bind_socket_with_handle(srv->http, srv->opt.host,
					       (ev_uint16_t)port);
	if (!bound) {
		fprintf(stderr, "pool_server: cannot listen on %s:%u: %s\n",
			srv->opt.host, port, strerror(errno));
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bound),
			(struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	printf("http://%s:%u/\n", srv->opt.host, port);
	return 0;
}

static int start(struct server *srv)
{
	struct tpool_config cfg = {
		.size = (int)srv->opt.threads,
		.strategy = srv->opt.strategy,
		.ties = srv->opt.ties,
		.commands = worker_commands,
		.seed = srv->opt.seed + 1,
	};
	int rc = tpool_create(&srv->pool, &cfg);

	if (rc < 0) {
		fprintf(stderr, "pool_server: tpool_create: %s%s\n",
			strerror(-rc),
			rc == -ENOSYS ? " (still a TODO in src/tpool.c?)" : "");
		return -1;
	}
	printf("pool_server: %u workers, %s%s, square_sum waits %lu ms\n",
	       tpool_size(srv->pool), tpool_strategy_name(srv->opt.strategy),
	       srv->opt.strategy != TPOOL_LEASTBUSY ? ""
	       : srv->opt.ties == TPOOL_TIES_FIRST ? " (ties: first)"
						   : " (ties: random)",
	       srv->opt.delay_ms);
	srv->base = event_base_new();
	srv->http = srv->base ? evhttp_new(srv->base) : NULL;
	if (!srv->http) {
		fprintf(stderr, "pool_server: cannot start libevent\n");
		return -1;
	}
	evhttp_set_gencb(srv->http, on_request, srv);
	srv->on_signal[0] = evsignal_new(srv->base, SIGINT, on_stop, srv);
	srv->on_signal[1] = evsignal_new(srv->base, SIGTERM, on_stop, srv);
	for (int i = 0; i < 2; i++)
		if (!srv->on_signal[i] || evsignal_add(srv->on_signal[i], NULL))
			return -1;
	return listen_http(srv);
}

/*
 * Stop in an order that loses no reply and frees everything. Shut the pool
 * down first: running tasks finish, queued ones end with -ECANCELED, and
 * when it returns every job's task_done() has run. Then let the loop run a
 * little longer to answer them (503 for the cancelled) and to flush the
 * replies; requests that arrive meanwhile get a 503 too. Only then free
 * the HTTP side, which closes whatever connections are left.
 */
static void stop(struct server *srv)
{
	struct timeval flush = {0, 200 * 1000};

	if (srv->pool)
		tpool_shutdown(srv->pool, TPOOL_CANCEL);
	srv->stopping = true;
	if (srv->base) {
		event_base_loopexit(srv->base, &flush);
		event_base_dispatch(srv->base);
	}
	if (srv->pending)
		fprintf(stderr, "pool_server: %lu requests left unanswered\n",
			srv->pending);
	if (srv->http)
		evhttp_free(srv->http);
	for (int i = 0; i < 2; i++)
		if (srv->on_signal[i])
			event_free(srv->on_signal[i]);
	if (srv->base)
		event_base_free(srv->base);
	tpool_destroy(srv->pool);
}

int main(int argc, char **argv)
{
	struct server srv = {0};
	int rc;

	parse_options(&srv.opt, argc, argv);
	srv.rng = srv.opt.seed;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* Before any thread: jansson seeds its hash once, libevent needs
	 * its locks before the base exists. */
	json_object_seed(0);
	if (evthread_use_pthreads() != 0) {
		fprintf(stderr, "pool_server: evthread_use_pthreads failed\n");
		return 2;
	}
	rc = start(&srv) < 0 ? 2 : 0;
	if (rc == 0)
		event_base_dispatch(srv.base);
	stop(&srv);
	libevent_global_shutdown();
	if (rc == 0)
		printf("pool_server: stopped\n");
	return rc;
}
