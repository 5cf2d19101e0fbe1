// SPDX-License-Identifier: MIT
/*
 * Lab 04: actor_server, the chapter's server.js. An HTTP server whose every
 * GET /N becomes a square_sum request for an actor chosen at random, and a
 * TCP server that actor processes join and leave at run time. With
 * --local N the server also runs N compute actors of its own on a lab-01
 * pool (the chapter's bonus), so it answers before any actor joins.
 *
 * Two event loops, two threads, as the chapter's two servers: the main
 * thread runs the HTTP side, the link thread runs the actor connections.
 * Everything crosses between them as messages to actors: a request goes to
 * an actor of the router (a proxy for an actor process, whose turns run on
 * the link thread, or an in-server compute actor on the pool); every reply
 * goes to the front actor, whose turns run on the main thread, the only
 * one that touches HTTP requests. The router's set is read by the main
 * thread on every request and changed by the link thread on every join or
 * leave: RCU (router.h).
 *
 * Beyond the chapter: a proxy remembers what it sent and was not answered,
 * so an actor process that leaves or dies loses no request (each is sent
 * to another actor, or answered 503 if none is left); a malformed,
 * oversized or unexpected message is logged and answered with an error,
 * never a crash; a path that is not a number gets a 400; a request that no
 * actor answers in time gets a 504.
 *
 * Given code, the same in labs/ and solutions/: your work is in src/.
 *
 *   build/native/labs/bin/actor_server 127.0.0.1:8000 127.0.0.1:9000
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <jansson.h>

#include "actor.h"
#include "commands.h"
#include "compute.h"
#include "router.h"
#include "wire.h"

#define MAX_LOCAL 64

struct options {
	const char *web;             /* HOST:PORT for HTTP */
	const char *link;            /* HOST:PORT for actor processes */
	unsigned long local;         /* in-server compute actors */
	unsigned long threads;       /* their pool's workers */
	unsigned long delay_ms;      /* their square_sum's wait */
	unsigned long timeout_ms;    /* no reply by then: 504 */
	unsigned long retries;       /* re-sends of one request */
	unsigned long max_frame;
	unsigned long long seed;
	bool quiet;
};

/* ---- a small map from request ids to pointers ---------------------------- */

#define IDMAP_BUCKETS 512

struct idmap_node {
	uint64_t id;
	void *value;
	struct idmap_node *next;
};

struct idmap {
	struct idmap_node *bucket[IDMAP_BUCKETS];
	size_t n;
};

static int idmap_put(struct idmap *m, uint64_t id, void *value)
{
	struct idmap_node *n = malloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->id = id;
	n->value = value;
	n->next = m->bucket[id % IDMAP_BUCKETS];
	m->bucket[id % IDMAP_BUCKETS] = n;
	m->n++;
	return 0;
}

/* Remove id's entry and return its value, or NULL. With any, take the
 * first entry found, whatever its id. */
static void *idmap_take(struct idmap *m, uint64_t id, bool any)
{
	for (size_t b = any ? 0 : id % IDMAP_BUCKETS; b < IDMAP_BUCKETS;
	     b++) {
		for (struct idmap_node **p = &m->bucket[b]; *p;
		     p = &(*p)->next) {
			struct idmap_node *n = *p;
			void *value = n->value;

			if (!any && n->id != id)
				continue;
			*p = n->next;
			free(n);
			m->n--;
			return value;
		}
		if (!any)
			break;
	}
	return NULL;
}

/* ---- the server ------------------------------------------------------------ */

struct peer;

struct server {
	struct options opt;
	struct router *router;
	struct actor_system *sys;
	struct actor *front;           /* replies to HTTP requests */
	/* the main thread's */
	struct event_base *web_base;
	struct evhttp *http;
	struct event *front_wake;
	struct event *on_signal[2];
	struct idmap pending;          /* id -> struct request */
	uint64_t next_id;              /* the chapter's message_id */
	uint64_t rng;
	bool stopping;
	unsigned long requests, answered;
	/* the link thread's */
	struct event_base *link_base;
	struct evconnlistener *listener;
	struct event *link_stop;
	pthread_t link_thread;
	struct peer *peers;
	unsigned peers_seen;
	uint64_t link_rng;
	bool link_stopping;
	unsigned long resent;
	/* in-server actors (--local), fixed after start() */
	unsigned n_local;
	struct actor *local[MAX_LOCAL];
	struct compute_state local_state[MAX_LOCAL];
};

/* One HTTP request waiting for its reply: the main thread's. */
struct request {
	uint64_t id;
	struct evhttp_request *req;
	struct event *timer;
	struct server *srv;
};

/* One actor process: the link thread's. */
struct peer {
	struct server *srv;
	unsigned no;                   /* "actor #3" in the logs */
	struct bufferevent *bev;
	struct frame_reader rd;
	struct actor *proxy;           /* a loop actor on the link thread */
	struct event *wake;            /* runs the proxy's turns */
	struct idmap inflight;         /* id -> struct actor_msg written to
					  the process, not answered yet */
	bool joined;                   /* in the router */
	struct peer *next;
};

static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* What a TODO of src/ still returning -ENOSYS looks like in a log. */
static const char *todo_hint(int rc)
{
	return rc == -ENOSYS ? " (still a TODO(lab04) in src/?)" : "";
}

/* ---- HTTP answers (main thread) ---------------------------------------------- */

static void send_text(struct evhttp_request *req, int code, const char *why,
		      const char *text)
{
	struct evbuffer *body = evbuffer_new();

	if (!body) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(body, text, strlen(text));
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", "text/plain");
	evhttp_send_reply(req, code, why, body);
	evbuffer_free(body);
}

static const char *reason(int code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 405: return "Method Not Allowed";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

static void send_error(struct evhttp_request *req, int code, const char *text)
{
	char buf[WIRE_ERR_MAX + 64];

	snprintf(buf, sizeof(buf), "%s%s",
		 strncmp(text, "ERROR: ", 7) ? "ERROR: " : "", text);
	send_text(req, code, reason(code), buf);
}

/* Answer with an actor's reply: 200 and its JSON as it came (the chapter's
 * res.end(JSON.stringify(data))), or an error status for an error reply. */
static void answer_reply(struct request *rq, json_t *reply)
{
	json_t *error = json_object_get(reply, "error");
	json_int_t status = json_integer_value(json_object_get(reply, "status"));
	struct evbuffer *body;
	size_t len;
	char *text;

	if (json_is_string(error)) {
		send_error(rq->req, status >= 400 && status < 600 ? (int)status
								  : 502,
			   json_string_value(error));
		return;
	}
	text = wire_encode(reply, &len);
	body = evbuffer_new();
	if (!text || !body) {
		send_error(rq->req, 500, "out of memory");
	} else {
		/* len counts the frame's NUL, which HTTP does not need. */
		evbuffer_add(body, text, len - 1);
		evhttp_add_header(evhttp_request_get_output_headers(rq->req),
				  "Content-Type", "application/json");
		evhttp_send_reply(rq->req, HTTP_OK, "OK", body);
	}
	if (body)
		evbuffer_free(body);
	free(text);
}

static void request_free(struct request *rq)
{
	if (rq->timer)
		event_free(rq->timer);
	free(rq);
}

/* The front actor's handle(): a reply, matched to its request by id. Runs
 * on the main thread, inside actor_run(). */
static void front_handle(struct actor *self, struct actor_msg *msg)
{
	struct server *srv = actor_state(self);
	struct request *rq = NULL;
	uint64_t id = 0;

	if (wire_reply_id(msg->body, &id) == 0)
		rq = idmap_take(&srv->pending, id, false);
	if (!rq) {
		if (!srv->opt.quiet)
			printf("actor_server: a reply for request %llu, which "
			       "is not waiting (answered already?): dropped\n",
			       (unsigned long long)id);
	} else {
		answer_reply(rq, msg->body);
		srv->answered++;
		request_free(rq);
	}
	actor_msg_free(msg);
}

/* wake for the front actor, on whatever thread sent to it. */
static void wake_loop_actor(struct actor *self, void *event)
{
	(void)self;
	event_active(event, EV_READ, 0);
}

static void on_front_wake(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	actor_run(srv->front);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct request *rq = arg;
	struct server *srv = rq->srv;
	char text[96];

	(void)fd;
	(void)what;
	idmap_take(&srv->pending, rq->id, false);
	snprintf(text, sizeof(text), "no reply from an actor within %lu ms",
		 srv->opt.timeout_ms);
	send_error(rq->req, 504, text);
	request_free(rq);
}

/* ---- HTTP requests (main thread) ---------------------------------------------- */

/* GET /N: the chapter's Number(req.url.substr(1)), but only whole numbers
 * square_sum takes. Returns 0 and sets *n, or -1. */
static int parse_path(const char *path, json_int_t *n)
{
	char *end;
	unsigned long long v;

	if (!path || path[0] != '/' || path[1] < '0' || path[1] > '9')
		return -1;
	errno = 0;
	v = strtoull(path + 1, &end, 10);
	if (errno || *end || v >= SQUARE_SUM_LIMIT)
		return -1;
	*n = (json_int_t)v;
	return 0;
}

/* The request's message: square_sum, or count for GET /count. */
static json_t *request_body(struct evhttp_request *req, uint64_t id)
{
	const char *path =
		evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	json_int_t n;

	if (path && strcmp(path, "/count") == 0)
		return wire_request(id, "count", json_array());
	if (parse_path(path, &n) < 0)
		return NULL;
	return wire_request(id, "square_sum", json_pack("[I]", n));
}

/* Hand msg to an actor; answer now only if that failed. */
static void route(struct server *srv, struct request *rq,
		  struct actor_msg *msg)
{
	char text[128];
	int rc = router_send(srv->router, msg, next_random(&srv->rng));
	struct timeval tv = {(time_t)(srv->opt.timeout_ms / 1000),
			     (suseconds_t)(srv->opt.timeout_ms % 1000) * 1000};

	if (rc == 0) {
		evtimer_add(rq->timer, &tv);
		return;
	}
	idmap_take(&srv->pending, rq->id, false);
	if (rc == -ENOENT) {
		send_error(rq->req, 503, "EMPTY ACTOR POOL");
	} else {
		snprintf(text, sizeof(text), "router_send: %s%s",
			 strerror(-rc), todo_hint(rc));
		send_error(rq->req, rc == -ENOSYS ? 500 : 503, text);
	}
	/* Not taken: -ENOENT, and a TODO or a NULL argument. */
	if (rc == -ENOENT || rc == -ENOSYS || rc == -EINVAL)
		actor_msg_free(msg);
	request_free(rq);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	struct actor_msg *msg;
	struct request *rq;
	json_t *body;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET)
		return send_error(req, 405, "only GET /N");
	srv->next_id++;
	body = request_body(req, srv->next_id);
	if (!body)
		return send_error(req, 400, "the path must be a whole number "
				  "below 100000000, as in GET /42");
	if (srv->stopping) {
		json_decref(body);
		return send_error(req, 503, "the server is shutting down");
	}
	srv->requests++;
	msg = actor_msg_new(body, srv->front);
	rq = calloc(1, sizeof(*rq));
	if (rq)
		rq->timer = evtimer_new(srv->web_base, on_timeout, rq);
	if (!msg || !rq || !rq->timer ||
	    idmap_put(&srv->pending, srv->next_id, rq) < 0) {
		actor_msg_free(msg);
		if (rq)
			request_free(rq);
		return send_error(req, 503, "out of memory");
	}
	rq->id = srv->next_id;
	rq->req = req;
	rq->srv = srv;
	route(srv, rq, msg);
}

/* ---- actor processes (link thread) ------------------------------------------ */

static void peer_log(const struct peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void peer_log(const struct peer *p, const char *fmt, ...)
{
	va_list ap;

	if (p->srv->opt.quiet)
		return;
	printf("actor #%u: ", p->no);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Answer msg's sender with an error of the server's own; takes msg. */
static void fail_request(struct actor_msg *msg, int status, const char *text)
{
	uint64_t id = 0;
	json_t *body;
	struct actor_msg *out;

	wire_reply_id(msg->body, &id);
	body = wire_error(id, text);
	if (body)
		json_object_set_new(body, "status", json_integer(status));
	out = actor_msg_new(body, NULL);
	if (out && msg->reply_to && actor_send(msg->reply_to, out) == 0)
		out = NULL;
	actor_msg_free(out);
	actor_msg_free(msg);
}

/*
 * A request whose actor left before answering: send it to another actor
 * (msg->tag counts how often), or answer it with an error. Takes msg.
 * Runs on the link thread, a registered RCU reader.
 */
static void resend(struct server *srv, struct actor_msg *msg)
{
	char text[128];
	int rc;

	if (srv->link_stopping)
		return fail_request(msg, 503, "the server is shutting down");
	if (++msg->tag > srv->opt.retries) {
		snprintf(text, sizeof(text), "%llu actors left with this "
			 "request in flight; giving up",
			 (unsigned long long)msg->tag);
		return fail_request(msg, 502, text);
	}
	rc = router_send(srv->router, msg, next_random(&srv->link_rng));
	if (rc == 0) {
		srv->resent++;
		return;
	}
	if (rc == -ENOENT)
		return fail_request(msg, 503, "EMPTY ACTOR POOL (the actor "
				    "handling this request left)");
	snprintf(text, sizeof(text), "router_send: %s%s", strerror(-rc),
		 todo_hint(rc));
	if (rc == -ENOSYS || rc == -EINVAL)
		fail_request(msg, 500, text);
}

static void resend_leftover(struct actor_msg *msg, void *arg)
{
	resend(arg, msg);
}

/* The proxy's handle(): write a request to the actor process and keep it
 * until the answer comes. Runs on the link thread, inside actor_run(). */
static void proxy_handle(struct actor *self, struct actor_msg *msg)
{
	struct peer *p = actor_state(self);
	uint64_t id = 0;
	size_t len;
	char *frame;

	wire_reply_id(msg->body, &id);
	frame = wire_encode(msg->body, &len);
	if (!frame || idmap_put(&p->inflight, id, msg) < 0) {
		free(frame);
		return resend(p->srv, msg);
	}
	bufferevent_write(p->bev, frame, len);
	free(frame);
}

static void on_proxy_wake(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;

	(void)fd;
	(void)what;
	actor_run(p->proxy);
}

/*
 * The actor process is gone, or must go. Take its proxy out of the router
 * first: once router_remove() returns, no thread can send to the proxy any
 * more. Then re-send everything it held: what it had written and not had
 * answered (inflight), and what was still in its mailbox.
 */
static void peer_close(struct peer *p)
{
	struct server *srv = p->srv;
	struct actor_msg *msg;

	if (p->joined && router_remove(srv->router, p->proxy) == 0)
		printf("actor pool disconnected %zu\n",
		       router_size(srv->router));
	bufferevent_free(p->bev);
	if (p->wake)
		event_free(p->wake);
	while ((msg = idmap_take(&p->inflight, 0, true)) != NULL)
		resend(srv, msg);
	actor_destroy(p->proxy, resend_leftover, srv);
	peer_log(p, "gone (requests re-sent so far: %lu)", srv->resent);
	frame_reader_destroy(&p->rd);
	for (struct peer **q = &srv->peers; *q; q = &(*q)->next)
		if (*q == p) {
			*q = p->next;
			break;
		}
	free(p);
}

/* Something the actor process sent that is not a reply we wait for: log
 * it, and tell the process unless it was an error report itself (two
 * sides that answer each other's errors would never stop). */
static void peer_complain(struct peer *p, const json_t *body,
			  const char *what)
{
	size_t len;
	char *frame;
	json_t *err;

	peer_log(p, "%s: dropped", what);
	if (body && json_object_get(body, "error"))
		return;
	err = wire_error(0, what);
	frame = err ? wire_encode(err, &len) : NULL;
	if (frame)
		bufferevent_write(p->bev, frame, len);
	free(frame);
	json_decref(err);
}

/* One frame from an actor process: a reply to a request in flight. */
static void on_peer_frame(struct peer *p, const char *text, size_t len)
{
	char err[WIRE_ERR_MAX], what[WIRE_ERR_MAX + 64];
	json_t *body = wire_decode(text, len, err, sizeof(err));
	struct actor_msg *req, *out;
	uint64_t id;

	if (!body) {
		snprintf(what, sizeof(what), "malformed message: %s", err);
		return peer_complain(p, NULL, what);
	}
	if (wire_reply_id(body, &id) < 0) {
		peer_complain(p, body, "a message without a positive "
			      "integer id");
	} else if (!(req = idmap_take(&p->inflight, id, false))) {
		snprintf(what, sizeof(what), "a reply for request %llu, which "
			 "is not in flight on this link",
			 (unsigned long long)id);
		peer_complain(p, body, what);
	} else {
		/* The reply goes where the request said, and the body goes
		 * with it: from here on only the receiver touches it (a
		 * json_t's reference count is no synchronisation). */
		out = actor_msg_new(body, NULL);
		if (!out || actor_send(req->reply_to, out) < 0)
			actor_msg_free(out);
		actor_msg_free(req);
		return;
	}
	json_decref(body);
}

/* Feed what arrived to the frame reader and handle each whole frame.
 * Returns 0, or -1 when the link must close (said why). */
static int peer_read_frames(struct peer *p, const char *data, size_t n)
{
	const char *frame;
	size_t len;
	int rc = frame_reader_feed(&p->rd, data, n);

	if (rc == -EMSGSIZE) {
		peer_log(p, "a message over %zu bytes without its NUL: closing "
			 "the link", p->rd.max);
		return -1;
	}
	while (rc == 0 && (rc = frame_reader_next(&p->rd, &frame, &len)) == 0)
		on_peer_frame(p, frame, len);
	if (rc == -EAGAIN)
		return 0;
	peer_log(p, "the frame reader failed: %s%s; closing the link",
		 strerror(-rc), todo_hint(rc));
	return -1;
}

static void on_peer_read(struct bufferevent *bev, void *arg)
{
	struct peer *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char chunk[16384];
	int n;

	while ((n = evbuffer_remove(in, chunk, sizeof(chunk))) > 0)
		if (peer_read_frames(p, chunk, (size_t)n) < 0)
			return peer_close(p);
}

static void on_peer_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		peer_close(arg);
}

static int peer_start(struct peer *p)
{
	struct server *srv = p->srv;
	char name[32];
	struct actor_spec spec = {.name = name, .handle = proxy_handle,
				  .state = p, .wake = wake_loop_actor};
	int rc;

	p->wake = event_new(srv->link_base, -1, 0, on_proxy_wake, p);
	if (!p->wake || frame_reader_init(&p->rd, srv->opt.max_frame) < 0)
		return -ENOMEM;
	snprintf(name, sizeof(name), "actor #%u", p->no);
	spec.wake_arg = p->wake;
	rc = actor_spawn(srv->sys, &spec, &p->proxy);
	if (rc < 0)
		return rc;
	rc = router_add(srv->router, p->proxy);
	if (rc < 0)
		return rc;
	p->joined = true;
	return 0;
}

static void on_accept(struct evconnlistener *lis, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	struct server *srv = arg;
	struct peer *p = calloc(1, sizeof(*p));
	int rc;

	(void)lis, (void)sa, (void)salen;
	if (!p || !(p->bev = bufferevent_socket_new(srv->link_base, fd,
						     BEV_OPT_CLOSE_ON_FREE))) {
		evutil_closesocket(fd);
		free(p);
		return;
	}
	p->srv = srv;
	p->no = ++srv->peers_seen;
	p->next = srv->peers;
	srv->peers = p;
	rc = peer_start(p);
	if (rc < 0) {
		peer_log(p, "cannot join: %s%s", strerror(-rc), todo_hint(rc));
		return peer_close(p);
	}
	printf("actor pool connected %zu\n", router_size(srv->router));
	bufferevent_setcb(p->bev, on_peer_read, NULL, on_peer_event, p);
	bufferevent_enable(p->bev, EV_READ);
}

/* Sent by the main thread when the server stops. */
static void on_link_stop(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	srv->link_stopping = true;
	while (srv->peers)
		peer_close(srv->peers);
	event_base_loopbreak(srv->link_base);
}

static void *link_main(void *arg)
{
	struct server *srv = arg;

	router_register_thread();
	event_base_dispatch(srv->link_base);
	router_unregister_thread();
	return NULL;
}

/* ---- options ------------------------------------------------------------------ */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: actor_server [WEB_HOST:PORT [ACTOR_HOST:PORT]]\n"
		"       [--local N] [--threads N] [--delay-ms N]\n"
		"       [--timeout-ms N] [--retries N] [--max-frame N]\n"
		"       [--seed N] [--quiet]\n"
		"The chapter: node server.js 127.0.0.1:8000 127.0.0.1:9000 (the\n"
		"defaults; port 0 lets the kernel choose, and the address is\n"
		"printed). --local N adds N in-server actors on a lab-01 pool of\n"
		"--threads (4) leastbusy workers (the chapter's bonus).\n"
		"Defaults: --delay-ms 100 --timeout-ms 30000 --retries 3\n"
		"--max-frame %d.\n", WIRE_MAX_FRAME);
}

static bool parse_num(const char *s, unsigned long long lo,
		      unsigned long long hi, unsigned long long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end && *out >= lo && *out <= hi;
}

static void parse_options(struct options *o, int argc, char **argv)
{
	static const char *const names[] = {
		"--local", "--threads", "--delay-ms", "--timeout-ms",
		"--retries", "--max-frame", "--seed",
	};
	static const unsigned long long lo[] = {0, 1, 0, 1, 0, 16, 0};
	static const unsigned long long hi[] = {
		MAX_LOCAL, TPOOL_MAX_SIZE, SQUARE_SUM_MAX_DELAY_MS, 3600000,
		100, 1 << 24, ~0ull};
	unsigned long long v[7] = {0, 4, SQUARE_SUM_DELAY_MS, 30000, 3,
				   WIRE_MAX_FRAME,
				   (unsigned long long)time(NULL)};
	int positional = 0;
	size_t k;

	*o = (struct options){.web = "127.0.0.1:8000",
			      .link = "127.0.0.1:9000"};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(argv[i], "--quiet") == 0) {
			o->quiet = true;
			continue;
		}
		if (argv[i][0] != '-' && positional < 2) {
			*(positional++ ? &o->link : &o->web) = argv[i];
			continue;
		}
		for (k = 0; k < 7 && strcmp(argv[i], names[k]); k++)
			;
		if (k == 7 || i + 1 == argc ||
		    !parse_num(argv[i + 1], lo[k], hi[k], &v[k])) {
			fprintf(stderr, "actor_server: bad argument '%s'\n",
				argv[i]);
			usage(stderr);
			exit(2);
		}
		i++;
	}
	o->local = (unsigned long)v[0];
	o->threads = (unsigned long)v[1];
	o->delay_ms = (unsigned long)v[2];
	o->timeout_ms = (unsigned long)v[3];
	o->retries = (unsigned long)v[4];
	o->max_frame = (unsigned long)v[5];
	o->seed = v[6];
}

/* ---- start and stop ---------------------------------------------------------- */

/* HOST:PORT on the loopback interface only: the server has no
 * authentication, so it never listens beyond this machine. Port 0 lets the
 * kernel choose. */
static int parse_addr(const char *text, struct sockaddr_in *sin)
{
	const char *colon = strrchr(text, ':');
	char host[64], *end;
	unsigned long port = 0;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (colon && (size_t)(colon - text) < sizeof(host)) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (colon[1] >= '0' && colon[1] <= '9' && !*end && !errno &&
		    port <= 65535 &&
		    inet_pton(AF_INET, host, &sin->sin_addr) == 1 &&
		    (ntohl(sin->sin_addr.s_addr) >> 24) == 127) {
			sin->sin_port = htons((uint16_t)port);
			return 0;
		}
	}
	fprintf(stderr, "actor_server: '%s' is not HOST:PORT on the loopback "
		"interface (127.0.0.1:PORT)\n", text);
	return -1;
}

static unsigned bound_port(evutil_socket_t fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return 0;
	return ntohs(sin.sin_port);
}

static int listen_both(struct server *srv)
{
	struct sockaddr_in web, link;
	struct evhttp_bound_socket *bound;
	char host[INET_ADDRSTRLEN];

	if (parse_addr(srv->opt.web, &web) < 0 ||
	    parse_addr(srv->opt.link, &link) < 0)
		return -1;
	inet_ntop(AF_INET, &web.sin_addr, host, sizeof(host));
	bound = evhttp_bind_socket_with_handle(srv->http, host,
					       ntohs(web.sin_port));
	srv->listener = evconnlistener_new_bind(
		srv->link_base, on_accept, srv,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
		(struct sockaddr *)&link, sizeof(link));
	if (!bound || !srv->listener) {
		fprintf(stderr, "actor_server: cannot listen on %s: %s\n",
			!bound ? srv->opt.web : srv->opt.link,
			strerror(errno));
		return -1;
	}
	printf("web: http://%s:%u\n", host,
	       bound_port(evhttp_bound_socket_get_fd(bound)));
	inet_ntop(AF_INET, &link.sin_addr, host, sizeof(host));
	printf("actor: tcp://%s:%u\n", host,
	       bound_port(evconnlistener_get_fd(srv->listener)));
	return 0;
}

/* The chapter's bonus: in-server compute actors on a lab-01 pool. */
static int start_local(struct server *srv)
{
	struct actor_spec spec = {.handle = compute_handle};
	char name[32];
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < srv->n_local; i++) {
		srv->local_state[i] = (struct compute_state){
			.pid = 0, /* "server" */
			.delay_ms = (unsigned)srv->opt.delay_ms};
		snprintf(name, sizeof(name), "server %u", i);
		spec.name = name;
		spec.state = &srv->local_state[i];
		rc = actor_spawn(srv->sys, &spec, &srv->local[i]);
		if (rc == 0)
			rc = router_add(srv->router, srv->local[i]);
	}
	if (rc < 0) {
		fprintf(stderr, "actor_server: in-server actors: %s%s\n",
			strerror(-rc), todo_hint(rc));
		return -1;
	}
	if (srv->n_local)
		printf("actor pool: %u in-server actors (pid \"server\")\n",
		       srv->n_local);
	return 0;
}

static int start_actors(struct server *srv)
{
	struct actor_system_config cfg = {
		.threads = srv->n_local ? (int)srv->opt.threads : 0,
		.strategy = TPOOL_LEASTBUSY,
		.seed = srv->opt.seed,
	};
	struct actor_spec front = {.name = "front", .handle = front_handle,
				   .state = srv, .wake = wake_loop_actor,
				   .wake_arg = srv->front_wake};
	int rc = router_create(&srv->router);

	if (rc == 0)
		rc = actor_system_create(&srv->sys, &cfg);
	if (rc == 0)
		rc = actor_spawn(srv->sys, &front, &srv->front);
	if (rc < 0) {
		fprintf(stderr, "actor_server: cannot start the actors: %s%s\n",
			strerror(-rc), rc == -ENOSYS ? " (with --local: is "
			"labs/01-thread-pool still a TODO?)" : "");
		return -1;
	}
	return start_local(srv);
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	(void)what;
	printf("actor_server: signal %d, stopping\n", (int)sig);
	event_base_loopbreak(srv->web_base);
}

static int start(struct server *srv)
{
	srv->web_base = event_base_new();
	srv->link_base = event_base_new();
	if (!srv->web_base || !srv->link_base)
		return -1;
	srv->http = evhttp_new(srv->web_base);
	srv->front_wake = event_new(srv->web_base, -1, 0, on_front_wake, srv);
	srv->link_stop = event_new(srv->link_base, -1, 0, on_link_stop, srv);
	srv->on_signal[0] = evsignal_new(srv->web_base, SIGINT, on_stop, srv);
	srv->on_signal[1] = evsignal_new(srv->web_base, SIGTERM, on_stop, srv);
	if (!srv->http || !srv->front_wake || !srv->link_stop)
		return -1;
	for (int i = 0; i < 2; i++)
		if (!srv->on_signal[i] || evsignal_add(srv->on_signal[i], NULL))
			return -1;
	evhttp_set_gencb(srv->http, on_request, srv);
	if (start_actors(srv) < 0 || listen_both(srv) < 0)
		return -1;
	if (pthread_create(&srv->link_thread, NULL, link_main, srv) != 0) {
		fprintf(stderr, "actor_server: cannot start the link thread\n");
		return -1;
	}
	return 0;
}

/*
 * Stop in an order that leaves no request unanswered. Stop the link
 * thread: it closes every actor connection, and what those actors held is
 * answered 503. Run the front actor once more for replies that came in
 * meanwhile, answer whatever still waits with 503, and let the loop flush
 * the answers. Only then stop the pool and free the rest.
 */
static void stop(struct server *srv, bool started)
{
	struct timeval flush = {0, 100 * 1000};
	struct request *rq;

	srv->stopping = true;
	if (started) {
		event_active(srv->link_stop, EV_READ, 0);
		pthread_join(srv->link_thread, NULL);
		while (actor_run(srv->front) > 0)
			;
	}
	while ((rq = idmap_take(&srv->pending, 0, true)) != NULL) {
		send_error(rq->req, 503, "the server is shutting down");
		request_free(rq);
	}
	if (started) {
		event_base_loopexit(srv->web_base, &flush);
		event_base_dispatch(srv->web_base);
	}
	actor_system_destroy(srv->sys);
	router_destroy(srv->router);
	if (srv->listener)
		evconnlistener_free(srv->listener);
	if (srv->http)
		evhttp_free(srv->http);
	for (int i = 0; i < 2; i++)
		if (srv->on_signal[i])
			event_free(srv->on_signal[i]);
	if (srv->front_wake)
		event_free(srv->front_wake);
	if (srv->link_stop)
		event_free(srv->link_stop);
	if (srv->web_base)
		event_base_free(srv->web_base);
	if (srv->link_base)
		event_base_free(srv->link_base);
}

int main(int argc, char **argv)
{
	static struct server srv;
	bool started;

	parse_options(&srv.opt, argc, argv);
	srv.n_local = (unsigned)srv.opt.local;
	srv.rng = srv.opt.seed;
	srv.link_rng = srv.opt.seed ^ 0x5bd1e995u;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* Before any thread: jansson seeds its hash once, libevent needs
	 * its locks before the bases exist. */
	json_object_seed(0);
	if (evthread_use_pthreads() != 0) {
		fprintf(stderr, "actor_server: evthread_use_pthreads failed\n");
		return 2;
	}
	router_register_thread();
	started = start(&srv) == 0;
	if (started)
		event_base_dispatch(srv.web_base);
	stop(&srv, started);
	router_unregister_thread();
	libevent_global_shutdown();
	if (!started)
		return 2;
	printf("actor_server: stopped (%lu requests, %lu answered by actors, "
	       "%lu re-sent)\n", srv.requests, srv.answered, srv.resent);
	return 0;
}
