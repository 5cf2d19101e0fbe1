// SPDX-License-Identifier: MIT
/*
 * Lab 04: actor_server's routing (server.h). A request goes to an actor
 * of the router, chosen at random, on the main thread; a request whose
 * actor left before answering is sent to another, on the link thread (a
 * proxy remembers what it sent and was not answered, so an actor process
 * that leaves or dies loses no request: each is sent to another actor, or
 * answered 503 if none is left). Also the id map both threads use, each
 * on its own maps. Given code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

/* ---- a small map from request ids to pointers ---------------------------- */

int idmap_put(struct idmap *m, uint64_t id, void *value)
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

void *idmap_take(struct idmap *m, uint64_t id, bool any)
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

/* ---- helpers ------------------------------------------------------------- */

uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

const char *todo_hint(int rc)
{
	return rc == -ENOSYS ? " (still a TODO(lab04) in src/?)" : "";
}

/* wake for a loop actor (the front, a proxy), on whatever thread sent to
 * it: event_active() is safe from any thread once evthread_use_pthreads()
 * has run. */
void wake_loop_actor(struct actor *self, void *event)
{
	(void)self;
	event_active(event, EV_READ, 0);
}

/* ---- from the HTTP front (main thread) ----------------------------------- */

void route_request(struct server *srv, struct request *rq,
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
		http_send_error(rq->req, 503, "EMPTY ACTOR POOL");
	} else {
		snprintf(text, sizeof(text), "router_send: %s%s",
			 strerror(-rc), todo_hint(rc));
		http_send_error(rq->req, rc == -ENOSYS ? 500 : 503, text);
	}
	/* Not taken: -ENOENT, and a TODO or a NULL argument. */
	if (rc == -ENOENT || rc == -ENOSYS || rc == -EINVAL)
		actor_msg_free(msg);
	http_request_free(rq);
	http_request_done(srv);
}

/* ---- re-sends (link thread) ---------------------------------------------- */

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
 * (msg->tag counts the actors that died with it), or answer it with an
 * error. The poison rule, for a request in flight on an actor that died:
 *
 * - It was the only request that actor held: it is the one suspect (the
 *   actor died computing it, and nothing else), so it is answered 502 and
 *   never sent again. A message that kills actors kills one, not one per
 *   re-send; the price is that a request alone on an actor killed from
 *   outside gets the same 502.
 * - The actor held others too: no request is the suspect, and each is
 *   re-sent (--retries times, 1 by default). One whose actor dies again
 *   is answered 502 and never sent again, as Erlang/OTP's supervisors
 *   stop restarting a child that keeps dying.
 *
 * A request that was never written to the dead actor is no suspect: it
 * just goes to another. Takes msg. Runs on the link thread, a registered
 * RCU reader.
 */
void route_resend(struct server *srv, struct actor_msg *msg,
		  enum resend_cause cause)
{
	char text[160];
	int rc;

	if (srv->link_stopping)
		return fail_request(msg, 503, "the server is shutting down");
	if (cause == RESEND_DIED_ALONE) {
		srv->poisoned++;
		return fail_request(msg, 502, "the actor died computing this "
				    "request, the only one it held: not "
				    "sent again (a message that kills "
				    "actors?)");
	}
	if (cause == RESEND_DIED && ++msg->tag > srv->opt.retries) {
		srv->poisoned++;
		snprintf(text, sizeof(text), "the %llu actors that had this "
			 "request died with it in flight: not sent again (a "
			 "message that kills actors?)",
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

/* What was still in a proxy's mailbox: never written, so not a death. */
void route_resend_leftover(struct actor_msg *msg, void *arg)
{
	route_resend(arg, msg, RESEND_UNSENT);
}

/* ---- in-server actors (main thread) -------------------------------------- */

/* A door's request has waited out the delay: to its compute actor. */
static void local_fire(struct actor_msg *msg, void *arg)
{
	struct local *lo = arg;

	if (actor_send(lo->compute, msg) == -EINVAL)
		actor_msg_free(msg);
}

/* The door's handle(): the request waits on the main loop, not on a
 * worker. Runs on the main thread, inside actor_run(). */
static void door_handle(struct actor *self, struct actor_msg *msg)
{
	struct local *lo = actor_state(self);

	if (delay_add(&lo->line, msg) < 0)
		local_fire(msg, lo); /* no memory for a timer: no wait */
}

static void on_door_wake(evutil_socket_t fd, short what, void *arg)
{
	struct local *lo = arg;

	(void)fd;
	(void)what;
	actor_run(lo->door);
}

int route_local_start(struct server *srv, unsigned i)
{
	struct local *lo = &srv->local[i];
	char name[32];
	struct actor_spec spec = {.name = name, .handle = compute_handle,
				  .state = &lo->state};
	int rc;

	lo->state = (struct compute_state){.pid = 0}; /* "server" */
	lo->wake = event_new(srv->web_base, -1, 0, on_door_wake, lo);
	if (!lo->wake || delay_line_init(&lo->line, srv->web_base,
					 (unsigned)srv->opt.delay_ms,
					 local_fire, lo) < 0)
		return -ENOMEM;
	snprintf(name, sizeof(name), "server %u", i);
	rc = actor_spawn(srv->sys, &spec, &lo->compute);
	if (rc < 0)
		return rc;
	spec = (struct actor_spec){.name = name, .handle = door_handle,
				   .state = lo, .wake = wake_loop_actor,
				   .wake_arg = lo->wake};
	rc = actor_spawn(srv->sys, &spec, &lo->door);
	return rc < 0 ? rc : router_add(srv->router, lo->door);
}

void route_local_stop(struct server *srv)
{
	for (unsigned i = 0; i < srv->n_local; i++) {
		delay_line_drain(&srv->local[i].line, NULL, NULL);
		if (srv->local[i].wake)
			event_free(srv->local[i].wake);
	}
}
