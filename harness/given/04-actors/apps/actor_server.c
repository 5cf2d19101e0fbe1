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
 * leave: RCU (router.h). server.h names the parts; this file holds the
 * options, start and stop.
 *
 * Given code (harness/given/): your work is in src/.
 *
 *   build/native/labs/bin/actor_server 127.0.0.1:8000 127.0.0.1:9000
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <jansson.h>

#include "commands.h"
#include "server.h"
#include "verdict.h"

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *to)
{
	fprintf(to,
		"usage: actor_server [WEB_HOST:PORT [ACTOR_HOST:PORT]]\n"
		"       [--local N] [--threads N] [--delay-ms N]\n"
		"       [--timeout-ms N] [--retries N] [--stop-ms N]\n"
		"       [--max-frame N] [--seed N] [--quiet]\n"
		"The chapter: node server.js 127.0.0.1:8000 127.0.0.1:9000 (the\n"
		"defaults; port 0 lets the kernel choose, and the address is\n"
		"printed). --local N adds N in-server actors on a lab-01 pool of\n"
		"--threads (4) leastbusy workers (the chapter's bonus).\n"
		"--retries: how often a request is re-sent when its actor\n"
		"dies with it and others in flight; once more, and it is\n"
		"answered 502. A request alone on an actor that dies is the\n"
		"suspect: answered 502 at once, never re-sent.\n"
		"Defaults: --delay-ms 100 --timeout-ms 30000 --retries 1\n"
		"--stop-ms 3000 --max-frame %d.\n", WIRE_MAX_FRAME);
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
		"--retries", "--max-frame", "--seed", "--stop-ms",
	};
	static const unsigned long long lo[] = {0, 1, 0, 1, 0, 16, 0, 0};
	static const unsigned long long hi[] = {
		MAX_LOCAL, TPOOL_MAX_SIZE, SQUARE_SUM_MAX_DELAY_MS, 3600000,
		100, 1 << 24, ~0ull, 3600000};
	unsigned long long v[8] = {0, 4, SQUARE_SUM_DELAY_MS, 30000, 1,
				   WIRE_MAX_FRAME,
				   (unsigned long long)time(NULL), 3000};
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
		for (k = 0; k < 8 && strcmp(argv[i], names[k]); k++)
			;
		if (k == 8 || i + 1 == argc ||
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
	o->stop_ms = (unsigned long)v[7];
}

/* ---- start and stop ------------------------------------------------------ */

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
	char host[INET_ADDRSTRLEN];

	if (parse_addr(srv->opt.web, &web) < 0 ||
	    parse_addr(srv->opt.link, &link) < 0)
		return -1;
	inet_ntop(AF_INET, &web.sin_addr, host, sizeof(host));
	srv->bound = evhttp_bind_socket_with_handle(srv->http, host,
						    ntohs(web.sin_port));
	srv->listener = evconnlistener_new_bind(
		srv->link_base, link_on_accept, srv,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
		(struct sockaddr *)&link, sizeof(link));
	if (!srv->bound || !srv->listener) {
		fprintf(stderr, "actor_server: cannot listen on %s: %s\n",
			!srv->bound ? srv->opt.web : srv->opt.link,
			strerror(errno));
		return -1;
	}
	printf("web: http://%s:%u\n", host,
	       bound_port(evhttp_bound_socket_get_fd(srv->bound)));
	inet_ntop(AF_INET, &link.sin_addr, host, sizeof(host));
	printf("actor: tcp://%s:%u\n", host,
	       bound_port(evconnlistener_get_fd(srv->listener)));
	return 0;
}

/* The chapter's bonus: in-server compute actors on a lab-01 pool. */
static int start_local(struct server *srv)
{
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < srv->n_local; i++)
		rc = route_local_start(srv, i);
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
	struct actor_spec front = {.name = "front", .handle = http_front_handle,
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

/*
 * Close the HTTP port: a new client is refused at once. Not with
 * evhttp_del_accept_socket(), which frees the listener's event, and
 * libevent's teardown writes a global (its debug mode's "too late" flag)
 * that the link thread's loop writes too: Helgrind reports the pair. The
 * listener stops being polled, and on Linux shutdown() of a listening
 * socket stops the listening; evhttp_free() closes it in stop().
 */
static void stop_listening(struct server *srv)
{
	if (!srv->bound)
		return;
	evconnlistener_disable(evhttp_bound_socket_get_listener(srv->bound));
	shutdown(evhttp_bound_socket_get_fd(srv->bound), SHUT_RD);
	srv->bound = NULL;
}

/*
 * SIGTERM or SIGINT: stop accepting (the HTTP socket closes, so a new
 * client is refused at once; actors stay linked), and let the requests in
 * flight be answered: the main loop stops when the last is, or after
 * --stop-ms. A second signal stops at once. stop() answers the rest.
 */
static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = {(time_t)(srv->opt.stop_ms / 1000),
			     (suseconds_t)(srv->opt.stop_ms % 1000) * 1000};

	(void)what;
	if (srv->stopping) {
		event_base_loopbreak(srv->web_base);
		return;
	}
	printf("actor_server: signal %d, stopping (%zu requests in flight)\n",
	       (int)sig, srv->pending.n);
	srv->stopping = true;
	srv->draining = true;
	stop_listening(srv);
	if (srv->pending.n == 0 || evtimer_add(srv->stop_timer, &tv) < 0)
		event_base_loopbreak(srv->web_base);
}

static void on_stop_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	printf("actor_server: %zu requests still in flight after %lu ms\n",
	       srv->pending.n, srv->opt.stop_ms);
	event_base_loopbreak(srv->web_base);
}

static int start(struct server *srv)
{
	srv->web_base = event_base_new();
	srv->link_base = event_base_new();
	if (!srv->web_base || !srv->link_base)
		return -1;
	srv->http = evhttp_new(srv->web_base);
	srv->front_wake = event_new(srv->web_base, -1, 0, http_on_front_wake,
				    srv);
	srv->link_stop = event_new(srv->link_base, -1, 0, link_on_stop, srv);
	srv->on_signal[0] = evsignal_new(srv->web_base, SIGINT, on_stop, srv);
	srv->on_signal[1] = evsignal_new(srv->web_base, SIGTERM, on_stop, srv);
	srv->stop_timer = evtimer_new(srv->web_base, on_stop_timer, srv);
	if (!srv->http || !srv->front_wake || !srv->link_stop ||
	    !srv->stop_timer)
		return -1;
	for (int i = 0; i < 2; i++)
		if (!srv->on_signal[i] || evsignal_add(srv->on_signal[i], NULL))
			return -1;
	evhttp_set_gencb(srv->http, http_on_request, srv);
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
	srv->draining = false; /* the flush below runs its full time */
	if (started) {
		event_active(srv->link_stop, EV_READ, 0);
		pthread_join(srv->link_thread, NULL);
		while (actor_run(srv->front) > 0)
			;
	}
	while ((rq = idmap_take(&srv->pending, 0, true)) != NULL) {
		http_send_error(rq->req, 503, "the server is shutting down");
		http_request_free(rq);
	}
	if (started) {
		event_base_loopexit(srv->web_base, &flush);
		event_base_dispatch(srv->web_base);
	}
	actor_system_destroy(srv->sys);
	route_local_stop(srv);
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
	if (srv->stop_timer)
		event_free(srv->stop_timer);
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
	       "%lu re-sent, %lu given up as poison)\n", srv.requests,
	       srv.answered, srv.resent, srv.poisoned);
	/* under a detector, for the e2e script that watches it */
	verdict_control();
	return 0;
}
