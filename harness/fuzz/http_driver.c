// SPDX-License-Identifier: MIT
/*
 * http_driver.c - one fuzz input as one HTTP client connection to an
 * in-process evhttp (see http_driver.h).
 */
#include "http_driver.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/http.h>

static struct event_base *driver_base;
static struct sockaddr_in driver_addr;

int http_driver_listen(struct event_base *base, struct evhttp *http)
{
	struct evhttp_bound_socket *bound;
	socklen_t len = sizeof(driver_addr);

	bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	if (!bound || getsockname(evhttp_bound_socket_get_fd(bound),
				  (struct sockaddr *)&driver_addr, &len) < 0) {
		fprintf(stderr, "http_driver: cannot listen: %s\n",
			strerror(errno));
		return -1;
	}
	evhttp_set_timeout(http, 1);
	driver_base = base;
	return 0;
}

struct client {
	int fd;
	struct event *ev;
	bool done;
	struct http_reply *reply;
};

static void on_client(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	(void)what;
	if (n > 0) {
		size_t keep = sizeof(c->reply->head) - 1 - c->reply->bytes;

		if (c->reply->bytes < sizeof(c->reply->head) - 1)
			memcpy(c->reply->head + c->reply->bytes, buf,
			       (size_t)n < keep ? (size_t)n : keep);
		c->reply->bytes += (size_t)n;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	c->done = true; /* EOF or reset: the server is done with us */
	event_del(c->ev);      /* an end of stream stays readable */
}

/* Write everything, waiting while the server's buffer is full. */
static void write_all(int fd, const uint8_t *data, size_t size)
{
	while (size > 0) {
		ssize_t n = send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			data += n;
			size -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			event_base_loop(driver_base, EVLOOP_ONCE);
		} else {
			return; /* the server closed early: fine */
		}
	}
}

/*
 * Connect fd (non-blocking) to the server. On loopback the kernel
 * completes the handshake from the listen backlog, without the server's
 * loop. libFuzzer's timeout alarm fires every second, so a blocking
 * connect() can fail with EINTR half way: wait with poll(), which is
 * simply called again when interrupted.
 */
static int connect_loopback(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int err = 0;

	if (connect(fd, (struct sockaddr *)&driver_addr,
		    sizeof(driver_addr)) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -1;
	while (poll(&p, 1, 10000) < 0)
		if (errno != EINTR)
			return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		errno = err ? err : errno;
		return -1;
	}
	return 0;
}

int http_driver_send(const uint8_t *data, size_t size,
		     struct http_reply *reply)
{
	struct client c = {.reply = reply};
	struct event *ev;

	memset(reply, 0, sizeof(*reply));
	c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c.fd < 0 || connect_loopback(c.fd) < 0) {
		perror("http_driver: connect");
		return -1;
	}
	ev = event_new(driver_base, c.fd, EV_READ | EV_PERSIST, on_client, &c);
	c.ev = ev;
	if (!ev || event_add(ev, NULL) < 0)
		abort();
	write_all(c.fd, data, size);
	/* Let the server read and answer while the connection is whole (a
	 * server that sees the client's FIN before the request may rightly
	 * drop the work); then half-close, so that an incomplete request
	 * ends at once instead of at the timeout. */
	for (int i = 0; i < 64 && !reply->bytes && !c.done; i++)
		event_base_loop(driver_base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	shutdown(c.fd, SHUT_WR);
	while (!c.done)
		event_base_loop(driver_base, EVLOOP_ONCE);
	event_free(ev);
	close(c.fd);
	if (strncmp(reply->head, "HTTP/1.", 7) == 0 && reply->bytes >= 12)
		reply->status = atoi(reply->head + 9);
	return 0;
}
