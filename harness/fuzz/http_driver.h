/* SPDX-License-Identifier: MIT */
/*
 * http_driver.h - feed one fuzz input to a server's evhttp as the raw bytes
 * of an HTTP client's connection, in the fuzzing process itself, so that
 * the server's own request handler (and libevent's parser before it) runs
 * on every input. The client side is a plain socket on a loopback port the
 * driver binds once; the input is written, the loop run until an answer
 * starts (or a few idle turns), the write side shut, and the loop run
 * until the server has closed the connection (bounded by evhttp's timeout
 * of 1 s, which the driver sets).
 */
#ifndef FUZZ_HTTP_DRIVER_H
#define FUZZ_HTTP_DRIVER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evhttp;

/* What came back on the connection. */
struct http_reply {
	char head[64];   /* the first bytes: "HTTP/1.1 200 OK" */
	size_t bytes;    /* all bytes received */
	int status;      /* of the first response, 0 if none */
};

/*
 * http_driver_listen - bind http to a free port of 127.0.0.1 on base.
 * Call once. Returns 0, or -1 (said why on stderr).
 */
int http_driver_listen(struct event_base *base, struct evhttp *http);

/*
 * http_driver_send - connect, write data[0, size), shut the write side and
 * run base until the server closes. Fills reply. Returns 0, or -1 when the
 * connection could not be made (the caller aborts: the harness is broken).
 */
int http_driver_send(const uint8_t *data, size_t size,
		     struct http_reply *reply);

#endif /* FUZZ_HTTP_DRIVER_H */
