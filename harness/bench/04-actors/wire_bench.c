// SPDX-License-Identifier: MIT
/*
 * Lab 04 benchmarks, the wire: a request and its reply between two threads
 * over a socket, as actor_server and an actor process exchange them
 * (wire.h: JSON documents, each followed by a NUL).
 *
 *   actor/wire_round_trip/lab         TCP over loopback; both sides cut
 *                                     frames with the lab's frame_reader
 *                                     and encode and decode with wire.h:
 *                                     {"id":N,"method":"echo","args":[N]}
 *                                     out, {"id":N,"value":N} back.
 *   actor/wire_round_trip/tcp_bytes   the same connection and the same
 *                                     request's bytes, sent back unparsed:
 *                                     the transport alone.
 *   actor/wire_round_trip/socketpair  the same bytes over socketpair(2).
 *
 * One round trip per iteration, wall time per trip. The benchmark thread
 * is the client; an echo thread, started and joined in the case, serves.
 * Both block in read(2), as the lab's programs block in their event loop.
 * The client checks every reply (its id and value, or its bytes).
 */
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "bench_util.h"
#include "wire.h"

enum wire_mode { MODE_LAB, MODE_BYTES };

/* One connection: the client's end and the echo thread's. */
struct link {
	int client, server;
	enum wire_mode mode;
	pthread_t echo;
	/* set by the echo thread before it returns; read after the join */
	int echo_rc;
	const char *echo_what;
};

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read(2) that retries EINTR; the count, 0 at end of file, or -errno. */
static ssize_t read_some(int fd, char *buf, size_t cap)
{
	ssize_t n;

	while ((n = read(fd, buf, cap)) < 0 && errno == EINTR)
		;
	return n < 0 ? -errno : n;
}

/* A connected TCP pair over loopback, with Nagle's algorithm off: with it,
 * a small write waits for the previous one's acknowledgement, which the
 * peer delays by up to 40 ms. */
static int open_tcp_pair(int fds[2])
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int one = 1, rc = 0;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	fds[0] = fds[1] = -1;
	if (l < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0 ||
	    (fds[0] = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(fds[0], (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (fds[1] = accept(l, NULL, NULL)) < 0)
		rc = -errno;
	close(l);
	if (rc == 0 &&
	    (setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) <
		 0 ||
	     setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) <
		 0))
		rc = -errno;
	if (rc < 0) {
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		fds[0] = fds[1] = -1;
	}
	return rc;
}

/* ---- the echo thread ---------------------------------------------------- */

/* Answer one request frame: {"id":N,"value":args[0]}. */
static int answer(int fd, const char *frame, size_t len)
{
	char err[WIRE_ERR_MAX];
	json_t *req = wire_decode(frame, len, err, sizeof(err)), *args, *reply;
	const char *method;
	uint64_t id;
	size_t n;
	char *out;
	int rc;

	if (!req)
		return -EPROTO;
	rc = wire_parse_request(req, &id, &method, &args, err, sizeof(err));
	if (rc == 0) {
		reply = json_pack("{s:I, s:O}", "id", (json_int_t)id, "value",
				  json_array_get(args, 0));
		out = reply ? wire_encode(reply, &n) : NULL;
		rc = out ? write_all(fd, out, n) : -ENOMEM;
		free(out);
		json_decref(reply);
	}
	json_decref(req);
	return rc;
}

/* Serve until the client shuts its end: frames in, replies out (the lab's
 * wire), or every byte straight back (the transport alone). */
static void *echo_main(void *arg)
{
	struct link *k = arg;
	struct frame_reader r;
	const char *frame;
	char buf[4096];
	size_t len;
	ssize_t n;
	int rc = k->mode == MODE_LAB ? frame_reader_init(&r, 0) : 0;

	k->echo_what = "frame_reader_init";
	while (rc == 0 && (n = read_some(k->server, buf, sizeof(buf))) != 0) {
		k->echo_what = "the echo thread's read";
		rc = n < 0 ? (int)n : 0;
		if (rc == 0 && k->mode == MODE_BYTES) {
			k->echo_what = "the echo thread's write";
			rc = write_all(k->server, buf, (size_t)n);
			continue;
		}
		if (rc == 0) {
			k->echo_what = "frame_reader_feed";
			rc = frame_reader_feed(&r, buf, (size_t)n);
		}
		while (rc == 0 && frame_reader_next(&r, &frame, &len) == 0) {
			k->echo_what = "the echo thread's answer";
			rc = answer(k->server, frame, len);
		}
	}
	if (k->mode == MODE_LAB)
		frame_reader_destroy(&r);
	k->echo_rc = rc;
	/* Gone for whatever reason: the client's next read sees end of
	 * file instead of waiting for ever. */
	shutdown(k->server, SHUT_RDWR);
	return NULL;
}

/* ---- the client --------------------------------------------------------- */

/* One trip through the lab's wire: 0, or a negative errno with *what. */
static int trip_lab(struct link *k, struct frame_reader *r, uint64_t id,
		    const char **what)
{
	char buf[4096], err[WIRE_ERR_MAX];
	json_t *req = wire_request(id, "echo", json_pack("[I]", (json_int_t)id));
	json_t *reply;
	const char *frame;
	uint64_t got = 0;
	size_t len;
	char *out = req ? wire_encode(req, &len) : NULL;
	int rc = out ? write_all(k->client, out, len) : -ENOMEM;

	*what = "sending the request";
	free(out);
	json_decref(req);
	while (rc == 0 && frame_reader_next(r, &frame, &len) == -EAGAIN) {
		ssize_t n = read_some(k->client, buf, sizeof(buf));

		*what = "reading the reply";
		rc = n < 0 ? (int)n : n == 0 ? -ECONNRESET : 0;
		if (rc == 0)
			rc = frame_reader_feed(r, buf, (size_t)n);
	}
	if (rc != 0)
		return rc;
	*what = "the reply";
	reply = wire_decode(frame, len, err, sizeof(err));
	rc = reply && wire_reply_id(reply, &got) == 0 && got == id &&
		     json_integer_value(json_object_get(reply, "value")) ==
			 (json_int_t)id
		 ? 0
		 : -EPROTO;
	json_decref(reply);
	return rc;
}

/* One trip of the same bytes, unparsed: 0, or a negative errno. */
static int trip_bytes(struct link *k, const char *frame, size_t len,
		      const char **what)
{
	char buf[4096];
	size_t got = 0;
	int rc = write_all(k->client, frame, len);

	*what = "sending the bytes";
	while (rc == 0 && got < len) {
		ssize_t n = read_some(k->client, buf + got, sizeof(buf) - got);

		*what = "reading the bytes back";
		rc = n < 0 ? (int)n : n == 0 ? -ECONNRESET : 0;
		got += rc == 0 ? (size_t)n : 0;
	}
	*what = "the bytes sent back";
	return rc != 0 ? rc : got == len && !memcmp(buf, frame, len) ? 0 : -EPROTO;
}

/* The trips of one case, on a connected link; reports its own errors. */
static void round_trips(struct bench_state *s, struct link *k,
			struct frame_reader *r)
{
	json_t *req = wire_request(1, "echo", json_pack("[I]", (json_int_t)1));
	const char *what = "encoding the request";
	uint64_t trips = 0;
	size_t len = 0;
	char *frame = req ? wire_encode(req, &len) : NULL;
	int rc = frame ? 0 : -ENOMEM;

	json_decref(req);
	if (rc == 0 && pthread_create(&k->echo, NULL, echo_main, k) != 0) {
		rc = -EAGAIN;
		what = "pthread_create";
	}
	if (rc != 0) {
		bench_fail_errno(s, what, rc);
		free(frame);
		return;
	}
	while (rc == 0 && bench_keep_running(s)) {
		rc = k->mode == MODE_LAB ? trip_lab(k, r, trips + 1, &what)
					 : trip_bytes(k, frame, len, &what);
		trips += rc == 0;
	}
	shutdown(k->client, SHUT_WR); /* the echo thread sees end of file */
	pthread_join(k->echo, NULL);
	/* The echo thread's error first: the client's is then its echo. */
	if (k->echo_rc != 0)
		bench_fail_errno(s, k->echo_what, k->echo_rc);
	else if (rc != 0)
		bench_fail_errno(s, what, rc);
	bench_items_processed(s, (int64_t)trips);
	free(frame);
}

static void run_case(struct bench_state *s, enum wire_mode mode, bool tcp)
{
	struct link k = {.mode = mode};
	struct frame_reader r;
	int fds[2];
	int rc = mode == MODE_LAB ? frame_reader_init(&r, 0) : 0;

	if (rc != 0) {
		bench_fail_errno(s, "frame_reader_init", rc);
		return;
	}
	if (tcp)
		rc = open_tcp_pair(fds);
	else if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
		rc = -errno;
	if (rc != 0) {
		bench_fail_errno(
		    s, tcp ? "opening a TCP connection" : "socketpair", rc);
	} else {
		k.client = fds[0];
		k.server = fds[1];
		round_trips(s, &k, &r);
		close(k.client);
		close(k.server);
	}
	if (mode == MODE_LAB)
		frame_reader_destroy(&r);
}

static void bm_wire_lab(struct bench_state *s)
{
	run_case(s, MODE_LAB, true);
}

static void bm_wire_tcp_bytes(struct bench_state *s)
{
	run_case(s, MODE_BYTES, true);
}

static void bm_wire_socketpair(struct bench_state *s)
{
	run_case(s, MODE_BYTES, false);
}

BENCH_CASES(wire_cases)
{
	bench_real_time(
	    bench_register("actor/wire_round_trip/lab", bm_wire_lab));
	bench_real_time(bench_register("actor/wire_round_trip/tcp_bytes",
				       bm_wire_tcp_bytes));
	bench_real_time(bench_register("actor/wire_round_trip/socketpair",
				       bm_wire_socketpair));
}
