// SPDX-License-Identifier: MIT
/*
 * Lab 04: fake_server - plays actor_server's side of the link to test the
 * actor program end to end: it listens on a free port of 127.0.0.1, starts
 * the actor given on its command line, and sends it what a server may and
 * may not send:
 *
 *   one request; two in one write; one written a byte at a time; a burst
 *   of 200 in one write; an unknown method; bad arguments; "count";
 *   malformed JSON; an error report (which must get no answer); and last
 *   70 000 bytes without a NUL, which must make the actor close the link.
 *
 * Every answer is checked: the same id, the right square_sum, the actor's
 * own pid, error answers for the bad requests. The frames are split here
 * with our own code, not the lab's. The actor is always killed at the end.
 *
 *   fake_server [--seed S] [--quiet] ACTOR [ACTOR-ARGS...]
 *
 * Prints RESULT and STAT lines; exit 0, 1 (some check failed) or 2 (the
 * actor never connected: its own message says why).
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <jansson.h>

#include "scenario.h"

#define TIMEOUT_MS 10000

static struct scenario sc = {.name = "fake_server",
			     .summary = "the actor program against a fake "
					"server",
			     .runs = 1};
static pid_t child;
static int conn = -1;
static char inbuf[1 << 20];
static size_t inlen;
static unsigned checks, wrong;
static char first_wrong[512];

static void failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failed(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (wrong++ == 0)
		snprintf(first_wrong, sizeof(first_wrong), "%s", msg);
	if (wrong <= 5)
		fprintf(stderr, "fake_server: FAIL: %s\n", msg);
}

/* The link closed while answers were due: if the actor exited, that is
 * the finding (its own message is above); stop here. */
static void actor_gone(const char *what)
{
	int status;

	for (int i = 0; i < 100; i++) {
		if (waitpid(child, &status, WNOHANG) == child) {
			fprintf(stderr, "fake_server: %s: the actor exited with "
				"status %d (its own message is above)\n", what,
				WIFEXITED(status) ? WEXITSTATUS(status)
						  : 128 + WTERMSIG(status));
			exit(2);
		}
		usleep(10000);
	}
	failed("%s: the actor closed the link", what);
}

static double square_sum(long n)
{
	double sum = 0;

	for (long i = 0; i < n; i++)
		sum += sqrt((double)i);
	return sum;
}

static void send_all(const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = send(conn, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void send_frame(const char *json)
{
	send_all(json, strlen(json) + 1);
}

/* The next frame from the actor, parsed, or NULL after ms milliseconds (or
 * when the link closed: *closed is set then). */
static json_t *next_frame(int ms, bool *closed)
{
	for (;;) {
		char *nul = memchr(inbuf, '\0', inlen);
		struct pollfd pfd = {conn, POLLIN, 0};
		ssize_t n;

		if (nul) {
			json_error_t e;
			json_t *j = json_loads(inbuf, 0, &e);
			size_t used = (size_t)(nul - inbuf) + 1;

			if (!j)
				failed("the actor sent malformed JSON: %s: %.80s",
				       e.text, inbuf);
			memmove(inbuf, inbuf + used, inlen - used);
			inlen -= used;
			if (j)
				return j;
			continue;
		}
		if (poll(&pfd, 1, ms) <= 0)
			return NULL;
		n = recv(conn, inbuf + inlen, sizeof(inbuf) - inlen - 1, 0);
		if (n <= 0) {
			*closed = true;
			return NULL;
		}
		inlen += (size_t)n;
	}
}

static long long id_of(const json_t *j)
{
	json_t *id = json_object_get(j, "id");

	return json_is_integer(id) ? json_integer_value(id) : -1;
}

/* Wait for the answers to ids first..last (any order), and check each:
 * a square_sum of the id itself, unless want_error. */
static void expect_answers(long first, long last, bool want_error,
			   const char *what)
{
	long n = last - first + 1, got = 0;
	char *seen = calloc((size_t)n, 1);
	bool closed = false;

	while (got < n) {
		json_t *j = next_frame(TIMEOUT_MS, &closed);
		long long id = j ? id_of(j) : -1;

		if (!j) {
			if (closed)
				actor_gone(what);
			failed("%s: %ld of %ld answers came within %d ms", what,
			       got, n, TIMEOUT_MS);
			break;
		}
		checks++;
		if (id < first || id > last || seen[id - first]) {
			char *t = json_dumps(j, JSON_COMPACT);

			failed("%s: an answer with an unexpected id: %s", what,
			       t);
			free(t);
		} else if (want_error != !!json_object_get(j, "error")) {
			failed("%s: answer %lld %s an error", what, id,
			       want_error ? "is not" : "is");
		} else if (!want_error) {
			double v = json_number_value(json_object_get(j, "value"));
			double want = square_sum((long)id);
			json_t *pid = json_object_get(j, "pid");

			if (fabs(v - want) > 1e-9 * (want > 1 ? want : 1))
				failed("%s: square_sum(%lld) = %.17g, want "
				       "%.17g", what, id, v, want);
			if (json_integer_value(pid) != child)
				failed("%s: pid %lld, want the actor's %d", what,
				       (long long)json_integer_value(pid),
				       (int)child);
		}
		if (id >= first && id <= last)
			seen[id - first] = 1;
		got++;
		json_decref(j);
	}
	free(seen);
}

/* The answer to a request that must fail: an error, for want_id (-1:
 * "id":null), whose text contains word. */
static void expect_error(long long want_id, const char *word,
			 const char *what)
{
	bool closed = false;
	json_t *j = next_frame(TIMEOUT_MS, &closed);
	const char *text = json_string_value(json_object_get(j, "error"));

	checks++;
	if (!j && closed)
		actor_gone(what);
	if (!j)
		failed("%s: no answer within %d ms", what, TIMEOUT_MS);
	else if (!text || !strstr(text, word))
		failed("%s: want an error about '%s', got %s", what, word,
		       text ? text : "no error");
	else if (id_of(j) != want_id)
		failed("%s: the error has id %lld, want %lld", what, id_of(j),
		       want_id);
	json_decref(j);
}

static void requests(void)
{
	static const char two[] =
		"{\"id\":2,\"method\":\"square_sum\",\"args\":[2]}\0"
		"{\"id\":3,\"method\":\"square_sum\",\"args\":[3]}";
	static const char slow[] =
		"{\"id\":4,\"method\":\"square_sum\",\"args\":[4]}";
	char burst[200 * 64];
	size_t len = 0;

	send_frame("{\"id\":1000,\"method\":\"square_sum\",\"args\":[1000]}");
	expect_answers(1000, 1000, false, "one request");
	send_all(two, sizeof(two));
	expect_answers(2, 3, false, "two requests in one write");
	for (size_t i = 0; i < sizeof(slow); i++) {
		struct timespec ms = {0, 1000000};

		send_all(slow + i, 1);
		nanosleep(&ms, NULL);
	}
	expect_answers(4, 4, false, "one request a byte at a time");
	for (int id = 100; id < 300; id++)
		len += (size_t)sprintf(burst + len, "{\"id\":%d,\"method\":"
				       "\"square_sum\",\"args\":[%d]}", id,
				       id) + 1;
	send_all(burst, len);
	expect_answers(100, 299, false, "200 requests in one write");
}

static void bad_requests(void)
{
	bool closed = false;
	json_t *j;

	send_frame("{\"id\":5,\"method\":\"cube_sum\",\"args\":[3]}");
	expect_error(5, "unknown method", "an unknown method");
	send_frame("{\"id\":6,\"method\":\"square_sum\",\"args\":[\"x\"]}");
	expect_error(6, "args", "bad arguments");
	send_frame("{\"id\":7,\"method\":tru}");
	expect_error(-1, "malformed", "malformed JSON");
	send_frame("{\"id\":null,\"error\":\"the fake server complains\"}");
	send_frame("{\"id\":8,\"method\":\"count\",\"args\":[]}");
	j = next_frame(TIMEOUT_MS, &closed);
	checks++;
	if (!j && closed)
		actor_gone("count");
	if (!j || id_of(j) != 8 ||
	    !json_is_integer(json_object_get(j, "value")))
		failed("count: want {\"id\":8,\"value\":<a count>}, and no "
		       "answer to an error report");
	json_decref(j);
}

/* 70 000 bytes without a NUL: the actor must close the link and exit. */
static void oversized(void)
{
	static char junk[70000];
	bool closed = false;
	json_t *j;
	int status;

	memset(junk, 'x', sizeof(junk));
	send_all(junk, sizeof(junk));
	while ((j = next_frame(TIMEOUT_MS, &closed)) != NULL)
		json_decref(j);
	checks++;
	if (!closed)
		failed("an oversized message: the actor kept the link open");
	for (int i = 0; i < 500 && waitpid(child, &status, WNOHANG) == 0; i++)
		usleep(10000);
	if (kill(child, 0) == 0)
		failed("an oversized message: the actor did not exit");
	else
		child = 0;
}

static int listen_any(unsigned *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		scenario_die("listen on 127.0.0.1", -errno);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void start_actor(char **argv, unsigned port)
{
	char addr[32];
	int argc = 0;
	char **args;

	while (argv[argc])
		argc++;
	args = calloc((size_t)argc + 2, sizeof(*args));
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	args[0] = argv[0];
	args[1] = addr;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	child = fork();
	if (child == 0) {
		execv(args[0], args);
		fprintf(stderr, "fake_server: cannot run %s: %s\n", args[0],
			strerror(errno));
		_exit(2);
	}
	free(args);
}

/* Accept the actor's connection; exit 2 if it dies first. */
static void accept_actor(int lfd)
{
	struct pollfd pfd = {lfd, POLLIN, 0};
	int status;

	for (int i = 0; i < TIMEOUT_MS / 100; i++) {
		if (poll(&pfd, 1, 100) > 0) {
			conn = accept(lfd, NULL, NULL);
			return;
		}
		if (waitpid(child, &status, WNOHANG) == child) {
			fprintf(stderr, "fake_server: the actor exited with "
				"status %d before connecting (its own message "
				"is above)\n",
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
				WTERMSIG(status));
			exit(2);
		}
	}
	fprintf(stderr, "fake_server: the actor did not connect within "
		"%d ms\n", TIMEOUT_MS);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned port;
	int lfd, first = 1;

	verdict_take(); /* before the actor starts (verdict.h) */
	while (first < argc && strncmp(argv[first], "--", 2) == 0)
		first += strcmp(argv[first], "--seed") == 0 ? 2 : 1;
	if (first >= argc) {
		fprintf(stderr, "usage: fake_server [--seed S] [--quiet] ACTOR "
			"[ARGS...]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = listen_any(&port);
	start_actor(argv + first, port);
	accept_actor(lfd);
	requests();
	bad_requests();
	oversized();
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	close(conn);
	close(lfd);
	if (wrong)
		scenario_fail(&sc, 0, "%u of %u checks failed; the first: %s",
			      wrong, checks, first_wrong);
	if (wrong)
		printf("RESULT: %s (%u of %u checks failed)\n", first_wrong,
		       wrong, checks);
	else
		printf("RESULT: %u answers checked, all right\n", checks);
	return scenario_finish(&sc);
}
