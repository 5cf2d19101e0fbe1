// SPDX-License-Identifier: MIT
/*
 * racy_socket_write_after_send.c - over a socket pair, the worker sends
 * the "done" byte, then updates the shared statistics.
 *
 * The socket orders only what was written before the send.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static int sv[2];
static long bytes_sent;

static void *worker(void *arg)
{
	if (write(sv[1], "d", 1) != 1)
		return NULL;
	bytes_sent += 1; /* after the hand-off */
	return arg;
}

int main(void)
{
	pthread_t t;
	char c;
	long seen;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 2;
	pthread_create(&t, NULL, worker, NULL);
	if (read(sv[0], &c, 1) != 1)
		return 2;
	seen = bytes_sent;
	pthread_join(t, NULL);
	return seen > 1;
}
