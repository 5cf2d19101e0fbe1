// SPDX-License-Identifier: MIT
/*
 * clean_connect_accept.c - a server thread publishes its configuration,
 * then listens on an abstract UNIX socket; main connects and, once
 * connected and answered, reads the configuration.
 *
 * The configuration is written before the server's send() and read after
 * main's recv() of it: ordered through the connection. TSan models a
 * socket's send/receive as happens-before; Helgrind and DRD do not.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int listener;
static int config[4];

static void *server(void *arg)
{
	int c;

	c = accept(listener, NULL, NULL);
	if (c < 0)
		return NULL;
	for (int i = 0; i < 4; i++)
		config[i] = i + 1;
	if (write(c, "k", 1) != 1)
		return NULL;
	close(c);
	return arg;
}

int main(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	pthread_t t;
	int s, sum = 0;
	char k;

	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "race-cfg-%d", (int)getpid());
	listener = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(listener, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(listener, 1) != 0)
		return 2;
	pthread_create(&t, NULL, server, NULL);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0 || read(s, &k, 1) != 1)
		return 2;
	for (int i = 0; i < 4; i++)
		sum += config[i];
	config[0] = 0;
	pthread_join(t, NULL);
	close(s);
	close(listener);
	return sum != 10;
}
