// SPDX-License-Identifier: MIT
/*
 * Lab 04: actor, the chapter's actor.js. It connects to actor_server's TCP
 * port and answers every request with the same id and its own pid. Inside,
 * a lab-01 pool of 4 leastbusy workers runs 4 compute actors (compute.h),
 * the chapter's "four actors"; the link to the server is itself an actor,
 * whose turns run on this program's libevent loop, since the connection
 * belongs to the loop thread. The chapter's 100 ms wait is a timer on that
 * loop (delay.h): a request reaches a compute actor when its wait is over,
 * and no worker sleeps.
 *
 * SIGTERM or SIGINT: the actor takes no new request (each is answered at
 * once with an error whose status is 503, so that a server sends it to
 * another actor), answers the ones it holds, and leaves when it holds none
 * or after --stop-ms; a second signal leaves at once.
 *
 * Given code (harness/given/): your work is in src/.
 *
 *   build/native/labs/bin/actor 127.0.0.1:9000
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <jansson.h>

#include "actor.h"
#include "commands.h"
#include "compute.h"
#include "delay.h"
#include "jnum.h"
#include "verdict.h"
#include "wire.h"

#define MAX_ACTORS 64

struct options {
	const char *server;     /* HOST:PORT */
	unsigned long actors;   /* compute actors */
	unsigned long threads;  /* pool workers */
	unsigned long delay_ms; /* square_sum's wait */
	unsigned long stop_ms;  /* a stop waits this long at most */
	unsigned long max_frame;
	unsigned long long seed;
	bool quiet;
};

/* The process. Everything but the compute actors' states belongs to the
 * loop thread. */
struct link {
	struct options opt;
	struct event_base *base;
	struct bufferevent *bev;     /* NULL once the link is closed */
	struct frame_reader rd;
	struct actor_system *sys;
	struct actor *self;          /* the link actor: a loop actor */
	struct event *wake;          /* runs the link actor's turns */
	struct event *on_signal[2];
	struct event *stop_timer;    /* the stop's time limit */
	struct delay_line line;      /* requests waiting out the delay */
	unsigned long held;          /* requests taken, not answered */
	bool leaving;                /* stopping: takes no new request */
	unsigned n;                  /* compute actors */
	struct actor *compute[MAX_ACTORS];
	struct compute_state state[MAX_ACTORS]; /* each actor's own */
	unsigned outstanding[MAX_ACTORS];       /* requests given, not answered */
	bool connected;
	int status;                  /* the exit status */
};

/* A TODO of src/ still returns -ENOSYS: say which, and stop. */
static void lab_todo(struct link *l, const char *what, int rc)
{
	fprintf(stderr, "actor: %s: %s%s\n", what, strerror(-rc),
		rc == -ENOSYS ? " (still a TODO(lab04) in src/?)" : "");
	l->status = 2;
	event_base_loopbreak(l->base);
}

/* ---- to the server ------------------------------------------------------ */

/* Send body (which this consumes) to the server as one frame: its JSON,
 * numbers as the chapter's JavaScript prints them (jnum.h), and a NUL. */
static void send_frame(struct link *l, json_t *body)
{
	char *text = body ? jnum_dumps(body, JSON_COMPACT |
						 JSON_PRESERVE_ORDER)
			  : NULL;

	/* strlen + 1: the string's own NUL is the frame's separator. */
	if (text && l->bev)
		bufferevent_write(l->bev, text, strlen(text) + 1);
	free(text);
	json_decref(body);
}

static void close_link(struct link *l, int status);
static void leave_when_written(struct link *l);
static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

/* The link actor's handle(): an answer from a compute actor, which put
 * itself in reply_to. Runs on the loop thread, inside actor_run(). */
static void link_handle(struct actor *self, struct actor_msg *msg)
{
	struct link *l = actor_state(self);

	for (unsigned i = 0; i < l->n; i++)
		if (l->compute[i] == msg->reply_to && l->outstanding[i])
			l->outstanding[i]--;
	send_frame(l, json_incref(msg->body));
	actor_msg_free(msg);
	if (l->held)
		l->held--;
	if (l->leaving && l->held == 0) {
		printf("actor: answered everything; leaving\n");
		leave_when_written(l);
	}
}

/* wake for the link actor: runs on a pool worker (a compute actor's
 * turn). event_active() is safe from any thread once
 * evthread_use_pthreads() has run; the base's lock orders the message. */
static void link_wake(struct actor *self, void *arg)
{
	(void)self;
	event_active(arg, EV_READ, 0);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;

	(void)fd;
	(void)what;
	actor_run(l->self);
}

/* ---- from the server ---------------------------------------------------- */

/* The compute actor with the fewest requests outstanding: the chapter's
 * leastbusy rule, one level up from the pool's. */
static unsigned least_busy(const struct link *l)
{
	unsigned best = 0;

	for (unsigned i = 1; i < l->n; i++)
		if (l->outstanding[i] < l->outstanding[best])
			best = i;
	return best;
}

/* A request's wait is over (delay.h): to the compute actor with the fewest
 * requests outstanding. */
static void to_compute(struct actor_msg *msg, void *arg)
{
	struct link *l = arg;
	unsigned i = least_busy(l);
	int rc = actor_send(l->compute[i], msg);

	if (rc == -ENOSYS || rc == -EINVAL) {
		actor_msg_free(msg);
		return lab_todo(l, "actor_send", rc);
	}
	l->outstanding[i]++;
}

/* A request that came after SIGTERM: not taken. The error's status, 503,
 * tells a server to send it to another actor. Takes body. */
static void refuse(struct link *l, json_t *body)
{
	uint64_t id = 0;
	json_t *err;

	wire_reply_id(body, &id);
	json_decref(body);
	err = wire_error(id, "this actor is stopping: request not taken");
	if (err)
		json_object_set_new(err, "status", json_integer(503));
	send_frame(l, err);
}

static void on_frame(struct link *l, const char *text, size_t len)
{
	char err[WIRE_ERR_MAX], why[WIRE_ERR_MAX + 32];
	json_t *body = wire_decode(text, len, err, sizeof(err));
	struct actor_msg *msg;

	if (!body) {
		snprintf(why, sizeof(why), "malformed message: %s", err);
		if (!l->opt.quiet)
			printf("actor: %s\n", why);
		send_frame(l, wire_error(0, why));
		return;
	}
	if (json_object_get(body, "error")) {
		/* An error report from the server: log it, never answer it
		 * (two sides answering each other's errors never stop). */
		if (!l->opt.quiet)
			printf("actor: the server says: %s\n",
			       json_string_value(json_object_get(body, "error")));
		json_decref(body);
		return;
	}
	if (l->leaving)
		return refuse(l, body);
	msg = actor_msg_new(body, l->self);
	if (!msg)
		return; /* out of memory: the server's timeout answers */
	l->held++;
	if (delay_add(&l->line, msg) < 0)
		to_compute(msg, l); /* no memory for a timer: no wait */
}

static void close_link(struct link *l, int status)
{
	if (l->bev)
		bufferevent_free(l->bev);
	l->bev = NULL;
	if (status > l->status)
		l->status = status;
	event_base_loopbreak(l->base);
}

/* The last answers are written: leave. */
static void on_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	close_link(arg, 0);
}

/* Close the link once what is queued for the server is written (freeing
 * the bufferevent now would drop it). The last frame says the actor
 * leaves: an error with no id and the status 503 of a refused request.
 * A request the server wrote after this actor's last read was never
 * taken; told so, the server gives it to another actor, instead of
 * taking it for the one request an actor died with (server_link.c). */
static void leave_when_written(struct link *l)
{
	json_t *bye = wire_error(0, "this actor is leaving: a request it did "
				    "not read, it did not take");

	if (bye)
		json_object_set_new(bye, "status", json_integer(503));
	send_frame(l, bye);
	if (!l->bev || !evbuffer_get_length(bufferevent_get_output(l->bev)))
		return close_link(l, 0);
	bufferevent_setcb(l->bev, on_read, on_written, on_event, l);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct link *l = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char chunk[16384];
	const char *frame;
	size_t len;
	int n, rc;

	while ((n = evbuffer_remove(in, chunk, sizeof(chunk))) > 0) {
		rc = frame_reader_feed(&l->rd, chunk, (size_t)n);
		if (rc == -EMSGSIZE) {
			fprintf(stderr, "actor: a message from the server is "
				"over %zu bytes without its NUL: closing the "
				"link\n", l->rd.max);
			return close_link(l, 1);
		}
		if (rc < 0)
			return lab_todo(l, "frame_reader_feed", rc);
		while ((rc = frame_reader_next(&l->rd, &frame, &len)) == 0) {
			on_frame(l, frame, len);
			if (l->status)
				return;
		}
		if (rc != -EAGAIN)
			return lab_todo(l, "frame_reader_next", rc);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct link *l = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		l->connected = true;
		printf("connected to server\n");
	} else if (what & BEV_EVENT_EOF ||
		   (what & BEV_EVENT_ERROR && l->connected &&
		    EVUTIL_SOCKET_ERROR() == ECONNRESET)) {
		/* The server closed the link, or went away at once: our
		 * unanswered requests are its to re-send. */
		printf("disconnect from server\n");
		close_link(l, 0);
	} else if (what & BEV_EVENT_ERROR) {
		fprintf(stderr, "actor: the link to %s failed: %s\n",
			l->opt.server,
			evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		close_link(l, 1);
	}
}

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: actor HOST:PORT [--actors N] [--threads N]\n"
		"       [--delay-ms N] [--stop-ms N] [--max-frame N]\n"
		"       [--seed N] [--quiet]\n"
		"Connects to actor_server's actor port (the chapter: actor.js\n"
		"127.0.0.1:9000). Defaults: 4 compute actors on a lab-01 pool\n"
		"of 4 leastbusy workers, square_sum waits 100 ms, a stop\n"
		"waits 5000 ms for the requests held, frames up to %d\n"
		"bytes.\n",
		WIRE_MAX_FRAME);
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
	static const struct {
		const char *name;
		unsigned long long lo, hi;
	} nums[] = {
		{"--actors", 1, MAX_ACTORS}, {"--threads", 1, TPOOL_MAX_SIZE},
		{"--delay-ms", 0, SQUARE_SUM_MAX_DELAY_MS},
		{"--max-frame", 16, 1 << 24}, {"--seed", 0, ~0ull},
		{"--stop-ms", 0, 3600000},
	};
	unsigned long long v[6] = {4, 4, SQUARE_SUM_DELAY_MS, WIRE_MAX_FRAME,
				   (unsigned long long)time(NULL), 5000};
	size_t k;

	*o = (struct options){0};
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(argv[i], "--quiet") == 0) {
			o->quiet = true;
			continue;
		}
		if (argv[i][0] != '-' && !o->server) {
			o->server = argv[i];
			continue;
		}
		for (k = 0; k < 6 && strcmp(argv[i], nums[k].name); k++)
			;
		if (k == 6 || i + 1 == argc ||
		    !parse_num(argv[i + 1], nums[k].lo, nums[k].hi, &v[k])) {
			fprintf(stderr, "actor: bad argument '%s'\n", argv[i]);
			usage(stderr);
			exit(2);
		}
		i++;
	}
	if (!o->server) {
		usage(stderr);
		exit(2);
	}
	o->actors = (unsigned long)v[0];
	o->threads = (unsigned long)v[1];
	o->delay_ms = (unsigned long)v[2];
	o->max_frame = (unsigned long)v[3];
	o->seed = v[4];
	o->stop_ms = (unsigned long)v[5];
}

/* ---- start and stop ------------------------------------------------------ */

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct link *l = arg;

	struct timeval tv = {(time_t)(l->opt.stop_ms / 1000),
			     (suseconds_t)(l->opt.stop_ms % 1000) * 1000};

	(void)what;
	if (l->leaving) {
		printf("actor: signal %d, leaving now\n", (int)sig);
		return close_link(l, 0);
	}
	if (l->held == 0) {
		printf("actor: signal %d, leaving\n", (int)sig);
		return leave_when_written(l);
	}
	printf("actor: signal %d, stopping: answering the %lu requests it "
	       "holds, taking no more\n", (int)sig, l->held);
	l->leaving = true;
	if (evtimer_add(l->stop_timer, &tv) < 0)
		close_link(l, 0);
}

/* The stop's time limit: leave with what is still held, which a server
 * that re-sends (actor_server) gives to another actor. */
static void on_stop_timer(evutil_socket_t fd, short what, void *arg)
{
	struct link *l = arg;

	(void)fd;
	(void)what;
	printf("actor: %lu requests unanswered after %lu ms; leaving\n",
	       l->held, l->opt.stop_ms);
	close_link(l, 0);
}

/* The lab-01 pool and the actors on it. Returns 0 or -1 (said why). */
static int start_actors(struct link *l)
{
	struct actor_system_config cfg = {
		.threads = (int)l->opt.threads,
		.strategy = TPOOL_LEASTBUSY,
		.seed = l->opt.seed,
	};
	struct actor_spec spec = {.name = "link", .handle = link_handle,
				  .state = l, .wake = link_wake,
				  .wake_arg = l->wake};
	char name[32];
	int rc = actor_system_create(&l->sys, &cfg);

	if (rc < 0) {
		fprintf(stderr, "actor: actor_system_create: %s%s\n",
			strerror(-rc), rc == -ENOSYS ? " (the lab-01 pool: "
			"is labs/01-thread-pool still a TODO?)" : "");
		return -1;
	}
	rc = actor_spawn(l->sys, &spec, &l->self);
	for (unsigned i = 0; rc == 0 && i < l->n; i++) {
		snprintf(name, sizeof(name), "compute %u", i);
		l->state[i] = (struct compute_state){.pid = getpid()};
		spec = (struct actor_spec){.name = name,
					   .handle = compute_handle,
					   .state = &l->state[i]};
		rc = actor_spawn(l->sys, &spec, &l->compute[i]);
	}
	if (rc < 0)
		fprintf(stderr, "actor: actor_spawn: %s\n", strerror(-rc));
	return rc < 0 ? -1 : 0;
}

static int start(struct link *l)
{
	struct sockaddr_storage ss;
	int sslen = sizeof(ss);
	char addr[128];

	/* "localhost" is the only name; anything else must be numeric. */
	snprintf(addr, sizeof(addr), "%s", l->opt.server);
	if (strncmp(addr, "localhost:", 10) == 0)
		snprintf(addr, sizeof(addr), "127.0.0.1:%s",
			 l->opt.server + 10);
	if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss,
				       &sslen) < 0 ||
	    !strchr(addr, ':')) {
		fprintf(stderr, "actor: '%s' is not HOST:PORT\n",
			l->opt.server);
		return -1;
	}
	l->base = event_base_new();
	l->wake = l->base ? event_new(l->base, -1, 0, on_wake, l) : NULL;
	l->stop_timer = l->base ? evtimer_new(l->base, on_stop_timer, l) : NULL;
	if (!l->wake || !l->stop_timer ||
	    frame_reader_init(&l->rd, l->opt.max_frame) < 0 ||
	    delay_line_init(&l->line, l->base, (unsigned)l->opt.delay_ms,
			    to_compute, l) < 0)
		return -1;
	if (start_actors(l) < 0)
		return -1;
	l->on_signal[0] = evsignal_new(l->base, SIGINT, on_stop, l);
	l->on_signal[1] = evsignal_new(l->base, SIGTERM, on_stop, l);
	for (int i = 0; i < 2; i++)
		if (!l->on_signal[i] || evsignal_add(l->on_signal[i], NULL))
			return -1;
	l->bev = bufferevent_socket_new(l->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!l->bev)
		return -1;
	bufferevent_setcb(l->bev, on_read, NULL, on_event, l);
	bufferevent_enable(l->bev, EV_READ);
	if (bufferevent_socket_connect(l->bev, (struct sockaddr *)&ss,
				       sslen) < 0) {
		fprintf(stderr, "actor: cannot connect to %s\n",
			l->opt.server);
		return -1;
	}
	return 0;
}

/*
 * Stop in an order that frees everything. The link is closed already (the
 * server re-sends what we had not answered). Stop the pool next: running
 * turns finish and may still wake the link actor, whose event must then
 * exist; then free the loop's side.
 */
static void stop(struct link *l)
{
	if (l->bev)
		bufferevent_free(l->bev);
	delay_line_drain(&l->line, NULL, NULL);
	actor_system_destroy(l->sys);
	for (int i = 0; i < 2; i++)
		if (l->on_signal[i])
			event_free(l->on_signal[i]);
	if (l->wake)
		event_free(l->wake);
	if (l->stop_timer)
		event_free(l->stop_timer);
	frame_reader_destroy(&l->rd);
	if (l->base)
		event_base_free(l->base);
}

int main(int argc, char **argv)
{
	static struct link l;

	parse_options(&l.opt, argc, argv);
	l.n = (unsigned)l.opt.actors;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* Before any thread: jansson seeds its hash once, libevent needs
	 * its locks before the base exists. */
	json_object_seed(0);
	if (evthread_use_pthreads() != 0) {
		fprintf(stderr, "actor: evthread_use_pthreads failed\n");
		return 2;
	}
	if (start(&l) < 0)
		l.status = 2;
	else
		event_base_dispatch(l.base);
	stop(&l);
	libevent_global_shutdown();
	/* under a detector, for the e2e script that watches it */
	if (l.status == 0)
		verdict_control();
	return l.status;
}
