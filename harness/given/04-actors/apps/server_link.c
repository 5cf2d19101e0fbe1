// SPDX-License-Identifier: MIT
/*
 * Lab 04: actor_server's actor link (server.h), on the link thread. Actor
 * processes connect, join the router, and leave at run time. Each has a
 * proxy: a loop actor on this thread whose handle() writes a request to
 * the process and remembers it until the answer comes, so that what a
 * process held when it left can be sent to another actor. A malformed,
 * oversized or unexpected message is logged and answered with an error,
 * never a crash. Given code.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "server.h"

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
	bool announced;                /* said it leaves (actor.c): what is
					  in flight, it never read */
	struct peer *next;
};

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
		return route_resend(p->srv, msg, RESEND_UNSENT);
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
 * answered (inflight; alone there, a request is the suspect of the death,
 * route_resend(), unless the actor said it leaves: then it never read
 * what is in flight), and what was still in its mailbox.
 */
static void peer_close(struct peer *p)
{
	struct server *srv = p->srv;
	enum resend_cause cause = p->announced	       ? RESEND_UNSENT
				  : p->inflight.n == 1 ? RESEND_DIED_ALONE
						       : RESEND_DIED;
	struct actor_msg *msg;

	if (p->joined && router_remove(srv->router, p->proxy) == 0)
		printf("actor pool disconnected %zu\n",
		       router_size(srv->router));
	bufferevent_free(p->bev);
	if (p->wake)
		event_free(p->wake);
	while ((msg = idmap_take(&p->inflight, 0, true)) != NULL)
		route_resend(srv, msg, cause);
	actor_destroy(p->proxy, route_resend_leftover, srv);
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

/* An error reply whose status is 503: the actor is stopping (actor.c) and
 * did not take the request; without an id, it leaves. */
static bool is_leaving(const json_t *body)
{
	return json_is_string(json_object_get(body, "error")) &&
	       json_integer_value(json_object_get(body, "status")) == 503;
}

/* Take a stopping actor out of the router, so that it gets no new
 * request; its link stays open until it has answered what it holds. */
static void peer_leave(struct peer *p)
{
	if (!p->joined || router_remove(p->srv->router, p->proxy) < 0)
		return;
	p->joined = false;
	printf("actor pool disconnected %zu\n", router_size(p->srv->router));
	peer_log(p, "stopping: takes no new request");
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
	if (wire_reply_id(body, &id) < 0 && is_leaving(body)) {
		/* The actor leaves (actor.c): it gets no more, and what
		 * is in flight to it when its link closes was never read. */
		peer_leave(p);
		p->announced = true;
	} else if (wire_reply_id(body, &id) < 0) {
		peer_complain(p, body, "a message without a positive "
			      "integer id");
	} else if (!(req = idmap_take(&p->inflight, id, false))) {
		snprintf(what, sizeof(what), "a reply for request %llu, which "
			 "is not in flight on this link",
			 (unsigned long long)id);
		peer_complain(p, body, what);
	} else if (is_leaving(body)) {
		/* The actor is stopping and did not take this request: it
		 * gets no more, and the request goes to another. */
		peer_leave(p);
		route_resend(p->srv, req, RESEND_UNSENT);
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

void link_on_accept(struct evconnlistener *lis, evutil_socket_t fd,
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

void link_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	srv->link_stopping = true;
	while (srv->peers)
		peer_close(srv->peers);
	event_base_loopbreak(srv->link_base);
}

void *link_main(void *arg)
{
	struct server *srv = arg;

	router_register_thread();
	event_base_dispatch(srv->link_base);
	router_unregister_thread();
	return NULL;
}
