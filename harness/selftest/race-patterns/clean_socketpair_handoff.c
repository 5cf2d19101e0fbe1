// SPDX-License-Identifier: MIT
/*
 * clean_socketpair_handoff.c - two threads hand a heap block back and
 * forth over a UNIX socket pair, sending the pointer itself.
 *
 * Whoever received the pointer owns the block until it sends it back;
 * the send-receive pair orders the accesses. TSan models it; Helgrind and
 * DRD see two threads writing the block with no lock.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int sv[2];

static void *echo(void *arg)
{
	int *block;

	for (int i = 0; i < 3; i++) {
		if (read(sv[1], &block, sizeof(block)) != sizeof(block))
			return NULL;
		*block += 1;
		if (write(sv[1], &block, sizeof(block)) != sizeof(block))
			return NULL;
	}
	return arg;
}

int main(void)
{
	int *block = calloc(1, sizeof(*block));
	pthread_t t;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 2;
	pthread_create(&t, NULL, echo, NULL);
	for (int i = 0; i < 3; i++) {
		*block += 10;
		if (write(sv[0], &block, sizeof(block)) != sizeof(block) ||
		    read(sv[0], &block, sizeof(block)) != sizeof(block))
			return 2;
	}
	pthread_join(t, NULL);
	int ok = *block == 33;
	free(block);
	return !ok;
}
