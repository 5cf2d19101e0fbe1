/* SPDX-License-Identifier: MIT */
/*
 * server.h - actor_server's parts, and what they share. Internal to the
 * program; given code.
 *
 *   actor_server.c  options, start and stop, main()
 *   server_http.c   the HTTP front (main thread): requests in, answers out,
 *                   the front actor that receives every reply
 *   server_link.c   the actor link (link thread): actor processes join,
 *                   talk in frames and leave; a proxy actor for each
 *   server_route.c  routing: a request to an actor of the router, and the
 *                   re-send of a request whose actor left; the id map
 *
 * Two event loops, two threads, as the chapter's two servers: the main
 * thread runs the HTTP side, the link thread runs the actor connections.
 * Everything crosses between them as messages to actors (actor.h), never
 * as shared state: each field of struct server below says whose it is.
 */
#ifndef ACTOR_SERVER_H
#define ACTOR_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "actor.h"
#include "compute.h"
#include "delay.h"
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
	unsigned long retries;       /* re-sends of a request whose actor
					died with others: 1, then it is
					poison */
	unsigned long stop_ms;       /* a stop waits this long at most */
	unsigned long max_frame;
	unsigned long long seed;
	bool quiet;
};

/* ---- a small map from request ids to pointers (server_route.c) ----------- */

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

/* Returns 0 or -ENOMEM. */
int idmap_put(struct idmap *m, uint64_t id, void *value);
/* Remove id's entry and return its value, or NULL. With any, take the
 * first entry found, whatever its id. */
void *idmap_take(struct idmap *m, uint64_t id, bool any);

/* ---- the server ---------------------------------------------------------- */

struct peer;

/* One in-server actor (--local): a door, a loop actor on the main thread
 * that the router holds, whose handle() lets each request wait out the
 * delay on the loop (delay.h) and then sends it to the compute actor,
 * whose turn computes at once on the pool. */
struct local {
	struct actor *door;
	struct actor *compute;
	struct event *wake;            /* runs the door's turns */
	struct delay_line line;
	struct compute_state state;
};

struct server {
	struct options opt;
	struct router *router;
	struct actor_system *sys;
	struct actor *front;           /* replies to HTTP requests */
	/* the main thread's */
	struct event_base *web_base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct event *front_wake;
	struct event *on_signal[2];
	struct event *stop_timer;      /* the stop's time limit */
	struct idmap pending;          /* id -> struct request */
	uint64_t next_id;              /* the chapter's message_id */
	uint64_t rng;
	bool stopping;                 /* a signal came: no new request */
	bool draining;                 /* ... and the loop waits for the
					  requests in flight */
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
	unsigned long resent, poisoned;
	/* in-server actors (--local), fixed after start(); each door and
	 * its line are the main thread's */
	unsigned n_local;
	struct local local[MAX_LOCAL];
};

/* One HTTP request waiting for its reply: the main thread's. */
struct request {
	uint64_t id;
	struct evhttp_request *req;
	struct event *timer;
	struct server *srv;
};

/* ---- shared helpers (server_route.c) ------------------------------------- */

uint64_t next_random(uint64_t *state);
/* What a TODO of src/ still returning -ENOSYS looks like in a log. */
const char *todo_hint(int rc);
/* A loop actor's wake: event_active(event). Any thread. */
void wake_loop_actor(struct actor *self, void *event);

/* ---- the HTTP front (server_http.c), main thread ------------------------- */

/* evhttp's callback for every request. */
void http_on_request(struct evhttp_request *req, void *arg);
/* The front actor's handle(): a reply, matched to its request by id. */
void http_front_handle(struct actor *self, struct actor_msg *msg);
/* The event that runs the front actor's turns. */
void http_on_front_wake(evutil_socket_t fd, short what, void *arg);
void http_send_error(struct evhttp_request *req, int code, const char *text);
void http_request_free(struct request *rq);
/* A request has left srv->pending: while stopping, the last one ends the
 * main loop. */
void http_request_done(struct server *srv);

/* ---- routing (server_route.c) -------------------------------------------- */

/* Hand a request's msg to an actor (main thread); answer now only if that
 * failed. */
void route_request(struct server *srv, struct request *rq,
		   struct actor_msg *msg);
/* Why a request goes back to the router (route_resend()). */
enum resend_cause {
	RESEND_UNSENT,      /* never written to an actor, or refused by one
			       that is stopping: not a suspect */
	RESEND_DIED,        /* in flight, with others, on an actor that died */
	RESEND_DIED_ALONE,  /* the only request in flight on an actor that
			       died: the suspect */
};

/* A request whose actor left before answering: send it to another actor,
 * or answer it with an error; the poison rule is route_resend()'s comment.
 * Takes msg. Link thread. */
void route_resend(struct server *srv, struct actor_msg *msg,
		  enum resend_cause cause);
/* actor_destroy()'s leftover callback: route_resend(arg, msg,
 * RESEND_UNSENT). */
void route_resend_leftover(struct actor_msg *msg, void *arg);
/* In-server actor i (struct local): make it, in the router. Main thread,
 * before the link thread starts. Returns 0 or a negative errno. */
int route_local_start(struct server *srv, unsigned i);
/* Free what the doors hold (their waiting requests are answered by the
 * caller, with whatever else is pending). After the pool has stopped. */
void route_local_stop(struct server *srv);

/* ---- the actor link (server_link.c), link thread ------------------------- */

/* evconnlistener's callback: an actor process connects. */
void link_on_accept(struct evconnlistener *lis, evutil_socket_t fd,
		    struct sockaddr *sa, int salen, void *arg);
/* Activated by the main thread when the server stops. */
void link_on_stop(evutil_socket_t fd, short what, void *arg);
/* The link thread. */
void *link_main(void *arg);

#endif /* ACTOR_SERVER_H */
