// SPDX-License-Identifier: MIT
/*
 * fuzz_actor_http.c - libFuzzer target: lab 04's actor_server as an HTTP
 * client meets it. The input is the raw bytes a client sends; they reach
 * the server's own http_on_request() (request_body(), parse_path(),
 * route_request()) through libevent's evhttp in this process
 * (http_driver.h). No actor has joined, so every well-formed GET /N is
 * answered 503 EMPTY ACTOR POOL: the path parsing runs, nothing waits.
 *
 * The request handling is given code with static helpers
 * (harness/given/04-actors/apps/server_http.c), and the set-up is static
 * in the server's main file: this file includes both, main() renamed.
 * Checked beyond crashes and leaks: parse_path() accepts exactly "/" and
 * digits with a value below SQUARE_SUM_LIMIT (leading zeros allowed),
 * checked on the input as a string too; no request stays pending.
 */
#define main actor_server_main
#include "actor_server.c" /* harness/given/04-actors/apps, by -I */
#undef main
#include "server_http.c"

#include "http_driver.h"

/* What parse_path() must accept: "/" then digits, value < the limit. */
static bool path_ok(const char *p, json_int_t *want)
{
	unsigned long long v = 0;
	const char *s = p + 1;

	if (p[0] != '/' || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long long)(*s - '0');
		if (v >= SQUARE_SUM_LIMIT)
			return false;
	}
	*want = (json_int_t)v;
	return true;
}

static void check_parse_path(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	json_int_t got = -1, want = -1;
	bool ok;

	if (!s)
		abort();
	ok = path_ok(s, &want);
	if ((parse_path(s, &got) == 0) != ok || (ok && got != want))
		abort();
	free(s);
}

static struct server fuzz_srv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct server *srv = &fuzz_srv;

	(void)argc, (void)argv;
	json_object_seed(1);
	if (evthread_use_pthreads() != 0)
		abort();
	router_register_thread();
	srv->opt.quiet = true;
	srv->opt.timeout_ms = 1000;
	srv->web_base = event_base_new();
	srv->http = srv->web_base ? evhttp_new(srv->web_base) : NULL;
	if (!srv->http || start_actors(srv) < 0)
		abort();
	evhttp_set_gencb(srv->http, http_on_request, srv);
	if (http_driver_listen(srv->web_base, srv->http) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_reply reply;

	check_parse_path(data, size);
	if (http_driver_send(data, size, &reply) < 0)
		abort();
	/* Whatever the bytes, nothing waits afterwards. */
	if (fuzz_srv.pending.n != 0)
		abort();
	return 0;
}
