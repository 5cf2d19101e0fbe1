// SPDX-License-Identifier: MIT
/*
 * Lab 04: actor_server's HTTP front (server.h), on the main thread, the
 * only one that touches HTTP requests. GET /N becomes a square_sum request
 * to an actor (server_route.c); every reply comes back as a message to the
 * front actor, whose turns run on this thread, and is matched to its
 * request by id. A path that is not a number gets a 400; a request that no
 * actor answers in time gets a 504. Given code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "commands.h"
#include "jnum.h"
#include "server.h"

/* ---- answers ------------------------------------------------------------- */

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

void http_send_error(struct evhttp_request *req, int code, const char *text)
{
	char buf[WIRE_ERR_MAX + 64];

	snprintf(buf, sizeof(buf), "%s%s",
		 strncmp(text, "ERROR: ", 7) ? "ERROR: " : "", text);
	send_text(req, code, reason(code), buf);
}

/* Answer with an actor's reply: 200 and its JSON as it came (the chapter's
 * res.end(JSON.stringify(data))), its numbers in the shortest text that
 * reads back the same, as JavaScript prints them, so a value reaches the
 * client as the actor wrote it (jnum.h); or an error status for an error
 * reply. */
static void answer_reply(struct request *rq, json_t *reply)
{
	json_t *error = json_object_get(reply, "error");
	json_int_t status = json_integer_value(json_object_get(reply, "status"));
	struct evbuffer *body;
	char *text;

	if (json_is_string(error)) {
		http_send_error(rq->req,
				status >= 400 && status < 600 ? (int)status
							       : 502,
				json_string_value(error));
		return;
	}
	text = jnum_dumps(reply, JSON_COMPACT | JSON_PRESERVE_ORDER);
	body = evbuffer_new();
	if (!text || !body) {
		http_send_error(rq->req, 500, "out of memory");
	} else {
		evbuffer_add(body, text, strlen(text));
		evhttp_add_header(evhttp_request_get_output_headers(rq->req),
				  "Content-Type", "application/json");
		evhttp_send_reply(rq->req, HTTP_OK, "OK", body);
	}
	if (body)
		evbuffer_free(body);
	free(text);
}

void http_request_free(struct request *rq)
{
	if (rq->timer)
		event_free(rq->timer);
	free(rq);
}

/* Runs on the main thread, inside actor_run(). */
void http_front_handle(struct actor *self, struct actor_msg *msg)
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
		http_request_free(rq);
		http_request_done(srv);
	}
	actor_msg_free(msg);
}

void http_on_front_wake(evutil_socket_t fd, short what, void *arg)
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
	http_send_error(rq->req, 504, text);
	http_request_free(rq);
	http_request_done(srv);
}

void http_request_done(struct server *srv)
{
	if (srv->draining && srv->pending.n == 0)
		event_base_loopbreak(srv->web_base);
}

/* ---- requests ------------------------------------------------------------ */

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

void http_on_request(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	struct actor_msg *msg;
	struct request *rq;
	json_t *body;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET)
		return http_send_error(req, 405, "only GET /N");
	srv->next_id++;
	body = request_body(req, srv->next_id);
	if (!body)
		return http_send_error(req, 400, "the path must be a whole "
				       "number below 100000000, as in GET /42");
	if (srv->stopping) {
		json_decref(body);
		return http_send_error(req, 503, "the server is shutting down");
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
			http_request_free(rq);
		return http_send_error(req, 503, "out of memory");
	}
	rq->id = srv->next_id;
	rq->req = req;
	rq->srv = srv;
	route_request(srv, rq, msg);
}
